"""Residents registering for one date of an activity, with a waiting list.

Minimal data: a name and one way to reach the person. The registration's token is the
secret that lets its owner see and cancel it, so nobody needs an account. Places are
counted under a row lock on the date (the Occurrence), so two residents pressing the
button at the same moment can never both get the last place; the e-mails are queued
only after the transaction commits, and each is sent at most once.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from network import public_cache
from network.models import User
from network.shared import DomainError

from . import emails
from .models import Occurrence, Registration, RegistrationStatus, Status

MAX_PARTY_SIZE = 10
ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
#: Characters nobody mixes up on the telephone or on paper: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 6


def normalise_phone(phone: str) -> str:
    """Digits only (with a leading + kept), so "06-123 45 678" and "0612345678" match."""
    phone = phone.strip()
    if not phone:
        return ""
    return ("+" if phone.startswith("+") else "") + re.sub(r"\D", "", phone)


def closed_reason(occurrence: Occurrence, *, now=None) -> str | None:
    """Why nobody can register for this date, in words for the resident; None when open."""
    activity = occurrence.activity
    now = now or timezone.now()
    if not activity.registration_required:
        return _("You do not need to register for this activity: just come along.")
    if activity.status == Status.CANCELLED or occurrence.is_cancelled:
        return _("This date is cancelled, so you cannot register for it.")
    if activity.status != Status.PUBLISHED:
        return _("You can register once the activity is published.")
    if occurrence.starts_at <= now:
        return _("This date has already started or is over, so you cannot register any more.")
    return None


def confirmed_places(occurrence: Occurrence) -> int:
    """People (party sizes summed) with a confirmed place on the date; the
    `confirmed_places` annotation (OccurrenceQuerySet.annotate_confirmed) when present."""
    annotated = getattr(occurrence, "confirmed_places", None)
    if annotated is not None:
        return annotated
    return (
        Registration.objects.filter(
            occurrence=occurrence, status=RegistrationStatus.CONFIRMED
        ).aggregate(total=Sum("party_size"))["total"]
        or 0
    )


def places_left(occurrence: Occurrence) -> int | None:
    """Places still free on the date; None when there is no limit.

    The one answer for every page. People on the waiting list do not count: a party that
    fits the free places gets them (a bigger waiting party keeps its turn for later), so
    with 10 places, 8 taken and a party of 4 waiting, 2 places are left.
    """
    capacity = occurrence.activity.capacity
    if capacity is None:
        return None
    return max(capacity - confirmed_places(occurrence), 0)


def organiser_phone(activity) -> str:
    """The number residents call about a registration: the activity's own contact number,
    else its organisation's. Empty when neither is known."""
    return activity.contact_phone or activity.organisation.phone


def _new_reference(occurrence: Occurrence) -> str:
    """A short code, unique on this date, for someone without e-mail to quote on the phone.

    Call with the date locked: nobody else can take the same code in the meantime.
    """
    taken = set(
        Registration.objects.filter(occurrence=occurrence)
        .exclude(reference="")
        .values_list("reference", flat=True)
    )
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if code not in taken:
            return code


def _already_registered(occurrence: Occurrence, existing: Registration, entered: bool) -> str:
    """Why a second registration is refused, fitting how the first one was made: an e-mail
    holds a link; someone who only gave a telephone number calls the organiser."""
    if entered:
        return _("Someone with this telephone number or e-mail address is already on the list.")
    if existing.email:
        return _(
            "You are already registered for this date. The e-mail we sent you has a "
            "link to see your registration or to withdraw."
        )
    activity = occurrence.activity
    phone = organiser_phone(activity)
    if phone:
        return _(
            "You are already registered for this date with your telephone number. To "
            "withdraw, call %(organisation)s on %(phone)s and give the code you got when "
            "you registered."
        ) % {"organisation": activity.organisation.name, "phone": phone}
    return _(
        "You are already registered for this date with your telephone number. To "
        "withdraw, contact %(organisation)s and give the code you got when you registered."
    ) % {"organisation": activity.organisation.name}


def _lock(occurrence: Occurrence) -> Occurrence:
    """The date, re-read under a row lock: whoever holds it decides about its places.

    Registering and cancelling both take this lock first (and nothing else before it),
    so they queue up behind each other and cannot deadlock.
    """
    return (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("activity__organisation")
        .get(pk=occurrence.pk)
    )


def _enqueue(registration: Registration, kind: str, language: str) -> None:
    emails.queue_registration_message(registration, kind, language)


@transaction.atomic
def register_for_occurrence(
    *,
    occurrence: Occurrence,
    name: str,
    email: str,
    phone: str,
    party_size: int,
    user: User | None = None,
    entered_by: User | None = None,
) -> Registration:
    """Give the person a place on the date, or a place on the waiting list when it is full.

    A whole party gets a place together or waits together. The same person (e-mail or
    telephone) registers once per date. The confirmation e-mail is queued after commit.
    Whoever gives no e-mail address gets a short code to quote when they phone; an
    organiser who enters a registration for someone who phoned is `entered_by`, under the
    same rules and the same lock.
    """
    name = name.strip()
    email = email.strip().lower()
    phone = normalise_phone(phone)
    if not name:
        raise DomainError(_("Fill in your name."))
    if not email and not phone:
        raise DomainError(
            _("Give an e-mail address or a telephone number, so the organiser can reach you.")
        )
    if not 1 <= party_size <= MAX_PARTY_SIZE:
        raise DomainError(
            _("You can register 1 to %(max)d people at a time.") % {"max": MAX_PARTY_SIZE}
        )
    occurrence = _lock(occurrence)
    public_cache.changed()  # the date's page shows the places left
    activity = occurrence.activity
    reason = closed_reason(occurrence)
    if reason:
        raise DomainError(reason)
    same_person = Q()
    if email:
        same_person |= Q(email__iexact=email)
    if phone:
        same_person |= Q(phone=phone)
    existing = (
        Registration.objects.filter(occurrence=occurrence, status__in=ACTIVE)
        .filter(same_person)
        .first()
    )
    if existing is not None:
        raise DomainError(_already_registered(occurrence, existing, entered_by is not None))
    capacity = activity.capacity
    if capacity is not None and party_size > capacity:
        raise DomainError(
            _(
                "This date has %(capacity)d places in all, so a group of %(size)d does not "
                "fit. Please contact the organiser."
            )
            % {"capacity": capacity, "size": party_size}
        )
    left = places_left(occurrence)
    fits = left is None or party_size <= left
    # Linked to the account only when it is the account holder's own registration (not a
    # neighbour they register for), so it shows among their own data.
    owner = (
        user
        if entered_by is None
        and user is not None
        and user.is_authenticated
        and email
        and email == user.email.lower()
        else None
    )
    registration = Registration.objects.create(
        occurrence=occurrence,
        name=name,
        email=email,
        phone=phone,
        party_size=party_size,
        status=RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITING,
        user=owner,
        language=_current_language(),
        reference="" if email else _new_reference(occurrence),
        entered_by=entered_by,
    )
    _enqueue(registration, "confirmation", registration.language)
    return registration


def _promote_waiting(occurrence: Occurrence) -> list[Registration]:
    """Give freed places to the waiting list, first come first served.

    Call with the date locked. A party that does not fit in the places left keeps its
    turn for the next free place, but a smaller party behind it may use a place it cannot.
    """
    free = places_left(occurrence)
    promoted = []
    waiting = (
        Registration.objects.filter(occurrence=occurrence, status=RegistrationStatus.WAITING)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    for registration in waiting:
        if free is not None and registration.party_size > free:
            continue
        registration.status = RegistrationStatus.CONFIRMED
        promoted.append(registration)
        if free is not None:
            free -= registration.party_size
            if free <= 0:
                break
    Registration.objects.bulk_update(promoted, ["status"])
    return promoted


@transaction.atomic
def cancel_registration(*, registration: Registration) -> list[Registration]:
    """The resident withdraws (through the personal link); the freed place goes to the
    waiting list at once.

    Returns who moved up from the waiting list; each of them is e-mailed after commit.
    """
    occurrence = _lock(registration.occurrence)
    public_cache.changed()  # the date's page shows the places left
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise DomainError(_("You had already withdrawn this registration."))
    if occurrence.starts_at <= timezone.now():
        raise DomainError(_("This date has already started or is over."))
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    still_on = not occurrence.is_cancelled and occurrence.activity.status != Status.CANCELLED
    promoted = _promote_waiting(occurrence) if was_confirmed and still_on else []
    for person in promoted:
        _enqueue(person, "promoted", _language_of(person))
    return promoted


# Telling people -------------------------------------------------------------------------


def _notify(occurrences, kind: str) -> int:
    """Queue one message per person registered or waiting for these dates."""
    registrations = (
        Registration.objects.filter(occurrence__in=occurrences, status__in=ACTIVE)
        .exclude(email="")
        .select_related("user")
    )
    count = 0
    for registration in registrations:
        _enqueue(registration, kind, _language_of(registration))
        count += 1
    return count


# Receivers of activities.events: thin, inside the service's transaction.


def on_date_cancelled(sender, *, occurrences, **kwargs) -> None:
    _notify(occurrences, "cancelled")


def on_date_moved(sender, *, occurrences, **kwargs) -> None:
    _notify(occurrences, "moved")


def on_date_restored(sender, *, occurrences, **kwargs) -> None:
    _notify(occurrences, "restored")


def _current_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _language_of(registration: Registration) -> str:
    """The language the person registered in, unless their account says otherwise."""
    if registration.user_id and registration.user.language:
        return registration.user.language
    return registration.language or settings.LANGUAGE_CODE


# Retention ------------------------------------------------------------------------------


def purge_past_registrations(*, now=None) -> int:
    """Delete registrations some weeks after their date: a name and a telephone number have
    no purpose once the activity took place. Set-based, in bounded batches."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REGISTRATION_RETENTION_DAYS)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                Registration.objects.filter(occurrence__starts_at__lt=cutoff).values_list(
                    "pk", flat=True
                )[:5000]
            )
            if not ids:
                return deleted
            deleted += Registration.objects.filter(pk__in=ids).delete()[0]


# The person's own registrations (network.personal_data) ---------------------------------


def own_registrations(user: User) -> QuerySet[Registration]:
    """Made while signed in, or while signed out with one of the account's confirmed
    addresses: both are the person's own data."""
    mine = Q(user=user)
    for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    ):
        mine |= Q(email__iexact=address)
    return Registration.objects.filter(mine).select_related("occurrence__activity")


def export_own(user: User) -> list[dict]:
    return [
        {
            "activity": r.occurrence.activity.title,
            "date": r.occurrence.starts_at.isoformat(),
            "name": r.name,
            "email": r.email,
            "phone": r.phone,
            "people": r.party_size,
            "status": r.status,
            "registered_at": r.created_at.isoformat(),
        }
        for r in own_registrations(user).order_by("occurrence__starts_at", "pk")
    ]


def summarise_own(user: User) -> list[str]:
    lines = []
    for r in own_registrations(user).order_by("occurrence__starts_at", "pk"):
        when = date_format(timezone.localtime(r.occurrence.starts_at), "l j F Y, H:i")
        people = ngettext("%(n)d person", "%(n)d people", r.party_size) % {"n": r.party_size}
        lines.append(f"{r.occurrence.activity.title}, {when} · {people} · {r.get_status_display()}")
    return lines


@transaction.atomic
def erase_own(user: User) -> None:
    """A place still held on a coming date is given up first (the waiting list moves up),
    then every registration of the person goes."""
    now = timezone.now()
    for registration in own_registrations(user).filter(
        status__in=ACTIVE, occurrence__starts_at__gt=now
    ):
        cancel_registration(registration=registration)
    own_registrations(user).delete()
