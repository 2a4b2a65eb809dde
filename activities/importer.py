"""Connecting an existing calendar: an organisation's ICS feed imported and kept in sync.

Many organisations already keep their agenda elsewhere (Google, Outlook, a church or club
system). They give us the calendar's ICS address once; a Celery job fetches it and makes
the organisation's imported activities match it. Three steps, in this order:

1. **Fetch** (`fetch_feed`): http(s) only, a connect/read timeout and an overall deadline,
   at most 5 MB, ETag honoured (304: nothing to do). The address may never reach a private
   network (SSRF): every address a host name resolves to must be public, and we connect to
   exactly the address we checked, on every redirect too. Tests set
   ``CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS = True`` to serve feeds from 127.0.0.1.
2. **Parse and plan** (`parse_feed`, `plan_items`): the whole file is read before anything
   is written. A file that is not a calendar, too big, too slow or broken in any property
   changes nothing: the organisation's editors get one e-mail per distinct problem and
   the feed page says what is wrong, in plain words.
3. **Apply** (`sync_feed`): one transaction, matched on (feed, UID). New events go through
   `services.create_activity`, so an untrusted organisation's imports wait for moderation
   like hand-made ones; changed ones through `services.update_activity`.

Decisions, so they are made once:

- **Recurring events.** A rule that fits our plain-words schedule (every day; every week or
  every other week on the start's weekday; every month on the same date; every month on
  the n-th or last weekday, as BYDAY=3TH or BYSETPOS=3;BYDAY=TH; with UNTIL or COUNT;
  EXDATE as skipped dates) becomes one activity. Whether it fits is not guessed: the
  schedule's dates and times over the stored horizon must equal what the RRULE produces
  (python-dateutil, which icalendar depends on). A weekly rule on several weekdays
  becomes one weekly series per weekday ("gym on Monday and Thursday" stays two readable
  series; UID#MO, UID#TH). Anything else (every third day, UTC times that shift with
  daylight saving, RDATE, ...) is expanded: each date of the next 92 days becomes a
  single activity of its own (UID#date), and later runs add the dates that come into
  view. "Every working day" (DAILY;BYDAY=MO,...,FR) is split like a weekly rule. Rules
  by the hour or minute, week numbers or days of the year are not imported, and planning
  a whole feed may take at most a minute: rules that never match make dateutil search
  for years, and a hostile feed must not keep a worker busy.
- **Moved or cancelled single dates** (RECURRENCE-ID) change that one stored date through
  `services.change_occurrence` / `services.cancel_occurrence`. A date the feed cancelled
  is restored when the feed no longer cancels it; a date moved back in the source calendar
  is not moved back here (we cannot tell it from an editor's own change).
- **What the feed owns.** Title, schedule and times always; description and place only
  when the event carries them (so an editor may fill them in here when the source has
  none). Theme, target group, accessibility, registration, image and contact are set
  here and never touched by the import. Change the rest in the source calendar: the next
  run overwrites it here.
- **Place.** LOCATION is matched on a place's name (case-insensitive, also its first part
  before a comma) among the places of the organisation's municipalities; otherwise the
  feed's default place is used and the LOCATION text goes into "where exactly".
- **Moderation.** A changed activity that was published stays published, also for an
  untrusted organisation: the network approved the activity, and moving a time in the
  source calendar is routine. A cancelled activity that comes back in the feed is
  published again (trusted) or goes to moderation again (untrusted).
- **Cancelled and removed.** STATUS:CANCELLED cancels the activity; an event that
  disappears from the feed is cancelled when it still has dates to come (a feed that
  drops past events does not rewrite history, and a series expanded into single dates
  simply stops producing the dates that are over). Cancelled activities stay visible to
  residents, marked cancelled, so an activity that was never public (draft, waiting for
  approval, returned) is deleted instead: cancelling it would make it public. Only the
  import's own cancellations are undone when an event comes back; an activity an editor
  cancelled here stays cancelled.
- **Duplicates.** A new event whose normalised title and start time equal a date of an
  activity already entered by the organisation or any organisation in its networks (and
  not imported from this feed) is imported as a draft with `possible_duplicate_of` set:
  flagged, not doubled; the editor decides on the feed page.
- **Skipped quietly.** Events without UID or title, private or confidential events
  (CLASS), new events that are cancelled or lie entirely in the past. Attendees and
  organisers in the feed are never read: no personal data is imported.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import time as monotonic_time
import unicodedata
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from celery import shared_task
from dateutil import rrule as dateutil_rrule
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar
from icalendar.prop import vRecur

from network.emails import send_templated_email
from network.models import Membership, Organisation, Role
from network.services import DomainError

from . import recurrence, services
from .models import Activity, CalendarFeed, Frequency, Occurrence, Place, Status

logger = logging.getLogger(__name__)

#: Seconds for connecting and for each read (setting CALENDAR_IMPORT_TIMEOUT).
DEFAULT_TIMEOUT = 10
#: Largest file we read (setting CALENDAR_IMPORT_MAX_BYTES).
MAX_BYTES = 5 * 1024 * 1024
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
#: Planning a feed may take this long; a file that needs more is refused.
PLAN_SECONDS = 60
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


# Problems ------------------------------------------------------------------------------


class FeedError(Exception):
    """Why a feed could not be imported, in words an editor understands.

    The message is kept lazy with its parameters, so it can be written in the site's
    language on the feed and in each editor's own language in the e-mail.
    """

    def __init__(self, message, **params) -> None:
        super().__init__(str(message))
        self.template = message
        self.params = params

    def message(self) -> str:
        return str(self.template) % self.params if self.params else str(self.template)

    def __str__(self) -> str:
        return self.message()


def _problem(text, **params) -> FeedError:
    return FeedError(text, **params)


# Fetching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    content: bytes = b""
    etag: str = ""
    not_modified: bool = False


def _allow_private_hosts() -> bool:
    return bool(getattr(settings, "CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PrivateAddress(FeedError):
    def __init__(self) -> None:
        super().__init__(
            gettext_lazy(
                "This address points to a private network. Only calendars on the public "
                "internet can be connected."
            )
        )


def _guarded_create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source=None):
    """socket.create_connection that refuses private addresses, and connects to exactly the
    addresses it checked, so a host name cannot resolve differently a moment later."""
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    if not _allow_private_hosts() and not all(_is_public(info[4][0]) for info in infos):
        raise _PrivateAddress()
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source:
                sock.bind(source)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError("no address")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise _redirect_problem()
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """Only http(s), no proxies from the environment, no file:// or ftp:// redirects."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _GuardedHTTPHandler(),
        _GuardedHTTPSHandler(context=ssl.create_default_context()),
        _RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def _timeout_problem() -> FeedError:
    return _problem(gettext_lazy("The calendar did not answer in time. We will try again later."))


def _too_big_problem(max_bytes: int) -> FeedError:
    return _problem(
        gettext_lazy("The calendar file is larger than %(size)d MB. We cannot import it."),
        size=max(1, max_bytes // (1024 * 1024)),
    )


def _redirect_problem() -> FeedError:
    return _problem(
        gettext_lazy(
            "The calendar address sends us on to an address we refuse, or too often. Use the "
            "final ICS address of the calendar."
        )
    )


def _http_problem(code: int) -> FeedError:
    if 300 <= code < 400:  # the stdlib refused the redirect (file://, a loop)
        return _redirect_problem()
    if code in (401, 403):
        return _problem(
            gettext_lazy(
                "The calendar is not public (error %(code)d). Use the public or secret ICS "
                "address of your calendar."
            ),
            code=code,
        )
    if code in (404, 410):
        return _problem(
            gettext_lazy("The calendar address was not found (error %(code)d). Check the address."),
            code=code,
        )
    return _problem(
        gettext_lazy(
            "The server of the calendar answered with an error (%(code)d). We will try again later."
        ),
        code=code,
    )


def check_feed_url(url: str) -> None:
    """Refuse what is obviously not a calendar address we may fetch."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _problem(gettext_lazy("Give an address that starts with http:// or https://."))
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    if not _allow_private_hosts() and not _is_public(str(literal)):
        raise _PrivateAddress()


def fetch_feed(
    url: str,
    *,
    etag: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> FetchResult:
    """The feed's bytes; FeedError with a plain message when it cannot be had safely.

    `timeout` bounds connecting and each read; the whole download gets three times that,
    so a server that drips one byte at a time cannot keep a worker busy.
    """
    check_feed_url(url)
    headers = {
        "User-Agent": f"Omzien calendar import (+{settings.SITE_URL})",
        "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
    }
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)
    deadline = monotonic_time.monotonic() + 3 * timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _too_big_problem(max_bytes)
            chunks, size = [], 0
            while True:
                chunk = response.read1(64 * 1024)  # what has arrived: the deadline holds
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _too_big_problem(max_bytes)
                if monotonic_time.monotonic() > deadline:
                    raise _timeout_problem()
                chunks.append(chunk)
            return FetchResult(
                content=b"".join(chunks), etag=(response.headers.get("ETag") or "")[:255]
            )
    except FeedError:
        raise
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 304:
            return FetchResult(etag=etag, not_modified=True)
        raise _http_problem(error.code) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, FeedError):
            raise reason from None
        if isinstance(reason, TimeoutError):
            raise _timeout_problem() from None
        if isinstance(reason, socket.gaierror):
            raise _problem(
                gettext_lazy("The server of this calendar address does not exist. Check it.")
            ) from None
        raise _problem(gettext_lazy("We could not reach the calendar address.")) from None
    except TimeoutError:
        raise _timeout_problem() from None
    except (OSError, http.client.HTTPException, ValueError):
        raise _problem(gettext_lazy("We could not reach the calendar address.")) from None


# Parsing -------------------------------------------------------------------------------


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
    return _problem(
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


def _local(value: date | datetime) -> date | datetime:
    """Dates stay dates; times (UTC, another zone or floating) become local aware times."""
    if not isinstance(value, datetime):
        return value
    zone = timezone.get_default_timezone()
    if timezone.is_naive(value):
        return timezone.make_aware(value, zone)
    return value.astimezone(zone)


def _local_day(value: date | datetime) -> date:
    value = _local(value)
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
        start=_local(start),
        end=_local(end) if end is not None else None,
        all_day=all_day,
        cancelled=(_text(component, "STATUS") or "").upper() == "CANCELLED",
        private=(_text(component, "CLASS") or "PUBLIC").upper() in ("PRIVATE", "CONFIDENTIAL"),
        rrule=rule,
        exdates=frozenset(_local_day(value) for value in _date_values(component, "EXDATE")),
        rdates=tuple(_date_values(component, "RDATE")),
        recurrence_id=_local(recurrence_id.dt) if recurrence_id is not None else None,
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

    def schedule(self) -> recurrence.Schedule:
        return recurrence.Schedule(
            start_date=self.start_date,
            frequency=self.frequency,
            monthly_ordinal=self.monthly_ordinal,
            until=self.until,
            count=self.count,
            exception_dates=frozenset(date.fromisoformat(d) for d in self.exception_dates),
        )


def _key(uid: str, suffix: str = "") -> str:
    """The external UID of an activity: the event's UID, plus a suffix for a part of it."""
    if len(uid) + len(suffix) > 255:
        uid = "sha1:" + hashlib.sha1(uid.encode()).hexdigest()
    return uid + suffix


def _instance_suffix(start: date | datetime) -> str:
    if isinstance(start, datetime):
        return "#" + _local(start).strftime("%Y%m%dT%H%M")
    return "#" + start.strftime("%Y%m%d")


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
    return [services.local_datetime(day, start_time) for day in days[:DUPLICATE_PROBES]]


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
    return _local(until).replace(tzinfo=None) if not timezone.is_naive(until) else until


def _dateutil_rule(event: ImportedEvent, *, until_cap: datetime | None = None):
    """The event's RRULE for python-dateutil. `until_cap` bounds an open rule's work."""
    rule = event.rrule
    dtstart = _rule_start(event)
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
    rule = _dateutil_rule(event, until_cap=high + timedelta(days=1))
    if naive:
        low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
    starts = set(rule.between(low, high, inc=True))
    for extra in event.rdates:
        if isinstance(extra, datetime):
            value = _local(extra)
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
            local = _local(start)
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
        return _local_day(until)
    last = _dateutil_rule(event).before(until, inc=True)
    return _local_day(last) if last is not None else _local_day(until)


def _plain_schedule(event: ImportedEvent, horizon: date) -> dict | None:
    """The rule in our plain words, if it has a shape we have words for."""
    rule = event.rrule
    frequency = str(rule["FREQ"][0]).upper()
    interval = int(rule.get("INTERVAL", [1])[0])
    parts = set(rule) - {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"}
    byday = [str(value).upper() for value in rule.get("BYDAY", [])]
    start = _local_day(event.start)
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
        original_date=_local_day(event.recurrence_id),
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
    first_day = _local_day(event.start)
    exceptions = sorted(day.isoformat() for day in event.exdates if day >= first_day)
    changed = {_local_day(other.recurrence_id): _override(other) for other in overrides}
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
    by_start = {_instance_suffix(other.recurrence_id): other for other in overrides}
    items = []
    for instance in _instances(event, today, today + timedelta(days=EXPAND_DAYS))[
        :MAX_EXPANDED_PER_EVENT
    ]:
        suffix = _instance_suffix(instance.start)
        source = by_start.pop(suffix, None)
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
        items.append(_single(source, _key(event.uid, suffix), today))
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
        day = start.date() if event.all_day else _local_day(start)
        firsts.setdefault(WEEKDAY_CODES[day.weekday()], day)
        if len(firsts) == len(set(codes)) or day > _local_day(event.start) + timedelta(days=21):
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


def _plan_event(
    event: ImportedEvent, overrides: list[ImportedEvent], today: date, horizon: date
) -> list[PlannedItem]:
    if event.private:
        return []
    if event.recurrence_id is not None:
        # A changed date without its series (some programs export only that): one date.
        return [_single(event, _key(event.uid, _instance_suffix(event.recurrence_id)), today)]
    if event.rrule is None:
        return [_single(event, _key(event.uid), today)]
    if not _supported(event.rrule):
        return []
    return _series(event, overrides, today, horizon)


def plan_items(events: list[ImportedEvent], *, today: date) -> list[PlannedItem]:
    """The activities the feed describes, keyed by UID (plus a suffix for parts).

    An event we cannot plan (a rule python-dateutil refuses, a date at the end of time)
    refuses the feed with its title named, rather than failing the job.
    """
    horizon = services.horizon_end(today)
    deadline = monotonic_time.monotonic() + PLAN_SECONDS
    masters: dict[str, ImportedEvent] = {}
    overrides: dict[str, list[ImportedEvent]] = defaultdict(list)
    for event in events:
        if event.recurrence_id is not None:
            overrides[event.uid].append(event)
        else:
            masters[event.uid] = event  # a repeated UID: the later one wins
    orphans = [o for uid, group in overrides.items() if uid not in masters for o in group]
    items: list[PlannedItem] = []
    for event in [*masters.values(), *orphans]:
        try:
            items.extend(_plan_event(event, overrides.get(event.uid, []), today, horizon))
        except FeedError:
            raise
        except Exception:  # a hostile or odd event: name it, do not crash the job
            logger.warning("Cannot plan event %r", event.uid[:100], exc_info=True)
            raise _problem(
                gettext_lazy(
                    "We cannot read the dates of “%(title)s” in the calendar. Check how it repeats."
                ),
                title=event.summary[:80],
            ) from None
        if len(items) > MAX_ITEMS:
            raise _problem(
                gettext_lazy(
                    "The calendar holds more than %(max)d activities to import. Connect a "
                    "calendar with only the activities for the agenda."
                ),
                max=MAX_ITEMS,
            )
        if monotonic_time.monotonic() > deadline:
            raise _problem(
                gettext_lazy(
                    "The calendar is too complicated to import. Connect a calendar with only "
                    "the activities for the agenda."
                )
            )
    return sorted(items, key=lambda item: (item.start_date, item.key))


# Applying ------------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    restored: int = 0
    deleted: int = 0
    flagged: int = 0
    dates_changed: int = 0
    not_modified: bool = False
    error: str = ""

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


def _feed_reason(text) -> str:
    """A reason stored on a date or activity, always in the site's language, so a later
    run recognises what it wrote itself."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


CANCELLED_REASON = gettext_lazy("Cancelled in the organisation's own calendar.")
REMOVED_REASON = gettext_lazy("No longer in the organisation's own calendar.")


def _own_reasons() -> set[str]:
    """Reasons this import writes: an activity an editor cancelled here stays cancelled."""
    return {_feed_reason(CANCELLED_REASON), _feed_reason(REMOVED_REASON)}


def _has_dates_to_come(activity: Activity, now: datetime) -> bool:
    return activity.occurrences.filter(starts_at__gte=now, is_cancelled=False).exists()


def _withdraw(activity: Activity, *, reason, report: SyncReport, now: datetime, removed: bool):
    if activity.status == Status.CANCELLED:
        return
    if removed and not _has_dates_to_come(activity, now):
        return  # the feed dropped what is over: history stays as it was
    if activity.status != Status.PUBLISHED and activity.published_at is None:
        activity.delete()  # never public: cancelling it would show it to residents
        report.deleted += 1
        return
    services.cancel_activity(activity=activity, reason=_feed_reason(reason))
    report.cancelled += 1


def _restore(activity: Activity, report: SyncReport) -> None:
    """The event is back in the feed: publish again (trusted) or ask the network again."""
    activity.status = Status.PUBLISHED if activity.organisation.is_trusted else Status.SUBMITTED
    if activity.status == Status.PUBLISHED:
        activity.published_at = timezone.now()
    activity.cancel_reason = ""
    activity.save(update_fields=["status", "published_at", "cancel_reason"])
    services.materialise_occurrences(activity=activity)
    report.restored += 1


def _sync_dates(activity: Activity, item: PlannedItem, now: datetime, report: SyncReport):
    """Apply the feed's changed and cancelled single dates to the stored dates to come."""
    feed_reason = _feed_reason(CANCELLED_REASON)
    occurrences = activity.occurrences.filter(starts_at__gte=now)
    if not item.overrides:
        occurrences = occurrences.filter(is_cancelled=True, cancel_reason=feed_reason)
    for occurrence in occurrences:
        override = item.overrides.get(occurrence.original_date)
        if override is None:
            if occurrence.is_cancelled and occurrence.cancel_reason == feed_reason:
                services.restore_occurrence(occurrence=occurrence)
                report.dates_changed += 1
            continue
        if override.cancelled:
            if not occurrence.is_cancelled:
                services.cancel_occurrence(occurrence=occurrence, reason=feed_reason)
                report.dates_changed += 1
            continue
        if occurrence.is_cancelled and occurrence.cancel_reason == feed_reason:
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


def _apply(feed: CalendarFeed, items: list[PlannedItem], now: datetime) -> SyncReport:
    report = SyncReport()
    organisation = feed.organisation
    existing = {
        activity.external_uid: activity
        for activity in Activity.objects.filter(imported_from=feed).select_related("organisation")
    }
    places = _place_index(organisation)
    new_items = [
        item
        for item in items
        if item.key not in existing and not item.cancelled and item.upcoming_starts
    ]
    duplicates = _duplicates(feed, new_items)
    seen = set()
    for item in items:
        seen.add(item.key)
        activity = existing.get(item.key)
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
            _withdraw(activity, reason=CANCELLED_REASON, report=report, now=now, removed=False)
            continue
        else:
            data = _data(item, feed, places, new=False)
            changes = {
                name: value for name, value in data.items() if getattr(activity, name) != value
            }
            if "place_id" in changes and activity.room_id:
                changes["room_id"] = None
            if changes:
                services.update_activity(activity=activity, data=changes)
                report.updated += 1
            if (
                activity.status == Status.CANCELLED
                and item.upcoming_starts
                and activity.cancel_reason in _own_reasons()
            ):
                _restore(activity, report)
        if activity.status != Status.CANCELLED:
            _sync_dates(activity, item, now, report)
    for key, activity in existing.items():
        if key not in seen:
            _withdraw(activity, reason=REMOVED_REASON, report=report, now=now, removed=True)
    return report


def _record_problem(feed: CalendarFeed, problem: FeedError) -> None:
    """Remember the problem on the feed; tell the editors once per distinct problem."""
    with translation.override(settings.LANGUAGE_CODE):
        text = problem.message()
    previous = feed.last_error
    feed.last_error = text
    CalendarFeed.objects.filter(pk=feed.pk).update(last_error=text)
    if text != previous:
        try:
            send_feed_problem_email(feed, problem=problem)
        except Exception:  # the problem stays on the page; mail is a bonus
            logger.warning("Could not e-mail the editors about feed %s", feed.pk, exc_info=True)


def sync_feed(
    *, feed: CalendarFeed, force: bool = False, now: datetime | None = None
) -> SyncReport:
    """Make the feed's imported activities match the feed; nothing changes on a problem.

    Fetching happens outside the transaction (no database transaction waits on a slow
    server); the writes happen in one, with the feed row locked so a "sync now" and the
    scheduled run cannot import the same event twice.
    """
    now = now or timezone.now()
    try:
        fetched = fetch_feed(
            feed.url,
            etag="" if force else feed.etag,
            timeout=getattr(settings, "CALENDAR_IMPORT_TIMEOUT", DEFAULT_TIMEOUT),
            max_bytes=getattr(settings, "CALENDAR_IMPORT_MAX_BYTES", MAX_BYTES),
        )
        items = (
            []
            if fetched.not_modified
            else plan_items(parse_feed(fetched.content), today=timezone.localdate(now))
        )
    except FeedError as problem:
        _record_problem(feed, problem)
        return SyncReport(error=feed.last_error)
    try:
        with transaction.atomic():
            CalendarFeed.objects.select_for_update().filter(pk=feed.pk).first()
            report = (
                SyncReport(not_modified=True) if fetched.not_modified else _apply(feed, items, now)
            )
            feed.last_synced_at = now
            feed.last_error = ""
            update = ["last_synced_at", "last_error"]
            if not fetched.not_modified:
                feed.etag = fetched.etag
                update.append("etag")
            feed.save(update_fields=update)
    except DomainError as error:
        problem = _problem(
            gettext_lazy("An event in the calendar could not be imported: %(reason)s"),
            reason=str(error),
        )
        _record_problem(feed, problem)
        return SyncReport(error=feed.last_error)
    return report


# Connecting and disconnecting ----------------------------------------------------------


@transaction.atomic
def connect_feed(
    *, organisation: Organisation, url: str, default_place: Place | None, default_theme: str
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


# E-mail --------------------------------------------------------------------------------


def send_feed_problem_email(feed: CalendarFeed, *, problem: FeedError | None = None) -> int:
    """Tell the organisation's editors, each in their own language, that the feed broke.

    No personal data and not even the feed's address (a secret calendar address is a
    password): the organisation's name, the problem and a link to the feed page.
    """
    editors = (
        Membership.objects.filter(
            organisation_id=feed.organisation_id, role=Role.EDITOR, user__is_active=True
        )
        .select_related("user", "organisation")
        .order_by("user__email")
    )
    link = settings.SITE_URL + reverse(
        "activities:calendar_feed",
        kwargs={"slug": feed.organisation.slug, "pk": feed.pk},
    )
    sent = 0
    for membership in editors:
        user = membership.user
        with translation.override(user.language):
            text = problem.message() if problem is not None else feed.last_error
        send_templated_email(
            to=user.email,
            template="activities/emails/feed_problem",
            context={
                "organisation": membership.organisation.name,
                "problem": text,
                "feed_url": link,
            },
            language=user.language,
        )
        sent += 1
    return sent


# Tasks ---------------------------------------------------------------------------------


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
def sync_all_calendar_feeds() -> int:
    """Queue a sync per connected calendar: one slow or broken feed holds up no other."""
    ids = list(
        CalendarFeed.objects.filter(is_active=True, organisation__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for feed_id in ids:
        sync_calendar_feed.delay(feed_id)
    return len(ids)
