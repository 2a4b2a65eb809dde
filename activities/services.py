"""Writes for the agenda: activities, their stored dates and every change of status.

Every function runs in one transaction and raises DomainError (network.shared) with a
translated message the view shows as it is. Each does its own side effects in that
transaction: a status change queues its own e-mails (activities.emails, sent once after
commit), and a change to dates is announced through activities.events, so registrations
(and later shifts and attendance) follow without this module knowing them. The importer
uses these same functions: it never writes a status or deletes a row itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from network import public_cache
from network.models import Organisation, User
from network.shared import DomainError, held_ids, unique_slug

from . import emails, events, recurrence
from .models import Activity, CancelledBy, Occurrence, Place, Room, Status

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
    (moved, other place, cancelled by an editor) are kept as they are. A date that drops
    out of the schedule is deleted, unless anything hangs on it (a registration, a shift,
    an attendance record: any row of any app): then it is cancelled, so nothing is lost.
    """
    public_cache.changed()
    now = now or timezone.now()
    today = timezone.localdate(now)
    until = until or horizon_end(today)
    days = recurrence.expand(recurrence.Schedule.of(activity), start=today, end=until)
    wanted = {day: occurrence_times(activity, day) for day in days}
    # One regeneration per activity at a time: the activity row is the lock.
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    existing = {
        occurrence.original_date: occurrence
        for occurrence in Occurrence.objects.filter(activity=activity, original_date__gte=today)
    }
    created, moved, restored = [], [], []
    previous: dict[int, tuple] = {}
    for day, times in wanted.items():
        occurrence = existing.pop(day, None)
        if occurrence is None:
            starts_at, ends_at, all_day = times
            created.append(
                Occurrence(
                    activity=activity,
                    original_date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    all_day=all_day,
                )
            )
            continue
        if occurrence.is_detached or occurrence.starts_at < now:
            continue
        current = (occurrence.starts_at, occurrence.ends_at, occurrence.all_day)
        if occurrence.is_cancelled and occurrence.cancelled_by == CancelledBy.SCHEDULE:
            restored.append(occurrence)  # dropped out of the schedule earlier, back now
        elif current != times:
            previous[occurrence.pk] = _whereabouts(occurrence)
            moved.append(occurrence)
        else:
            continue
        occurrence.starts_at, occurrence.ends_at, occurrence.all_day = times
        _set_cancelled(occurrence, False)
        _revise(occurrence, now)
    leftover = [occurrence for occurrence in existing.values() if occurrence.starts_at >= now]
    held = held_ids(Occurrence, [occurrence.pk for occurrence in leftover])
    dropped = [o for o in leftover if o.pk in held and not o.is_cancelled]
    for occurrence in dropped:
        _set_cancelled(occurrence, True, by=CancelledBy.SCHEDULE)
        _revise(occurrence, now)
    removed = [o.pk for o in leftover if o.pk not in held]
    Occurrence.objects.bulk_create(created, batch_size=1000)
    Occurrence.objects.bulk_update(
        [*moved, *restored, *dropped],
        ["starts_at", "ends_at", "all_day", "sequence", "revised_at", *CANCEL_FIELDS],
        batch_size=1000,
    )
    Occurrence.objects.filter(pk__in=removed).delete()
    activity.materialised_until = until
    activity.save(update_fields=["materialised_until"])
    refresh_next_dates(activity_ids=[activity.pk], now=now)
    for occurrence in [*moved, *restored, *dropped]:
        occurrence.activity = activity
    _announce(cancelled=dropped, moved=moved, previous=previous, restored=restored)
    return {
        "created": len(created),
        "updated": len(moved) + len(restored),
        "removed": len(removed),
        "cancelled": len(dropped),
    }


#: The fields that say whether, why and by whom a date is called off.
CANCEL_FIELDS = ("is_cancelled", "cancel_reason", "cancelled_by")


def _set_cancelled(
    occurrence: Occurrence, cancelled: bool, *, by: str = "", reason: str = ""
) -> None:
    occurrence.is_cancelled = cancelled
    occurrence.cancel_reason = reason.strip() if cancelled else ""
    occurrence.cancelled_by = by if cancelled else ""


def _whereabouts(occurrence: Occurrence) -> tuple:
    """When and where a date is, to tell people what changed."""
    return (occurrence.starts_at, occurrence.ends_at, occurrence.place_id, occurrence.room_id)


def _revise(occurrence: Occurrence, now: datetime | None = None) -> None:
    """Its time, place or status changed: calendar programs must take it over (a higher
    iCalendar SEQUENCE, and LAST-MODIFIED from `revised_at`)."""
    occurrence.sequence += 1
    occurrence.revised_at = now or timezone.now()


def _announce(*, cancelled=(), moved=(), previous=None, restored=()) -> None:
    """Tell the apps that hang rows on dates (activities.events), inside the transaction."""
    if cancelled:
        events.date_cancelled.send(sender=Occurrence, occurrences=list(cancelled))
    if moved:
        events.date_moved.send(sender=Occurrence, occurrences=list(moved), previous=previous or {})
    if restored:
        events.date_restored.send(sender=Occurrence, occurrences=list(restored))


def refresh_next_dates(
    *, activity_ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Store each activity's first date not over yet (`Activity.next_starts_at`): one
    UPDATE, for the given activities or for all. Called by every service that adds or
    moves dates, by the seed, and (for the dates that passed) by refresh_passed_next_dates.
    """
    first = (
        Occurrence.objects.upcoming(now)
        .filter(activity_id=OuterRef("pk"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    activities = Activity.objects.all()
    if activity_ids is not None:
        activities = activities.filter(pk__in=list(activity_ids))
    return activities.update(next_starts_at=Subquery(first))


def refresh_passed_next_dates(*, now: datetime | None = None) -> int:
    """The frequent job: activities whose stored next date has started may have a later
    one now. Few rows each time (the dates that began since the last run, and the ones
    still going on), found by the index on next_starts_at."""
    now = now or timezone.now()
    started = list(Activity.objects.filter(next_starts_at__lt=now).values_list("pk", flat=True))
    for offset in range(0, len(started), 1000):
        refresh_next_dates(activity_ids=started[offset : offset + 1000], now=now)
    return len(started)


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


def _home_network_id(organisation: Organisation) -> int | None:
    """Where an activity's figures count: the network its organisation joined first.

    An organisation can take part in several networks; counting its activities in each
    would count them twice in a municipality's figures (see docs/architecture.md).
    """
    through = Organisation.networks.through
    return (
        through.objects.filter(organisation_id=organisation.pk)
        .order_by("pk")
        .values_list("network_id", flat=True)
        .first()
    )


def _go_live(activity: Activity) -> None:
    """Publish (trusted organisation) or submit to the network. Call before saving, and
    _tell_network after: the administrators hear of a submission once it is stored."""
    activity.status = Status.PUBLISHED if activity.organisation.is_trusted else Status.SUBMITTED
    if activity.status == Status.PUBLISHED:
        activity.published_at = timezone.now()


def _tell_network(activity: Activity) -> None:
    if activity.status == Status.SUBMITTED:
        emails.queue_activity_submitted(activity)


@transaction.atomic
def create_activity(
    *,
    organisation: Organisation,
    created_by: User | None,
    data: dict,
    co_organisers=(),
    submit: bool = True,
) -> Activity:
    """Register an activity. Trusted organisations publish at once, others submit it (and
    the network's administrators are told)."""
    public_cache.changed()
    activity = Activity(organisation=organisation, created_by=created_by, **_normalised(data))
    _check_schedule(activity)
    activity.slug = unique_slug(Activity, activity.title, fallback="activiteit", max_length=120)
    if activity.home_network_id is None:
        activity.home_network_id = _home_network_id(organisation)
    if submit:
        _go_live(activity)
    activity.save()
    if co_organisers:
        activity.co_organisers.set(co_organisers)
    materialise_occurrences(activity=activity)
    _tell_network(activity)
    return activity


@transaction.atomic
def update_activity(*, activity: Activity, data: dict, co_organisers=None) -> Activity:
    """Change an activity; a changed schedule regenerates future dates, never past ones."""
    public_cache.changed()
    data = _normalised(data)
    # Compare with what is stored: a ModelForm may have set the new values on `activity`.
    stored = (
        Activity.objects.filter(pk=activity.pk)
        .values(*SCHEDULE_FIELDS, "place_id", "room_id")
        .first()
        or {}
    )
    schedule_changed = any(
        stored.get(name) != value for name, value in data.items() if name in SCHEDULE_FIELDS
    )
    place_changed = any(
        stored.get(f"{name}_id") != getattr(data[name], "pk", data[name])
        for name in ("place", "room")
        if name in data
    )
    for name, value in data.items():
        setattr(activity, name, value)
    _check_schedule(activity)
    activity.save()
    if co_organisers is not None:
        activity.co_organisers.set(co_organisers)
    if schedule_changed:
        materialise_occurrences(activity=activity)
    if place_changed:
        _revise_coming_dates(activity)
    return activity


# Single dates ---------------------------------------------------------------------------


@transaction.atomic
def cancel_occurrence(
    *, occurrence: Occurrence, reason: str = "", cancelled_by: str = CancelledBy.EDITOR
) -> Occurrence:
    """Call off one date; everyone registered (and every later app) hears of it once."""
    public_cache.changed()
    if occurrence.starts_at < timezone.now():
        raise DomainError(_("A date in the past cannot be cancelled."))
    was_cancelled = occurrence.is_cancelled
    _set_cancelled(occurrence, True, by=cancelled_by, reason=reason)
    occurrence.is_detached = True
    if not was_cancelled:
        _revise(occurrence)
    occurrence.save(update_fields=[*CANCEL_FIELDS, "is_detached", "sequence", "revised_at"])
    if not was_cancelled:
        _announce(cancelled=[occurrence])
    return occurrence


@transaction.atomic
def restore_occurrence(*, occurrence: Occurrence) -> Occurrence:
    """Undo a cancellation. A date that was only cancelled (not moved, no other place) joins
    the series again, so a later change of the series' times reaches it too."""
    public_cache.changed()
    was_cancelled = occurrence.is_cancelled
    _set_cancelled(occurrence, False)
    as_in_series = occurrence_times(occurrence.activity, occurrence.original_date)
    occurrence.is_detached = bool(
        occurrence.place_id
        or occurrence.room_id
        or (occurrence.starts_at, occurrence.ends_at, occurrence.all_day) != as_in_series
    )
    if was_cancelled:
        _revise(occurrence)
    occurrence.save(update_fields=[*CANCEL_FIELDS, "is_detached", "sequence", "revised_at"])
    if was_cancelled:
        _announce(restored=[occurrence])
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
    """Move one date or give it another place without touching the series; whoever hangs
    something on the date hears what changed.

    As in the series (occurrence_times), an end time before the start time ends the next
    day: an evening until past midnight. Without a start time the date is all day.
    """
    public_cache.changed()
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
    before = _whereabouts(occurrence)
    occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
    occurrence.all_day = start_time is None
    occurrence.place, occurrence.room = place, room
    occurrence.is_detached = True
    changed = _whereabouts(occurrence) != before
    if changed:
        _revise(occurrence, now)
    occurrence.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "all_day",
            "place",
            "room",
            "is_detached",
            "sequence",
            "revised_at",
        ]
    )
    refresh_next_dates(activity_ids=[occurrence.activity_id], now=now)
    if changed:
        _announce(moved=[occurrence], previous={occurrence.pk: before})
    return occurrence


# The activity's status ---------------------------------------------------------------------
# Every change of status goes through one of these; each queues its own messages.


@transaction.atomic
def submit_activity(*, activity: Activity) -> Activity:
    """A draft or returned activity goes live: published (trusted) or to the network."""
    public_cache.changed()
    if activity.status not in (Status.DRAFT, Status.RETURNED):
        raise DomainError(_("Only a draft or returned activity can be submitted."))
    _go_live(activity)
    activity.save(update_fields=["status", "published_at", "updated_at"])
    _tell_network(activity)
    return activity


@transaction.atomic
def approve_activity(*, activity: Activity) -> Activity:
    public_cache.changed()
    if activity.status != Status.SUBMITTED:
        raise DomainError(_("Only an activity waiting for approval can be approved."))
    activity.status = Status.PUBLISHED
    activity.published_at = timezone.now()
    activity.moderation_comment = ""
    activity.save(update_fields=["status", "published_at", "moderation_comment", "updated_at"])
    emails.queue_activity_approved(activity)
    return activity


@transaction.atomic
def return_activity(*, activity: Activity, comment: str) -> Activity:
    public_cache.changed()
    if activity.status != Status.SUBMITTED:
        raise DomainError(_("Only an activity waiting for approval can be returned."))
    if not comment.strip():
        raise DomainError(_("Say what should change, so the editor knows what to do."))
    activity.status = Status.RETURNED
    activity.moderation_comment = comment.strip()
    activity.save(update_fields=["status", "moderation_comment", "updated_at"])
    emails.queue_activity_returned(activity)
    return activity


@transaction.atomic
def cancel_activity(
    *, activity: Activity, reason: str = "", cancelled_by: str = CancelledBy.EDITOR
) -> Activity:
    """Cancel the whole activity; it stays visible to residents, marked cancelled.

    Cancelled counts as public, so an activity residents never saw cannot be cancelled:
    that would show it to them for the first time (withdraw_activity is for that).
    """
    public_cache.changed()
    if activity.status != Status.PUBLISHED and activity.published_at is None:
        raise DomainError(
            _("This activity was never published, so residents never saw it: nothing to cancel.")
        )
    if activity.status == Status.CANCELLED:
        raise DomainError(_("This activity is cancelled already."))
    activity.status = Status.CANCELLED
    activity.cancel_reason = reason.strip()
    activity.cancelled_by = cancelled_by
    activity.save(update_fields=["status", "cancel_reason", "cancelled_by", "updated_at"])
    _revise_coming_dates(activity)
    coming = list(activity.occurrences.filter(starts_at__gte=timezone.now(), is_cancelled=False))
    for occurrence in coming:
        occurrence.activity = activity
    _announce(cancelled=coming)
    return activity


@transaction.atomic
def restore_activity(*, activity: Activity) -> Activity:
    """A cancelled activity takes place again: published again (trusted organisations) or
    back to the network for approval; its coming dates are regenerated."""
    public_cache.changed()
    if activity.status != Status.CANCELLED:
        raise DomainError(_("Only a cancelled activity can take place again."))
    _go_live(activity)
    activity.cancel_reason = ""
    activity.cancelled_by = ""
    activity.save(
        update_fields=["status", "published_at", "cancel_reason", "cancelled_by", "updated_at"]
    )
    _tell_network(activity)
    materialise_occurrences(activity=activity)
    _revise_coming_dates(activity)
    if activity.status == Status.PUBLISHED:
        coming = list(
            activity.occurrences.filter(starts_at__gte=timezone.now(), is_cancelled=False)
        )
        for occurrence in coming:
            occurrence.activity = activity
        _announce(restored=coming)
    return activity


def _revise_coming_dates(activity: Activity) -> None:
    """The status of every coming date changed with the activity's: calendar programs
    must take that over (a higher SEQUENCE)."""
    now = timezone.now()
    activity.occurrences.filter(starts_at__gte=now).update(
        sequence=F("sequence") + 1, revised_at=now
    )


@transaction.atomic
def withdraw_activity(*, activity: Activity) -> bool:
    """Take back an activity residents never saw (draft, waiting, returned).

    It is deleted, unless something already hangs on it or on one of its dates: then it
    goes back to draft, so nothing is lost. Returns whether it was deleted.
    """
    public_cache.changed()
    if activity.is_public or activity.published_at is not None:
        raise DomainError(_("Residents have seen this activity: cancel it instead."))
    date_ids = list(activity.occurrences.values_list("pk", flat=True))
    if held_ids(Occurrence, date_ids) or held_ids(Activity, [activity.pk], ignore=("occurrences",)):
        activity.status = Status.DRAFT
        activity.save(update_fields=["status", "updated_at"])
        return False
    activity.delete()
    return True


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
