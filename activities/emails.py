"""E-mails about moderation: one function per message, each in the recipient's language.

Nothing personal travels: a message names the activity and its organisation and links to
the site, where the person signs in to read the rest (including a moderator's comment).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from network.emails import send_templated_email
from network.models import Membership, Role, User

from .models import Activity, Registration, RegistrationStatus


def _send(*, to: User, template: str, context: dict) -> None:
    send_templated_email(to=to.email, template=template, context=context, language=to.language)


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


# Registrations for a date -----------------------------------------------------------------
# Subjects are generic and bodies hold only the activity, the date and the personal link:
# never the name, telephone number or party size. Whoever opens the link sees the rest.


def _registration_context(registration: Registration) -> dict:
    occurrence = registration.occurrence
    return {
        "activity_title": occurrence.activity.title,
        "starts_at": occurrence.starts_at,
        "all_day": occurrence.all_day,
        "manage_url": settings.SITE_URL
        + reverse("activities:registration", kwargs={"token": registration.token}),
    }


def send_registration_confirmation(registration: Registration, *, language: str) -> None:
    """Right after registering: a place, or a place on the waiting list, and the link."""
    send_templated_email(
        to=registration.email,
        template="activities/emails/registration_confirmation",
        context={
            **_registration_context(registration),
            "waiting": registration.status == RegistrationStatus.WAITING,
        },
        language=language,
    )


def send_place_available(registration: Registration, *, language: str) -> None:
    """Someone cancelled and the person moved up from the waiting list."""
    send_templated_email(
        to=registration.email,
        template="activities/emails/registration_promoted",
        context=_registration_context(registration),
        language=language,
    )


def send_date_cancelled(registration: Registration, *, language: str) -> None:
    """The organiser called off the date (or the whole activity): nobody comes in vain."""
    occurrence = registration.occurrence
    send_templated_email(
        to=registration.email,
        template="activities/emails/registration_date_cancelled",
        context={
            **_registration_context(registration),
            "activity_url": settings.SITE_URL + occurrence.activity.get_absolute_url(),
        },
        language=language,
    )
