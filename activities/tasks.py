"""Celery tasks of the agenda: thin, by primary key, safe to run twice."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from . import emails, services
from .models import Activity, Status

#: Which status an activity must still have for a moderation e-mail to make sense.
MODERATION_EVENTS = {
    "submitted": (Status.SUBMITTED, emails.send_activity_submitted),
    "approved": (Status.PUBLISHED, emails.send_activity_approved),
    "returned": (Status.RETURNED, emails.send_activity_returned),
}
SENT_MARK_SECONDS = 7 * 24 * 60 * 60


@shared_task
def extend_occurrence_horizons() -> int:
    """Nightly: store the dates of every series up to the horizon (about 400 days)."""
    return services.extend_horizons()


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_moderation_email(activity_id: int, event: str, token: str) -> int:
    """Send one moderation message; nothing when the activity moved on or it went already.

    The token is made when the change is recorded: a redelivered task carries the same one
    and is skipped, while a later submission of the same activity gets a new one.
    """
    expected_status, send = MODERATION_EVENTS[event]
    activity = Activity.objects.select_related("organisation").filter(pk=activity_id).first()
    if activity is None or activity.status != expected_status:
        return 0
    mark = f"activities:moderation-mail:{activity_id}:{event}:{token}"
    if cache.get(mark):
        return 0
    sent = send(activity)
    cache.set(mark, True, SENT_MARK_SECONDS)
    return sent


def queue_moderation_email(activity: Activity, event: str) -> None:
    """Send the message once the change is committed, never for a change rolled back."""
    if event not in MODERATION_EVENTS:
        raise ValueError(event)
    token = uuid.uuid4().hex
    activity_id = activity.pk
    transaction.on_commit(lambda: send_moderation_email.delay(activity_id, event, token))
