""" "I want to help": a person offers to volunteer, the organisation's coordinators hear of
it (a link, no name), see the applicant's profile and approve (the volunteer role) or
decline (kindly); the applicant can withdraw while it waits."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from network.models import Membership, Organisation, Role
from network.shared import DomainError
from tests.conftest import ROLE_NAMES
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.volunteers.factories import CertificateFactory, VolunteerProfileFactory
from volunteers import profiles
from volunteers.models import ApplicationStatus, VolunteerApplication

ROLES = [*ROLE_NAMES, "outsider"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(client):
    client.cookies["django_language"] = "en"
    return client


def _apply(user, organisation, message=""):
    return profiles.apply_to_volunteer(user=user, organisation=organisation, message=message)


# Services ---------------------------------------------------------------------------------


def test_applying_tells_the_coordinators_with_a_link_and_no_name(
    world, django_capture_on_commit_callbacks
):
    resident = world.users["resident"]
    resident.name = "Truus Jansen"
    resident.save()
    with django_capture_on_commit_callbacks(execute=True):
        application = _apply(resident, world.organisation, "Ik rijd graag")
    assert application.status == ApplicationStatus.PENDING
    assert [m.to for m in mail.outbox] == [[world.users["coordinator"].email]]
    message = mail.outbox[0]
    link = reverse("volunteers:applications", kwargs={"organisation": "klokhuis"})
    assert link in message.body
    assert link in message.alternatives[0][0]
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert "Truus" not in text
        assert resident.email not in text
        assert "rijd" not in text


def test_one_pending_application_per_organisation(world):
    resident = world.users["resident"]
    _apply(resident, world.organisation)
    with pytest.raises(DomainError, match="already offered"):
        _apply(resident, world.organisation)
    assert VolunteerApplication.objects.filter(user=resident).count() == 1


def test_volunteers_and_professional_teams_cannot_apply(world):
    with pytest.raises(DomainError, match="already volunteer"):
        _apply(world.users["volunteer"], world.organisation)
    with pytest.raises(DomainError, match="does not take volunteers"):
        _apply(world.users["resident"], world.wijkteam)
    inactive = OrganisationFactory(is_active=False)
    with pytest.raises(DomainError):
        _apply(world.users["resident"], inactive)


def test_approving_gives_the_volunteer_role_and_a_welcome(
    world, django_capture_on_commit_callbacks
):
    resident = world.users["resident"]
    application = _apply(resident, world.organisation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        profiles.approve_application(
            coordinator=world.users["coordinator"], application=application
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == world.users["coordinator"]
    assert Membership.objects.filter(
        user=resident, role=Role.VOLUNTEER, organisation=world.organisation
    ).exists()
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert reverse("volunteers:open_shifts") in mail.outbox[0].body
    # Twice is refused, not a second membership.
    with pytest.raises(DomainError):
        profiles.approve_application(
            coordinator=world.users["coordinator"], application=application
        )


def test_declining_is_kind_and_gives_no_role(world, django_capture_on_commit_callbacks):
    resident = world.users["resident"]
    application = _apply(resident, world.organisation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        profiles.decline_application(
            coordinator=world.users["coordinator"], application=application
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED
    assert not Membership.objects.filter(user=resident, role=Role.VOLUNTEER).exists()
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert "Dank u wel" in mail.outbox[0].body
    assert reverse("volunteers:offer_help") in mail.outbox[0].body
    # After a decision, a new offer is possible.
    _apply(resident, world.organisation)


def test_only_coordinators_of_the_organisation_decide(world):
    application = _apply(world.users["resident"], world.organisation)
    for role in ("editor", "volunteer", "outsider", "network_admin"):
        with pytest.raises(DomainError):
            profiles.approve_application(coordinator=world.users[role], application=application)
        with pytest.raises(DomainError):
            profiles.decline_application(coordinator=world.users[role], application=application)


def test_withdrawing(world, django_capture_on_commit_callbacks):
    application = _apply(world.users["resident"], world.organisation)
    with pytest.raises(DomainError):
        profiles.withdraw_application(user=world.users["volunteer"], application=application)
    profiles.withdraw_application(user=world.users["resident"], application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(DomainError):
        profiles.approve_application(
            coordinator=world.users["coordinator"], application=application
        )
    # A message about a withdrawn application is no longer sent.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = _apply(world.users["resident"], world.organisation)
        profiles.withdraw_application(user=world.users["resident"], application=second)
    assert mail.outbox == []


# Pages ------------------------------------------------------------------------------------


def test_anonymous_visitors_log_in_first_and_come_back(client, world):
    url = reverse("volunteers:offer_help")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert response["Location"].endswith("?next=" + url)


def test_the_page_lists_organisations_that_take_volunteers(client_for, world):
    inactive = OrganisationFactory(name="Gesloten club", is_active=False)
    page = client_for("resident").get(reverse("volunteers:offer_help")).content.decode()
    assert "Het Klokhuis" in page
    assert "Club Elders" in page
    assert "Wijkteam Beesd" not in page
    assert "Gemeente West Betuwe" not in page
    assert inactive.name not in page


def test_choosing_an_organisation_shows_the_form(client_for, world):
    client = english(client_for("resident"))
    url = reverse("volunteers:offer_help")
    page = client.get(url).content.decode()
    assert 'name="message"' not in page
    assert "?organisatie=klokhuis#form" in page
    page = client.get(url, {"organisatie": "klokhuis"}).content.decode()
    assert "Offer your help to Het Klokhuis" in page
    assert f'name="organisation" value="{world.organisation.pk}"' in page
    # An organisation that takes no volunteers, or nonsense, is simply not chosen.
    for junk in ("wijkteam-beesd", "nope", "\x00", "a" * 500):
        page = client.get(url, {"organisatie": junk}).content.decode()
        assert 'name="message"' not in page


def test_searching_the_organisations(client_for, world):
    client = english(client_for("resident"))
    url = reverse("volunteers:offer_help")
    page = client.get(url, {"zoek": "klok"}).content.decode()
    assert "Het Klokhuis" in page and "Club Elders" not in page
    page = client.get(url, {"zoek": "x" * 500}).content.decode()
    assert "We could not search for that" in page
    assert client.get(url, {"zoek": "\x00", "page": "abc"}).status_code == 200


def test_applying_through_the_page(client_for, world):
    client = client_for("resident")
    url = reverse("volunteers:offer_help")
    data = {"organisation": world.organisation.pk, "message": "Ik help graag"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert VolunteerApplication.objects.get(user=world.users["resident"]).message == (
        "Ik help graag"
    )
    # Twice: a clear message, no second row.
    client.cookies["django_language"] = "en"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "already offered" in response.content.decode()
    assert VolunteerApplication.objects.filter(user=world.users["resident"]).count() == 1
    # The page shows it waits, with a way to withdraw.
    page = client.get(url).content.decode()
    application = VolunteerApplication.objects.get(user=world.users["resident"])
    assert reverse("volunteers:application_withdraw", args=[application.pk]) in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"organisation": "abc"},
        {"organisation": "999999"},
        {"organisation": "-1", "message": "x"},
        {"organisation": "1\x00", "message": "\x00"},
        {"message": "x" * 5000},
    ],
)
def test_junk_gets_a_message(client_for, world, data):
    client = client_for("resident")
    response = client.post(reverse("volunteers:offer_help"), data)
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert not VolunteerApplication.objects.exists()


def test_a_wijkteam_cannot_be_chosen(client_for, world):
    response = client_for("resident").post(
        reverse("volunteers:offer_help"), {"organisation": world.wijkteam.pk}
    )
    assert response.status_code == 400
    assert not VolunteerApplication.objects.exists()


@pytest.fixture
def applicant(world):
    user = UserFactory(name="Anna Bakker", email="anna@example.org")
    VolunteerProfileFactory(
        user=user,
        phone="06 1234 5678",
        skills="Koken voor velen",
        availability=[[0, "morning"], [2, "evening"]],
    )
    CertificateFactory(user=user)
    return VolunteerApplication.objects.create(user=user, organisation=world.organisation)


def test_coordinators_see_the_applicant_and_the_visit_is_logged(client_for, world, applicant):
    from network.models import AccessLogEntry

    client = client_for("coordinator")
    client.cookies["django_language"] = "en"
    url = reverse("volunteers:applications", kwargs={"organisation": "klokhuis"})
    page = client.get(url).content.decode()
    for text in ("Anna Bakker", "anna@example.org", "06 1234 5678", "Koken voor velen"):
        assert text in page
    assert "Monday morning" in page
    assert "certificate of conduct" in page
    assert (
        AccessLogEntry.objects.using("access_log")
        .filter(actor_id=world.users["coordinator"].pk)
        .exists()
    )


def test_deciding_through_the_page(client_for, world, applicant):
    client = client_for("coordinator")
    url = reverse("volunteers:application_decide", args=[applicant.pk])
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=applicant.user, role=Role.VOLUNTEER, organisation=world.organisation
    ).exists()
    # A second click: a message, no error.
    response = client.post(url, {"decision": "decline"}, follow=True)
    assert response.status_code == 200
    applicant.refresh_from_db()
    assert applicant.status == ApplicationStatus.APPROVED


@pytest.mark.parametrize("decision", ["", "maybe", "approve\x00", "x" * 300])
def test_a_junk_decision_gets_a_message(client_for, world, applicant, decision):
    client = client_for("coordinator")
    response = client.post(
        reverse("volunteers:application_decide", args=[applicant.pk]),
        {"decision": decision},
        follow=True,
    )
    assert response.status_code == 200
    assert 'class="message' in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == ApplicationStatus.PENDING


# Who may see what ------------------------------------------------------------------------

#: The status of a GET of the list of new volunteers of Het Klokhuis, per role.
APPLICATIONS_LIST = {"coordinator": 200}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client_for, world, applicant, role):
    client = client_for(role)
    offer = client.get(reverse("volunteers:offer_help"))
    listing = client.get(reverse("volunteers:applications", kwargs={"organisation": "klokhuis"}))
    decide = client.post(
        reverse("volunteers:application_decide", args=[applicant.pk]), {"decision": "approve"}
    )
    withdraw = client.post(reverse("volunteers:application_withdraw", args=[applicant.pk]))
    applicant.refresh_from_db()
    if role == "anonymous":
        for response in (offer, listing, decide, withdraw):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert applicant.status == ApplicationStatus.PENDING
        return
    assert offer.status_code == 200
    assert listing.status_code == APPLICATIONS_LIST.get(role, 404)
    # Nobody withdraws someone else's offer; only the coordinator decides.
    assert withdraw.status_code == 404
    if role == "coordinator":
        assert decide.status_code == 302
        assert applicant.status == ApplicationStatus.APPROVED
    else:
        assert decide.status_code == 404
        assert applicant.status == ApplicationStatus.PENDING


def test_other_organisations_applications_are_404(client_for, world):
    elsewhere = VolunteerApplication.objects.create(
        user=world.users["resident"], organisation=world.other_organisation
    )
    client = client_for("coordinator")
    assert (
        client.get(
            reverse("volunteers:applications", kwargs={"organisation": "club-elders"})
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("volunteers:application_decide", args=[elsewhere.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("volunteers:applications", kwargs={"organisation": "no-such-org"})
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("volunteers:application_decide", args=[999999]), {"decision": "approve"}
        ).status_code
        == 404
    )


def test_the_applicant_withdraws_through_the_page(client_for, world):
    application = VolunteerApplication.objects.create(
        user=world.users["resident"], organisation=world.organisation
    )
    client = client_for("resident")
    response = client.post(reverse("volunteers:application_withdraw", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    # Again: a message, not an error.
    response = client.post(
        reverse("volunteers:application_withdraw", args=[application.pk]), follow=True
    )
    assert response.status_code == 200


# Queries -----------------------------------------------------------------------------------


def _many_applications(world, n):
    for i in range(n):
        user = UserFactory()
        VolunteerProfileFactory(user=user, availability=[[i % 7, "morning"]])
        CertificateFactory(user=user)
        CertificateFactory(user=user, kind="driving_licence")
        VolunteerApplication.objects.create(user=user, organisation=world.organisation)


@pytest.mark.parametrize("n", [1, 15])
def test_the_list_of_new_volunteers_reads_a_fixed_number_of_queries(
    client_for, world, django_assert_max_num_queries, n
):
    _many_applications(world, n)
    client = client_for("coordinator")
    url = reverse("volunteers:applications", kwargs={"organisation": "klokhuis"})
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("n", [1, 30])
def test_the_offer_page_reads_a_fixed_number_of_queries(
    client_for, world, django_assert_max_num_queries, n
):
    for _i in range(n):
        OrganisationFactory(municipality=world.municipality)
        VolunteerApplication.objects.create(
            user=world.users["resident"], organisation=Organisation.objects.latest("pk")
        )
    client = client_for("resident")
    with django_assert_max_num_queries(9):
        assert client.get(reverse("volunteers:offer_help")).status_code == 200


def test_an_outsider_volunteer_cannot_sneak_into_the_list(client_for, world):
    """A volunteer elsewhere who also applied here sees only their own offer page."""
    MembershipFactory(
        user=world.users["resident"], role=Role.EDITOR, organisation=world.organisation
    )
    response = client_for("resident").get(
        reverse("volunteers:applications", kwargs={"organisation": "klokhuis"})
    )
    assert response.status_code == 404


def test_an_organisation_without_a_coordinator_is_not_offered(client_for, world):
    nobody = OrganisationFactory(name="Zonder coordinator", municipality=world.municipality)
    page = client_for("resident").get(reverse("volunteers:offer_help")).content.decode()
    assert "Zonder coordinator" not in page
    with pytest.raises(DomainError):
        _apply(world.users["resident"], nobody)


def test_no_form_for_an_organisation_already_asked(client_for, world):
    _apply(world.users["resident"], world.organisation)
    client = english(client_for("resident"))
    page = client.get(reverse("volunteers:offer_help"), {"organisatie": "klokhuis"})
    assert 'name="message"' not in page.content.decode()
    page = client_for("volunteer").get(
        reverse("volunteers:offer_help"), {"organisatie": "klokhuis"}
    )
    assert 'name="message"' not in page.content.decode()
