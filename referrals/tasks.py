"""Celery tasks of referrals: thin, safe to run twice. Periodic ones are in
CELERY_BEAT_SCHEDULE (config/settings/base.py) and run by hand with
`manage.py run_job <name>`; each records its last run (network.jobs, JobRun)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from network.jobs import tracked_job


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("remind-referrals")
def remind_referrals() -> dict:
    """Working days in office hours: a referral nobody accepted or declined reminds its
    team once, and later its sender once."""
    from . import services

    return services.queue_reminders()


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("purge-referrals")
def purge_referrals() -> int:
    """Nightly: the personal details of referrals closed longer than
    REFERRAL_RETENTION_DAYS go; an anonymous record stays."""
    from . import services

    return services.purge_expired()
