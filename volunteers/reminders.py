"""Reminders before a shift and alerts about unfilled shifts, each queued exactly once.

Both run as periodic Celery jobs (volunteers/tasks.py) and may run twice at once, be
retried, or die half-way. What makes them exact:

- the rows are claimed in small batches with `SELECT … FOR UPDATE SKIP LOCKED`, so two
  runs at once never take the same row (the second skips what the first holds);
- in the batch's transaction the flag (`SignUp.reminder_sent_at`,
  `Shift.unfilled_alert_sent_at`) is set *and* the outbox row written, so a committed batch
  has both and a batch that dies has neither: the next run takes it again;
- the outbox (network.outbox) sends each row once, after commit.

The hours before a shift (`reminder_hours`) and the days before an unfilled shift
(`unfilled_alert_days`) are each organisation's VolunteeringSettings (defaults when it has
none).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import emails
from .models import Shift, SignUp, SignUpStatus, VolunteeringSettings

#: Rows claimed per transaction: small enough to hold locks briefly.
BATCH_SIZE = 200


def _per_setting(field: str, unit: timedelta, prefix: str, now: datetime) -> Q:
    """Shifts starting from now until now + the organisation's setting times unit: one
    condition per value in use (a handful), the default for organisations without settings,
    and the furthest of them as a bound the index on `starts_at` can use."""
    organisation = f"{prefix}task__organisation__volunteering"
    default = VolunteeringSettings.DEFAULTS[field]
    condition = Q(**{f"{organisation}__isnull": True}) & Q(
        **{f"{prefix}starts_at__lte": now + default * unit}
    )
    values = list(
        VolunteeringSettings.objects.values_list(field, flat=True).distinct().order_by(field)
    )
    for value in values:
        condition |= Q(**{f"{organisation}__{field}": value}) & Q(
            **{f"{prefix}starts_at__lte": now + value * unit}
        )
    furthest = now + max([default, *values]) * unit
    return condition & Q(**{f"{prefix}starts_at__gt": now, f"{prefix}starts_at__lte": furthest})


def due_reminders(now: datetime):
    """Confirmed sign-ups whose shift (not cancelled) begins within the reminder time and
    who were not reminded yet."""
    return SignUp.objects.filter(
        _per_setting("reminder_hours", timedelta(hours=1), "shift__", now),
        status=SignUpStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        shift__is_cancelled=False,
    )


def queue_due_reminders(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, pause: float = 0.0
) -> int:
    """Queue the reminder of every due sign-up, exactly once; returns how many this run
    queued. `pause` (seconds, tests only) holds each batch's transaction open before it
    commits, to kill or race a run half-way."""
    now = now or timezone.now()
    due = due_reminders(now).order_by("shift__starts_at", "pk")
    queued = 0
    while True:
        with transaction.atomic():
            claimed = due.select_for_update(skip_locked=True, of=("self",))
            batch = list(claimed.select_related("volunteer")[:batch_size])
            if not batch:
                return queued
            SignUp.objects.filter(pk__in=[signup.pk for signup in batch]).update(
                reminder_sent_at=timezone.now()
            )
            for signup in batch:
                emails.queue_shift_reminder(signup)
            queued += len(batch)
            if pause:
                time.sleep(pause)


def unfilled_shifts(now: datetime):
    """Shifts open for sign-up, short of volunteers, within the organisation's alert time,
    whose coordinators were not alerted yet."""
    return Shift.objects.filter(
        _per_setting("unfilled_alert_days", timedelta(days=1), "", now),
        is_cancelled=False,
        task__is_active=True,
        unfilled_alert_sent_at__isnull=True,
        confirmed_count__lt=F("places"),
    )


def queue_unfilled_alerts(*, now: datetime | None = None) -> int:
    """One e-mail per coordinator per organisation listing its shifts still short; each
    shift is alerted once. An organisation without coordinators is looked at again next
    run (someone may be appointed). Returns the number of messages queued."""
    now = now or timezone.now()
    candidates = unfilled_shifts(now)
    organisations = sorted(set(candidates.values_list("task__organisation_id", flat=True)))
    queued = 0
    for organisation_id in organisations:
        with transaction.atomic():
            ids = list(
                candidates.filter(task__organisation_id=organisation_id)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("starts_at", "pk")
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            told = emails.queue_unfilled_alert(organisation_id, ids)
            if told:
                Shift.objects.filter(pk__in=ids).update(unfilled_alert_sent_at=timezone.now())
            queued += told
    return queued
