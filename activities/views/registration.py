"""Residents registering for one date, seeing or cancelling their registration through its
secret link, and the organiser's list of who comes. The rules live in
activities.registrations; these views only ask and show."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network import access_log
from network.shared import DomainError, paginate

from .. import permissions
from ..forms import RegistrationForm
from ..models import Activity, Occurrence, Registration, RegistrationStatus
from ..registrations import (
    ACTIVE,
    cancel_registration,
    closed_reason,
    places_left,
    register_for_occurrence,
)

DATES_PER_PAGE = 10


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

    Names and contact details are personal data, so every view is written to the access
    log (network.access_log), with who, under which role and from where.
    """
    activity = get_object_or_404(
        Activity.objects.select_related("organisation").prefetch_related("co_organisers"),
        slug=slug,
    )
    if not permissions.can_view_registrations(request.user, activity):
        raise Http404
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
