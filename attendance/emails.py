"""E-mails of check-ins (attendance/checkins.py), each sent exactly once through the outbox
(network.outbox), in the recipient's language.

`queue_…` functions are called by the services inside their transaction; the senders
(`@outbox.sender("attendance.…")`) run after commit and check the news still applies (the
request still open, the recipient still the volunteer or a coordinator). Nothing personal
travels: no participant's name, address, telephone number, what is asked or the note;
only the organisation's name and a link to the page where the reader, signed in, sees it.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from network import outbox
from network.emails import send_templated_email
from network.models import OutboxMessage, User

from .models import CheckIn

TEMPLATES = "attendance/emails/"
ASKED = "attendance.check_in_asked"
CANCELLED = "attendance.check_in_cancelled"
REMINDER_VOLUNTEER = "attendance.check_in_reminder_volunteer"
REMINDER_COORDINATOR = "attendance.check_in_reminder_coordinator"
ANSWERED = "attendance.check_in_answered"


def queue_asked(check_in: CheckIn) -> None:
    outbox.queue(ASKED, about=check_in, recipient=check_in.volunteer)


def queue_cancelled(check_in: CheckIn) -> None:
    outbox.queue(CANCELLED, about=check_in, recipient=check_in.volunteer)


def queue_volunteer_reminder(check_in: CheckIn) -> None:
    outbox.queue(REMINDER_VOLUNTEER, about=check_in, recipient=check_in.volunteer)


def queue_coordinator_reminder(check_in: CheckIn, user: User) -> None:
    outbox.queue(REMINDER_COORDINATOR, about=check_in, recipient=user)


def queue_answered(check_in: CheckIn, user: User) -> None:
    outbox.queue(ANSWERED, about=check_in, recipient=user)


def _check_in(message: OutboxMessage, **filters) -> CheckIn | None:
    return (
        CheckIn.objects.filter(pk=message.object_id, **filters)
        .select_related("organisation")
        .first()
    )


def _send(user: User, template: str, check_in: CheckIn, path: str) -> None:
    send_templated_email(
        to=user.email,
        template=TEMPLATES + template,
        context={
            "organisation": check_in.organisation.name,
            "action_url": settings.SITE_URL + path,
        },
        language=user.language,
    )


def _answer_path(check_in: CheckIn) -> str:
    return reverse("attendance:check_in_answer", kwargs={"check_in": check_in.pk})


def _list_path(check_in: CheckIn) -> str:
    return reverse("attendance:check_in_list", kwargs={"organisation": check_in.organisation.slug})


def _to_volunteer(message: OutboxMessage, template: str, path, **filters) -> bool:
    from .checkins import is_volunteer

    check_in = _check_in(message, **filters)
    user = message.recipient
    if (
        check_in is None
        or user is None
        or check_in.volunteer_id != user.pk
        or not is_volunteer(user, check_in.organisation_id)
    ):
        return False
    _send(user, template, check_in, path(check_in))
    return True


def _to_coordinator(message: OutboxMessage, template: str, **filters) -> bool:
    from .checkins import is_coordinator

    check_in = _check_in(message, **filters)
    if check_in is None or not is_coordinator(message.recipient, check_in.organisation_id):
        return False
    _send(message.recipient, template, check_in, _list_path(check_in))
    return True


_OPEN = {"answered_at__isnull": True, "cancelled_at__isnull": True}


@outbox.sender(ASKED)
def send_asked(message: OutboxMessage) -> bool:
    """A new request to drop by: the link to it."""
    return _to_volunteer(message, "check_in_asked", _answer_path, **_OPEN)


@outbox.sender(CANCELLED)
def send_cancelled(message: OutboxMessage) -> bool:
    """The coordinator withdrew a request: no need to go."""
    return _to_volunteer(
        message,
        "check_in_cancelled",
        lambda check_in: reverse("attendance:my_check_ins"),
        cancelled_at__isnull=False,
    )


@outbox.sender(REMINDER_VOLUNTEER)
def send_volunteer_reminder(message: OutboxMessage) -> bool:
    """The day passed and the request is still open: a friendly reminder."""
    return _to_volunteer(message, "check_in_reminder_volunteer", _answer_path, **_OPEN)


@outbox.sender(REMINDER_COORDINATOR)
def send_coordinator_reminder(message: OutboxMessage) -> bool:
    """Still no answer after the volunteer's reminder: the coordinator hears."""
    return _to_coordinator(message, "check_in_reminder_coordinator", **_OPEN)


@outbox.sender(ANSWERED)
def send_answered(message: OutboxMessage) -> bool:
    """The volunteer answered: the coordinator reads how it went on the site."""
    return _to_coordinator(message, "check_in_answered", answered_at__isnull=False)
