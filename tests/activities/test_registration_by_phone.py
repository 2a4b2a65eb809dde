"""People without e-mail: a short code to quote on the phone, a duplicate message that fits
how they registered, an organiser entering a registration for someone who phoned, and the
list for at the door."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from activities import registrations, services
from activities.models import Registration, RegistrationStatus
from network import access_log
from tests.activities.factories import PlaceFactory, make_activity
from tests.activities.test_print import assert_pdf
from tests.activities.test_registration import form, list_url, register_url
from tests.factories import OrganisationFactory

CONFIRMED = RegistrationStatus.CONFIRMED
WAITING = RegistrationStatus.WAITING
CODE = re.compile(rf"^[{registrations.REFERENCE_ALPHABET}]{{{registrations.REFERENCE_LENGTH}}}$")


@pytest.fixture
def activity(world):
    world.organisation.phone = "0345 111111"
    world.organisation.save()
    return make_activity(
        organisation=world.organisation,
        title="Bloemschikken",
        place=PlaceFactory(name="Dorpshuis De Schakel", municipality=world.municipality),
        registration_required=True,
        capacity=3,
        contact_phone="0345 654321",
    )


@pytest.fixture
def occurrence(activity):
    return activity.occurrences.order_by("starts_at").first()


def enter_url(occurrence) -> str:
    return reverse(
        "activities:registration_enter",
        kwargs={"slug": occurrence.activity.slug, "day": occurrence.original_date},
    )


def door_url(occurrence) -> str:
    return reverse(
        "activities:door_list",
        kwargs={"slug": occurrence.activity.slug, "day": occurrence.original_date},
    )


def phoned(name="Truus", phone="0612345678", party_size=1) -> dict:
    return {"name": name, "phone": phone, "party_size": party_size}


# The code -------------------------------------------------------------------------------


def test_a_phone_only_registrant_gets_a_code_on_screen(client, occurrence):
    response = client.post(register_url(occurrence), form("Truus", phone="06-123 456 78"))
    registration = Registration.objects.get()
    assert CODE.match(registration.reference), registration.reference
    page = client.get(response["Location"]).content.decode()
    assert "Uw code" in page
    assert f'<p class="reference__code">{registration.reference}</p>' in page
    # What to do with it: call the organiser (the activity's own number first).
    assert "Bel dan Het Klokhuis op 0345 654321 en noem deze code." in page


def test_an_email_registrant_needs_no_code(client, occurrence):
    client.post(register_url(occurrence), form("Ans", email="ans@example.org", phone="0611"))
    client.post(register_url(occurrence), form("Bep", email="bep@example.org"))
    assert set(Registration.objects.values_list("reference", flat=True)) == {""}


def test_codes_are_unique_per_date(occurrence, activity, monkeypatch):
    """Under the date's lock a code already given on that date is never given again; on
    another date it may be."""
    taken = Registration.objects.create(
        occurrence=occurrence, name="Ans", phone="0611111111", status=CONFIRMED, reference="CCCCCC"
    )
    letters = iter("C" * 6 + "C" * 6 + "D" * 6 + "C" * 6)
    monkeypatch.setattr(registrations.secrets, "choice", lambda alphabet: next(letters))
    second = registrations.register_for_occurrence(
        occurrence=occurrence, name="Bep", email="", phone="0622222222", party_size=1
    )
    assert (taken.reference, second.reference) == ("CCCCCC", "DDDDDD")
    other_date = activity.occurrences.order_by("starts_at")[1]
    third = registrations.register_for_occurrence(
        occurrence=other_date, name="Cor", email="", phone="0633333333", party_size=1
    )
    assert third.reference == "CCCCCC"


# Registering twice ------------------------------------------------------------------------


def test_a_second_try_by_email_points_to_the_email(client, occurrence):
    client.post(register_url(occurrence), form("Ans", email="ans@example.org"))
    response = client.post(register_url(occurrence), form("Ans", email="ANS@example.org"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "In de e-mail die we u stuurden, staat een link" in page
    assert "0345" not in page.split('class="form-errors"', 1)[1].split("</div>", 1)[0]


def test_a_second_try_by_phone_points_to_the_organiser_without_revealing_the_code(
    client, occurrence
):
    client.post(register_url(occurrence), form("Truus", phone="0612345678"))
    code = Registration.objects.get().reference
    response = client.post(register_url(occurrence), form("Truus", phone="06 12 34 56 78"))
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "U bent al aangemeld voor deze datum, met uw telefoonnummer. Wilt u zich afmelden? "
        "Bel dan Het Klokhuis op 0345 654321 en noem de code die u kreeg" in page
    )
    assert code not in page  # whoever types a neighbour's number learns nothing
    assert "e-mail die we u stuurden" not in page
    assert Registration.objects.count() == 1


def test_without_any_organiser_number_the_phone_registrant_is_told_to_contact_them(
    client, world, activity, occurrence
):
    activity.contact_phone = ""
    activity.save()
    world.organisation.phone = ""
    world.organisation.save()
    client.post(register_url(occurrence), form("Truus", phone="0612345678"))
    page = client.post(register_url(occurrence), form("Truus", phone="0612345678")).content
    assert "Neem dan contact op met Het Klokhuis en noem de code" in page.decode()


def test_the_organisations_number_serves_when_the_activity_has_none(client, activity, occurrence):
    activity.contact_phone = ""
    activity.save()
    response = client.post(register_url(occurrence), form("Truus", phone="0612345678"))
    page = client.get(response["Location"]).content.decode()
    assert "Bel dan Het Klokhuis op 0345 111111 en noem deze code." in page


# The organiser enters a registration ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("editor", 200),
        ("coordinator", 200),
        ("volunteer", 404),
        ("resident", 404),
        ("wijkteam", 404),
        ("municipality", 404),
        ("network_admin", 404),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_enter_a_registration_and_print_the_door_list(
    client_for, occurrence, role, expected
):
    Registration.objects.create(
        occurrence=occurrence, name="Truus de Boer", phone="0612345678", status=CONFIRMED
    )
    client = client_for(role)
    assert client.get(enter_url(occurrence)).status_code == expected
    response = client.post(enter_url(occurrence), phoned("Bep", "0622222222"))
    assert response.status_code == (302 if expected in (200, 302) else 404)
    assert client.get(door_url(occurrence)).status_code == expected
    created = Registration.objects.filter(name="Bep").exists()
    assert created == (expected == 200)


def test_an_organiser_enters_a_registration_for_someone_who_phoned(
    client_for, world, activity, occurrence
):
    client = client_for("coordinator")
    page = client.get(list_url(activity)).content.decode()
    assert f'href="{enter_url(occurrence)}"' in page
    assert 'name="email"' not in client.get(enter_url(occurrence)).content.decode()

    response = client.post(
        enter_url(occurrence), phoned("Truus de Boer", "0345 123456", 2), REMOTE_ADDR="192.0.2.9"
    )

    registration = Registration.objects.get()
    assert response.status_code == 302 and response["Location"] == list_url(activity)
    assert (registration.name, registration.phone, registration.party_size) == (
        "Truus de Boer",
        "0345123456",
        2,
    )
    assert registration.status == CONFIRMED and registration.email == ""
    assert registration.entered_by == world.users["coordinator"]
    assert registration.user is None  # not the coordinator's own registration
    assert CODE.match(registration.reference)
    page = client.get(response["Location"]).content.decode()
    assert f"Truus de Boer is aangemeld. De code is {registration.reference}" in page
    assert registration.reference in page.split("<tbody>", 1)[1]  # in the list too
    assert "ingevoerd door de organisator" in page
    [change] = [e for e in access_log.entries_for(registration) if e.action == "change"]
    assert change.actor_id == world.users["coordinator"].pk
    assert change.actor_role == "coordinator" and change.ip_address == "192.0.2.9"


def test_entered_registrations_follow_the_same_capacity_and_waiting_list(client_for, occurrence):
    client = client_for("editor")
    client.post(register_url(occurrence), form("Ans", email="ans@example.org", party_size=2))
    client.post(enter_url(occurrence), phoned("Bep", "0622222222", 2))
    client.post(enter_url(occurrence), phoned("Cor", "0633333333", 1))
    assert list(Registration.objects.order_by("pk").values_list("name", "status")) == [
        ("Ans", CONFIRMED),
        ("Bep", WAITING),
        ("Cor", CONFIRMED),
    ]
    # The same number twice on one date is refused, with words for the organiser.
    response = client.post(enter_url(occurrence), phoned("Cor", "06 33 33 33 33", 1))
    assert response.status_code == 400
    assert "Iemand met dit telefoonnummer of e-mailadres staat al op de lijst." in (
        response.content.decode()
    )
    assert Registration.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (phoned(phone=""), "Dit veld is verplicht."),
        (phoned(phone="bel me"), "Vul een telefoonnummer in"),
        (phoned(name=""), "Dit veld is verplicht."),
        (phoned(party_size=0), "Selecteer een geldige keuze."),
    ],
)
def test_entering_with_bad_input_says_why_and_saves_nothing(client_for, occurrence, data, message):
    response = client_for("editor").post(enter_url(occurrence), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Registration.objects.exists()


def test_no_entering_for_a_date_that_is_called_off(client_for, occurrence):
    services.cancel_occurrence(occurrence=occurrence, reason="Zaal bezet")
    client = client_for("editor")
    page = client.get(enter_url(occurrence)).content.decode()
    assert "Deze datum is afgelast" in page and 'name="phone"' not in page
    assert client.post(enter_url(occurrence), phoned()).status_code == 409
    assert not Registration.objects.exists()


def test_enter_page_runs_constant_queries(client_for, occurrence, django_assert_max_num_queries):
    client = client_for("editor")
    with django_assert_max_num_queries(12):
        assert client.get(enter_url(occurrence)).status_code == 200
    occurrence.activity.co_organisers.add(*[OrganisationFactory() for _ in range(3)])
    for n in range(5):
        Registration.objects.create(
            occurrence=occurrence, name=f"Buur {n}", phone=f"061234567{n}", status=CONFIRMED
        )
    with django_assert_max_num_queries(12):
        assert client.get(enter_url(occurrence)).status_code == 200


# The door list --------------------------------------------------------------------------


def test_the_door_list_prints_names_numbers_phones_a_tick_column_and_the_waiting_list(
    client_for, world, occurrence, printed
):
    for name, phone, size, status in [
        ("Wim", "0644444444", 1, WAITING),
        ("bep", "0622222222", 2, CONFIRMED),
        ("Ans", "0611111111", 1, CONFIRMED),
        ("Vera", "0655555555", 3, WAITING),
    ]:
        Registration.objects.create(
            occurrence=occurrence, name=name, phone=phone, party_size=size, status=status
        )
    Registration.objects.create(
        occurrence=occurrence, name="Weg", phone="0666666666", status=RegistrationStatus.CANCELLED
    )
    client = client_for("editor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(door_url(occurrence), REMOTE_ADDR="192.0.2.8")

    assert_pdf(response, f"bloemschikken-{occurrence.original_date.isoformat()}.pdf", pages=1)
    [html] = printed
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # Alphabetical for finding people at the door; then the waiting list in its order.
    assert (
        text.index("Ans")
        < text.index("bep")
        < text.index("Waiting list")
        < text.index("1. Wim")
        < text.index("2. Vera")
    )
    assert "0611111111" in text and "0655555555" in text
    assert "Weg" not in text
    assert html.count('class="door-list__box"') == 4
    assert "3 people registered of 3, 4 on the waiting list." in text
    [entry] = access_log.entries_for(occurrence.activity)
    assert (entry.action, entry.actor_role, entry.ip_address) == ("print", "editor", "192.0.2.8")
    assert entry.description == f"door list {occurrence.original_date.isoformat()}"


def test_door_list_runs_constant_queries(client_for, occurrence, django_assert_max_num_queries):
    client = client_for("editor")
    with django_assert_max_num_queries(10):
        assert client.get(door_url(occurrence)).status_code == 200
    for n in range(30):
        Registration.objects.create(
            occurrence=occurrence,
            name=f"Buur {n}",
            phone=f"06123456{n:02d}",
            status=CONFIRMED if n < 3 else WAITING,
        )
    with django_assert_max_num_queries(10):
        assert client.get(door_url(occurrence)).status_code == 200


def test_the_list_links_each_open_date_to_entering_and_every_date_to_its_door_list(
    client_for, activity, occurrence
):
    second = activity.occurrences.order_by("starts_at")[1]
    services.cancel_occurrence(occurrence=second, reason="Zaal bezet")
    page = client_for("editor").get(list_url(activity)).content.decode()
    assert enter_url(occurrence) in page and door_url(occurrence) in page
    assert enter_url(second) not in page and door_url(second) in page
