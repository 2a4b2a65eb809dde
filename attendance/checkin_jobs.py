"""The periodic job of check-ins: thin, safe to run twice (attendance/checkins.py).

Celery's autodiscovery looks only for `<app>/tasks.py`; this module is imported by
AttendanceConfig.ready() instead, so the worker, beat and `manage.py run_job` know the task
(`attendance.checkin_jobs.remind_check_ins`, scheduled as `remind-check-ins` in
CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from network.jobs import tracked_job


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("remind-check-ins")
def remind_check_ins() -> dict:
    """Hourly in the daytime: the volunteer is reminded once when a request's day passed
    unanswered; the coordinator hears once, two days later."""
    from . import checkins

    return checkins.queue_reminders()
