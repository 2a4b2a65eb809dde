"""Reading an ICS file into events: the whole file before anything is written, and a file
broken in anything we read is refused as a whole (importing half a calendar would cancel
the rest), with the real cause named: no calendar at all, a damaged file, or which
property of which event we cannot read."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy
from icalendar import Calendar
from icalendar.prop import vRecur

from .description import plain_description
from .problems import FeedError

#: The properties we read, and how we name each one when it is broken. A broken property
#: we never read (DTSTAMP, GEO, an attendee) is no reason to refuse the calendar.
PROPERTY_PROBLEMS = {
    "DTSTART": gettext_lazy("The event “%(title)s” has a start date or time we cannot read."),
    "DTEND": gettext_lazy("The event “%(title)s” has an end date or time we cannot read."),
    "DURATION": gettext_lazy("The event “%(title)s” has a duration we cannot read."),
    "RRULE": gettext_lazy("The event “%(title)s” has a repetition we cannot read."),
    "EXDATE": gettext_lazy("The event “%(title)s” has skipped dates we cannot read."),
    "RDATE": gettext_lazy("The event “%(title)s” has extra dates we cannot read."),
    "RECURRENCE-ID": gettext_lazy(
        "The event “%(title)s” changes a date of a series, but we cannot read which date."
    ),
}
#: Names a zone can have that all mean UTC.
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "UCT"}


@dataclass(frozen=True)
class ImportedEvent:
    """One VEVENT, its times in the site's time zone (all-day: dates)."""

    uid: str
    summary: str
    description: str | None
    location: str | None
    start: date | datetime
    end: date | datetime | None
    all_day: bool
    cancelled: bool = False
    private: bool = False
    rrule: vRecur | None = None
    exdates: frozenset[date] = frozenset()
    rdates: tuple[date | datetime, ...] = ()
    recurrence_id: date | datetime | None = None
    #: DTSTART as the feed gives it (its own zone), for expanding the rule correctly.
    rule_start: date | datetime | None = None


def _invalid() -> FeedError:
    """Not a calendar at all: a web page, a login page, some other file."""
    return FeedError(
        gettext_lazy(
            "The address does not give a valid calendar (ICS) file. Check that you copied "
            "the ICS address of the calendar, not the address of a web page."
        )
    )


def _empty() -> FeedError:
    return FeedError(
        gettext_lazy(
            "The address gives an empty file instead of a calendar. Check that you copied "
            "the ICS address of the calendar."
        )
    )


def _damaged() -> FeedError:
    """A calendar, but its structure is broken (a line that is no property, an event
    that never ends)."""
    return FeedError(
        gettext_lazy(
            "The calendar file is damaged, so we cannot read it. Share or export the calendar "
            "again from your calendar program."
        )
    )


def _unreadable_event(component) -> FeedError:
    return FeedError(
        gettext_lazy(
            "We cannot read the event “%(title)s” in the calendar. Check it in your calendar "
            "program."
        ),
        title=_title(component),
    )


def _title(component) -> str:
    """How an editor recognises an event: its title, else its UID."""
    try:
        title = " ".join((_text(component, "SUMMARY") or "").split())
        return (title or _text(component, "UID") or "?")[:80]
    except Exception:  # naming the event must not fail the naming of the problem
        return "?"


def _text(component, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def to_local(value: date | datetime) -> date | datetime:
    """Dates stay dates; times (UTC, another zone or floating) become local aware times."""
    if not isinstance(value, datetime):
        return value
    zone = timezone.get_default_timezone()
    if timezone.is_naive(value):
        return timezone.make_aware(value, zone)
    return value.astimezone(zone)


def local_day(value: date | datetime) -> date:
    value = to_local(value)
    return value.date() if isinstance(value, datetime) else value


def _date_values(component, name: str) -> list[date | datetime]:
    raw = component.get(name)
    if raw is None:
        return []
    values = []
    for item in raw if isinstance(raw, list) else [raw]:
        values.extend(entry.dt for entry in item.dts)
    return values


def _end(component, start: date | datetime) -> date | datetime | None:
    """DTEND, else DTSTART + DURATION, else None (the RFC's default length).

    Thunderbird writes a moved date with both DTEND and "DURATION:PT0S"; the RFC allows
    only one, and DTEND is the one that says where the event ends.
    """
    if component.get("DTEND") is not None:
        return component["DTEND"].dt
    duration = component.get("DURATION")
    if duration is not None:
        return start + duration.dt
    return None


def is_utc(value: datetime) -> bool:
    zone = value.tzinfo
    if zone is None:
        return False
    if zone is UTC:
        return True
    name = getattr(zone, "key", None) or getattr(zone, "zone", None) or ""
    return name in _UTC_NAMES


def calendar_zone(calendar) -> tzinfo | None:
    """The calendar's own zone (X-WR-TIMEZONE, written by Google and Apple), if it is one
    we know."""
    value = _text(calendar, "X-WR-TIMEZONE")
    if not value:
        return None
    try:
        return zoneinfo.ZoneInfo(value)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def in_calendar_zone(value: date | datetime, zone: tzinfo | None) -> date | datetime:
    """A UTC or floating time of a recurring event as a wall-clock time in the calendar's
    zone, so the rule repeats at the same local time across the clock change, as calendar
    programs show it (see the package's decisions)."""
    if zone is None or not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    if is_utc(value):
        return value.astimezone(zone)
    return value


def _event(component, zone: tzinfo | None = None) -> ImportedEvent | None:
    for name, _message in component.errors:
        if name in PROPERTY_PROBLEMS:
            raise FeedError(PROPERTY_PROBLEMS[name], title=_title(component))
    uid = _text(component, "UID") or ""
    summary = " ".join((_text(component, "SUMMARY") or "").split())
    if not uid or not summary or component.get("DTSTART") is None:
        return None
    rule = component.get("RRULE")
    if isinstance(rule, list):
        rule = rule[0] if rule else None
    start = component["DTSTART"].dt
    end = _end(component, start)
    if rule is not None:
        start, end = in_calendar_zone(start, zone), in_calendar_zone(end, zone)
    all_day = not isinstance(start, datetime)
    if all_day and end is not None and isinstance(end, datetime):
        end = end.date()
    if not all_day and end is not None and not isinstance(end, datetime):
        end = None
    recurrence_id = component.get("RECURRENCE-ID")
    description = _text(component, "DESCRIPTION")
    if description:
        description = plain_description(description)
    return ImportedEvent(
        uid=uid[:1000],
        summary=summary,
        description=description,
        location=" ".join(_text(component, "LOCATION").split())
        if component.get("LOCATION") is not None
        else None,
        start=to_local(start),
        end=to_local(end) if end is not None else None,
        all_day=all_day,
        cancelled=(_text(component, "STATUS") or "").upper() == "CANCELLED",
        private=(_text(component, "CLASS") or "PUBLIC").upper() in ("PRIVATE", "CONFIDENTIAL"),
        rrule=rule,
        exdates=frozenset(local_day(value) for value in _date_values(component, "EXDATE")),
        rdates=tuple(_date_values(component, "RDATE")),
        recurrence_id=to_local(recurrence_id.dt) if recurrence_id is not None else None,
        rule_start=start,
    )


def parse_feed(data: bytes) -> list[ImportedEvent]:
    """Every usable VEVENT of the file; FeedError, naming the cause, when the file is not
    a calendar, is damaged, or has an event with a property we read but cannot.

    Such a broken property (a date that is no date, a rule that is no rule) refuses the
    whole file: importing half of a broken calendar would cancel the other half.
    """
    data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data:
        raise _empty()
    if not data.startswith(b"BEGIN:VCALENDAR"):
        raise _invalid()
    try:
        calendar = Calendar.from_ical(data)
    except Exception:  # a hostile file can make any parser step fail
        raise _damaged() from None
    if calendar.name != "VCALENDAR":
        raise _damaged()
    zone = calendar_zone(calendar)
    events = []
    for component in calendar.walk("VEVENT"):
        try:
            event = _event(component, zone)
        except FeedError:
            raise
        except Exception:  # an odd value in an event: say which event
            raise _unreadable_event(component) from None
        if event is not None:
            events.append(event)
    return events
