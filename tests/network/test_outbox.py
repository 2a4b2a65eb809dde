"""The outbox: every e-mail of every app is written in the transaction of the change it
tells about, and delivered once by a Celery task, whatever happens to that task."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from network import outbox, tasks
from network.models import OutboxMessage, Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def membership(world):
    return MembershipFactory(
        user=UserFactory(email="nieuw@example.org", language="en"),
        role=Role.EDITOR,
        organisation=world.organisation,
    )


def test_a_message_is_delivered_after_commit_and_only_once(membership):
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        message = outbox.queue("network.invitation", about=membership, recipient=membership.user)
    # Nothing goes out before the change is committed.
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.sent and message.handled_at is not None and message.attempts == 1
    # The same task again (redelivered by the broker, a second worker): nothing.
    assert outbox.deliver(message.pk) is False
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_news_that_no_longer_applies_is_handled_without_sending(membership):
    message = OutboxMessage.objects.create(
        kind="network.invitation", object_id=membership.pk, recipient=membership.user
    )
    membership.delete()  # the role was taken away before the invitation went
    assert outbox.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.handled_at is not None and not message.sent
    assert mail.outbox == []


def test_a_kind_without_sender_cannot_be_queued(membership):
    with pytest.raises(LookupError):
        outbox.queue("network.nonsense", about=membership)
    assert not OutboxMessage.objects.exists()


def test_lost_tasks_are_picked_up_and_given_up_after_many_failures(membership, caplog):
    now = timezone.now()
    lost = OutboxMessage.objects.create(
        kind="network.invitation",
        object_id=membership.pk,
        recipient=membership.user,
        created_at=now - timedelta(minutes=10),
    )
    fresh = OutboxMessage.objects.create(
        kind="network.invitation", object_id=membership.pk, created_at=now
    )
    failing = OutboxMessage.objects.create(
        kind="network.invitation",
        object_id=membership.pk,
        created_at=now - timedelta(hours=1),
        attempts=outbox.MAX_ATTEMPTS,
    )
    assert outbox.pending_ids(now=now) == [lost.pk]
    assert "failed 10 times" in caplog.text
    # The periodic task sends what was lost, once.
    assert tasks.deliver_pending_messages.delay().get() == 1
    assert [m.to for m in mail.outbox] == [["nieuw@example.org"]]
    assert tasks.deliver_pending_messages.delay().get() == 0
    assert OutboxMessage.objects.get(pk=fresh.pk).handled_at is None
    assert OutboxMessage.objects.get(pk=failing.pk).handled_at is None


def test_handled_messages_are_purged_after_a_month(membership):
    now = timezone.now()
    old = OutboxMessage.objects.create(
        kind="network.invitation", object_id=1, handled_at=now - timedelta(days=31)
    )
    recent = OutboxMessage.objects.create(
        kind="network.invitation", object_id=2, handled_at=now - timedelta(days=1)
    )
    waiting = OutboxMessage.objects.create(
        kind="network.invitation", object_id=3, created_at=now - timedelta(days=60)
    )
    assert tasks.purge_handled_messages.delay().get() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
