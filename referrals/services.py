"""Every write to a referral, and every read that must be accounted for.

Keyword-only functions, each one transaction, refusing with network.shared.DomainError (a
message for the page). Each takes the acting user (`by`) and, from a page, the request,
and writes the access log (network.access_log: who, under which role, what, when, from
which address) before it returns; the views ask referrals/permissions.py first, and the
services check the role again, since the role is what the log records.

The state machine is the table `TRANSITIONS`: which action moves a referral from which
statuses to which, who may take it (the referring coordinators or the team), and which
reasons it accepts (declining, cancelling and closing require one). Every change writes a
ReferralTransition row. The row is locked first, so two team members accepting at once
leave one acceptance and a message for the other.

Messages go through the outbox (referrals/emails.py) in the same transaction; they say
that there is a new or changed referral and link to it, nothing more.

About the access log and the transaction: the log is written on its own connection
(config/db_routers.py), so an entry stays even when the change it records is rolled back
afterwards; it is written after every rule has passed, so such an entry means an attempt
that failed at the very end, never a change that went unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.checkins import coordinators_of
from attendance.models import Participant
from attendance.permissions import can_view_participant
from network import access_log
from network.models import AccessLogEntry, Area, Organisation, Role, User
from network.permissions import can_send_referral
from network.shared import DomainError

from . import emails, permissions
from .models import (
    CLOSED_STATUSES,
    Action,
    Category,
    ConsentHow,
    Ground,
    Reason,
    Referral,
    ReferralTransition,
    Status,
    Urgency,
)
from .workdays import due_before

LogAction = AccessLogEntry.Action

MAX_NAME = 150
MAX_CONTACT = 200
MAX_TEXT = 500
MAX_NOTE = 300

#: The consent text the coordinator reads out, by version. A new wording gets a new
#: version; the old ones stay, since referrals record which one was read.
CONSENT_TEXTS = {
    "2026-1": gettext_lazy(
        "I would like to pass your name and how to reach you to the social district team "
        "(wijkteam), with what we talked about in a few words, so that someone of the team "
        "can contact you. They only use it to help you. You can say no, and you can change "
        "your mind later: then we ask the team to stop and close it. Is that all right?"
    ),
}
CURRENT_CONSENT_VERSION = "2026-1"

#: What the system does as itself (retention, erasure), in the access log.
SYSTEM_ROLE = "system"

TEAM = permissions.TEAM
SENDER = permissions.SENDER


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    side: str  # TEAM or SENDER
    reasons: frozenset[str] = frozenset()  # empty: no reason asked


_DECLINE_REASONS = frozenset(
    {
        Reason.NOT_OUR_AREA,
        Reason.OTHER_HELP_FITS,
        Reason.ALREADY_KNOWN,
        Reason.TOO_LITTLE_INFORMATION,
        Reason.OTHER,
    }
)
_CANCEL_REASONS = frozenset({Reason.NO_LONGER_NEEDED, Reason.SENT_BY_MISTAKE, Reason.OTHER})
_COMPLETE_REASONS = frozenset({Reason.HELPED, Reason.REFERRED_ON, Reason.OTHER})
_NOT_COMPLETE_REASONS = frozenset(
    {Reason.NOT_REACHED, Reason.HELP_REFUSED, Reason.REFERRED_ON, Reason.OTHER}
)
_ACTIVE = frozenset({Status.ACCEPTED, Status.IN_PROGRESS})

#: The state machine: action -> from which statuses, to which, by whom, with which reasons.
#: Withdrawing consent and erasure go to a status that depends on where the referral stood
#: (`_closing_status`); a reassignment starts over at "sent" with the other team.
TRANSITIONS: dict[str, Transition] = {
    Action.ACCEPT: Transition(frozenset({Status.SENT}), Status.ACCEPTED, TEAM),
    Action.DECLINE: Transition(frozenset({Status.SENT}), Status.DECLINED, TEAM, _DECLINE_REASONS),
    Action.START: Transition(frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, TEAM),
    Action.COMPLETE: Transition(_ACTIVE, Status.COMPLETED, TEAM, _COMPLETE_REASONS),
    Action.CLOSE_UNCOMPLETED: Transition(
        _ACTIVE, Status.NOT_COMPLETED, TEAM, _NOT_COMPLETE_REASONS
    ),
    Action.CANCEL: Transition(frozenset({Status.SENT}), Status.CANCELLED, SENDER, _CANCEL_REASONS),
    Action.REASSIGN: Transition(frozenset({Status.SENT, Status.ACCEPTED}), Status.SENT, TEAM),
}


def _closing_status(status: str) -> str:
    """Where consent withdrawal or erasure takes an open referral: not yet accepted, it is
    cancelled; accepted or in contact, it is closed without result."""
    return Status.CANCELLED if status == Status.SENT else Status.NOT_COMPLETED


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def _too_long(text: str, limit: int, message: str) -> None:
    if len(text) > limit:
        raise DomainError(message % {"max": limit})


# Routing -------------------------------------------------------------------------------------


def wijkteams() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.WIJKTEAM, is_active=True)


def route(*, area: Area | None, organisation: Organisation) -> Organisation | None:
    """The wijkteam a referral goes to unless the coordinator chooses another: the team of
    the resident's village or neighbourhood; else one in a network of the referring
    organisation; else one in its municipality. None when there is none."""
    teams = wijkteams().order_by("name", "pk")
    if area is not None:
        team = teams.filter(area=area).first()
        if team is not None:
            return team
    team = teams.filter(networks__organisations=organisation).distinct().first()
    if team is not None:
        return team
    return teams.filter(municipality_id=organisation.municipality_id).first()


# Reading, accounted for ----------------------------------------------------------------------


def _log(
    *,
    request: HttpRequest | None,
    by: User | None,
    role: str,
    action: str,
    referral: Referral,
    description: str,
) -> None:
    access_log.record(
        request=request,
        actor=by,
        role=role,
        action=action,
        obj=referral,
        description=description,
    )


def read_referral(
    *,
    referral_id: int,
    by: User,
    request: HttpRequest | None = None,
    action: str = LogAction.VIEW,
) -> tuple[Referral, str]:
    """The referral and the role the user sees it under, written to the access log as
    viewed (or printed, exported); a referral they may not see is a 404, also for
    superusers."""
    referral = (
        Referral.objects.select_related("sending_organisation", "team", "area", "sent_by")
        .filter(pk=referral_id)
        .first()
    )
    role = permissions.role_for(by, referral) if referral is not None else None
    if role is None:
        raise Http404
    _log(
        request=request,
        by=by,
        role=role,
        action=action,
        referral=referral,
        description=LogAction(action).label,
    )
    return referral, role


def read_for_access_request(
    *,
    participant: Participant,
    organisation: Organisation,
    by: User,
    request: HttpRequest | None = None,
) -> list[Referral]:
    """Every referral `organisation` sent about `participant`, with its history, for the
    resident's right of access (views_document.py); each is written to the access log
    as printed, one entry a referral. Only a coordinator of the organisation who may see
    the participant; anyone else a 404. Another organisation's referrals about the same
    resident are that organisation's to give: it keeps them, it answers for them."""
    if not can_send_referral(by, organisation) or not can_view_participant(by, participant):
        raise Http404
    referrals = list(
        Referral.objects.filter(participant=participant, sending_organisation=organisation)
        .select_related("sending_organisation", "team", "area")
        .prefetch_related(
            Prefetch(
                "transitions",
                queryset=ReferralTransition.objects.select_related("from_team", "to_team").order_by(
                    "at", "pk"
                ),
            )
        )
        .order_by("created_at", "pk")
    )
    for referral in referrals:
        _log(
            request=request,
            by=by,
            role=SENDER,
            action=LogAction.PRINT,
            referral=referral,
            description="right of access document",
        )
    return referrals


def log_search(*, by: User, role: str, request: HttpRequest | None = None) -> None:
    """A list or search of referrals was shown (never what was searched for)."""
    access_log.record(
        request=request,
        actor=by,
        role=role,
        action=LogAction.SEARCH,
        object_type=Referral._meta.label_lower,
        description="list of referrals",
    )


def visible_to(user: User) -> QuerySet[Referral]:
    """Referrals the user may see; a page that shows them calls log_search."""
    return Referral.objects.filter(permissions.visible_referrals_q(user))


# Sending -------------------------------------------------------------------------------------


@transaction.atomic
def send_referral(
    *,
    by: User,
    organisation: Organisation,
    categories: list[str],
    request: HttpRequest | None = None,
    participant: Participant | None = None,
    person_name: str = "",
    person_contact: str = "",
    area: Area | None = None,
    team: Organisation | None = None,
    free_text: str = "",
    urgency: str = Urgency.NORMAL,
    ground: str = Ground.CONSENT,
    consent_given_by: str = "",
    consent_how: str = "",
    consent_at: datetime | None = None,
    consent_text_version: str = "",
    urgent_ground_note: str = "",
) -> Referral:
    """Refer a resident to the wijkteam on behalf of `organisation`; the team's members
    hear there is a new referral. Consent is required, unless the coordinator records an
    urgent ground (acute danger), which the team sees flagged."""
    if not can_send_referral(by, organisation):
        raise DomainError(_("Only a coordinator of the organisation can refer someone."))
    if participant is not None:
        if not can_view_participant(by, participant) or participant.is_closed:
            raise DomainError(_("Choose a participant whose record is open."))
        person_name = _clean(person_name) or participant.name
        person_contact = _clean(person_contact) or participant.phone or participant.address
        area = area or participant.area
    person_name, person_contact = _clean(person_name), _clean(person_contact)
    if not person_name:
        raise DomainError(_("Fill in the name of the resident."))
    if not person_contact:
        raise DomainError(_("Say how the team can reach the resident: a telephone or address."))
    _too_long(person_name, MAX_NAME, _("Keep the name short: at most %(max)s characters."))
    _too_long(
        person_contact, MAX_CONTACT, _("Keep how to reach them short: at most %(max)s characters.")
    )
    chosen = set(categories or ())
    if not chosen or not chosen <= set(Category.values):
        raise DomainError(_("Choose what the referral is about."))
    free_text = _clean(free_text)
    _too_long(free_text, MAX_TEXT, _("Keep it short: at most %(max)s characters."))
    if Category.OTHER in chosen and not free_text:
        raise DomainError(_("Say in a few words what “other” is."))
    if urgency not in Urgency.values:
        raise DomainError(_("Choose how urgent it is."))
    consent = _consent(
        by=by,
        ground=ground,
        given_by=consent_given_by,
        how=consent_how,
        at=consent_at,
        version=consent_text_version,
        urgent_ground_note=urgent_ground_note,
    )
    team = team or route(area=area, organisation=organisation)
    if team is None:
        raise DomainError(_("There is no wijkteam for this village yet. Choose a team."))
    if team.kind != Organisation.Kind.WIJKTEAM or not team.is_active:
        raise DomainError(_("Choose a wijkteam."))
    now = timezone.now()
    referral = Referral.objects.create(
        sending_organisation=organisation,
        sent_by=by,
        team=team,
        participant=participant,
        person_name=person_name,
        person_contact=person_contact,
        area=area,
        categories=[c for c in Category.values if c in chosen],
        free_text=free_text,
        urgency=Urgency.URGENT if ground == Ground.ACUTE_DANGER else urgency,
        created_at=now,
        status_changed_at=now,
        assigned_at=now,
        **consent,
    )
    ReferralTransition.objects.create(
        referral=referral,
        action=Action.SEND,
        to_status=Status.SENT,
        to_team=team,
        by=by,
        by_role=SENDER,
        at=now,
    )
    _log(
        request=request,
        by=by,
        role=SENDER,
        action=LogAction.CHANGE,
        referral=referral,
        description="sent",
    )
    emails.queue_new(referral)
    return referral


def _consent(
    *,
    by: User,
    ground: str,
    given_by: str,
    how: str,
    at: datetime | None,
    version: str,
    urgent_ground_note: str,
) -> dict:
    if ground == Ground.ACUTE_DANGER:
        note = _clean(urgent_ground_note)
        if not note:
            raise DomainError(_("Describe the acute danger that makes consent impossible."))
        _too_long(note, MAX_TEXT, _("Keep it short: at most %(max)s characters."))
        return {"ground": ground, "urgent_ground_note": note}
    if ground != Ground.CONSENT:
        raise DomainError(_("Record the resident's consent, or an urgent ground."))
    given_by = _clean(given_by)
    if not given_by:
        raise DomainError(_("Say who agreed: the resident, or who speaks for them."))
    _too_long(given_by, MAX_NAME, _("Keep who agreed short: at most %(max)s characters."))
    if how not in ConsentHow.values:
        raise DomainError(_("Say how the resident agreed."))
    if at is None or at > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("Say when the resident agreed (not in the future)."))
    if version not in CONSENT_TEXTS:
        raise DomainError(_("Read out the consent text and record its version."))
    return {
        "ground": ground,
        "consent_given_by": given_by,
        "consent_how": how,
        "consent_at": at,
        "consent_text_version": version,
        "consent_recorded_by": by,
    }


# The state machine ---------------------------------------------------------------------------


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("sending_organisation", "team")
        .get(pk=referral.pk)
    )


def _role(by: User, referral: Referral, side: str) -> str:
    allowed = (
        permissions.is_team(by, referral) if side == TEAM else permissions.is_sender(by, referral)
    )
    if not allowed:
        if side == TEAM:
            raise DomainError(_("Only the wijkteam the referral is addressed to can do this."))
        raise DomainError(_("Only a coordinator of the referring organisation can do this."))
    return side


def _refuse_status(referral: Referral) -> None:
    if referral.status in CLOSED_STATUSES:
        raise DomainError(_("This referral is closed."))
    raise DomainError(
        _("This cannot be done now: the referral is %(status)s.")
        % {"status": referral.get_status_display()}
    )


def _move(
    referral: Referral,
    *,
    action: str,
    to_status: str,
    by: User | None,
    role: str,
    request: HttpRequest | None,
    reason: str = "",
    note: str = "",
    to_team: Organisation | None = None,
) -> Referral:
    """Write the new status (or team), its transition row and the access log entry."""
    now = timezone.now()
    from_status, from_team = referral.status, referral.team
    fields = ["status", "status_changed_at"]
    referral.status = to_status
    referral.status_changed_at = now
    if to_status == Status.ACCEPTED:
        referral.accepted_at = now
        fields.append("accepted_at")
    if to_status in CLOSED_STATUSES:
        referral.closed_at = now
        referral.closed_reason = reason
        referral.closed_note = note
        fields += ["closed_at", "closed_reason", "closed_note"]
    if to_team is not None:
        referral.team = to_team
        referral.accepted_at = None
        referral.assigned_at = now
        referral.reminded_team_at = None
        referral.reminded_sender_at = None
        fields += ["team", "accepted_at", "assigned_at", "reminded_team_at", "reminded_sender_at"]
    referral.save(update_fields=fields)
    ReferralTransition.objects.create(
        referral=referral,
        action=action,
        from_status=from_status,
        to_status=to_status,
        from_team=from_team if to_team is not None else None,
        to_team=to_team,
        by=by,
        by_role=role,
        at=now,
        reason=reason,
        note=note,
    )
    _log(
        request=request,
        by=by,
        role=role,
        action=LogAction.CHANGE,
        referral=referral,
        description=action,
    )
    return referral


@transaction.atomic
def transition(
    *,
    referral: Referral,
    action: str,
    by: User,
    request: HttpRequest | None = None,
    reason: str = "",
    note: str = "",
) -> Referral:
    """Take one step of `TRANSITIONS` (accept, decline, start, complete, close without
    result, cancel); the other side hears of it. Reassigning has its own function."""
    step = TRANSITIONS.get(action)
    if step is None or action == Action.REASSIGN:
        raise ValueError(f"Not a transition: {action!r}")
    referral = _locked(referral)
    role = _role(by, referral, step.side)
    if referral.status not in step.sources:
        _refuse_status(referral)
    note = _clean(note)
    if step.reasons:
        if reason not in step.reasons:
            raise DomainError(_("Choose a reason."))
        if reason == Reason.OTHER and not note:
            raise DomainError(_("Say in a few words what the reason is."))
    elif reason:
        raise DomainError(_("No reason is asked for this step."))
    _too_long(note, MAX_NOTE, _("Keep it short: at most %(max)s characters."))
    _move(
        referral,
        action=action,
        to_status=step.target,
        by=by,
        role=role,
        request=request,
        reason=reason,
        note=note,
    )
    emails.queue_changed(referral, told=SENDER if step.side == TEAM else TEAM, by=by)
    return referral


def available_actions(referral: Referral, role: str) -> list[str]:
    """The steps the reader may take now, in the order a page offers them."""
    actions = [
        action
        for action, step in TRANSITIONS.items()
        if step.side == role and referral.status in step.sources
    ]
    if referral.status not in CLOSED_STATUSES and referral.ground == Ground.CONSENT:
        actions.append(Action.WITHDRAW_CONSENT)
    return actions


def reasons_for(action: str) -> list[str]:
    """The reasons a step accepts, in the order of `Reason` (empty: none asked)."""
    step = TRANSITIONS.get(action)
    return [r for r in Reason.values if step is not None and r in step.reasons]


def accept_referral(*, referral: Referral, by: User, request: HttpRequest | None = None):
    return transition(referral=referral, action=Action.ACCEPT, by=by, request=request)


def decline_referral(
    *, referral: Referral, by: User, reason: str, note: str = "", request=None
) -> Referral:
    return transition(
        referral=referral, action=Action.DECLINE, by=by, reason=reason, note=note, request=request
    )


def start_referral(*, referral: Referral, by: User, request: HttpRequest | None = None):
    return transition(referral=referral, action=Action.START, by=by, request=request)


def close_referral(
    *,
    referral: Referral,
    by: User,
    completed: bool,
    reason: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Close with a short outcome (reason and a few words) that goes back to the sender."""
    action = Action.COMPLETE if completed else Action.CLOSE_UNCOMPLETED
    return transition(
        referral=referral, action=action, by=by, reason=reason, note=note, request=request
    )


def cancel_referral(
    *, referral: Referral, by: User, reason: str, note: str = "", request=None
) -> Referral:
    return transition(
        referral=referral, action=Action.CANCEL, by=by, reason=reason, note=note, request=request
    )


@transaction.atomic
def reassign_referral(
    *,
    referral: Referral,
    by: User,
    team: Organisation,
    note: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Pass a referral not yet in contact to another wijkteam: it starts over there as
    sent; that team hears of a new referral, the sender of a change."""
    step = TRANSITIONS[Action.REASSIGN]
    referral = _locked(referral)
    role = _role(by, referral, step.side)
    if referral.status not in step.sources:
        _refuse_status(referral)
    if team.kind != Organisation.Kind.WIJKTEAM or not team.is_active:
        raise DomainError(_("Choose a wijkteam."))
    if team.pk == referral.team_id:
        raise DomainError(_("Choose another team than your own."))
    note = _clean(note)
    _too_long(note, MAX_NOTE, _("Keep it short: at most %(max)s characters."))
    _move(
        referral,
        action=Action.REASSIGN,
        to_status=step.target,
        by=by,
        role=role,
        request=request,
        note=note,
        to_team=team,
    )
    emails.queue_new(referral)
    emails.queue_changed(referral, told=SENDER, by=by)
    return referral


@transaction.atomic
def withdraw_consent(
    *, referral: Referral, by: User, note: str = "", request: HttpRequest | None = None
) -> Referral:
    """The resident withdrew consent (told the coordinator or the team, who records it):
    the referral is closed and the other side is told. Its details stay until the
    retention period ends, as the record of what was done."""
    referral = _locked(referral)
    role = permissions.role_for(by, referral)
    if role is None:
        raise DomainError(_("Only the coordinator or the wijkteam can record this."))
    if referral.status in CLOSED_STATUSES:
        raise DomainError(_("This referral is closed."))
    if referral.ground != Ground.CONSENT:
        raise DomainError(_("This referral was sent without consent, on an urgent ground."))
    note = _clean(note)
    _too_long(note, MAX_NOTE, _("Keep it short: at most %(max)s characters."))
    referral.consent_withdrawn_at = timezone.now()
    referral.save(update_fields=["consent_withdrawn_at"])
    _move(
        referral,
        action=Action.WITHDRAW_CONSENT,
        to_status=_closing_status(referral.status),
        by=by,
        role=role,
        request=request,
        reason=Reason.CONSENT_WITHDRAWN,
        note=note,
    )
    emails.queue_changed(referral, told=TEAM, by=by)
    emails.queue_changed(referral, told=SENDER, by=by)
    return referral


# Reminders -----------------------------------------------------------------------------------

BATCH_SIZE = 200


def team_reminders_due(now: datetime) -> QuerySet[Referral]:
    """Sent and not picked up for REFERRAL_REMIND_TEAM_AFTER working days, not reminded."""
    return Referral.objects.filter(
        status=Status.SENT,
        reminded_team_at__isnull=True,
        assigned_at__lt=due_before(now, settings.REFERRAL_REMIND_TEAM_AFTER),
    )


def sender_reminders_due(now: datetime) -> QuerySet[Referral]:
    """Still not picked up REFERRAL_REMIND_SENDER_AFTER working days on: the sender hears."""
    return Referral.objects.filter(
        status=Status.SENT,
        reminded_sender_at__isnull=True,
        assigned_at__lt=due_before(now, settings.REFERRAL_REMIND_SENDER_AFTER),
    )


def _claim(due: QuerySet[Referral], flag: str, queue, batch_size: int) -> int:
    """Claim due rows in batches (`SKIP LOCKED`: two runs at once share them) and set the
    flag in the transaction that queues the messages: each is told once."""
    queued = 0
    while True:
        with transaction.atomic():
            batch = list(
                due.order_by("assigned_at", "pk")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("team", "sending_organisation", "sent_by")[:batch_size]
            )
            if not batch:
                return queued
            Referral.objects.filter(pk__in=[r.pk for r in batch]).update(**{flag: timezone.now()})
            for referral in batch:
                queued += queue(referral)


def queue_reminders(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Remind the team once, then the sender once, of a referral nobody picked up. Safe to
    run twice, or twice at once."""
    now = now or timezone.now()
    return {
        "teams": _claim(
            team_reminders_due(now), "reminded_team_at", emails.queue_team_reminder, batch_size
        ),
        "senders": _claim(
            sender_reminders_due(now),
            "reminded_sender_at",
            emails.queue_sender_reminder,
            batch_size,
        ),
    }


# Retention and erasure -----------------------------------------------------------------------

#: What a purge empties: everything that says who the resident is or what is going on.
PERSONAL_FIELDS = {
    "participant": None,
    "person_name": "",
    "person_contact": "",
    "free_text": "",
    "consent_given_by": "",
    "urgent_ground_note": "",
    "closed_note": "",
    "sent_by": None,
    "consent_recorded_by": None,
}


def _purge(referral_ids: list[int], *, description: str) -> None:
    now = timezone.now()
    Referral.objects.filter(pk__in=referral_ids).update(purged_at=now, **PERSONAL_FIELDS)
    ReferralTransition.objects.filter(referral_id__in=referral_ids).update(note="", by=None)
    for referral_id in referral_ids:
        access_log.record(
            role=SYSTEM_ROLE,
            action=LogAction.CHANGE,
            object_type=Referral._meta.label_lower,
            object_id=str(referral_id),
            description=description,
        )


def referrals_to_purge(now: datetime) -> QuerySet[Referral]:
    cutoff = now - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    return Referral.objects.filter(purged_at__isnull=True, closed_at__lt=cutoff)


def purge_expired(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Nightly: the personal details of referrals closed longer than the retention period
    go; what stays is anonymous (categories, area, team, organisation, dates, outcome),
    for the overviews. Each purge is written to the access log."""
    now = now or timezone.now()
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                referrals_to_purge(now)
                .order_by("closed_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return purged
            _purge(ids, description="personal details deleted (retention)")
            purged += len(ids)


@transaction.atomic
def erase_for_resident(*, user: User) -> int:
    """The resident deletes their account ("my data"): referrals about a participant
    record linked to it are closed where still open (the team is told: it must stop) and
    their personal details are purged at once, closed ones too. The anonymous record stays.
    Returns how many."""
    referrals = list(
        Referral.objects.select_for_update(of=("self",))
        .select_related("team", "sending_organisation")
        .filter(participant__user=user, purged_at__isnull=True)
    )
    for referral in referrals:
        if referral.status not in CLOSED_STATUSES:
            _move(
                referral,
                action=Action.ERASE,
                to_status=_closing_status(referral.status),
                by=None,
                role=SYSTEM_ROLE,
                request=None,
                reason=Reason.DATA_ERASED,
            )
            emails.queue_changed(referral, told=TEAM, by=None)
            emails.queue_changed(referral, told=SENDER, by=None)
    _purge([r.pk for r in referrals], description="personal details deleted (erasure)")
    return len(referrals)


def log_own_data(*, user: User, referral_ids: list[int], action: str) -> None:
    """The resident saw or downloaded referrals about them ("my data")."""
    for referral_id in referral_ids:
        access_log.record(
            actor=user,
            role="resident",
            action=action,
            object_type=Referral._meta.label_lower,
            object_id=str(referral_id),
            description="my data",
        )


def team_members(team_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.WIJKTEAM, memberships__organisation_id=team_id
        )
        .distinct()
        .order_by("pk")
    )


def who_hears(referral: Referral, side: str) -> list[User]:
    """The team's members; or the coordinator who sent it while they still coordinate
    there, else every coordinator of the referring organisation (someone must hear)."""
    if side == TEAM:
        return team_members(referral.team_id)
    everyone = coordinators_of(referral.sending_organisation_id)
    sender = [u for u in everyone if u.pk == referral.sent_by_id]
    return sender or everyone
