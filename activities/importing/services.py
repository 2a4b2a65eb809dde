"""Writes for connected calendars: connect, disconnect, and sync (fetch, parse, plan, apply).

Fetching happens outside any transaction (no database transaction waits on a slow
server); the writes happen in one, with the feed row locked so a "sync now" and the
scheduled run cannot import the same event twice. A problem changes nothing but the feed's
record of it, and the editors are told once when a working feed breaks. A sync that worked
keeps its notes (events left out, and why) on the feed for its page.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network.shared import DomainError

from .. import emails
from ..models import CalendarFeed, Place
from .apply import SyncReport, apply_plan
from .fetch import DEFAULT_TIMEOUT, MAX_BYTES, check_feed_url, fetch_feed
from .parse import parse_feed
from .plan import SYNC_SECONDS, Budget, plan_feed
from .problems import FeedError, note

#: Notes kept per sync; the rest are counted in one last note.
MAX_NOTES = 20


def sync_feed(
    *, feed: CalendarFeed, force: bool = False, now: datetime | None = None
) -> SyncReport:
    """Make the feed's imported activities match the feed; nothing changes on a problem."""
    now = now or timezone.now()
    try:
        fetched = fetch_feed(
            feed.url,
            etag="" if force else feed.etag,
            timeout=getattr(settings, "CALENDAR_IMPORT_TIMEOUT", DEFAULT_TIMEOUT),
            max_bytes=getattr(settings, "CALENDAR_IMPORT_MAX_BYTES", MAX_BYTES),
        )
        if not fetched.not_modified:
            events = parse_feed(fetched.content)
            # Planning and applying share one budget; the download had its own deadline.
            budget = Budget(getattr(settings, "CALENDAR_IMPORT_SECONDS", SYNC_SECONDS))
            plan = plan_feed(events, today=timezone.localdate(now), budget=budget)
    except FeedError as problem:
        return _record_problem(feed, problem)
    try:
        with transaction.atomic():
            CalendarFeed.objects.select_for_update().filter(pk=feed.pk).first()
            feed.last_synced_at = now
            feed.problem, feed.problem_reported_at = {}, None
            update = ["last_synced_at", "problem", "problem_reported_at"]
            if fetched.not_modified:
                report = SyncReport(not_modified=True)  # the notes of the last run still hold
            else:
                report = apply_plan(feed, plan, now, budget=budget)
                report.notes = _notes(plan.notes, postponed=report.postponed)
                feed.etag, feed.report = fetched.etag, {"notes": report.notes}
                update += ["etag", "report"]
            feed.save(update_fields=update)
    except DomainError as error:
        problem = FeedError(
            gettext_lazy("An event in the calendar could not be imported: %(reason)s"),
            reason=str(error),
        )
        return _record_problem(feed, problem)
    return report


def _notes(notes: list[dict], *, postponed: int) -> list[dict]:
    """The sync's notes for the feed's page: what the time budget left for later first,
    then at most MAX_NOTES about single events."""
    result = []
    if postponed:
        result.append(
            note(
                gettext_lazy(
                    "The import took too long and stopped early. Events left for the next "
                    "import: %(count)d. What came in from them before stays as it is."
                ),
                count=postponed,
            )
        )
    result.extend(notes[:MAX_NOTES])
    if len(notes) > MAX_NOTES:
        result.append(
            note(gettext_lazy("More notes, not shown: %(count)d."), count=len(notes) - MAX_NOTES)
        )
    return result


@transaction.atomic
def _record_problem(feed: CalendarFeed, problem: FeedError) -> SyncReport:
    """Keep the problem on the feed (its page shows it); tell the editors when a feed
    that worked stops working, not again on every hourly try."""
    locked = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    locked.problem = problem.as_data()
    update = ["problem"]
    if locked.problem_reported_at is None:
        locked.problem_reported_at = timezone.now()
        update.append("problem_reported_at")
        emails.queue_feed_problem(locked)
    locked.save(update_fields=update)
    feed.problem, feed.problem_reported_at = locked.problem, locked.problem_reported_at
    with translation.override(settings.LANGUAGE_CODE):
        return SyncReport(error=problem.message())


@transaction.atomic
def connect_feed(
    *, organisation, url: str, default_place: Place | None, default_theme: str
) -> CalendarFeed:
    """Connect a calendar; connecting a disconnected one again picks up where it was."""
    try:
        check_feed_url(url)
    except FeedError as problem:
        raise DomainError(problem.message()) from None
    feed = CalendarFeed.objects.filter(organisation=organisation, url=url).first()
    if feed is not None and feed.is_active:
        raise DomainError(_("This calendar is already connected."))
    if feed is None:
        feed = CalendarFeed(organisation=organisation, url=url)
    feed.default_place = default_place
    feed.default_theme = default_theme
    feed.is_active = True
    feed.etag = ""
    feed.save()
    return feed


@transaction.atomic
def disconnect_feed(*, feed: CalendarFeed) -> CalendarFeed:
    """Stop syncing. Imported activities stay as they are and can be edited here."""
    feed.is_active = False
    feed.save(update_fields=["is_active"])
    return feed
