"""Network administrators approve or return submitted activities; editors hear by e-mail."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities import emails, services
from activities.models import Activity, Status
from network.models import OutboxMessage, Role
from network.tasks import deliver_message
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

QUEUE_URL = reverse("activities:moderation_queue", args=["beesd"])


@pytest.fixture
def as_role(client_for):
    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def review_url(activity: Activity, network: str = "beesd") -> str:
    return reverse("activities:moderation_review", args=[network, activity.slug])


@pytest.fixture
def submitted(world) -> Activity:
    return make_activity(
        organisation=world.organisation,
        title="Bloemschikken",
        status=Status.SUBMITTED,
        contact_name="Truus de Vries",
        contact_phone="06-12345678",
        place=PlaceFactory(name="Het Klokhuis", municipality=world.municipality),
    )


def test_queue_lists_waiting_activities_oldest_first(world, as_role, submitted):
    newer = make_activity(organisation=world.organisation, title="Biljarten", status="submitted")
    Activity.objects.filter(pk=submitted.pk).update(updated_at=timezone.now() - timedelta(days=3))
    make_activity(organisation=world.organisation, title="Klaar", status=Status.PUBLISHED)
    make_activity(organisation=world.other_organisation, title="Elders", status="submitted")
    returned = make_activity(organisation=world.organisation, title="Fietsen", status="submitted")
    Activity.objects.filter(pk=returned.pk).update(
        status=Status.RETURNED, moderation_comment="Waar vertrekken jullie?"
    )
    response = as_role("network_admin").get(QUEUE_URL)
    assert response.status_code == 200
    assert [a.title for a in response.context["waiting"]] == ["Bloemschikken", newer.title]
    page = response.content.decode()
    assert "Klaar" not in page and "Elders" not in page
    assert "Recently returned" in page and "Waar vertrekken jullie?" in page


@pytest.mark.parametrize("role", ["editor", "coordinator", "resident", "outsider", "wijkteam"])
def test_only_the_networks_administrators_moderate(world, as_role, submitted, role):
    client = as_role(role)
    assert client.get(QUEUE_URL).status_code == 404
    assert client.get(review_url(submitted)).status_code == 404
    assert client.post(review_url(submitted), {"decision": "approve"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_activity_of_another_network_is_not_reviewed_through_this_one(world, as_role):
    elsewhere = make_activity(organisation=world.other_organisation, status=Status.SUBMITTED)
    assert as_role("network_admin").get(review_url(elsewhere)).status_code == 404
    # Its own administrator (the outsider administers the other network) does see it.
    assert as_role("outsider").get(review_url(elsewhere, "elders")).status_code == 200


def test_superuser_may_moderate(world, as_role, submitted):
    assert as_role("superuser").get(review_url(submitted)).status_code == 200


def test_review_shows_the_activity_as_residents_would(world, as_role, submitted):
    page = as_role("network_admin").get(review_url(submitted)).content.decode()
    assert "Bloemschikken" in page and "Het Klokhuis" in page and "Truus de Vries" in page
    assert "Approve and publish" in page and 'name="comment"' in page


def test_approving_publishes_and_tells_the_editor(
    world, as_role, submitted, django_capture_on_commit_callbacks
):
    editor = world.users["editor"]
    editor.language = "en"
    editor.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_role("network_admin").post(review_url(submitted), {"decision": "approve"})
    assert response.status_code == 302 and response.url == QUEUE_URL
    submitted.refresh_from_db()
    assert submitted.status == Status.PUBLISHED and submitted.published_at is not None
    [message] = mail.outbox
    assert message.to == ["editor@example.org"]
    assert message.subject == "In the agenda now: Bloemschikken"
    assert "Het Klokhuis" in message.body
    assert submitted.get_absolute_url() in message.body
    # Nothing personal: not the contact person, not who approved it.
    for text in (message.body, message.alternatives[0][0]):
        assert "Truus" not in text and "06-12345678" not in text
        assert "netwerk@example.org" not in text


def test_returning_needs_a_comment_and_tells_the_editor_in_their_language(
    world, as_role, submitted, django_capture_on_commit_callbacks
):
    client = as_role("network_admin")
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(review_url(submitted), {"decision": "return", "comment": "  "})
    assert refused.status_code == 200
    assert "comment" in refused.context["form"].errors
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and mail.outbox == []

    comment = "Graag de kosten vermelden; mevrouw Jansen belde erover."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url(submitted), {"decision": "return", "comment": comment})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED and submitted.moderation_comment == comment
    [message] = mail.outbox
    assert message.to == ["editor@example.org"]
    assert "Bloemschikken" in message.subject
    # The comment may name people: it is read on the site, not in the e-mail.
    assert "Jansen" not in message.body and "Jansen" not in message.alternatives[0][0]
    edit_url = reverse("activities:activity_edit", args=[submitted.slug])
    assert edit_url in message.body
    # The editor reads it on the site.
    page = as_role("editor").get(reverse("activities:my_activities")).content.decode()
    assert "mevrouw Jansen" in page


def test_deciding_twice_gives_a_message_not_an_error(
    world, as_role, submitted, django_capture_on_commit_callbacks
):
    client = as_role("network_admin")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(submitted), {"decision": "approve"})
        again = client.post(review_url(submitted), {"decision": "approve"}, follow=True)
    assert again.status_code == 200
    assert "Only an activity waiting for approval can be approved." in again.content.decode()
    assert len(mail.outbox) == 1
    page = client.get(review_url(submitted)).content.decode()
    assert "nothing to decide" in page and "Approve and publish" not in page


def test_submission_reaches_every_administrator_of_the_organisations_networks(
    world, as_role, django_capture_on_commit_callbacks
):
    """One message per administrator, each linking to a network they manage."""
    second = UserFactory(email="tweede@example.org", language="en")
    MembershipFactory(
        user=second, role=Role.NETWORK_ADMIN, organisation=None, network=world.network
    )
    world.organisation.networks.add(world.other_network)  # the outsider administers that one
    with django_capture_on_commit_callbacks(execute=True):
        as_role("editor").post(
            reverse("activities:activity_create", args=["klokhuis"]),
            {
                "title": "Zangkoor",
                "theme": "culture",
                "target_group": "everyone",
                "start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
                "frequency": "once",
                "action": "submit",
            },
        )
    activity = Activity.objects.get(title="Zangkoor")
    assert activity.status == Status.SUBMITTED
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"netwerk@example.org", "tweede@example.org", "outsider@example.org"}
    assert by_address["tweede@example.org"].subject == "Waiting for approval: Zangkoor"
    assert review_url(activity, "elders") in by_address["outsider@example.org"].body
    assert review_url(activity, "beesd") in by_address["netwerk@example.org"].body


def test_moderation_mail_goes_once_and_skips_stale_news(world, submitted):
    with TestCase.captureOnCommitCallbacks(execute=True):
        emails.queue_activity_submitted(submitted)
    message = OutboxMessage.objects.filter(kind="activities.activity_submitted").latest("pk")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["netwerk@example.org"]
    # Delivered twice (a worker restarted): sent once.
    assert deliver_message.delay(message.pk).get() is False
    assert len(mail.outbox) == 1
    # The activity was approved meanwhile: the "returned" news is stale and not sent.
    Activity.objects.filter(pk=submitted.pk).update(status=Status.PUBLISHED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        emails.queue_activity_returned(submitted)
    assert len(mail.outbox) == 1
    stale = OutboxMessage.objects.get(kind="activities.activity_returned")
    assert stale.handled_at is not None and not stale.sent


def test_an_untrusted_import_waiting_for_approval_reaches_the_administrators(world, submitted):
    """A submission made by a service (here: a calendar import, no view involved) queues
    its own message: the administrators hear of it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        imported = services.create_activity(
            organisation=world.organisation,
            created_by=None,
            data={"title": "Geïmporteerd", "start_date": timezone.localdate() + timedelta(3)},
        )
    assert imported.status == Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [["netwerk@example.org"]]
    assert "Geïmporteerd" in mail.outbox[0].subject


def test_coordinator_who_registered_it_also_hears(
    world, as_role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_role("coordinator").post(
            reverse("activities:activity_create", args=["klokhuis"]),
            {
                "title": "Wandelen",
                "theme": "exercise",
                "target_group": "everyone",
                "start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
                "frequency": "once",
                "action": "submit",
            },
        )
    activity = Activity.objects.get(title="Wandelen")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        as_role("network_admin").post(review_url(activity), {"decision": "approve"})
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator@example.org", "editor@example.org"]


def test_queue_runs_a_constant_number_of_queries(world, as_role, django_assert_max_num_queries):
    client = as_role("network_admin")

    def add(n: int) -> None:
        for i in range(n):
            organisation = OrganisationFactory(networks=[world.network])
            make_activity(organisation=organisation, title=f"Wacht {i}", status="submitted")
            returned = make_activity(organisation=organisation, title=f"Terug {i}")
            Activity.objects.filter(pk=returned.pk).update(
                status=Status.RETURNED, moderation_comment="Nog niet"
            )

    add(2)
    with django_assert_max_num_queries(9):
        assert client.get(QUEUE_URL).status_code == 200
    add(10)
    with django_assert_max_num_queries(9):
        response = client.get(QUEUE_URL)
    assert len(response.context["waiting"]) == 12


def test_start_page_links_administrators_to_the_queue(world, as_role):
    page = as_role("network_admin").get(reverse("network:start")).content.decode()
    assert QUEUE_URL in page
