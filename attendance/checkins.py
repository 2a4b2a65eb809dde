"""Check-ins: a coordinator asks a trusted volunteer to drop by ("even langsgaan") and the
volunteer records how it went (SPEC.md, point 3).

Keyword-only functions, each one transaction, refusing with network.shared.DomainError (a
message for the page). Who may call them, the views ask attendance/permissions.py first.
Every message goes through the outbox (attendance/emails.py) in the same transaction:
e-mails carry a link, never a name, an address, a telephone number or a note.

Reminders (`queue_reminders`, periodic job `remind-check-ins` in attendance/tasks.py)
are exact in the same way as the shift reminders (volunteers/reminders.py): rows are
claimed with `SELECT … FOR UPDATE SKIP LOCKED`, and the flag (`reminded_volunteer_at`,
`reminded_coordinator_at`) is set in the transaction that queues the message.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Organisation, Role, User
from network.shared import DomainError

from . import emails
from .models import CHECK_IN_DAYS, CheckIn, CheckInOutcome, Participant, Signal

#: A request is asked for at most this far ahead.
MAX_DAYS = 60
#: The coordinator hears of an unanswered request this long after the volunteer's reminder.
REMIND_COORDINATOR_AFTER = timedelta(days=2)
#: The coordinators' list shows answered and withdrawn requests this long.
RECENT = timedelta(days=90)
#: The volunteer sees their own answers (without address or telephone) this long.
OWN_RECENT = timedelta(days=30)
MAX_WHAT = 200
MAX_NOTE = 500
BATCH_SIZE = 200


def default_due_on(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=CHECK_IN_DAYS)


def volunteers_of(organisation: Organisation) -> QuerySet[User]:
    """The active volunteers of the organisation, by name: whom a coordinator can ask."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.VOLUNTEER,
            memberships__organisation=organisation,
        )
        .distinct()
        .order_by("name", "email", "pk")
    )


def coordinators_of(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.COORDINATOR,
            memberships__organisation_id=organisation_id,
        )
        .distinct()
        .order_by("pk")
    )


def is_coordinator(user: User | None, organisation_id: int) -> bool:
    return user is not None and any(c.pk == user.pk for c in coordinators_of(organisation_id))


def is_volunteer(user: User | None, organisation_id: int) -> bool:
    return (
        user is not None
        and user.is_active
        and user.memberships.filter(role=Role.VOLUNTEER, organisation_id=organisation_id).exists()
    )


def who_hears(check_in: CheckIn) -> list[User]:
    """The coordinator who asked, while they still coordinate there; else every
    coordinator of the organisation (someone must hear)."""
    if is_coordinator(check_in.asked_by, check_in.organisation_id):
        return [check_in.asked_by]
    return coordinators_of(check_in.organisation_id)


# Asking, withdrawing, answering ---------------------------------------------------------------


@transaction.atomic
def ask_check_in(
    *,
    participant: Participant,
    by: User,
    volunteer: User,
    what_is_asked: str,
    due_on: date | None = None,
    show_address: bool = True,
    show_phone: bool = False,
    signal: Signal | None = None,
) -> CheckIn:
    """Ask a volunteer of the participant's organisation to drop by; they get an e-mail.
    `signal`: the "not seen lately" signal it is asked from (the inbox), kept so the
    signal's history shows what came of it."""
    today = timezone.localdate()
    due_on = due_on or default_due_on(today)
    what_is_asked = (what_is_asked or "").replace("\x00", "").strip()
    if participant.is_closed:
        raise DomainError(_("This record is closed; nobody can be asked to drop by."))
    if signal is not None and signal.participant_id != participant.pk:
        raise DomainError(_("That signal is about someone else."))
    if not is_volunteer(volunteer, participant.organisation_id):
        raise DomainError(_("Choose one of your organisation's volunteers."))
    if not what_is_asked:
        raise DomainError(_("Say what you ask of the volunteer."))
    if len(what_is_asked) > MAX_WHAT:
        raise DomainError(
            _("Keep what you ask short: at most %(max)s characters.") % {"max": MAX_WHAT}
        )
    if due_on < today:
        raise DomainError(_("The day cannot be in the past."))
    if due_on > today + timedelta(days=MAX_DAYS):
        raise DomainError(_("Choose a day within %(days)s days from today.") % {"days": MAX_DAYS})
    if not (show_address and participant.address) and not (show_phone and participant.phone):
        raise DomainError(
            _(
                "The volunteer needs an address or a telephone number to reach them. Share "
                "one that is filled in on the record."
            )
        )
    check_in = CheckIn.objects.create(
        organisation_id=participant.organisation_id,
        participant=participant,
        asked_by=by,
        volunteer=volunteer,
        what_is_asked=what_is_asked,
        due_on=due_on,
        show_address=show_address,
        show_phone=show_phone,
        signal=signal,
    )
    emails.queue_asked(check_in)
    return check_in


def _locked(check_in: CheckIn) -> CheckIn:
    return CheckIn.objects.select_for_update().get(pk=check_in.pk)


@transaction.atomic
def cancel_check_in(*, check_in: CheckIn) -> CheckIn:
    """Withdraw an open request; the volunteer hears it is no longer needed."""
    locked = _locked(check_in)
    if locked.answered_at is not None:
        raise DomainError(_("The volunteer has already answered this request."))
    if locked.cancelled_at is not None:
        raise DomainError(_("This request was already withdrawn."))
    check_in.cancelled_at = timezone.now()
    check_in.save(update_fields=["cancelled_at"])
    if check_in.volunteer_id:
        emails.queue_cancelled(check_in)
    return check_in


@transaction.atomic
def withdraw_open(*, participant: Participant) -> int:
    """The record is closed (moved, passed away, no longer wants it): open requests about
    them are withdrawn and their volunteers told. Returns how many."""
    open_ = list(
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .filter(participant=participant, answered_at__isnull=True, cancelled_at__isnull=True)
    )
    for check_in in open_:
        check_in.cancelled_at = timezone.now()
        check_in.save(update_fields=["cancelled_at"])
        if check_in.volunteer_id:
            emails.queue_cancelled(check_in)
    return len(open_)


@transaction.atomic
def answer_check_in(*, check_in: CheckIn, by: User, outcome: str, note: str = "") -> CheckIn:
    """The volunteer records how it went, with a short note; the coordinator hears of it
    (by e-mail, a link only)."""
    if outcome not in CheckInOutcome.values:
        raise DomainError(_("Choose how it went."))
    note = (note or "").replace("\x00", "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_("Keep the note short: at most %(max)s characters.") % {"max": MAX_NOTE})
    locked = _locked(check_in)
    if locked.volunteer_id != by.pk:
        raise DomainError(_("This request was meant for someone else."))
    if locked.cancelled_at is not None:
        raise DomainError(_("The coordinator withdrew this request. Thank you all the same."))
    if locked.answered_at is not None:
        raise DomainError(_("You have already answered this request. Thank you!"))
    check_in.outcome = outcome
    check_in.outcome_note = note
    check_in.answered_at = timezone.now()
    check_in.save(update_fields=["outcome", "outcome_note", "answered_at"])
    for user in who_hears(check_in):
        emails.queue_answered(check_in, user)
    return check_in


# Reminders ------------------------------------------------------------------------------------


def _open() -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(
        answered_at__isnull=True, cancelled_at__isnull=True, participant__closed_at__isnull=True
    )


def volunteer_reminders_due(today: date) -> QuerySet[CheckIn]:
    """Open requests whose day has passed and whose volunteer was not reminded yet."""
    return _open().filter(
        due_on__lt=today, reminded_volunteer_at__isnull=True, volunteer__isnull=False
    )


def coordinator_reminders_due(now: datetime) -> QuerySet[CheckIn]:
    """Open requests the volunteer was reminded of a while ago (or that have no volunteer
    any more, past their day) whose coordinator was not told yet."""
    return _open().filter(
        Q(reminded_volunteer_at__lte=now - REMIND_COORDINATOR_AFTER)
        | Q(volunteer__isnull=True, due_on__lt=timezone.localdate(now)),
        reminded_coordinator_at__isnull=True,
    )


def _claim(due: QuerySet[CheckIn], flag: str, queue, batch_size: int) -> int:
    queued = 0
    while True:
        with transaction.atomic():
            batch = list(
                due.order_by("due_on", "pk")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("asked_by", "volunteer")[:batch_size]
            )
            if not batch:
                return queued
            CheckIn.objects.filter(pk__in=[c.pk for c in batch]).update(**{flag: timezone.now()})
            for check_in in batch:
                queued += queue(check_in)


def queue_reminders(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Remind the volunteer once when the day passed unanswered; tell the coordinator once,
    REMIND_COORDINATOR_AFTER later. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)

    def volunteer(check_in: CheckIn) -> int:
        emails.queue_volunteer_reminder(check_in)
        return 1

    def coordinator(check_in: CheckIn) -> int:
        told = who_hears(check_in)
        for user in told:
            emails.queue_coordinator_reminder(check_in, user)
        return len(told)

    return {
        "volunteers": _claim(
            volunteer_reminders_due(today), "reminded_volunteer_at", volunteer, batch_size
        ),
        "coordinators": _claim(
            coordinator_reminders_due(now), "reminded_coordinator_at", coordinator, batch_size
        ),
    }


# Personal data --------------------------------------------------------------------------------


@transaction.atomic
def forget_volunteer(*, user: User) -> None:
    """The volunteer's account goes: their open requests are withdrawn (the coordinator
    sees that in the list) and the answers stay as the organisation's record, without
    them."""
    CheckIn.objects.filter(
        volunteer=user, answered_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())
    CheckIn.objects.filter(volunteer=user).update(volunteer=None)


@transaction.atomic
def forget_participant(*, participant: Participant) -> None:
    """The participant's record is anonymised: what was asked and noted about them goes,
    open requests are withdrawn; the outcomes stay as anonymous counts."""
    CheckIn.objects.filter(
        participant=participant, answered_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())
    CheckIn.objects.filter(participant=participant).update(what_is_asked="", outcome_note="")
