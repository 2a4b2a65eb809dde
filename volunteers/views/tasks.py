"""Editors and coordinators: creating and changing tasks and their shifts; settings.

Thin views: querysets read, volunteers.coordination writes. An organisation or task the
user does not manage is a 404, never a 403. Editors see who signed up by first name;
coordinators by full name, with the no-shows that still count.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import recurrence
from activities.models import Frequency
from network.models import Organisation
from network.shared import DomainError, paginate

from .. import coordination, permissions
from ..forms.tasks import SettingsForm, TaskForm
from ..models import (
    ACTIVE_SIGNUP_STATUSES,
    Shift,
    SignUp,
    SignUpStatus,
    Task,
    VolunteeringSettings,
)

TASKS_PER_PAGE = 25
#: The next shifts shown with each task in the list.
NEXT_SHIFTS = 3
SHIFTS_PER_PAGE = 20
STATUS_ORDER = [SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.WAITING]


def organisation_or_404(
    request: HttpRequest, slug: str, *, coordinate: bool = False
) -> Organisation:
    organisation = get_object_or_404(Organisation.objects.prefetch_related("networks"), slug=slug)
    allowed = (
        permissions.can_coordinate_volunteers(request.user, organisation)
        if coordinate
        else permissions.can_manage_tasks(request.user, organisation)
    )
    if not allowed:
        raise Http404
    return organisation


def _managed_task(request: HttpRequest, pk: int) -> Task:
    task = get_object_or_404(
        Task.objects.select_related("organisation", "place", "activity").prefetch_related(
            "organisation__networks"
        ),
        pk=pk,
    )
    if not permissions.can_manage_tasks(request.user, task.organisation):
        raise Http404
    return task


def _schedule_words(task: Task) -> str:
    if task.activity_id:
        return _("At every date of “%(title)s”.") % {"title": task.activity.title}
    if task.start_date is None:
        return ""
    day = date_format(task.start_date, "j F Y")
    if task.frequency == Frequency.ONCE:
        return _("Once, on %(date)s") % {"date": day}
    return _("%(schedule)s, from %(date)s") % {
        "schedule": recurrence.describe(recurrence.Schedule.of(task)),
        "date": day,
    }


# The list of tasks ---------------------------------------------------------------------------


@login_required
def task_list(request: HttpRequest, organisation: str) -> HttpResponse:
    """The organisation's tasks, open ones first, each with its next shifts and how full."""
    org = organisation_or_404(request, organisation)
    next_shifts = Shift.objects.filter(is_cancelled=False, starts_at__gte=timezone.now()).order_by(
        "starts_at", "pk"
    )
    tasks = (
        Task.objects.filter(organisation=org)
        .select_related("place", "activity")
        .prefetch_related(
            Prefetch("shifts", queryset=next_shifts[:NEXT_SHIFTS], to_attr="next_shifts")
        )
        .order_by("-is_active", "title", "pk")
    )
    page = paginate(request, tasks, TASKS_PER_PAGE)
    for task in page:
        task.schedule_words = _schedule_words(task)
    return render(
        request,
        "volunteers/tasks/task_list.html",
        {
            "organisation": org,
            "page": page,
            "coordinates": permissions.can_coordinate_volunteers(request.user, org),
        },
    )


# Creating and changing a task ----------------------------------------------------------------


def _task_form(
    request: HttpRequest, form: TaskForm, *, organisation: Organisation, task: Task | None
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            if task is None:
                saved = coordination.create_task(
                    organisation=organisation, created_by=request.user, data=form.task_data()
                )
            else:
                saved = coordination.update_task(task=task, data=form.task_data())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("volunteers:task_detail", task=saved.pk)
    return render(
        request,
        "volunteers/tasks/task_form.html",
        {"form": form, "organisation": organisation, "task": task},
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest, organisation: str) -> HttpResponse:
    org = organisation_or_404(request, organisation)
    form = TaskForm(request.POST or None, organisation=org)
    return _task_form(request, form, organisation=org, task=None)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, task: int) -> HttpResponse:
    found = _managed_task(request, task)
    form = TaskForm(request.POST or None, instance=found, organisation=found.organisation)
    return _task_form(request, form, organisation=found.organisation, task=found)


@login_required
@require_POST
def task_close(request: HttpRequest, task: int) -> HttpResponse:
    found = _managed_task(request, task)
    try:
        coordination.close_task(task=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("“%(title)s” takes no new sign-ups. Volunteers already signed up keep their shifts.")
            % {"title": found.title},
        )
    return redirect("volunteers:task_detail", task=found.pk)


@login_required
@require_POST
def task_reopen(request: HttpRequest, task: int) -> HttpResponse:
    found = _managed_task(request, task)
    try:
        coordination.reopen_task(task=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Volunteers can sign up for “%(title)s” again.") % {"title": found.title}
        )
    return redirect("volunteers:task_detail", task=found.pk)


# One task and who signed up ------------------------------------------------------------------


@login_required
def task_detail(request: HttpRequest, task: int) -> HttpResponse:
    """The task's coming shifts with who signed up: first names and status for editors, full
    names (and no-shows that count) for coordinators."""
    found = _managed_task(request, task)
    coordinates = permissions.can_coordinate_volunteers(request.user, found.organisation)
    signups = (
        SignUp.objects.filter(status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer")
        .annotate(
            status_order=Case(
                *[When(status=status, then=Value(i)) for i, status in enumerate(STATUS_ORDER)],
                default=Value(len(STATUS_ORDER)),
                output_field=IntegerField(),
            )
        )
        .order_by("status_order", "created_at", "pk")
    )
    shifts = (
        Shift.objects.filter(task=found, starts_at__gte=timezone.now())
        .prefetch_related(Prefetch("signups", queryset=signups, to_attr="people"))
        .order_by("starts_at", "pk")
    )
    page = paginate(request, shifts, SHIFTS_PER_PAGE)
    counts = {}
    if coordinates:
        counts = coordination.no_show_counts(
            organisation=found.organisation,
            volunteer_ids={s.volunteer_id for shift in page for s in shift.people},
        )
    for shift in page:
        for signup in shift.people:
            signup.shown_name = (
                coordination.full_name(signup.volunteer)
                if coordinates
                else coordination.first_name(signup.volunteer)
            )
            signup.no_shows = counts.get(signup.volunteer_id, 0)
    return render(
        request,
        "volunteers/tasks/task_detail.html",
        {
            "task": found,
            "organisation": found.organisation,
            "schedule_words": _schedule_words(found),
            "page": page,
            "coordinates": coordinates,
        },
    )


# Settings ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, organisation: str) -> HttpResponse:
    org = organisation_or_404(request, organisation, coordinate=True)
    current = VolunteeringSettings.for_organisation(org)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            coordination.save_settings(organisation=org, data=form.settings_data())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("volunteers:settings", organisation=org.slug)
    return render(request, "volunteers/tasks/settings.html", {"form": form, "organisation": org})


urlpatterns = [
    path("<slug:organisation>/taken/", task_list, name="task_list"),
    path("<slug:organisation>/taken/nieuw/", task_create, name="task_create"),
    path("<slug:organisation>/instellingen/", settings_edit, name="settings"),
    path("taken/<int:task>/", task_detail, name="task_detail"),
    path("taken/<int:task>/bewerken/", task_edit, name="task_edit"),
    path("taken/<int:task>/sluiten/", task_close, name="task_close"),
    path("taken/<int:task>/heropenen/", task_reopen, name="task_reopen"),
]
