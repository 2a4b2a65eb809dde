"""E-mails of volunteering: one function per message, in the recipient's language, each sent
exactly once through the outbox (network.outbox), as in activities/emails.py.

`queue_…` functions are called by the services inside their transaction; the senders
(`@outbox.sender("volunteers.…")`) run after commit and check the news still applies.
Nothing personal travels: a message names the task, the organisation and the time, and
links to the site; never another person's name or contact details.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from network import outbox
from network.emails import send_templated_email
from network.models import OutboxMessage, Role, User

from .models import Shift, SignUp, SignUpStatus

# Sign-ups, the waiting list and stand-ins (volunteers/signups.py) --------------------------

# Subjects are generic; bodies name the task, the organisation, when and where, and hold a
# link. Never the name of the volunteer who took a shift over, nor anyone's contact details.


def _shift_context(shift: Shift) -> dict:
    task = shift.task
    place = task.place
    return {
        "task_title": task.title,
        "organisation": task.organisation.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "place": place.name if place else "",
        "address": place.full_address if place else "",
        "location_note": task.location_note,
        "shift_url": settings.SITE_URL
        + reverse("volunteers:shift_detail", kwargs={"shift": shift.pk}),
        "my_shifts_url": settings.SITE_URL + reverse("volunteers:my_shifts"),
    }


def _signup_in(message: OutboxMessage, *condition, **filters) -> SignUp | None:
    return (
        SignUp.objects.filter(*condition, pk=message.object_id, **filters)
        .select_related("volunteer", "shift__task__organisation", "shift__task__place")
        .first()
    )


def _send_signup(signup: SignUp, template: str, **extra) -> None:
    user = signup.volunteer
    send_templated_email(
        to=user.email,
        template=template,
        context={**_shift_context(signup.shift), **extra},
        language=user.language,
    )


def queue_place_offered(signup: SignUp) -> None:
    """A place came free for the first on the waiting list: accept it before the time."""
    outbox.queue("volunteers.signups_place_offered", about=signup, recipient=signup.volunteer)


def queue_offer_expired(signup: SignUp) -> None:
    """Nobody answered the offer in time: the place went to the next in line."""
    outbox.queue("volunteers.signups_offer_expired", about=signup, recipient=signup.volunteer)


def coordinators_of(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__role=Role.COORDINATOR,
            memberships__organisation_id=organisation_id,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def queue_taken_over(signup: SignUp) -> None:
    """The volunteer who asked for a stand-in, and the organisation's coordinators, hear
    that someone took the shift over (`signup` is the original, now cancelled one)."""
    outbox.queue("volunteers.signups_taken_over", about=signup, recipient=signup.volunteer)
    for user in coordinators_of(signup.shift.task.organisation_id):
        outbox.queue("volunteers.signups_taken_over_coordinator", about=signup, recipient=user)


@outbox.sender("volunteers.signups_place_offered")
def send_place_offered(message: OutboxMessage) -> bool:
    """Still on offer: the time to accept it by, and the link to accept or decline."""
    signup = _signup_in(message, status=SignUpStatus.OFFERED)
    if signup is None or signup.offer_expires_at is None:
        return False
    _send_signup(
        signup, "volunteers/emails/signups_place_offered", expires_at=signup.offer_expires_at
    )
    return True


@outbox.sender("volunteers.signups_offer_expired")
def send_offer_expired(message: OutboxMessage) -> bool:
    signup = _signup_in(message, status=SignUpStatus.CANCELLED)
    if signup is None or signup.shift.is_cancelled:
        return False
    _send_signup(signup, "volunteers/emails/signups_offer_expired")
    return True


@outbox.sender("volunteers.signups_taken_over")
def send_taken_over(message: OutboxMessage) -> bool:
    """“You no longer need to come”: never who took the shift."""
    signup = _signup_in(message, status=SignUpStatus.CANCELLED, taken_over_by__isnull=False)
    if signup is None:
        return False
    _send_signup(signup, "volunteers/emails/signups_taken_over")
    return True


@outbox.sender("volunteers.signups_taken_over_coordinator")
def send_taken_over_coordinator(message: OutboxMessage) -> bool:
    """A coordinator hears that a shift changed hands; who took it is on the site."""
    signup = _signup_in(message, status=SignUpStatus.CANCELLED, taken_over_by__isnull=False)
    user = message.recipient
    if signup is None or user is None:
        return False
    if user not in coordinators_of(signup.shift.task.organisation_id):  # no longer one
        return False
    send_templated_email(
        to=user.email,
        template="volunteers/emails/signups_taken_over_coordinator",
        context=_shift_context(signup.shift),
        language=user.language,
    )
    return True


# Shift changes, reminders and unfilled alerts (volunteers/shifts.py, reminders.py) ---------

# A shift that moves, is cancelled or takes place again: one message per volunteer per
# change, listing their shifts it touched (payload: the sign-up ids, and each moved
# shift's previous start). The reminder before a shift: one per sign-up, queued with
# `reminder_sent_at` in the same transaction (volunteers/reminders.py). Unfilled shifts:
# one message per coordinator per organisation per run, listing the shifts.

#: At most this many shifts are listed in one e-mail; the link shows them all.
LISTED_SHIFTS = 20
SHIFT_CHANGES = ("moved", "cancelled", "restored")


def _shift_facts(shift: Shift, previous: str | None = None) -> dict:
    """What a volunteer needs to know of a shift: what, when, where, and its page."""
    from django.utils.dateparse import parse_datetime

    task = shift.task
    place = task.place
    if place is None and shift.occurrence_id:
        place = shift.occurrence.effective_place
    return {
        "task_title": task.title,
        "organisation": task.organisation.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "previous_starts_at": parse_datetime(previous) if previous else None,
        "place": place.name if place else "",
        "address": place.full_address if place else "",
        "location_note": task.location_note,
        "shift_url": settings.SITE_URL
        + reverse("volunteers:shift_detail", kwargs={"shift": shift.pk}),
    }


_SHIFT_RELATED = (
    "shift__task__organisation",
    "shift__task__place",
    "shift__occurrence__place",
    "shift__occurrence__activity__place",
)


def queue_shift_change(kind: str, signups: list[SignUp], *, previous: dict) -> None:
    """One volunteer's sign-ups on shifts that moved, were cancelled or take place again
    (`previous`: each moved shift's pk → its start before)."""
    first = signups[0]
    outbox.queue(
        f"volunteers.shift_{kind}",
        about=first,
        recipient=first.volunteer,
        payload={
            "signups": [signup.pk for signup in signups],
            "previous": {
                str(signup.shift_id): previous[signup.shift_id].isoformat()
                for signup in signups
                if signup.shift_id in previous
            },
        },
    )


def _shift_change_sender(kind: str):
    from .models import ACTIVE_SIGNUP_STATUSES

    def send(message: OutboxMessage) -> bool:
        user = message.recipient
        payload = message.payload or {}
        ids = payload.get("signups") or [message.object_id]
        previous = payload.get("previous") or {}
        if user is None:
            return False
        signups = (
            SignUp.objects.filter(
                pk__in=ids,
                volunteer=user,
                status__in=ACTIVE_SIGNUP_STATUSES,
                shift__is_cancelled=kind == "cancelled",
            )
            .select_related(*_SHIFT_RELATED)
            .order_by("shift__starts_at", "pk")
        )
        shifts = [
            _shift_facts(signup.shift, previous.get(str(signup.shift_id))) for signup in signups
        ]
        if not shifts:  # signed off, or changed back, in the meantime
            return False
        send_templated_email(
            to=user.email,
            template=f"volunteers/emails/shift_{kind}",
            context={
                "shifts": shifts,
                "my_shifts_url": settings.SITE_URL + reverse("volunteers:my_shifts"),
            },
            language=user.language,
        )
        return True

    send.__name__ = send.__qualname__ = f"send_shift_{kind}"
    send.__doc__ = f"The volunteer hears that shifts of theirs are {kind}."
    return outbox.sender(f"volunteers.shift_{kind}")(send)


send_shift_moved = _shift_change_sender("moved")
send_shift_cancelled = _shift_change_sender("cancelled")
send_shift_restored = _shift_change_sender("restored")


def queue_shift_reminder(signup: SignUp) -> None:
    """Called by reminders.queue_due_reminders in the transaction that sets
    `reminder_sent_at`."""
    outbox.queue("volunteers.shift_reminder", about=signup, recipient=signup.volunteer)


@outbox.sender("volunteers.shift_reminder")
def send_shift_reminder(message: OutboxMessage) -> bool:
    """What, when, where, the organisation's telephone and the shift's page; not sent when
    the volunteer signed off, the shift was cancelled or has begun."""
    from django.utils import timezone

    from .models import VolunteeringSettings

    signup = (
        SignUp.objects.filter(
            pk=message.object_id,
            status=SignUpStatus.CONFIRMED,
            shift__is_cancelled=False,
            shift__starts_at__gt=timezone.now(),
        )
        .select_related("volunteer", "shift__task__organisation__volunteering", *_SHIFT_RELATED)
        .first()
    )
    if signup is None:
        return False
    user = signup.volunteer
    organisation = signup.shift.task.organisation
    send_templated_email(
        to=user.email,
        template="volunteers/emails/reminder_shift",
        context={
            **_shift_facts(signup.shift),
            "description": signup.shift.task.description,
            "phone": VolunteeringSettings.for_organisation(organisation).contact_phone,
        },
        language=user.language,
    )
    return True


def queue_unfilled_alert(organisation_id: int, shift_ids: list[int]) -> int:
    """Every coordinator of the organisation hears of its shifts still short of volunteers;
    returns how many (none: nobody to tell)."""
    coordinators = coordinators_of(organisation_id)
    for user in coordinators:
        outbox.queue(
            "volunteers.unfilled_alert",
            about=organisation_id,
            recipient=user,
            payload={"shifts": shift_ids},
        )
    return len(coordinators)


@outbox.sender("volunteers.unfilled_alert")
def send_unfilled_alert(message: OutboxMessage) -> bool:
    """The shifts (task and time, places still open) that are still short now, and the
    link to the organisation's overview of unfilled shifts."""
    from django.db.models import F
    from django.utils import timezone

    from network.models import Organisation

    user = message.recipient
    organisation = Organisation.objects.filter(pk=message.object_id).first()
    if user is None or organisation is None or user not in coordinators_of(organisation.pk):
        return False
    ids = (message.payload or {}).get("shifts") or []
    short = (
        Shift.objects.filter(
            pk__in=ids,
            task__organisation=organisation,
            is_cancelled=False,
            starts_at__gt=timezone.now(),
            confirmed_count__lt=F("places"),
        )
        .select_related(
            "task__organisation", "task__place", "occurrence__place", "occurrence__activity__place"
        )
        .order_by("starts_at", "pk")
    )
    shifts = [
        {**_shift_facts(shift), "places_left": shift.places_left}
        for shift in short[: LISTED_SHIFTS + 1]
    ]
    if not shifts:  # filled in the meantime
        return False
    overview = reverse("volunteers:unfilled", kwargs={"organisation": organisation.slug})
    send_templated_email(
        to=user.email,
        template="volunteers/emails/unfilled_alert",
        context={
            "organisation": organisation.name,
            "shifts": shifts[:LISTED_SHIFTS],
            "more": len(shifts) > LISTED_SHIFTS,
            "overview_url": settings.SITE_URL + overview,
        },
        language=user.language,
    )
    return True


# Applications and help requests (volunteers/profiles.py, help.py) --------------------------

# Who hears what: coordinators hear of a new offer to help, a new help request and a new
# response (a link to the page; no names in the e-mail); the applicant hears of the
# decision; volunteers hear whether they were matched. No name, reason or contact travels.


def _application_in(message: OutboxMessage, status: str):
    from .models import VolunteerApplication

    return (
        VolunteerApplication.objects.filter(pk=message.object_id, status=status)
        .select_related("organisation", "user")
        .first()
    )


def _help_response_in(message: OutboxMessage, status: str):
    from .models import HelpResponse

    return (
        HelpResponse.objects.filter(pk=message.object_id, status=status)
        .select_related("request__organisation", "volunteer")
        .first()
    )


def _send_to(user: User, template: str, organisation, path: str) -> None:
    send_templated_email(
        to=user.email,
        template=f"volunteers/emails/{template}",
        context={"organisation": organisation.name, "action_url": settings.SITE_URL + path},
        language=user.language,
    )


def _still_coordinator(user: User | None, organisation_id: int) -> bool:
    return user is not None and user in coordinators_of(organisation_id)


def queue_application_received(application) -> None:
    for user in coordinators_of(application.organisation_id):
        outbox.queue("volunteers.application_received", about=application, recipient=user)


def queue_application_approved(application) -> None:
    outbox.queue("volunteers.application_approved", about=application, recipient=application.user)


def queue_application_declined(application) -> None:
    outbox.queue("volunteers.application_declined", about=application, recipient=application.user)


@outbox.sender("volunteers.application_received")
def send_application_received(message: OutboxMessage) -> bool:
    """Someone offers to help: the link to the list of new volunteers."""
    application = _application_in(message, "pending")
    if application is None or not _still_coordinator(
        message.recipient, application.organisation_id
    ):
        return False
    path = reverse(
        "volunteers:applications", kwargs={"organisation": application.organisation.slug}
    )
    _send_to(message.recipient, "application_received", application.organisation, path)
    return True


@outbox.sender("volunteers.application_approved")
def send_application_approved(message: OutboxMessage) -> bool:
    """Welcome: the link to the open shifts."""
    application = _application_in(message, "approved")
    if application is None or message.recipient is None:
        return False
    _send_to(
        message.recipient,
        "application_approved",
        application.organisation,
        reverse("volunteers:open_shifts"),
    )
    return True


@outbox.sender("volunteers.application_declined")
def send_application_declined(message: OutboxMessage) -> bool:
    """Kindly, without a reason: the link to offer help elsewhere."""
    application = _application_in(message, "declined")
    if application is None or message.recipient is None:
        return False
    _send_to(
        message.recipient,
        "application_declined",
        application.organisation,
        reverse("volunteers:offer_help"),
    )
    return True


def queue_help_posted(help_request) -> None:
    for user in coordinators_of(help_request.organisation_id):
        outbox.queue("volunteers.help_posted", about=help_request, recipient=user)


def queue_help_response(response) -> None:
    for user in coordinators_of(response.request.organisation_id):
        outbox.queue("volunteers.help_response", about=response, recipient=user)


def queue_help_matched(response) -> None:
    outbox.queue("volunteers.help_matched", about=response, recipient=response.volunteer)


def queue_help_not_matched(response) -> None:
    outbox.queue("volunteers.help_not_matched", about=response, recipient=response.volunteer)


def _help_path(help_request_id: int) -> str:
    return reverse("volunteers:help_detail", kwargs={"help_request": help_request_id})


@outbox.sender("volunteers.help_posted")
def send_help_posted(message: OutboxMessage) -> bool:
    """A new help request waits for volunteers: the link to it (who asks is on the site)."""
    from .models import HelpRequest

    help_request = (
        HelpRequest.objects.filter(pk=message.object_id, status="open")
        .select_related("organisation")
        .first()
    )
    if help_request is None or not _still_coordinator(
        message.recipient, help_request.organisation_id
    ):
        return False
    _send_to(
        message.recipient, "help_posted", help_request.organisation, _help_path(help_request.pk)
    )
    return True


@outbox.sender("volunteers.help_response")
def send_help_response(message: OutboxMessage) -> bool:
    """A volunteer offers to help: the coordinator can match."""
    response = _help_response_in(message, "offered")
    if response is None or not _still_coordinator(
        message.recipient, response.request.organisation_id
    ):
        return False
    organisation = response.request.organisation
    _send_to(message.recipient, "help_response", organisation, _help_path(response.request_id))
    return True


@outbox.sender("volunteers.help_matched")
def send_help_matched(message: OutboxMessage) -> bool:
    """You were matched: the link; the coordinator puts you in touch."""
    response = _help_response_in(message, "matched")
    if response is None or message.recipient is None:
        return False
    organisation = response.request.organisation
    _send_to(message.recipient, "help_matched", organisation, _help_path(response.request_id))
    return True


@outbox.sender("volunteers.help_not_matched")
def send_help_not_matched(message: OutboxMessage) -> bool:
    """Thank you, not needed this time: the link to other requests."""
    response = _help_response_in(message, "not_matched")
    if response is None or message.recipient is None:
        return False
    _send_to(
        message.recipient,
        "help_not_matched",
        response.request.organisation,
        reverse("volunteers:help_list"),
    )
    return True
