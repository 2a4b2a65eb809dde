"""Importing a calendar, hardened against hostile feeds and the quirks of real calendar
programs: rules that never happen, a time budget per sync, headers dripped byte by byte,
Thunderbird's DTEND with DURATION, times that change in a series imported as single dates,
repeated UIDs, refusals that name their cause, HTML descriptions and UTC rules under
X-WR-TIMEZONE. Feeds are served by a real local HTTP server and imported by the task."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta

import pytest
from dateutil import rrule as dateutil_rrule
from django.core import mail
from django.utils import timezone, translation
from icalendar.prop import vRecur

from activities.importing import plan as planning
from activities.importing import services as importing_services
from activities.importing.problems import describe
from activities.importing.rules import never_happens
from activities.models import Activity, CalendarFeed, Frequency, Registration, Status
from tests.activities.ics_server import CRLF, ics, running_server, stamp, timed, vevent
from tests.activities.test_import import (
    at,
    connect,
    imported,
    local,
    next_weekday,
    snapshot,
    sync,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_server(settings):
    yield from running_server(settings)


@pytest.fixture
def trusted(world):
    world.organisation.is_trusted = True
    world.organisation.save()
    return world.organisation


def notes_of(feed: CalendarFeed, language: str = "en") -> list[str]:
    feed.refresh_from_db()
    with translation.override(language):
        return [describe(note) for note in feed.report.get("notes", [])]


def with_calendar_lines(body: str, *lines: str) -> str:
    """The calendar with extra calendar-level properties (X-WR-TIMEZONE, ...)."""
    head = "PRODID:-//Omzien tests//NL" + CRLF
    return body.replace(head, head + "".join(line + CRLF for line in lines), 1)


# 1. Rules that never happen, and the time budget ---------------------------------------

NEVER = [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31,30",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11",
    "FREQ=MONTHLY;BYDAY=6MO",
    "FREQ=MONTHLY;BYDAY=-6FR",
    "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
    "FREQ=YEARLY;BYMONTH=13",
    "FREQ=YEARLY;BYDAY=54MO",
    "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # from a Monday: always a Monday
    "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31",  # from June: only Junes
]
POSSIBLE = [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-29",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=5TH",
    "FREQ=MONTHLY;BYDAY=-1SU",
    "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=9",
    "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=1,2,3,4,5,6,7",
    "FREQ=YEARLY;BYDAY=53FR",
    "FREQ=YEARLY;BYMONTH=2;BYDAY=5SU",
    "FREQ=YEARLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=DAILY;INTERVAL=3;BYDAY=TU",
    "FREQ=WEEKLY;BYMONTH=7;BYDAY=SA",
    "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30",
    "FREQ=YEARLY",
]


@pytest.mark.parametrize("rule", NEVER + POSSIBLE)
def test_a_rule_that_never_happens_is_recognised_before_dateutil_searches(rule):
    start = date(2026, 6, 1)  # a Monday in June
    assert never_happens(vRecur.from_ical(rule), start) == (rule in NEVER)
    if rule in POSSIBLE:  # checked against dateutil, which finds a date quickly here
        parsed = dateutil_rrule.rrulestr(rule, dtstart=datetime.combine(start, time(10)))
        assert parsed.after(datetime.combine(start, time(10)), inc=True) is not None


def hostile_feed(size: int, good: str) -> str:
    """About `size` bytes of events that never happen, with one good event at the end."""
    events, number = [], 0
    while sum(len(event) for event in events) < size:
        events.append(
            vevent(
                f"nooit-{number}@hostile",
                f"Nooit {number}",
                timed("DTSTART", at(next_weekday(0), 10)),
                "RRULE:" + NEVER[number % 10],  # the last one depends on the month
            )
        )
        number += 1
    return ics(*events, good)


def test_a_feed_full_of_rules_that_never_happen_is_read_in_a_moment(world, trusted, feed_server):
    """Such rules cost python-dateutil about half a second each: this ~200 KB feed took the
    whole minute the planning had (and was then refused) before they were recognised."""
    good = vevent("koffie@x", "Koffieochtend", timed("DTSTART", at(next_weekday(1), 10)))
    body = hostile_feed(200_000, good)
    feed = connect(trusted, feed_server.serve(body=body))

    started = clock.monotonic()
    report = sync(feed)
    seconds = clock.monotonic() - started

    assert seconds < 10  # about a second here
    assert not report["error"] and report["created"] == 1
    assert imported(feed, "koffie@x").title == "Koffieochtend"
    notes = notes_of(feed)
    assert "“Nooit 0” repeats on a date that never comes (such as 30 February)." in notes[0]
    # At most 20 notes on single events, and a count of the rest.
    assert len(notes) == 21 and notes[-1].startswith("More notes, not shown: ")


def test_events_the_budget_leaves_for_later_keep_what_they_brought_in(
    world, trusted, feed_server, settings
):
    monday = next_weekday(0)
    talk = vevent("lezing@x", "Lezing", timed("DTSTART", at(monday, 20)))
    series = vevent(
        "koffie@x", "Koffieochtend", timed("DTSTART", at(monday, 10)), "RRULE:FREQ=WEEKLY"
    )
    quiz = vevent("quiz@x", "Quiz", timed("DTSTART", at(monday, 19)))
    feed = connect(trusted, feed_server.serve(body=ics(talk, series, quiz)))
    sync(feed)

    def talk_and_series() -> tuple:
        activities, occurrences = snapshot()
        keep = set(Activity.objects.exclude(external_uid="quiz@x").values_list("pk", flat=True))
        return [a for a in activities if a[0] in keep], [o for o in occurrences if o[1] in keep]

    before = talk_and_series()

    # The source changes two events and drops one; no time is left to plan anything.
    settings.CALENDAR_IMPORT_SECONDS = 0
    feed_server.serve(
        body=ics(talk.replace("Lezing", "Lezing over bijen"), series.replace("T100000", "T140000"))
    )
    report = sync(feed)

    # What was not looked at is not "removed from the feed": it stays exactly as it was.
    assert talk_and_series() == before
    assert report["postponed"] == 2 and not report["error"]
    # What really left the feed is known without planning it: that one is cancelled.
    assert report["cancelled"] == 1 and imported(feed, "quiz@x").status == Status.CANCELLED
    assert notes_of(feed) == [
        "The import took too long and stopped early. Events left for the next import: 2. "
        "What came in from them before stays as it is."
    ]
    with translation.override("nl"):
        page_words = describe(CalendarFeed.objects.get().report["notes"][0])
    assert page_words.startswith("Het ophalen duurde te lang en is eerder gestopt.")

    # With time again, the sync catches up and the note goes.
    settings.CALENDAR_IMPORT_SECONDS = 60
    report = sync(feed)
    assert report["updated"] == 2 and report["postponed"] == 0
    assert imported(feed, "koffie@x").start_time == time(14)
    assert imported(feed, "lezing@x").title == "Lezing over bijen"
    assert notes_of(feed) == []


def test_a_rule_from_long_ago_is_expanded_quickly_and_right(world, trusted, feed_server):
    """dateutil walks from DTSTART: a daily rule from the year 1000 cost seconds per
    event. The planning starts it shortly before today, along the rule's own steps."""
    body = ics(
        vevent(
            "oud@x",
            "Oud",
            "DTSTART;TZID=Europe/Amsterdam:10000101T100000",
            "RRULE:FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE",
        )
    )
    feed = connect(trusted, feed_server.serve(body=body))
    started = clock.monotonic()
    sync(feed)
    assert clock.monotonic() - started < 5
    today = timezone.localdate()
    rule = dateutil_rrule.rrulestr(
        "FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE", dtstart=datetime(1000, 1, 1, 10)
    )
    expected = [
        day.date()
        for day in rule.between(
            datetime.combine(today, time(0)), datetime.combine(today + timedelta(days=92), time(23))
        )
    ]
    assert sorted(a.start_date for a in Activity.objects.filter(imported_from=feed)) == expected


class CountingBudget(planning.Budget):
    """A budget that runs out after a number of looks, whatever the clock says."""

    looks = 0

    def spent(self) -> bool:
        CountingBudget.looks -= 1
        return CountingBudget.looks < 0


def test_what_applying_does_not_reach_is_kept_too(world, trusted, feed_server, monkeypatch):
    monday = next_weekday(0)
    first = vevent("a@x", "Eerste", timed("DTSTART", at(monday, 9)))
    second = vevent("b@x", "Tweede", timed("DTSTART", at(monday + timedelta(days=1), 9)))
    feed = connect(trusted, feed_server.serve(body=ics(first, second)))
    sync(feed)
    second_activity = imported(feed, "b@x")

    feed_server.serve(
        body=ics(first.replace("Eerste", "Eerste!"), second.replace("T090000", "T110000"))
    )
    monkeypatch.setattr(importing_services, "Budget", CountingBudget)
    CountingBudget.looks = 3  # two events planned, one item applied, then time is up
    report = sync(feed)

    assert report["updated"] == 1 and report["postponed"] == 1
    assert imported(feed, "a@x").title == "Eerste!"
    kept = imported(feed, "b@x")
    assert (kept.start_time, kept.status, kept.updated_at) == (
        time(9),
        Status.PUBLISHED,
        second_activity.updated_at,
    )


# 2. Headers dripped byte by byte ------------------------------------------------------


def test_headers_dripped_byte_by_byte_are_given_up_on_at_the_deadline(world, trusted, feed_server):
    # The fixture's timeout is 1 s, so the whole fetch may take 3 s. Before, each byte
    # reset the read timeout and this answer held the worker for about a minute.
    feed = connect(trusted, feed_server.serve(body=ics(), drip_headers=0.2))
    started = clock.monotonic()
    report = sync(feed)
    assert clock.monotonic() - started < 5
    assert "did not answer in time" in report["error"] or "op tijd" in report["error"]


# 4. Thunderbird: DTEND and DURATION:PT0S together --------------------------------------


def test_a_moved_date_with_dtend_and_a_zero_duration_is_read_by_its_dtend(
    world, trusted, feed_server
):
    monday = next_weekday(0)
    moved = monday + timedelta(days=7)
    body = ics(
        vevent(
            "koffie@x",
            "Koffieochtend",
            timed("DTSTART", at(monday, 10)),
            timed("DTEND", at(monday, 11)),
            "RRULE:FREQ=WEEKLY",
        ),
        # As Thunderbird writes a moved instance.
        vevent(
            "koffie@x",
            "Koffieochtend",
            timed("RECURRENCE-ID", at(moved, 10)),
            timed("DTSTART", at(moved, 13)),
            timed("DTEND", at(moved, 14, 30)),
            "DURATION:PT0S",
        ),
        vevent(
            "los@x",
            "Losse middag",
            timed("DTSTART", at(monday, 14)),
            timed("DTEND", at(monday, 16)),
            "DURATION:PT0S",
        ),
    )
    feed = connect(trusted, feed_server.serve(body=body))

    report = sync(feed)

    assert not report["error"]
    occurrence = imported(feed, "koffie@x").occurrences.get(original_date=moved)
    assert (local(occurrence.starts_at).time(), local(occurrence.ends_at).time()) == (
        time(13),
        time(14, 30),
    )
    assert imported(feed, "los@x").end_time == time(16)


# 5. A series imported as single dates: a changed time moves them -----------------------


def every_third_day(start: date, hour: int) -> str:
    return ics(
        vevent(
            "wandel@x",
            "Wandelen",
            timed("DTSTART", at(start, hour)),
            timed("DTEND", at(start, hour + 1)),
            "RRULE:FREQ=DAILY;INTERVAL=3",
        )
    )


def register(activity: Activity) -> Registration:
    return Registration.objects.create(
        occurrence=activity.occurrences.get(),
        name="Truus",
        email="truus@example.org",
        status="confirmed",
        language="en",
    )


def check_moved_in_place(feed, before: dict[str, int], start: date) -> None:
    after = {a.external_uid: a.pk for a in Activity.objects.filter(imported_from=feed)}
    assert after == before  # the same activities, under the same keys
    activities = Activity.objects.filter(imported_from=feed)
    assert {a.status for a in activities} == {Status.PUBLISHED}
    assert {a.start_time for a in activities} == {time(14)}
    first = imported(feed, f"wandel@x#{start:%Y%m%d}").occurrences.get()
    assert not first.is_cancelled and local(first.starts_at).time() == time(14)
    # Whoever registered hears that the date moved, once; nothing was called off.
    assert [m.subject for m in mail.outbox] == ["The date you registered for has changed"]
    assert "14:00" in mail.outbox[0].body


def test_a_changed_time_moves_the_single_dates_of_a_series(world, trusted, feed_server):
    start = next_weekday(0)
    feed = connect(trusted, feed_server.serve(body=every_third_day(start, 10)))
    sync(feed)
    before = {a.external_uid: a.pk for a in Activity.objects.filter(imported_from=feed)}
    assert len(before) > 20 and f"wandel@x#{start:%Y%m%d}" in before
    registration = register(imported(feed, f"wandel@x#{start:%Y%m%d}"))
    mail.outbox.clear()

    feed_server.serve(body=every_third_day(start, 14))
    report = sync(feed)

    assert report["created"] == report["cancelled"] == report["deleted"] == 0
    assert report["updated"] == len(before)
    check_moved_in_place(feed, before, start)
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_dates_stored_under_the_older_keys_with_a_time_are_moved_too(world, trusted, feed_server):
    """Before dates were keyed by day, their keys held the time (UID#YYYYMMDDTHHMM)."""
    start = next_weekday(0)
    feed = connect(trusted, feed_server.serve(body=every_third_day(start, 10)))
    sync(feed)
    for activity in Activity.objects.filter(imported_from=feed):
        Activity.objects.filter(pk=activity.pk).update(external_uid=activity.external_uid + "T1000")
    before = {
        a.external_uid.removesuffix("T1000"): a.pk
        for a in Activity.objects.filter(imported_from=feed)
    }
    register(imported(feed, f"wandel@x#{start:%Y%m%d}T1000"))
    mail.outbox.clear()

    feed_server.serve(body=every_third_day(start, 14))
    report = sync(feed)

    assert report["created"] == report["cancelled"] == report["deleted"] == 0
    check_moved_in_place(feed, before, start)

    # Unchanged at the source and keyed anew: the next sync has nothing to do.
    assert {k: v for k, v in sync(feed).items() if isinstance(v, int) and v} == {}


# 6. Two events with one UID ------------------------------------------------------------


def test_two_events_with_one_uid_keep_the_first_and_tell_the_editor(world, trusted, feed_server):
    day = next_weekday(2)
    body = ics(
        vevent("dubbel@x", "Bingo", timed("DTSTART", at(day, 14))),
        vevent("dubbel@x", "Kaarten", timed("DTSTART", at(day, 20))),
    )
    feed = connect(trusted, feed_server.serve(body=body))

    sync(feed)

    [activity] = Activity.objects.filter(imported_from=feed)
    assert (activity.title, activity.start_time) == ("Bingo", time(14))
    assert notes_of(feed) == [
        "Two events in the calendar have the same code (UID): “Bingo” and “Kaarten”. We took "
        "over only the first; check the second in your calendar program."
    ]


# 7. A refusal names the real cause -----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "english", "dutch"),
    [
        ("", "The address gives an empty file instead of a calendar.", "een leeg bestand"),
        (
            "<!DOCTYPE html><html><body>Inloggen</body></html>",
            "not the address of a web page",
            "niet het adres van een webpagina",
        ),
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nthis is no property\r\nEND:VCALENDAR\r\n",
            "The calendar file is damaged",
            "Het agendabestand is beschadigd",
        ),
        (
            ics(vevent("b@x", "Bingo", "DTSTART:20270105T140000", "RRULE:FREQ=SOMETIMES")),
            "The event “Bingo” has a repetition we cannot read.",
            "Het evenement \u2018Bingo\u2019 heeft een herhaling die we niet kunnen lezen.",
        ),
        (
            ics(vevent("b@x", "Bingo", "DTSTART:20270105T140000", "DTEND:straks")),
            "The event “Bingo” has an end date or time we cannot read.",
            "heeft een einddatum of eindtijd die we niet kunnen lezen.",
        ),
        (
            ics(vevent("b@x", "Bingo", "DTSTART:20270105T140000", "EXDATE:nooit")),
            "The event “Bingo” has skipped dates we cannot read.",
            "overgeslagen datums",
        ),
        (
            ics(vevent("b@x", "Bingo", "DTSTART:20270105T140000", "DURATION:lang")),
            "The event “Bingo” has a duration we cannot read.",
            "een duur die we niet kunnen lezen",
        ),
    ],
    ids=["empty", "html", "damaged", "rrule", "dtend", "exdate", "duration"],
)
def test_a_refusal_names_its_real_cause(world, trusted, feed_server, body, english, dutch):
    feed = connect(trusted, feed_server.serve(body=body))
    sync(feed)
    feed.refresh_from_db()
    with translation.override("en"):
        assert english in feed.last_error
    with translation.override("nl"):
        assert dutch in feed.last_error
    assert not Activity.objects.exists()


def test_a_broken_property_we_never_read_refuses_nothing(world, trusted, feed_server):
    day = next_weekday(2)
    body = ics(vevent("a@x", "Zingen", timed("DTSTART", at(day, 10)), "GEO:ergens;anders"))
    body = body.replace("DTSTAMP:20250101T000000Z", "DTSTAMP:gisteren")
    feed = connect(trusted, feed_server.serve(body=body))
    assert sync(feed)["created"] == 1


# 8. HTML descriptions ------------------------------------------------------------------


def test_an_html_description_becomes_text_with_its_paragraphs_and_list(world, trusted, feed_server):
    html = (
        "<p>Welkom bij de <b>bingo</b>!</p><p>Neem mee:</p>"
        "<ul><li>een pen</li><li>kleingeld &amp; een tas</li></ul>"
        "Tot dan,<br>Jan<script>document.location='https://evil.example'</script>"
        "<style>p { color: red }</style>"
    )
    body = ics(
        vevent(
            "a@x",
            "Bingo",
            timed("DTSTART", at(next_weekday(2), 14)),
            "DESCRIPTION:" + html.replace(",", "\\,").replace(";", "\\;"),
        ),
        vevent(
            "b@x",
            "Kaarten",
            timed("DTSTART", at(next_weekday(2), 20)),
            "DESCRIPTION:Gewoon tekst <iedereen welkom>: 3 < 5.",
        ),
    )
    feed = connect(trusted, feed_server.serve(body=body))
    sync(feed)
    assert imported(feed, "a@x").description == (
        "Welkom bij de bingo!\n\nNeem mee:\n\n- een pen\n- kleingeld & een tas\n\nTot dan,\nJan"
    )
    # Plain text with angle brackets is not HTML: nothing is taken out.
    assert imported(feed, "b@x").description == "Gewoon tekst <iedereen welkom>: 3 < 5."


# 9. A rule in UTC under X-WR-TIMEZONE --------------------------------------------------


def winter_monday() -> date:
    """A Monday at least a week ahead in January to mid-March: the clock goes forward
    (last Sunday of March) while a weekly series starting then runs."""
    day = next_weekday(0)
    while not (day.month in (1, 2) or (day.month == 3 and day.day <= 15)):
        day += timedelta(days=7)
    return day


def last_sunday_of_march(year: int) -> date:
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_a_utc_rule_under_x_wr_timezone_keeps_its_local_time_across_the_clock_change(
    world, trusted, feed_server
):
    monday = winter_monday()
    nine_utc = datetime.combine(monday, time(9))  # 10:00 in Amsterdam in winter
    body = ics(
        vevent(
            "koffie@x",
            "Koffieochtend",
            f"DTSTART:{stamp(nine_utc)}Z",
            f"DTEND:{stamp(nine_utc + timedelta(hours=1))}Z",
            "RRULE:FREQ=WEEKLY",
        ),
        # A single event in UTC is one exact moment: X-WR-TIMEZONE does not move it.
        vevent("lezing@x", "Lezing", f"DTSTART:{stamp(nine_utc)}Z"),
    )
    feed = connect(
        trusted,
        feed_server.serve(body=with_calendar_lines(body, "X-WR-TIMEZONE:Europe/Amsterdam")),
    )

    report = sync(feed)

    assert not report["error"]
    weekly = imported(feed, "koffie@x")  # one series, not single dates
    assert (weekly.frequency, weekly.start_time, weekly.end_time) == (
        Frequency.WEEKLY,
        time(10),
        time(11),
    )
    summer = last_sunday_of_march(monday.year) + timedelta(days=8)
    after_change = weekly.occurrences.get(original_date=summer)
    assert local(after_change.starts_at).time() == time(10)
    assert timezone.localtime(after_change.starts_at).utcoffset() == timedelta(hours=2)
    [talk] = imported(feed, "lezing@x").occurrences.all()
    assert local(talk.starts_at).time() == time(10)  # winter: 9:00 UTC is 10:00 here


def test_a_floating_rule_is_read_in_the_calendars_zone(world, trusted, feed_server):
    monday = winter_monday()
    body = ics(
        vevent(
            "tea@x",
            "Tea",
            f"DTSTART:{stamp(datetime.combine(monday, time(10)))}",
            "RRULE:FREQ=WEEKLY",
        )
    )
    feed = connect(
        trusted, feed_server.serve(body=with_calendar_lines(body, "X-WR-TIMEZONE:Europe/London"))
    )
    sync(feed)
    weekly = imported(feed, "tea@x")
    # 10:00 in London is 11:00 here, before and after the (shared) clock change.
    assert (weekly.frequency, weekly.start_time) == (Frequency.WEEKLY, time(11))
