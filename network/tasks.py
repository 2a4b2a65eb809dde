"""Celery tasks of the network app: thin, by primary key, safe to run twice."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from . import services


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_invitation_email(membership_id: int) -> bool:
    return services.send_pending_invitation(membership_id=membership_id)


@shared_task
def purge_unverified_accounts() -> int:
    return services.purge_unverified_accounts()


@shared_task
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
