"""The volunteer's own profile (availability as a weekday by part-of-day grid, the year of
birth only for tasks with a minimum age) and certificates (dates checked, a VOG counts for
three years, expired ones shown as such, removing only one's own)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from network.shared import DomainError
from tests.conftest import ROLE_NAMES
from tests.volunteers.factories import CertificateFactory, VolunteerProfileFactory
from volunteers import profiles
from volunteers.models import Certificate, CertificateKind, VolunteerApplication, VolunteerProfile

ROLES = [*ROLE_NAMES, "outsider"]
PROFILE = reverse("volunteers:profile")
CERTIFICATES = reverse("volunteers:certificates")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(client):
    client.cookies["django_language"] = "en"
    return client


# Services ---------------------------------------------------------------------------------


def test_saving_a_profile_keeps_the_grid_in_order_and_drops_nonsense(world):
    volunteer = world.users["volunteer"]
    profile = profiles.save_profile(
        user=volunteer,
        phone=" 06 1234 5678 ",
        contact_preference="phone",
        skills="Koken",
        availability=[[4, "evening"], [0, "morning"], [0, "morning"], [9, "noon"], "x", None],
        birth_year=1950,
    )
    assert profile.availability == [[0, "morning"], [4, "evening"]]
    assert profile.phone == "06 1234 5678"
    assert VolunteerProfile.objects.get(user=volunteer).birth_year == 1950


def test_a_profile_checks_the_year_and_the_phone(world):
    volunteer = world.users["volunteer"]
    with pytest.raises(DomainError):
        profiles.save_profile(user=volunteer, birth_year=timezone.localdate().year)
    with pytest.raises(DomainError):
        profiles.save_profile(user=volunteer, contact_preference="phone", phone="")


def test_a_vog_without_a_date_counts_for_three_years(world):
    issued = timezone.localdate() - timedelta(days=4 * 365)
    vog = profiles.add_certificate(
        user=world.users["volunteer"], kind=CertificateKind.VOG, issued_on=issued
    )
    assert vog.expires_on == issued.replace(year=issued.year + 3)
    assert profiles.certificate_is_expired(vog)
    assert not vog.valid_on(timezone.localdate())
    leap = profiles.vog_expiry(date(2024, 2, 29))
    assert leap == date(2027, 2, 28)


def test_certificate_dates_are_checked(world):
    user = world.users["volunteer"]
    today = timezone.localdate()
    with pytest.raises(DomainError, match="before it was issued"):
        profiles.add_certificate(
            user=user,
            kind=CertificateKind.DRIVING_LICENCE,
            issued_on=today,
            expires_on=today - timedelta(days=1),
        )
    with pytest.raises(DomainError, match="future"):
        profiles.add_certificate(
            user=user, kind=CertificateKind.VOG, issued_on=today + timedelta(days=1)
        )
    with pytest.raises(DomainError, match="which training"):
        profiles.add_certificate(user=user, kind=CertificateKind.TRAINING, issued_on=today)
    licence = profiles.add_certificate(
        user=user, kind=CertificateKind.DRIVING_LICENCE, issued_on=today
    )
    assert licence.expires_on is None
    assert not profiles.certificate_is_expired(licence)


def test_only_ones_own_certificate_is_removed(world):
    certificate = CertificateFactory(user=world.users["volunteer"])
    with pytest.raises(DomainError):
        profiles.remove_certificate(user=world.users["outsider"], certificate=certificate)
    profiles.remove_certificate(user=world.users["volunteer"], certificate=certificate)
    assert not Certificate.objects.exists()


# Pages ------------------------------------------------------------------------------------


def test_the_profile_page_shows_the_grid_and_saves_it(client_for, world):
    client = english(client_for("volunteer"))
    page = client.get(PROFILE).content.decode()
    assert page.count('name="availability"') == 21
    assert "only for tasks with a minimum age" in page.lower() or "minimum age" in page
    response = client.post(
        PROFILE,
        {
            "phone": "0345 999",
            "contact_preference": "email",
            "skills": "Tuinieren",
            "availability": ["0-morning", "6-evening"],
            "birth_year": "",
        },
    )
    assert response.status_code == 302
    profile = VolunteerProfile.objects.get(user=world.users["volunteer"])
    assert profile.availability == [[0, "morning"], [6, "evening"]]
    assert profile.birth_year is None
    page = client.get(PROFILE).content.decode()
    assert 'value="0-morning" id="id_availability_0_morning" checked' in page
    assert 'value="1-morning" id="id_availability_1_morning">' in page


@pytest.mark.parametrize(
    "data",
    [
        {"contact_preference": "pigeon"},
        {"contact_preference": "email", "availability": ["8-morning"]},
        {"contact_preference": "email", "availability": ["0-midnight\x00"]},
        {"contact_preference": "email", "birth_year": "abc"},
        {"contact_preference": "email", "birth_year": "99999999999999999999"},
        {"contact_preference": "email", "birth_year": "1800"},
        {"contact_preference": "phone", "phone": ""},
        {"contact_preference": "email", "phone": "1" * 200},
        {"contact_preference": "email", "skills": "\x00"},
    ],
)
def test_junk_in_the_profile_gets_a_message(client_for, world, data):
    response = english(client_for("volunteer")).post(PROFILE, data)
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert not VolunteerProfile.objects.filter(user=world.users["volunteer"]).exists()


def test_who_has_a_profile_page(client_for, world):
    # Someone who never offered to help is sent to "I want to help" first.
    client = english(client_for("resident"))
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:offer_help")
    # Once they offered, the profile is theirs to fill in.
    VolunteerApplication.objects.create(
        user=world.users["resident"], organisation=world.organisation
    )
    assert client.get(PROFILE).status_code == 200
    assert client.get(CERTIFICATES).status_code == 200


def test_adding_and_removing_certificates_through_the_page(client_for, world):
    client = english(client_for("volunteer"))
    today = timezone.localdate()
    response = client.post(
        CERTIFICATES,
        {"kind": "vog", "issued_on": (today - timedelta(days=4 * 365)).isoformat()},
    )
    assert response.status_code == 302
    page = client.get(CERTIFICATES).content.decode()
    assert "Expired" in page
    certificate = Certificate.objects.get(user=world.users["volunteer"])
    response = client.post(reverse("volunteers:certificate_remove", args=[certificate.pk]))
    assert response.status_code == 302
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "passport", "issued_on": "2024-01-01"},
        {"kind": "vog", "issued_on": "gisteren"},
        {"kind": "vog", "issued_on": "2024-02-30"},
        {"kind": "vog", "issued_on": "99999-01-01"},
        {"kind": "vog", "issued_on": "2024-01-01", "expires_on": "2023-01-01"},
        {"kind": "vog", "issued_on": "2999-01-01"},
        {"kind": "training", "issued_on": "2024-01-01", "name": ""},
        {"kind": "vog\x00", "issued_on": "2024-01-01\x00"},
    ],
)
def test_junk_in_a_certificate_gets_a_message(client_for, world, data):
    response = english(client_for("volunteer")).post(CERTIFICATES, data)
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert not Certificate.objects.exists()


def test_the_expiry_date_must_follow_the_issue_date_in_words(client_for, world):
    response = english(client_for("volunteer")).post(
        CERTIFICATES,
        {"kind": "driving_licence", "issued_on": "2024-01-01", "expires_on": "2023-01-01"},
    )
    assert "cannot expire before it was issued" in response.content.decode()


# Who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client_for, world, role):
    """Volunteers (here or elsewhere) have a profile; others are sent to offer help first.
    Nobody removes another person's certificate: a 404, whoever asks."""
    certificate = CertificateFactory(user=world.users["volunteer"])
    client = client_for(role)
    remove = reverse("volunteers:certificate_remove", args=[certificate.pk])
    responses = [client.get(PROFILE), client.get(CERTIFICATES)]
    if role == "anonymous":
        for response in [*responses, client.post(remove)]:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert Certificate.objects.filter(pk=certificate.pk).exists()
        return
    expected = 200 if role in ("volunteer", "outsider") else 302
    assert [r.status_code for r in responses] == [expected, expected]
    response = client.post(remove)
    if role == "volunteer":
        assert response.status_code == 302
        assert not Certificate.objects.filter(pk=certificate.pk).exists()
    else:
        assert response.status_code == 404
        assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_a_missing_certificate_is_404(client_for, world):
    client = client_for("volunteer")
    assert client.post(reverse("volunteers:certificate_remove", args=[999999])).status_code == 404
    assert client.get(reverse("volunteers:certificate_remove", args=[999999])).status_code in (
        404,
        405,
    )


# Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 20])
def test_the_pages_read_a_fixed_number_of_queries(
    client_for, world, django_assert_max_num_queries, n
):
    volunteer = world.users["volunteer"]
    VolunteerProfileFactory(user=volunteer, availability=[[0, "morning"]])
    for _i in range(n):
        CertificateFactory(user=volunteer)
    client = client_for("volunteer")
    with django_assert_max_num_queries(7):
        assert client.get(PROFILE).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(CERTIFICATES).status_code == 200
