"""Signing up for shifts, the waiting list, offered places and stand-ins.

Places are decided under a row lock on the shift (`_lock`): signing up, cancelling,
accepting or declining an offered place, letting an offer run out and taking over a shift
all lock the shift first (and nothing before it), so they queue up behind each other and
cannot deadlock. `Shift.confirmed_count` is kept in the same transaction; the database
check `shift_never_overbooked` is the last guard.

A place that comes free is never given away silently: it is *offered* to the first
volunteer on the waiting list, who accepts it within the organisation's `offer_hours`
(never later than the shift's start). An offer that runs out (`expire_offers`, run
periodically) is **cancelled**, not put back on the waiting list: put back first in line,
it would be offered again at once; put back last, its place in the queue would be
rewritten. The volunteer hears so by e-mail and can sign up again in one click (joining
the end of the waiting list). The place then passes to the next in line.

New sign-ups never jump the queue: a free place goes to the waiting list first
(`_offer_free_places`), and a place on offer counts as taken until the offer is answered.

Requirements (VOG, training, driving licence, minimum age) are checked on the shift's own
date. The age counts as the age reached in the shift's year: the profile keeps only the
year of birth.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from network.models import User
from network.shared import DomainError

from . import emails
from .models import (
    ACTIVE_SIGNUP_STATUSES,
    Certificate,
    CertificateKind,
    Shift,
    SignUp,
    SignUpStatus,
    Task,
    VolunteeringSettings,
    VolunteerProfile,
    new_feed_token,
)
from .permissions import can_volunteer_for

# Requirements -----------------------------------------------------------------------------


class Qualifications:
    """What a volunteer brings to a task: their certificates and year of birth, read once
    (two queries) and then asked about any number of shifts."""

    def __init__(self, user: User, *, profile: VolunteerProfile | None = None, certificates=None):
        self.user = user
        if profile is None:
            profile = VolunteerProfile.objects.filter(user=user).first()
        self.profile = profile
        self.birth_year = profile.birth_year if profile is not None else None
        if certificates is None:
            certificates = list(Certificate.objects.filter(user=user))
        self.certificates = list(certificates)

    def _valid(self, kind: str, day: date, name: str = "") -> bool:
        wanted = name.strip().casefold()
        return any(
            certificate.kind == kind
            and (not wanted or certificate.name.strip().casefold() == wanted)
            and certificate.valid_on(day)
            for certificate in self.certificates
        )

    def problems(self, task: Task, day: date) -> list[str]:
        """Why the volunteer cannot do the task on `day`, each in words; empty: they can."""
        when = date_format(day, "j F Y")
        found = []
        if task.requires_vog and not self._valid(CertificateKind.VOG, day):
            found.append(
                _(
                    "This task asks for a certificate of conduct (VOG) that is still valid "
                    "on %(date)s. We have no such certificate for you. Add it to your "
                    "profile, or ask the coordinator."
                )
                % {"date": when}
            )
        training = task.required_training.strip()
        if training and not self._valid(CertificateKind.TRAINING, day, training):
            found.append(
                _(
                    "This task asks for the training “%(training)s”, valid on %(date)s. We "
                    "have no record of it for you. Add it to your profile, or ask the "
                    "coordinator."
                )
                % {"training": training, "date": when}
            )
        if task.requires_driving_licence and not self._valid(CertificateKind.DRIVING_LICENCE, day):
            found.append(
                _(
                    "This task asks for a driving licence that is valid on %(date)s. Add it "
                    "to your profile, or ask the coordinator."
                )
                % {"date": when}
            )
        if task.minimum_age:
            if self.birth_year is None:
                found.append(
                    _(
                        "This task is for volunteers aged %(age)d or older. Fill in your year "
                        "of birth in your profile first."
                    )
                    % {"age": task.minimum_age}
                )
            elif day.year - self.birth_year < task.minimum_age:
                found.append(
                    _("This task is for volunteers aged %(age)d or older.")
                    % {"age": task.minimum_age}
                )
        return found

    def _ranges_q(self, kind: str, *, by_name: bool = False) -> Q:
        """Shifts on a day one of the certificates of `kind` is valid (`by_name`: and the
        certificate is the training the task asks for)."""
        condition = Q(pk__in=[])
        for certificate in self.certificates:
            if certificate.kind != kind:
                continue
            term = Q(starts_at__date__gte=certificate.issued_on)
            if certificate.expires_on is not None:
                term &= Q(starts_at__date__lte=certificate.expires_on)
            if by_name:
                term &= Q(task__required_training__iexact=certificate.name.strip())
            condition |= term
        return condition

    def shifts_q(self) -> Q:
        """The same rules as `problems`, as a condition on shifts: the ones they can do."""
        vog = Q(task__requires_vog=False) | self._ranges_q(CertificateKind.VOG)
        training = Q(task__required_training="") | self._ranges_q(
            CertificateKind.TRAINING, by_name=True
        )
        licence = Q(task__requires_driving_licence=False) | self._ranges_q(
            CertificateKind.DRIVING_LICENCE
        )
        age = Q(task__minimum_age__isnull=True) | Q(task__minimum_age=0)
        if self.birth_year is not None:
            age |= Q(minimum_age_reached__gte=F("task__minimum_age"))
        return vog & training & licence & age

    def annotate(self, shifts: QuerySet) -> QuerySet:
        """The shifts with what `shifts_q` needs (the age reached in the shift's year)."""
        if self.birth_year is None:
            return shifts
        return shifts.annotate(minimum_age_reached=ExtractYear("starts_at") - self.birth_year)


def shift_day(shift: Shift) -> date:
    return timezone.localdate(shift.starts_at)


def requirement_problems(*, shift: Shift, volunteer: User) -> list[str]:
    """Why the volunteer does not meet the task's requirements on the shift's date."""
    return Qualifications(volunteer).problems(shift.task, shift_day(shift))


# Reading -----------------------------------------------------------------------------------


def overlapping_shifts(*, volunteer: User, shift: Shift) -> QuerySet[Shift]:
    """The volunteer's other shifts (signed up, offered or waiting) at the same time: a
    warning, never a refusal."""
    return (
        Shift.objects.filter(
            starts_at__lt=shift.ends_at,
            ends_at__gt=shift.starts_at,
            is_cancelled=False,
            signups__volunteer=volunteer,
            signups__status__in=ACTIVE_SIGNUP_STATUSES,
        )
        .exclude(pk=shift.pk)
        .select_related("task")
        .distinct()
        .order_by("starts_at", "pk")
    )


def offered_places(shift: Shift) -> int:
    """Places on offer to waiting volunteers: taken until they answer. The
    `offered_count` set by `attach_offers` when present."""
    annotated = getattr(shift, "offered_count", None)
    if annotated is not None:
        return annotated
    return SignUp.objects.filter(shift=shift, status=SignUpStatus.OFFERED).count()


def places_left(shift: Shift) -> int:
    """Places a new volunteer can still get: not confirmed and not on offer."""
    return max(0, shift.places - shift.confirmed_count - offered_places(shift))


#: A confirmed sign-up whose volunteer cannot come and asks someone to take over.
STAND_IN_WANTED = Q(
    status=SignUpStatus.CONFIRMED, stand_in_wanted_at__isnull=False, taken_over_by__isnull=True
)


def attach_offers(shifts: list[Shift]) -> list[Shift]:
    """Give each shift of a page its `offered_count` and `stand_in_wanted`, in one query
    for the whole page, so `places_left` and the list need no query per shift (and the
    count of a long list does not compute them for every row)."""
    by_shift = {shift.pk: shift for shift in shifts}
    for shift in shifts:
        shift.offered_count = 0
        shift.stand_in_wanted = False
    # The condition itself, not `pk__in` a subquery: PostgreSQL answered that with a full
    # scan of every sign-up (440,000 at region scale, 130 ms) instead of these shifts' rows.
    rows = SignUp.objects.filter(shift_id__in=list(by_shift)).filter(
        Q(status=SignUpStatus.OFFERED) | STAND_IN_WANTED
    )
    for shift_id, status in rows.values_list("shift_id", "status"):
        if status == SignUpStatus.OFFERED:
            by_shift[shift_id].offered_count += 1
        else:
            by_shift[shift_id].stand_in_wanted = True
    return shifts


def stand_ins_wanted() -> QuerySet[SignUp]:
    """Confirmed sign-ups whose volunteer cannot come and asks someone to take over."""
    return SignUp.objects.filter(STAND_IN_WANTED)


# The lock and the places ---------------------------------------------------------------------


def _lock(shift: Shift) -> Shift:
    """The shift, re-read under a row lock: whoever holds it decides about its places."""
    return (
        Shift.objects.select_for_update(of=("self",))
        .select_related("task__organisation")
        .get(pk=shift.pk)
    )


def _locked_signup(signup: SignUp) -> tuple[Shift, SignUp]:
    """The sign-up's shift locked, then the sign-up itself re-read (its status may have
    changed while we waited for the lock)."""
    shift = _lock(signup.shift)
    current = SignUp.objects.select_for_update(of=("self",)).get(pk=signup.pk)
    current.shift = shift
    return shift, current


def _settings(shift: Shift) -> VolunteeringSettings:
    return VolunteeringSettings.for_organisation(shift.task.organisation)


def _started(shift: Shift, now: datetime) -> bool:
    return shift.starts_at <= now


def _offer_free_places(shift: Shift, now: datetime) -> list[SignUp]:
    """Offer every free place to the waiting list, first come first served. Call with the
    shift locked. Each offered volunteer is told by e-mail and must accept in time."""
    if shift.is_cancelled or _started(shift, now) or not shift.task.is_active:
        return []
    free = shift.places - shift.confirmed_count - offered_places(shift)
    if free <= 0:
        return []
    hours = _settings(shift).offer_hours
    expires = min(now + timedelta(hours=hours), shift.starts_at)
    waiting = list(
        SignUp.objects.select_for_update(of=("self",))
        .filter(shift=shift, status=SignUpStatus.WAITING)
        .order_by("created_at", "pk")[:free]
    )
    for signup in waiting:
        signup.status = SignUpStatus.OFFERED
        signup.offer_expires_at = expires
        signup.save(update_fields=["status", "offer_expires_at"])
        emails.queue_place_offered(signup)
    return waiting


def _change_confirmed(shift: Shift, by: int) -> None:
    Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") + by)
    shift.confirmed_count += by


def closed_reason(shift: Shift, now: datetime) -> str | None:
    if shift.is_cancelled:
        return _("This shift is cancelled.")
    if _started(shift, now):
        return _("This shift has already started or is over.")
    if not shift.task.is_active:
        return _("This task is not open for sign-up at the moment.")
    return None


def _already(signup: SignUp) -> str:
    if signup.status == SignUpStatus.CONFIRMED:
        return _("You are already signed up for this shift.")
    if signup.status == SignUpStatus.OFFERED:
        return _("A place on this shift is offered to you: accept it under “My shifts”.")
    return _("You are already on the waiting list for this shift.")


def _check_volunteer(shift: Shift, volunteer: User, now: datetime) -> None:
    """The checks that every way onto a shift shares: role, open shift, requirements."""
    if not can_volunteer_for(volunteer, shift.task.organisation):
        raise DomainError(_("You are not a volunteer of this organisation."))
    reason = closed_reason(shift, now)
    if reason:
        raise DomainError(reason)
    problems = requirement_problems(shift=shift, volunteer=volunteer)
    if problems:
        raise DomainError(" ".join(problems))


# Signing up and cancelling ----------------------------------------------------------------


@transaction.atomic
def sign_up(*, shift: Shift, volunteer: User, now: datetime | None = None) -> SignUp:
    """A place on the shift when one is free, else a place on the waiting list.

    Refused (DomainError, in words) when the volunteer does not volunteer for the
    organisation, the shift is cancelled or has started, the task is closed, a requirement
    is not met on the shift's date, or they already have a sign-up for it.
    """
    now = now or timezone.now()
    shift = _lock(shift)
    _check_volunteer(shift, volunteer, now)
    existing = SignUp.objects.active().filter(shift=shift, volunteer=volunteer).first()
    if existing is not None:
        raise DomainError(_already(existing))
    # Places that came free while people wait go to them first: nobody jumps the queue.
    _offer_free_places(shift, now)
    free = places_left(shift)
    signup = SignUp.objects.create(
        shift=shift,
        volunteer=volunteer,
        status=SignUpStatus.CONFIRMED if free > 0 else SignUpStatus.WAITING,
    )
    if signup.status == SignUpStatus.CONFIRMED:
        _change_confirmed(shift, +1)
    return signup


def cancel_deadline(shift: Shift) -> datetime:
    """Until when a volunteer cancels on the site (after it: call the coordinator)."""
    return shift.starts_at - timedelta(hours=_settings(shift).cancel_deadline_hours)


def too_late_message(shift: Shift) -> str:
    settings = _settings(shift)
    hours = settings.cancel_deadline_hours
    if settings.contact_phone:
        return _(
            "It is too late to cancel here: that is possible until %(hours)d hours before "
            "the shift. Please call the coordinator on %(phone)s, or ask for a stand-in."
        ) % {"hours": hours, "phone": settings.contact_phone}
    return _(
        "It is too late to cancel here: that is possible until %(hours)d hours before the "
        "shift. Please contact the coordinator of %(organisation)s, or ask for a stand-in."
    ) % {"hours": hours, "organisation": shift.task.organisation.name}


@transaction.atomic
def cancel_signup(*, signup: SignUp, now: datetime | None = None) -> SignUp:
    """The volunteer cannot come. A confirmed place can be cancelled until the
    organisation's deadline and then goes, as an offer, to the first on the waiting list.
    Leaving the waiting list (or declining an offer) is possible until the shift starts."""
    now = now or timezone.now()
    shift, signup = _locked_signup(signup)
    if signup.status == SignUpStatus.CANCELLED:
        raise DomainError(_("This sign-up is already cancelled."))
    if _started(shift, now):
        raise DomainError(_("This shift has already started or is over."))
    was_confirmed = signup.status == SignUpStatus.CONFIRMED
    if was_confirmed and not shift.is_cancelled and now > cancel_deadline(shift):
        raise DomainError(too_late_message(shift))
    signup.status = SignUpStatus.CANCELLED
    signup.cancelled_at = now
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
    if was_confirmed:
        _change_confirmed(shift, -1)
    _offer_free_places(shift, now)
    return signup


# Offered places ------------------------------------------------------------------------------


@transaction.atomic
def accept_offer(*, signup: SignUp, now: datetime | None = None) -> SignUp:
    """Take the place that was offered: the volunteer is confirmed now."""
    now = now or timezone.now()
    shift, signup = _locked_signup(signup)
    if signup.status == SignUpStatus.CONFIRMED:
        raise DomainError(_("You already have this place."))
    if signup.status != SignUpStatus.OFFERED:
        raise DomainError(_("No place is offered to you on this shift."))
    if signup.offer_expires_at is not None and signup.offer_expires_at <= now:
        raise DomainError(
            _("The time to accept this place has passed, so it goes to the next person.")
        )
    _check_volunteer(shift, signup.volunteer, now)
    if shift.confirmed_count >= shift.places:  # fewer places since the offer was made
        raise DomainError(_("Sorry, this place is no longer free."))
    signup.status = SignUpStatus.CONFIRMED
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "offer_expires_at"])
    _change_confirmed(shift, +1)
    return signup


@transaction.atomic
def decline_offer(*, signup: SignUp, now: datetime | None = None) -> SignUp:
    """No, thank you: the sign-up is cancelled and the place offered to the next in line."""
    now = now or timezone.now()
    shift, signup = _locked_signup(signup)
    if signup.status != SignUpStatus.OFFERED:
        raise DomainError(_("No place is offered to you on this shift."))
    signup.status = SignUpStatus.CANCELLED
    signup.cancelled_at = now
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
    _offer_free_places(shift, now)
    return signup


def expire_offers(*, now: datetime | None = None) -> int:
    """Offers nobody answered in time: cancelled (the volunteer is told and can sign up
    again), the place offered to the next in line. Returns how many ran out. Safe to run
    twice at once: each shift is handled under its lock, and only offers still open then."""
    now = now or timezone.now()
    shift_ids = (
        SignUp.objects.filter(status=SignUpStatus.OFFERED, offer_expires_at__lte=now)
        .order_by("shift_id")
        .values_list("shift_id", flat=True)
        .distinct()
    )
    expired = 0
    for shift_id in list(shift_ids):
        expired += _expire_shift_offers(shift_id, now)
    return expired


@transaction.atomic
def _expire_shift_offers(shift_id: int, now: datetime) -> int:
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("task__organisation")
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:
        return 0
    lapsed = list(
        SignUp.objects.select_for_update(of=("self",)).filter(
            shift=shift, status=SignUpStatus.OFFERED, offer_expires_at__lte=now
        )
    )
    for signup in lapsed:
        signup.status = SignUpStatus.CANCELLED
        signup.cancelled_at = now
        signup.save(update_fields=["status", "cancelled_at"])
        emails.queue_offer_expired(signup)
    _offer_free_places(shift, now)
    return len(lapsed)


@transaction.atomic
def offer_free_places(*, shift: Shift, now: datetime | None = None) -> list[SignUp]:
    """For other services: after a shift got more places, offer them to the waiting list."""
    return _offer_free_places(_lock(shift), now or timezone.now())


# Stand-ins ---------------------------------------------------------------------------------


@transaction.atomic
def ask_stand_in(*, signup: SignUp, now: datetime | None = None) -> SignUp:
    """“I cannot come”: the shift shows as wanting a stand-in to the organisation's other
    volunteers, who take it over in one click. The volunteer keeps the place until then."""
    now = now or timezone.now()
    shift, signup = _locked_signup(signup)
    if signup.status != SignUpStatus.CONFIRMED:
        raise DomainError(_("Only a shift you are signed up for can be handed over."))
    reason = closed_reason(shift, now)
    if reason:
        raise DomainError(reason)
    if signup.stand_in_wanted_at is None:
        signup.stand_in_wanted_at = now
        signup.save(update_fields=["stand_in_wanted_at"])
    return signup


@transaction.atomic
def withdraw_stand_in_request(*, signup: SignUp) -> SignUp:
    """“I can come after all”, as long as nobody took the shift over."""
    _shift, signup = _locked_signup(signup)
    if signup.status != SignUpStatus.CONFIRMED:
        raise DomainError(_("Someone else has already taken over this shift."))
    if signup.stand_in_wanted_at is not None:
        signup.stand_in_wanted_at = None
        signup.save(update_fields=["stand_in_wanted_at"])
    return signup


@transaction.atomic
def take_over(*, signup: SignUp, volunteer: User, now: datetime | None = None) -> SignUp:
    """Another qualified volunteer takes the place in one click: a confirmed sign-up for
    them, the original one cancelled (`taken_over_by`), the count unchanged. The original
    volunteer and the organisation's coordinators are told."""
    now = now or timezone.now()
    shift, signup = _locked_signup(signup)
    if signup.volunteer_id == volunteer.pk:
        raise DomainError(_("This is your own shift."))
    if (
        signup.status != SignUpStatus.CONFIRMED
        or signup.stand_in_wanted_at is None
        or signup.taken_over_by_id is not None
    ):
        raise DomainError(_("This shift no longer needs a stand-in: someone was quicker."))
    _check_volunteer(shift, volunteer, now)
    mine = (
        SignUp.objects.select_for_update(of=("self",))
        .active()
        .filter(shift=shift, volunteer=volunteer)
        .first()
    )
    if mine is not None and mine.status == SignUpStatus.CONFIRMED:
        raise DomainError(_("You are already signed up for this shift."))
    if mine is not None:
        # Waiting (or offered a place) on this shift: that sign-up becomes the confirmed
        # one, and a place it was offered goes to the next in line below.
        mine.status = SignUpStatus.CONFIRMED
        mine.offer_expires_at = None
        mine.save(update_fields=["status", "offer_expires_at"])
    else:
        mine = SignUp.objects.create(
            shift=shift, volunteer=volunteer, status=SignUpStatus.CONFIRMED
        )
    signup.status = SignUpStatus.CANCELLED
    signup.cancelled_at = now
    signup.taken_over_by = mine
    signup.save(update_fields=["status", "cancelled_at", "taken_over_by"])
    emails.queue_taken_over(signup)
    _offer_free_places(shift, now)
    return mine


# The personal calendar feed ----------------------------------------------------------------


@transaction.atomic
def renew_feed_token(*, user: User) -> VolunteerProfile:
    """A new secret address for the volunteer's calendar; the old one stops working."""
    profile, created = VolunteerProfile.objects.select_for_update().get_or_create(user=user)
    if not created:
        profile.feed_token = new_feed_token()
        profile.save(update_fields=["feed_token", "updated_at"])
    return profile
