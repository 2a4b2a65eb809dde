"""iCalendar (RFC 5545) documents of the agenda: what residents take home in their calendar.

Every stored date (Occurrence) becomes its own VEVENT instead of one VEVENT with an RRULE:
single dates can be moved, get another place or be cancelled, and an expanded list is the
one form every calendar program shows the same way. A date's UID is built from the
activity and the date's `original_date`, which is the date's identity: a regenerated
series, a moved or a cancelled date keeps its UID, so clients update the event they
already have instead of adding a second one. A document never holds a date twice.

Revisions: SEQUENCE is the date's own counter (`Occurrence.sequence`), which the services
raise at every change of its time, place or status, so it only ever grows. LAST-MODIFIED
is the later of the activity's last edit and the date's own last change (`revised_at`):
some calendar apps (ICSx5 on Android) take an event over only when it grew. DTSTAMP is
the same moment rather than the moment of the request, so an unchanged feed stays byte
for byte the same and its ETag lets clients skip the download.

Which dates a feed holds is its window (`feed_window`): one network, organisation or
activity everything stored (up to the horizon, some 13 months ahead); a selection of the
whole region six weeks, which is already thousands of dates. The calendar's description
says which, so nobody wonders where later dates went.

The document is written line by line (RFC 5545 escaping and folding), event by event as
the dates are read; only the VTIMEZONE comes from the icalendar library. icalendar's
objects cost a millisecond per event, and a feed can hold tens of thousands. The tests
read every document back with icalendar, vobject and recurring-ical-events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vDuration

from .models import Activity, Occurrence, Place, Room, Theme
from .services import HORIZON_DAYS

PRODID = "-//Omzien//Agenda//NL"
#: The last line of every document.
END = b"END:VCALENDAR\r\n"
#: Calendar programs that honour it fetch a subscribed feed again after this long.
REFRESH_INTERVAL = timedelta(hours=6)
#: A feed also lists the recent past, so a date that just happened does not vanish at once.
#: (The calendar's description says "two weeks".)
PAST_DAYS = 14
#: A selection of the whole region (no network or organisation chosen) lists this many days
#: ahead: at region scale that is already some 30,000 dates.
SHORT_DAYS_AHEAD = 42

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


def occurrence_uid(occurrence: Occurrence) -> str:
    """Stable across regenerations: the activity and the date the occurrence belongs to."""
    return f"occurrence-{occurrence.activity_id}-{occurrence.original_date:%Y%m%d}@{site_host()}"


# The window of a feed --------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Window:
    """The dates a feed lists: starting from `start` up to, not including, `end`."""

    start: datetime
    end: datetime
    #: Everything stored (one network, organisation or activity), or six weeks.
    complete: bool
    #: The first day of the six weeks, when the selection asked for a later start than today.
    from_day: date | None = None

    def describe(self) -> str:
        """What the calendar holds, in words for the calendar's description."""
        if self.complete:
            months = HORIZON_DAYS // 30
            return ngettext(
                "This calendar holds the dates from two weeks ago up to %(count)d month "
                "ahead: everything that is planned.",
                "This calendar holds the dates from two weeks ago up to %(count)d months "
                "ahead: everything that is planned.",
                months,
            ) % {"count": months}
        weeks = SHORT_DAYS_AHEAD // 7
        further = _("Choose one network or organisation to get everything that is planned.")
        if self.from_day is not None:
            held = ngettext(
                "This calendar holds the dates of %(count)d week from %(date)s.",
                "This calendar holds the dates of %(count)d weeks from %(date)s.",
                weeks,
            ) % {"count": weeks, "date": date_format(self.from_day, "j F Y")}
        else:
            held = ngettext(
                "This calendar holds the dates from two weeks ago up to %(count)d week ahead.",
                "This calendar holds the dates from two weeks ago up to %(count)d weeks ahead.",
                weeks,
            ) % {"count": weeks}
        return f"{held} {further}"


def feed_window(
    *, complete: bool, from_day: date | None = None, now: datetime | None = None
) -> Window:
    """The window of a feed: `complete` for one network, organisation or activity (up to the
    stored horizon), else six weeks ahead, from today or from a later chosen first day.

    A ceiling on the number of dates would cut a subscriber's calendar at a point nobody
    sees; a window is predictable, and the calendar's description says what it is.
    """
    today = timezone.localdate(now or timezone.now())
    start = _midnight(today - timedelta(days=PAST_DAYS))
    if complete:
        return Window(start, _midnight(today + timedelta(days=HORIZON_DAYS + 1)), complete=True)
    later = from_day if from_day is not None and from_day > today else None
    first = later or today
    end = _midnight(first + timedelta(days=SHORT_DAYS_AHEAD + 1))
    return Window(start, end, complete=False, from_day=later)


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


# Writing ---------------------------------------------------------------------------------
#
# Lines follow RFC 5545 section 3.1 (folding at 75 octets), 3.3.11 (escaping TEXT) and 3.2
# (quoting parameter values). Whatever an editor typed or an imported calendar brought can
# end up here, so every text is made safe on the way out: control characters dropped, line
# breaks of every kind (also U+2028 and NEL, which some readers split lines on) escaped.

_CONTROLS = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
_BREAKS = "\n\r\x85\u2028\u2029"
_TEXT = str.maketrans(
    {
        **dict.fromkeys(_CONTROLS),
        **dict.fromkeys(map(ord, _BREAKS), "\\n"),
        "\\": "\\\\",
        ";": "\\;",
        ",": "\\,",
    }
)
_PARAM = str.maketrans(
    {**dict.fromkeys(_CONTROLS), **dict.fromkeys(map(ord, _BREAKS), " "), '"': "'"}
)
_URI = str.maketrans({**dict.fromkeys(_CONTROLS), **dict.fromkeys(map(ord, _BREAKS)), " ": "%20"})
_SENTINEL_DAY = date(1, 1, 1)


def _text(value: object) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped; no controls."""
    return str(value).replace("\r\n", "\n").translate(_TEXT)


def _param(value: object) -> str:
    """A quoted parameter value: it may hold no double quote and no line break."""
    return '"' + str(value).translate(_PARAM) + '"'


def _uri(value: str) -> str:
    """A URI value: nothing that could end the line or the value."""
    return value.translate(_URI)


def _folded(line: str) -> str:
    """One content line, folded so that no physical line is longer than 75 octets and no
    UTF-8 character is split (a cut never lands on a continuation byte)."""
    if len(line) <= 75 and line.isascii():  # most lines: nothing to do
        return line
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74  # a continuation line starts with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _content(lines: list[str]) -> bytes:
    """Content lines as the document holds them: folded, each ended by CRLF."""
    return ("\r\n".join(map(_folded, lines)) + "\r\n").encode()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _coordinate(value) -> str:
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


@dataclass(slots=True)
class DateRow:
    """One stored date as a feed reads it: the columns of an Occurrence, without building a
    model instance for each (a region's feed reads tens of thousands; that was half the
    time). The writer takes either; the rules that read these fields are Occurrence's own.
    """

    #: The columns, in the order `values_list` reads them (views.feeds._dates).
    COLUMNS = (
        "activity_id",
        "original_date",
        "starts_at",
        "ends_at",
        "all_day",
        "place_id",
        "room_id",
        "is_cancelled",
        "cancel_reason",
        "cancelled_by",
        "sequence",
        "revised_at",
    )

    activity: Activity
    original_date: date
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    place: Place | None
    room: Room | None
    is_cancelled: bool
    cancel_reason: str
    cancelled_by: str
    sequence: int
    revised_at: datetime | None

    effective_place = Occurrence.effective_place
    effective_room = Occurrence.effective_room
    cancellation_note = Occurrence.cancellation_note

    @property
    def activity_id(self) -> int:
        return self.activity.pk


@dataclass
class _Shared:
    """What every date of one activity has in common, worked out once per document."""

    url_start: str
    url_end: str
    uid_start: str
    uid_end: str
    summary: str
    cancelled_summary: str
    revised: datetime
    stamp: str
    fixed: list[str]
    #: The escaped part of the description that all dates share, by "has a place".
    bodies: dict[bool, str] = field(default_factory=dict)


class EventWriter:
    """Writes the VEVENTs of one calendar document, in the language active when it is made.

    What is the same for every date of an activity (its description, organiser, theme,
    address of its place) is worked out and escaped once, so a feed of tens of thousands
    of dates stays fast. Needs each occurrence's activity with its organisation and places
    loaded; the co-organisers' names per activity are passed in (one query per feed).
    """

    def __init__(self, co_organisers: Mapping[int, Sequence[str]] | None = None) -> None:
        self.co_organisers = co_organisers or {}
        self.tz = timezone.get_default_timezone()
        self.tzid = timezone.get_default_timezone_name()
        self.host = site_host()
        self._shared: dict[int, _Shared] = {}
        self._where: dict[tuple, list[str]] = {}
        # Translated once: the language does not change while a document is written.
        self._cancelled_title = _("Cancelled: %(title)s")
        self._cancelled_note = _("This date is cancelled.")
        self._moved_note = _("Please note: this date was moved; it normally falls on %(date)s.")
        self._more = _("More information: %(url)s")

    def _for(self, activity: Activity) -> _Shared:
        shared = self._shared.get(activity.pk)
        if shared is None:
            sentinel = Occurrence(activity=activity, original_date=_SENTINEL_DAY)
            before, _sep, after = sentinel.get_absolute_url().rpartition(_SENTINEL_DAY.isoformat())
            title = _text(activity.title)
            cancelled = _text(self._cancelled_title % {"title": activity.title})
            shared = self._shared[activity.pk] = _Shared(
                url_start=_uri(absolute_url(before)),
                url_end=_uri(after),
                uid_start=_text(f"occurrence-{activity.pk}-"),
                uid_end=_text(f"@{self.host}"),
                summary=f"SUMMARY:{title}",
                cancelled_summary=f"SUMMARY:{cancelled}",
                revised=activity.updated_at,
                stamp=_utc(activity.updated_at),
                fixed=self._fixed_lines(activity),
            )
        return shared

    def _body(self, activity: Activity, shared: _Shared, has_place: bool) -> str:
        """The (escaped) part of the description that every date of the activity shares."""
        body = shared.bodies.get(has_place)
        if body is None:
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
            body = shared.bodies[has_place] = _text("\n\n".join(paragraphs))
        return body

    def _description(
        self, occurrence: Occurrence, shared: _Shared, *, url: str, cancelled: bool, moved: bool
    ) -> str:
        """What a resident reads when opening the event: plain text, most important first."""
        activity = occurrence.activity
        paragraphs: list[str] = []
        if cancelled:
            reason = occurrence.cancellation_note or activity.cancellation_note
            paragraphs.append(_text(f"{self._cancelled_note} {reason}".strip()))
        elif moved:
            day = date_format(occurrence.original_date, "l j F Y")
            paragraphs.append(_text(self._moved_note % {"date": day}))
        paragraphs.append(self._body(activity, shared, occurrence.effective_place is not None))
        paragraphs.append(_text(self._more % {"url": url}))
        return "\\n\\n".join(paragraphs)

    def _fixed_lines(self, activity: Activity) -> list[str]:
        """Lines that are the same for every date of the activity."""
        organisation = activity.organisation
        theme = activity.theme
        if theme in Theme.values:
            theme = str(Theme(theme).label)
        # The organisation's public page as its address: a calendar shows the name, and no
        # e-mail address ends up in anyone's calendar.
        return [
            f"ORGANIZER;CN={_param(organisation.name)}:"
            f"{_uri(absolute_url(organisation.get_absolute_url()))}",
            f"CATEGORIES:{_text(theme)}",
            "CLASS:PUBLIC",
            "TRANSP:OPAQUE",
        ]

    def _location_lines(self, occurrence: Occurrence) -> list[str]:
        """LOCATION (and GEO): the place, its room and address, or the activity's note."""
        place = occurrence.effective_place
        room = occurrence.effective_room
        if place is None:
            key = ("note", occurrence.activity.pk)
        else:
            key = (place.pk, room.pk if room is not None else None)
        lines = self._where.get(key)
        if lines is None:
            parts = []
            if place is not None:
                parts.append(place.name)
            if room is not None and (place is None or room.place_id == place.pk):
                parts.append(room.name)
            if place is not None and place.full_address:
                parts.append(place.full_address)
            if not parts and occurrence.activity.location_note:
                parts.append(occurrence.activity.location_note)
            lines = [f"LOCATION:{_text(', '.join(parts))}"] if parts else []
            if place is not None and place.latitude is not None and place.longitude is not None:
                lines.append(f"GEO:{_coordinate(place.latitude)};{_coordinate(place.longitude)}")
            self._where[key] = lines
        return lines

    def lines(self, occurrence: Occurrence | DateRow) -> list[str]:
        """One date as the unfolded content lines of a VEVENT."""
        activity = occurrence.activity
        shared = self._for(activity)
        day = occurrence.original_date
        url = f"{shared.url_start}{day.isoformat()}{shared.url_end}"
        stamp = shared.stamp
        revised = getattr(occurrence, "revised_at", None)
        if revised is not None and revised > shared.revised:
            stamp = _utc(revised)
        lines = [
            "BEGIN:VEVENT",
            f"UID:{shared.uid_start}{day:%Y%m%d}{shared.uid_end}",
            f"DTSTAMP:{stamp}",
            f"LAST-MODIFIED:{stamp}",
            f"SEQUENCE:{occurrence.sequence}",
        ]
        start = occurrence.starts_at.astimezone(self.tz)
        if occurrence.all_day:
            first = start.date()
            after = first + timedelta(days=1)
            if occurrence.ends_at is not None:
                after = max(after, occurrence.ends_at.astimezone(self.tz).date())
            lines.append(f"DTSTART;VALUE=DATE:{first:%Y%m%d}")
            lines.append(f"DTEND;VALUE=DATE:{after:%Y%m%d}")
        else:
            lines.append(f"DTSTART;TZID={self.tzid}:{start:%Y%m%dT%H%M%S}")
            if occurrence.ends_at is not None and occurrence.ends_at > occurrence.starts_at:
                end = occurrence.ends_at.astimezone(self.tz)
                lines.append(f"DTEND;TZID={self.tzid}:{end:%Y%m%dT%H%M%S}")
        cancelled = occurrence.is_cancelled or activity.is_cancelled
        lines.append(shared.cancelled_summary if cancelled else shared.summary)
        description = self._description(
            occurrence, shared, url=url, cancelled=cancelled, moved=start.date() != day
        )
        lines.append(f"DESCRIPTION:{description}")
        lines.extend(self._location_lines(occurrence))
        lines.append(f"URL:{url}")
        lines.extend(shared.fixed)
        lines.append(f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}")
        lines.append("END:VEVENT")
        return lines

    def vevent(self, occurrence: Occurrence | DateRow) -> bytes:
        """One date as a folded VEVENT, ready to put in a calendar."""
        return _content(self.lines(occurrence))


def _header(*, name: str, description: str, source: str | None, subscription: bool) -> bytes:
    """The calendar's own properties and its VTIMEZONE. NAME is RFC 7986's; the X-WR- ones
    are what Apple, Google and Outlook read; every one is TEXT, escaped like the events."""
    tzid = timezone.get_default_timezone_name()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{_text(name)}",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_text(description)}")
        lines.append(f"X-WR-CALDESC:{_text(description)}")
    lines.append(f"X-WR-TIMEZONE:{_text(tzid)}")
    if subscription:
        interval = vDuration(REFRESH_INTERVAL).to_ical().decode()
        lines.append(f"REFRESH-INTERVAL;VALUE=DURATION:{interval}")
        lines.append(f"X-PUBLISHED-TTL:{interval}")
        if source:
            lines.append(f"SOURCE;VALUE=URI:{_uri(source)}")
    return _content(lines) + vtimezone(tzid).to_ical()


def calendar_document(
    occurrences: Iterable[Occurrence | DateRow],
    *,
    name: str,
    description: str = "",
    source: str | None = None,
    co_organisers: Mapping[int, Sequence[str]] | None = None,
    subscription: bool = True,
) -> bytes:
    """A whole VCALENDAR with one VEVENT per date, in the order given.

    Each event is written as soon as its occurrence is read, so memory holds text, not
    thousands of objects. A date that comes twice (a selection that followed a
    many-to-many relation) is written once: two VEVENTs with one UID make calendar
    programs show one of them, or refuse the file.
    """
    writer = EventWriter(co_organisers)
    written: set[tuple[int, date]] = set()
    events = []
    for occurrence in occurrences:
        identity = (occurrence.activity_id, occurrence.original_date)
        if identity in written:
            continue
        written.add(identity)
        events.append(writer.vevent(occurrence))
    return calendar_of_events(
        events, name=name, description=description, source=source, subscription=subscription
    )


def calendar_of_events(
    events: Iterable[bytes],
    *,
    name: str,
    description: str = "",
    source: str | None = None,
    subscription: bool = True,
) -> bytes:
    """A whole VCALENDAR around VEVENTs already written (`EventWriter.vevent`), each date
    once, in the order given."""
    header = _header(name=name, description=description, source=source, subscription=subscription)
    return b"".join([header, *events, END])


def co_organiser_names(activity: Activity) -> list[str]:
    """Names of an activity's active co-organisers (uses a prefetch of co_organisers)."""
    return sorted(org.name for org in activity.co_organisers.all() if org.is_active)
