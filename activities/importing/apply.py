"""Applying a plan: the feed's imported activities made to match it, through the agenda's
own services (create, update, cancel, restore, withdraw, single dates), so imports follow
the same rules as hand-made activities: moderation, e-mails, events for dates.

Matched on (feed, UID). What the import cancelled is recorded as data (cancelled_by =
import), so only its own cancellations are undone when an event comes back. Applying
stops when the sync's time budget is spent; what it did not reach, and what planning did
not reach, is not "gone from the feed": it keeps what it brought in before.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from network.models import Organisation

from .. import services
from ..models import Activity, CalendarFeed, CancelledBy, Occurrence, Place, Status
from .plan import Budget, Plan, PlannedItem, key_bases

#: A key of a date of a series in the form used before dates were keyed by day.
_TIMED_INSTANCE_KEY = re.compile(r"^(?P<day_key>.+#\d{8})T\d{4}$")


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    restored: int = 0
    deleted: int = 0
    flagged: int = 0
    dates_changed: int = 0
    #: Events left for the next sync because the time budget ran out.
    postponed: int = 0
    not_modified: bool = False
    error: str = ""
    #: Notes for the feed's page (problems.note), stored on CalendarFeed.report.
    notes: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def normalise_title(title: str) -> str:
    """ "Koffie-ochtend!" and "koffie ochtend" are the same activity for duplicate finding."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_title.lower()))


def _place_index(organisation: Organisation) -> dict[str, int]:
    places = (
        Place.objects.filter(
            Q(municipality_id=organisation.municipality_id)
            | Q(municipality__networks__organisations=organisation)
        )
        .order_by("pk")
        .values_list("name", "pk")
        .distinct()
    )
    index: dict[str, int] = {}
    for name, pk in places:
        index.setdefault(name.strip().lower(), pk)
    return index


def _where(item: PlannedItem, feed: CalendarFeed, places: dict[str, int]) -> tuple[int | None, str]:
    """(place id, where exactly) for an event's LOCATION."""
    text = item.location or ""
    for candidate in (text, text.split(",")[0]):
        pk = places.get(candidate.strip().lower())
        if pk is not None:
            return pk, ""
    return feed.default_place_id, text[:200]


def _data(item: PlannedItem, feed: CalendarFeed, places: dict[str, int], *, new: bool) -> dict:
    data = {
        "title": item.title,
        "start_date": item.start_date,
        "start_time": item.start_time,
        "end_time": item.end_time,
        "frequency": item.frequency,
        "monthly_ordinal": item.monthly_ordinal,
        "until": item.until,
        "count": item.count,
        "exception_dates": item.exception_dates,
    }
    if item.description is not None or new:
        data["description"] = item.description or ""
    if item.location is not None or new:
        data["place_id"], data["location_note"] = _where(item, feed, places)
    return data


def _duplicates(feed: CalendarFeed, items: list[PlannedItem]) -> dict[str, int]:
    """Key of a new item -> id of an activity already entered at the same time and name."""
    starts = {start for item in items for start in item.upcoming_starts}
    if not starts:
        return {}
    organisation = feed.organisation
    network_organisations = Organisation.objects.filter(
        networks__organisations=organisation
    ).values("pk")
    found: dict[tuple[str, datetime], int] = {}
    ordered = sorted(starts)
    for offset in range(0, len(ordered), 500):
        rows = (
            Occurrence.objects.filter(starts_at__in=ordered[offset : offset + 500])
            .filter(
                Q(activity__organisation=organisation)
                | Q(activity__organisation__in=network_organisations)
            )
            .exclude(activity__imported_from=feed)
            .exclude(activity__status=Status.CANCELLED)
            .values_list("starts_at", "activity_id", "activity__title")
        )
        for starts_at, activity_id, title in rows:
            found.setdefault((normalise_title(title), starts_at), activity_id)
    result = {}
    for item in items:
        title = normalise_title(item.title)
        for start in item.upcoming_starts:
            if (title, start) in found:
                result[item.key] = found[(title, start)]
                break
    return result


def _has_dates_to_come(activity: Activity, now: datetime) -> bool:
    return activity.occurrences.filter(starts_at__gte=now, is_cancelled=False).exists()


def _withdraw(activity: Activity, *, report: SyncReport, now: datetime, removed: bool) -> None:
    """The event is cancelled or gone from the feed: cancel the activity here too, or take
    it back when residents never saw it (cancelling would show it to them)."""
    if activity.status == Status.CANCELLED:
        return
    if removed and not _has_dates_to_come(activity, now):
        return  # the feed dropped what is over: history stays as it was
    if activity.status != Status.PUBLISHED and activity.published_at is None:
        report.deleted += services.withdraw_activity(activity=activity)
        return
    services.cancel_activity(activity=activity, cancelled_by=CancelledBy.IMPORT)
    report.cancelled += 1


def _restore(activity: Activity, report: SyncReport) -> None:
    """The event is back in the feed: publish again (trusted) or ask the network again."""
    services.restore_activity(activity=activity)
    report.restored += 1


def _sync_dates(activity: Activity, item: PlannedItem, now: datetime, report: SyncReport):
    """Apply the feed's changed and cancelled single dates to the stored dates to come."""
    occurrences = activity.occurrences.filter(starts_at__gte=now)
    if not item.overrides:
        occurrences = occurrences.filter(is_cancelled=True, cancelled_by=CancelledBy.IMPORT)
    for occurrence in occurrences:
        occurrence.activity = activity
        override = item.overrides.get(occurrence.original_date)
        cancelled_here = occurrence.is_cancelled and occurrence.cancelled_by == CancelledBy.IMPORT
        if override is None:
            if cancelled_here:
                services.restore_occurrence(occurrence=occurrence)
                report.dates_changed += 1
            continue
        if override.cancelled:
            if not occurrence.is_cancelled:
                services.cancel_occurrence(occurrence=occurrence, cancelled_by=CancelledBy.IMPORT)
                report.dates_changed += 1
            continue
        if cancelled_here:
            services.restore_occurrence(occurrence=occurrence)
            report.dates_changed += 1
        end_time = override.end_time
        if (
            end_time is not None
            and override.start_time is not None
            and end_time <= override.start_time
        ):
            end_time = None
        starts_at = services.local_datetime(override.day, override.start_time)
        ends_at = services.local_datetime(override.day, end_time) if end_time else None
        all_day = override.start_time is None
        if (occurrence.starts_at, occurrence.ends_at, occurrence.all_day) != (
            starts_at,
            ends_at,
            all_day,
        ):
            services.change_occurrence(
                occurrence=occurrence,
                day=override.day,
                start_time=override.start_time,
                end_time=end_time,
                place=occurrence.place,
                room=occurrence.room,
            )
            report.dates_changed += 1


def _matching(item: PlannedItem, existing: dict, timed: dict, claimed: set) -> Activity | None:
    """The activity an item updates: stored under its key, or, for a date of a series
    imported as single dates, under the older key that held the time too (so a changed
    time moves that activity instead of cancelling it and making another)."""
    activity = existing.get(item.key)
    if activity is not None or not item.instance:
        return activity
    for key in timed.get(item.key, []):
        if key not in claimed:
            claimed.add(key)
            return existing[key]
    return None


def _timed_keys(existing: dict, planned: set[str]) -> dict[str, list[str]]:
    """Day key -> older keys with a time, not themselves still in the plan."""
    timed: dict[str, list[str]] = {}
    for key in sorted(existing):
        match = _TIMED_INSTANCE_KEY.match(key)
        if match and key not in planned:
            timed.setdefault(match.group("day_key"), []).append(key)
    return timed


def _kept(key: str, bases: set[str]) -> bool:
    """Whether an activity's key belongs to one of the events (by key_bases) kept as is."""
    if key in bases:
        return True
    return any(key[:index] in bases for index, char in enumerate(key) if char == "#")


def apply_plan(
    feed: CalendarFeed, plan: Plan, now: datetime, *, budget: Budget | None = None
) -> SyncReport:
    report = SyncReport()
    items = plan.items
    organisation = feed.organisation
    existing = {
        activity.external_uid: activity
        for activity in Activity.objects.filter(imported_from=feed).select_related("organisation")
    }
    planned = {item.key for item in items}
    timed, claimed = _timed_keys(existing, planned), set()
    places = _place_index(organisation)
    new_items = [
        item
        for item in items
        if item.key not in existing and not item.cancelled and item.upcoming_starts
    ]
    duplicates = _duplicates(feed, new_items)
    kept_uids = set(plan.kept_uids)
    for position, item in enumerate(items):
        if budget is not None and budget.spent():
            kept_uids.update(other.uid for other in items[position:])
            report.postponed = len({other.uid for other in items[position:]} - plan.kept_uids)
            break
        activity = _matching(item, existing, timed, claimed)
        # An activity found under an older key takes the new one (through the service).
        renamed = (
            {"external_uid": item.key}
            if activity is not None and activity.external_uid != item.key
            else {}
        )
        if activity is None:
            if item.cancelled or not item.upcoming_starts:
                continue
            duplicate_of = duplicates.get(item.key)
            data = _data(item, feed, places, new=True)
            data.update(
                theme=feed.default_theme,
                imported_from=feed,
                external_uid=item.key,
                possible_duplicate_of_id=duplicate_of,
            )
            activity = services.create_activity(
                organisation=organisation,
                created_by=None,
                data=data,
                submit=duplicate_of is None,
            )
            report.created += 1
            report.flagged += duplicate_of is not None
        elif item.cancelled:
            if renamed:
                services.update_activity(activity=activity, data=renamed)
            _withdraw(activity, report=report, now=now, removed=False)
            continue
        else:
            data = _data(item, feed, places, new=False)
            changes = {
                name: value for name, value in data.items() if getattr(activity, name) != value
            }
            if "place_id" in changes and activity.room_id:
                changes["room_id"] = None
            if changes or renamed:
                services.update_activity(activity=activity, data={**changes, **renamed})
                report.updated += bool(changes)
            if (
                activity.status == Status.CANCELLED
                and item.upcoming_starts
                and activity.cancelled_by == CancelledBy.IMPORT
            ):
                _restore(activity, report)
        if activity.status != Status.CANCELLED:
            _sync_dates(activity, item, now, report)
    report.postponed += plan.cut
    bases = set().union(*(key_bases(uid) for uid in kept_uids)) if kept_uids else set()
    for key, activity in existing.items():
        if key not in planned and key not in claimed and not _kept(key, bases):
            _withdraw(activity, report=report, now=now, removed=True)
    return report
