"""The page of an activity and of one of its dates: everything a resident needs to decide
to come, structured data for search engines and sharing, and who may see drafts."""

import json
import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Frequency, Registration, Status
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def en(client):
    """A client that reads the site in English, so the tests do not hang on translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def soon(days: int = 3):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def coffee(world):
    """A weekly coffee morning with a place, a room, a co-organiser, a cost and a contact."""
    place = PlaceFactory(
        name="Dorpshuis De Plantage",
        address="Plantage 2",
        postcode="4153 AB",
        town="Beesd",
        hearing_loop=True,
        accessible_toilet=True,
    )
    activity = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        description="Gezellig samen koffie drinken.",
        start_date=soon(2),
        place=place,
        room=RoomFactory(place=place, name="Grote zaal"),
        cost="2.50",
        cost_note="koffie inbegrepen",
        contact_name="Ans de Vries",
        contact_phone="0345 123 456",
        contact_email="ans@example.org",
        wheelchair_accessible=True,
        registration_required=True,
        capacity=10,
        count=8,
    )
    activity.co_organisers.add(OrganisationFactory(name="Zonnebloem Beesd"))
    return activity


def ld_json(response) -> dict:
    [text] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(text)


def og(response, name: str) -> str | None:
    match = re.search(rf'<meta property="og:{name}" content="([^"]*)">', response.content.decode())
    return match[1] if match else None


OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")


# The activity page ---------------------------------------------------------------------------


def test_activity_page_shows_what_a_resident_needs(coffee, en):
    response = en.get(coffee.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Koffieochtend</h1>" in html
    assert "Gezellig samen koffie drinken." in html
    assert "Every " in html and "10:00–11:30" in html
    # Every organiser, linked.
    assert 'href="/organisaties/klokhuis/">Het Klokhuis</a>' in html
    assert ">Zonnebloem Beesd</a>" in html
    # Where, with a plain map link and no embedded map.
    assert "Dorpshuis De Plantage" in html and "Grote zaal" in html
    assert "Plantage 2, 4153 AB Beesd" in html
    assert (
        'href="https://www.openstreetmap.org/search?query=Plantage%202%2C%204153%20AB%20Beesd"'
        in html
    )
    assert "<iframe" not in html
    # Cost, registration, contact, accessibility of activity and place.
    assert "€ 2.50" in html and "koffie inbegrepen" in html
    assert "Registration needed" in html
    assert "Ans de Vries" in html and 'href="tel:0345123456"' in html
    assert 'href="mailto:ans@example.org"' in html
    for fact in ("Wheelchair accessible", "Hearing loop", "Accessible toilet"):
        assert fact in html
    # Take it home.
    assert f'href="/activiteiten/{coffee.slug}/agenda.ics"' in html
    assert f'href="/activiteiten/{coffee.slug}/poster.pdf"' in html
    assert "/bewerken/" not in html  # no edit link for a visitor


def test_activity_page_lists_next_dates_with_cancelled_ones_marked(coffee, en):
    dates = list(coffee.occurrences.order_by("starts_at"))
    services.cancel_occurrence(occurrence=dates[1], reason="Zaal is bezet")
    html = en.get(coffee.get_absolute_url()).content.decode()
    listed = re.findall(r'href="/activiteiten/koffieochtend/(\d{4}-\d\d-\d\d)/"', html)
    assert listed == [d.original_date.isoformat() for d in dates]
    cancelled = html.split(f"/{dates[1].original_date}/")[1].split("</li>")[0]
    assert "badge--cancelled" in cancelled and "Zaal is bezet" in cancelled


def test_free_activity_says_free(world, en):
    activity = make_activity(organisation=world.organisation, title="Wandelen")
    html = en.get(activity.get_absolute_url()).content.decode()
    assert "<dt>Cost</dt>\n    <dd>Free</dd>" in html


def test_cancelled_activity_stays_visible_with_a_banner(coffee, en):
    services.cancel_activity(activity=coffee, reason="De vrijwilligers stoppen")
    response = en.get(coffee.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="cancelled-banner"' in html and "De vrijwilligers stoppen" in html
    assert ld_json(response)["eventStatus"] == "https://schema.org/EventCancelled"


def test_image_with_alt_text_and_absolute_og_image(coffee, en):
    Activity.objects.filter(pk=coffee.pk).update(
        image="activities/koffie.jpg",
        image_small="activities/koffie-klein.jpg",
        image_alt="Mensen aan de koffie",
    )
    response = en.get(coffee.get_absolute_url())
    html = response.content.decode()
    assert '<img class="activity-image" src="/media/activities/koffie-klein.jpg"' in html
    assert 'alt="Mensen aan de koffie"' in html
    assert og(response, "image") == "http://testserver/media/activities/koffie-klein.jpg"
    assert ld_json(response)["image"] == "http://testserver/media/activities/koffie-klein.jpg"


def test_open_graph_tags(coffee, client):
    response = client.get(coffee.get_absolute_url())
    assert og(response, "title") == "Koffieochtend"
    assert og(response, "description") == "Gezellig samen koffie drinken."
    assert og(response, "type") == "website"
    assert og(response, "url") == f"http://testserver/activiteiten/{coffee.slug}/"
    assert og(response, "image") is None  # no image, no tag


def test_json_ld_is_a_schema_org_event_with_offsets(coffee, client):
    response = client.get(coffee.get_absolute_url())
    data = ld_json(response)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Koffieochtend"
    assert OFFSET.match(data["startDate"]) and OFFSET.match(data["endDate"])
    first = coffee.occurrences.order_by("starts_at").first()
    assert data["startDate"] == timezone.localtime(first.starts_at).isoformat()
    assert data["location"]["address"]["streetAddress"] == "Plantage 2"
    assert [o["name"] for o in data["organizer"]] == ["Het Klokhuis", "Zonnebloem Beesd"]
    assert data["offers"] == {"@type": "Offer", "price": "2.50", "priceCurrency": "EUR"}
    assert data["isAccessibleForFree"] is False


def test_json_ld_location_from_the_note_when_there_is_no_place(world, client):
    """Search engines want a location for an Event: the note says where, without a place."""
    activity = make_activity(
        organisation=world.organisation,
        title="Fietstocht",
        location_note="We vertrekken vanaf het kerkplein",
    )
    occurrence = activity.occurrences.order_by("starts_at").first()
    for url in (activity.get_absolute_url(), occurrence.get_absolute_url()):
        location = ld_json(client.get(url))["location"]
        assert location == {
            "@type": "Place",
            "name": "We vertrekken vanaf het kerkplein",
            "address": "We vertrekken vanaf het kerkplein",
        }
    nowhere = make_activity(organisation=world.organisation, title="Ergens")
    assert "location" not in ld_json(client.get(nowhere.get_absolute_url()))


def test_json_ld_cannot_break_out_of_its_script(world, client):
    activity = make_activity(
        organisation=world.organisation,
        title="Feest </script><script>alert(1)</script>",
        description="a & b <b>",
    )
    response = client.get(activity.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    data = ld_json(response)
    assert data["name"] == "Feest </script><script>alert(1)</script>"
    assert data["description"] == "a & b <b>"


def test_json_ld_in_summer_has_the_summer_offset(world, client):
    today = timezone.localdate()
    july = today.replace(month=7, day=15)
    if july <= today:
        july = july.replace(year=today.year + 1)
    activity = make_activity(
        organisation=world.organisation, title="Zomer", start_date=july, frequency=Frequency.ONCE
    )
    response = client.get(activity.get_absolute_url())
    assert ld_json(response)["startDate"] == f"{july}T10:00:00+02:00"


# Who may see it -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED])
@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "outsider", "wijkteam"])
def test_unpublished_activity_is_a_404_for_others(world, client_for, status, role):
    activity = make_activity(organisation=world.organisation, title="Geheim", status=status)
    client = client_for(role)
    assert client.get(activity.get_absolute_url()).status_code == 404
    day = activity.occurrences.first().original_date
    url = reverse("activities:occurrence_detail", args=[activity.slug, day])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["editor", "coordinator", "network_admin", "superuser"])
def test_unpublished_activity_is_visible_to_who_works_on_it(world, client_for, role):
    activity = make_activity(organisation=world.organisation, title="Concept", status=Status.DRAFT)
    response = client_for(role).get(activity.get_absolute_url())
    assert response.status_code == 200
    assert 'class="message message--warning"' in response.content.decode()


def test_editor_of_a_co_organiser_sees_the_draft_and_an_edit_link(world, client):
    partner = OrganisationFactory()
    editor = MembershipFactory(user=UserFactory(), role="editor", organisation=partner).user
    activity = make_activity(organisation=world.organisation, title="Samen", status=Status.DRAFT)
    activity.co_organisers.add(partner)
    client.force_login(editor)
    html = client.get(activity.get_absolute_url()).content.decode()
    assert f'href="/activiteiten/{activity.slug}/bewerken/"' in html


def test_edit_link_only_for_editors(coffee, client_for):
    edit = f'href="/activiteiten/{coffee.slug}/bewerken/"'
    assert edit in client_for("editor").get(coffee.get_absolute_url()).content.decode()
    for role in ("resident", "outsider", "network_admin"):
        assert edit not in client_for(role).get(coffee.get_absolute_url()).content.decode()


def test_unknown_activity_is_a_404(db, client):
    assert client.get("/activiteiten/bestaat-niet/").status_code == 404


def test_activity_of_an_inactive_organisation_is_a_404(world, client):
    activity = make_activity(organisation=OrganisationFactory(), title="Weg")
    activity.organisation.is_active = False
    activity.organisation.save(update_fields=["is_active"])
    assert client.get(activity.get_absolute_url()).status_code == 404


# The page of one date --------------------------------------------------------------------------


def _url(activity, day) -> str:
    return reverse("activities:occurrence_detail", args=[activity.slug, day])


def test_occurrence_page_shows_its_own_time_place_and_room(coffee, en):
    occurrence = coffee.occurrences.order_by("starts_at")[1]
    other = PlaceFactory(name="Kerk Rumpt", address="Kerkstraat 1", town="Rumpt")
    services.change_occurrence(
        occurrence=occurrence,
        day=occurrence.original_date,
        start_time=time(14, 0),
        end_time=time(16, 0),
        place=other,
        room=RoomFactory(place=other, name="Consistorie"),
    )
    response = en.get(_url(coffee, occurrence.original_date))
    assert response.status_code == 200
    html = response.content.decode()
    assert "14:00–16:00" in html
    assert "Kerk Rumpt" in html and "Consistorie" in html and "Kerkstraat 1" in html
    assert "Grote zaal" not in html
    data = ld_json(response)
    assert data["location"]["name"] == "Kerk Rumpt"
    assert data["startDate"] == f"{occurrence.original_date}T14:00:00" + data["startDate"][19:]
    assert OFFSET.match(data["startDate"])
    link = f'/activiteiten/{coffee.slug}/{occurrence.original_date}/agenda.ics"'
    assert link in html
    assert og(response, "url") == f"http://testserver{_url(coffee, occurrence.original_date)}"


def test_moved_date_says_where_it_was(coffee, en):
    occurrence = coffee.occurrences.order_by("starts_at")[0]
    new_day = occurrence.original_date + timedelta(days=1)
    services.change_occurrence(
        occurrence=occurrence, day=new_day, start_time=time(10, 0), end_time=time(11, 0)
    )
    response = en.get(_url(coffee, occurrence.original_date))
    html = response.content.decode()
    assert "badge--moved" in html
    assert "This date was planned on" in html
    data = ld_json(response)
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["startDate"].startswith(new_day.isoformat())


def test_cancelled_date_shows_reason_and_no_registration(coffee, en):
    occurrence = coffee.occurrences.order_by("starts_at")[0]
    services.cancel_occurrence(occurrence=occurrence, reason="Griep")
    response = en.get(_url(coffee, occurrence.original_date))
    html = response.content.decode()
    assert "This date is cancelled." in html and "Griep" in html
    assert "/aanmelden/" not in html
    assert ld_json(response)["eventStatus"] == "https://schema.org/EventCancelled"


def test_registration_link_shows_places_left(coffee, en):
    occurrence = coffee.occurrences.order_by("starts_at")[0]
    Registration.objects.create(occurrence=occurrence, name="A", status="confirmed", party_size=3)
    Registration.objects.create(occurrence=occurrence, name="B", status="cancelled", party_size=4)
    html = en.get(_url(coffee, occurrence.original_date)).content.decode()
    assert "7 places left." in html
    assert f'href="/activiteiten/{coffee.slug}/{occurrence.original_date}/aanmelden/"' in html


def test_full_date_offers_the_waiting_list(coffee, en):
    occurrence = coffee.occurrences.order_by("starts_at")[0]
    Registration.objects.create(occurrence=occurrence, name="A", status="confirmed", party_size=10)
    html = en.get(_url(coffee, occurrence.original_date)).content.decode()
    assert "Join the waiting list" in html


def test_no_registration_link_when_not_needed(world, client):
    activity = make_activity(organisation=world.organisation, title="Inloop")
    day = activity.occurrences.first().original_date
    assert "/aanmelden/" not in client.get(_url(activity, day)).content.decode()


def test_occurrence_page_lists_the_other_dates(coffee, client):
    dates = list(coffee.occurrences.order_by("starts_at"))
    html = client.get(_url(coffee, dates[2].original_date)).content.decode()
    section = html.split('id="dates-heading"')[1]
    listed = re.findall(r'href="/activiteiten/koffieochtend/(\d{4}-\d\d-\d\d)/"', section)
    assert listed == [d.original_date.isoformat() for d in dates if d != dates[2]]


@pytest.mark.parametrize("day", ["2020-01-01", "2026-02-31", "9999-12-31"])
def test_unknown_or_impossible_date_is_a_404(coffee, client, day):
    assert client.get(f"/activiteiten/{coffee.slug}/{day}/").status_code == 404


def test_past_date_says_it_has_passed(coffee, en):
    occurrence = coffee.occurrences.order_by("starts_at")[0]
    past = timezone.now() - timedelta(days=1)
    coffee.occurrences.filter(pk=occurrence.pk).update(starts_at=past, ends_at=past)
    html = en.get(_url(coffee, occurrence.original_date)).content.decode()
    assert "This date has passed." in html
    assert "/aanmelden/" not in html


# Organisation and network pages ----------------------------------------------------------------


def test_organisation_and_network_pages_show_coming_dates(coffee, world, client):
    partner = coffee.co_organisers.get()
    for url in (
        world.organisation.get_absolute_url(),
        partner.get_absolute_url(),
        world.network.get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        assert html.count('href="/activiteiten/koffieochtend/') == 5, url
    assert (
        "/agenda/?organisation=klokhuis"
        in client.get(world.organisation.get_absolute_url()).content.decode()
    )
    assert "/agenda/?network=beesd" in client.get(world.network.get_absolute_url()).content.decode()


def test_organisation_page_without_dates_says_so(world, en):
    html = en.get(world.organisation.get_absolute_url()).content.decode()
    assert "No dates planned at the moment." in html


# Constant queries ------------------------------------------------------------------------------


def _grow(activity, n: int) -> None:
    """More co-organisers, registrations on every date, and more activities around it."""
    for _ in range(n):
        activity.co_organisers.add(OrganisationFactory())
    for occurrence in activity.occurrences.all():
        for i in range(3):
            Registration.objects.create(occurrence=occurrence, name=f"P{i}", status="confirmed")
    for i in range(n):
        make_activity(organisation=activity.organisation, title=f"Ander {i}", place=activity.place)


@pytest.mark.parametrize("role", ["anonymous", "editor", "network_admin"])
@pytest.mark.parametrize("page", ["activity", "occurrence"])
def test_detail_pages_run_constant_queries(
    coffee, client_for, django_assert_max_num_queries, role, page
):
    client = client_for(role)
    day = coffee.occurrences.order_by("starts_at")[1].original_date
    url = coffee.get_absolute_url() if page == "activity" else _url(coffee, day)
    client.get(url)  # warm up
    with django_assert_max_num_queries(10) as small:
        assert client.get(url).status_code == 200
    _grow(coffee, 40)
    services.update_activity(activity=coffee, data={"count": 30})
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
