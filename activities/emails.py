"""E-mails of the agenda: one function per message, each in the recipient's language, sent
exactly once through the outbox (network.outbox).

`queue_…` functions are called by the services inside their transaction and write one
outbox row per recipient; the senders below (`@outbox.sender`) run in a Celery task after
commit and check that the message still makes sense.

Nothing personal travels: a message names the activity and its organisation and links to
the site, where the person signs in to read the rest (including a moderator's comment).
Messages about a registration tell the person what they need to come (what, when, where,
for how many, the organiser's telephone number) and hold the personal link; never their
name or telephone number, and their subjects stay generic.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from network import outbox
from network.emails import send_templated_email
from network.models import Membership, OutboxMessage, Role, User

from . import ical
from .models import Activity, CalendarFeed, Registration, RegistrationStatus, Status

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


def _send(*, to: User, template: str, context: dict) -> None:
    send_templated_email(to=to.email, template=template, context=context, language=to.language)


def _context(activity: Activity, path: str) -> dict:
    return {
        "title": activity.title,
        "organisation": activity.organisation.name,
        "action_url": settings.SITE_URL + path,
    }


# Moderation -------------------------------------------------------------------------------


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


def _administrators(activity: Activity) -> list[User]:
    """The administrators of the organiser's networks, each once."""
    return list(
        User.objects.filter(
            memberships__role=Role.NETWORK_ADMIN,
            memberships__network__organisations=activity.organisation_id,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def queue_activity_submitted(activity: Activity) -> None:
    """The network's administrators hear that an activity waits for their approval."""
    for user in _administrators(activity):
        outbox.queue("activities.activity_submitted", about=activity, recipient=user)


def queue_activity_approved(activity: Activity) -> None:
    for user in editor_recipients(activity):
        outbox.queue("activities.activity_approved", about=activity, recipient=user)


def queue_activity_returned(activity: Activity) -> None:
    for user in editor_recipients(activity):
        outbox.queue("activities.activity_returned", about=activity, recipient=user)


def _activity_in(message: OutboxMessage, status: str) -> Activity | None:
    """The activity, if it still has the status the message is about."""
    return (
        Activity.objects.select_related("organisation")
        .filter(pk=message.object_id, status=status)
        .first()
    )


@outbox.sender("activities.activity_submitted")
def send_activity_submitted(message: OutboxMessage) -> bool:
    """An activity waits: linked to the review page in a network the recipient manages."""
    activity = _activity_in(message, Status.SUBMITTED)
    user = message.recipient
    if activity is None or user is None:
        return False
    membership = (
        Membership.objects.filter(
            user=user, role=Role.NETWORK_ADMIN, network__organisations=activity.organisation_id
        )
        .select_related("network")
        .order_by("network__name")
        .first()
    )
    if membership is None:  # no longer an administrator there
        return False
    path = reverse(
        "activities:moderation_review",
        kwargs={"slug": membership.network.slug, "activity": activity.slug},
    )
    _send(
        to=user,
        template="activities/emails/moderation_submitted",
        context=_context(activity, path),
    )
    return True


@outbox.sender("activities.activity_approved")
def send_activity_approved(message: OutboxMessage) -> bool:
    """The activity is published: it is in the agenda now."""
    activity = _activity_in(message, Status.PUBLISHED)
    if activity is None or message.recipient is None:
        return False
    _send(
        to=message.recipient,
        template="activities/emails/moderation_approved",
        context=_context(activity, activity.get_absolute_url()),
    )
    return True


@outbox.sender("activities.activity_returned")
def send_activity_returned(message: OutboxMessage) -> bool:
    """The activity came back with a comment, which the editor reads on the site."""
    activity = _activity_in(message, Status.RETURNED)
    if activity is None or message.recipient is None:
        return False
    path = reverse("activities:activity_edit", kwargs={"slug": activity.slug})
    _send(
        to=message.recipient,
        template="activities/emails/moderation_returned",
        context=_context(activity, path),
    )
    return True


# Registrations for a date -----------------------------------------------------------------
# Subjects are generic. Bodies say what, when, where and for how many, with the organiser's
# telephone number and the personal link; never the person's name or telephone number.

#: kind -> (statuses in which the message still makes sense, template)
REGISTRATION_MESSAGES = {
    "confirmation": (ACTIVE, "activities/emails/registration_confirmation"),
    "promoted": ((RegistrationStatus.CONFIRMED,), "activities/emails/registration_promoted"),
    "cancelled": (ACTIVE, "activities/emails/registration_date_cancelled"),
    "moved": (ACTIVE, "activities/emails/registration_date_moved"),
    "restored": (ACTIVE, "activities/emails/registration_date_restored"),
}


def queue_registration_message(registration: Registration, kind: str, language: str) -> None:
    """A message to the address given when registering (people without one get none)."""
    if registration.email:
        outbox.queue(f"activities.registration_{kind}", about=registration, language=language)


#: Messages that carry the date as a calendar file: the person has a place on it.
WITH_CALENDAR_FILE = {"confirmation", "promoted"}


def _registration_context(registration: Registration) -> dict:
    from .registrations import organiser_phone

    occurrence = registration.occurrence
    activity = occurrence.activity
    place = occurrence.effective_place
    room = occurrence.effective_room
    return {
        "activity_title": activity.title,
        "starts_at": occurrence.starts_at,
        "ends_at": occurrence.ends_at,
        "all_day": occurrence.all_day,
        "place": place.name if place else "",
        "room": room.name if room and place and room.place_id == place.pk else "",
        "address": place.full_address if place else "",
        "location_note": activity.location_note,
        "party_size": registration.party_size,
        "organisation": activity.organisation.name,
        "organiser_phone": organiser_phone(activity),
        "waiting": registration.status == RegistrationStatus.WAITING,
        "activity_url": settings.SITE_URL + activity.get_absolute_url(),
        "manage_url": settings.SITE_URL
        + reverse("activities:registration", kwargs={"token": registration.token}),
        "withdraw_url": settings.SITE_URL
        + reverse("activities:registration_withdraw", kwargs={"token": registration.token}),
    }


def _calendar_file(registration: Registration, language: str) -> tuple[str, bytes, str]:
    """The date as an .ics file, as its "add to my calendar" link gives it."""
    occurrence = registration.occurrence
    activity = occurrence.activity
    with translation.override(language):
        body = ical.calendar_document(
            [occurrence],
            name=activity.title,
            co_organisers={activity.pk: ical.co_organiser_names(activity)},
            subscription=False,
        )
    filename = f"{activity.slug}-{occurrence.original_date.isoformat()}.ics"
    return filename, body, "text/calendar"


def _registration_sender(kind: str):
    statuses, template = REGISTRATION_MESSAGES[kind]

    def send(message: OutboxMessage) -> bool:
        registration = (
            Registration.objects.filter(pk=message.object_id, status__in=statuses)
            .exclude(email="")
            .select_related(
                "occurrence__activity__organisation",
                "occurrence__activity__place",
                "occurrence__activity__room",
                "occurrence__place",
                "occurrence__room",
            )
            .prefetch_related("occurrence__activity__co_organisers")
            .first()
        )
        if registration is None:  # cancelled or deleted in the meantime
            return False
        language = message.language or settings.LANGUAGE_CODE
        has_place = registration.status == RegistrationStatus.CONFIRMED
        send_templated_email(
            to=registration.email,
            template=template,
            context=_registration_context(registration),
            language=language,
            attachments=[_calendar_file(registration, language)]
            if kind in WITH_CALENDAR_FILE and has_place
            else [],
        )
        return True

    send.__name__ = send.__qualname__ = f"send_registration_{kind}"
    send.__doc__ = f"The {kind} message to the person who registered."
    return outbox.sender(f"activities.registration_{kind}")(send)


send_registration_confirmation = _registration_sender("confirmation")
send_place_available = _registration_sender("promoted")
send_date_cancelled = _registration_sender("cancelled")
send_date_moved = _registration_sender("moved")
send_date_restored = _registration_sender("restored")


# Connected calendars ----------------------------------------------------------------------


def queue_feed_problem(feed: CalendarFeed) -> None:
    """The organisation's editors hear that their connected calendar stopped working."""
    editors = User.objects.filter(
        memberships__organisation_id=feed.organisation_id,
        memberships__role=Role.EDITOR,
        is_active=True,
    ).distinct()
    for user in editors.order_by("pk"):
        outbox.queue("activities.feed_problem", about=feed, recipient=user)


@outbox.sender("activities.feed_problem")
def send_feed_problem(message: OutboxMessage) -> bool:
    """The problem in the editor's own language, and a link to the feed's page.

    Not even the feed's address travels (a secret calendar address is a password).
    """
    feed = (
        CalendarFeed.objects.select_related("organisation")
        .filter(pk=message.object_id, is_active=True)
        .exclude(problem={})
        .first()
    )
    user = message.recipient
    if feed is None or user is None:  # working again, or disconnected
        return False
    with translation.override(user.language):
        problem = feed.last_error
    link = settings.SITE_URL + reverse(
        "activities:calendar_feed", kwargs={"slug": feed.organisation.slug, "pk": feed.pk}
    )
    _send(
        to=user,
        template="activities/emails/feed_problem",
        context={"organisation": feed.organisation.name, "problem": problem, "feed_url": link},
    )
    return True
