"""E-mails of referrals, each sent exactly once through the outbox (network.outbox), in the
recipient's language.

Nothing about the resident travels: no name, no contact, no category, no text, no reason
or outcome. A message says there is a new referral for your team, or that one you sent or
received has changed (or still waits), with the organisation's name and a link to the
page where the reader, signed in (with a second step), sees it. A referral sent on an
urgent ground (acute danger) is called urgent in the subject: that is a flag, not a detail.

`queue_…` functions are called by referrals/services.py inside its transaction; the
senders check at sending time that the recipient may still see the referral.
"""

from __future__ import annotations

from django.conf import settings

from network import outbox
from network.emails import send_templated_email
from network.models import OutboxMessage, User

from . import permissions
from .links import referral_path
from .models import Referral, Status, Urgency

TEMPLATES = "referrals/emails/"
NEW = "referrals.new"
CHANGED = "referrals.changed"
REMINDER_TEAM = "referrals.reminder_team"
REMINDER_SENDER = "referrals.reminder_sender"


def queue_new(referral: Referral) -> None:
    """Every member of the (new) team hears of it."""
    from .services import TEAM, who_hears

    for user in who_hears(referral, TEAM):
        outbox.queue(NEW, about=referral, recipient=user)


def queue_changed(referral: Referral, *, told: str, by: User | None) -> None:
    """The other side (`told`: the team or the sender) hears of a change, not the one who
    made it."""
    from .services import who_hears

    for user in who_hears(referral, told):
        if by is None or user.pk != by.pk:
            outbox.queue(CHANGED, about=referral, recipient=user)


def queue_team_reminder(referral: Referral) -> int:
    from .services import TEAM, who_hears

    told = who_hears(referral, TEAM)
    for user in told:
        outbox.queue(REMINDER_TEAM, about=referral, recipient=user)
    return len(told)


def queue_sender_reminder(referral: Referral) -> int:
    from .services import SENDER, who_hears

    told = who_hears(referral, SENDER)
    for user in told:
        outbox.queue(REMINDER_SENDER, about=referral, recipient=user)
    return len(told)


def _send(
    message: OutboxMessage, template: str, may_see=permissions.can_view_referral, **filters
) -> bool:
    referral = (
        Referral.objects.filter(pk=message.object_id, **filters)
        .select_related("sending_organisation", "team")
        .first()
    )
    user = message.recipient
    if referral is None or user is None or not user.is_active:
        return False
    if not may_see(user, referral):
        return False
    send_templated_email(
        to=user.email,
        template=TEMPLATES + template,
        context={
            "organisation": referral.sending_organisation.name,
            "team": referral.team.name,
            "urgent": referral.urgency == Urgency.URGENT,
            "action_url": settings.SITE_URL + referral_path(referral.pk),
        },
        language=user.language,
    )
    return True


@outbox.sender(NEW)
def send_new(message: OutboxMessage) -> bool:
    """A new referral for the recipient's team (still with that team)."""
    return _send(message, "new", may_see=permissions.is_team)


@outbox.sender(CHANGED)
def send_changed(message: OutboxMessage) -> bool:
    """A referral the recipient sent or received has changed: read it on the site."""
    return _send(message, "changed")


@outbox.sender(REMINDER_TEAM)
def send_team_reminder(message: OutboxMessage) -> bool:
    """A referral for the team still waits to be accepted or declined."""
    return _send(message, "reminder_team", may_see=permissions.is_team, status=Status.SENT)


@outbox.sender(REMINDER_SENDER)
def send_sender_reminder(message: OutboxMessage) -> bool:
    """A referral the recipient sent has not been picked up yet: perhaps call the team."""
    return _send(message, "reminder_sender", may_see=permissions.is_sender, status=Status.SENT)
