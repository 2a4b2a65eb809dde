"""Reading an ICS file into events: the whole file before anything is written, and a file
broken anywhere is refused as a whole (importing half a calendar would cancel the rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy
from icalendar import Calendar
from icalendar.prop import vRecur

from .problems import FeedError


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
    return FeedError(
        gettext_lazy(
            "The address does not give a valid calendar (ICS) file. Check that you copied "
            "the ICS address of the calendar, not the address of a web page."
        )
    )


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


def _event(component) -> ImportedEvent | None:
    if component.errors:
        raise _invalid()
    uid = _text(component, "UID") or ""
    summary = " ".join((_text(component, "SUMMARY") or "").split())
    if not uid or not summary or component.get("DTSTART") is None:
        return None
    start = component.start
    try:
        end = component.end
    except Exception:  # no DTEND/DURATION: the RFC's default length
        end = None
    all_day = not isinstance(start, datetime)
    if all_day and end is not None and isinstance(end, datetime):
        end = end.date()
    if not all_day and end is not None and not isinstance(end, datetime):
        end = None
    recurrence_id = component.get("RECURRENCE-ID")
    description = _text(component, "DESCRIPTION")
    if description and "<" in description and ">" in description:
        description = strip_tags(description).strip()
    rule = component.get("RRULE")
    if isinstance(rule, list):
        rule = rule[0] if rule else None
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
    """Every usable VEVENT of the file; FeedError when the file is not a valid calendar.

    Any broken property (a date that is no date, a rule that is no rule) refuses the whole
    file: importing half of a broken calendar would cancel the other half.
    """
    data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data.startswith(b"BEGIN:VCALENDAR"):
        raise _invalid()
    try:
        calendar = Calendar.from_ical(data)
        if calendar.name != "VCALENDAR" or calendar.errors:
            raise _invalid()
        events = []
        for component in calendar.walk("VEVENT"):
            event = _event(component)
            if event is not None:
                events.append(event)
    except FeedError:
        raise
    except Exception:  # a hostile file can make any parser step fail
        raise _invalid() from None
    return events
