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
    assert timezone.localtime(referral.consent_at).date() == timezone.localdate()
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


def step_url(referral) -> str:
    return reverse("referrals:change", args=[referral.pk])


def test_the_team_takes_each_step_from_the_page_and_the_sender_follows(world, client_for):
    referral = send(world)
    team = client_for("wijkteam")
    page = team.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'value="accept"' in page and 'value="decline"' in page
    assert 'value="cancel"' not in page
    team.post(step_url(referral), {"action": "accept"})
    team.post(step_url(referral), {"action": "start"})
    response = team.post(step_url(referral), {"action": "complete", "reason": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "in_progress"  # no reason: refused with a message
    team.post(step_url(referral), {"action": "complete", "reason": "helped", "note": "Hulp loopt"})
    referral.refresh_from_db()
    assert (referral.status, referral.closed_note) == ("completed", "Hulp loopt")
    sender = client_for("coordinator")
    page = sender.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Hulp loopt" in page and "hulp is geregeld" in page
    assert 'name="action"' not in page  # closed: no steps left


def test_the_sender_cancels_and_the_team_passes_on(world, client_for):
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(
        name="Wijkteam Geldermalsen", kind="wijkteam", municipality=world.municipality
    )
    first, second = send(world), send(world)
    sender = client_for("coordinator")
    sender.post(step_url(first), {"action": "accept"})  # not theirs to take
    sender.post(step_url(first), {"action": "cancel", "reason": "sent_by_mistake"})
    first.refresh_from_db()
    assert first.status == "cancelled"
    team = client_for("wijkteam")
    response = team.post(step_url(second), {"action": "reassign", "team": other.pk})
    assert response.url == reverse("referrals:list")
    second.refresh_from_db()
    assert second.team == other
    assert team.get(reverse("referrals:detail", args=[second.pk])).status_code == 404


def test_junk_steps_change_nothing(world, client_for):
    referral = send(world)
    team = client_for("wijkteam")
    for data in ({"action": "x"}, {}, {"action": "reassign", "team": "abc"}, {"action": "send"}):
        assert team.post(step_url(referral), data).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.transitions.count() == 1
    assert client_for("superuser").post(step_url(referral), {"action": "accept"}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_no_names_and_is_logged(world, client_for, role):
    send(world)
    response = client_for(role).get(reverse("referrals:list"))
    if role in ("coordinator", "wijkteam"):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Wijkteam Beesd" in page and SECRET_NAME not in page
        assert AccessLogEntry.objects.filter(action="search", actor_role=role).count() == 1
    elif role == "anonymous":
        assert response.status_code == 302
    elif role == "outsider":  # a coordinator elsewhere: the list, without ours
        assert "Wijkteam Beesd" not in response.content.decode()
    else:
        assert response.status_code == 404


def test_the_list_runs_a_constant_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for _ in range(3):
        send(world)
    client = client_for("wijkteam")
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("referrals:list"))
    for _ in range(30):
        send(world)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("referrals:list"))


def test_referral_pages_need_a_second_step_at_sign_in(world, client_for):
    from allauth.mfa.models import Authenticator

    referral = send(world)
    Authenticator.objects.filter(user=world.users["wijkteam"]).delete()
    client = client_for("wijkteam")
    for url in (reverse("referrals:list"), reverse("referrals:detail", args=[referral.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")
    assert not AccessLogEntry.objects.filter(action="view").exists()
    # Someone without a referral role gets the 404, not a request to set one up.
    assert client_for("volunteer").get(reverse("referrals:list")).status_code == 404


def test_the_pages_are_found_from_the_start_page_and_the_participant(world, client_for):
    from tests.attendance.factories import keep_attendance

    keep_attendance(world.organisation)
    participant = ParticipantFactory(organisation=world.organisation)
    start = reverse("network:start")
    page = client_for("coordinator").get(start).content.decode()
    assert reverse("referrals:list") in page and new_url(world) in page
    assert reverse("referrals:list") in client_for("wijkteam").get(start).content.decode()
    detail = reverse(
        "attendance:participant_detail", args=[world.organisation.slug, participant.pk]
    )
    page = client_for("coordinator").get(detail).content.decode()
    assert f"{new_url(world)}?deelnemer={participant.pk}" in page
