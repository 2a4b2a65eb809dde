"""Celery tasks of the overviews: thin, safe to run twice. The schedule is in
CELERY_BEAT_SCHEDULE (config/settings/base.py); `manage.py run_job refresh-overviews` (or
`refresh-overview-summaries`) runs one by hand."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from network.jobs import tracked_job


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("refresh-overviews")
def refresh_overviews() -> dict[str, int]:
    """Nightly, after the signals job: the summaries rebuilt whole, and every
    municipality's and network's overview of this year counted from them ahead."""
    from . import kept

    return kept.refresh_overviews()


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
@tracked_job("refresh-overview-summaries")
def refresh_overview_summaries() -> dict[str, object]:
    """Every 15 minutes: the summaries of this month and the one before counted again
    (overviews/summary.py), so the overviews are at most a quarter of an hour behind, and
    every municipality's overview of this year counted from them ahead."""
    from . import kept

    return kept.refresh_recent()
