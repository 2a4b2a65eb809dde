"""Pages where organisation editors and coordinators register and keep their activities.

Thin views: read through querysets, write through services. An activity of an
organisation the user does not work for is a 404, never a 403: its existence is not theirs
to learn. Everything works without JavaScript; htmx only fetches the preview of the dates
(with any other activity in the chosen room) and the rooms of a chosen place.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.models import Organisation
from network.shared import DomainError, is_slug, paginate

from .. import images, permissions, recurrence, services
from ..forms import (
    ActivityForm,
    CancelForm,
    OccurrenceChangeForm,
    PlaceRoomForm,
    ScheduleForm,
    places_for,
)
from ..models import Activity, Occurrence, Room, Status

PAGE_SIZE = 50
#: How many dates the preview shows while the editor fills in the schedule.
PREVIEW_DATES = 8
#: The overlap check looks this far ahead, at no more than this many dates.
OVERLAP_WEEKS = 26
OVERLAP_DATES = 200
#: At most this many clashes are listed; the first ones tell the story.
MAX_CLASHES = 20
#: The list of dates also shows the recent past, for changes after the fact.
RECENT_DAYS = 30
#: Activities that need the editor's attention come first.
STATUS_ORDER = [Status.RETURNED, Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.CANCELLED]


def _editable_activity(request: HttpRequest, slug: str) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("organisation", "place", "room").prefetch_related(
            "co_organisers", "organisation__networks"
        ),
        slug=slug,
    )
    if not permissions.can_edit_activity(request.user, activity):
        raise Http404
    return activity


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# My activities ---------------------------------------------------------------------------


@login_required
def my_activities(request: HttpRequest) -> HttpResponse:
    """The activities of the user's organisations (organised or co-organised), by status."""
    ids = permissions.editable_organisation_ids(request.user)
    next_start = (
        Occurrence.objects.filter(
            activity=OuterRef("pk"), starts_at__gte=timezone.now(), is_cancelled=False
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    activities = (
        Activity.objects.editable_by(request.user)
        .select_related("organisation")
        .prefetch_related("co_organisers")
        .annotate(
            next_start=Subquery(next_start),
            status_order=Case(
                *[When(status=status, then=Value(i)) for i, status in enumerate(STATUS_ORDER)],
                default=Value(len(STATUS_ORDER)),
                output_field=IntegerField(),
            ),
        )
        .order_by("status_order", "title", "pk")
    )
    organisations = Organisation.objects.filter(pk__in=ids).order_by("name")
    return render(
        request,
        "activities/editor/my_activities.html",
        {"page": paginate(request, activities, PAGE_SIZE), "organisations": organisations},
    )


# Registering and changing an activity ----------------------------------------------------


def _actions(organisation: Organisation, activity: Activity | None) -> list[tuple[str, str]]:
    """The submit buttons: (value of `action`, label); the main action comes last."""
    go_live = _("Publish") if organisation.is_trusted else _("Submit for approval")
    if activity is None:
        return [("draft", _("Save as draft")), ("submit", go_live)]
    if activity.status == Status.DRAFT:
        return [("save", _("Save as draft")), ("submit", go_live)]
    if activity.status == Status.RETURNED:
        again = _("Save and publish") if organisation.is_trusted else _("Save and submit again")
        return [("save", _("Save")), ("submit", again)]
    return [("save", _("Save"))]


def _preview(
    data: QueryDict,
    *,
    is_new: bool,
    organisation: Organisation | None = None,
    activity: Activity | None = None,
) -> dict:
    """The next dates of the schedule in the form data, or why there are none; the skipped
    dates in words; with the organisation, also other activities in the chosen room at the
    same time (so the editor sees a clash while choosing, not only when saving)."""
    if not data.get("start_date"):
        return {"hint": _("Fill in the first date to see the dates.")}
    form = ScheduleForm(data, is_new=is_new)
    if not form.is_valid():
        errors = []
        for name, messages_ in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            errors.extend((label, message) for message in messages_)
        return {"errors": errors}
    schedule = form.schedule()
    today = timezone.localdate()
    start = max(today, schedule.start_date)
    days = list(recurrence.expand(schedule, start=start, limit=PREVIEW_DATES + 1))
    room = _preview_room(data, organisation, activity) if organisation else None
    clashes = _overlaps(form, room, activity) if room else []
    return {
        "description": recurrence.describe(schedule),
        "skipped": recurrence.describe_skipped(schedule, start=start, today=today),
        "days": days[:PREVIEW_DATES],
        "more": len(days) > PREVIEW_DATES,
        "start_time": form.cleaned_data.get("start_time"),
        "end_time": form.cleaned_data.get("end_time"),
        "room": room,
        "clash_groups": _clash_groups(clashes),
    }


def _preview_room(
    data: QueryDict, organisation: Organisation, activity: Activity | None
) -> Room | None:
    """The room to check in the preview: one of the organisation's places, and in the
    chosen place (a room elsewhere is left out here; saving explains the mistake)."""
    form = PlaceRoomForm(
        data, places=places_for(organisation, include_id=activity.place_id if activity else None)
    )
    return form.cleaned_data.get("room") if form.is_valid() else None


def _clashes(form: ActivityForm, activity: Activity | None) -> list[Occurrence]:
    """Dates of other activities in the chosen room at a time this schedule also uses it."""
    room = form.cleaned_data.get("room")
    if room is None or not form.checks_overlap():
        return []
    return _overlaps(form, room, activity)


def _overlaps(form: ScheduleForm, room: Room, activity: Activity | None) -> list[Occurrence]:
    """Dates of other activities in the room that overlap the next months of the schedule."""
    schedule = form.schedule()
    timing = form.timing()
    today = timezone.localdate()
    days = recurrence.expand(
        schedule,
        start=max(today, schedule.start_date),
        end=today + timedelta(weeks=OVERLAP_WEEKS),
        limit=OVERLAP_DATES,
    )
    periods = [services.occurrence_times(timing, day)[:2] for day in days]
    clashes = services.overlapping_occurrences(
        room=room, periods=periods, exclude_activity_id=activity.pk if activity else None
    )
    return list(clashes.select_related("place", "room")[:MAX_CLASHES])


def _clash_groups(clashes: list[Occurrence]) -> list[dict]:
    """The clashing dates per other activity, with whom to call about it: the activity's
    contact, else its organisation's telephone and e-mail."""
    groups: dict[int, dict] = {}
    for occurrence in clashes:
        other = occurrence.activity
        if other.pk not in groups:
            organisation = other.organisation
            groups[other.pk] = {
                "activity": other,
                "organisation": organisation,
                "contact_name": other.contact_name,
                "phone": other.contact_phone or organisation.phone,
                "email": other.contact_email or organisation.email,
                "dates": [],
            }
        groups[other.pk]["dates"].append(occurrence)
    return list(groups.values())


def _rooms_follow_place(form: forms.BaseForm, **owner: str) -> None:
    """With JavaScript, choosing a place fetches the room list of that place (htmx swaps
    the room select); without it, the form checks the room when it is sent."""
    form.fields["place"].widget.attrs.update(
        {
            "hx-get": reverse("activities:room_choices"),
            "hx-trigger": "change",
            "hx-include": "[name='room']",
            "hx-vals": json.dumps(owner),
            "hx-target": "#id_room",
            "hx-select": "#id_room",
            "hx-swap": "outerHTML",
            "hx-sync": "closest form:queue all",
        }
    )


def _save(request: HttpRequest, form: ActivityForm, organisation, activity) -> Activity:
    action = request.POST.get("action")
    if activity is None:
        saved = services.create_activity(
            organisation=organisation,
            created_by=request.user,
            data=form.activity_data(),
            co_organisers=form.co_organisers(),
            submit=action == "submit",
        )
    else:
        # The form has written its values onto `activity`; the service compares against
        # the stored row to see whether the schedule changed, so it gets a fresh copy.
        fresh = Activity.objects.select_related("organisation").get(pk=activity.pk)
        old_files = (fresh.image, fresh.image_small)
        data = form.activity_data()
        saved = services.update_activity(
            activity=fresh, data=data, co_organisers=form.co_organisers()
        )
        if "image" in data:
            images.delete_files_on_commit(*old_files)
        if action == "submit" and saved.status in (Status.DRAFT, Status.RETURNED):
            saved = services.submit_activity(activity=saved)
    return saved


def _saved_message(activity: Activity) -> str:
    if activity.status == Status.PUBLISHED:
        return _("“%(title)s” is saved and in the agenda.")
    if activity.status == Status.SUBMITTED:
        return _(
            "“%(title)s” is saved and waits for approval by the network. "
            "You get an e-mail when it is handled."
        )
    if activity.status == Status.DRAFT:
        return _("“%(title)s” is saved as a draft. Residents do not see it yet.")
    return _("“%(title)s” is saved.")


def _activity_form(
    request: HttpRequest,
    form: ActivityForm,
    *,
    organisation: Organisation,
    activity: Activity | None,
) -> HttpResponse:
    """Create and edit share this: preview without JavaScript, overlap warning, saving."""
    preview = None
    clashes: list[Occurrence] = []
    if request.method == "POST":
        if "preview" in request.POST:
            # Only the dates were asked for: show them, not the errors of unfinished fields.
            preview = _preview(
                request.POST,
                is_new=activity is None,
                organisation=organisation,
                activity=activity,
            )
            form.errors.clear()
        elif form.is_valid():
            clashes = _clashes(form, activity)
            if not clashes or form.cleaned_data.get("confirm_overlap"):
                try:
                    saved = _save(request, form, organisation, activity)
                except DomainError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, _saved_message(saved) % {"title": saved.title})
                    return redirect("activities:my_activities")
    if activity:
        _rooms_follow_place(form, activity=activity.slug)
    else:
        _rooms_follow_place(form, organisation=organisation.slug)
    return render(
        request,
        "activities/editor/activity_form.html",
        {
            "form": form,
            "organisation": organisation,
            "activity": activity,
            "actions": _actions(organisation, activity),
            "preview": preview,
            "clashes": clashes,
            "clash_groups": _clash_groups(clashes),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.prefetch_related("networks"), slug=slug)
    if not permissions.can_create_activity(request.user, organisation):
        raise Http404
    form = ActivityForm(request.POST or None, request.FILES or None, organisation=organisation)
    return _activity_form(request, form, organisation=organisation, activity=None)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _editable_activity(request, slug)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        instance=activity,
        organisation=activity.organisation,
    )
    # The form writes cleaned values onto its instance; the page shows the stored status.
    return _activity_form(request, form, organisation=activity.organisation, activity=activity)


@login_required
@require_GET
def schedule_preview(request: HttpRequest) -> HttpResponse:
    """The next dates of a schedule in words: an htmx partial, or a small page without JS."""
    if not permissions.editable_organisation_ids(request.user):
        raise Http404
    organisation, activity = _preview_owner(request)
    preview = _preview(
        request.GET,
        is_new=request.GET.get("existing") != "1",
        organisation=organisation,
        activity=activity,
    )
    template = (
        "activities/editor/_schedule_preview.html"
        if _is_htmx(request)
        else "activities/editor/schedule_preview.html"
    )
    response = render(request, template, {"preview": preview})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _preview_owner(request: HttpRequest) -> tuple[Organisation | None, Activity | None]:
    """Whose activity the preview is for (`organisation` or `activity` in the address), so
    it can check the room; nothing when the user does not keep it."""
    slug = request.GET.get("activity")
    if slug:
        activity = (
            Activity.objects.select_related("organisation")
            .prefetch_related("co_organisers", "organisation__networks")
            .filter(slug=slug)
            .first()
            if is_slug(slug)
            else None
        )
        if activity and permissions.can_edit_activity(request.user, activity):
            return activity.organisation, activity
        return None, None
    slug = request.GET.get("organisation")
    organisation = (
        Organisation.objects.prefetch_related("networks").filter(slug=slug).first()
        if is_slug(slug)
        else None
    )
    if organisation and permissions.can_create_activity(request.user, organisation):
        return organisation, None
    return None, None


@login_required
@require_GET
def room_choices(request: HttpRequest) -> HttpResponse:
    """The room field for the chosen place (htmx swaps it in when the place changes), for
    the activity form (`organisation` or `activity`) or one date's form (`date=1`)."""
    organisation, activity = _preview_owner(request)
    if organisation is None:
        raise Http404
    place = request.GET.get("place", "")
    initial = {
        "place": place if place.isascii() and place.isdigit() else None,  # an id, or none
        "room": request.GET.get("room") or None,
    }
    if activity and request.GET.get("date"):
        form = OccurrenceChangeForm(
            initial=initial,
            places=places_for(organisation, include_id=initial["place"]),
            default_place=activity.place,
        )
    else:
        form = ActivityForm(initial=initial, organisation=organisation, instance=activity)
    return render(request, "activities/editor/_field.html", {"field": form["room"]})


@login_required
@require_POST
def activity_submit(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _editable_activity(request, slug)
    try:
        services.submit_activity(activity=activity)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _saved_message(activity) % {"title": activity.title})
    return redirect("activities:my_activities")


@login_required
@require_http_methods(["GET", "POST"])
def activity_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """Cancel the whole activity; residents keep seeing it, marked cancelled."""
    activity = _editable_activity(request, slug)
    if activity.status == Status.CANCELLED:
        messages.info(request, _("This activity is cancelled already."))
        return redirect("activities:my_activities")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_activity(activity=activity, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(title)s” is cancelled. Residents see it marked as cancelled.")
                % {"title": activity.title},
            )
        return redirect("activities:my_activities")
    return render(
        request, "activities/editor/activity_cancel.html", {"activity": activity, "form": form}
    )


# Single dates ----------------------------------------------------------------------------


@login_required
def occurrence_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The dates still to come and of the last weeks, each to be changed or cancelled."""
    activity = _editable_activity(request, slug)
    now = timezone.now()
    occurrences = (
        activity.occurrences.filter(starts_at__gte=now - timedelta(days=RECENT_DAYS))
        .select_related("place", "room")
        .annotate_places()
        .order_by("starts_at", "pk")
    )
    return render(
        request,
        "activities/editor/occurrence_list.html",
        {
            "activity": activity,
            "page": paginate(request, occurrences, PAGE_SIZE),
            "now": now,
            "schedule": recurrence.describe(recurrence.Schedule.of(activity)),
        },
    )


def _occurrence(activity: Activity, day) -> Occurrence:
    occurrence = get_object_or_404(
        Occurrence.objects.select_related("place", "room"), activity=activity, original_date=day
    )
    occurrence.activity = activity
    return occurrence


def _occurrence_clashes(activity: Activity, data: dict) -> list[Occurrence]:
    """Other activities in the room this one date would use, at an overlapping time."""
    room = data["room"] or (activity.room if data["place"] is None else None)
    if room is None:
        return []
    starts = services.local_datetime(data["day"], data["start_time"])
    ends = services.local_datetime(data["day"], data["end_time"]) if data["end_time"] else None
    clashes = services.overlapping_occurrences(
        room=room, periods=[(starts, ends)], exclude_activity_id=activity.pk
    )
    return list(clashes.select_related("place", "room")[:MAX_CLASHES])


@login_required
@require_http_methods(["GET", "POST"])
def occurrence_edit(request: HttpRequest, slug: str, day) -> HttpResponse:
    """Move one date or give it another place; the rest of the series stays as it is."""
    activity = _editable_activity(request, slug)
    occurrence = _occurrence(activity, day)
    starts = timezone.localtime(occurrence.starts_at)
    ends = timezone.localtime(occurrence.ends_at) if occurrence.ends_at else None
    initial = {
        "day": starts.date(),
        "start_time": None if occurrence.all_day else starts.time(),
        "end_time": ends.time() if ends and not occurrence.all_day else None,
        "place": occurrence.place,
        "room": occurrence.room,
    }
    form = OccurrenceChangeForm(
        request.POST or None,
        initial=initial,
        places=places_for(activity.organisation, include_id=occurrence.place_id),
        default_place=activity.place,
    )
    _rooms_follow_place(form, activity=activity.slug, date="1")
    clashes: list[Occurrence] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        clashes = _occurrence_clashes(activity, data)
        if clashes and not request.POST.get("confirm_overlap"):
            form.fields["confirm_overlap"] = forms.BooleanField(
                label=_("Save anyway: we know about the other activity in this room"),
                required=False,
            )
            return render(
                request,
                "activities/editor/occurrence_form.html",
                {
                    "activity": activity,
                    "occurrence": occurrence,
                    "form": form,
                    "clash_groups": _clash_groups(clashes),
                },
            )
        try:
            services.change_occurrence(
                occurrence=occurrence,
                day=data["day"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                place=data["place"],
                room=data["room"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The date is changed. The other dates of “%(title)s” stay as they were.")
                % {"title": activity.title},
            )
            return redirect("activities:occurrence_list", slug=activity.slug)
    return render(
        request,
        "activities/editor/occurrence_form.html",
        {"activity": activity, "occurrence": occurrence, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def occurrence_cancel(request: HttpRequest, slug: str, day) -> HttpResponse:
    """Cancel one date with a reason residents see, or take a cancellation back."""
    activity = _editable_activity(request, slug)
    occurrence = _occurrence(activity, day)
    # Bound only to a POST that cancels: a GET (request.POST is then empty, not None) or a
    # restore must not greet the editor with "This field is required".
    cancelling = request.method == "POST" and "restore" not in request.POST
    form = CancelForm(request.POST if cancelling else None)
    if request.method == "POST":
        try:
            if "restore" in request.POST:
                services.restore_occurrence(occurrence=occurrence)
                messages.success(request, _("The date takes place again."))
                return redirect("activities:occurrence_list", slug=activity.slug)
            if form.is_valid():
                services.cancel_occurrence(
                    occurrence=occurrence, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _("The date is cancelled. The other dates of “%(title)s” stay as they were.")
                    % {"title": activity.title},
                )
                return redirect("activities:occurrence_list", slug=activity.slug)
        except DomainError as error:
            form.add_error(None, str(error))
    return render(
        request,
        "activities/editor/occurrence_cancel.html",
        {"activity": activity, "occurrence": occurrence, "form": form},
    )
