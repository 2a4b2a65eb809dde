"""iCalendar (RFC 5545) documents of the agenda: what residents take home in their calendar.

Every stored date (Occurrence) becomes its own VEVENT instead of one VEVENT with an RRULE:
single dates can be moved, get another place or be cancelled, and an expanded list is the
one form every calendar program shows the same way. A date's UID is built from the
activity and the date's `original_date`, which is the date's identity: a regenerated
series, a moved or a cancelled date keeps its UID, so clients update the event they
already have instead of adding a second one.

The calendar's frame and its VTIMEZONE are built with the icalendar library; the events
are written line by line by `EventWriter` (RFC 5545 escaping and folding), event by event
as the dates are read, because icalendar's objects cost a millisecond per event and a feed
can hold thousands. The tests read every document back with the icalendar parser.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from icalendar import (
    Calendar,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDuration,
)

from .models import Activity, Occurrence, Theme

logger = logging.getLogger(__name__)

PRODID = "-//Omzien//Agenda//NL"
#: Calendar programs that honour it fetch a subscribed feed again after this long.
REFRESH_INTERVAL = timedelta(hours=6)
#: A feed also lists the recent past, so a date that just happened does not vanish at once.
PAST_DAYS = 14
#: No item cap, but a ceiling that protects the server from a runaway request.
MAX_EVENTS = 20_000
#: SEQUENCE counts seconds from here, so it grows with every change to the activity and
#: stays within the 32-bit integer some clients use until far into this century.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

#: Time zones that follow the European Union's summer-time rule (since 1996): last Sunday
#: of March 01:00 UTC to last Sunday of October 01:00 UTC.
EU_CENTRAL_ZONES = frozenset(
    {
        "Europe/Amsterdam",
        "Europe/Brussels",
        "Europe/Berlin",
        "Europe/Luxembourg",
        "Europe/Paris",
    }
)


def site_host() -> str:
    """The host name that makes UIDs globally unique: that of the public site address."""
    return urlsplit(settings.SITE_URL).hostname or "omzien.invalid"


def absolute_url(path: str) -> str:
    """An address on the public site. Feeds are read outside the site, so never relative."""
    return settings.SITE_URL + path


def window_start(now: datetime | None = None) -> datetime:
    """The earliest start a feed lists: midnight (local) PAST_DAYS days ago."""
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(
        datetime.combine(today - timedelta(days=PAST_DAYS), datetime.min.time())
    )


def occurrence_uid(occurrence: Occurrence) -> str:
    """Stable across regenerations: the activity and the date the occurrence belongs to."""
    return f"occurrence-{occurrence.activity_id}-{occurrence.original_date:%Y%m%d}@{site_host()}"


def occurrence_sequence(occurrence: Occurrence) -> int:
    """A revision number that grows when the activity is edited or the date itself changed.

    Occurrences have no modification time of their own, so a change made to one date (moved,
    cancelled) adds a fixed step to the activity's number; a cancelled activity adds another.
    """
    activity = occurrence.activity
    seconds = int((activity.updated_at - SEQUENCE_EPOCH).total_seconds())
    return (
        max(seconds, 0) + (1 if occurrence.is_detached else 0) + (2 if activity.is_cancelled else 0)
    )


def vtimezone(tzid: str | None = None) -> Timezone:
    """The VTIMEZONE component the events refer to with TZID.

    For the EU's central zones the component is written with yearly rules, as Google, Apple
    and Microsoft write it themselves: valid for every year, also for Outlook, which handles
    a list of individual transition dates badly. Other zones are generated from the
    time-zone database for the years around today.
    """
    tzid = tzid or timezone.get_default_timezone_name()
    if tzid not in EU_CENTRAL_ZONES:
        today = timezone.localdate()
        return Timezone.from_tzid(
            tzid,
            first_date=today - timedelta(days=5 * 366),
            last_date=today + timedelta(days=3 * 366),
        )
    component = Timezone()
    component.add("tzid", tzid)
    component.add("x-lic-location", tzid)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    summer.add("rrule", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    winter.add("rrule", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    component.add_component(summer)
    component.add_component(winter)
    return component


# Writing events --------------------------------------------------------------------------
#
# Events are written directly as content lines rather than through icalendar's component
# objects: those cost about a millisecond per event, which makes a feed of thousands of
# dates take many seconds. The writer follows RFC 5545 section 3.1 (folding at 75 octets),
# 3.3.11 (escaping TEXT) and 3.2 (quoting parameter values); the tests read every feed back
# with the icalendar parser.

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTINEL_DAY = date(1, 1, 1)


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped; no controls."""
    value = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value: str) -> str:
    """A quoted parameter value: it may hold no double quote and no line break."""
    cleaned = _CONTROL.sub("", str(value)).replace("\n", " ").replace("\r", " ")
    return '"' + cleaned.replace('"', "'") + '"'


def _fold(line: str) -> bytes:
    """One content line, folded so that no physical line is longer than 75 octets and no
    UTF-8 character is split (a cut never lands on a continuation byte)."""
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74  # a continuation line starts with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _coordinate(value) -> str:
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def _is_cancelled(occurrence: Occurrence) -> bool:
    return occurrence.is_cancelled or occurrence.activity.is_cancelled


def _location(occurrence: Occurrence) -> str:
    place = occurrence.effective_place
    room = occurrence.effective_room
    parts = []
    if place is not None:
        parts.append(place.name)
    if room is not None and (place is None or room.place_id == place.pk):
        parts.append(room.name)
    if place is not None and place.full_address:
        parts.append(place.full_address)
    if not parts and occurrence.activity.location_note:
        parts.append(occurrence.activity.location_note)
    return ", ".join(parts)


class EventWriter:
    """Writes the VEVENTs of one calendar document.

    What is the same for every date of an activity (its description, organiser, theme,
    the shape of its address) is worked out once per activity, so a feed of thousands of
    dates stays fast. Needs each occurrence's activity with its organisation and places
    loaded; the co-organisers' names per activity are passed in (one query per feed).
    """

    def __init__(self, co_organisers: Mapping[int, Sequence[str]] | None = None) -> None:
        self.co_organisers = co_organisers or {}
        self.tz = timezone.get_default_timezone()
        self.tzid = timezone.get_default_timezone_name()
        self._urls: dict[int, tuple[str, str]] = {}
        self._bodies: dict[tuple[int, bool], str] = {}
        self._fixed: dict[int, list[str]] = {}

    def url(self, occurrence: Occurrence) -> str:
        """The absolute address of the date's page, reversed once per activity."""
        activity = occurrence.activity
        if activity.pk not in self._urls:
            sentinel = Occurrence(activity=activity, original_date=_SENTINEL_DAY)
            before, _sep, after = sentinel.get_absolute_url().rpartition(_SENTINEL_DAY.isoformat())
            self._urls[activity.pk] = (absolute_url(before), after)
        before, after = self._urls[activity.pk]
        return f"{before}{occurrence.original_date.isoformat()}{after}"

    def _body(self, occurrence: Occurrence) -> str:
        """The part of the description that every date of the activity shares."""
        activity = occurrence.activity
        has_place = occurrence.effective_place is not None
        key = (activity.pk, has_place)
        if key not in self._bodies:
            paragraphs: list[str] = []
            if activity.description:
                paragraphs.append(activity.description.strip())
            if activity.location_note and has_place:
                paragraphs.append(_("Where exactly: %(note)s") % {"note": activity.location_note})
            organisers = [activity.organisation.name, *self.co_organisers.get(activity.pk, ())]
            paragraphs.append(_("Organised by %(names)s.") % {"names": ", ".join(organisers)})
            if activity.cost:
                cost = _("Cost: € %(amount)s") % {"amount": number_format(activity.cost, 2)}
                if activity.cost_note:
                    cost += f" ({activity.cost_note})"
                paragraphs.append(cost)
            else:
                paragraphs.append(_("Free."))
            if activity.registration_required:
                paragraphs.append(_("Registration is needed: see the link below."))
            self._bodies[key] = "\n\n".join(paragraphs)
        return self._bodies[key]

    def description(self, occurrence: Occurrence, url: str) -> str:
        """What a resident reads when opening the event: plain text, most important first."""
        activity = occurrence.activity
        paragraphs: list[str] = []
        if _is_cancelled(occurrence):
            reason = occurrence.cancellation_note or activity.cancellation_note
            paragraphs.append(f"{_('This date is cancelled.')} {reason}".strip())
        elif occurrence.is_moved:
            paragraphs.append(
                _("Please note: this date was moved; it normally falls on %(date)s.")
                % {"date": date_format(occurrence.original_date, "l j F Y")}
            )
        paragraphs.append(self._body(occurrence))
        paragraphs.append(_("More information: %(url)s") % {"url": url})
        return "\n\n".join(paragraphs)

    def _fixed_lines(self, activity: Activity) -> list[str]:
        """Lines that are the same for every date of the activity."""
        if activity.pk not in self._fixed:
            organisation = activity.organisation
            theme = (
                str(Theme(activity.theme).label)
                if activity.theme in Theme.values
                else activity.theme
            )
            # The organisation's public page as its address: a calendar shows the name, and
            # no e-mail address ends up in anyone's calendar.
            self._fixed[activity.pk] = [
                f"ORGANIZER;CN={_param(organisation.name)}:"
                f"{absolute_url(organisation.get_absolute_url())}",
                f"CATEGORIES:{_text(theme)}",
                "CLASS:PUBLIC",
                "TRANSP:OPAQUE",
            ]
        return self._fixed[activity.pk]

    def lines(self, occurrence: Occurrence) -> list[str]:
        """One date as the unfolded content lines of a VEVENT."""
        activity = occurrence.activity
        url = self.url(occurrence)
        # DTSTAMP is the last revision rather than the moment of the request: an unchanged
        # feed stays byte for byte the same, so its ETag lets clients skip the download.
        revised = _utc(activity.updated_at)
        lines = [
            "BEGIN:VEVENT",
            f"UID:{_text(occurrence_uid(occurrence))}",
            f"DTSTAMP:{revised}",
            f"LAST-MODIFIED:{revised}",
            f"SEQUENCE:{occurrence_sequence(occurrence)}",
        ]
        if occurrence.all_day:
            first = timezone.localtime(occurrence.starts_at, self.tz).date()
            after = first + timedelta(days=1)
            if occurrence.ends_at is not None:
                after = max(after, timezone.localtime(occurrence.ends_at, self.tz).date())
            lines.append(f"DTSTART;VALUE=DATE:{first:%Y%m%d}")
            lines.append(f"DTEND;VALUE=DATE:{after:%Y%m%d}")
        else:
            start = timezone.localtime(occurrence.starts_at, self.tz)
            lines.append(f"DTSTART;TZID={self.tzid}:{start:%Y%m%dT%H%M%S}")
            if occurrence.ends_at is not None and occurrence.ends_at > occurrence.starts_at:
                end = timezone.localtime(occurrence.ends_at, self.tz)
                lines.append(f"DTEND;TZID={self.tzid}:{end:%Y%m%dT%H%M%S}")
        cancelled = _is_cancelled(occurrence)
        summary = activity.title
        if cancelled:
            summary = _("Cancelled: %(title)s") % {"title": activity.title}
        lines.append(f"SUMMARY:{_text(summary)}")
        lines.append(f"DESCRIPTION:{_text(self.description(occurrence, url))}")
        location = _location(occurrence)
        if location:
            lines.append(f"LOCATION:{_text(location)}")
        place = occurrence.effective_place
        if place is not None and place.latitude is not None and place.longitude is not None:
            lines.append(f"GEO:{_coordinate(place.latitude)};{_coordinate(place.longitude)}")
        lines.append(f"URL:{url}")
        lines.extend(self._fixed_lines(activity))
        lines.append(f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}")
        lines.append("END:VEVENT")
        return lines

    def vevent(self, occurrence: Occurrence) -> bytes:
        """One date as a folded VEVENT, ready to put in a calendar."""
        return b"".join(_fold(line) for line in self.lines(occurrence))


def _calendar(*, name: str, description: str, source: str | None, subscription: bool) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", timezone.get_default_timezone_name())
    if subscription:
        calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
        if source:
            calendar.add("source", source, parameters={"VALUE": "URI"})
    calendar.add_component(vtimezone())
    return calendar


def calendar_document(
    occurrences: Iterable[Occurrence],
    *,
    name: str,
    description: str = "",
    source: str | None = None,
    co_organisers: Mapping[int, Sequence[str]] | None = None,
    subscription: bool = True,
) -> bytes:
    """A whole VCALENDAR with one VEVENT per occurrence, in the order given.

    The calendar's header (properties and VTIMEZONE) is serialised once and each event is
    written as soon as its occurrence is read, so memory holds text, not thousands of objects.
    """
    writer = EventWriter(co_organisers)
    shell = _calendar(name=name, description=description, source=source, subscription=subscription)
    text = shell.to_ical()
    closing = b"END:VCALENDAR\r\n"
    assert text.endswith(closing)  # the format guarantees it
    parts = [text[: -len(closing)]]
    parts.extend(writer.vevent(occurrence) for occurrence in occurrences)
    if len(parts) > MAX_EVENTS:
        logger.warning("Calendar %r reached the ceiling of %d dates", name, MAX_EVENTS)
    parts.append(closing)
    return b"".join(parts)


def co_organiser_names(activity: Activity) -> list[str]:
    """Names of an activity's active co-organisers (uses a prefetch of co_organisers)."""
    return sorted(org.name for org in activity.co_organisers.all() if org.is_active)
