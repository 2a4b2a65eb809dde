""" "Not seen lately" pages for coordinators: the inbox of open signals about their own
organisation's participants (each explained in words, with its age; PER_PAGE a page, the
count of all on each), putting a signal
aside with a reason, "I will call", a participant's signal history (written to the access
log) and the recent dates nobody took attendance for. Plain forms, POST/redirect/GET;
anyone but the organisation's coordinators gets a 404.

Thin: the rules are in attendance/signals.py, who may in attendance/permissions.py.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.models import Occurrence
from network import access_log
from network.models import Organisation, Role
from network.shared import MAX_PAGE, DomainError

from . import permissions, services, signals
from .forms import DismissForm
from .models import CheckIn, Participant, Signal

#: Signals per page of the inbox (the oldest first).
PER_PAGE = 25
#: "Attendance not taken": dates of the past this many days, at most MAX_NOT_TAKEN.
NOT_TAKEN_DAYS = 14
MAX_NOT_TAKEN = 10


def _organisation_or_404(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(
        Organisation.objects.select_related("attendance_settings"), slug=slug
    )
    if not permissions.can_handle_signals(request.user, organisation):
        raise Http404
    return organisation


def _signal_or_404(request: HttpRequest, slug: str, pk: object) -> Signal:
    organisation = _organisation_or_404(request, slug)
    return get_object_or_404(
        Signal.objects.select_related("participant"),
        pk=pk,
        participant__organisation=organisation,
    )


def _inbox_url(organisation: Organisation | str, page: object = None) -> str:
    """The inbox; at `page` when that is a page number (after an action on a later page,
    back where the coordinator was; a page past the end shows the last)."""
    slug = organisation if isinstance(organisation, str) else organisation.slug
    url = reverse("attendance:signals", kwargs={"organisation": slug})
    text = str(page or "")
    if text.isascii() and text.isdigit() and 1 < int(text) <= MAX_PAGE:
        url += f"?page={int(text)}"
    return url


def _not_taken(organisation: Organisation) -> list[Occurrence]:
    """Its recent dates that took place (not cancelled, begun) without a roll-call."""
    if not services.keeps_attendance(organisation):
        return []
    tz = timezone.get_default_timezone()
    since = datetime.combine(timezone.localdate() - timedelta(days=NOT_TAKEN_DAYS), time(), tz)
    return list(
        Occurrence.objects.filter(
            activity__organisation=organisation,
            is_cancelled=False,
            starts_at__gte=since,
            starts_at__lte=timezone.now(),
            roll_call__isnull=True,
        )
        .select_related("activity")
        .order_by("-starts_at")[:MAX_NOT_TAKEN]
    )


@login_required
def inbox(request: HttpRequest, organisation: str) -> HttpResponse:
    """Open signals, oldest first, each in words with its age and the two actions."""
    org = _organisation_or_404(request, organisation)
    today = timezone.localdate()
    # A page number that is none, or below 1, gives the first page; one past the end the
    # last (after putting aside the last signal of the last page, its neighbour).
    number = request.GET.get("page") or ""
    page = Paginator(
        Signal.objects.for_inbox(org).filter(
            participant__closed_at__isnull=True, participant__follow_up=True
        ),
        PER_PAGE,
    ).get_page(number if number.isascii() and number.isdigit() and int(number) > 0 else 1)
    for signal in page:
        signal.age = signals.age_of(signal, today=today)
        # A form per signal, so the radio buttons' ids differ from card to card.
        signal.dismiss_form = DismissForm(auto_id=f"id_%s_{signal.pk}")
    return render(
        request,
        "attendance/signals.html",
        {
            "organisation": org,
            "page": page,
            "signals": page.object_list,
            # The actions bring the coordinator back to this page.
            "at_page": f"?page={page.number}" if page.number > 1 else "",
            "not_taken": _not_taken(org),
        },
    )


@login_required
@require_POST
def dismiss(request: HttpRequest, organisation: str, signal: int) -> HttpResponse:
    found = _signal_or_404(request, organisation, signal)
    form = DismissForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_inbox_url(organisation, request.GET.get("page")))
    try:
        signals.dismiss_signal(
            signal=found,
            by=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Put aside: %(name)s.") % {"name": found.participant.name or _("(name removed)")},
        )
    return redirect(_inbox_url(organisation, request.GET.get("page")))


@login_required
@require_POST
def will_call(request: HttpRequest, organisation: str, signal: int) -> HttpResponse:
    found = _signal_or_404(request, organisation, signal)
    try:
        signals.take_up_signal(signal=found, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Noted: you will call."))
    return redirect(_inbox_url(organisation, request.GET.get("page")))


@login_required
def history(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    """Every signal about one participant, how each ended. Written to the access log."""
    org = _organisation_or_404(request, organisation)
    person = get_object_or_404(Participant, pk=participant, organisation=org)
    access_log.record(
        request=request,
        role=Role.COORDINATOR,
        action=access_log.Action.VIEW,
        obj=person,
        description="not seen lately: history",
    )
    return render(
        request,
        "attendance/signals_history.html",
        {
            "organisation": org,
            "participant": person,
            "signals": list(
                person.signals.select_related("activity", "caller", "dismissed_by")
                .prefetch_related(
                    # What came of each: the requests to drop by asked from it.
                    Prefetch(
                        "check_ins",
                        queryset=CheckIn.objects.select_related("participant").order_by(
                            "created_at", "pk"
                        ),
                    )
                )
                .order_by("-raised_at", "-pk")
            ),
        },
    )


urlpatterns = [
    path("deelnemers/<slug:organisation>/niet-gezien/", inbox, name="signals"),
    path(
        "deelnemers/<slug:organisation>/niet-gezien/<int:signal>/opzij/",
        dismiss,
        name="signal_dismiss",
    ),
    path(
        "deelnemers/<slug:organisation>/niet-gezien/<int:signal>/ik-bel/",
        will_call,
        name="signal_will_call",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/niet-gezien/",
        history,
        name="signal_history",
    ),
]
