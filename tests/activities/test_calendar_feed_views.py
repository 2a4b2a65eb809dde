"""The pages where editors connect their organisation's own calendar, through HTTP."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, CalendarFeed, Status, Theme
from tests.activities.factories import PlaceFactory, make_activity
from tests.activities.ics_server import ics, running_server, timed, vevent
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client_for, settings):
    """The pages in English: the assertions below read the English texts."""

    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def feed_server(settings):
    yield from running_server(settings)


def list_url(organisation) -> str:
    return reverse("activities:calendar_feeds", kwargs={"slug": organisation.slug})


def detail_url(feed) -> str:
    return reverse(
        "activities:calendar_feed", kwargs={"slug": feed.organisation.slug, "pk": feed.pk}
    )


def next_thursday() -> datetime:
    day = timezone.localdate() + timedelta(days=7)
    day += timedelta(days=(3 - day.weekday()) % 7)
    return datetime.combine(day, time(10))


def coffee_feed(when: datetime) -> str:
    return ics(
        vevent(
            "koffie@klokhuis",
            "Koffieochtend",
            timed("DTSTART", when),
            timed("DTEND", when + timedelta(hours=1)),
            "RRULE:FREQ=WEEKLY",
        )
    )


def test_an_editor_connects_a_calendar_and_the_first_import_runs(
    world, client_for, feed_server, django_capture_on_commit_callbacks
):
    place = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    url = feed_server.serve(body=coffee_feed(next_thursday()))
    client = client_for("editor")

    page = client.get(list_url(world.organisation))
    assert page.status_code == 200
    assert "No calendar is connected yet." in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            list_url(world.organisation),
            {"url": url, "default_place": place.pk, "default_theme": Theme.GAMES},
        )

    feed = CalendarFeed.objects.get()
    assert response.status_code == 302 and response.url == detail_url(feed)
    assert (feed.organisation, feed.default_place, feed.default_theme) == (
        world.organisation,
        place,
        Theme.GAMES,
    )
    activity = Activity.objects.get(imported_from=feed)
    # The organisation is not trusted: the imported activity waits for the network.
    assert activity.status == Status.SUBMITTED and activity.place == place

    detail = client.get(detail_url(feed)).content.decode()
    assert "Koffieochtend" in detail and "Working" in detail
    assert list_url(world.organisation) in detail


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ftp://example.org/agenda.ics", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("not an address", "http:// or https://"),
        ("http://10.0.0.5/agenda.ics", "private network"),
    ],
)
def test_an_address_that_is_no_calendar_address_is_refused(
    world, client_for, settings, address, message
):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS = False
    response = client_for("editor").post(
        list_url(world.organisation), {"url": address, "default_theme": Theme.OTHER}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_a_webcal_address_is_understood(world, client_for):
    client_for("editor").post(
        list_url(world.organisation),
        {"url": "webcal://calendar.example.org/klokhuis.ics", "default_theme": Theme.OTHER},
    )
    assert CalendarFeed.objects.get().url == "https://calendar.example.org/klokhuis.ics"


def test_the_same_calendar_is_not_connected_twice(world, client_for):
    client = client_for("editor")
    data = {"url": "https://calendar.example.org/a.ics", "default_theme": Theme.OTHER}
    client.post(list_url(world.organisation), data)
    response = client.post(list_url(world.organisation), data)
    assert response.status_code == 400
    assert "already connected" in response.content.decode()
    assert CalendarFeed.objects.count() == 1


def test_the_feed_page_shows_problems_and_possible_duplicates(world, client_for, feed_server):
    from activities.tasks import sync_calendar_feed

    world.organisation.is_trusted = True
    world.organisation.save()
    when = next_thursday()
    entered = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        start_date=when.date(),
        start_time=time(10),
        end_time=time(11),
    )
    feed = CalendarFeed.objects.create(
        organisation=world.organisation, url=feed_server.serve(body=coffee_feed(when))
    )
    sync_calendar_feed.delay(feed.pk).get()
    client = client_for("editor")

    page = client.get(detail_url(feed)).content.decode()
    assert "Possibly already in the agenda" in page
    assert entered.get_absolute_url() in page

    feed_server.serve(body="this is no calendar")
    sync_calendar_feed.delay(feed.pk, True).get()
    page = client.get(detail_url(feed)).content.decode()
    assert "The last import did not work." in page
    # The problem is stored untranslated and shown in the reader's language.
    assert "does not give a valid calendar (ICS) file" in page
    listing = client.get(list_url(world.organisation)).content.decode()
    assert "Not working" in listing and "does not give a valid calendar" in listing
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "geen geldig agendabestand" in client.get(detail_url(feed)).content.decode()


def test_the_feed_page_shows_what_the_last_import_left_out(world, client_for, feed_server):
    from activities.tasks import sync_calendar_feed

    when = next_thursday()
    body = ics(
        vevent("a@x", "Bingo", timed("DTSTART", when)),
        vevent("a@x", "Kaarten", timed("DTSTART", when + timedelta(hours=4))),
        vevent("b@x", "Nooit", timed("DTSTART", when), "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
        vevent("c@x", "Elk uur", timed("DTSTART", when), "RRULE:FREQ=HOURLY"),
    )
    feed = CalendarFeed.objects.create(
        organisation=world.organisation, url=feed_server.serve(body=body)
    )
    sync_calendar_feed.delay(feed.pk).get()
    client = client_for("editor")

    page = client.get(detail_url(feed)).content.decode()
    assert "Notes from the last import" in page and "Working" in page
    assert "“Bingo” and “Kaarten”. We took over only the first" in page
    assert "“Nooit” repeats on a date that never comes (such as 30 February)" in page
    assert "“Elk uur” repeats in a way we cannot take over" in page
    # Stored untranslated: each reader gets their own language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(detail_url(feed)).content.decode()
    assert "Opmerkingen bij het laatste ophalen" in page
    assert "herhaalt zich op een datum die nooit voorkomt (zoals 30 februari)" in page

    # The next import without anything to remark clears the notes.
    feed_server.serve(body=ics(vevent("a@x", "Bingo", timed("DTSTART", when))))
    sync_calendar_feed.delay(feed.pk, True).get()
    assert "Opmerkingen" not in client.get(detail_url(feed)).content.decode()


def test_fetch_now_runs_the_import(
    world, client_for, feed_server, django_capture_on_commit_callbacks
):
    feed = CalendarFeed.objects.create(
        organisation=world.organisation, url=feed_server.serve(body=coffee_feed(next_thursday()))
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("editor").post(detail_url(feed), {"action": "sync"})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.last_synced_at is not None
    assert feed.activities.count() == 1


def test_disconnecting_keeps_the_activities_and_stops_syncing(
    world, client_for, feed_server, django_capture_on_commit_callbacks
):
    from activities.tasks import sync_all_calendar_feeds

    feed = CalendarFeed.objects.create(
        organisation=world.organisation, url=feed_server.serve(body=coffee_feed(next_thursday()))
    )
    client = client_for("editor")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url(feed), {"action": "sync"})
    confirm = client.get(detail_url(feed), {"confirm": "disconnect"})
    assert "Disconnect this calendar?" in confirm.content.decode()

    response = client.post(detail_url(feed), {"action": "disconnect"})

    assert response.status_code == 302 and response.url == list_url(world.organisation)
    feed.refresh_from_db()
    assert not feed.is_active
    activity = Activity.objects.get(imported_from=feed)
    assert activity.status == Status.SUBMITTED  # stays as it was
    requests = len(feed_server.requests)
    assert sync_all_calendar_feeds.delay().get() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url(feed), {"action": "sync"})
    assert len(feed_server.requests) == requests  # not fetched any more

    # Adding the same address again connects the same calendar again.
    client.post(list_url(world.organisation), {"url": feed.url, "default_theme": Theme.OTHER})
    feed.refresh_from_db()
    assert feed.is_active and CalendarFeed.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("editor", 200),
        ("network_admin", 200),
        ("superuser", 200),
        ("coordinator", 404),
        ("volunteer", 404),
        ("resident", 404),
        ("wijkteam", 404),
        ("municipality", 404),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_who_edits_the_organisation_reaches_its_calendars(world, client_for, role, status):
    feed = CalendarFeed.objects.create(
        organisation=world.organisation, url="https://calendar.example.org/a.ics"
    )
    client = client_for(role)
    for url in (list_url(world.organisation), detail_url(feed)):
        assert client.get(url).status_code == status
    response = client.post(detail_url(feed), {"action": "disconnect"})
    assert response.status_code == (302 if status == 200 else status)
    feed.refresh_from_db()
    assert feed.is_active == (status != 200)


def test_a_calendar_of_another_organisation_is_not_found(world, client_for):
    theirs = CalendarFeed.objects.create(
        organisation=world.other_organisation, url="https://calendar.example.org/a.ics"
    )
    client = client_for("editor")
    url = reverse(
        "activities:calendar_feed", kwargs={"slug": world.organisation.slug, "pk": theirs.pk}
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "disconnect"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_the_pages_run_a_constant_number_of_queries(world, client_for):
    organisation = world.organisation
    partner = OrganisationFactory(networks=[world.network], municipality=world.municipality)
    feeds: list[CalendarFeed] = []

    def add(count: int) -> None:
        for _ in range(count):
            n = len(feeds)
            feeds.append(
                CalendarFeed.objects.create(
                    organisation=organisation, url=f"https://calendar.example.org/{n}.ics"
                )
            )
            original = make_activity(organisation=partner, title=f"Activiteit {n}")
            copy = make_activity(organisation=organisation, title=f"Activiteit {n}")
            Activity.objects.filter(pk=copy.pk).update(
                imported_from=feeds[0], external_uid=f"{n}@x", possible_duplicate_of=original
            )
            PlaceFactory(municipality=world.municipality)

    def queries() -> list[int]:
        counts = []
        for url in (list_url(organisation), detail_url(feeds[0])):
            with CaptureQueriesContext(connection) as context:
                assert client.get(url).status_code == 200
            counts.append(len(context.captured_queries))
        return counts

    client = client_for("editor")
    add(1)
    small = queries()
    add(11)
    assert queries() == small
    assert max(small) <= 12
    page = client.get(detail_url(feeds[0])).content.decode()
    assert page.count("Possibly already in the agenda") == 12
