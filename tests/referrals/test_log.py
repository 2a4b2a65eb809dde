"""The access log of referrals for review (referrals/views_log.py): wijkteam leads see
their teams' referrals (also those passed on since), network administrators their
networks'; nobody else (a 404); never a name or what a referral is about; filters, pages,
the CSV download (itself logged) and constant queries on both databases."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.db import connections
from django.urls import reverse

from network.models import AccessLogEntry, Organisation, Role
from referrals import services
from tests.conftest import TEST_TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .factories import SECRET_NAME, SECRET_TEXT, send

pytestmark = pytest.mark.django_db

LOG = reverse("referrals:log")
CSV = reverse("referrals:log_csv")


def _lead(world, team=None, email="leider@example.org"):
    user = MembershipFactory(
        user=UserFactory(email=email, name="Lea Leider"),
        role=Role.WIJKTEAM,
        organisation=team or world.wijkteam,
        is_lead=True,
    ).user
    TOTP.activate(user, TEST_TOTP_SECRET)
    return user


def _other_team(world) -> Organisation:
    return OrganisationFactory(
        name="Wijkteam Elders",
        slug="wijkteam-elders",
        kind=Organisation.Kind.WIJKTEAM,
        municipality=world.other_organisation.municipality,
        networks=[world.other_network],
    )


def _viewed(world, referral, role="wijkteam") -> None:
    services.read_referral(referral_id=referral.pk, by=world.users[role])


def _numbers(response) -> list[str]:
    return [entry.object_id for entry in response.context["page"].object_list]


def test_a_lead_sees_the_entries_of_the_teams_referrals_only(world, client):
    ours = send(world)
    _viewed(world, ours)
    elsewhere = send(world, team=_other_team(world))
    client.force_login(_lead(world))
    response = client.get(LOG)
    assert response.status_code == 200
    numbers = _numbers(response)
    assert str(ours.pk) in numbers and str(elsewhere.pk) not in numbers
    page = response.content.decode()
    assert SECRET_NAME not in page and SECRET_TEXT not in page
    assert world.users["wijkteam"].name in page  # who


def test_a_lead_still_sees_a_referral_the_team_passed_on(world, client):
    referral = send(world)
    services.reassign_referral(
        referral=referral, by=world.users["wijkteam"], team=_other_team(world)
    )
    client.force_login(_lead(world))
    assert str(referral.pk) in _numbers(client.get(LOG))
    # The other team's lead sees it too, from now on.
    other_lead = _lead(world, team=referral.team, email="ander@example.org")
    client.force_login(other_lead)
    assert str(referral.pk) in _numbers(client.get(LOG))


def test_a_network_admin_sees_the_networks_referrals_without_their_content(world, client_for):
    ours = send(world)
    _viewed(world, ours)
    services.transition(
        referral=ours, action="decline", by=world.users["wijkteam"], reason="already_known"
    )
    response = client_for("network_admin").get(LOG)
    assert response.status_code == 200
    assert set(_numbers(response)) == {str(ours.pk)}
    page = response.content.decode()
    for secret in (SECRET_NAME, SECRET_TEXT, "already known", "al bekend"):
        assert secret not in page
    # The administrator of another network sees nothing of it.
    assert _numbers(client_for("outsider").get(LOG)) == []


@pytest.mark.parametrize(
    "role", ["wijkteam", "coordinator", "municipality", "superuser", "resident", "volunteer"]
)
def test_everyone_else_gets_a_404(world, client_for, role):
    send(world)
    client = client_for(role)
    assert client.get(LOG).status_code == 404
    assert client.get(CSV).status_code == 404


def test_a_lead_without_an_authenticator_is_sent_to_set_one_up(world, client):
    lead = MembershipFactory(
        user=UserFactory(), role=Role.WIJKTEAM, organisation=world.wijkteam, is_lead=True
    ).user
    client.force_login(lead)
    response = client.get(LOG)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_a_lead_only_in_a_wijkteam_membership(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(role=Role.COORDINATOR, organisation=world.organisation, is_lead=True)


def test_the_filters(world, client):
    first, second = send(world), send(world)
    _viewed(world, first)
    _viewed(world, second, role="coordinator")
    client.force_login(_lead(world))
    assert set(_numbers(client.get(LOG, {"referral": first.pk}))) == {str(first.pk)}
    viewed = _numbers(client.get(LOG, {"action": "view"}))
    assert sorted(viewed) == sorted([str(first.pk), str(second.pk)])
    by_coordinator = client.get(LOG, {"person": "coordinator@", "action": "view"})
    assert _numbers(by_coordinator) == [str(second.pk)]
    assert _numbers(client.get(LOG, {"start": "2000-01-01", "end": "2000-01-02"})) == []
    everything = len(_numbers(client.get(LOG)))
    assert len(_numbers(client.get(LOG, {"start": "2000-01-01"}))) == everything
    # Nonsense in a filter is a message at the field, and the whole log.
    response = client.get(LOG, {"referral": "abc", "start": "gisteren"})
    assert response.status_code == 200 and response.context["form"].errors
    assert len(_numbers(response)) == everything


def test_the_log_pages_at_fifty(world, client):
    referral = send(world)
    for _ in range(55):
        _viewed(world, referral)
    client.force_login(_lead(world))
    assert len(_numbers(client.get(LOG))) == 50
    assert len(_numbers(client.get(LOG, {"page": 2}))) >= 5


def test_the_download_holds_the_filtered_entries_and_is_logged(world, client):
    first = send(world)
    send(world)
    _viewed(world, first)
    lead = _lead(world)
    client.force_login(lead)
    response = client.get(CSV, {"referral": first.pk, "action": "view"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert len(lines) == 2  # a heading and the one view
    assert f",{first.pk}," in lines[1] and world.users["wijkteam"].name in lines[1]
    assert SECRET_NAME not in text
    export = AccessLogEntry.objects.filter(actor_id=lead.pk, action="export").get()
    assert export.actor_role == "wijkteam_lead"
    assert export.object_type == "network.accesslogentry"


def test_the_log_is_read_only_on_the_site(world, client):
    client.force_login(_lead(world))
    assert client.post(LOG).status_code == 405
    assert client.post(CSV).status_code == 405
    page = client.get(LOG).content.decode()
    assert 'method="post"' not in page.split("<main", 1)[-1]


@pytest.mark.parametrize("entries", [2, 40])
def test_a_constant_number_of_queries_on_both_databases(
    world, client, entries, django_assert_max_num_queries
):
    lead = _lead(world)
    for number in range(entries):
        referral = send(world)
        role = "coordinator" if number % 2 else "wijkteam"
        _viewed(world, referral, role=role)
    client.force_login(lead)
    client.get(LOG)  # sessions and the like settle first
    log = connections["access_log"]
    with (
        django_assert_max_num_queries(12),
        django_assert_max_num_queries(12, connection=log),
    ):
        response = client.get(LOG, {"action": "view", "person": "example"})
    assert len(_numbers(response)) == entries
