"""Connecting an existing calendar: feeds served by a real local HTTP server, imported by
the Celery task, kept in sync; broken and hostile feeds change nothing and are reported."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone, translation

from activities.models import (
    Activity,
    CalendarFeed,
    CancelledBy,
    Frequency,
    Occurrence,
    Status,
    Theme,
)
from activities.recurrence import nth_weekday
from activities.tasks import sync_all_calendar_feeds, sync_calendar_feed
from network.models import Role
from tests.activities.factories import PlaceFactory, make_activity
from tests.activities.ics_server import ics, running_server, stamp, timed, vevent
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_server(settings):
    yield from running_server(settings)


def next_weekday(weekday: int, *, weeks: int = 1) -> date:
    """The given weekday (0 = Monday) at least `weeks` weeks from today."""
    day = timezone.localdate() + timedelta(days=7 * weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def local(value: datetime) -> datetime:
    return timezone.localtime(value)


@pytest.fixture
def trusted(world):
    world.organisation.is_trusted = True
    world.organisation.save()
    return world.organisation


def connect(organisation, url, **fields) -> CalendarFeed:
    return CalendarFeed.objects.create(organisation=organisation, url=url, **fields)


def sync(feed, **options) -> dict:
    """The task as a worker runs it: what it commits (e-mails in the outbox) goes out."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return sync_calendar_feed.delay(feed.pk, **options).get()


def imported(feed, key: str) -> Activity:
    return Activity.objects.get(imported_from=feed, external_uid=key)


def snapshot() -> tuple:
    """Everything a sync could change in the agenda."""
    activities = list(
        Activity.objects.order_by("pk").values_list(
            "pk",
            "title",
            "status",
            "start_date",
            "start_time",
            "end_time",
            "frequency",
            "exception_dates",
            "cancel_reason",
            "updated_at",
        )
    )
    occurrences = list(
        Occurrence.objects.order_by("pk").values_list(
            "pk", "activity_id", "original_date", "starts_at", "ends_at", "is_cancelled"
        )
    )
    return activities, occurrences


# Importing -------------------------------------------------------------------------------


def test_single_all_day_weekly_and_monthly_events_are_imported(world, trusted, feed_server):
    monday = next_weekday(0)
    skipped = monday + timedelta(days=14)
    day_out = next_weekday(5, weeks=2)
    third_thursday = nth_weekday(monday.year, monday.month, 3, 3)
    if third_thursday < timezone.localdate():
        month = monday.month % 12 + 1
        third_thursday = nth_weekday(monday.year + (month == 1), month, 3, 3)
    utc_start = datetime.combine(next_weekday(2), time(9, 0), UTC)
    url = feed_server.serve(
        body=ics(
            vevent(
                "koffie@klokhuis",
                "Koffieochtend",
                timed("DTSTART", at(monday, 10)),
                timed("DTEND", at(monday, 11, 30)),
                "RRULE:FREQ=WEEKLY;BYDAY=MO",
                timed("EXDATE", at(skipped, 10)),
                "LOCATION:Kerkplein",
                "DESCRIPTION:Iedereen welkom.",
            ),
            vevent(
                "dagje@klokhuis",
                "Dagje uit",
                f"DTSTART;VALUE=DATE:{stamp(day_out)}",
                f"DTEND;VALUE=DATE:{stamp(day_out + timedelta(days=1))}",
            ),
            vevent(
                "overleg@klokhuis",
                "Dorpsoverleg",
                timed("DTSTART", at(third_thursday, 19, 30)),
                timed("DTEND", at(third_thursday, 21)),
                "RRULE:FREQ=MONTHLY;BYDAY=3TH;COUNT=6",
            ),
            vevent(
                "lezing@klokhuis",
                "Lezing",
                f"DTSTART:{stamp(utc_start)}Z",
                "DURATION:PT1H",
            ),
        )
    )
    feed = connect(trusted, url, default_theme=Theme.CULTURE)

    report = sync(feed)

    assert report["created"] == 4 and not report["error"]
    weekly = imported(feed, "koffie@klokhuis")
    assert (weekly.frequency, weekly.start_date, weekly.start_time, weekly.end_time) == (
        Frequency.WEEKLY,
        monday,
        time(10),
        time(11, 30),
    )
    assert weekly.exception_dates == [skipped.isoformat()]
    assert weekly.status == Status.PUBLISHED and weekly.theme == Theme.CULTURE
    assert weekly.location_note == "Kerkplein" and weekly.description == "Iedereen welkom."
    dates = set(weekly.occurrences.values_list("original_date", flat=True))
    assert {monday, monday + timedelta(days=7), monday + timedelta(days=21)} <= dates
    assert skipped not in dates
    first = weekly.occurrences.get(original_date=monday)
    assert (local(first.starts_at).time(), local(first.ends_at).time()) == (time(10), time(11, 30))

    all_day = imported(feed, "dagje@klokhuis")
    [occurrence] = all_day.occurrences.all()
    assert all_day.frequency == Frequency.ONCE and all_day.start_time is None
    assert occurrence.all_day and occurrence.original_date == day_out

    monthly = imported(feed, "overleg@klokhuis")
    assert (monthly.frequency, monthly.monthly_ordinal, monthly.count) == (
        Frequency.MONTHLY_WEEKDAY,
        3,
        6,
    )
    assert monthly.occurrences.count() == 6
    assert all(
        local(o.starts_at).weekday() == 3 and (local(o.starts_at).day - 1) // 7 == 2
        for o in monthly.occurrences.all()
    )

    # UTC in the feed, the same moment in local time here.
    [talk] = imported(feed, "lezing@klokhuis").occurrences.all()
    assert talk.starts_at == utc_start and talk.ends_at == utc_start + timedelta(hours=1)

    feed.refresh_from_db()
    assert feed.last_synced_at is not None and feed.last_error == ""


def test_untrusted_organisation_imports_wait_for_moderation(world, feed_server):
    day = next_weekday(1)
    url = feed_server.serve(
        body=ics(vevent("bingo@x", "Bingo", timed("DTSTART", at(day, 14)), "RRULE:FREQ=WEEKLY"))
    )
    feed = connect(world.organisation, url)
    sync(feed)
    activity = imported(feed, "bingo@x")
    assert activity.status == Status.SUBMITTED
    assert not Occurrence.objects.public().filter(activity=activity).exists()


def test_weekly_on_two_days_becomes_a_series_per_weekday(world, trusted, feed_server):
    monday = next_weekday(0)
    url = feed_server.serve(
        body=ics(
            vevent(
                "gym@x",
                "Gym voor senioren",
                timed("DTSTART", at(monday, 9, 30)),
                timed("DTEND", at(monday, 10, 30)),
                "RRULE:FREQ=WEEKLY;BYDAY=MO,TH",
            )
        )
    )
    feed = connect(trusted, url)
    sync(feed)
    mondays, thursdays = imported(feed, "gym@x#MO"), imported(feed, "gym@x#TH")
    assert (mondays.frequency, mondays.start_date) == (Frequency.WEEKLY, monday)
    assert (thursdays.frequency, thursdays.start_date) == (
        Frequency.WEEKLY,
        monday + timedelta(days=3),
    )


def test_a_rule_without_plain_words_is_imported_as_single_dates(world, trusted, feed_server):
    start = next_weekday(0)
    url = feed_server.serve(
        body=ics(
            vevent(
                "wandel@x",
                "Wandelen",
                timed("DTSTART", at(start, 10)),
                "RRULE:FREQ=DAILY;INTERVAL=3",
            )
        )
    )
    feed = connect(trusted, url)
    sync(feed)
    activities = Activity.objects.filter(imported_from=feed)
    starts = sorted(a.start_date for a in activities)
    assert all(a.frequency == Frequency.ONCE for a in activities)
    assert starts[0] == start and starts[1] == start + timedelta(days=3)
    assert starts[-1] <= timezone.localdate() + timedelta(days=92)
    # Keyed by day, so a time changed at the source updates the same activity.
    assert imported(feed, f"wandel@x#{start:%Y%m%d}").start_time == time(10)


def test_every_working_day_becomes_a_weekly_series_per_weekday(world, trusted, feed_server):
    monday = next_weekday(0)
    rule = "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
    url = feed_server.serve(
        body=ics(vevent("lunch@x", "Samen eten", timed("DTSTART", at(monday, 12)), rule))
    )
    feed = connect(trusted, url)
    sync(feed)
    series = Activity.objects.filter(imported_from=feed).order_by("start_date")
    assert [a.external_uid for a in series] == [
        f"lunch@x#{d}" for d in ("MO", "TU", "WE", "TH", "FR")
    ]
    assert {a.frequency for a in series} == {Frequency.WEEKLY}


def test_private_events_people_and_unusable_rules_are_not_imported(world, trusted, feed_server):
    day = next_weekday(2)
    url = feed_server.serve(
        body=ics(
            vevent("prive@x", "Tandarts", timed("DTSTART", at(day, 9)), "CLASS:PRIVATE"),
            vevent(
                "open@x",
                "Open dag",
                timed("DTSTART", at(day, 13)),
                "ORGANIZER;CN=Jan Jansen:mailto:jan@example.org",
                "ATTENDEE;CN=Piet:mailto:piet@example.org",
            ),
            vevent("uur@x", "Elk uur", timed("DTSTART", at(day, 9)), "RRULE:FREQ=HOURLY"),
            vevent(
                "nooit@x",
                "Nooit",
                timed("DTSTART", at(day, 9)),
                "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            ),
        )
    )
    feed = connect(trusted, url)
    report = sync(feed)
    assert not report["error"]
    [activity] = Activity.objects.filter(imported_from=feed)
    assert activity.title == "Open dag"
    values = " ".join(str(v) for v in Activity.objects.values_list().get())
    assert "jan@example.org" not in values and "Piet" not in values


# Keeping it in sync ------------------------------------------------------------------------


def test_a_changed_time_moves_the_dates_to_come(world, trusted, feed_server):
    monday = next_weekday(0)

    def feed_at(hour: int) -> str:
        return ics(
            vevent(
                "koffie@x",
                "Koffieochtend",
                timed("DTSTART", at(monday, hour)),
                timed("DTEND", at(monday, hour + 1)),
                "RRULE:FREQ=WEEKLY",
            )
        )

    url = feed_server.serve(body=feed_at(10))
    feed = connect(trusted, url)
    sync(feed)
    activity = imported(feed, "koffie@x")
    count = activity.occurrences.count()

    feed_server.serve(body=feed_at(14))
    report = sync(feed)

    activity.refresh_from_db()
    assert report["updated"] == 1 and report["created"] == 0
    assert activity.start_time == time(14) and activity.status == Status.PUBLISHED
    assert activity.occurrences.count() == count
    assert {local(o.starts_at).time() for o in activity.occurrences.all()} == {time(14)}


def test_cancelled_and_removed_events_cancel_the_activity(world, trusted, feed_server):
    day = next_weekday(3)
    bingo = vevent("bingo@x", "Bingo", timed("DTSTART", at(day, 14)), "RRULE:FREQ=WEEKLY")
    quiz = vevent("quiz@x", "Quiz", timed("DTSTART", at(day, 20)))
    url = feed_server.serve(body=ics(bingo, quiz))
    feed = connect(trusted, url)
    sync(feed)

    cancelled_bingo = bingo.replace("END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT")
    feed_server.serve(body=ics(cancelled_bingo))
    report = sync(feed)

    assert report["cancelled"] == 2
    for key in ("bingo@x", "quiz@x"):
        activity = imported(feed, key)  # kept, with its history
        assert activity.status == Status.CANCELLED
        # Who cancelled is data: the import recognises its own cancellation by it.
        assert activity.cancelled_by == CancelledBy.IMPORT and activity.cancel_reason == ""
        with translation.override("en"):
            assert activity.cancellation_note == "Cancelled in the organisation's own calendar."

    # Back in the calendar: published again.
    feed_server.serve(body=ics(bingo, quiz))
    sync(feed)
    assert imported(feed, "bingo@x").status == Status.PUBLISHED
    assert imported(feed, "quiz@x").status == Status.PUBLISHED


def test_a_removed_event_that_was_never_public_is_not_made_public(world, feed_server):
    day = next_weekday(3)
    url = feed_server.serve(body=ics(vevent("quiz@x", "Quiz", timed("DTSTART", at(day, 20)))))
    feed = connect(world.organisation, url)  # untrusted: waits for approval
    sync(feed)
    assert imported(feed, "quiz@x").status == Status.SUBMITTED

    feed_server.serve(body=ics())
    report = sync(feed)

    assert report["deleted"] == 1
    assert not Activity.objects.filter(imported_from=feed).exists()


def test_a_moved_and_a_cancelled_single_date_of_a_series(world, trusted, feed_server):
    monday = next_weekday(0)
    moved, dropped = monday + timedelta(days=7), monday + timedelta(days=14)
    series = vevent(
        "koffie@x",
        "Koffieochtend",
        timed("DTSTART", at(monday, 10)),
        timed("DTEND", at(monday, 11)),
        "RRULE:FREQ=WEEKLY",
    )
    moved_instance = vevent(
        "koffie@x",
        "Koffieochtend",
        timed("RECURRENCE-ID", at(moved, 10)),
        timed("DTSTART", at(moved + timedelta(days=1), 15)),
        timed("DTEND", at(moved + timedelta(days=1), 16)),
    )
    cancelled_instance = vevent(
        "koffie@x",
        "Koffieochtend",
        timed("RECURRENCE-ID", at(dropped, 10)),
        timed("DTSTART", at(dropped, 10)),
        "STATUS:CANCELLED",
    )
    url = feed_server.serve(body=ics(series, moved_instance, cancelled_instance))
    feed = connect(trusted, url)
    sync(feed)

    activity = imported(feed, "koffie@x")
    assert Activity.objects.filter(imported_from=feed).count() == 1
    occurrence = activity.occurrences.get(original_date=moved)
    assert local(occurrence.starts_at) == timezone.make_aware(at(moved + timedelta(days=1), 15))
    assert local(occurrence.ends_at).time() == time(16) and occurrence.is_detached
    assert activity.occurrences.get(original_date=dropped).is_cancelled
    assert not activity.occurrences.get(original_date=monday).is_detached

    # The source calendar takes the cancellation back: the date is on again.
    feed_server.serve(body=ics(series, moved_instance))
    sync(feed)
    assert not activity.occurrences.get(original_date=dropped).is_cancelled


def test_the_second_sync_of_the_same_feed_changes_nothing(world, trusted, feed_server):
    monday = next_weekday(0)
    url = feed_server.serve(
        body=ics(
            vevent(
                "koffie@x",
                "Koffieochtend",
                timed("DTSTART", at(monday, 10)),
                "RRULE:FREQ=WEEKLY;BYDAY=MO,WE",
                timed("EXDATE", at(monday + timedelta(days=7), 10)),
                "LOCATION:Het Klokhuis, Dorpsstraat 1, Beesd",
            ),
            vevent(
                "koffie@x",
                "Koffieochtend",
                timed("RECURRENCE-ID", at(monday + timedelta(days=14), 10)),
                timed("DTSTART", at(monday + timedelta(days=14), 11)),
            ),
            vevent("x@y", "Eenmalig", f"DTSTART;VALUE=DATE:{stamp(monday)}"),
        )
    )
    place = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    feed = connect(trusted, url)
    sync(feed)
    assert imported(feed, "koffie@x#MO").place == place
    before = snapshot()

    report = sync(feed, force=True)  # no ETag here anyway: it really parses again

    assert snapshot() == before
    assert {k: v for k, v in report.items() if isinstance(v, int) and v} == {}


def test_an_unchanged_feed_is_not_downloaded_twice(world, trusted, feed_server):
    day = next_weekday(4)
    url = feed_server.serve(
        body=ics(vevent("a@x", "Zingen", timed("DTSTART", at(day, 10)))), etag='"v1"'
    )
    feed = connect(trusted, url)
    sync(feed)
    feed.refresh_from_db()
    assert feed.etag == '"v1"'

    report = sync(feed)

    assert report["not_modified"] is True
    assert feed_server.requests[-1]["if_none_match"] == '"v1"'
    assert Activity.objects.filter(imported_from=feed).count() == 1


# Duplicates ----------------------------------------------------------------------------------


def test_an_activity_already_entered_is_flagged_not_doubled(world, trusted, feed_server):
    thursday = next_weekday(3)
    partner = OrganisationFactory(networks=[world.network], municipality=world.municipality)
    entered = make_activity(
        organisation=partner,
        title="Koffie ochtend",
        start_date=thursday,
        start_time=time(10),
        end_time=time(11),
    )
    url = feed_server.serve(
        body=ics(
            vevent(
                "koffie@x",
                "Koffie-Ochtend!",
                timed("DTSTART", at(thursday, 10)),
                timed("DTEND", at(thursday, 11)),
                "RRULE:FREQ=WEEKLY",
            ),
            vevent("other@x", "Koffieochtend", timed("DTSTART", at(thursday, 15))),
        )
    )
    feed = connect(trusted, url)

    report = sync(feed)

    duplicate = imported(feed, "koffie@x")
    assert report["flagged"] == 1
    assert duplicate.possible_duplicate_of == entered
    assert duplicate.status == Status.DRAFT
    assert (
        Occurrence.objects.public().filter(starts_at=entered.occurrences.first().starts_at).count()
        == 1
    )
    # Another time is another activity.
    assert imported(feed, "other@x").possible_duplicate_of is None
    assert imported(feed, "other@x").status == Status.PUBLISHED


# Broken and hostile feeds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "words"),
    [
        ({"body": "<!DOCTYPE html><html><body>Log in</body></html>"}, "not give a valid calendar"),
        (
            {"body": ics(vevent("a@x", "Kapot", "DTSTART:morgen om tien"))},
            "The event “Kapot” has a start date or time we cannot read.",
        ),
        ({"huge": 300_000, "with_length": True}, "larger than"),
        ({"huge": 300_000, "with_length": False}, "larger than"),
        ({"body": ics(), "delay": 2.5}, "did not answer in time"),
        ({"body": ics(), "status": 500}, "error (500)"),
        ({"body": b"", "status": 404}, "not found"),
    ],
    ids=["html", "broken-date", "huge", "huge-streamed", "timeout", "http-500", "http-404"],
)
def test_a_broken_feed_changes_nothing_and_is_reported(
    world, trusted, feed_server, settings, route, words
):
    settings.CALENDAR_IMPORT_MAX_BYTES = 100_000
    english_editor = MembershipFactory(
        user=UserFactory(email="editor-en@example.org", language="en"),
        role=Role.EDITOR,
        organisation=trusted,
    ).user
    day = next_weekday(2)
    url = feed_server.serve(
        body=ics(vevent("a@x", "Zingen", timed("DTSTART", at(day, 10)), "RRULE:FREQ=WEEKLY"))
    )
    feed = connect(trusted, url)
    sync(feed)
    before = snapshot()

    feed_server.serve(**route)
    report = sync(feed)

    assert snapshot() == before
    feed.refresh_from_db()
    with translation.override("nl"):  # the report speaks the site's language
        assert report["error"] == feed.last_error != ""
    # To every editor of the organisation, each in their own language; no feed address.
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {world.users["editor"].email, english_editor.email}
    english = by_address[english_editor.email]
    assert words in english.body
    assert "connected calendar" in english.subject
    assert f"/organisaties/{trusted.slug}/agenda-koppelen/{feed.pk}/" in english.body
    assert url not in english.body and url not in english.alternatives[0][0]
    assert '<html lang="en">' in english.alternatives[0][0]
    assert '<html lang="nl">' in by_address[world.users["editor"].email].alternatives[0][0]

    # The same problem again: no second e-mail.
    sync(feed)
    assert len(mail.outbox) == 2


def test_a_slow_dripping_server_is_given_up_on(world, trusted, feed_server):
    url = feed_server.serve(body=ics() * 20, drip=0.2)
    feed = connect(trusted, url)
    report = sync(feed)
    assert "did not answer in time" in report["error"] or "op tijd" in report["error"]


def test_after_a_problem_a_good_feed_clears_it(world, trusted, feed_server):
    url = feed_server.serve(body="nonsense")
    feed = connect(trusted, url)
    sync(feed)
    feed_server.serve(body=ics(vevent("a@x", "Zingen", timed("DTSTART", at(next_weekday(2), 10)))))
    sync(feed)
    feed.refresh_from_db()
    assert feed.last_error == "" and feed.activities.count() == 1


def test_private_addresses_are_refused_in_production(world, trusted, feed_server, settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS = False
    for url in (
        feed_server.serve(body=ics()),
        f"http://localhost:{feed_server.httpd.server_address[1]}/agenda.ics",
    ):
        feed = connect(trusted, url)
        report = sync(feed)
        assert report["error"]
    assert feed_server.requests == []  # never contacted
    assert not Activity.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused(
    world, trusted, feed_server, settings, monkeypatch
):
    import socket

    real = socket.getaddrinfo
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS = False

    def resolve(host, *args, **kwargs):
        # A public-looking name that points into the private network (DNS rebinding too:
        # what is checked is the address we connect to, not the name).
        return real("127.0.0.1" if host == "calendar.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = feed_server.httpd.server_address[1]
    feed = connect(trusted, f"http://calendar.example:{port}/agenda.ics")
    report = sync(feed)
    assert "private network" in report["error"] or "privé" in report["error"]
    assert feed_server.requests == []


def test_redirects_are_followed_but_only_to_http(world, trusted, feed_server):
    day = next_weekday(2)
    feed_server.serve(
        "/nieuw.ics", body=ics(vevent("a@x", "Zingen", timed("DTSTART", at(day, 10))))
    )
    moved = connect(trusted, feed_server.serve("/oud.ics", location="/nieuw.ics"))
    assert sync(moved)["created"] == 1

    hostile = connect(trusted, feed_server.serve("/stiekem.ics", location="file:///etc/passwd"))
    report = sync(hostile)
    hostile.refresh_from_db()
    assert report["error"] and hostile.last_error and not hostile.activities.exists()


# The scheduled job ---------------------------------------------------------------------


def test_the_scheduled_job_syncs_every_connected_calendar(world, trusted, feed_server):
    url = feed_server.serve(
        body=ics(vevent("a@x", "Zingen", timed("DTSTART", at(next_weekday(2), 10))))
    )
    active = connect(trusted, url)
    connect(trusted, feed_server.serve("/oud.ics", body=ics()), is_active=False)
    inactive_org = OrganisationFactory(is_active=False)
    connect(inactive_org, url)

    assert sync_all_calendar_feeds.delay().get() == 1
    assert [r["path"] for r in feed_server.requests] == ["/agenda.ics"]
    assert active.activities.count() == 1
