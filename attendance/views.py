"""Coordinators' pages: the participants of their organisation, one participant, the
roll-call at the door and the dates to take it for. Thin: the rules are in services.py,
who may do what in permissions.py. Anyone else gets a 404, never a 403. Every view of a
participant's page is written to the access log.

The roll-call is one form per person with one button, a plain POST that comes back to
the page (POST/redirect/GET); with htmx the button swaps only its own row.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.models import Occurrence
from network import access_log
from network.models import Organisation, Role
from network.shared import DomainError, paginate

from . import permissions, services
from .forms import (
    AbsenceForm,
    CloseForm,
    HeadCountForm,
    ParticipantForm,
    SearchForm,
    SettingsForm,
    WalkInForm,
)
from .models import Absence, Attendance, Participant, RollCall

PARTICIPANTS_PER_PAGE = 50
DATES_PER_PAGE = 50
#: The roll-call lists at most this many regulars; the rest are found by the search.
MAX_REGULARS = 150
#: Regulars are who came to the activity within this period before the date.
REGULARS_PERIOD = timedelta(days=365)
MAX_FOUND = 20
#: The dates page shows today and this many days back.
DATES_BACK = 6


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _organisation_or_404(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(
        Organisation.objects.select_related("attendance_settings"), slug=slug
    )
    if not permissions.can_manage_participants(request.user, organisation):
        raise Http404
    return organisation


def _participant_or_404(
    request: HttpRequest, organisation: str, pk: int, *, change: bool = False
) -> Participant:
    participant = get_object_or_404(
        Participant.objects.select_related("organisation", "area"),
        pk=pk,
        organisation__slug=organisation,
    )
    allowed = (
        permissions.can_change_participant(request.user, participant)
        if change
        else permissions.can_view_participant(request.user, participant)
    )
    if not allowed:
        raise Http404
    return participant


def _occurrence_or_404(request: HttpRequest, pk: int) -> Occurrence:
    occurrence = get_object_or_404(
        Occurrence.objects.select_related(
            "activity__organisation__attendance_settings", "activity__place", "place"
        ),
        pk=pk,
    )
    if not permissions.can_take_roll_call(request.user, occurrence):
        raise Http404
    return occurrence


def _detail_url(participant: Participant) -> str:
    return reverse(
        "attendance:participant_detail",
        kwargs={"organisation": participant.organisation.slug, "participant": participant.pk},
    )


# Settings and the list of participants ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest, organisation: str) -> HttpResponse:
    """Whether the organisation keeps attendance at all."""
    org = _organisation_or_404(request, organisation)
    form = SettingsForm(
        request.POST or None, initial={"keeps_attendance": services.keeps_attendance(org)}
    )
    if request.method == "POST" and form.is_valid():
        services.save_settings(organisation=org, keeps=form.cleaned_data["keeps_attendance"])
        messages.success(request, _("Saved."))
        return redirect("attendance:participant_list", organisation=org.slug)
    return render(request, "attendance/settings.html", {"organisation": org, "form": form})


@login_required
def participant_list(request: HttpRequest, organisation: str) -> HttpResponse:
    """The organisation's participants by name, with when they last came; search by name."""
    org = _organisation_or_404(request, organisation)
    search = SearchForm(request.GET or None)
    if search.is_bound and not search.is_valid():
        _form_errors(request, search)
    participants = (
        Participant.objects.filter(organisation=org)
        .matching(search.text())
        .select_related("area")
        .annotate(last_seen=Max("attendances__day"))
        .order_by("name", "pk")
    )
    return render(
        request,
        "attendance/participant_list.html",
        {
            "organisation": org,
            "keeps": services.keeps_attendance(org),
            "search": search,
            "page": paginate(request, participants, PARTICIPANTS_PER_PAGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_create(request: HttpRequest, organisation: str) -> HttpResponse:
    org = _organisation_or_404(request, organisation)
    if not services.keeps_attendance(org):
        messages.error(request, _("Your organisation does not keep track of who comes."))
        return redirect("attendance:settings", organisation=org.slug)
    form = ParticipantForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.create_participant(
                organisation=org, by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The participant is registered."))
            return redirect(_detail_url(participant))
    return render(
        request,
        "attendance/participant_form.html",
        {"organisation": org, "form": form, "participant": None},
    )


# One participant ----------------------------------------------------------------------------


@login_required
def participant_detail(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    """Who they are, how they agreed, when they came, when they are away. Logged."""
    found = _participant_or_404(request, organisation, participant)
    access_log.record(
        request=request, role=Role.COORDINATOR, action=access_log.Action.VIEW, obj=found
    )
    today = timezone.localdate()
    rows = Attendance.objects.filter(participant=found)
    summary = rows.aggregate(
        total=Count("pk"),
        last_seen=Max("day"),
        recent=Count("pk", filter=Q(day__gt=today - timedelta(days=91))),
    )
    per_activity = (
        rows.values("activity_id", "activity__title")
        .annotate(times=Count("pk"), last=Max("day"))
        .order_by("-times", "activity__title")[:10]
    )
    can_change = permissions.can_change_participant(request.user, found)
    return render(
        request,
        "attendance/participant_detail.html",
        {
            "organisation": found.organisation,
            "participant": found,
            "summary": summary,
            "per_activity": per_activity,
            "absences": list(found.absences.filter(ends_on__gte=today - timedelta(days=365))),
            "can_change": can_change,
            "close_form": CloseForm() if can_change and not found.is_closed else None,
            "absence_form": AbsenceForm() if can_change and not found.is_closed else None,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    found = _participant_or_404(request, organisation, participant, change=True)
    if found.is_closed:
        messages.error(request, _("This record is closed; it can no longer be changed."))
        return redirect(_detail_url(found))
    form = ParticipantForm(request.POST or None, instance=found, organisation=found.organisation)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_participant(participant=found, by=request.user, **changes)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect(_detail_url(found))
    return render(
        request,
        "attendance/participant_form.html",
        {"organisation": found.organisation, "form": form, "participant": found},
    )


@login_required
@require_POST
def participant_close(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    found = _participant_or_404(request, organisation, participant, change=True)
    form = CloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_detail_url(found))
    try:
        services.close_participant(
            participant=found, reason=form.cleaned_data["reason"], by=request.user
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The record is closed. Nobody will be asked to look out for them.")
        )
    return redirect(_detail_url(found))


@login_required
@require_POST
def participant_follow_up(
    request: HttpRequest, organisation: str, participant: int
) -> HttpResponse:
    """Switch "look out for them" on or off (`follow_up` = "1" or "0")."""
    found = _participant_or_404(request, organisation, participant, change=True)
    try:
        services.set_follow_up(participant=found, follow_up=request.POST.get("follow_up") == "1")
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return redirect(_detail_url(found))


@login_required
@require_POST
def absence_add(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    found = _participant_or_404(request, organisation, participant, change=True)
    form = AbsenceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_detail_url(found))
    try:
        services.add_absence(participant=found, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved: they are away for a while."))
    return redirect(_detail_url(found))


@login_required
@require_POST
def absence_remove(
    request: HttpRequest, organisation: str, participant: int, absence: int
) -> HttpResponse:
    found = _participant_or_404(request, organisation, participant, change=True)
    services.remove_absence(absence=get_object_or_404(Absence, pk=absence, participant=found))
    messages.success(request, _("The absence is removed."))
    return redirect(_detail_url(found))


# The dates to take attendance for -----------------------------------------------------------


@login_required
def dates(request: HttpRequest) -> HttpResponse:
    """Today's and this past week's dates of the organisations the user coordinates that
    keep attendance, newest first, each saying whether attendance was taken."""
    ids = permissions.coordinated_organisation_ids(request.user)
    if not ids:
        raise Http404
    organisations = list(
        Organisation.objects.filter(pk__in=ids).select_related("attendance_settings")
    )
    keeping = [org.pk for org in organisations if services.keeps_attendance(org)]
    today = timezone.localdate()
    occurrences = (
        Occurrence.objects.filter(activity__organisation_id__in=keeping)
        .between(today - timedelta(days=DATES_BACK), today)
        .select_related("activity__organisation", "roll_call")
        .order_by("-starts_at", "pk")
    )
    return render(
        request,
        "attendance/dates.html",
        {
            "organisations": organisations,
            "page": paginate(request, occurrences, DATES_PER_PAGE),
            "today": today,
        },
    )


# The roll-call ------------------------------------------------------------------------------


def _present_ids(occurrence: Occurrence) -> set[int]:
    return set(
        Attendance.objects.filter(occurrence=occurrence).values_list("participant_id", flat=True)
    )


def _regulars(request: HttpRequest, occurrence: Occurrence, present: set[int]) -> list:
    """Who came to this activity in the year before the date, most often first; closed
    records only when they were marked on this date already."""
    day = services.local_day(occurrence)
    regulars = (
        Participant.objects.visible_to(request.user)
        .filter(
            attendances__activity_id=occurrence.activity_id,
            attendances__day__gt=day - REGULARS_PERIOD,
            attendances__day__lte=day,
        )
        .annotate(times=Count("attendances"))
        .order_by("-times", "name", "pk")[:MAX_REGULARS]
    )
    return [p for p in regulars if p.closed_at is None or p.pk in present]


def _roll_call_context(request: HttpRequest, occurrence: Occurrence) -> dict:
    present = _present_ids(occurrence)
    regulars = _regulars(request, occurrence, present)
    search = SearchForm(request.GET or None)
    if search.is_bound and not search.is_valid():
        _form_errors(request, search)
    found = []
    if search.text():
        found = list(
            Participant.objects.visible_to(request.user)
            .open()
            .matching(search.text())
            .exclude(pk__in=[p.pk for p in regulars])
            .order_by("name", "pk")[:MAX_FOUND]
        )
    for participant in (*regulars, *found):
        participant.is_present = participant.pk in present
    roll_call = RollCall.objects.filter(occurrence=occurrence).first()
    head_count = roll_call.head_count if roll_call else 0
    return {
        "occurrence": occurrence,
        "organisation": occurrence.activity.organisation,
        "refusal": services.roll_call_refusal(occurrence),
        "regulars": regulars,
        "found": found,
        "search": search,
        "roll_call": roll_call,
        "present_count": len(present) + head_count,
        "head_count_form": HeadCountForm(initial={"head_count": head_count}),
        "walk_in_form": WalkInForm(initial={"name": search.text()}),
    }


@login_required
def roll_call(request: HttpRequest, occurrence: int) -> HttpResponse:
    found = _occurrence_or_404(request, occurrence)
    return render(request, "attendance/roll_call.html", _roll_call_context(request, found))


def _roll_call_url(occurrence: Occurrence, participant_id: int | None = None) -> str:
    url = reverse("attendance:roll_call", kwargs={"occurrence": occurrence.pk})
    return f"{url}#p-{participant_id}" if participant_id else url


def _refused(message: str) -> HttpResponse:
    """A tap the server will not take, to htmx or the offline queue: the reason as text."""
    return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")


def _parse_id(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


@login_required
@require_POST
def mark(request: HttpRequest, occurrence: int) -> HttpResponse:
    """One tap: present ("1") or not present ("0"). With htmx, only the row comes back."""
    found = _occurrence_or_404(request, occurrence)
    participant_id = _parse_id(request.POST.get("participant"))
    present = request.POST.get("present")
    if participant_id is None or present not in {"0", "1"}:
        message = _("Something went wrong with this button. Please reload the page.")
        if _is_htmx(request):
            return _refused(message)
        messages.error(request, message)
        return redirect(_roll_call_url(found))
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=participant_id)
    try:
        services.mark_attendance(
            occurrence=found, participant=participant, present=present == "1", by=request.user
        )
    except DomainError as error:
        if _is_htmx(request):
            return _refused(str(error))
        messages.error(request, str(error))
        return redirect(_roll_call_url(found))
    if not _is_htmx(request):
        return redirect(_roll_call_url(found, participant.pk))
    participant.is_present = present == "1"
    counted = Attendance.objects.filter(occurrence=found).count()
    head_count = (
        RollCall.objects.filter(occurrence=found).values_list("head_count", flat=True).first()
    )
    return render(
        request,
        "attendance/_roll_call_row.html",
        {
            "occurrence": found,
            "participant": participant,
            "present_count": counted + (head_count or 0),
            "oob": True,
        },
    )


@login_required
@require_POST
def head_count(request: HttpRequest, occurrence: int) -> HttpResponse:
    """The number of others who came (a number, not a step, so sending it twice is the
    same). With htmx (the offline queue), only the count comes back."""
    found = _occurrence_or_404(request, occurrence)
    form = HeadCountForm(request.POST)
    if not form.is_valid():
        if _is_htmx(request):
            return _refused(next(iter(form.errors.values()))[0])
        _form_errors(request, form)
        return redirect(_roll_call_url(found))
    number = form.cleaned_data["head_count"]
    try:
        services.set_head_count(occurrence=found, head_count=number, by=request.user)
    except DomainError as error:
        if _is_htmx(request):
            return _refused(str(error))
        messages.error(request, str(error))
        return redirect(_roll_call_url(found))
    if _is_htmx(request):
        counted = Attendance.objects.filter(occurrence=found).count()
        context = {"present_count": counted + number, "oob": True}
        return render(request, "attendance/_present_count.html", context)
    messages.success(request, _("Saved: the number of others who came."))
    return redirect(_roll_call_url(found))


@login_required
@require_POST
def walk_in(request: HttpRequest, occurrence: int) -> HttpResponse:
    """Someone new at the door: registered with their agreement and marked present. When a
    participant with that name exists, ask first whether it is them."""
    found = _occurrence_or_404(request, occurrence)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_roll_call_url(found))
    data = form.cleaned_data
    same_name = (
        Participant.objects.visible_to(request.user)
        .open()
        .filter(name__iexact=data["name"].strip())
    )
    if not data["someone_else"] and same_name.exists():
        messages.warning(
            request,
            _(
                "Someone with this name is already registered. Is it them? Tap their name "
                "below. Is it someone else? Add them again and tick that it is someone else."
            ),
        )
        return redirect(f"{_roll_call_url(found)}?{urlencode({'q': data['name']})}")
    try:
        participant = services.add_walk_in(
            occurrence=found,
            by=request.user,
            name=data["name"],
            phone=data["phone"],
            consent_how=data["consent_how"],
            consent_on=data["consent_on"],
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(_roll_call_url(found))
    messages.success(
        request, _("%(name)s is registered and marked present.") % {"name": participant.name}
    )
    return redirect(_roll_call_url(found, participant.pk))


urlpatterns = [
    path("presentie/", dates, name="dates"),
    path("presentie/<int:occurrence>/", roll_call, name="roll_call"),
    path("presentie/<int:occurrence>/markeren/", mark, name="mark"),
    path("presentie/<int:occurrence>/anderen/", head_count, name="head_count"),
    path("presentie/<int:occurrence>/nieuw/", walk_in, name="walk_in"),
    path("deelnemers/<slug:organisation>/", participant_list, name="participant_list"),
    path("deelnemers/<slug:organisation>/nieuw/", participant_create, name="participant_create"),
    path("deelnemers/<slug:organisation>/instellingen/", settings, name="settings"),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/",
        participant_detail,
        name="participant_detail",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/wijzigen/",
        participant_edit,
        name="participant_edit",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/afsluiten/",
        participant_close,
        name="participant_close",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/opvolgen/",
        participant_follow_up,
        name="participant_follow_up",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/afwezig/",
        absence_add,
        name="absence_add",
    ),
    path(
        "deelnemers/<slug:organisation>/<int:participant>/afwezig/<int:absence>/verwijderen/",
        absence_remove,
        name="absence_remove",
    ),
]
