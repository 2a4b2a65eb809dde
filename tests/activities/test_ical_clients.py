"""Every calendar feed read back by the libraries calendar software is built on.

icalendar (Python), vobject (Radicale, Calendar servers), recurring-ical-events (what
Home Assistant and many calendar bridges use to list events in a period) and ical.js
(Thunderbird and many web calendars; vendored in tests/activities/vendor/icaljs, run with
the machine's Node.js) each read every kind of feed: the agenda with filters, a network,
an organisation, an activity and one date. Each must find every date once, at the right
moment across both clock changes, cancelled where it is cancelled, with the text exactly
as it was typed. (node-ical needs Node.js 22 and is not among them.)
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from activities import services
from activities.models import Activity, Frequency, Occurrence, Theme
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import OrganisationFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ICALJS = Path(__file__).parent / "vendor" / "icaljs" / "read_ics.mjs"

#: Every character TEXT must escape, a quote, an emoji and a line break.
TITLE = 'Koffie, thee; en \\ meer "samen" 🎉\nTweede regel'
DESCRIPTION = "Eerste regel\nTweede regel; met café-crème, en \\ een pad.\n\nNieuwe alinea."
NETWORK_NAME = "Beesd, Rumpt; Tricht \\ samen\nvoor elkaar"
ORGANISATION_NAME = 'Stichting "De Brug"; Beesd, Gelderland'


def unescape_text(value: str) -> str:
    """An escaped TEXT value as RFC 5545 (3.3.11) reads it."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, AMSTERDAM)


@dataclass
class Agenda:
    weekly: Activity
    exercise: Activity
    feast: Activity
    called_off: Activity
    elsewhere: Activity
    cancelled_date: Occurrence
    moved_date: Occurrence
    partner: object


@pytest.fixture
def agenda(world) -> Agenda:
    """What calendar programs stumble over: a weekly series over both clock changes with a
    cancelled and a moved date, co-organised by two organisations of the same network (a
    date that joins twice), an all-day date without a place, a cancelled activity."""
    world.network.name = NETWORK_NAME
    world.network.save()
    partner = OrganisationFactory(
        name=ORGANISATION_NAME, slug="de-brug", networks=[world.network], is_trusted=True
    )
    place = PlaceFactory(name='Dorpshuis "De Brink"; grote zaal, achter', town="Beesd")
    weekly = make_activity(
        organisation=world.organisation,
        title=TITLE,
        description=DESCRIPTION,
        place=place,
        frequency=Frequency.WEEKLY,
    )
    weekly.co_organisers.add(partner, world.wijkteam)
    dates = list(weekly.occurrences.order_by("starts_at"))
    cancelled = services.cancel_occurrence(occurrence=dates[1], reason="De zaal is bezet; sorry")
    moved = services.change_occurrence(
        occurrence=dates[2],
        day=dates[2].original_date + timedelta(days=1),
        start_time=time(14, 0),
        end_time=time(15, 30),
    )
    exercise = make_activity(
        organisation=partner, title="Gym, voor iedereen", theme=Theme.EXERCISE, place=place
    )
    feast = make_activity(
        organisation=partner,
        title="Dorpsfeest",
        frequency=Frequency.ONCE,
        start_date=timezone.localdate() + timedelta(days=10),
        start_time=None,
        end_time=None,
        location_note="We beginnen op het kerkplein",
    )
    called_off = make_activity(
        organisation=world.organisation,
        title="Bingo",
        frequency=Frequency.ONCE,
        start_date=timezone.localdate() + timedelta(days=3),
    )
    services.cancel_activity(activity=called_off, reason="Te weinig aanmeldingen")
    elsewhere = make_activity(organisation=world.other_organisation, title="Elders")
    return Agenda(weekly, exercise, feast, called_off, elsewhere, cancelled, moved, partner)


@dataclass
class Feed:
    url: str
    dates: list[Occurrence]
    complete: bool
    name: str


def _expected(activities: list[Activity], *, complete: bool) -> list[Occurrence]:
    today = timezone.localdate()
    ahead = 401 if complete else 43
    return list(
        Occurrence.objects.filter(
            activity__in=activities,
            starts_at__gte=_midnight(today - timedelta(days=14)),
            starts_at__lt=_midnight(today + timedelta(days=ahead)),
        ).select_related("activity")
    )


FEEDS = ["agenda-filtered", "agenda-network-organisation", "network", "organisation", "activity"]
FEEDS += ["cancelled-date", "moved-date"]


def _feed(kind: str, agenda: Agenda, world) -> Feed:
    ics = reverse("activities:agenda_ics")
    everything = [agenda.weekly, agenda.exercise, agenda.feast, agenda.called_off]
    if kind == "agenda-filtered":  # the whole region, one theme: six weeks
        dates = _expected(
            [agenda.weekly, agenda.feast, agenda.called_off, agenda.elsewhere], complete=False
        )
        name = "Omzien agenda, coffee and meeting"
        return Feed(f"{ics}?theme=meeting&lang=en", dates, False, name)
    if kind == "agenda-network-organisation":
        url = f"{ics}?network=beesd&organisation=klokhuis&lang=en"
        dates = _expected([agenda.weekly, agenda.called_off], complete=True)
        return Feed(url, dates, True, "Omzien agenda, Het Klokhuis")
    if kind == "network":
        url = reverse("activities:network_ics", args=["beesd"]) + "?lang=en"
        return Feed(url, _expected(everything, complete=True), True, f"Agenda of {NETWORK_NAME}")
    if kind == "organisation":
        url = reverse("activities:organisation_ics", args=["de-brug"]) + "?lang=en"
        dates = _expected([agenda.weekly, agenda.exercise, agenda.feast], complete=True)
        return Feed(url, dates, True, f"Agenda of {ORGANISATION_NAME}")
    if kind == "activity":
        url = reverse("activities:activity_ics", args=[agenda.weekly.slug]) + "?lang=en"
        return Feed(url, _expected([agenda.weekly], complete=True), True, TITLE)
    occurrence = agenda.cancelled_date if kind == "cancelled-date" else agenda.moved_date
    occurrence.refresh_from_db()
    url = reverse("activities:occurrence_ics", args=[agenda.weekly.slug, occurrence.original_date])
    return Feed(url + "?lang=en", [occurrence], False, TITLE)


def _uid(occurrence: Occurrence) -> str:
    return f"occurrence-{occurrence.activity_id}-{occurrence.original_date:%Y%m%d}@localhost"


def _is_cancelled(occurrence: Occurrence) -> bool:
    return occurrence.is_cancelled or occurrence.activity.is_cancelled


def _summary(occurrence: Occurrence) -> str:
    title = occurrence.activity.title
    return f"Cancelled: {title}" if _is_cancelled(occurrence) else title


@pytest.fixture(params=FEEDS)
def feed(request, agenda, world, client) -> tuple[Feed, bytes]:
    expected = _feed(request.param, agenda, world)
    response = client.get(expected.url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return expected, response.content


def _check_moment(found: datetime, occurrence: Occurrence) -> None:
    """The moment a reader computes is the stored one, and so is the wall-clock time."""
    assert found.tzinfo is not None
    assert found.astimezone(UTC) == occurrence.starts_at.astimezone(UTC)
    local = occurrence.starts_at.astimezone(AMSTERDAM)
    assert found.replace(tzinfo=None) == local.replace(tzinfo=None)


def _check_offsets(feed: Feed, offsets: list[timedelta]) -> None:
    """A feed that reaches past both clock changes has winter, summer and winter again."""
    changes = sum(1 for a, b in pairwise(offsets) if a != b)
    if feed.complete and len(feed.dates) > 1:
        assert set(offsets) == {timedelta(hours=1), timedelta(hours=2)}
        assert changes == 2


def test_icalendar_reads_every_feed(feed):
    expected, body = feed
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    by_uid = {_uid(o): o for o in expected.dates}
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)) == len(by_uid)
    assert set(uids) == set(by_uid)
    offsets = []
    for event in sorted(events, key=lambda e: by_uid[str(e["UID"])].starts_at):
        occurrence = by_uid[str(event["UID"])]
        assert str(event["SUMMARY"]) == _summary(occurrence)
        assert str(event["STATUS"]) == ("CANCELLED" if _is_cancelled(occurrence) else "CONFIRMED")
        if occurrence.all_day:
            assert event.start == timezone.localtime(occurrence.starts_at).date()
            continue
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        _check_moment(event.start, occurrence)
        offsets.append(event.start.utcoffset())
    _check_offsets(expected, offsets)
    # The calendar's name is TEXT (RFC 7986 NAME, X-WR-CALNAME), escaped like the events;
    # icalendar leaves properties it does not know raw, so unescape as TEXT.
    assert unescape_text(str(calendar["X-WR-CALNAME"])) == expected.name
    assert unescape_text(str(calendar["NAME"])) == expected.name


def test_vobject_reads_every_feed(feed):
    expected, body = feed
    calendar = vobject.readOne(body.decode())
    events = calendar.contents.get("vevent", [])
    by_uid = {_uid(o): o for o in expected.dates}
    uids = [event.uid.value for event in events]
    assert len(uids) == len(set(uids)) == len(by_uid)
    offsets = []
    for event in sorted(events, key=lambda e: by_uid[e.uid.value].starts_at):
        occurrence = by_uid[event.uid.value]
        assert event.summary.value == _summary(occurrence)
        assert event.status.value == ("CANCELLED" if _is_cancelled(occurrence) else "CONFIRMED")
        if occurrence.all_day:
            assert event.dtstart.value == timezone.localtime(occurrence.starts_at).date()
            continue
        # vobject builds the zone from the VTIMEZONE in the file and keeps its name here.
        assert event.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Amsterdam"]
        _check_moment(event.dtstart.value, occurrence)
        offsets.append(event.dtstart.value.utcoffset())
    _check_offsets(expected, offsets)
    assert calendar.contents["x-wr-calname"][0].value == expected.name
    assert calendar.contents["name"][0].value == expected.name


def test_recurring_ical_events_lists_every_date_once(feed):
    expected, body = feed
    today = timezone.localdate()
    found = recurring_ical_events.of(Calendar.from_ical(body)).between(
        today - timedelta(days=30), today + timedelta(days=500)
    )
    by_uid = {_uid(o): o for o in expected.dates}
    assert sorted(str(event["UID"]) for event in found) == sorted(by_uid)
    for event in found:
        occurrence = by_uid[str(event["UID"])]
        if not occurrence.all_day:
            _check_moment(event.start, occurrence)
    # One day asked for: the dates of that day, no more.
    first = min(expected.dates, key=lambda o: o.starts_at)
    day = timezone.localtime(first.starts_at).date()
    on_day = recurring_ical_events.of(Calendar.from_ical(body)).at(day)
    assert _uid(first) in {str(event["UID"]) for event in on_day}


def test_icaljs_reads_every_feed(feed):
    expected, body = feed
    result = subprocess.run(
        ["node", str(ICALJS)], input=body, capture_output=True, check=True, timeout=60
    )
    read = json.loads(result.stdout)
    by_uid = {_uid(o): o for o in expected.dates}
    uids = [event["uid"] for event in read["events"]]
    assert len(uids) == len(set(uids)) == len(by_uid)
    offsets = []
    for event in sorted(read["events"], key=lambda e: by_uid[e["uid"]].starts_at):
        occurrence = by_uid[event["uid"]]
        assert event["summary"] == _summary(occurrence)
        assert event["status"] == ("CANCELLED" if _is_cancelled(occurrence) else "CONFIRMED")
        assert event["sequence"] == occurrence.sequence
        if occurrence.all_day:
            assert event["start"]["tzid"] is None
            continue
        assert event["start"]["tzid"] == "Europe/Amsterdam"
        moment = datetime.fromisoformat(event["start"]["utc"].replace("Z", "+00:00"))
        assert moment == occurrence.starts_at.astimezone(UTC)
        offsets.append(timedelta(seconds=event["start"]["offset"]))
    _check_offsets(expected, offsets)
    # ical.js leaves the calendar's name as it stands (it does not know NAME or X-WR-
    # CALNAME); as TEXT it reads back exactly.
    assert unescape_text(read["name"]) == expected.name


def test_text_comes_back_exactly(client, agenda):
    """Descriptions, places and organisers with every character TEXT must escape."""
    url = reverse("activities:activity_ics", args=[agenda.weekly.slug])
    body = client.get(url, {"lang": "en"}).content
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
    events = {e.uid.value: e for e in vobject.readOne(body.decode()).vevent_list}
    event = events[_uid(agenda.weekly.occurrences.order_by("starts_at")[5])]
    assert event.description.value.startswith(DESCRIPTION)
    assert f"Organised by Het Klokhuis, {ORGANISATION_NAME}, Wijkteam Beesd." in (
        event.description.value
    )
    assert event.location.value.startswith('Dorpshuis "De Brink"; grote zaal, achter')
    cancelled = events[_uid(agenda.cancelled_date)]
    assert "This date is cancelled. De zaal is bezet; sorry" in cancelled.description.value
    read = json.loads(
        subprocess.run(
            ["node", str(ICALJS)], input=body, capture_output=True, check=True, timeout=60
        ).stdout
    )
    same = {e["uid"]: e for e in read["events"]}[event.uid.value]
    assert same["description"] == event.description.value
    assert same["location"] == event.location.value


def test_all_day_date_without_a_place(client, agenda):
    day = agenda.feast.start_date
    url = reverse("activities:occurrence_ics", args=[agenda.feast.slug, day])
    (event,) = vobject.readOne(client.get(url).content.decode()).vevent_list
    assert event.dtstart.value == day
    assert event.dtend.value == day + timedelta(days=1)
    assert event.location.value == "We beginnen op het kerkplein"


def test_news_feeds_are_well_formed_xml_that_readers_take(client, agenda, world):
    """RSS and Atom, read as a feed reader reads them: strict XML, every item once."""
    import xml.etree.ElementTree as ET

    Activity.objects.filter(pk=agenda.exercise.pk).update(
        title="Gym\x0b met\x01 stuurtjes\ufffe", published_at=timezone.now()
    )
    Activity.objects.filter(pk=agenda.elsewhere.pk).update(published_at=timezone.now())
    for name in ("activities:latest_rss", "activities:latest_atom"):
        for params in ({}, {"network": "beesd"}, {"organisation": "de-brug"}):
            response = client.get(reverse(name), {**params, "lang": "en"})
            assert response.status_code == 200
            root = ET.fromstring(response.content)
            if name.endswith("rss"):
                titles = [item.findtext("title") for item in root.iter("item")]
            else:
                atom = "{http://www.w3.org/2005/Atom}"
                titles = [entry.findtext(f"{atom}title") for entry in root.iter(f"{atom}entry")]
            assert len(titles) == len(set(titles))
            assert "Gym met stuurtjes" in titles
            assert ("Elders" in titles) == (not params)
