"""Scheduled and queued jobs of the network app, called as Celery tasks."""

from datetime import timedelta

from django.core import mail
from django.test import TestCase
from django.utils import timezone

from network import emails, tasks
from network.models import Membership, OutboxMessage, Role, User
from tests.factories import MembershipFactory, UserFactory


def test_invitation_is_sent_once_however_often_the_task_runs(world):
    membership = MembershipFactory(
        user=UserFactory(email="nieuw@example.org", language="en"),
        role=Role.EDITOR,
        organisation=world.organisation,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        emails.queue_invitation(membership)
    queued = OutboxMessage.objects.get(kind="network.invitation", object_id=membership.pk)
    assert tasks.deliver_message.delay(queued.pk).get() is False  # sent already, not again
    [message] = mail.outbox
    # In the recipient's own language.
    assert message.subject == "You have been given a role in Omzien"
    assert "Het Klokhuis" in message.body
    assert Membership.objects.get(pk=membership.pk).invitation_sent_at is not None


def test_unverified_signups_are_purged_after_the_retention_period(world, settings):
    settings.UNVERIFIED_ACCOUNT_RETENTION_DAYS = 14
    old = timezone.now() - timedelta(days=15)
    stale = UserFactory(email="nooit@example.org", verified=False)
    fresh = UserFactory(email="net@example.org", verified=False)
    invited = MembershipFactory(
        user=UserFactory(email="uitgenodigd@example.org", verified=False),
        organisation=world.organisation,
    ).user
    User.objects.filter(pk__in=[stale.pk, invited.pk]).update(date_joined=old)
    User.objects.filter(pk=world.users["resident"].pk).update(date_joined=old)

    assert tasks.purge_unverified_accounts.delay().get() == 1
    remaining = set(User.objects.values_list("email", flat=True))
    assert "nooit@example.org" not in remaining
    # Recent sign-ups, invited people and confirmed accounts stay.
    assert {fresh.email, invited.email, "bewoner@example.org"} <= remaining


def test_expired_sessions_are_cleared(world, client_for):
    from django.contrib.sessions.models import Session

    client_for("resident")
    Session.objects.update(expire_date=timezone.now() - timedelta(days=1))
    assert tasks.clear_expired_sessions.delay().get() >= 1
    assert not Session.objects.exists()
