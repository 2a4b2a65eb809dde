"""One rule per question: every page that answers it agrees, because one function decides.

Places left (date page, registration page, the editor's list of dates), which week or
month an address means and which years are allowed (agenda pages, print, filters), and the
accessibility facts of a date (agenda card, detail page, poster, moderation).
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from activities import printing, services
from activities.models import Registration, Status
from network.models import Network
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import NetworkFactory, OrganisationFactory


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def words(response) -> str:
    return " ".join(response.content.decode().split())


# Places left --------------------------------------------------------------------------------


def test_every_page_agrees_on_the_places_left(world, english, client_for):
    """10 places, 8 taken, a party of 4 waiting: a party of 2 still fits, so 2 are left."""
    activity = make_activity(
        organisation=world.organisation,
        title="Busreisje",
        registration_required=True,
        capacity=10,
    )
    occurrence = activity.occurrences.order_by("starts_at").first()
    Registration.objects.create(
        occurrence=occurrence, name="A", phone="0611", party_size=5, status="confirmed"
    )
    Registration.objects.create(
        occurrence=occurrence, name="B", phone="0612", party_size=3, status="confirmed"
    )
    Registration.objects.create(
        occurrence=occurrence, name="C", phone="0613", party_size=4, status="waiting"
    )

    detail = words(english.get(occurrence.get_absolute_url()))
    assert "2 places left." in detail
    assert "Register for this date" in detail and "Join the waiting list" not in detail
    register = words(
        english.get(reverse("activities:register", args=[activity.slug, occurrence.original_date]))
    )
    assert "There are 2 places left." in register
    editor = client_for("editor")
    editor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    dates = words(editor.get(reverse("activities:occurrence_list", args=[activity.slug])))
    assert "8 / 10 (+4 waiting)" in dates
    # And the rule itself: a party of 2 gets a place, not the waiting list.
    english.post(
        reverse("activities:register", args=[activity.slug, occurrence.original_date]),
        {"name": "D", "phone": "0612345678", "party_size": 2},
    )
    assert Registration.objects.get(name="D").status == "confirmed"
    assert "Join the waiting list" in words(english.get(occurrence.get_absolute_url()))


# Periods and years --------------------------------------------------------------------------


WEEK_NOTICE = "We did not recognise that week, so this is the current week."
MONTH_NOTICE = "We did not recognise that month, so this is the current month."


@pytest.mark.parametrize(
    ("params", "recognised"),
    [
        ({"week": "2026-W99"}, False),
        ({"week": "1999-W10"}, False),  # before the first year any page accepts
        ({"start": "2101-01-04"}, False),  # after the last
        ({"start": "2026-02-31"}, False),
        ({"week": "2000-W10"}, True),
        ({"start": "2100-06-07"}, True),
    ],
)
def test_agenda_week_and_its_print_read_an_address_alike(
    world, english, printed, params, recognised
):
    page = words(english.get(reverse("activities:agenda_week"), params))
    response = english.get(reverse("activities:print_week"), params)
    assert response.status_code == 200
    assert (WEEK_NOTICE in page) is not recognised
    assert (WEEK_NOTICE in " ".join(printed[-1].split())) is not recognised


@pytest.mark.parametrize(
    ("month", "recognised"), [("1999-12", False), ("2026-13", False), ("2100-12", True)]
)
def test_agenda_month_and_its_print_read_an_address_alike(
    world, english, printed, month, recognised
):
    page = words(english.get(reverse("activities:agenda_month"), {"month": month}))
    english.get(reverse("activities:print_month"), {"month": month})
    assert (MONTH_NOTICE in page) is not recognised
    assert (MONTH_NOTICE in " ".join(printed[-1].split())) is not recognised


@pytest.mark.parametrize(
    ("day", "accepted"),
    [("1999-12-31", False), ("2000-01-01", True), ("2100-12-31", True), ("2101-01-01", False)],
)
def test_the_date_filters_accept_the_same_years_as_the_pages(world, english, day, accepted):
    page = words(english.get(reverse("activities:agenda"), {"start": day}))
    assert ("Choose a date between 2000 and 2100." in page) is not accepted


def test_the_agenda_and_its_print_show_the_same_dates(world, english, printed):
    monday = (
        timezone.localdate() - timedelta(days=timezone.localdate().weekday()) + timedelta(weeks=1)
    )
    make_activity(
        organisation=world.organisation, title="Ochtendgym", theme="exercise", start_date=monday
    )
    make_activity(organisation=world.organisation, title="Bingo", theme="games", start_date=monday)
    draft = make_activity(
        organisation=world.organisation,
        title="Geheim",
        theme="exercise",
        start_date=monday,
        status=Status.DRAFT,
    )
    params = {
        "week": f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}",
        "theme": "exercise",
    }
    page = english.get(reverse("activities:agenda_week"), params).content.decode()
    english.get(reverse("activities:print_week"), params)
    for html in (page, printed[-1]):
        assert "Ochtendgym" in html and "Bingo" not in html and draft.title not in html


# Accessibility facts ------------------------------------------------------------------------


def test_every_page_lists_the_same_accessibility_facts(world, english, client_for):
    """The place brings wheelchair access, a toilet and a loop; the activity sign language."""
    hall = PlaceFactory(
        name="Dorpshuis De Schakel",
        municipality=world.municipality,
        wheelchair_accessible=True,
        accessible_toilet=True,
        hearing_loop=True,
    )
    activity = make_activity(
        organisation=world.organisation,
        title="Voorleesmiddag",
        place=hall,
        sign_language=True,
        status=Status.SUBMITTED,
    )
    facts = ["Wheelchair accessible", "Accessible toilet", "Hearing loop", "Sign language"]
    admin = client_for("network_admin")
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    moderation = words(
        admin.get(reverse("activities:moderation_review", args=["beesd", activity.slug]))
    )
    services.approve_activity(activity=activity)
    occurrence = activity.occurrences.order_by("starts_at").first()
    card = words(english.get(reverse("activities:agenda")))
    detail = words(english.get(occurrence.get_absolute_url()))
    poster = printing.poster_context(activity)["good_to_know"]
    for fact in facts:
        assert fact in card and fact in detail and fact in moderation, fact
    assert poster == facts
    assert "Low-stimulus" not in card + detail + moderation


# Attribution --------------------------------------------------------------------------------


def test_an_activity_counts_in_the_network_its_organisation_joined_first(world):
    later = NetworkFactory(name="Later voor elkaar", municipality=world.municipality)
    organisation = OrganisationFactory(is_trusted=True, municipality=world.municipality)
    organisation.networks.add(world.network)
    organisation.networks.add(later)
    activity = make_activity(organisation=organisation, title="Gedeeld")
    assert activity.home_network == world.network
    # Shown in both networks' agendas, counted in one.
    assert set(Network.objects.filter(organisations=organisation)) == {world.network, later}
    assert list(Network.objects.filter(home_activities=activity)) == [world.network]
    lone = make_activity(organisation=OrganisationFactory(is_trusted=True), title="Los")
    assert lone.home_network is None
