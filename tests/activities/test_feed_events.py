"""Calendar events are kept in the cache between writes (activities.views.feeds._events):
after every kind of write a feed shows it, in every language, and a write elsewhere reuses
the kept events instead of reading the dates whole."""

import gzip
from datetime import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from activities import gzip_pieces
from network import public_cache
from tests.activities.factories import make_activity
from tests.activities.test_cards import CARD_WRITES, coffee  # noqa: F401 (a fixture)


def feed(world, lang: str = "en") -> list:
    url = reverse("activities:network_ics", args=[world.network.slug])
    response = Client().get(url, {"lang": lang})
    assert response.status_code == 200
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def _text(event, name: str) -> str:
    return str(event.get(name, ""))


def _organiser(event) -> str:
    return str(event["ORGANIZER"].params["CN"])


#: What the feed shows after each write of test_cards.CARD_WRITES, on some event.
SHOWN = {
    "title": lambda event: _text(event, "SUMMARY") == "Koffie en taart",
    "co-organiser": lambda event: "Zonnebloem Beesd" in _text(event, "DESCRIPTION"),
    "move": lambda event: timezone.localtime(event["DTSTART"].dt).time() == time(14, 45),
    "cancel a date": lambda event: (
        "De verwarming is kapot" in _text(event, "DESCRIPTION")
        and _text(event, "STATUS") == "CANCELLED"
    ),
    "cancel the activity": lambda event: "Het seizoen is voorbij" in _text(event, "DESCRIPTION"),
    "place": lambda event: "De Nieuwe Schakel" in _text(event, "LOCATION"),
    "organisation": lambda event: _organiser(event) == "Buurthuis Het Klokhuis",
}


@pytest.mark.parametrize("kind", sorted(CARD_WRITES))
def test_after_each_kind_of_write_the_feed_shows_it(world, coffee, kind):  # noqa: F811
    assert feed(world)  # every event in the cache
    CARD_WRITES[kind](world, coffee)
    events = feed(world)
    if kind == "restore a date":
        assert all(_text(event, "STATUS") == "CONFIRMED" for event in events)
        assert not any("Eerst afgelast" in _text(event, "DESCRIPTION") for event in events)
    else:
        assert any(SHOWN[kind](event) for event in events), kind


def test_events_are_written_in_the_feed_s_language(world, coffee):  # noqa: F811
    feed(world, "en")
    feed(world, "nl")
    public_cache.changed()
    assert "Organised by Het Klokhuis." in _text(feed(world, "en")[0], "DESCRIPTION")
    assert "Georganiseerd door Het Klokhuis." in _text(feed(world, "nl")[0], "DESCRIPTION")


def test_a_write_elsewhere_reuses_the_kept_events(world, coffee):  # noqa: F811
    """The feed is built again but its events come from the cache: the same document,
    without reading any date, activity or place whole."""
    url = reverse("activities:network_ics", args=[world.network.slug])
    client = Client()
    first = client.get(url).content
    public_cache.changed()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url).content
    assert again == first
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "activities_place" not in sql
    assert '"activities_activity"."description"' not in sql


def test_a_changed_activity_renews_only_its_own_events(world, coffee):  # noqa: F811
    """Another activity's events are not written again when one activity changes."""
    make_activity(organisation=world.organisation, title="Breiclub", start_date=coffee.start_date)
    assert feed(world)
    CARD_WRITES["title"](world, coffee)
    url = reverse("activities:network_ics", args=[world.network.slug])
    with CaptureQueriesContext(connection) as captured:
        Client().get(url, {"lang": "en"})
    read_whole = [
        query["sql"]
        for query in captured.captured_queries
        if '"activities_activity"."description"' in query["sql"]
    ]
    assert len(read_whole) == 1
    assert f"({coffee.pk})" in read_whole[0].replace(" ", "")


def test_a_cache_that_is_down_still_gives_every_event(world, coffee, monkeypatch):  # noqa: F811
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("activities.fragments.cache.get_many", down)
    monkeypatch.setattr("activities.fragments.cache.set_many", down)
    events = feed(world)
    assert len(events) == coffee.occurrences.count()
    assert all(_text(event, "SUMMARY") == "Koffieochtend" for event in events)


def test_a_feed_is_sent_gzipped_as_kept_and_as_text_to_who_does_not_take_gzip(
    world,
    coffee,  # noqa: F811
    client_for,
):
    """The kept pieces are joined into one gzip file; a client that takes no gzip gets the
    same text; the ETag follows what the feed holds, also from the page cache."""
    url = reverse("activities:network_ics", args=[world.network.slug])
    for client in (Client(), client_for("volunteer")):  # through the page cache, and not
        plain = client.get(url)
        zipped = client.get(url, headers={"accept-encoding": "gzip, deflate"})
        assert "Content-Encoding" not in plain
        assert zipped["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in zipped["Vary"]
        assert gzip.decompress(zipped.content) == plain.content
        assert b"Koffieochtend" in plain.content
        again = client.get(url, headers={"if-none-match": plain["ETag"]})
        assert again.status_code == 304
    etag = Client().get(url)["ETag"]
    CARD_WRITES["title"](world, coffee)
    changed = Client().get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200 and b"Koffie en taart" in changed.content


def test_pieces_compressed_one_at_a_time_make_one_gzip_file():
    texts = [b"", b"BEGIN:VEVENT\r\n" * 10, bytes(range(256)) * 400, "één €".encode() * 9000]
    document = gzip_pieces.gzip_file(gzip_pieces.compress(text) for text in texts)
    assert gzip.decompress(document) == b"".join(texts)
    assert gzip.decompress(gzip_pieces.gzip_file([])) == b""


def test_runs_of_activities_are_kept_compressed_apart(world, coffee, monkeypatch):  # noqa: F811
    """With one date per run, every activity is a run of its own: a changed activity
    renews its run only, and the runs make one gzip file with the same text."""
    monkeypatch.setattr("activities.views.feeds.CHUNK_DATES", 1)
    make_activity(organisation=world.organisation, title="Breiclub", start_date=coffee.start_date)
    url = reverse("activities:network_ics", args=[world.network.slug])
    assert feed(world)  # every run in the cache
    CARD_WRITES["title"](world, coffee)
    with CaptureQueriesContext(connection) as captured:
        zipped = Client().get(url, {"lang": "en"}, headers={"accept-encoding": "gzip"})
    read_whole = [
        query["sql"]
        for query in captured.captured_queries
        if '"activities_activity"."description"' in query["sql"]
    ]
    assert len(read_whole) == 1 and f"({coffee.pk})" in read_whole[0].replace(" ", "")
    text = gzip.decompress(zipped.content)
    assert b"SUMMARY:Koffie en taart" in text and b"SUMMARY:Breiclub" in text
