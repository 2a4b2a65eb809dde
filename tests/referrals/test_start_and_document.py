"""Starting a referral from a "not seen lately" signal or a visit's outcome, and the
resident's right of access document: every role, other organisations' ids (ignored or a
404, never revealed), the access log, nothing beyond what the sender sees, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attendance.models import CheckIn, Signal
from network.models import AccessLogEntry, Role
from referrals import services
from referrals.models import Referral
from tests.attendance.factories import ParticipantFactory
from tests.conftest import ROLE_NAMES, TEST_TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .factories import SECRET_NAME, SECRET_TEXT, send
from .test_pages import form_data, new_url

pytestmark = pytest.mark.django_db

ROLES = [*ROLE_NAMES, "outsider"]
VOLUNTEER_NOTE = "Ze huilde aan de deur, haar zoon drinkt."


def make_signal(participant) -> Signal:
    return Signal.objects.create(
        participant=participant,
        last_seen=timezone.localdate() - timedelta(days=30),
        missed=3,
        usual_gap=1,
        raised_at=timezone.now(),
    )


def make_check_in(world, participant, organisation=None, **fields) -> CheckIn:
    values = {
        "organisation": organisation or world.organisation,
        "participant": participant,
        "volunteer": world.users["volunteer"],
        "what_is_asked": "Even langsgaan",
        "outcome": "could_use_help",
        "outcome_note": VOLUNTEER_NOTE,
        "answered_at": timezone.now(),
        **fields,
    }
    return CheckIn.objects.create(**values)


@pytest.fixture
def henk(world):
    return ParticipantFactory(
        organisation=world.organisation, name="Henk Bouwman", phone="0345-1", address=""
    )


@pytest.fixture
def stranger(world):
    return ParticipantFactory(organisation=world.other_organisation, name="Geheim Persoon")


# Starting from a signal or a visit -----------------------------------------------------------


def test_a_signal_fills_the_form_and_the_referral_is_about_the_participant(world, client_for, henk):
    signal = make_signal(henk)
    client = client_for("coordinator")
    url = f"{new_url(world)}?signaal={signal.pk}"
    page = client.get(url).content.decode()
    assert 'value="Henk Bouwman"' in page and 'value="0345-1"' in page
    assert "niet meer gezien" in page
    # Nothing is chosen for the coordinator: what it is about is theirs to say.
    assert 'value="loneliness" checked' not in page
    response = client.post(url, form_data(person_name="Henk Bouwman", team=world.wijkteam.pk))
    assert response.status_code == 302
    assert Referral.objects.get().participant == henk


def test_a_visit_offers_the_volunteers_note_but_never_copies_it(world, client_for, henk):
    check_in = make_check_in(world, henk)
    client = client_for("coordinator")
    url = f"{new_url(world)}?langsgaan={check_in.pk}"
    page = client.get(url).content.decode()
    assert 'value="Henk Bouwman"' in page
    # Shown to the coordinator above the form, not in the text the team would get.
    assert page.count(VOLUNTEER_NOTE) == 1
    assert f">{VOLUNTEER_NOTE}</textarea>" not in page
    client.post(url, form_data(person_name="Henk Bouwman", free_text="", team=world.wijkteam.pk))
    referral = Referral.objects.get()
    assert referral.participant == henk and referral.free_text == ""


@pytest.mark.parametrize("kind", ["signaal", "langsgaan", "deelnemer"])
def test_other_organisations_signals_and_visits_are_silently_ignored(
    world, client_for, stranger, kind
):
    ids = {
        "signaal": make_signal(stranger).pk,
        "langsgaan": make_check_in(world, stranger, world.other_organisation).pk,
        "deelnemer": stranger.pk,
    }
    client = client_for("coordinator")
    for raw in (str(ids[kind]), "999999", "abc", "-1", "1" * 20, "٣"):
        response = client.get(f"{new_url(world)}?{kind}={raw}")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Geheim Persoon" not in page and VOLUNTEER_NOTE not in page
    # Posting with it sends a referral about nobody's record.
    client.post(f"{new_url(world)}?{kind}={ids[kind]}", form_data(team=world.wijkteam.pk))
    assert Referral.objects.get().participant is None


def test_a_signal_of_a_closed_record_or_a_visit_of_another_organisation_is_ignored(
    world, client_for, henk
):
    elsewhere = OrganisationFactory(name="Buurthuis", networks=[world.network])
    visit = make_check_in(world, henk, elsewhere)
    client = client_for("coordinator")
    assert (
        "Henk Bouwman" not in client.get(f"{new_url(world)}?langsgaan={visit.pk}").content.decode()
    )
    signal = make_signal(henk)
    henk.closed_at = timezone.now()
    henk.closed_reason = "moved"
    henk.save(update_fields=["closed_at", "closed_reason"])
    assert (
        "Henk Bouwman" not in client.get(f"{new_url(world)}?signaal={signal.pk}").content.decode()
    )


def test_the_links_stand_on_the_inbox_the_history_and_a_visit_that_needs_help(
    world, client_for, henk
):
    signal = make_signal(henk)
    helped = make_check_in(world, henk)
    fine = make_check_in(world, henk, outcome="all_fine", outcome_note="")
    client = client_for("coordinator")
    org = world.organisation.slug
    inbox = client.get(reverse("attendance:signals", args=[org])).content.decode()
    assert f"?signaal={signal.pk}" in inbox
    history = client.get(reverse("attendance:signal_history", args=[org, henk.pk]))
    assert f"?signaal={signal.pk}" in history.content.decode()
    for url in (
        reverse("attendance:check_in_list", args=[org]),
        reverse("attendance:participant_detail", args=[org, henk.pk]),
    ):
        page = client.get(url).content.decode()
        assert f"?langsgaan={helped.pk}" in page, url
        assert f"?langsgaan={fine.pk}" not in page, url
    page = client.get(reverse("attendance:participant_detail", args=[org, henk.pk]))
    assert reverse("referrals:access_document", args=[org, henk.pk]) in page.content.decode()


def test_the_form_from_a_signal_runs_a_constant_number_of_queries(
    world, client_for, henk, django_assert_max_num_queries
):
    client = client_for("coordinator")
    with django_assert_max_num_queries(14) as plain:
        client.get(new_url(world))
    signal, visit = make_signal(henk), make_check_in(world, henk)
    for kind, pk in (("signaal", signal.pk), ("langsgaan", visit.pk), ("deelnemer", henk.pk)):
        with django_assert_max_num_queries(len(plain.captured_queries) + 1):
            client.get(f"{new_url(world)}?{kind}={pk}")


# The right of access document ------------------------------------------------------------------


def document_url(world, participant, organisation=None) -> str:
    slug = (organisation or world.organisation).slug
    return reverse("referrals:access_document", args=[slug, participant.pk])


@pytest.mark.parametrize("role", ROLES)
def test_document_matrix(world, client_for, henk, role):
    send(world, participant=henk)
    response = client_for(role).get(document_url(world, henk))
    if role == "coordinator":
        assert response.status_code == 200
        assert SECRET_TEXT in response.content.decode()
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404, role
        assert not AccessLogEntry.objects.filter(action="print").exists()


def test_other_organisations_participants_give_a_404(world, client_for, stranger):
    client = client_for("coordinator")
    for url in (
        document_url(world, stranger),
        document_url(world, stranger, world.other_organisation),
        reverse("referrals:access_document", args=[world.organisation.slug, 999999]),
        "/verwijzingen/klokhuis/inzage/abc/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_document_holds_what_was_shared_and_its_history_logged_per_referral(
    world, client_for, henk
):
    first = send(world, participant=henk)
    second = send(world, participant=henk, free_text="Tweede keer.")
    send(world)  # about someone without this record: not in it
    team = world.users["wijkteam"]
    services.accept_referral(referral=first, by=team)
    services.close_referral(
        referral=first, by=team, completed=True, reason="helped", note="Hulp loopt"
    )
    client = client_for("coordinator")
    page = client.get(document_url(world, henk)).content.decode()
    assert SECRET_NAME in page and SECRET_TEXT in page and "Tweede keer." in page
    assert "eenzaamheid" in page and "Wijkteam Beesd" in page
    assert "door het wijkteam" in page and "Hulp loopt" in page and "hulp is geregeld" in page
    # A step whose name is its status says it once ("verstuurd", not "verstuurd (verstuurd)").
    assert ": verstuurd, door" in page and "verstuurd (verstuurd)" not in page
    # No staff names: the organisation and the team answer for their steps.
    assert str(team) not in page and str(world.users["coordinator"]) not in page
    entries = AccessLogEntry.objects.filter(action="print", actor_role="coordinator")
    assert sorted(int(e.object_id) for e in entries) == sorted([first.pk, second.pk])


def test_another_organisation_of_the_network_sees_only_its_own_referrals(world, client_for):
    buurthuis = OrganisationFactory(
        name="Buurthuis",
        slug="buurthuis",
        municipality=world.municipality,
        networks=[world.network],
    )
    theirs = MembershipFactory(
        user=UserFactory(email="buurthuis@example.org"),
        role=Role.COORDINATOR,
        organisation=buurthuis,
    ).user
    shared = ParticipantFactory(
        organisation=world.organisation, name="Henk Bouwman", shared_with_network=True
    )
    send(world, participant=shared)
    TOTP.activate(theirs, TEST_TOTP_SECRET)
    client = Client()
    client.force_login(theirs)
    response = client.get(document_url(world, shared, buurthuis))
    assert response.status_code == 200
    assert SECRET_TEXT not in response.content.decode()
    assert not AccessLogEntry.objects.filter(action="print").exists()


def test_the_document_runs_a_constant_number_of_queries(
    world, client_for, henk, django_assert_max_num_queries
):
    for _ in range(2):
        send(world, participant=henk)
    client = client_for("coordinator")
    url = document_url(world, henk)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    small_count = len(small.captured_queries)
    for _ in range(8):
        send(world, participant=henk)
    # The log writes go through the log's own connection (one a referral, counted in
    # the test above); the page's own queries do not grow.
    with django_assert_max_num_queries(small_count):
        client.get(url)
    assert AccessLogEntry.objects.filter(action="print").count() == 2 + 10
