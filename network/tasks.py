"""Celery tasks of the network app: thin, by primary key, safe to run twice."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from . import outbox, services
from .jobs import tracked_job


@shared_task
@tracked_job("purge-unverified-accounts")
def purge_unverified_accounts() -> int:
    return services.purge_unverified_accounts()


@shared_task
@tracked_job("clear-expired-sessions")
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


# The outbox (network.outbox): every app's e-mails, each sent once.

#: OSError covers a refused or reset connection, a timeout (EMAIL_TIMEOUT) and SMTP errors.
_SMTP_TROUBLE = (ConnectionError, OSError, TimeoutError)


@shared_task(autoretry_for=_SMTP_TROUBLE, retry_backoff=True, max_retries=5)
def deliver_message(message_id: int) -> bool:
    return outbox.deliver(message_id)


@shared_task
@tracked_job("deliver-pending-messages")
def deliver_pending_messages() -> int:
    """Every few minutes: messages whose delivery task was lost (broker down at commit)."""
    ids = outbox.pending_ids()
    for message_id in ids:
        deliver_message.delay(message_id)
    return len(ids)


@shared_task
@tracked_job("purge-handled-messages")
def purge_handled_messages() -> int:
    return outbox.purge_handled()
