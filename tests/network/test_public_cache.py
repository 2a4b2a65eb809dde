"""Public pages from the cache: served without touching the database, answered 304 before
anything is built, never to or from signed-in people, and never stale after a write: after
every kind of write the next request shows it."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import places, registrations, services
from activities.importing.services import sync_feed
from activities.models import CalendarFeed
from network import public_cache
from network import services as network_services
from tests.activities.factories import PlaceFactory, make_activity
from tests.activities.ics_server import ics, running_server, timed, vevent


@pytest.fixture
def coffee(world):
    hall = PlaceFactory(name="Dorpshuis De Schakel", municipality=world.municipality)
    return make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        place=hall,
        registration_required=True,
        capacity=4,
    )


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, len(captured.captured_queries)


def test_the_second_visit_is_served_from_the_cache_without_the_database(world, coffee):
    client = Client()
    url = reverse("activities:agenda")
    first, built = queries(client, url)
    second, served = queries(client, url)
    assert first.status_code == second.status_code == 200
    assert built > 3 and served == 0
    assert second.content == first.content or "Koffieochtend" in second.content.decode()
    # No cookie for anonymous visitors: a proxy may share the page, and so do we.
    assert not first.cookies and not second.cookies
    assert {part.strip() for part in second["Vary"].split(",")} <= {"Cookie", "Accept-Encoding"}
    assert second["ETag"]


def test_a_conditional_request_is_answered_before_anything_is_built(world, coffee):
    client = Client()
    url = coffee.get_absolute_url()
    etag = client.get(url)["ETag"]
    response, used = queries(client, url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and used == 0 and response.content == b""
    # After a change the old version no longer matches: the page is sent again.
    services.update_activity(activity=coffee, data={"title": "Koffie-inloop"})
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Koffie-inloop" in response.content.decode()


def test_pages_are_sent_compressed_to_who_accepts_it(world, coffee):
    client = Client()
    url = reverse("activities:agenda_ics")
    client.get(url)
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    plain = client.get(url)
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert not plain.has_header("Content-Encoding")
    assert plain.content.startswith(b"BEGIN:VCALENDAR")
    assert len(zipped.content) < len(plain.content)


def test_a_process_serves_its_recent_pages_without_reading_their_body_again(
    world, coffee, monkeypatch
):
    client = Client()
    url = reverse("activities:agenda_ics")
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    read: list[str] = []
    get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *args: read.append(key) or get(key, *args))
    again, used = queries(client, url, HTTP_ACCEPT_ENCODING="gzip")
    assert used == 0 and again.content == first.content
    assert read == [public_cache.VERSION_KEY]  # the version only, not the body
    # A write changes the version, so the process's copy is never served after it.
    services.update_activity(activity=coffee, data={"title": "Koffie-inloop"})
    assert b"Koffie-inloop" in client.get(url).content


def test_recent_entries_stay_within_their_bytes():
    recent = public_cache.RecentEntries(limit=100)
    for name in "abcd":
        recent.put(name, {"body": b"x" * 20})
    assert recent.get("a")  # now the most recently served
    recent.put("e", {"body": b"x" * 20})
    recent.put("f", {"body": b"x" * 20})  # 120 bytes: the least recently served goes
    assert recent.get("b") is None
    assert all(recent.get(name) for name in "acdef")
    recent.put("huge", {"body": b"x" * 26})  # over a quarter of the limit: not kept
    assert recent.get("huge") is None


def test_signed_in_people_never_get_or_leave_a_cached_page(world, coffee, client_for):
    anonymous = Client()
    url = reverse("activities:agenda")
    anonymous.get(url)
    editor = client_for("editor")
    page = editor.get(url).content.decode()
    assert "Uitloggen" in page  # their own header, not the cached anonymous one
    assert "Uitloggen" not in anonymous.get(url).content.decode()


def test_a_cache_that_is_down_never_breaks_a_page(world, coffee, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is away")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    response = Client().get(reverse("activities:agenda"))
    assert response.status_code == 200 and "Koffieochtend" in response.content.decode()


def test_the_clock_moves_pages_on_even_without_writes(world, coffee, monkeypatch):
    client = Client()
    url = reverse("activities:agenda")
    client.get(url)
    later = timezone.now() + timedelta(seconds=public_cache.SLOT_SECONDS)
    monkeypatch.setattr(public_cache.timezone, "now", lambda: later)
    _response, used = queries(client, url)
    assert used > 0  # a new time slot: built again


# After each kind of write, the next anonymous request shows it -----------------------------


def _publish(world, coffee):
    make_activity(organisation=world.organisation, title="Nieuw: Sjoelen")
    return reverse("activities:agenda"), "Nieuw: Sjoelen"


def _edit(world, coffee):
    services.update_activity(activity=coffee, data={"title": "Koffie en taart"})
    return reverse("activities:agenda"), "Koffie en taart"


def _move(world, coffee):
    occurrence = coffee.occurrences.order_by("starts_at").first()
    services.change_occurrence(
        occurrence=occurrence,
        day=occurrence.original_date,
        start_time=time(14, 45),
        end_time=time(15, 30),
    )
    return occurrence.get_absolute_url(), "14:45"


def _cancel(world, coffee):
    occurrence = coffee.occurrences.order_by("starts_at").first()
    services.cancel_occurrence(occurrence=occurrence, reason="De verwarming is kapot")
    return reverse("activities:agenda"), "De verwarming is kapot"


def _moderate(world, coffee):
    waiting = make_activity(
        organisation=world.organisation, title="Wacht op ja", status="submitted"
    )
    services.approve_activity(activity=waiting)
    return reverse("activities:agenda"), "Wacht op ja"


def _place(world, coffee):
    places.update_place(place=coffee.place, data={"name": "Dorpshuis De Nieuwe Schakel"})
    return reverse("activities:agenda"), "De Nieuwe Schakel"


def _organisation(world, coffee):
    network_services.update_organisation(
        organisation=world.organisation, data={"name": "Buurthuis Het Klokhuis"}
    )
    return coffee.get_absolute_url(), "Buurthuis Het Klokhuis"


def _registration(world, coffee):
    occurrence = coffee.occurrences.order_by("starts_at").first()
    registrations.register_for_occurrence(
        occurrence=occurrence, name="Truus", email="", phone="0612345678", party_size=3
    )
    return occurrence.get_absolute_url(), "1 place left"


def _import(world, coffee):
    day = timezone.localdate() + timedelta(days=9)
    url = _server.serve(body=ics(vevent("quiz@x", "Pubquiz uit de agenda", timed("DTSTART", day))))
    world.organisation.is_trusted = True
    world.organisation.save()
    sync_feed(feed=CalendarFeed.objects.create(organisation=world.organisation, url=url))
    return reverse("activities:agenda"), "Pubquiz uit de agenda"


WRITES = {
    "publish": _publish,
    "edit": _edit,
    "move": _move,
    "cancel": _cancel,
    "moderation": _moderate,
    "place": _place,
    "organisation": _organisation,
    "registration": _registration,
    "import": _import,
}
_server = None


@pytest.fixture
def feed_server(settings):
    global _server
    for server in running_server(settings):
        _server = server
        yield server
    _server = None


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_after_each_kind_of_write_the_next_request_shows_it(world, coffee, feed_server, kind):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages = [
        reverse("activities:agenda"),
        coffee.get_absolute_url(),
        coffee.occurrences.order_by("starts_at").first().get_absolute_url(),
    ]
    for url in pages:  # everything in the cache
        client.get(url)
        assert queries(client, url)[1] == 0
    url, expected = WRITES[kind](world, coffee)
    assert url in pages
    assert expected in " ".join(client.get(url).content.decode().split()), kind


def test_printing_never_takes_every_worker(world, coffee):
    """Two PDFs may be laid out at once; a third visitor hears to try again in a minute,
    unless the PDF is in the cache already (that costs no slot)."""
    cache.set("busy:print", 2, 600)  # two PDFs are being laid out right now
    url = reverse("activities:print_week")
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = visitor.get(url)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "Please try again in a minute" in response.content.decode()
    cache.set("busy:print", 0, 600)
    first = Client().get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert cache.get("busy:print") == 0  # the slot is given back
    cache.set("busy:print", 2, 600)
    again = Client().get(url)  # from the cache: no slot needed
    assert again.status_code == 200 and again.content == first.content


def test_a_network_renamed_in_the_admin_shows_on_the_next_page(world, client):
    """The admin writes without the services: it renews the cache itself (ChangesPublicPages)."""
    page = reverse("network:network_detail", kwargs={"slug": world.network.slug})
    assert world.network.name in Client().get(page).content.decode()
    client.force_login(world.users["superuser"])
    change = reverse("admin:network_network_change", args=[world.network.pk])
    form = client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(name="Dorp in beweging", areas=[area.pk for area in data.get("areas", [])])
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "Dorp in beweging" in Client().get(page).content.decode()
