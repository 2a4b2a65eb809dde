"""The referral pages: the coordinator's form and one referral, for every role (a 404 for
anyone else, superusers included), the access log, and constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from network.models import AccessLogEntry
from referrals.models import Referral
from tests.attendance.factories import ParticipantFactory
from tests.conftest import ROLE_NAMES

from .factories import SECRET_NAME, SECRET_TEXT, send

pytestmark = pytest.mark.django_db

ROLES = [*ROLE_NAMES, "outsider"]


def new_url(world) -> str:
    return reverse("referrals:new", kwargs={"organisation": world.organisation.slug})


def form_data(**fields) -> dict:
    data = {
        "person_name": SECRET_NAME,
        "person_contact": "0345-512345",
        "categories": ["loneliness", "housing"],
        "free_text": SECRET_TEXT,
        "urgency": "normal",
        "team": "",
        "ground": "consent",
        "consent_given_by": "de inwoner zelf",
        "consent_how": "verbal",
        "consent_on": timezone.localdate().isoformat(),
        "consent_text_version": "2026-1",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_url_matrix(world, client_for, role):
    referral = send(world)
    allowed = {
        new_url(world): {"coordinator"},
        reverse("referrals:detail", kwargs={"referral": referral.pk}): {"coordinator", "wijkteam"},
    }
    client = client_for(role)
    for url, roles in allowed.items():
        response = client.get(url)
        if role in roles:
            assert response.status_code == 200, (role, url)
        elif role == "anonymous":
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("account_login"))
        else:
            assert response.status_code == 404, (role, url, response.status_code)
        if role not in roles:
            # Writes are refused like reads, and nothing is sent.
            posted = client.post(url, form_data(team=world.wijkteam.pk))
            assert posted.status_code == (302 if role == "anonymous" else 404), (role, url)
            assert Referral.objects.count() == 1


def test_a_coordinator_sends_a_referral_and_reads_it(world, client_for):
    client = client_for("coordinator")
    page = client.get(new_url(world)).content.decode()
    assert "Lees dit eerst voor aan de inwoner" in page
    assert 'value="2026-1"' in page
    response = client.post(new_url(world), form_data(team=world.wijkteam.pk))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", kwargs={"referral": referral.pk})
    assert (referral.person_name, referral.free_text) == (SECRET_NAME, SECRET_TEXT)
    assert referral.categories == ["loneliness", "housing"]
    assert referral.consent_at.date() == timezone.localdate()
    page = client.get(response.url).content.decode()
    assert SECRET_NAME in page and "eenzaamheid" in page
    actions = list(
        AccessLogEntry.objects.filter(object_id=str(referral.pk))
        .order_by("id")
        .values_list("action", "actor_role")
    )
    assert actions == [("change", "coordinator"), ("view", "coordinator")]


def test_the_team_is_routed_when_not_chosen_and_a_participant_fills_the_form(world, client_for):
    participant = ParticipantFactory(
        organisation=world.organisation, name="Henk Bouwman", phone="0345-1"
    )
    client = client_for("coordinator")
    url = f"{new_url(world)}?deelnemer={participant.pk}"
    page = client.get(url).content.decode()
    assert 'value="Henk Bouwman"' in page
    assert f'<option value="{world.wijkteam.pk}" selected>' in page
    client.post(url, form_data(person_name="Henk Bouwman", team=world.wijkteam.pk))
    assert Referral.objects.get().participant == participant


def test_someone_elses_participant_is_ignored(world, client_for):
    other = ParticipantFactory(organisation=world.other_organisation, name="Geheim Persoon")
    page = client_for("coordinator").get(f"{new_url(world)}?deelnemer={other.pk}")
    assert "Geheim Persoon" not in page.content.decode()


def test_without_consent_or_an_urgent_ground_nothing_is_sent(world, client_for):
    client = client_for("coordinator")
    response = client.post(new_url(world), form_data(team=world.wijkteam.pk, consent_how=""))
    assert response.status_code == 200
    assert "Zeg hoe de inwoner toestemming gaf." in response.content.decode()
    response = client.post(
        new_url(world),
        form_data(team=world.wijkteam.pk, ground="acute_danger", consent_how=""),
    )
    assert "acute gevaar" in response.content.decode()
    assert not Referral.objects.exists()
    client.post(
        new_url(world),
        form_data(
            team=world.wijkteam.pk,
            ground="acute_danger",
            consent_how="",
            urgent_ground_note="Hij is in gevaar.",
        ),
    )
    assert Referral.objects.get().urgency == "urgent"


def test_junk_gives_messages(world, client_for):
    client = client_for("coordinator")
    junk = form_data(
        team="999999", categories=["gossip"], urgency="x", consent_on="gisteren", area="abc"
    )
    response = client.post(new_url(world), junk)
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_a_superuser_has_no_way_in(world, client_for):
    referral = send(world)
    client = client_for("superuser")
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert client.get("/django-admin/referrals/referral/").status_code == 404


def test_the_detail_page_runs_a_constant_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    referral = send(world)
    client = client_for("wijkteam")
    with django_assert_max_num_queries(12):
        client.get(reverse("referrals:detail", args=[referral.pk]))
