"""Informal help requests (vraag en aanbod): posting, responding, matching in rotation.

Volunteers see what is asked and roughly where, never who asks or how to reach them: the
templates get the requester's name and contact only when `can_see_requester` (the
organisation's coordinators), and every such view is written to the access log. The rules
live in volunteers/help.py; these views only ask and show.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from network import access_log
from network.models import Role
from network.shared import DomainError, paginate

from .. import help
from ..forms.help import HelpFilterForm, HelpRequestForm, HelpResponseForm, MatchForm
from ..models import (
    HelpRequest,
    HelpRequestStatus,
    HelpResponse,
    HelpResponseStatus,
)
from ..permissions import (
    can_open_help_request,
    can_post_help_for_others,
    can_respond_to_help,
    can_see_requester,
    can_view_help_request,
    coordinated_organisation_ids,
    volunteer_organisation_ids,
)

REQUESTS_PER_PAGE = 20
#: Open requests a volunteer sees at once (a village has a handful; a region is capped).
OPEN_SHOWN = 100


def _help_request(request: HttpRequest, pk: int, *, coordinator: bool = False) -> HelpRequest:
    """The request, if the user may open it (coordinators only, with `coordinator`); a 404
    for anyone else, whatever the id."""
    found = get_object_or_404(HelpRequest.objects.select_related("organisation", "area"), pk=pk)
    allowed = (
        can_see_requester(request.user, found)
        if coordinator
        else can_open_help_request(request.user, found)
    )
    if not allowed:
        raise Http404
    return found


@login_required
def help_list(request: HttpRequest) -> HttpResponse:
    """Three lists, each for whom it concerns: the requests the person asked themselves;
    open requests of the organisations they volunteer for (without who asks); and, for
    coordinators, every request of their organisations, with who asks."""
    user = request.user
    mine = list(
        HelpRequest.objects.filter(requester=user)
        .select_related("organisation")
        .order_by("-created_at")[:20]
    )
    volunteering = volunteer_organisation_ids(user)
    open_requests = []
    if volunteering:
        open_requests = list(
            HelpRequest.objects.filter(
                organisation_id__in=volunteering, status=HelpRequestStatus.OPEN
            )
            .select_related("organisation", "area")
            .annotate(
                offered=Exists(
                    HelpResponse.objects.filter(request=OuterRef("pk"), volunteer=user).exclude(
                        status=HelpResponseStatus.WITHDRAWN
                    )
                )
            )
            .order_by("-created_at", "-pk")[: OPEN_SHOWN + 1]
        )
    coordinated = coordinated_organisation_ids(user)
    page = None
    filter_form = None
    if coordinated:
        filter_form = HelpFilterForm(request.GET or None)
        status = ""
        if filter_form.is_bound and filter_form.is_valid():
            status = filter_form.cleaned_data["status"]
        elif filter_form.is_bound:
            messages.warning(request, _("That is not a status we know; showing all."))
        managed = HelpRequest.objects.filter(organisation_id__in=coordinated)
        managed = (
            managed.filter(status=status)
            if status
            else managed.exclude(status=HelpRequestStatus.CLOSED)
        )
        managed = (
            managed.select_related("organisation", "area")
            .annotate(
                offers=Count("responses", filter=~Q(responses__status=HelpResponseStatus.WITHDRAWN))
            )
            .order_by("-created_at", "-pk")
        )
        page = paginate(request, managed, REQUESTS_PER_PAGE)
        access_log.record(
            request=request,
            role=Role.COORDINATOR,
            action=access_log.Action.VIEW,
            object_type="volunteers.helprequest",
            description="help requests with who asks",
        )
    return render(
        request,
        "volunteers/help/list.html",
        {
            "mine": mine,
            "is_volunteer": bool(volunteering),
            "open_requests": open_requests[:OPEN_SHOWN],
            "more_open": len(open_requests) > OPEN_SHOWN,
            "is_coordinator": bool(coordinated),
            "page": page,
            "filter_form": filter_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def help_create(request: HttpRequest) -> HttpResponse:
    """A resident asks for themselves; a coordinator asks on behalf of someone."""
    user = request.user
    on_behalf = can_post_help_for_others(user)
    form = HelpRequestForm(
        request.POST if request.method == "POST" else None, user=user, on_behalf=on_behalf
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = help.post_help_request(posted_by=user, **form.request_data())
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _(
                        "Your request is posted. The volunteers of %(organisation)s see it "
                        "without your name; a coordinator gets in touch."
                    )
                    % {"organisation": created.organisation.name}
                    if not on_behalf
                    else _("The request is posted. Volunteers see it without the name."),
                )
                return redirect("volunteers:help_detail", help_request=created.pk)
    return render(
        request,
        "volunteers/help/create.html",
        {"form": form, "on_behalf": on_behalf},
        status=status,
    )


@login_required
def help_detail(request: HttpRequest, help_request: int) -> HttpResponse:
    """One request: what and roughly where for volunteers (and whether they offered);
    with who asks, the offers and matching for coordinators; the status for the asker."""
    user = request.user
    found = _help_request(request, help_request)
    coordinator = can_see_requester(user, found)
    context = {
        "help_request": found,
        "coordinator": coordinator,
        "is_requester": found.requester_id == user.pk,
    }
    if coordinator:
        access_log.record(
            request=request,
            role=Role.COORDINATOR,
            action=access_log.Action.VIEW,
            obj=found,
            description="help request with who asks",
        )
        responses = list(
            HelpResponse.objects.filter(request=found)
            .select_related("volunteer__volunteer_profile")
            .order_by("rotation_position", "created_at", "pk")
        )
        active = [r for r in responses if r.status != HelpResponseStatus.WITHDRAWN]
        matched = [r for r in responses if r.status == HelpResponseStatus.MATCHED]
        context.update(
            responses=responses,
            match_form=(
                MatchForm(responses=active)
                if active and found.status != HelpRequestStatus.CLOSED
                else None
            ),
            rotation=help.rotation_in_words(found.frequency, [str(r.volunteer) for r in matched]),
        )
    if can_view_help_request(user, found) and can_respond_to_help(user, found):
        own = HelpResponse.objects.filter(request=found, volunteer=user).first()
        count = (
            HelpResponse.objects.filter(request=found, status=HelpResponseStatus.MATCHED).count()
            if own and own.status == HelpResponseStatus.MATCHED
            else 0
        )
        context.update(
            own_response=own,
            own_turn=help.own_turn_in_words(
                found.frequency, own.rotation_position if own else None, count
            ),
            response_form=(
                HelpResponseForm()
                if found.status == HelpRequestStatus.OPEN
                and (own is None or own.status == HelpResponseStatus.WITHDRAWN)
                else None
            ),
        )
    return render(request, "volunteers/help/detail.html", context)


@login_required
@require_POST
def help_respond(request: HttpRequest, help_request: int) -> HttpResponse:
    """ "I want to help", with an optional message for the coordinator."""
    found = _help_request(request, help_request)
    form = HelpResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The message is too long. Please keep it shorter."))
    else:
        try:
            help.respond_to_help_request(
                volunteer=request.user, help_request=found, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Thank you! The coordinator lets you know whether you are matched."),
            )
    return redirect("volunteers:help_detail", help_request=found.pk)


@login_required
@require_POST
def help_withdraw(request: HttpRequest, help_request: int) -> HttpResponse:
    """The volunteer can no longer help (before the coordinator matched)."""
    found = _help_request(request, help_request)
    own = HelpResponse.objects.filter(request=found, volunteer=request.user).first()
    if own is None:
        raise Http404
    try:
        help.withdraw_help_response(volunteer=request.user, response=own)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You have withdrawn your offer."))
    return redirect("volunteers:help_detail", help_request=found.pk)


@login_required
@require_POST
def help_match(request: HttpRequest, help_request: int) -> HttpResponse:
    """The coordinator picks the volunteers, and their turns for a request shared in
    rotation."""
    found = _help_request(request, help_request, coordinator=True)
    responses = list(
        HelpResponse.objects.filter(request=found)
        .exclude(status=HelpResponseStatus.WITHDRAWN)
        .select_related("volunteer")
    )
    form = MatchForm(request.POST, responses=responses)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choose a turn from the list.")]:
            messages.error(request, error)
    else:
        try:
            matched = help.match_help_request(
                coordinator=request.user,
                help_request=found,
                rotation=form.cleaned_data["rotation"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            access_log.record(
                request=request,
                role=Role.COORDINATOR,
                action=access_log.Action.CHANGE,
                obj=found,
                description="help request matched",
            )
            messages.success(
                request,
                help.rotation_in_words(found.frequency, [str(r.volunteer) for r in matched])
                + " "
                + _("The volunteers get an e-mail; please put them in touch."),
            )
    return redirect("volunteers:help_detail", help_request=found.pk)


@login_required
@require_POST
def help_close(request: HttpRequest, help_request: int) -> HttpResponse:
    found = _help_request(request, help_request, coordinator=True)
    try:
        help.close_help_request(coordinator=request.user, help_request=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request is closed."))
    return redirect("volunteers:help_detail", help_request=found.pk)


urlpatterns = [
    path("hulpvragen/", help_list, name="help_list"),
    path("hulpvragen/nieuw/", help_create, name="help_create"),
    path("hulpvragen/<int:help_request>/", help_detail, name="help_detail"),
    path("hulpvragen/<int:help_request>/reageren/", help_respond, name="help_respond"),
    path("hulpvragen/<int:help_request>/intrekken/", help_withdraw, name="help_withdraw"),
    path("hulpvragen/<int:help_request>/koppelen/", help_match, name="help_match"),
    path("hulpvragen/<int:help_request>/sluiten/", help_close, name="help_close"),
]
