"""Celery tasks of volunteering: thin, by primary key or none, safe to run twice. Periodic
ones are in CELERY_BEAT_SCHEDULE (config/settings/base.py) and run by hand with
`manage.py run_job <name>`; each records its last run (network.jobs, JobRun)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from network.jobs import tracked_job

# Reminders, unfilled alerts, offers that ran out, shifts ahead (volunteers/reminders.py) ---

#: Retried soon when the database connection fails half-way (a failover, a restart): the
#: batches that committed stay done, the rest is taken again.
_DATABASE_TROUBLE = (OperationalError, InterfaceError)


@shared_task(autoretry_for=_DATABASE_TROUBLE, retry_backoff=True, max_retries=5)
@tracked_job("send-shift-reminders")
def send_shift_reminders(batch_size: int | None = None, pause: float = 0.0) -> int:
    """Every 10 minutes: the reminder before each shift, once per volunteer and shift.
    (`batch_size` and `pause` are for tests and benchmarks: a run half-way.)"""
    from . import reminders

    return reminders.queue_due_reminders(batch_size=batch_size or reminders.BATCH_SIZE, pause=pause)


@shared_task(autoretry_for=_DATABASE_TROUBLE, retry_backoff=True, max_retries=5)
@tracked_job("alert-unfilled-shifts")
def alert_unfilled_shifts() -> int:
    """Hourly: coordinators hear of shifts still short of volunteers, once per shift."""
    from . import reminders

    return reminders.queue_unfilled_alerts()


@shared_task
@tracked_job("expire-shift-offers")
def expire_shift_offers() -> int:
    """Every 10 minutes: offered places nobody accepted in time go to the next in line."""
    from . import signups

    return signups.expire_offers(now=timezone.now())


@shared_task
@tracked_job("extend-shifts")
def extend_shifts() -> int:
    """Nightly, after the dates' horizon moved: every task's shifts up to the horizon."""
    from . import shifts

    return shifts.extend_shifts()


# Retention of volunteering data (volunteers/profiles.py, help.py) --------------------------


@shared_task
@tracked_job("purge-volunteering-data")
def purge_volunteering_data() -> dict:
    """Nightly: what has served its purpose goes (decided applications, long-expired
    certificates, cancelled sign-ups of past shifts, closed help requests); see
    profiles.purge_volunteer_data and help.purge_closed_help_requests for how long."""
    from . import help, profiles

    counts = profiles.purge_volunteer_data()
    counts["help_requests"] = help.purge_closed_help_requests()
    return counts
