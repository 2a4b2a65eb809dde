"""Shifts from a task's own schedule or from its activity's dates, and what happens to them
when a date is moved, cancelled or restored (activities.events receivers).

- A task that follows an activity has a shift for every stored date (`Occurrence`) from now
  on that is not cancelled, at the date's times (or, when the task has its own start and
  end time, at those times on the date's day: setting up an hour before). A date without
  an end time gives a shift of `DEFAULT_LENGTH`.
- A task with its own schedule has a shift for every date of `activities.recurrence` up to
  the horizon (`activities.services.HORIZON_DAYS`), at its start and end time in the site's
  time zone (an end before the start ends the next day).

`sync_shifts` makes the stored shifts match, from now on (past shifts are never touched):
it creates what is missing, moves shifts whose date stays (their `sequence` rises), and
a shift that drops out is deleted when nothing hangs on it, otherwise cancelled (never
deleted: sign-ups and hours hang on it). Every volunteer on a shift that moves, is
cancelled or takes place again hears of it once (volunteers/emails.py, one e-mail per
volunteer per change). The task services call it after every create or change; the
nightly `extend_shifts` moves every task along to the horizon and picks up dates its
activity gained. The date-event receivers below follow single changes at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import recurrence
from activities.models import Occurrence
from activities.models import Status as ActivityStatus
from activities.services import horizon_end, local_datetime
from network.shared import DomainError, held_ids

from . import emails
from .models import ACTIVE_SIGNUP_STATUSES, Shift, SignUp, SignUpStatus, Task

logger = logging.getLogger(__name__)

#: A date without an end time: its shift lasts this long.
DEFAULT_LENGTH = timedelta(hours=2)

Times = tuple[datetime, datetime]


# When a shift is -------------------------------------------------------------------------


def _between(day: date, start: time, end: time) -> Times:
    if start == end:
        raise DomainError(_("The end time must differ from the start time."))
    end_day = day if end > start else day + timedelta(days=1)
    return local_datetime(day, start), local_datetime(end_day, end)


def times_on_date(task: Task, occurrence: Occurrence) -> Times:
    """The shift's start and end for a date of the task's activity."""
    if task.start_time is not None and task.end_time is not None:
        return _between(timezone.localdate(occurrence.starts_at), task.start_time, task.end_time)
    starts_at, ends_at = occurrence.starts_at, occurrence.ends_at
    if ends_at is None or ends_at <= starts_at:
        ends_at = starts_at + DEFAULT_LENGTH
    return starts_at, ends_at


def _schedule_of(task: Task) -> recurrence.Schedule:
    if task.start_time is None or task.end_time is None:
        raise DomainError(_("A task with its own dates needs a start time and an end time."))
    schedule = recurrence.Schedule.of(task)
    try:
        recurrence.validate(schedule)
    except recurrence.RecurrenceError as error:
        raise DomainError(str(error)) from error
    return schedule


def _date_is_off(occurrence: Occurrence) -> bool:
    return occurrence.is_cancelled or occurrence.activity.status == ActivityStatus.CANCELLED


# Keeping shifts in step -------------------------------------------------------------------


class _Changes:
    """What one sync or event did, to write in bulk and tell each volunteer once."""

    def __init__(self) -> None:
        self.moved: list[Shift] = []
        self.previous: dict[int, datetime] = {}
        self.cancelled: list[Shift] = []
        self.restored: list[Shift] = []
        self.quiet: list[Shift] = []  # changed without news (places, a cancelled shift)
        self.new_day: list[int] = []  # moved to another day: remind them again
        self.more_places: list[Shift] = []  # the waiting list may move up

    def move(self, shift: Shift, times: Times, *, tell: bool = True) -> None:
        if timezone.localdate(shift.starts_at) != timezone.localdate(times[0]):
            self.new_day.append(shift.pk)
        self.previous[shift.pk] = shift.starts_at
        shift.starts_at, shift.ends_at = times
        shift.sequence += 1
        (self.moved if tell else self.quiet).append(shift)

    def cancel(self, shift: Shift, *, now: datetime) -> None:
        shift.is_cancelled = True
        shift.cancelled_at = now
        shift.sequence += 1
        self.cancelled.append(shift)

    def restore(self, shift: Shift, times: Times) -> None:
        shift.is_cancelled = False
        shift.cancelled_at = None
        shift.starts_at, shift.ends_at = times
        shift.sequence += 1
        self.restored.append(shift)

    def save(self) -> None:
        changed = [*self.moved, *self.cancelled, *self.restored, *self.quiet]
        Shift.objects.bulk_update(
            changed,
            [
                "starts_at",
                "ends_at",
                "places",
                "occurrence",
                "is_cancelled",
                "cancelled_at",
                "sequence",
            ],
            batch_size=500,
        )
        if self.new_day:
            SignUp.objects.filter(shift_id__in=self.new_day, reminder_sent_at__isnull=False).update(
                reminder_sent_at=None
            )
            Shift.objects.filter(pk__in=self.new_day).update(unfilled_alert_sent_at=None)
        if self.more_places:
            from .signups import offer_free_places

            waiting = set(
                SignUp.objects.filter(shift__in=self.more_places, status=SignUpStatus.WAITING)
                .values_list("shift_id", flat=True)
                .distinct()
            )
            for shift in self.more_places:
                if shift.pk in waiting:
                    offer_free_places(shift=shift)
        tell_volunteers(self.moved, "moved", previous=self.previous)
        tell_volunteers(self.cancelled, "cancelled")
        tell_volunteers(self.restored, "restored")


def tell_volunteers(shifts: list[Shift], kind: str, *, previous=None) -> int:
    """One message per volunteer (signed up, offered a place or waiting) about these
    shifts: `kind` is "moved", "cancelled" or "restored". Returns how many."""
    if not shifts:
        return 0
    signups = (
        SignUp.objects.filter(shift__in=shifts, status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer")
        .order_by("volunteer_id", "shift__starts_at", "pk")
    )
    per_volunteer: dict[int, list[SignUp]] = defaultdict(list)
    for signup in signups:
        per_volunteer[signup.volunteer_id].append(signup)
    for group in per_volunteer.values():
        emails.queue_shift_change(kind, group, previous=previous or {})
    return len(per_volunteer)


def _places_for(task: Task, shift: Shift) -> int:
    """Never fewer places than volunteers already confirmed."""
    return max(task.volunteers_needed, shift.confirmed_count)


@transaction.atomic
def sync_shifts(*, task: Task, now: datetime | None = None) -> dict[str, int]:
    """Create, move or cancel the task's shifts to match its schedule or activity (up to the
    horizon). Called by the task services after every create or change, and nightly.

    Raises DomainError when the task's own schedule cannot give shifts (no times)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    until = horizon_end(today)
    # One sync per task at a time; sign-ups wait for the shift rows below.
    Task.objects.select_for_update().filter(pk=task.pk).first()
    if task.activity_id:
        wanted = _wanted_from_activity(task, now)
    else:
        wanted = _wanted_from_schedule(task, today, until, now)
    existing = {
        shift.original_date: shift
        for shift in Shift.objects.select_for_update()
        .filter(task=task)
        .filter(Q(starts_at__gte=now) | Q(original_date__gte=today))
    }
    changes = _Changes()
    created: list[Shift] = []
    for day, (times, occurrence, off) in wanted.items():
        shift = existing.pop(day, None)
        if shift is not None and shift.starts_at < now:
            continue  # begun or past: as it was
        if shift is None:
            if not off and times[0] >= now:
                created.append(
                    Shift(
                        task=task,
                        occurrence=occurrence,
                        original_date=day,
                        starts_at=times[0],
                        ends_at=times[1],
                        places=task.volunteers_needed,
                    )
                )
            continue
        places = _places_for(task, shift)
        if places > shift.places:
            changes.more_places.append(shift)
        quiet = shift.places != places or shift.occurrence_id != getattr(occurrence, "pk", None)
        shift.places, shift.occurrence = places, occurrence
        if off:
            if not shift.is_cancelled:
                changes.cancel(shift, now=now)
            elif quiet:
                changes.quiet.append(shift)
        elif shift.is_cancelled:
            changes.restore(shift, times)
        elif (shift.starts_at, shift.ends_at) != times:
            changes.move(shift, times)
        elif quiet:
            changes.quiet.append(shift)
    leftover = [shift for shift in existing.values() if shift.starts_at >= now]
    held = held_ids(Shift, [shift.pk for shift in leftover])
    for shift in leftover:
        if shift.pk in held and not shift.is_cancelled:
            changes.cancel(shift, now=now)
    removed = [shift.pk for shift in leftover if shift.pk not in held]
    Shift.objects.bulk_create(created, batch_size=500)
    Shift.objects.filter(pk__in=removed).delete()
    changes.save()
    task.materialised_until = until
    Task.objects.filter(pk=task.pk).update(materialised_until=until)
    return {
        "created": len(created),
        "moved": len(changes.moved),
        "cancelled": len(changes.cancelled),
        "restored": len(changes.restored),
        "removed": len(removed),
    }


def _wanted_from_activity(task: Task, now: datetime) -> dict:
    """{original_date: (times, occurrence, off)} for the activity's coming dates."""
    occurrences = (
        Occurrence.objects.filter(activity_id=task.activity_id, starts_at__gte=now)
        .select_related("activity")
        .order_by("original_date")
    )
    return {
        occurrence.original_date: (
            times_on_date(task, occurrence),
            occurrence,
            _date_is_off(occurrence),
        )
        for occurrence in occurrences
    }


def _wanted_from_schedule(task: Task, today: date, until: date, now: datetime) -> dict:
    schedule = _schedule_of(task)
    return {
        day: (_between(day, task.start_time, task.end_time), None, False)
        for day in recurrence.expand(schedule, start=today, end=until)
    }


def extend_shifts(*, today: date | None = None) -> int:
    """Nightly: every task open for sign-up gets its shifts up to the horizon, and a task
    that follows an activity gets shifts for the dates the activity gained. One task that
    cannot be synced (no times) holds up no other. Returns the number of tasks synced."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    target = horizon_end(today)
    pending = (
        Task.objects.filter(is_active=True, organisation__is_active=True)
        .filter(
            Q(activity__isnull=False)
            | (
                (Q(materialised_until__isnull=True) | Q(materialised_until__lt=target))
                & (Q(until__isnull=True) | Q(until__gte=today))
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in pending.iterator(chunk_size=500):
        task = Task.objects.filter(pk=pk).first()
        if task is None:
            continue
        try:
            sync_shifts(task=task)
        except DomainError as error:
            logger.warning("Task %s has no shifts: %s", pk, error)
            continue
        done += 1
    return done


# Receivers of activities.events: thin, inside the service's transaction. ----------------


def _shifts_on(occurrences, **conditions) -> list[Shift]:
    return list(
        Shift.objects.select_for_update(of=("self",))
        .filter(occurrence__in=[o.pk for o in occurrences], starts_at__gte=timezone.now())
        .filter(**conditions)
        .select_related("task", "occurrence__activity")
        .order_by("pk")
    )


def on_date_cancelled(sender, *, occurrences, **kwargs) -> None:
    """A date (or its whole activity) is called off: its shifts are cancelled, and their
    volunteers hear of it once."""
    now = timezone.now()
    changes = _Changes()
    for shift in _shifts_on(occurrences, is_cancelled=False):
        changes.cancel(shift, now=now)
    changes.save()


def on_date_moved(sender, *, occurrences, **kwargs) -> None:
    """A date's time or place changed: its shifts move along (sequence + 1) and their
    volunteers hear the new time once. A cancelled shift moves quietly."""
    by_pk = {occurrence.pk: occurrence for occurrence in occurrences}
    changes = _Changes()
    for shift in _shifts_on(occurrences):
        times = times_on_date(shift.task, by_pk[shift.occurrence_id])
        changes.move(shift, times, tell=not shift.is_cancelled)
    changes.save()


def on_date_restored(sender, *, occurrences, **kwargs) -> None:
    """A cancelled date (or activity) takes place again: so do its shifts, and their
    volunteers hear of it once."""
    by_pk = {occurrence.pk: occurrence for occurrence in occurrences}
    changes = _Changes()
    for shift in _shifts_on(occurrences, is_cancelled=True):
        occurrence = by_pk[shift.occurrence_id]
        if _date_is_off(occurrence):
            continue
        changes.restore(shift, times_on_date(shift.task, occurrence))
    changes.save()
