"""One way to send a message exactly once, for every app.

A change that must tell someone writes an OutboxMessage in its own transaction
(`queue`). If the change rolls back, so does the message; if it commits, a Celery task
delivers it (`deliver`): the row is locked, sent and marked handled in one transaction, so
a task that runs twice, is retried, or whose worker dies half-way, sends it once. A message
whose task never got queued (the broker was down at commit) is picked up by the periodic
`deliver_pending`. Handled rows are deleted after a few weeks (`purge_handled`).

Each kind of message has one sender, registered by its app in `<app>/emails.py`:

    @outbox.sender("activities.registration_confirmation")
    def _confirmation(message: OutboxMessage) -> bool:
        ...  # send it; return False when it no longer applies (it is not sent then)

Rows hold ids, never personal details: the sender reads what it needs at sending time,
and checks that the message still makes sense (an activity approved in the meantime).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage, User

logger = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], bool]
_senders: dict[str, Sender] = {}
#: A message that failed this often is left for an operator (logged), not retried forever.
MAX_ATTEMPTS = 10
#: Unhandled this long after it was queued: its task was lost, deliver_pending sends it.
PENDING_AFTER = timedelta(minutes=5)
KEEP_HANDLED = timedelta(days=30)


def sender(kind: str) -> Callable[[Sender], Sender]:
    def register(function: Sender) -> Sender:
        _senders[kind] = function
        return function

    return register


def queue(
    kind: str,
    *,
    about: models.Model | int = 0,
    recipient: User | None = None,
    language: str = "",
    payload: dict | None = None,
) -> OutboxMessage:
    """Write the message in the caller's transaction; its delivery is queued on commit.

    `robust`: a broker that is down at that moment must not turn a committed change into
    an error page; deliver_pending_messages sends the message a few minutes later.
    """
    if kind not in _senders:
        raise LookupError(f"No sender for outbox messages of kind {kind!r}.")
    object_id = about if isinstance(about, int) else about.pk
    message = OutboxMessage.objects.create(
        kind=kind, object_id=object_id, recipient=recipient, language=language, payload=payload
    )
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message.pk), robust=True)
    return message


def deliver(message_id: int) -> bool:
    """Send the message unless it was handled already; True when it was sent now."""
    # Counted in its own transaction: a send that keeps failing is visible and bounded.
    OutboxMessage.objects.filter(pk=message_id, handled_at__isnull=True).update(
        attempts=F("attempts") + 1
    )
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=message_id, handled_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        send = _senders[message.kind]
        sent = bool(send(message))
        message.handled_at = timezone.now()
        message.sent = sent
        message.payload = None  # a rendered message's one-time link goes with it
        message.save(update_fields=["handled_at", "sent", "payload"])
        return sent


def pending_ids(*, now=None, limit: int = 500) -> list[int]:
    """Messages whose delivery task seems lost: old enough, not handled, not given up."""
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(
        handled_at__isnull=True, created_at__lt=now - PENDING_AFTER
    )
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).count()
    if given_up:
        logger.warning("%d outbox message(s) failed %d times", given_up, MAX_ATTEMPTS)
    return list(
        stale.filter(attempts__lt=MAX_ATTEMPTS).order_by("pk").values_list("pk", flat=True)[:limit]
    )


def purge_handled(*, now=None) -> int:
    """Handled messages are kept a while for inspection, then deleted."""
    now = now or timezone.now()
    deleted, _per_model = OutboxMessage.objects.filter(handled_at__lt=now - KEEP_HANDLED).delete()
    return deleted
