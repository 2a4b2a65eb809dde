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
from network.services import DomainError

from . import recurrence
from .models import Activity, Occurrence, Place, Room, Status

#: Dates are stored this far ahead; a nightly task moves the horizon along.
HORIZON_DAYS = 400
SCHEDULE_FIELDS = frozenset(
    {
        "start_date",
        "start_time",
        "end_time",
        "frequency",
        "monthly_ordinal",
        "until",
        "count",
        "exception_dates",
    }
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
        elif (
            not occurrence.is_detached
            and occurrence.starts_at >= now
            and (
                occurrence.starts_at,
                occurrence.ends_at,
                occurrence.all_day,
            )
            != (starts_at, ends_at, all_day)
        ):
            occurrence.starts_at, occurrence.ends_at, occurrence.all_day = (
                starts_at,
                ends_at,
                all_day,
            )
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
    Occurrence.objects.bulk_update(updated, ["starts_at", "ends_at", "all_day"], batch_size=1000)
    Occurrence.objects.bulk_update(cancelled, ["is_cancelled", "cancel_reason"], batch_size=1000)
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


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:120] or "activiteit"
    taken = set(
        Activity.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


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
    activity = Activity(organisation=organisation, created_by=created_by, **data)
    _check_schedule(activity)
    activity.slug = unique_slug(activity.title)
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
    schedule_changed = any(
        getattr(activity, name) != value for name, value in data.items() if name in SCHEDULE_FIELDS
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
    return occurrence


@transaction.atomic
def restore_occurrence(*, occurrence: Occurrence) -> Occurrence:
    occurrence.is_cancelled = False
    occurrence.cancel_reason = ""
    occurrence.save(update_fields=["is_cancelled", "cancel_reason"])
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
    """Move one date or give it another place without touching the series."""
    if occurrence.starts_at < timezone.now():
        raise DomainError(_("A date in the past cannot be changed."))
    if room is not None and place is not None and room.place_id != place.pk:
        raise DomainError(_("That room is not in the chosen place."))
    starts_at = local_datetime(day, start_time)
    ends_at = None
    if end_time is not None:
        if start_time is not None and end_time <= start_time:
            raise DomainError(_("The end time lies before the start time."))
        ends_at = local_datetime(day, end_time)
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
    """Cancel the whole activity; it stays visible to residents, marked cancelled."""
    activity.status = Status.CANCELLED
    activity.cancel_reason = reason.strip()
    activity.save(update_fields=["status", "cancel_reason"])
    return activity


# Moderation ----------------------------------------------------------------------------


@transaction.atomic
def submit_activity(*, activity: Activity) -> Activity:
    if activity.status not in (Status.DRAFT, Status.RETURNED):
        raise DomainError(_("Only a draft or returned activity can be submitted."))
    activity.status = _initial_status(activity.organisation, submit=True)
    if activity.status == Status.PUBLISHED:
        activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at"])
    return activity


@transaction.atomic
def approve_activity(*, activity: Activity) -> Activity:
    if activity.status != Status.SUBMITTED:
        raise DomainError(_("Only an activity waiting for approval can be approved."))
    activity.status = Status.PUBLISHED
    activity.published_at = timezone.now()
    activity.moderation_comment = ""
    activity.save(update_fields=["status", "published_at", "moderation_comment"])
    return activity


@transaction.atomic
def return_activity(*, activity: Activity, comment: str) -> Activity:
    if activity.status != Status.SUBMITTED:
        raise DomainError(_("Only an activity waiting for approval can be returned."))
    if not comment.strip():
        raise DomainError(_("Say what should change, so the editor knows what to do."))
    activity.status = Status.RETURNED
    activity.moderation_comment = comment.strip()
    activity.save(update_fields=["status", "moderation_comment"])
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
