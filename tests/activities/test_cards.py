"""Agenda cards are kept in the cache between writes (activities.cards.page_cards): a write
renews exactly the cards it changes, whatever it changed (the date, its activity, the
organisers, the place), in every language, on the day list and in the month's grid."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import places, services
from network import public_cache
from network import services as network_services
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import OrganisationFactory

TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.fixture
def coffee(world):
    hall = PlaceFactory(name="Dorpshuis De Schakel", municipality=world.municipality)
    return make_activity(
        organisation=world.organisation, title="Koffieochtend", place=hall, start_date=TOMORROW
    )


def pages() -> list[str]:
    """The week and the month of the coffee morning's first date (the month with its grid)."""
    return [
        reverse("activities:agenda_week") + f"?week={TOMORROW:%G-W%V}",
        reverse("activities:agenda_month") + f"?month={TOMORROW:%Y-%m}",
    ]


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text(response) -> str:
    return " ".join(response.content.decode().split())


def first_date(activity):
    return activity.occurrences.order_by("starts_at").first()


def _title(world, coffee):
    services.update_activity(activity=coffee, data={"title": "Koffie en taart"})
    return "Koffie en taart"


def _co_organiser(world, coffee):
    partner = OrganisationFactory(name="Zonnebloem Beesd", networks=[world.network])
    services.update_activity(activity=coffee, data={}, co_organisers=[partner])
    return "Het Klokhuis, Zonnebloem Beesd"


def _move(world, coffee):
    occurrence = first_date(coffee)
    services.change_occurrence(
        occurrence=occurrence,
        day=occurrence.original_date,
        start_time=time(14, 45),
        end_time=time(15, 30),
    )
    return "14:45"


def _cancel_date(world, coffee):
    services.cancel_occurrence(occurrence=first_date(coffee), reason="De verwarming is kapot")
    return "De verwarming is kapot"


def _restore_date(world, coffee):
    occurrence = first_date(coffee)
    services.cancel_occurrence(occurrence=occurrence, reason="Eerst afgelast")
    public_cache.changed()
    for url in pages():
        assert "Eerst afgelast" in text(english().get(url))
    services.restore_occurrence(occurrence=first_date(coffee))
    return "!Eerst afgelast"


def _cancel_activity(world, coffee):
    services.cancel_activity(activity=coffee, reason="Het seizoen is voorbij")
    return "Het seizoen is voorbij"


def _place(world, coffee):
    places.update_place(place=coffee.place, data={"name": "Dorpshuis De Nieuwe Schakel"})
    return "De Nieuwe Schakel"


def _organisation(world, coffee):
    network_services.update_organisation(
        organisation=world.organisation, data={"name": "Buurthuis Het Klokhuis"}
    )
    return "Buurthuis Het Klokhuis"


CARD_WRITES = {
    "title": _title,
    "co-organiser": _co_organiser,
    "move": _move,
    "cancel a date": _cancel_date,
    "restore a date": _restore_date,
    "cancel the activity": _cancel_activity,
    "place": _place,
    "organisation": _organisation,
}


@pytest.mark.parametrize("kind", sorted(CARD_WRITES))
def test_after_each_kind_of_write_the_card_shows_it(world, coffee, kind):
    for url in pages():  # every card in the cache
        english().get(url)
    expected = CARD_WRITES[kind](world, coffee)
    for url in pages():
        page = text(english().get(url))
        if expected.startswith("!"):
            assert expected[1:] not in page, (kind, url)
        else:
            assert expected in page, (kind, url)


def test_the_month_grid_shows_a_changed_title_too(world, coffee):
    month = pages()[1]
    english().get(month)
    services.update_activity(activity=coffee, data={"title": "Koffie en taart"})
    html = english().get(month).content.decode()
    grid = html[html.index('class="month-grid"') : html.index("</table>")]
    assert "Koffie en taart" in grid and "Koffieochtend" not in grid


def test_cards_are_written_in_the_reader_s_language(world, coffee):
    week = pages()[0]
    english().get(week)
    dutch = Client()
    dutch.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    services.update_activity(activity=coffee, data={"registration_required": True})
    assert 'badge--registration">Registration needed<' in english().get(week).content.decode()
    assert 'badge--registration">Aanmelden nodig<' in dutch.get(week).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_an_unrelated_write_reuses_the_kept_cards(world, coffee):
    """After a write the page is built again, but its cards come from the cache: the dates
    are not read whole (two queries fewer) and the page is the same."""
    week = pages()[0]
    client = english()
    first = client.get(week).content
    written = _queries(client, week)  # the page itself was kept: no queries
    assert written == 0
    public_cache.changed()  # any write elsewhere
    with CaptureQueriesContext(connection) as captured:
        again = client.get(week).content
    assert again == first
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "activities_place" not in sql  # no date read whole


def test_a_cache_that_is_down_still_shows_every_card(world, coffee, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("activities.fragments.cache.get_many", down)
    monkeypatch.setattr("activities.fragments.cache.set_many", down)
    response = english().get(pages()[0])
    assert response.status_code == 200
    assert "Koffieochtend" in text(response)
