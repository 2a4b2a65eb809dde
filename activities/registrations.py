"""Residents registering for one date of an activity, with a waiting list.

Minimal data: a name and one way to reach the person. The registration's token is the
secret that lets its owner see and cancel it, so nobody needs an account. Places are
counted under a row lock on the date (the Occurrence), so two residents pressing the
button at the same moment can never both get the last place; the e-mails are queued
only after the transaction commits, and each is sent at most once.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from uuid import UUID

from celery import shared_task
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from network.models import User
from network.services import DomainError

from . import emails, permissions
from .models import Activity, Occurrence, Registration, RegistrationStatus, Status

audit = logging.getLogger("omzien.audit")

MAX_PARTY_SIZE = 10
DATES_PER_PAGE = 10
_ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")


# Services ------------------------------------------------------------------------------


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
    """People (party sizes summed) with a confirmed place on the date."""
    return (
        Registration.objects.filter(
            occurrence=occurrence, status=RegistrationStatus.CONFIRMED
        ).aggregate(total=Sum("party_size"))["total"]
        or 0
    )


def _lock(occurrence: Occurrence) -> Occurrence:
    """The date, re-read under a row lock: whoever holds it decides about its places.

    Registering and cancelling both take this lock first (and nothing else before it),
    so they queue up behind each other and cannot deadlock.
    """
    return (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("activity")
        .get(pk=occurrence.pk)
    )


def _enqueue(registration: Registration, kind: str, language: str) -> None:
    if registration.email:
        transaction.on_commit(
            lambda: send_registration_email.delay(registration.pk, kind, language)
        )


@transaction.atomic
def register_for_occurrence(
    *,
    occurrence: Occurrence,
    name: str,
    email: str,
    phone: str,
    party_size: int,
    user: User | None = None,
) -> Registration:
    """Give the person a place on the date, or a place on the waiting list when it is full.

    A whole party gets a place together or waits together. The same person (e-mail or
    telephone) registers once per date. The confirmation e-mail is queued
    after commit and holds no personal data, only a link.
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
    activity = occurrence.activity
    reason = closed_reason(occurrence)
    if reason:
        raise DomainError(reason)
    same_person = Q()
    if email:
        same_person |= Q(email__iexact=email)
    if phone:
        same_person |= Q(phone=phone)
    if (
        Registration.objects.filter(occurrence=occurrence, status__in=_ACTIVE)
        .filter(same_person)
        .exists()
    ):
        raise DomainError(
            _(
                "You are already registered for this date. The e-mail we sent you has a "
                "link to see or cancel your registration."
            )
        )
    capacity = activity.capacity
    if capacity is not None and party_size > capacity:
        raise DomainError(
            _(
                "This date has %(capacity)d places in all, so a group of %(size)d does not "
                "fit. Please contact the organiser."
            )
            % {"capacity": capacity, "size": party_size}
        )
    fits = capacity is None or confirmed_places(occurrence) + party_size <= capacity
    # Linked to the account only when it is the account holder's own registration (not a
    # neighbour they register for), so it shows among their own data.
    owner = (
        user
        if user is not None and user.is_authenticated and email and email == user.email.lower()
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
    )
    _enqueue(registration, "confirmation", registration.language)
    return registration


def _promote_waiting(occurrence: Occurrence) -> list[Registration]:
    """Give freed places to the waiting list, first come first served.

    Call with the date locked. A party that does not fit in the places left keeps its
    turn for the next free place, but a smaller party behind it may use a place it cannot.
    """
    capacity = occurrence.activity.capacity
    free = None if capacity is None else capacity - confirmed_places(occurrence)
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
    """Cancel through the personal link; the freed place goes to the waiting list at once.

    Returns who moved up from the waiting list; each of them is e-mailed after commit.
    """
    occurrence = _lock(registration.occurrence)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise DomainError(_("This registration was already cancelled."))
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


# E-mail tasks ----------------------------------------------------------------------------

#: kind -> (statuses in which the message still makes sense, function that sends it)
_MESSAGES = {
    "confirmation": (_ACTIVE, emails.send_registration_confirmation),
    "promoted": ((RegistrationStatus.CONFIRMED,), emails.send_place_available),
    "cancelled": (_ACTIVE, emails.send_date_cancelled),
}


_SENT_FLAGS = {
    "confirmation": "confirmation_sent_at",
    "promoted": "promotion_sent_at",
    "cancelled": "cancellation_sent_at",
}


def notify_registrants_of_cancellation(*, occurrences) -> int:
    """Tell everyone registered or waiting for these dates that they are called off.

    Called by the services that cancel a date or an activity, inside their transaction;
    the e-mails go out after it commits, once each.
    """
    registrations = (
        Registration.objects.filter(
            occurrence__in=occurrences, status__in=_ACTIVE, cancellation_sent_at__isnull=True
        )
        .exclude(email="")
        .select_related("user")
    )
    count = 0
    for registration in registrations:
        _enqueue(registration, "cancelled", _language_of(registration))
        count += 1
    return count


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
@transaction.atomic
def send_registration_email(registration_id: int, kind: str, language: str = "") -> bool:
    """Send one message about a registration, once however often the task runs.

    The row is locked and its "sent" flag set in the same transaction as the sending, so a
    second delivery of the task finds the flag; a failed send rolls the flag back for the
    retry. Skipped when the registration was cancelled (or deleted) in the meantime.
    """
    if kind not in _MESSAGES:
        return False
    statuses, send = _MESSAGES[kind]
    flag = _SENT_FLAGS[kind]
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .filter(pk=registration_id, status__in=statuses, **{f"{flag}__isnull": True})
        .exclude(email="")
        .select_related("occurrence__activity", "user")
        .first()
    )
    if registration is None:
        return False
    send(registration, language=language or _language_of(registration))
    setattr(registration, flag, timezone.now())
    registration.save(update_fields=[flag])
    return True


def _current_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _language_of(registration: Registration) -> str:
    """The language the person registered in, unless their account says otherwise."""
    if registration.user_id and registration.user.language:
        return registration.user.language
    return registration.language or settings.LANGUAGE_CODE


# Forms ---------------------------------------------------------------------------------


class RegistrationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=100)
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        required=False,
        help_text=gettext_lazy("We send you a link to see or cancel your registration."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Telephone number"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Only if you have no e-mail: the organiser can call you."),
    )
    party_size = forms.TypedChoiceField(
        label=gettext_lazy("Number of people, including yourself"),
        choices=[(n, str(n)) for n in range(1, MAX_PARTY_SIZE + 1)],
        coerce=int,
        initial=1,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Fill in your name."))
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        digits = len(re.sub(r"\D", "", phone))
        if not _PHONE_CHARS.match(phone) or not 6 <= digits <= 15:
            raise forms.ValidationError(_("Enter a telephone number, for example 0345 123456."))
        return phone

    def clean(self) -> dict:
        data = super().clean()
        contact_given = data.get("email") or data.get("phone")
        if not contact_given and not self.has_error("email") and not self.has_error("phone"):
            raise forms.ValidationError(
                _("Give an e-mail address or a telephone number, so the organiser can reach you.")
            )
        return data


# Views ---------------------------------------------------------------------------------


def _occurrence(request: HttpRequest, slug: str, day) -> Occurrence:
    occurrence = get_object_or_404(
        Occurrence.objects.select_related(
            "activity__organisation",
            "activity__place",
            "activity__room",
            "place",
            "room",
        ).prefetch_related("activity__co_organisers"),
        activity__slug=slug,
        original_date=day,
    )
    if not permissions.can_view_activity(request.user, occurrence.activity):
        raise Http404
    return occurrence


def _initial(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"name": user.name, "email": user.email}


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str, day) -> HttpResponse:
    """The short form for one date: a name, one way to reach you, how many people."""
    occurrence = _occurrence(request, slug, day)
    reason = closed_reason(occurrence)
    form = None
    status = 200
    if reason is None:
        form = RegistrationForm(
            request.POST if request.method == "POST" else None, initial=_initial(request)
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    registration = register_for_occurrence(
                        occurrence=occurrence,
                        user=request.user,
                        **form.cleaned_data,
                    )
                except DomainError as error:
                    form.add_error(None, str(error))
                else:
                    if registration.status == RegistrationStatus.CONFIRMED:
                        messages.success(request, _("You are registered. See you there!"))
                    else:
                        messages.warning(
                            request,
                            _(
                                "This date is full, so you are on the waiting list. We let "
                                "you know when a place becomes free."
                            ),
                        )
                    return redirect("activities:registration", token=registration.token)
            status = 400
    elif request.method == "POST":
        status = 409
    capacity = occurrence.activity.capacity
    places_left = None
    if reason is None and capacity is not None:
        places_left = max(capacity - confirmed_places(occurrence), 0)
    return render(
        request,
        "activities/registration/register.html",
        {
            "occurrence": occurrence,
            "activity": occurrence.activity,
            "form": form,
            "closed_reason": reason,
            "places_left": places_left,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def manage_registration(request: HttpRequest, token: UUID) -> HttpResponse:
    """Whoever has the link sees the registration and may cancel it: the token is the key."""
    registration = get_object_or_404(
        Registration.objects.select_related(
            "occurrence__activity__organisation",
            "occurrence__activity__place",
            "occurrence__activity__room",
            "occurrence__place",
            "occurrence__room",
        ),
        token=token,
    )
    if request.method == "POST":
        try:
            cancel_registration(registration=registration)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Your registration is cancelled. Thank you for letting us know.")
            )
        return redirect("activities:registration", token=registration.token)
    occurrence = registration.occurrence
    return render(
        request,
        "activities/registration/manage.html",
        {
            "registration": registration,
            "occurrence": occurrence,
            "activity": occurrence.activity,
            "can_cancel": registration.status != RegistrationStatus.CANCELLED
            and occurrence.starts_at > timezone.now(),
        },
    )


@login_required
def registration_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Who comes on the coming dates: for the organiser's editors and coordinators only.

    Names and contact details are personal data, so every view is written to the audit log.
    """
    activity = get_object_or_404(
        Activity.objects.select_related("organisation").prefetch_related("co_organisers"),
        slug=slug,
    )
    if not permissions.can_view_registrations(request.user, activity):
        raise Http404
    audit.info(
        "registrations viewed", extra={"user_id": request.user.pk, "activity_id": activity.pk}
    )
    occurrences = (
        Occurrence.objects.filter(activity=activity)
        .upcoming()
        .select_related("place", "room")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(status__in=_ACTIVE).order_by(
                    "status", "created_at", "pk"
                ),
                to_attr="active_registrations_list",
            )
        )
        .order_by("starts_at")
    )
    page = Paginator(occurrences, DATES_PER_PAGE).get_page(request.GET.get("page"))
    dates = []
    for occurrence in page:
        people = occurrence.active_registrations_list
        confirmed = [r for r in people if r.status == RegistrationStatus.CONFIRMED]
        waiting = [r for r in people if r.status == RegistrationStatus.WAITING]
        dates.append(
            {
                "occurrence": occurrence,
                "people": people,
                "confirmed_count": sum(r.party_size for r in confirmed),
                "waiting_count": sum(r.party_size for r in waiting),
            }
        )
    return render(
        request,
        "activities/registration/list.html",
        {"activity": activity, "page": page, "dates": dates},
    )


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


@shared_task
def purge_registrations() -> int:
    return purge_past_registrations()
