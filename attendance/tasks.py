"""Celery tasks of attendance: thin, safe to run twice. Periodic ones are in
CELERY_BEAT_SCHEDULE (config/settings/base.py) and run by hand with
`manage.py run_job <name>`; each records its last run (network.jobs, JobRun)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from network.jobs import tracked_job


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("raise-not-seen-signals")
def raise_not_seen_signals() -> dict[str, int]:
    """Nightly, after the day's roll-calls: "not seen lately" raised and resolved. Chunks
    commit one by one; a retry starts over and changes nothing that is already right."""
    from . import signals

    return signals.run_signals()


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("remind-check-ins")
def remind_check_ins() -> dict:
    """Hourly in the daytime: the volunteer is reminded once when a request's day passed
    unanswered; the coordinator hears once, two days later."""
    from . import checkins

    return checkins.queue_reminders()
