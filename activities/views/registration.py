"""Residents registering for one date, seeing their registration or withdrawing through its
secret link, and their own list when they have an account; the organiser's list of who
comes, a registration entered for someone who phoned, and the list for at the door. The
rules live in activities.registrations; these views only ask and show."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from network import access_log
from network.shared import DomainError, paginate

from .. import permissions, printing
from ..forms import PhonedRegistrationForm, RegistrationForm
from ..models import Activity, Occurrence, Registration, RegistrationStatus
from ..registrations import (
    ACTIVE,
    cancel_registration,
    closed_reason,
    organiser_phone,
    own_registrations,
    places_left,
    register_for_occurrence,
)

DATES_PER_PAGE = 10
#: Registrations on the person's own list: coming ones all, then the latest past ones.
PAST_SHOWN = 20


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


def _organiser_occurrence(request: HttpRequest, slug: str, day) -> Occurrence:
    """The date, for the activity's editors and coordinators only; a 404 for anyone else."""
    occurrence = _occurrence(request, slug, day)
    if not permissions.can_view_registrations(request.user, occurrence.activity):
        raise Http404
    return occurrence


def _initial(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"name": user.name, "email": user.email}


def _registered_message(request: HttpRequest, registration: Registration) -> None:
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(request, _("You are registered. See you there!"))
    else:
        messages.warning(
            request,
            _(
                "This date is full, so you are on the waiting list. We let you know when a "
                "place becomes free."
            ),
        )


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
                    _registered_message(request, registration)
                    return redirect("activities:registration", token=registration.token)
            status = 400
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "activities/registration/register.html",
        {
            "occurrence": occurrence,
            "activity": occurrence.activity,
            "form": form,
            "closed_reason": reason,
            "places_left": places_left(occurrence) if reason is None else None,
        },
        status=status,
    )


def _registration_by_token(token: UUID) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related(
            "occurrence__activity__organisation",
            "occurrence__activity__place",
            "occurrence__activity__room",
            "occurrence__place",
            "occurrence__room",
        ),
        token=token,
    )


def _can_withdraw(registration: Registration) -> bool:
    return (
        registration.status != RegistrationStatus.CANCELLED
        and registration.occurrence.starts_at > timezone.now()
    )


@require_GET
def manage_registration(request: HttpRequest, token: UUID) -> HttpResponse:
    """Whoever has the link sees the registration and may withdraw it: the token is the key.
    After withdrawing, registering again is one link away while the date is still open."""
    registration = _registration_by_token(token)
    occurrence = registration.occurrence
    activity = occurrence.activity
    withdrawn = registration.status == RegistrationStatus.CANCELLED
    return render(
        request,
        "activities/registration/manage.html",
        {
            "registration": registration,
            "occurrence": occurrence,
            "activity": activity,
            "can_cancel": _can_withdraw(registration),
            "can_register_again": withdrawn and closed_reason(occurrence) is None,
            "organiser_phone": organiser_phone(activity),
        },
    )


@require_http_methods(["GET", "POST"])
def withdraw_registration(request: HttpRequest, token: UUID) -> HttpResponse:
    """Withdrawing asks first, on a page of its own (no JavaScript needed): a resident who
    tapped by mistake goes back without losing their place."""
    registration = _registration_by_token(token)
    if request.method == "POST":
        try:
            cancel_registration(registration=registration)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("You have withdrawn. Thank you for letting us know."))
        return redirect("activities:registration", token=registration.token)
    if not _can_withdraw(registration):
        return redirect("activities:registration", token=registration.token)
    occurrence = registration.occurrence
    return render(
        request,
        "activities/registration/withdraw.html",
        {"registration": registration, "occurrence": occurrence, "activity": occurrence.activity},
    )


@login_required
def my_registrations(request: HttpRequest) -> HttpResponse:
    """The person's own registrations, coming dates first: also those made while signed out
    with one of the account's confirmed addresses (registrations.own_registrations)."""
    now = timezone.now()
    mine = own_registrations(request.user).select_related(
        "occurrence__activity__place", "occurrence__place"
    )
    coming = list(mine.filter(occurrence__starts_at__gte=now).order_by("occurrence__starts_at"))
    past = list(
        mine.filter(occurrence__starts_at__lt=now).order_by("-occurrence__starts_at")[:PAST_SHOWN]
    )
    return render(
        request,
        "activities/registration/mine.html",
        {"coming": coming, "past": past},
    )


def _listed_activity(request: HttpRequest, slug: str) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("organisation").prefetch_related("co_organisers"),
        slug=slug,
    )
    if not permissions.can_view_registrations(request.user, activity):
        raise Http404
    return activity


@login_required
def registration_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Who comes on the coming dates: for the organiser's editors and coordinators only.

    Names and contact details are personal data, so every view is written to the access
    log (network.access_log), with who, under which role and from where.
    """
    activity = _listed_activity(request, slug)
    access_log.record(
        request=request,
        role=permissions.role_for_activity(request.user, activity),
        action=access_log.Action.VIEW,
        obj=activity,
        description="registration list",
    )
    occurrences = (
        Occurrence.objects.filter(activity=activity)
        .upcoming()
        .select_related("place", "room")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(status__in=ACTIVE).order_by(
                    "status", "created_at", "pk"
                ),
                to_attr="active_registrations_list",
            )
        )
        .order_by("starts_at")
    )
    page = paginate(request, occurrences, DATES_PER_PAGE)
    now = timezone.now()
    dates = []
    for occurrence in page:
        people = occurrence.active_registrations_list
        confirmed = [r for r in people if r.status == RegistrationStatus.CONFIRMED]
        waiting = [r for r in people if r.status == RegistrationStatus.WAITING]
        occurrence.activity = activity
        dates.append(
            {
                "occurrence": occurrence,
                "people": people,
                "confirmed_count": sum(r.party_size for r in confirmed),
                "waiting_count": sum(r.party_size for r in waiting),
                "open": closed_reason(occurrence, now=now) is None,
            }
        )
    return render(
        request,
        "activities/registration/list.html",
        {"activity": activity, "page": page, "dates": dates},
    )


@login_required
@require_http_methods(["GET", "POST"])
def enter_registration(request: HttpRequest, slug: str, day) -> HttpResponse:
    """An organiser enters a registration for someone who phoned, under the same rules
    (places, waiting list, one per person) as residents who register themselves."""
    occurrence = _organiser_occurrence(request, slug, day)
    activity = occurrence.activity
    reason = closed_reason(occurrence)
    form = PhonedRegistrationForm(request.POST if request.method == "POST" else None)
    status = 200
    if reason is not None:
        form = None
        status = 409 if request.method == "POST" else 200
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                registration = register_for_occurrence(
                    occurrence=occurrence, email="", entered_by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                access_log.record(
                    request=request,
                    role=permissions.role_for_activity(request.user, activity),
                    action=access_log.Action.CHANGE,
                    obj=registration,
                    description="registration entered for someone who phoned",
                )
                messages.success(request, _entered_message(registration))
                return redirect("activities:registration_list", slug=activity.slug)
    return render(
        request,
        "activities/registration/enter.html",
        {
            "occurrence": occurrence,
            "activity": activity,
            "form": form,
            "closed_reason": reason,
            "places_left": places_left(occurrence) if reason is None else None,
        },
        status=status,
    )


def _entered_message(registration: Registration) -> str:
    values = {"name": registration.name, "code": registration.reference}
    if registration.status == RegistrationStatus.CONFIRMED:
        return (
            _("%(name)s is registered. Their code is %(code)s: tell them, for when they call.")
            % values
        )
    return (
        _(
            "The date is full: %(name)s is on the waiting list. Their code is %(code)s: "
            "tell them, for when they call."
        )
        % values
    )


@login_required
@require_GET
def door_list(request: HttpRequest, slug: str, day) -> HttpResponse:
    """One date's list for at the door, as an A4 PDF: who has a place (with a column to tick
    them off), then the waiting list. Printing personal data is written to the access log."""
    occurrence = _organiser_occurrence(request, slug, day)
    activity = occurrence.activity
    access_log.record(
        request=request,
        role=permissions.role_for_activity(request.user, activity),
        action=access_log.Action.PRINT,
        obj=activity,
        description=f"door list {occurrence.original_date.isoformat()}",
    )
    people = list(
        Registration.objects.filter(occurrence=occurrence, status__in=ACTIVE).order_by(
            "created_at", "pk"
        )
    )
    confirmed = sorted(
        (r for r in people if r.status == RegistrationStatus.CONFIRMED),
        key=lambda r: r.name.casefold(),
    )
    waiting = [r for r in people if r.status == RegistrationStatus.WAITING]
    html = render_to_string(
        "activities/registration/door_list.html",
        {
            **printing._common_context(),  # the footer every print has
            "activity": activity,
            "occurrence": occurrence,
            "confirmed": confirmed,
            "waiting": waiting,
            "confirmed_count": sum(r.party_size for r in confirmed),
            "waiting_count": sum(r.party_size for r in waiting),
        },
        request=request,
    )
    filename = f"{activity.slug}-{occurrence.original_date.isoformat()}.pdf"
    return printing.pdf_response(printing.render_pdf(html), filename)
