"""Planning: which activities the feed's events become. Pure: no database, no network.

See the package's docstring for the decisions (which rules become one series, which are
split per weekday or expanded into single dates, the time budget, and the notes an editor
reads on the feed's page).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time as monotonic_time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from dateutil import rrule as dateutil_rrule
from django.utils import timezone
from django.utils.translation import gettext_lazy
from icalendar.prop import vRecur

from .. import recurrence
from ..models import Frequency
from ..services import horizon_end, local_datetime
from .parse import ImportedEvent, local_day, to_local
from .problems import FeedError, note
from .rules import never_happens

logger = logging.getLogger(__name__)

#: More activities than this from one feed is not an agenda but a mistake (or an attack).
MAX_ITEMS = 1000
#: Rules that do not fit a plain-words schedule are expanded this far ahead.
EXPAND_DAYS = 92
MAX_EXPANDED_PER_EVENT = 100
#: Start times per new event compared with existing activities to find duplicates.
DUPLICATE_PROBES = 3
WEEKDAY_CODES = recurrence.WEEKDAY_CODES
#: Rule parts we expand, per frequency. Others (hours, week numbers, days of the year) are
#: not agenda material, and some combinations never match: dateutil would then search
#: for years (a hostile feed could keep a worker busy), so such events are not imported.
SUPPORTED_PARTS = {
    "DAILY": {"BYDAY", "BYMONTH"},
    "WEEKLY": {"BYDAY", "BYMONTH"},
    "MONTHLY": {"BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"},
    "YEARLY": {"BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"},
}
#: Planning and applying a feed together may take this long (setting
#: CALENDAR_IMPORT_SECONDS); events that do not fit wait for the next sync.
SYNC_SECONDS = 60
#: The key of a date of a series imported as single dates is UID#YYYYMMDD; it used to be
#: UID#YYYYMMDDTHHMM, and a second start on the same day still is.
_INSTANCE_SUFFIX_ROOM = len("#YYYYMMDDTHHMM")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


class Budget:
    """The seconds a sync may spend planning and applying. Checked between events: one
    event costs little once rules that never happen are refused (rules.never_happens)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = monotonic_time.monotonic() + seconds

    def spent(self) -> bool:
        return monotonic_time.monotonic() >= self._ends


# Planning: events to activities --------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """One date of a series changed in the feed (RECURRENCE-ID)."""

    original_date: date
    day: date
    start_time: time | None
    end_time: time | None
    cancelled: bool


@dataclass
class PlannedItem:
    """What one imported activity should look like after the sync."""

    key: str
    #: The event it comes from; `key` is this UID, or it plus a suffix for a part.
    uid: str
    title: str
    description: str | None
    location: str | None
    start_date: date
    start_time: time | None
    end_time: time | None
    frequency: str = Frequency.ONCE
    monthly_ordinal: int | None = None
    until: date | None = None
    count: int | None = None
    exception_dates: list[str] = field(default_factory=list)
    cancelled: bool = False
    overrides: dict[date, Override] = field(default_factory=dict)
    #: The first local start times from today on: empty for an event that is over.
    upcoming_starts: list[datetime] = field(default_factory=list)
    #: One date of a series imported as single dates (key UID#YYYYMMDD): an activity
    #: stored under the older key with the time (UID#YYYYMMDDTHHMM) is this one too.
    instance: bool = False

    def schedule(self) -> recurrence.Schedule:
        return recurrence.Schedule(
            start_date=self.start_date,
            frequency=self.frequency,
            monthly_ordinal=self.monthly_ordinal,
            until=self.until,
            count=self.count,
            exception_dates=frozenset(date.fromisoformat(d) for d in self.exception_dates),
        )


def _key(uid: str, suffix: str = "", *, room: int = 0) -> str:
    """The external UID of an activity: the event's UID, plus a suffix for a part of it."""
    if len(uid) + max(len(suffix), room) > 255:
        uid = _hashed(uid)
    return uid + suffix


def _hashed(uid: str) -> str:
    return "sha1:" + hashlib.sha1(uid.encode()).hexdigest()


def key_bases(uid: str) -> set[str]:
    """What every key of an event's activities is, or starts with (before a "#")."""
    return {uid, _hashed(uid)}


def _instance_key(uid: str, start: date | datetime, *, with_time: bool = False) -> str:
    """The key of one date of a series imported as single dates: its local day, so a time
    changed in the source calendar changes this activity instead of making another. A
    second start on the same day keeps its time in the key. UIDs are hashed as long as
    they were when the key held the time, so old and new keys keep the same base."""
    suffix = "#" + local_day(start).strftime("%Y%m%d")
    if with_time and isinstance(start, datetime):
        suffix += to_local(start).strftime("T%H%M")
    return _key(uid, suffix, room=_INSTANCE_SUFFIX_ROOM)


def _times(event: ImportedEvent) -> tuple[date, time | None, time | None]:
    """(day, start_time, end_time) in local time. An end more than a day later is dropped:
    our dates have one start and end time, an overnight end is understood."""
    if event.all_day:
        return event.start, None, None
    start = event.start
    start_time = start.time().replace(second=0, microsecond=0)
    end_time = None
    if event.end is not None and timedelta(0) < event.end - start < timedelta(days=1):
        end_time = event.end.time().replace(second=0, microsecond=0)
        if end_time == start_time:
            end_time = None
    return start.date(), start_time, end_time


def _upcoming(days: list[date], start_time: time | None) -> list[datetime]:
    return [local_datetime(day, start_time) for day in days[:DUPLICATE_PROBES]]


def _rule_start(event: ImportedEvent) -> datetime:
    """DTSTART as python-dateutil wants it: aware for times (floating: local), naive
    midnight for all-day events."""
    start = event.rule_start
    if not isinstance(start, datetime):
        return datetime.combine(start, time(0, 0))
    if timezone.is_naive(start):
        return timezone.make_aware(start, timezone.get_default_timezone())
    return start


def _rule_until(event: ImportedEvent) -> datetime | None:
    """UNTIL made to match DTSTART's kind (feeds mix dates, UTC and local times)."""
    until = event.rrule.get("UNTIL")
    until = until[0] if isinstance(until, list) and until else until
    if not until:
        return None
    dtstart = _rule_start(event)
    if not isinstance(until, datetime):
        until = datetime.combine(until, time(23, 59, 59))
    if dtstart.tzinfo is not None:
        if timezone.is_naive(until):
            return until.replace(tzinfo=dtstart.tzinfo)
        return until.astimezone(dtstart.tzinfo)
    return to_local(until).replace(tzinfo=None) if not timezone.is_naive(until) else until


def _moved_forward(rule: vRecur, dtstart: datetime, near: date) -> datetime:
    """DTSTART, when it lies long before `near`, moved forward along the rule's own steps
    (whole intervals of days or weeks) to a few weeks before it.

    dateutil walks from DTSTART period by period: a daily rule from the year 1000 costs
    seconds, and a feed of them would spend the sync's whole budget every hour. The dates
    from `near` on are the same. Not with COUNT (it counts from the real start), nor for
    months and years (few periods, and their day is taken from DTSTART).
    """
    frequency = str(rule["FREQ"][0]).upper()
    if "COUNT" in rule or frequency not in ("DAILY", "WEEKLY"):
        return dtstart
    step = int(rule.get("INTERVAL", [1])[0] or 1) * (7 if frequency == "WEEKLY" else 1)
    gap = (near - dtstart.date()).days - 14 - step
    if gap <= 0:
        return dtstart
    return dtstart + timedelta(days=gap // step * step)


def _dateutil_rule(
    event: ImportedEvent, *, until_cap: datetime | None = None, near: date | None = None
):
    """The event's RRULE for python-dateutil. `until_cap` bounds an open rule's work;
    `near` says the dates before it (less a few weeks) do not matter."""
    rule = event.rrule
    dtstart = _rule_start(event)
    if near is not None:
        dtstart = _moved_forward(rule, dtstart, near)
    parts = {name: value for name, value in rule.items() if name != "UNTIL"}
    parsed = dateutil_rrule.rrulestr(vRecur(parts).to_ical().decode(), dtstart=dtstart)
    until = _rule_until(event)
    if until_cap is not None and "COUNT" not in rule:
        if dtstart.tzinfo is None:
            until_cap = until_cap.replace(tzinfo=None)
        until = min(until, until_cap) if until else until_cap
    return parsed.replace(until=until) if until else parsed


@dataclass(frozen=True)
class _Instance:
    day: date
    start_time: time | None
    start: date | datetime


def _instances(event: ImportedEvent, first: date, last: date) -> list[_Instance]:
    """What the feed's rule really produces from first to last (local days), skipped
    dates left out, RDATEs added; in order of start."""
    zone = timezone.get_default_timezone()
    dtstart = _rule_start(event)
    naive = dtstart.tzinfo is None
    low = datetime.combine(first, time(0, 0), zone)
    high = datetime.combine(last, time(23, 59, 59), zone)
    rule = _dateutil_rule(event, until_cap=high + timedelta(days=1), near=first)
    if naive:
        low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
    starts = set(rule.between(low, high, inc=True))
    for extra in event.rdates:
        if isinstance(extra, datetime):
            value = to_local(extra)
            value = value.replace(tzinfo=None) if naive else value
        else:
            value = datetime.combine(extra, dtstart.timetz())
        if low <= value <= high:
            starts.add(value)
    result = []
    for start in sorted(starts):
        if event.all_day:
            instance = _Instance(start.date(), None, start.date())
        else:
            local = to_local(start)
            instance = _Instance(local.date(), local.time().replace(second=0), local)
        if instance.day not in event.exdates and first <= instance.day <= last:
            result.append(instance)
    return result


def _until(event: ImportedEvent, horizon: date) -> date | None:
    """The date of the rule's real last time: UNTIL itself may lie between two dates, or
    after the last time on its day (UNTIL=...T000000Z), where our "until" is a date."""
    until = _rule_until(event)
    if until is None:
        return None
    if until.date() > horizon + timedelta(days=366):
        return local_day(until)
    last = _dateutil_rule(event, near=until.date() - timedelta(days=21)).before(until, inc=True)
    return local_day(last) if last is not None else local_day(until)


def _plain_schedule(event: ImportedEvent, horizon: date) -> dict | None:
    """The rule in our plain words, if it has a shape we have words for."""
    rule = event.rrule
    frequency = str(rule["FREQ"][0]).upper()
    interval = int(rule.get("INTERVAL", [1])[0])
    parts = set(rule) - {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"}
    byday = [str(value).upper() for value in rule.get("BYDAY", [])]
    start = local_day(event.start)
    code = WEEKDAY_CODES[start.weekday()]
    chosen: dict | None = None
    if frequency == "DAILY" and interval == 1 and not parts:
        chosen = {"frequency": Frequency.DAILY}
    elif frequency == "WEEKLY" and interval in (1, 2) and parts <= {"BYDAY"}:
        if byday in ([], [code]):
            chosen = {"frequency": Frequency.WEEKLY if interval == 1 else Frequency.BIWEEKLY}
    elif frequency == "MONTHLY" and interval == 1:
        if not parts or (parts == {"BYMONTHDAY"} and rule["BYMONTHDAY"] == [start.day]):
            chosen = {"frequency": Frequency.MONTHLY_DATE}
        elif parts == {"BYDAY"} and len(byday) == 1:
            match = _BYDAY.match(byday[0])
            if match and match.group(1) and match.group(2) == code:
                chosen = {"frequency": Frequency.MONTHLY_WEEKDAY, "ordinal": int(match.group(1))}
        elif parts == {"BYDAY", "BYSETPOS"} and byday == [code] and len(rule["BYSETPOS"]) == 1:
            chosen = {
                "frequency": Frequency.MONTHLY_WEEKDAY,
                "ordinal": int(rule["BYSETPOS"][0]),
            }
    if chosen is None:
        return None
    if chosen.get("ordinal") not in (None, *recurrence.ORDINAL_CHOICES):
        return None
    count = rule.get("COUNT")
    count = int(count[0]) if count else None
    return {
        "frequency": chosen["frequency"],
        "monthly_ordinal": chosen.get("ordinal"),
        "count": count if count and count <= recurrence.MAX_DATES else None,
        "until": _until(event, horizon),
    }


def _fits(item: PlannedItem, instances: list[_Instance], today: date, horizon: date) -> bool:
    try:
        recurrence.validate(item.schedule())
    except recurrence.RecurrenceError:
        return False
    days = list(recurrence.expand(item.schedule(), start=today, end=horizon))
    return days == [instance.day for instance in instances] and all(
        instance.start_time == item.start_time for instance in instances
    )


def _base_item(event: ImportedEvent, key: str) -> PlannedItem:
    day, start_time, end_time = _times(event)
    return PlannedItem(
        key=key,
        uid=event.uid,
        title=event.summary[:120],
        description=event.description,
        location=event.location,
        start_date=day,
        start_time=start_time,
        end_time=end_time,
        cancelled=event.cancelled,
    )


def _override(event: ImportedEvent) -> Override:
    day, start_time, end_time = _times(event)
    return Override(
        original_date=local_day(event.recurrence_id),
        day=day,
        start_time=start_time,
        end_time=end_time,
        cancelled=event.cancelled,
    )


def _single(event: ImportedEvent, key: str, today: date) -> PlannedItem:
    item = _base_item(event, key)
    if event.all_day and event.end is not None and (event.end - event.start).days > 1:
        # A camp week or a fair over several days: one date per day.
        item.frequency = Frequency.DAILY
        item.count = min((event.end - event.start).days, 366)
    days = list(recurrence.expand(item.schedule(), start=today, limit=DUPLICATE_PROBES))
    item.upcoming_starts = _upcoming(days, item.start_time)
    return item


def _series(
    event: ImportedEvent, overrides: list[ImportedEvent], today: date, horizon: date
) -> list[PlannedItem]:
    """One recurring event as one schedule, a schedule per weekday, or single dates."""
    instances = _instances(event, today, horizon)
    first_day = local_day(event.start)
    exceptions = sorted(day.isoformat() for day in event.exdates if day >= first_day)
    changed = {local_day(other.recurrence_id): _override(other) for other in overrides}
    plain = _plain_schedule(event, horizon)
    if plain is not None:
        item = _base_item(event, _key(event.uid))
        item.frequency, item.monthly_ordinal = plain["frequency"], plain["monthly_ordinal"]
        item.count, item.until = plain["count"], plain["until"]
        item.exception_dates = exceptions
        if _fits(item, instances, today, horizon):
            item.overrides = changed
            item.upcoming_starts = _upcoming([i.day for i in instances], item.start_time)
            return [item]
    split = _split_weekly(event, instances, changed, exceptions, today, horizon)
    if split is not None:
        return split
    # Single dates for what we have no words for, for the months to come.
    by_day = {local_day(other.recurrence_id): other for other in overrides}
    items, days_used = [], set()
    for instance in _instances(event, today, today + timedelta(days=EXPAND_DAYS))[
        :MAX_EXPANDED_PER_EVENT
    ]:
        second_that_day = instance.day in days_used
        days_used.add(instance.day)
        key = _instance_key(event.uid, instance.start, with_time=second_that_day)
        source = None if second_that_day else by_day.pop(instance.day, None)
        if source is None:
            length = (event.end - event.start) if event.end is not None else None
            start = instance.start
            source = ImportedEvent(
                uid=event.uid,
                summary=event.summary,
                description=event.description,
                location=event.location,
                start=start,
                end=start + length if length is not None else None,
                all_day=event.all_day,
                cancelled=event.cancelled,
            )
        elif event.cancelled:
            source = _with_cancelled(source)
        item = _single(source, key, today)
        item.instance = True
        items.append(item)
    return items


def _with_cancelled(event: ImportedEvent) -> ImportedEvent:
    return replace(event, cancelled=True)


def _split_weekly(event, instances, changed, exceptions, today, horizon):
    """Weekly on several weekdays: one weekly series per weekday, each checked exactly."""
    rule = event.rrule
    frequency = str(rule["FREQ"][0]).upper()
    interval = int(rule.get("INTERVAL", [1])[0])
    codes = [str(value).upper() for value in rule.get("BYDAY", [])]
    if frequency == "DAILY" and interval == 1:
        frequency = "WEEKLY"  # every working day: the same as weekly on those weekdays
    if (
        frequency != "WEEKLY"
        or interval not in (1, 2)
        or set(rule) - {"FREQ", "INTERVAL", "UNTIL", "WKST", "BYDAY"}
        or len(codes) < 2
        or not all(code in WEEKDAY_CODES for code in codes)
    ):
        return None
    firsts: dict[str, date] = {}
    for start in _dateutil_rule(event):
        day = start.date() if event.all_day else local_day(start)
        firsts.setdefault(WEEKDAY_CODES[day.weekday()], day)
        if len(firsts) == len(set(codes)) or day > local_day(event.start) + timedelta(days=21):
            break
    until = _until(event, horizon)
    items = []
    for code in sorted(set(codes), key=WEEKDAY_CODES.index):
        if code not in firsts:
            continue
        weekday = WEEKDAY_CODES.index(code)
        item = _base_item(event, _key(event.uid, "#" + code))
        item.start_date = firsts[code]
        item.frequency = Frequency.WEEKLY if interval == 1 else Frequency.BIWEEKLY
        item.until = until
        item.exception_dates = [
            day for day in exceptions if date.fromisoformat(day).weekday() == weekday
        ]
        mine = [instance for instance in instances if instance.day.weekday() == weekday]
        if not _fits(item, mine, today, horizon):
            return None
        item.overrides = {
            day: override for day, override in changed.items() if day.weekday() == weekday
        }
        item.upcoming_starts = _upcoming([i.day for i in mine], item.start_time)
        items.append(item)
    return items or None


def _supported(rule: vRecur) -> bool:
    frequency = str(rule.get("FREQ", [""])[0]).upper()
    parts = set(rule) - {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"}
    return frequency in SUPPORTED_PARTS and parts <= SUPPORTED_PARTS[frequency]


class _NotImported(Exception):
    """An event we leave out on purpose, with the note that tells the editor why."""

    def __init__(self, message, **params) -> None:
        super().__init__(str(message))
        self.note = note(message, **params)


def _plan_event(
    event: ImportedEvent, overrides: list[ImportedEvent], today: date, horizon: date
) -> list[PlannedItem]:
    if event.private:
        return []
    if event.recurrence_id is not None:
        # A changed date without its series (some programs export only that): one date.
        item = _single(event, _instance_key(event.uid, event.recurrence_id), today)
        item.instance = True
        return [item]
    if event.rrule is None:
        return [_single(event, _key(event.uid), today)]
    if not _supported(event.rrule):
        raise _NotImported(
            gettext_lazy(
                "“%(title)s” repeats in a way we cannot take over (for example every hour). "
                "It is not imported."
            ),
            title=event.summary[:80],
        )
    if never_happens(event.rrule, _rule_start(event).date()):
        raise _NotImported(
            gettext_lazy(
                "“%(title)s” repeats on a date that never comes (such as 30 February). It is "
                "not imported."
            ),
            title=event.summary[:80],
        )
    return _series(event, overrides, today, horizon)


@dataclass
class Plan:
    """What the feed should become, and what the editor should know about it."""

    items: list[PlannedItem] = field(default_factory=list)
    #: Notes for the feed's page (problems.note): events left out, and why.
    notes: list[dict] = field(default_factory=list)
    #: Events not planned this time (the time budget ran out, or dates we cannot read):
    #: what was imported from them before stays exactly as it is.
    kept_uids: set[str] = field(default_factory=set)
    #: How many of those the time budget cut.
    cut: int = 0


def _masters_and_overrides(events: list[ImportedEvent], plan: Plan):
    """Events by UID. Two events with one UID (and no RECURRENCE-ID) are one event twice:
    the first in the file wins, and the editor reads which one was left out."""
    masters: dict[str, ImportedEvent] = {}
    overrides: dict[str, list[ImportedEvent]] = defaultdict(list)
    for event in events:
        if event.recurrence_id is not None:
            overrides[event.uid].append(event)
        elif event.uid in masters:
            plan.notes.append(
                note(
                    gettext_lazy(
                        "Two events in the calendar have the same code (UID): “%(title)s” and "
                        "“%(other)s”. We took over only the first; check the second in your "
                        "calendar program."
                    ),
                    title=masters[event.uid].summary[:80],
                    other=event.summary[:80],
                )
            )
        else:
            masters[event.uid] = event
    return masters, overrides


def plan_feed(events: list[ImportedEvent], *, today: date, budget: Budget | None = None) -> Plan:
    """The activities the feed describes, keyed by UID (plus a suffix for parts).

    Events are planned cheapest first (single events before series), as long as the
    budget lasts; the rest wait for the next sync and keep what they brought in before.
    An event we cannot plan (a rule python-dateutil refuses, a date at the end of time)
    is left out and kept the same way, with its title named in a note, rather than
    failing the job.
    """
    horizon = horizon_end(today)
    budget = budget or Budget(SYNC_SECONDS)
    plan = Plan()
    masters, overrides = _masters_and_overrides(events, plan)
    orphans = [o for uid, group in overrides.items() if uid not in masters for o in group]
    ordered = sorted([*masters.values(), *orphans], key=lambda event: event.rrule is not None)
    for position, event in enumerate(ordered):
        if budget.spent():
            left = ordered[position:]
            plan.kept_uids.update(other.uid for other in left)
            plan.cut = len({other.uid for other in left})
            break
        try:
            plan.items.extend(_plan_event(event, overrides.get(event.uid, []), today, horizon))
        except _NotImported as skipped:
            plan.notes.append(skipped.note)
        except Exception:  # a hostile or odd event: name it, do not crash the job
            logger.warning("Cannot plan event %r", event.uid[:100], exc_info=True)
            plan.kept_uids.add(event.uid)
            plan.notes.append(
                note(
                    gettext_lazy(
                        "We cannot read the dates of “%(title)s” in the calendar. Check how it "
                        "repeats."
                    ),
                    title=event.summary[:80],
                )
            )
        if len(plan.items) > MAX_ITEMS:
            raise FeedError(
                gettext_lazy(
                    "The calendar holds more than %(max)d activities to import. Connect a "
                    "calendar with only the activities for the agenda."
                ),
                max=MAX_ITEMS,
            )
    plan.items.sort(key=lambda item: (item.start_date, item.key))
    return plan
