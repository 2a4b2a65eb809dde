"""Check-in pages. Coordinators ask a volunteer to drop by from a participant's page,
follow their organisation's requests and withdraw open ones (under /deelnemers/); a
volunteer sees their own requests and says how it went (under /langsgaan/). Thin: the
rules are in checkins.py, who may in permissions.py; anyone else gets a 404.

The volunteer's pages show only the participant's first name, the address and/or
telephone the coordinator chose to share, and what is asked; once answered, not the
address or telephone any more. Each time a volunteer opens a request with those details,
the access log records it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from network import access_log
from network.models import Organisation, Role
from network.shared import DomainError, paginate

from . import checkins, permissions
from .checkin_forms import AnswerForm, AskForm, signal_of
from .models import CheckIn, Participant

PER_PAGE = 50


def _errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _list_url(organisation: Organisation) -> str:
    return reverse("attendance:check_in_list", kwargs={"organisation": organisation.slug})


# Coordinators -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def check_in_ask(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    """Ask a volunteer to drop by this participant."""
    found = get_object_or_404(
        Participant.objects.select_related("organisation"),
        pk=participant,
        organisation__slug=organisation,
    )
    if not permissions.can_ask_check_in(request.user, found):
        raise Http404
    org = found.organisation
    detail_url = reverse(
        "attendance:participant_detail",
        kwargs={"organisation": org.slug, "participant": found.pk},
    )
    if found.is_closed:
        messages.error(request, _("This record is closed; nobody can be asked to drop by."))
        return redirect(detail_url)
    data = request.POST if request.method == "POST" else None
    # Asked from a signal in the inbox: its id comes along (?signal=, then a hidden field).
    signal = signal_of(found, (data or request.GET).get("signal"))
    form = AskForm(data, organisation=org, participant=found, signal=signal)
    if request.method == "POST" and form.is_valid():
        try:
            checkins.ask_check_in(participant=found, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The volunteer is asked to drop by and gets an e-mail about it.")
            )
            return redirect(_list_url(org))
    return render(
        request,
        "attendance/checkins/ask.html",
        {
            "organisation": org,
            "participant": found,
            "form": form,
            "has_volunteers": checkins.volunteers_of(org).exists(),
            "detail_url": detail_url,
            "signal": signal,
        },
    )


@login_required
def check_in_list(request: HttpRequest, organisation: str) -> HttpResponse:
    """The organisation's open requests, and those answered or withdrawn lately."""
    org = get_object_or_404(Organisation, slug=organisation)
    if not permissions.can_manage_check_ins(request.user, org):
        raise Http404
    since = timezone.now() - checkins.RECENT
    rows = (
        CheckIn.objects.filter(organisation=org)
        .filter(
            Q(answered_at__isnull=True, cancelled_at__isnull=True)
            | Q(answered_at__gte=since)
            | Q(cancelled_at__gte=since)
        )
        .select_related("participant", "volunteer", "asked_by", "signal")
        .order_by("-created_at", "-pk")
    )
    page = paginate(request, rows, PER_PAGE)
    return render(
        request,
        "attendance/checkins/list.html",
        {
            "organisation": org,
            "page": page,
            "today": timezone.localdate(),
            "open": [c for c in page if c.is_open],
            "done": [c for c in page if not c.is_open],
        },
    )


@login_required
@require_POST
def check_in_cancel(request: HttpRequest, organisation: str, check_in: int) -> HttpResponse:
    found = get_object_or_404(
        CheckIn.objects.select_related("organisation", "volunteer"),
        pk=check_in,
        organisation__slug=organisation,
    )
    if not permissions.can_manage_check_in(request.user, found):
        raise Http404
    try:
        checkins.cancel_check_in(check_in=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request is withdrawn. The volunteer gets an e-mail."))
    return redirect(_list_url(found.organisation))


# Volunteers -------------------------------------------------------------------------------


@login_required
def my_check_ins(request: HttpRequest) -> HttpResponse:
    """The volunteer's open requests (first name, address or telephone, what is asked) and
    their answers of the past weeks (without address or telephone)."""
    if not permissions.has_check_ins(request.user):
        raise Http404
    mine = CheckIn.objects.filter(permissions.own_check_ins_q(request.user)).select_related(
        "participant", "organisation"
    )
    open_ = list(
        mine.filter(answered_at__isnull=True, cancelled_at__isnull=True).order_by("due_on", "pk")[
            :PER_PAGE
        ]
    )
    answered = list(
        mine.filter(answered_at__gte=timezone.now() - checkins.OWN_RECENT).order_by(
            "-answered_at", "-pk"
        )[:PER_PAGE]
    )
    return render(
        request,
        "attendance/checkins/mine.html",
        {"open": open_, "answered": answered, "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_in_answer(request: HttpRequest, check_in: int) -> HttpResponse:
    """One request: who, where, what; and the form to say how it went."""
    found = get_object_or_404(
        CheckIn.objects.select_related("participant", "organisation"), pk=check_in
    )
    if not permissions.can_answer_check_in(request.user, found):
        raise Http404
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and found.is_open and form.is_valid():
        try:
            checkins.answer_check_in(
                check_in=found,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you! The coordinator can now read how it went."))
            return redirect("attendance:my_check_ins")
    elif request.method == "POST" and not found.is_open:
        messages.error(request, _("This request is no longer open."))
        return redirect("attendance:check_in_answer", check_in=found.pk)
    if found.is_open:
        access_log.record(
            request=request, role=Role.VOLUNTEER, action=access_log.Action.VIEW, obj=found
        )
    return render(
        request,
        "attendance/checkins/answer.html",
        {"check_in": found, "form": form, "today": timezone.localdate()},
    )


urlpatterns = [
    path("langsgaan/", my_check_ins, name="my_check_ins"),
    path("langsgaan/<int:check_in>/", check_in_answer, name="check_in_answer"),
    path("deelnemers/<slug:organisation>/langsgaan/", check_in_list, name="check_in_list"),
    path(
        "deelnemers/<slug:organisation>/langsgaan/<int:check_in>/intrekken/",
        check_in_cancel,
        name="check_in_cancel",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/langsgaan/",
        check_in_ask,
        name="check_in_ask",
    ),
]
