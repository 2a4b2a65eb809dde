"""The agenda as residents browse it: by day, week and month, filtered, searched, paged,
never an error page for a strange address, and a constant number of queries."""

import re
from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst

from activities import services
from activities.models import Frequency, Occurrence, Status, TargetGroup, Theme
from activities.views.agenda import SEARCH_PAGE_SIZE
from network import public_cache
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.factories import AreaFactory, OrganisationFactory

AGENDA = reverse("activities:agenda")
WEEK = reverse("activities:agenda_week")
MONTH = reverse("activities:agenda_month")


@pytest.fixture
def en(client):
    """A client that reads the site in English, so the tests do not hang on translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def soon(days: int = 3) -> date:
    return timezone.localdate() + timedelta(days=days)


def once(world, title: str, day: date | None = None, **data):
    return make_activity(
        organisation=data.pop("organisation", world.organisation),
        title=title,
        start_date=day or soon(),
        frequency=Frequency.ONCE,
        **data,
    )


def titles(response) -> list[str]:
    """The titles of the dates listed, in order."""
    html = response.content.decode()
    return re.findall(r'class="occurrence__title"><a href="[^"]+">([^<]+)</a>', html)


def found(response) -> list[str]:
    """The activities a search lists, in order."""
    html = response.content.decode()
    return re.findall(r'class="search-result__title"><a href="[^"]+">([^<]+)</a>', html)


def items(response) -> list[str]:
    """Each listed date's card as HTML."""
    return re.findall(r'<li class="occurrence[^"]*">.*?\n</li>', response.content.decode(), re.S)


# The day list ---------------------------------------------------------------------------


def test_agenda_lists_coming_dates_under_dutch_day_headings(world, client):
    place = PlaceFactory(name="Dorpshuis De Plantage", town="Beesd")
    day = soon(4)
    once(world, "Bloemschikken", day, place=place, room=RoomFactory(place=place, name="Serre"))
    past = once(world, "Al geweest", soon(2))
    Occurrence.objects.filter(activity=past).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2)
    )
    response = client.get(AGENDA)
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("nl"):
        heading = capfirst(date_format(day, "l j F"))
    assert heading in html  # e.g. "Donderdag 19 november"
    assert titles(response) == ["Bloemschikken"]
    [card] = items(response)
    assert "10:00\u201311:30" in card
    assert "Het Klokhuis" in card
    assert "Dorpshuis De Plantage (Serre), Beesd" in card


def test_agenda_is_ordered_by_time_and_today_is_marked(world, en):
    once(world, "Later", soon(0), start_time=time(23, 58), end_time=time(23, 59))
    once(world, "Morgen", soon(1), start_time=time(9, 0), end_time=time(10, 0))
    response = en.get(AGENDA)
    assert titles(response) == ["Later", "Morgen"]
    assert 'class="badge badge--today"' in response.content.decode()


def test_drafts_and_submitted_activities_are_not_in_the_agenda(world, client):
    once(world, "Concept", status=Status.DRAFT)
    once(world, "Wacht op goedkeuring", status=Status.SUBMITTED)
    once(world, "Teruggestuurd", status=Status.RETURNED)
    once(world, "Gepubliceerd")
    assert titles(client.get(AGENDA)) == ["Gepubliceerd"]


def test_activities_of_an_inactive_organisation_are_hidden(world, client):
    gone = OrganisationFactory(is_active=False)
    once(world, "Opgeheven", organisation=gone)
    assert titles(client.get(AGENDA)) == []


def test_cancelled_activity_and_cancelled_date_stay_visible_marked(world, en):
    whole = once(world, "Fietstocht")
    services.cancel_activity(activity=whole, reason="De bus is kapot")
    series = make_activity(organisation=world.organisation, title="Koersbal", start_date=soon(1))
    first = series.occurrences.order_by("starts_at").first()
    services.cancel_occurrence(occurrence=first, reason="Zaal is bezet")
    response = en.get(AGENDA)
    cards = {re.search(r'">([^<]+)</a></h3>', card)[1]: card for card in items(response)[:5]}
    assert "badge--cancelled" in cards["Fietstocht"] and "De bus is kapot" in cards["Fietstocht"]
    cancelled_date = next(card for card in items(response) if "Zaal is bezet" in card)
    assert "badge--cancelled" in cancelled_date and "Koersbal" in cancelled_date
    # The other dates of the series are not cancelled.
    assert sum("Koersbal" in card and "badge--cancelled" not in card for card in items(response))


def test_moved_date_says_it_moved(world, en):
    series = make_activity(organisation=world.organisation, title="Koffie", start_date=soon(2))
    first = series.occurrences.order_by("starts_at").first()
    services.change_occurrence(
        occurrence=first, day=soon(3), start_time=time(14, 0), end_time=time(15, 0)
    )
    card = next(card for card in items(en.get(AGENDA)) if "14:00" in card)
    assert "badge--moved" in card
    assert date_format(soon(2), "l j F") in card


def test_co_organisers_are_shown_with_the_organiser(world, client):
    partner = OrganisationFactory(name="Zonnebloem Beesd")
    activity = once(world, "Samen koken")
    activity.co_organisers.add(partner)
    [card] = items(client.get(AGENDA))
    assert "Het Klokhuis, Zonnebloem Beesd" in card


def test_badges_free_registration_and_wheelchair(world, en):
    accessible_place = PlaceFactory(wheelchair_accessible=True)
    once(world, "Gratis en toegankelijk", place=accessible_place, registration_required=True)
    once(world, "Betaald", cost="2.50", day=soon(4))
    cards = items(en.get(AGENDA))
    assert "badge--free" in cards[0] and "badge--registration" in cards[0]
    assert "badge--wheelchair" in cards[0]
    assert "badge--free" not in cards[1] and "badge--wheelchair" not in cards[1]


# Filters ---------------------------------------------------------------------------------


def test_filter_by_theme(world, client):
    once(world, "Bingo", theme=Theme.GAMES)
    once(world, "Wandelen", theme=Theme.EXERCISE)
    once(world, "Schilderen", theme=Theme.CREATIVE)
    assert titles(client.get(AGENDA, {"theme": "games"})) == ["Bingo"]
    both = client.get(AGENDA, {"theme": ["games", "creative"]})
    assert sorted(titles(both)) == ["Bingo", "Schilderen"]


def test_filter_by_organisation_includes_co_organised(world, client):
    partner = OrganisationFactory(name="Zonnebloem", slug="zonnebloem")
    once(world, "Van het Klokhuis")
    once(world, "Van de Zonnebloem", organisation=partner)
    together = once(world, "Samen")
    together.co_organisers.add(partner)
    response = client.get(AGENDA, {"organisation": "zonnebloem"})
    assert sorted(titles(response)) == ["Samen", "Van de Zonnebloem"]


def test_filter_by_area_and_place_follows_a_changed_place(world, client):
    area = AreaFactory(municipality=world.municipality, name="Rumpt")
    here = PlaceFactory(area=area, slug="kerk-rumpt")
    elsewhere = PlaceFactory(slug="dorpshuis-beesd")
    once(world, "In Rumpt", place=here)
    once(world, "In Beesd", place=elsewhere)
    moved = once(world, "Verhuisd naar Rumpt", place=elsewhere)
    occurrence = moved.occurrences.get()
    services.change_occurrence(
        occurrence=occurrence,
        day=occurrence.original_date,
        start_time=time(10, 0),
        end_time=time(11, 0),
        place=here,
    )
    away = once(world, "Verhuisd naar Beesd", place=here)
    services.change_occurrence(
        occurrence=away.occurrences.get(),
        day=away.occurrences.get().original_date,
        start_time=time(10, 0),
        end_time=time(11, 0),
        place=elsewhere,
    )
    by_area = client.get(AGENDA, {"area": area.pk})
    assert sorted(titles(by_area)) == ["In Rumpt", "Verhuisd naar Rumpt"]
    by_place = client.get(AGENDA, {"place": "kerk-rumpt"})
    assert sorted(titles(by_place)) == ["In Rumpt", "Verhuisd naar Rumpt"]
    assert sorted(titles(client.get(AGENDA, {"place": "dorpshuis-beesd"}))) == [
        "In Beesd",
        "Verhuisd naar Beesd",
    ]


def test_filter_by_target_group(world, client):
    once(world, "Voor ouderen", target_group=TargetGroup.ELDERLY)
    once(world, "Voor kinderen", target_group=TargetGroup.CHILDREN)
    assert titles(client.get(AGENDA, {"target_group": "elderly"})) == ["Voor ouderen"]


def test_filter_free(world, client):
    once(world, "Gratis")
    once(world, "Nul euro", cost="0")
    once(world, "Kost geld", cost="3.00")
    assert sorted(titles(client.get(AGENDA, {"free": "on"}))) == ["Gratis", "Nul euro"]


def test_filter_wheelchair_by_activity_or_place(world, client):
    once(world, "Zelf toegankelijk", wheelchair_accessible=True)
    once(world, "Plaats toegankelijk", place=PlaceFactory(wheelchair_accessible=True))
    once(world, "Trap op", place=PlaceFactory(wheelchair_accessible=False))
    response = client.get(AGENDA, {"wheelchair": "on"})
    assert sorted(titles(response)) == ["Plaats toegankelijk", "Zelf toegankelijk"]


def test_search_finds_words_in_title_and_description(world, client):
    once(world, "Fietstocht langs de Linge")
    once(world, "Koffieochtend", description="Na afloop maken we een korte wandeling.")
    once(world, "Bingo")
    assert found(client.get(AGENDA, {"q": "linge"})) == ["Fietstocht langs de Linge"]
    assert found(client.get(AGENDA, {"q": "wandeling"})) == ["Koffieochtend"]
    assert found(client.get(AGENDA, {"q": "tango"})) == []


@pytest.mark.parametrize("listed", [300, 0], ids=["on a list", "in a subquery"])
def test_a_search_lists_public_activities_only_whatever_the_filters(
    world, client, monkeypatch, listed
):
    """A search reads its dates on the public activities, without the join that tests
    each date's activity (filters.filter_queryset): as a list of ids or, when there are
    many, as a subquery, they must hold no other. The calendar feed likewise."""
    monkeypatch.setattr("activities.filters.MAX_LISTED_ACTIVITIES", listed)
    hall = PlaceFactory(municipality=world.municipality, area=AreaFactory())
    for status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED):
        once(world, f"Koffie {status}", status=status, place=hall, theme=Theme.MEETING)
    once(world, "Koffie opgeheven", organisation=OrganisationFactory(is_active=False), place=hall)
    for params in [
        {"q": "koffie"},
        {"q": "koffie", "theme": "meeting", "free": "on", "area": hall.area_id},
        {"q": "koffie", "organisation": world.organisation.slug},
    ]:
        assert found(client.get(AGENDA, params)) == ["Koffie published"], params
    feed = client.get("/agenda.ics", {"theme": "meeting"}).content.decode()
    assert "Koffie published" in feed and "Koffie draft" not in feed
    assert "Koffie opgeheven" not in feed


def test_filters_combine_and_date_range(world, client):
    once(world, "Bingo vroeg", soon(2), theme=Theme.GAMES)
    once(world, "Bingo laat", soon(9), theme=Theme.GAMES)
    once(world, "Wandelen", soon(2), theme=Theme.EXERCISE)
    response = client.get(
        AGENDA, {"theme": "games", "start": soon(1).isoformat(), "end": soon(5).isoformat()}
    )
    assert titles(response) == ["Bingo vroeg"]


@pytest.fixture
def fixed_today(world, monkeypatch):
    """A daily activity for a month, then "today" fixed to a Wednesday some weeks ahead."""
    make_activity(
        organisation=world.organisation,
        title="Dagelijks",
        start_date=soon(1),
        frequency=Frequency.DAILY,
        count=40,
    )
    wednesday = soon(14)
    wednesday += timedelta(days=(2 - wednesday.weekday()) % 7)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: wednesday)
    return wednesday


@pytest.mark.parametrize(("pick", "expected"), [("today", 1), ("weekend", 2), ("week", 5)])
def test_quick_picks(fixed_today, client, pick, expected):
    response = client.get(AGENDA, {"when": pick})
    assert len(titles(response)) == expected
    headings = re.findall(r'id="dag-(\d{4}-\d\d-\d\d)"', response.content.decode())
    first = {"today": 0, "weekend": 3, "week": 0}[pick]
    assert headings[0] == (fixed_today + timedelta(days=first)).isoformat()


def test_quick_pick_links_keep_the_other_filters(world, en):
    html = en.get(AGENDA, {"theme": "games", "q": "bingo", "page": "2"}).content.decode()
    links = re.findall(r'class="chip" href="\?([^"]+)"', html)
    today = next(link for link in links if "when=today" in link)
    assert "theme=games" in today and "q=bingo" in today and "page" not in today
    assert '<a class="button button--quiet" href="/agenda/">Clear filters</a>' in html


def test_no_clear_filters_link_without_filters(world, en):
    assert "Clear filters" not in en.get(AGENDA).content.decode()


def test_links_leave_out_values_that_were_not_recognised(world, client):
    html = client.get(AGENDA, {"theme": "nonsense", "organisation": "klokhuis"}).content.decode()
    links = re.findall(r'href="([^"]*organisation=klokhuis[^"]*)"', html)
    assert len(links) >= 5  # quick picks, views, calendar, print, embed
    assert not [link for link in links if "nonsense" in link]


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "nonsense"},
        {"organisation": "bestaat-niet"},
        {"area": "abc"},
        {"area": "99999"},
        {"place": "nergens"},
        {"network": "nope"},
        {"target_group": "martians"},
        {"when": "yesterday"},
        {"start": "2026-13-45"},
        {"end": "morgen"},
        {"start": "0001-01-01"},
        {"end": "9999-12-31"},
    ],
)
def test_bad_filter_values_give_a_polite_message_and_are_ignored(world, en, params):
    once(world, "Bingo")
    response = en.get(AGENDA, params)
    assert response.status_code == 200
    assert "not recognised" in response.content.decode()
    assert titles(response) == ["Bingo"]


@pytest.mark.parametrize("page", ["999", "x", "-1"])
def test_bad_page_numbers_show_a_page(world, client, page):
    once(world, "Bingo")
    assert client.get(AGENDA, {"page": page}).status_code == 200


def test_pagination_keeps_filters_and_days_continue(world, en):
    make_activity(
        organisation=world.organisation,
        title="Elke dag",
        start_date=soon(1),
        frequency=Frequency.DAILY,
        count=35,
        theme=Theme.GAMES,
    )
    once(world, "Ander thema", theme=Theme.CREATIVE)
    first = en.get(AGENDA, {"theme": "games"})
    assert len(titles(first)) == 30
    assert "35 dates found" in first.content.decode()
    assert 'href="?theme=games&amp;page=2"' in first.content.decode()
    second = en.get(AGENDA, {"theme": "games", "page": 2})
    assert len(titles(second)) == 5
    assert set(titles(second)) == {"Elke dag"}


def test_feeds_and_take_home_links_carry_the_selection(world, client):
    html = client.get(AGENDA, {"theme": "games", "free": "on", "page": "1"}).content.decode()
    assert (
        '<link rel="alternate" type="text/calendar" href="/agenda.ics?theme=games&amp;free=on"'
        in html
    )
    assert 'type="application/rss+xml" href="/agenda/nieuw.rss"' in html
    assert 'type="application/atom+xml" href="/agenda/nieuw.atom"' in html
    assert 'href="/afdrukken/week/?theme=games&amp;free=on"' in html
    assert 'href="/afdrukken/maand/?theme=games&amp;free=on"' in html
    assert 'href="/insluiten/code/?theme=games&amp;free=on"' in html


def test_main_menu_starts_with_the_agenda(db, client):
    html = client.get(reverse("network:home")).content.decode()
    menu = html.split('class="site-nav"')[1]
    assert re.search(r"<ul>\s*<li><a href=\"/agenda/\">", menu)


# A search: each activity once ----------------------------------------------------------


def test_search_lists_each_activity_once_with_its_next_dates(world, en):
    """Searching "koffie" listed 581 dates of a village: now each activity once, soonest
    first, with its next dates."""
    weekly = make_activity(
        organisation=world.organisation, title="Koffieochtend", start_date=soon(2), count=20
    )
    make_activity(
        organisation=world.other_organisation,
        title="Koffie na de kerk",
        start_date=soon(1),
        count=3,
        theme=Theme.MEETING,
    )
    once(world, "Bingo", description="Met koffie")  # found by its description
    once(world, "Wandelen")
    services.cancel_occurrence(
        occurrence=weekly.occurrences.order_by("starts_at")[1], reason="Zaal bezet"
    )

    response = en.get(AGENDA, {"q": "koffie"})

    html = response.content.decode()
    assert found(response) == ["Koffie na de kerk", "Koffieochtend", "Bingo"]
    assert titles(response) == []  # no list of 24 separate dates
    assert "3 activities found (24 dates)" in html
    coffee = html.split(">Koffieochtend</a></h2>")[1].split('class="search-result"')[0]
    dates = coffee.split('class="search-result__all"')[0]
    assert dates.count('<li class="date-list__item') == 4
    assert dates.count("date-list__item--cancelled") == 1
    first = weekly.occurrences.order_by("starts_at").first()
    assert f'href="{first.get_absolute_url()}"' in dates
    assert f'href="?activity={weekly.slug}">All 20 dates of Koffieochtend</a>' in coffee
    # Three dates: all of them shown, no link to "all".
    church = html.split(">Koffie na de kerk</a></h2>")[1].split('class="search-result"')[0]
    assert church.count('<li class="date-list__item') == 3
    assert "dates of Koffie na de kerk" not in church


def test_all_dates_of_one_activity_keep_the_other_filters(world, en):
    weekly = make_activity(
        organisation=world.organisation, title="Koffieochtend", start_date=soon(2), count=12
    )
    once(world, "Koffie en taart")
    html = en.get(AGENDA, {"q": "koffie", "free": "on", "page": "1"}).content.decode()
    link = re.search(r'href="\?([^"]*activity=[^"]*)">All 12 dates of Koffieochtend', html)[1]
    assert link == f"free=on&amp;activity={weekly.slug}"

    response = en.get(AGENDA, {"free": "on", "activity": weekly.slug})

    assert titles(response) == ["Koffieochtend"] * 12
    assert "12 dates found" in response.content.decode()
    # The form keeps the choice when it is sent again.
    assert f'<input type="hidden" name="activity" value="{weekly.slug}"' in (
        response.content.decode()
    )
    # A draft or an unknown activity is "not recognised", never shown.
    draft = make_activity(organisation=world.organisation, title="Geheim", status=Status.DRAFT)
    refused = en.get(AGENDA, {"activity": draft.slug})
    assert "not recognised" in refused.content.decode()
    assert "Geheim" not in titles(refused)


def test_search_pages_through_activities(world, en, monkeypatch):
    monkeypatch.setattr("activities.views.agenda.SEARCH_PAGE_SIZE", 2)
    for n in range(3):
        make_activity(
            organisation=world.organisation, title=f"Koffie {n}", start_date=soon(n + 1), count=3
        )
    first = en.get(AGENDA, {"q": "koffie"})
    second = en.get(AGENDA, {"q": "koffie", "page": "2"})
    assert found(first) == ["Koffie 0", "Koffie 1"]
    assert found(second) == ["Koffie 2"]
    assert "3 activities found" in first.content.decode()
    assert 'href="?q=koffie&amp;page=2"' in first.content.decode()
    # A page past the end shows the last one, nonsense the first, with the same count.
    past = en.get(AGENDA, {"q": "koffie", "page": "99"})
    assert found(past) == ["Koffie 2"]
    assert "3 activities found" in past.content.decode()
    assert "Page 2 of 2" in past.content.decode()
    assert found(en.get(AGENDA, {"q": "koffie", "page": "x"})) == ["Koffie 0", "Koffie 1"]
    assert "0 activities found" in en.get(AGENDA, {"q": "thee", "page": "3"}).content.decode()


def test_a_search_result_shows_its_place_a_date_held_elsewhere_and_a_cancellation(world, en):
    hall = PlaceFactory(name="Dorpshuis", town="Beesd")
    church = PlaceFactory(name="Kerk", town="Rumpt")
    weekly = make_activity(
        organisation=world.organisation, title="Koffie", start_date=soon(1), place=hall, count=3
    )
    second = weekly.occurrences.order_by("starts_at")[1]
    services.change_occurrence(
        occurrence=second,
        day=second.original_date,
        start_time=time(10, 0),
        end_time=time(11, 0),
        place=church,
    )
    services.cancel_activity(activity=once(world, "Koffie en taart"), reason="Geen bakker")

    html = en.get(AGENDA, {"q": "koffie"}).content.decode()

    coffee = html.split(">Koffie</a></h2>")[1].split('<li class="search-result')[0]
    assert '<span class="occurrence__place"> · Dorpshuis, Beesd</span>' in coffee
    assert coffee.count('<span class="muted"> · Kerk</span>') == 1  # the moved date only
    cake = html.split(">Koffie en taart</a></h2>")[1]
    assert "Geen bakker" in cake.split("</li>")[0]
    assert '<li class="search-result search-result--cancelled">' in html


def test_search_results_name_active_co_organisers(world, en):
    """Beside the organiser, the co-organisers by name; one no longer active (hidden from
    residents) is not named, as in the calendar feeds."""
    together = once(world, "Koffie samen")
    together.co_organisers.add(
        OrganisationFactory(name="Zonnebloem", networks=[world.network]),
        OrganisationFactory(name="Opgeheven club", networks=[world.network], is_active=False),
        OrganisationFactory(name="Bibliotheek", networks=[world.network]),
    )
    html = en.get(AGENDA, {"q": "koffie"}).content.decode()
    organisers = html.split('class="occurrence__organisers">')[1].split("</span>")[0]
    assert organisers == f"{world.organisation.name}, Bibliotheek, Zonnebloem"


@pytest.mark.parametrize("listed", [300, 0], ids=["on a list", "in a subquery"])
def test_a_search_of_many_orders_activities_by_their_first_matching_date(
    world, en, monkeypatch, listed
):
    """More matching activities than a page: each activity's first date that meets the
    date filters orders them (views.agenda._first_dates_of_many); one whose dates are all
    past or all outside the chosen days is not listed, nor counted."""
    monkeypatch.setattr("activities.views.agenda.SEARCH_PAGE_SIZE", 2)
    monkeypatch.setattr("activities.filters.MAX_LISTED_ACTIVITIES", listed)
    make_activity(organisation=world.organisation, title="Koffie later", start_date=soon(10))
    make_activity(organisation=world.organisation, title="Koffie eerst", start_date=soon(2))
    make_activity(organisation=world.organisation, title="Koffie daarna", start_date=soon(4))
    make_activity(
        organisation=world.organisation,
        title="Koffie voorbij",
        start_date=timezone.localdate() - timedelta(days=30),
        count=2,
    )
    first = en.get(AGENDA, {"q": "koffie"})
    assert found(first) == ["Koffie eerst", "Koffie daarna"]
    assert found(en.get(AGENDA, {"q": "koffie", "page": "2"})) == ["Koffie later"]
    assert "3 activities found" in first.content.decode()
    # Days 5 to 10: the weekly "eerst" on day 9, "later" on day 10; "daarna" (days 4 and
    # 11) has no date then.
    later = {"q": "koffie", "start": soon(5).isoformat(), "end": soon(10).isoformat()}
    response = en.get(AGENDA, later)
    assert found(response) == ["Koffie eerst", "Koffie later"]
    assert "2 activities found" in response.content.decode()


def _grow_search(world, n: int) -> None:
    """n more matching activities of other organisations, each with many dates."""
    for i in range(n):
        place = PlaceFactory(municipality=world.municipality)
        activity = make_activity(
            organisation=OrganisationFactory(networks=[world.network]),
            title=f"Koffie {i}",
            start_date=soon(i % 7),
            place=place,
            room=RoomFactory(place=place),
            count=10,
        )
        activity.co_organisers.add(world.organisation)


#: A search of more activities than a page takes one query more than one of a few.
SEARCH_OF_MANY = 1


@pytest.mark.parametrize("params", [{"q": "koffie"}, {"q": "koffie", "network": "beesd"}])
def test_search_runs_a_constant_number_of_queries(
    world, client, django_assert_max_num_queries, params
):
    _grow_search(world, 2)
    client.get(AGENDA, params)  # warm up
    with django_assert_max_num_queries(14) as small:
        assert len(found(client.get(AGENDA, params))) == 2
    _grow_search(world, 25)
    # More activities than a page: their first dates and counts in a query of their own
    # (views.agenda._next_dates_of_few reads few activities' dates in one).
    with django_assert_max_num_queries(len(small.captured_queries) + SEARCH_OF_MANY):
        response = client.get(AGENDA, params)
    assert len(found(response)) == SEARCH_PAGE_SIZE  # one page of activities
    _grow_search(world, 25)
    with django_assert_max_num_queries(len(small.captured_queries) + SEARCH_OF_MANY):
        assert len(found(client.get(AGENDA, params))) == SEARCH_PAGE_SIZE


# Quick picks and the filter form ---------------------------------------------------------


def test_free_and_wheelchair_quick_picks_switch_on_and_off(world, en):
    once(world, "Gratis en toegankelijk", wheelchair_accessible=True)
    once(world, "Betaald", cost="2.50", wheelchair_accessible=True)
    once(world, "Gratis met trap")
    html = en.get(AGENDA, {"theme": "meeting", "when": "week"}).content.decode()
    pattern = r'class="chip chip--toggle" href="\?([^"]*)"( aria-current="true")?>([^<]+)</a>'
    toggles = {label: (query, on) for query, on, label in re.findall(pattern, html)}
    assert set(toggles) == {"Free", "Wheelchair accessible"}
    assert toggles["Free"] == ("theme=meeting&amp;when=week&amp;free=on", "")
    assert toggles["Wheelchair accessible"][0] == "theme=meeting&amp;when=week&amp;wheelchair=on"
    # In the same row as today / this weekend / this week.
    row = html.split('class="quick-picks"')[1].split("</nav>")[0]
    assert "when=today" in row and "free=on" in row

    response = en.get(AGENDA, {"free": "on", "wheelchair": "on", "page": "2"})
    assert titles(response) == ["Gratis en toegankelijk"]
    html = response.content.decode()
    on = re.findall(r'class="chip chip--toggle" href="\?([^"]*)" aria-current="true">', html)
    assert on == ["wheelchair=on", "free=on"]  # each link switches its own filter off
    # They have a link of their own, so the folded choices stay folded.
    assert '<details class="agenda-filters__more">' in html


@pytest.mark.parametrize("url", [WEEK, MONTH])
def test_week_and_month_have_the_free_and_wheelchair_picks(world, en, url):
    html = en.get(url, {"free": "on"}).content.decode()
    assert re.search(r'class="chip chip--toggle" href="\?" aria-current="true">Free<', html)
    assert "when=today" not in html  # a week or month has its own days


def test_target_group_has_no_second_everyone(world, en):
    html = en.get(AGENDA).content.decode()
    select = html.split('name="target_group"')[1].split("</select>")[0]
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    assert labels[0] == "No preference"
    assert [label.lower() for label in labels].count("everyone") == 1


def test_no_network_choice_when_there_is_one_network(db, en):
    from tests.factories import NetworkFactory

    network = NetworkFactory(slug="enige")
    assert 'name="network"' not in en.get(AGENDA).content.decode()
    # A network in the address still filters, and stays when the form is sent again.
    html = en.get(AGENDA, {"network": "enige"}).content.decode()
    assert '<input type="hidden" name="network" value="enige">' in html
    NetworkFactory()
    public_cache.changed(choices=True)  # what the admin does (tests/network/test_public_cache)
    assert '<select name="network"' in en.get(AGENDA, {"theme": "games"}).content.decode()
    assert network.slug == "enige"


# Week and month --------------------------------------------------------------------------


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def test_week_shows_seven_days_with_previous_and_next(world, en):
    monday = soon(14) - timedelta(days=soon(14).weekday())
    once(world, "In de week", monday + timedelta(days=2))
    once(world, "Week erna", monday + timedelta(days=7))
    response = en.get(WEEK, {"week": _iso_week(monday), "theme": "meeting"})
    html = response.content.decode()
    assert titles(response) == ["In de week"]
    assert len(re.findall(r'class="agenda-day"', html)) == 7
    assert f"Week {monday.isocalendar()[1]}" in html
    previous = _iso_week(monday - timedelta(days=7))
    following = _iso_week(monday + timedelta(days=7))
    assert f'href="?theme=meeting&amp;week={previous}" rel="prev"' in html
    assert f'href="?theme=meeting&amp;week={following}" rel="next"' in html
    # The calendar link gives exactly this week, with the filters.
    sunday = monday + timedelta(days=6)
    assert f"/agenda.ics?theme=meeting&amp;start={monday}&amp;end={sunday}" in html


def test_week_from_a_start_date(world, client):
    start = soon(10)
    once(world, "Binnen", start + timedelta(days=6))
    once(world, "Buiten", start + timedelta(days=7))
    response = client.get(WEEK, {"start": start.isoformat()})
    assert titles(response) == ["Binnen"]
    html = response.content.decode()
    assert f'href="?start={start + timedelta(days=7)}" rel="next"' in html


def test_week_defaults_to_this_week(world, client):
    once(world, "Vandaag", soon(0), start_time=time(23, 58), end_time=time(23, 59))
    response = client.get(WEEK)
    assert titles(response) == ["Vandaag"]


@pytest.mark.parametrize(
    "params",
    [
        {"week": "2026-W60"},
        {"week": "2026-W00"},
        {"week": "abc"},
        {"week": "0000-W01"},
        {"start": "2026-02-31"},
        {"start": "9999-12-31"},
    ],
)
def test_bad_week_gives_a_message_and_this_week(world, en, params):
    once(world, "Vandaag", soon(0), start_time=time(23, 58), end_time=time(23, 59))
    response = en.get(WEEK, params)
    assert response.status_code == 200
    assert "did not recognise that week" in response.content.decode()
    assert titles(response) == ["Vandaag"]


def test_month_lists_days_with_something_on(world, en):
    first = (soon(40)).replace(day=1)
    once(world, "Eerste", first + timedelta(days=2))
    once(world, "Tweede", first + timedelta(days=20))
    once(world, "Volgende maand", (first + timedelta(days=32)).replace(day=1))
    response = en.get(MONTH, {"month": f"{first:%Y-%m}"})
    html = response.content.decode()
    assert titles(response) == ["Eerste", "Tweede"]
    assert len(re.findall(r'class="agenda-day"', html)) == 2
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    assert f'href="?month={previous:%Y-%m}" rel="prev"' in html
    assert f'href="?month={following:%Y-%m}" rel="next"' in html
    assert f'href="/afdrukken/maand/?month={first:%Y-%m}"' in html


def _cells(html: str) -> list[str]:
    return re.findall(r'<td class="month-grid__day[^"]*".*?</td>', html, re.S)


def test_month_is_also_a_calendar_of_weeks(world, en):
    first = (soon(40)).replace(day=1)
    third = once(world, "Eerste", first + timedelta(days=2), start_time=time(14, 0))
    once(world, "Tweede", first + timedelta(days=19))
    cancelled = once(world, "Gaat niet door", first + timedelta(days=19))
    services.cancel_activity(activity=cancelled, reason="Ziek")

    html = en.get(MONTH, {"month": f"{first:%Y-%m}"}).content.decode()

    table = html.split('<table class="month-grid">')[1].split("</table>")[0]
    assert f"<caption>Calendar of {first:%B %Y}</caption>" in table
    headers = re.findall(r'<th scope="col"><abbr title="(\w+)">(\w+)</abbr></th>', table)
    assert headers[0] == ("Monday", "Mon") and headers[6] == ("Sunday", "Sun")
    assert len(headers) == 7
    cells = _cells(table)
    assert len(cells) % 7 == 0 and 28 <= len(cells) <= 42
    # Days of the months before and after fill the first and last week, marked.
    before = first.weekday()
    assert all("month-grid__day--other" in cell for cell in cells[:before])
    assert "month-grid__day--other" not in cells[before]
    if before:
        previous = first - timedelta(days=1)
        assert f"{previous.day} {previous:%b}".lower() in cells[before - 1].lower()
    # Each day with its date, and its activities as links to the date's page.
    day3 = cells[before + 2]
    assert f'datetime="{first + timedelta(days=2)}">3</time>' in day3
    assert f'href="{third.occurrences.get().get_absolute_url()}"' in day3
    assert "14:00</span> Eerste</a>" in day3
    day20 = cells[before + 19]
    assert "Tweede" in day20 and "month-grid__cancelled" in day20
    assert "aria-current" not in table  # today lies in another month
    # The list of days is still there, for phones (the style sheet shows one of the two).
    days_list = html.split('<div class="month-days">')[1]
    assert titles(en.get(MONTH, {"month": f"{first:%Y-%m}"}))[0] == "Eerste"
    assert 'class="agenda-day"' in days_list


def test_month_calendar_marks_today(world, en):
    today = timezone.localdate()
    once(world, "Vandaag", today, start_time=time(23, 58), end_time=time(23, 59))
    html = en.get(MONTH).content.decode()
    [today_cell] = [cell for cell in _cells(html) if 'aria-current="date"' in cell]
    assert f'datetime="{today}"' in today_cell
    assert "badge--today" in today_cell and "Vandaag" in today_cell


def test_a_paged_month_has_no_calendar(world, client, monkeypatch):
    monkeypatch.setattr("activities.views.agenda.PERIOD_PAGE_SIZE", 2)
    first = soon(40).replace(day=1)
    for n in range(3):
        once(world, f"Dag {n}", first + timedelta(days=n))
    html = client.get(MONTH, {"month": f"{first:%Y-%m}"}).content.decode()
    assert "month-grid" not in html
    assert len(titles(client.get(MONTH, {"month": f"{first:%Y-%m}", "page": "2"}))) == 1


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "abc", "0000-01", "2026-1-1"])
def test_bad_month_gives_a_message_and_this_month(world, en, month):
    once(world, "Vandaag", soon(0), start_time=time(23, 58), end_time=time(23, 59))
    response = en.get(MONTH, {"month": month})
    assert response.status_code == 200
    assert "did not recognise that month" in response.content.decode()
    assert titles(response) == ["Vandaag"]


def test_a_very_full_week_is_paged(world, client, monkeypatch):
    monkeypatch.setattr("activities.views.agenda.PERIOD_PAGE_SIZE", 4)
    monday = soon(14) - timedelta(days=soon(14).weekday())
    make_activity(
        organisation=world.organisation,
        title="Elke dag",
        start_date=monday,
        frequency=Frequency.DAILY,
        count=7,
    )
    week = {"week": _iso_week(monday)}
    first, second = client.get(WEEK, week), client.get(WEEK, {**week, "page": 2})
    assert len(titles(first)) == 4 and len(titles(second)) == 3
    # Counted up to one page: beyond it the page says "more than" (not a wrong number).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "More than 4 dates this week" in " ".join(
        client.get(WEEK, week).content.decode().split()
    )
    # Paged, a week shows the days on this page only, not seven "nothing planned" days.
    assert len(re.findall(r'class="agenda-day"', second.content.decode())) == 3
    assert f"week={_iso_week(monday)}&amp;page=2" in first.content.decode()


def test_bad_filter_on_week_page_is_reported(world, en):
    response = en.get(WEEK, {"theme": "nonsense"})
    assert response.status_code == 200
    assert "not recognised" in response.content.decode()


# Constant queries -------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    """n more activities, each with a place, a room and a co-organiser, weekly."""
    for i in range(n):
        place = PlaceFactory(area=AreaFactory(municipality=world.municipality))
        partner = OrganisationFactory(networks=[world.network])
        activity = make_activity(
            organisation=OrganisationFactory(networks=[world.network]),
            title=f"Activiteit {i}",
            start_date=soon(i % 6),
            place=place,
            room=RoomFactory(place=place),
            wheelchair_accessible=bool(i % 2),
        )
        activity.co_organisers.add(partner, world.organisation)


AGENDA_PAGES = {
    "day": lambda: AGENDA,
    "day-filtered": lambda: AGENDA + "?organisation=klokhuis&q=activiteit&free=on",
    "week": lambda: WEEK,
    # The week of tomorrow: on a Sunday this week holds no accessible date of _grow's.
    "week-filtered": lambda: WEEK + f"?network=beesd&wheelchair=on&week={_iso_week(soon(1))}",
    "month": lambda: MONTH,
}


@pytest.mark.parametrize("page", sorted(AGENDA_PAGES))
def test_agenda_pages_run_constant_queries(world, client, django_assert_max_num_queries, page):
    url = AGENDA_PAGES[page]()
    _grow(world, 3)
    client.get(url)  # warm up
    cache.clear()  # every card written anew: the most queries a page makes
    with django_assert_max_num_queries(13) as small:
        assert client.get(url).status_code == 200
    _grow(world, 40)
    cache.clear()
    extra = SEARCH_OF_MANY if "q=" in url else 0
    with django_assert_max_num_queries(len(small.captured_queries) + extra):
        response = client.get(url)
    assert response.status_code == 200
    assert titles(response) or found(response)
