"""E-mails about moderation: one function per message, each in the recipient's language.

Nothing personal travels: a message names the activity and its organisation and links to
the site, where the person signs in to read the rest (including a moderator's comment).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from network.models import Membership, Role, User

from .models import Activity


def _send(*, to: User, template: str, context: dict) -> None:
    with translation.override(to.language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[to.email])
    message.attach_alternative(html, "text/html")
    message.send()


def _context(activity: Activity, path: str) -> dict:
    return {
        "title": activity.title,
        "organisation": activity.organisation.name,
        "action_url": settings.SITE_URL + path,
    }


def editor_recipients(activity: Activity) -> list[User]:
    """The organiser's editors, and the coordinator who registered it (if still one)."""
    organiser = activity.organisation_id
    condition = Q(memberships__role=Role.EDITOR, memberships__organisation_id=organiser)
    if activity.created_by_id:
        condition |= Q(
            pk=activity.created_by_id,
            memberships__role=Role.COORDINATOR,
            memberships__organisation_id=organiser,
        )
    return list(User.objects.filter(condition, is_active=True).distinct().order_by("pk"))


def send_activity_submitted(activity: Activity) -> int:
    """Tell the administrators of the organiser's networks that an activity waits for them."""
    memberships = (
        Membership.objects.filter(
            role=Role.NETWORK_ADMIN,
            network__organisations=activity.organisation_id,
            user__is_active=True,
        )
        .select_related("user", "network")
        .order_by("user_id", "network__name")
    )
    # One message per administrator, linking to the first of their networks that applies.
    per_user: dict[int, Membership] = {}
    for membership in memberships:
        per_user.setdefault(membership.user_id, membership)
    for membership in per_user.values():
        path = reverse(
            "activities:moderation_review",
            kwargs={"slug": membership.network.slug, "activity": activity.slug},
        )
        _send(
            to=membership.user,
            template="activities/emails/moderation_submitted",
            context=_context(activity, path),
        )
    return len(per_user)


def send_activity_approved(activity: Activity) -> int:
    """The activity is published: it is in the agenda now."""
    recipients = editor_recipients(activity)
    for user in recipients:
        _send(
            to=user,
            template="activities/emails/moderation_approved",
            context=_context(activity, activity.get_absolute_url()),
        )
    return len(recipients)


def send_activity_returned(activity: Activity) -> int:
    """The activity came back with a comment, which the editor reads on the site."""
    recipients = editor_recipients(activity)
    path = reverse("activities:activity_edit", kwargs={"slug": activity.slug})
    for user in recipients:
        _send(
            to=user,
            template="activities/emails/moderation_returned",
            context=_context(activity, path),
        )
    return len(recipients)
