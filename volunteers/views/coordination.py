"""Coordinators: the unfilled overview, rosters, contact lists, no-shows, hours, approvals.

Only the organisation's coordinators (permissions.can_coordinate_volunteers) get in;
everyone else gets a 404. A volunteer may read their own yearly hours statement. Contact
details and printed names are personal data: showing or printing them writes the access
log (network.access_log).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

import activities.urls  # noqa: F401  (registers the <day:…> converter used below)
from activities import printing
from activities.periods import YEARS
from activities.services import local_datetime
from network import access_log
from network.models import Network, Organisation, Role, User
from network.shared import DomainError, limit_concurrency, paginate

from .. import coordination, permissions
from ..forms.coordination import UnfilledFilterForm, hours_from_post
from ..models import ACTIVE_SIGNUP_STATUSES, Shift, SignUp, SignUpStatus
from .tasks import organisation_or_404

UNFILLED_PER_PAGE = 50
#: Counting every unfilled shift of a region costs more than the number is worth.
UNFILLED_CAP = 1000
SHIFTS_PER_DAY_PAGE = 50
HOURS_PER_PAGE = 50
HOURS_CAP = 2000
VOLUNTEERS_PER_PAGE = 50
printing_slot = limit_concurrency("print", slots=2)


def _coordinated_shift(request: HttpRequest, pk: int) -> Shift:
    shift = get_object_or_404(
        Shift.objects.select_related("task__organisation", "task__place"), pk=pk
    )
    if not permissions.can_coordinate_volunteers(request.user, shift.task.organisation):
        raise Http404
    return shift


def _coordinated_signup(request: HttpRequest, pk: int) -> SignUp:
    signup = get_object_or_404(
        SignUp.objects.select_related("shift__task__organisation", "volunteer"), pk=pk
    )
    if not permissions.can_coordinate_volunteers(request.user, signup.shift.task.organisation):
        raise Http404
    return signup


def _day_or_404(day: date) -> date:
    if day.year not in YEARS:
        raise Http404
    return day


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# Still unfilled ------------------------------------------------------------------------------


def _unfilled_page(request: HttpRequest, organisation_ids, form: UnfilledFilterForm):
    if form.is_bound and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    now = timezone.now()
    shifts = coordination.unfilled_shifts(
        Shift.objects.filter(task__organisation_id__in=organisation_ids), now=now
    ).select_related("task__organisation", "task__place")
    days = form.days()
    if days is not None:
        shifts = shifts.filter(starts_at__lt=now + timedelta(days=days))
    return paginate(request, shifts, UNFILLED_PER_PAGE, cap=UNFILLED_CAP)


@login_required
def unfilled(request: HttpRequest, organisation: str) -> HttpResponse:
    """Coming shifts of the organisation still short of volunteers, soonest first."""
    org = organisation_or_404(request, organisation, coordinate=True)
    form = UnfilledFilterForm(request.GET or None)
    page = _unfilled_page(request, [org.pk], form)
    return render(
        request,
        "volunteers/coordination/unfilled.html",
        {"organisation": org, "form": form, "page": page, "coordinates": True},
    )


@login_required
def unfilled_all(request: HttpRequest) -> HttpResponse:
    """The same over every organisation the user coordinates, or those in one network.
    Never another organisation's shifts: coordinating is per organisation."""
    ids = permissions.coordinated_organisation_ids(request.user)
    if not ids:
        raise Http404
    networks = (
        Network.objects.filter(organisations__in=ids).distinct().order_by("name")
        if len(ids) > 1
        else []
    )
    form = UnfilledFilterForm(request.GET or None, networks=networks)
    page_ids = set(ids)
    network = form.network() if networks else None
    if network is not None:
        page_ids = set(
            Organisation.objects.filter(pk__in=ids, networks=network).values_list("pk", flat=True)
        )
    page = _unfilled_page(request, page_ids, form)
    organisations = Organisation.objects.filter(pk__in=ids).order_by("name")
    return render(
        request,
        "volunteers/coordination/unfilled.html",
        {"organisation": None, "organisations": organisations, "form": form, "page": page},
    )


# The roster of a day -------------------------------------------------------------------------


def _roster(request: HttpRequest, organisation: Organisation, day: date, *, page_size: int):
    """Every shift of the organisation starting on the day, with its volunteers."""
    start, end = local_datetime(day, None), local_datetime(day + timedelta(days=1), None)
    signups = (
        SignUp.objects.filter(status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer")
        .order_by("status", "created_at", "pk")
    )
    shifts = (
        Shift.objects.filter(
            task__organisation=organisation, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("task__place")
        .prefetch_related(Prefetch("signups", queryset=signups, to_attr="people"))
        .order_by("starts_at", "task__title", "pk")
    )
    page = paginate(request, shifts, page_size)
    counts = coordination.no_show_counts(
        organisation=organisation,
        volunteer_ids={s.volunteer_id for shift in page for s in shift.people},
    )
    now = timezone.now()
    for shift in page:
        shift.has_started = shift.starts_at <= now
        shift.confirmed = [s for s in shift.people if s.status == SignUpStatus.CONFIRMED]
        shift.waiting = [s for s in shift.people if s.status != SignUpStatus.CONFIRMED]
        for signup in shift.people:
            signup.shown_name = coordination.full_name(signup.volunteer)
            signup.no_shows = counts.get(signup.volunteer_id, 0)
    return page


@login_required
def roster_today(request: HttpRequest, organisation: str) -> HttpResponse:
    org = organisation_or_404(request, organisation, coordinate=True)
    return redirect("volunteers:roster", organisation=org.slug, day=timezone.localdate())


@login_required
def roster(request: HttpRequest, organisation: str, day: date) -> HttpResponse:
    org = organisation_or_404(request, organisation, coordinate=True)
    day = _day_or_404(day)
    page = _roster(request, org, day, page_size=SHIFTS_PER_DAY_PAGE)
    return render(
        request,
        "volunteers/coordination/roster.html",
        {
            "organisation": org,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "today": timezone.localdate(),
            "page": page,
            "coordinates": True,
        },
    )


@login_required
def roster_print(request: HttpRequest, organisation: str, day: date) -> HttpResponse:
    """The day's roster as an A4 PDF, with a column to tick who came. Names on paper are
    personal data: printing is written to the access log."""
    org = organisation_or_404(request, organisation, coordinate=True)
    day = _day_or_404(day)
    page = _roster(request, org, day, page_size=SHIFTS_PER_DAY_PAGE * 4)
    access_log.record(
        request=request,
        role=Role.COORDINATOR,
        action=access_log.Action.PRINT,
        obj=org,
        description=f"volunteer roster {day.isoformat()}",
    )
    html = render_to_string(
        "volunteers/coordination/roster_print.html",
        {**printing._common_context(), "organisation": org, "day": day, "shifts": list(page)},
        request=request,
    )
    return printing.pdf_response(
        printing.render_pdf(html), f"rooster-{org.slug}-{day.isoformat()}.pdf"
    )


# Contact list of one shift -------------------------------------------------------------------


@login_required
def shift_contacts(request: HttpRequest, shift: int) -> HttpResponse:
    """Names, telephone and e-mail of the shift's confirmed volunteers (written to the log)."""
    found = _coordinated_shift(request, shift)
    organisation = found.task.organisation
    access_log.record(
        request=request,
        role=Role.COORDINATOR,
        action=access_log.Action.VIEW,
        obj=found,
        description="volunteer contact list",
    )
    people = list(
        SignUp.objects.filter(shift=found, status=SignUpStatus.CONFIRMED)
        .select_related("volunteer__volunteer_profile")
        .order_by("created_at", "pk")
    )
    counts = coordination.no_show_counts(
        organisation=organisation, volunteer_ids={s.volunteer_id for s in people}
    )
    for signup in people:
        signup.shown_name = coordination.full_name(signup.volunteer)
        signup.phone = getattr(getattr(signup.volunteer, "volunteer_profile", None), "phone", "")
        signup.no_shows = counts.get(signup.volunteer_id, 0)
    return render(
        request,
        "volunteers/coordination/shift_contacts.html",
        {"shift": found, "organisation": organisation, "people": people, "coordinates": True},
    )


# No-shows ------------------------------------------------------------------------------------


def _roster_url(signup: SignUp) -> str:
    return reverse(
        "volunteers:roster",
        kwargs={
            "organisation": signup.shift.task.organisation.slug,
            "day": timezone.localtime(signup.shift.starts_at).date(),
        },
    )


@login_required
@require_POST
def no_show(request: HttpRequest, signup: int) -> HttpResponse:
    found = _coordinated_signup(request, signup)
    try:
        coordination.record_no_show(signup=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Recorded: %(name)s did not come. You can undo this.")
            % {"name": coordination.full_name(found.volunteer)},
        )
    return redirect(_safe_next(request, _roster_url(found)))


@login_required
@require_POST
def no_show_undo(request: HttpRequest, signup: int) -> HttpResponse:
    found = _coordinated_signup(request, signup)
    try:
        coordination.undo_no_show(signup=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Undone: %(name)s is no longer marked as not come.")
            % {"name": coordination.full_name(found.volunteer)},
        )
    return redirect(_safe_next(request, _roster_url(found)))


# Hours ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hours(request: HttpRequest, organisation: str) -> HttpResponse:
    """Shifts that are over, waiting for their hours to be approved: the shift's length by
    default, changed where needed, several at once."""
    org = organisation_or_404(request, organisation, coordinate=True)
    row_errors: dict[int, str] = {}
    if request.method == "POST":
        chosen, row_errors = hours_from_post(request.POST)
        if row_errors:
            messages.error(request, _("Some hours are not right. Check the rows marked below."))
        elif not chosen:
            messages.error(request, _("Tick the shifts whose hours you approve."))
        else:
            try:
                done = coordination.approve_hours_bulk(
                    organisation=org, hours_by_signup=chosen, approved_by=request.user
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    ngettext(
                        "Approved the hours of %(count)s shift.",
                        "Approved the hours of %(count)s shifts.",
                        done,
                    )
                    % {"count": done},
                )
                return redirect(request.get_full_path())
    waiting = (
        coordination.hours_awaiting_approval(org)
        .select_related("shift__task", "volunteer")
        .order_by("shift__starts_at", "pk")
    )
    page = paginate(request, waiting, HOURS_PER_PAGE, cap=HOURS_CAP)
    counts = coordination.no_show_counts(
        organisation=org, volunteer_ids={s.volunteer_id for s in page}
    )
    for signup in page:
        signup.shown_name = coordination.full_name(signup.volunteer)
        signup.no_shows = counts.get(signup.volunteer_id, 0)
        signup.default_hours = coordination.default_hours(signup)
        typed = request.POST.get(f"hours-{signup.pk}") if request.method == "POST" else None
        signup.typed_hours = typed[:10] if isinstance(typed, str) else None
        signup.error = row_errors.get(signup.pk)
        signup.ticked = request.method == "POST" and str(signup.pk) in request.POST.getlist(
            "signup"
        )
    return render(
        request,
        "volunteers/coordination/hours.html",
        {
            "organisation": org,
            "page": page,
            "year": timezone.localdate().year,
            "coordinates": True,
        },
    )


@login_required
def hours_year(request: HttpRequest, organisation: str, year: int) -> HttpResponse:
    """Approved hours per volunteer in a year, each leading to their statement."""
    org = organisation_or_404(request, organisation, coordinate=True)
    if year not in YEARS:
        raise Http404
    start, end = coordination.year_bounds(year)
    totals = (
        SignUp.objects.filter(
            shift__task__organisation=org,
            hours_approved__isnull=False,
            shift__starts_at__gte=start,
            shift__starts_at__lt=end,
        )
        .values("volunteer_id", "volunteer__name", "volunteer__email")
        .annotate(total=Sum("hours_approved"), shifts=Count("pk"))
        .order_by("volunteer__name", "volunteer__email", "volunteer_id")
    )
    page = paginate(request, totals, VOLUNTEERS_PER_PAGE)
    for row in page:
        row["shown_name"] = (row["volunteer__name"] or "").strip() or row["volunteer__email"]
    grand_total = totals.order_by().aggregate(total=Sum("hours_approved"))["total"] or 0
    return render(
        request,
        "volunteers/coordination/hours_year.html",
        {
            "organisation": org,
            "year": year,
            "page": page,
            "grand_total": grand_total,
            "previous_year": year - 1 if year - 1 in YEARS else None,
            "next_year": year + 1 if year + 1 in YEARS else None,
            "coordinates": True,
        },
    )


def _statement(request: HttpRequest, organisation: str, user: int, year: int):
    org = get_object_or_404(Organisation, slug=organisation)
    if not permissions.can_view_hours_statement(request.user, org, user) or year not in YEARS:
        raise Http404
    volunteer = get_object_or_404(User, pk=user)
    if not coordination.is_volunteer_of(org, volunteer.pk):
        raise Http404
    statement = coordination.hours_statement(organisation=org, volunteer=volunteer, year=year)
    by_coordinator = request.user.pk != volunteer.pk
    return org, by_coordinator, statement


@login_required
def hours_statement(request: HttpRequest, organisation: str, user: int, year: int) -> HttpResponse:
    """A volunteer's approved hours at the organisation in a year: for recognition and the
    volunteer's own records. Their coordinators, and the volunteer themselves."""
    org, by_coordinator, statement = _statement(request, organisation, user, year)
    if by_coordinator:
        access_log.record(
            request=request,
            role=Role.COORDINATOR,
            action=access_log.Action.VIEW,
            obj=statement.volunteer,
            description=f"hours statement {org.slug} {year}",
        )
    return render(
        request,
        "volunteers/coordination/hours_statement.html",
        {
            "organisation": org,
            "statement": statement,
            "volunteer_name": coordination.full_name(statement.volunteer),
            "by_coordinator": by_coordinator,
            "previous_year": year - 1 if year - 1 in YEARS else None,
            "next_year": year + 1 if year + 1 in YEARS else None,
        },
    )


@login_required
def hours_statement_pdf(
    request: HttpRequest, organisation: str, user: int, year: int
) -> HttpResponse:
    org, by_coordinator, statement = _statement(request, organisation, user, year)
    if by_coordinator:
        access_log.record(
            request=request,
            role=Role.COORDINATOR,
            action=access_log.Action.PRINT,
            obj=statement.volunteer,
            description=f"hours statement {org.slug} {year}",
        )
    html = render_to_string(
        "volunteers/coordination/hours_statement_print.html",
        {
            **printing._common_context(),
            "organisation": org,
            "statement": statement,
            "volunteer_name": coordination.full_name(statement.volunteer),
        },
        request=request,
    )
    return printing.pdf_response(printing.render_pdf(html), f"uren-{org.slug}-{year}.pdf")


urlpatterns = [
    path("onbezet/", unfilled_all, name="unfilled_all"),
    path("<slug:organisation>/onbezet/", unfilled, name="unfilled"),
    path("<slug:organisation>/rooster/", roster_today, name="roster_today"),
    path("<slug:organisation>/rooster/<day:day>/", roster, name="roster"),
    path(
        "<slug:organisation>/rooster/<day:day>/afdrukken.pdf",
        printing_slot(roster_print),
        name="roster_print",
    ),
    path("diensten/<int:shift>/contact/", shift_contacts, name="shift_contacts"),
    path("aanmeldingen/<int:signup>/niet-gekomen/", no_show, name="no_show"),
    path("aanmeldingen/<int:signup>/niet-gekomen/ongedaan/", no_show_undo, name="no_show_undo"),
    path("<slug:organisation>/uren/", hours, name="hours"),
    path("<slug:organisation>/uren/<int:year>/", hours_year, name="hours_year"),
    path(
        "<slug:organisation>/uren/<int:user>/<int:year>/",
        hours_statement,
        name="hours_statement",
    ),
    path(
        "<slug:organisation>/uren/<int:user>/<int:year>/afdrukken.pdf",
        printing_slot(hours_statement_pdf),
        name="hours_statement_pdf",
    ),
]
