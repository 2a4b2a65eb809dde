"""Writes for the agenda: activities, their stored dates, moderation.

Every function runs in one transaction and raises DomainError (from network.services) with
a translated message the view shows as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from network.models import Organisation, User
from network.services import DomainError, unique_slug

from . import recurrence
from .models import Activity, Occurrence, Place, Room, Status

#: Dates are stored this far ahead; a nightly task moves the horizon along.
HORIZON_DAYS = 400
#: The fields that make up a schedule, in the order an editor fills them in.
SCHEDULE_FIELDS = (
    "start_date",
    "start_time",
    "end_time",
    "frequency",
    "monthly_ordinal",
    "until",
    "count",
    "exception_dates",
)


def local_datetime(day: date, at: time | None) -> datetime:
    """A wall-clock time on a day in the site's time zone (Europe/Amsterdam), DST-aware."""
    return timezone.make_aware(datetime.combine(day, at or time(0, 0)))


def occurrence_times(activity: Activity, day: date) -> tuple[datetime, datetime | None, bool]:
    """(starts_at, ends_at, all_day) of the activity on a day."""
    if activity.start_time is None:
        start = local_datetime(day, None)
        return start, local_datetime(day + timedelta(days=1), None), True
    start = local_datetime(day, activity.start_time)
    if activity.end_time is None:
        return start, None, False
    end_day = day if activity.end_time > activity.start_time else day + timedelta(days=1)
    return start, local_datetime(end_day, activity.end_time), False


def horizon_end(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=HORIZON_DAYS)


@transaction.atomic
def materialise_occurrences(
    *, activity: Activity, until: date | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Make the stored dates match the schedule from now up to the horizon.

    Past dates are never touched: attendance hangs on them. Dates changed on their own
    (moved, other place) are kept. A date that drops out of the schedule is deleted, or
    cancelled when people registered for it, so nobody loses their place silently.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    until = until or horizon_end(today)
    schedule = recurrence.Schedule.of(activity)
    days = recurrence.expand(schedule, start=today, end=until)
    wanted = {day: occurrence_times(activity, day) for day in days}
    # One regeneration per activity at a time: the activity row is the lock.
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    existing = {
        occurrence.original_date: occurrence
        for occurrence in Occurrence.objects.filter(
            activity=activity, original_date__gte=today
        ).annotate_registrations()
    }
    created, updated, removed, cancelled = [], [], [], []
    for day, (starts_at, ends_at, all_day) in wanted.items():
        occurrence = existing.pop(day, None)
        if occurrence is None:
            created.append(
                Occurrence(
                    activity=activity,
                    original_date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    all_day=all_day,
                )
            )
        elif not occurrence.is_detached and occurrence.starts_at >= now:
            # Not detached yet cancelled: an earlier regeneration cancelled it because it
            # dropped out of the schedule (editors' cancellations detach). It is back now.
            restored = occurrence.is_cancelled
            moved = (occurrence.starts_at, occurrence.ends_at, occurrence.all_day) != (
                starts_at,
                ends_at,
                all_day,
            )
            if restored or moved:
                occurrence.starts_at, occurrence.ends_at, occurrence.all_day = (
                    starts_at,
                    ends_at,
                    all_day,
                )
                occurrence.is_cancelled, occurrence.cancel_reason = False, ""
                updated.append(occurrence)
    for occurrence in existing.values():
        if occurrence.starts_at < now:
            continue
        if occurrence.active_registrations:
            if not occurrence.is_cancelled:
                occurrence.is_cancelled = True
                occurrence.cancel_reason = _("This date is no longer in the schedule.")
                cancelled.append(occurrence)
        else:
            removed.append(occurrence.pk)
    Occurrence.objects.bulk_create(created, batch_size=1000)
    Occurrence.objects.bulk_update(
        updated,
        ["starts_at", "ends_at", "all_day", "is_cancelled", "cancel_reason"],
        batch_size=1000,
    )
    Occurrence.objects.bulk_update(cancelled, ["is_cancelled", "cancel_reason"], batch_size=1000)
    if cancelled:
        from .registration import notify_registrants_of_cancellation

        notify_registrants_of_cancellation(occurrences=cancelled)
    Occurrence.objects.filter(pk__in=removed).delete()
    activity.materialised_until = until
    activity.save(update_fields=["materialised_until"])
    return {
        "created": len(created),
        "updated": len(updated),
        "removed": len(removed),
        "cancelled": len(cancelled),
    }


def extend_horizons(*, today: date | None = None, batch: int = 500) -> int:
    """Move every series' stored dates along to the horizon; bounded work per activity."""
    today = today or timezone.localdate()
    target = horizon_end(today)
    pending = (
        Activity.objects.exclude(frequency="once")
        .filter(status__in=[Status.PUBLISHED, Status.SUBMITTED, Status.RETURNED, Status.DRAFT])
        .filter(Q(materialised_until__isnull=True) | Q(materialised_until__lt=target))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in pending.iterator(chunk_size=batch):
        activity = Activity.objects.get(pk=pk)
        materialise_occurrences(activity=activity, until=target)
        done += 1
    return done


def _normalised(data: dict) -> dict:
    """Skipped dates as sorted ISO strings: the JSON field cannot hold date objects, and the
    same dates in another order or type are no schedule change."""
    if data.get("exception_dates") is None:
        return data
    try:
        days = recurrence.parse_dates(data["exception_dates"])
    except (TypeError, ValueError):
        raise DomainError(_("A skipped date is not a valid date.")) from None
    return {**data, "exception_dates": sorted({day.isoformat() for day in days})}


def _check_schedule(activity: Activity) -> None:
    if activity.start_time and activity.end_time and activity.end_time == activity.start_time:
        raise DomainError(_("The end time must differ from the start time."))
    try:
        recurrence.validate(recurrence.Schedule.of(activity))
    except recurrence.RecurrenceError as error:
        raise DomainError(str(error)) from None


def _initial_status(organisation: Organisation, submit: bool) -> str:
    if not submit:
        return Status.DRAFT
    return Status.PUBLISHED if organisation.is_trusted else Status.SUBMITTED


@transaction.atomic
def create_activity(
    *,
    organisation: Organisation,
    created_by: User | None,
    data: dict,
    co_organisers=(),
    submit: bool = True,
) -> Activity:
    """Register an activity. Trusted organisations publish at once, others submit it."""
    activity = Activity(organisation=organisation, created_by=created_by, **_normalised(data))
    _check_schedule(activity)
    activity.slug = unique_slug(Activity, activity.title, fallback="activiteit", max_length=120)
    activity.status = _initial_status(organisation, submit)
    if activity.status == Status.PUBLISHED:
        activity.published_at = timezone.now()
    activity.save()
    if co_organisers:
        activity.co_organisers.set(co_organisers)
    materialise_occurrences(activity=activity)
    return activity


@transaction.atomic
def update_activity(*, activity: Activity, data: dict, co_organisers=None) -> Activity:
    """Change an activity; a changed schedule regenerates future dates, never past ones."""
    data = _normalised(data)
    # Compare with what is stored: a ModelForm may have set the new values on `activity`.
    stored = Activity.objects.filter(pk=activity.pk).values(*SCHEDULE_FIELDS).first() or {}
    schedule_changed = any(
        stored.get(name) != value for name, value in data.items() if name in SCHEDULE_FIELDS
    )
    for name, value in data.items():
        setattr(activity, name, value)
    _check_schedule(activity)
    activity.save()
    if co_organisers is not None:
        activity.co_organisers.set(co_organisers)
    if schedule_changed:
        materialise_occurrences(activity=activity)
    return activity


@transaction.atomic
def cancel_occurrence(*, occurrence: Occurrence, reason: str) -> Occurrence:
    if occurrence.starts_at < timezone.now():
        raise DomainError(_("A date in the past cannot be cancelled."))
    occurrence.is_cancelled = True
    occurrence.cancel_reason = reason.strip()
    occurrence.is_detached = True
    occurrence.save(update_fields=["is_cancelled", "cancel_reason", "is_detached"])
    from .registration import notify_registrants_of_cancellation

    notify_registrants_of_cancellation(occurrences=[occurrence])
    return occurrence


@transaction.atomic
def restore_occurrence(*, occurrence: Occurrence) -> Occurrence:
    """Undo a cancellation. A date that was only cancelled (not moved, no other place) joins
    the series again, so a later change of the series' times reaches it too."""
    occurrence.is_cancelled = False
    occurrence.cancel_reason = ""
    as_in_series = occurrence_times(occurrence.activity, occurrence.original_date)
    occurrence.is_detached = bool(
        occurrence.place_id
        or occurrence.room_id
        or (occurrence.starts_at, occurrence.ends_at, occurrence.all_day) != as_in_series
    )
    occurrence.save(update_fields=["is_cancelled", "cancel_reason", "is_detached"])
    return occurrence


@transaction.atomic
def change_occurrence(
    *,
    occurrence: Occurrence,
    day: date,
    start_time: time | None,
    end_time: time | None,
    place: Place | None = None,
    room: Room | None = None,
) -> Occurrence:
    """Move one date or give it another place without touching the series.

    As in the series (occurrence_times), an end time before the start time ends the next
    day: an evening until past midnight. Without a start time the date is all day.
    """
    now = timezone.now()
    if occurrence.starts_at < now:
        raise DomainError(_("A date in the past cannot be changed."))
    effective_place = place or occurrence.activity.place
    if room is not None and (effective_place is None or room.place_id != effective_place.pk):
        raise DomainError(_("That room is not in the chosen place."))
    if start_time is not None and end_time == start_time:
        raise DomainError(_("The end time must differ from the start time."))
    starts_at = local_datetime(day, start_time)
    ends_at = None
    if end_time is not None:
        after_midnight = start_time is not None and end_time < start_time
        ends_at = local_datetime(day + timedelta(days=after_midnight), end_time)
    if (ends_at or starts_at) < now:
        raise DomainError(_("A date cannot be moved into the past."))
    occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
    occurrence.all_day = start_time is None
    occurrence.place, occurrence.room = place, room
    occurrence.is_detached = True
    occurrence.save(
        update_fields=["starts_at", "ends_at", "all_day", "place", "room", "is_detached"]
    )
    return occurrence


@transaction.atomic
def cancel_activity(*, activity: Activity, reason: str) -> Activity:
    """Cancel the whole activity; it stays visible to residents, marked cancelled.

    Cancelled counts as public, so an activity residents never saw cannot be cancelled:
    that would show it to them for the first time.
    """
    if activity.status != Status.PUBLISHED and activity.published_at is None:
        raise DomainError(
            _("This activity was never published, so residents never saw it: nothing to cancel.")
        )
    activity.status = Status.CANCELLED
    activity.cancel_reason = reason.strip()
    activity.save(update_fields=["status", "cancel_reason", "updated_at"])
    from .registration import notify_registrants_of_cancellation

    notify_registrants_of_cancellation(
        occurrences=activity.occurrences.filter(starts_at__gte=timezone.now())
    )
    return activity


# Moderation ----------------------------------------------------------------------------


@transaction.atomic
def submit_activity(*, activity: Activity) -> Activity:
    if activity.status not in (Status.DRAFT, Status.RETURNED):
        raise DomainError(_("Only a draft or returned activity can be submitted."))
    activity.status = _initial_status(activity.organisation, submit=True)
    if activity.status == Status.PUBLISHED:
        activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at", "updated_at"])
    return activity


@transaction.atomic
def approve_activity(*, activity: Activity) -> Activity:
    if activity.status != Status.SUBMITTED:
        raise DomainError(_("Only an activity waiting for approval can be approved."))
    activity.status = Status.PUBLISHED
    activity.published_at = timezone.now()
    activity.moderation_comment = ""
    activity.save(update_fields=["status", "published_at", "moderation_comment", "updated_at"])
    return activity


@transaction.atomic
def return_activity(*, activity: Activity, comment: str) -> Activity:
    if activity.status != Status.SUBMITTED:
        raise DomainError(_("Only an activity waiting for approval can be returned."))
    if not comment.strip():
        raise DomainError(_("Say what should change, so the editor knows what to do."))
    activity.status = Status.RETURNED
    activity.moderation_comment = comment.strip()
    activity.save(update_fields=["status", "moderation_comment", "updated_at"])
    return activity


def overlapping_occurrences(
    *, room: Room, periods: list[tuple[datetime, datetime | None]], exclude_activity_id=None
):
    """Dates of other activities in the same room whose time overlaps one of the periods."""
    if not periods:
        return Occurrence.objects.none()
    condition = Q()
    for start, end in periods:
        end = end or start + timedelta(hours=2)
        condition |= Q(starts_at__lt=end) & (
            Q(ends_at__gt=start) | Q(ends_at__isnull=True, starts_at__gt=start - timedelta(hours=2))
        )
    room_condition = Q(room=room) | Q(room__isnull=True, activity__room=room)
    return (
        Occurrence.objects.filter(room_condition, condition, is_cancelled=False)
        .exclude(activity_id=exclude_activity_id)
        .exclude(activity__status=Status.CANCELLED)
        .select_related("activity__organisation")
        .order_by("starts_at")
    )


# Places ----------------------------------------------------------------------------------

#: What a network administrator may set on a place (rooms go separately).
PLACE_FIELDS = (
    "name",
    "address",
    "postcode",
    "town",
    "area",
    "wheelchair_accessible",
    "hearing_loop",
    "accessible_toilet",
    "latitude",
    "longitude",
)


def unique_place_slug(name: str, town: str = "") -> str:
    """ "het-klokhuis-beesd"; the town keeps two village halls of the same name apart."""
    text = f"{name} {town}" if town and slugify(town) not in slugify(name) else name
    return unique_slug(Place, text, fallback="plaats", max_length=140)


def _check_place(place: Place) -> None:
    if not slugify(place.name):
        raise DomainError(_("Use at least one letter or digit in the name."))
    if place.area_id and place.area.municipality_id != place.municipality_id:
        raise DomainError(_("That village or neighbourhood lies in another municipality."))
    if (place.latitude is None) != (place.longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."))
    twins = Place.objects.filter(
        municipality_id=place.municipality_id,
        name__iexact=place.name,
        town__iexact=place.town,
    ).exclude(pk=place.pk)
    if twins.exists():
        raise DomainError(
            _("There is already a place called %(name)s here. Edit that one instead.")
            % {"name": place.name}
        )


def _check_room_names(names: list[str]) -> list[str]:
    names = [name.strip() for name in names]
    if any(not name for name in names):
        raise DomainError(_("Give every room a name."))
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise DomainError(_("Two rooms are called %(name)s.") % {"name": name})
        seen.add(name.casefold())
    return names


@transaction.atomic
def create_place(*, municipality, data: dict, rooms: list[str] | tuple[str, ...] = ()) -> Place:
    """A shared place of a municipality, with its rooms, e.g. het Klokhuis: "Grote zaal"."""
    place = Place(municipality=municipality, **{k: v for k, v in data.items() if k in PLACE_FIELDS})
    place.name = place.name.strip()
    _check_place(place)
    names = _check_room_names(list(rooms))
    place.slug = unique_place_slug(place.name, place.town)
    place.save()
    Room.objects.bulk_create([Room(place=place, name=name) for name in names])
    return place


@transaction.atomic
def update_place(
    *, place: Place, data: dict, rooms: list[tuple[int | None, str]] | None = None
) -> Place:
    """Change a place; its slug stays, so links and feeds filtered on it keep working.

    `rooms` is the complete list of rooms after saving, as (id or None for a new room, name).
    A room left out is removed, unless an activity or a coming date uses it: then the
    administrator has to move those first, so no activity silently loses its room.
    """
    for name, value in data.items():
        if name in PLACE_FIELDS:
            setattr(place, name, value)
    place.name = place.name.strip()
    _check_place(place)
    place.save()
    if rooms is not None:
        _update_rooms(place, rooms)
    return place


def _update_rooms(place: Place, rooms: list[tuple[int | None, str]]) -> None:
    current = {room.pk: room for room in Room.objects.select_for_update().filter(place=place)}
    names = _check_room_names([name for _pk, name in rooms])
    kept: dict[int, str] = {}
    added: list[str] = []
    for (pk, _name), name in zip(rooms, names, strict=True):
        if pk is None:
            added.append(name)
        elif pk in current and pk not in kept:
            kept[pk] = name
        else:
            raise DomainError(_("That room does not belong to this place."))
    removed = [room for pk, room in current.items() if pk not in kept]
    if removed:
        in_use = (
            Room.objects.filter(pk__in=[room.pk for room in removed])
            .filter(Q(activities__isnull=False) | Q(occurrences__starts_at__gte=timezone.now()))
            .distinct()
            .values_list("name", flat=True)
        )
        if in_use:
            raise DomainError(
                _(
                    "Activities still use this room: %(names)s. Give those activities another "
                    "room first."
                )
                % {"names": ", ".join(sorted(in_use))}
            )
        Room.objects.filter(pk__in=[room.pk for room in removed]).delete()
    renamed = [current[pk] for pk, name in kept.items() if current[pk].name != name]
    # Two steps, so swapping two names never trips the unique constraint half-way.
    for room in renamed:
        room.name = f"~{room.pk}~"
    Room.objects.bulk_update(renamed, ["name"])
    for room in renamed:
        room.name = kept[room.pk]
    Room.objects.bulk_update(renamed, ["name"])
    Room.objects.bulk_create([Room(place=place, name=name) for name in added])
