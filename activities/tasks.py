"""Celery tasks of the agenda: thin, by primary key, safe to run twice. Each calls a
service; the rules live there. (E-mails go through network.tasks.deliver_message.)"""

from __future__ import annotations

from celery import shared_task

from network.jobs import tracked_job

from . import registrations, services
from .importing.services import sync_feed
from .models import CalendarFeed


@shared_task
@tracked_job("extend-occurrence-horizons")
def extend_occurrence_horizons() -> int:
    """Nightly: store the dates of every series up to the horizon (about 400 days)."""
    return services.extend_horizons()


@shared_task
@tracked_job("refresh-next-dates")
def refresh_next_dates() -> int:
    """Every ten minutes: activities whose next date began get their next one (the order
    of a search of many activities)."""
    return services.refresh_passed_next_dates()


@shared_task
@tracked_job("purge-past-registrations")
def purge_past_registrations() -> int:
    """Nightly: registrations are deleted some weeks after their date."""
    return registrations.purge_past_registrations()


@shared_task
def sync_calendar_feed(feed_id: int, force: bool = False) -> dict:
    """Sync one connected calendar; a disconnected or deleted one is left alone."""
    feed = (
        CalendarFeed.objects.select_related("organisation", "default_place")
        .filter(pk=feed_id, is_active=True, organisation__is_active=True)
        .first()
    )
    if feed is None:
        return {"skipped": True}
    return sync_feed(feed=feed, force=force).as_dict()


@shared_task
@tracked_job("sync-calendar-feeds")
def sync_all_calendar_feeds() -> int:
    """Hourly: queue a sync per connected calendar; one slow or broken feed holds up no
    other."""
    ids = list(
        CalendarFeed.objects.filter(is_active=True, organisation__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for feed_id in ids:
        sync_calendar_feed.delay(feed_id)
    return len(ids)
