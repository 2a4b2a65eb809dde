"""Open shifts, one shift, signing up, cancelling, the waiting list and stand-ins.

The rules live in volunteers/signups.py; these views only ask and show. Every page reads a
fixed number of queries: the page's shifts with what they point to in one query, the
volunteer's own sign-ups around them in one more, certificates and profile once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from network import public_cache
from network.models import Organisation, User
from network.shared import DomainError, paginate

from .. import signups
from ..cards import csrf_input, shift_card
from ..forms.shifts import OpenShiftFilter
from ..models import (
    ACTIVE_SIGNUP_STATUSES,
    NameVisibility,
    Shift,
    SignUp,
    SignUpStatus,
    VolunteeringSettings,
)
from ..permissions import (
    can_change_signup,
    can_have_own_shifts,
    can_sign_up,
    can_take_over,
    can_view_task,
    open_shifts_q,
    volunteer_organisation_ids,
)

SHIFTS_PER_PAGE = 20
#: Counting open shifts stops here (a region has thousands); the pager says "more".
COUNT_CAP = 1000


# Helpers ----------------------------------------------------------------------------------


def first_name(user_name: str) -> str:
    """What other volunteers see: the first word of the name, never the e-mail address."""
    name = (user_name or "").strip()
    return name.split()[0] if name else _("a volunteer")


@dataclass
class ShiftItem:
    """One shift as the volunteer sees it in a list: places, their own sign-up, warnings."""

    shift: Shift
    places_left: int
    mine: SignUp | None = None
    overlaps: list[Shift] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.places_left <= 0


def _own_signups_around(user: User, shifts: list[Shift]) -> list[SignUp]:
    """The volunteer's active sign-ups on shifts that touch the time of any of `shifts`:
    their own sign-up on each and any overlap, in one query."""
    if not shifts:
        return []
    first = min(shift.starts_at for shift in shifts)
    last = max(shift.ends_at for shift in shifts)
    return list(
        SignUp.objects.filter(
            volunteer=user,
            status__in=ACTIVE_SIGNUP_STATUSES,
            shift__starts_at__lt=last,
            shift__ends_at__gt=first,
            shift__is_cancelled=False,
        ).select_related("shift__task")
    )


def _items(user: User, shifts: list[Shift], qualifications) -> list[ShiftItem]:
    around = _own_signups_around(user, shifts)
    items = []
    for shift in shifts:
        mine = next((s for s in around if s.shift_id == shift.pk), None)
        overlaps = [
            s.shift
            for s in around
            if s.shift_id != shift.pk
            and s.shift.starts_at < shift.ends_at
            and s.shift.ends_at > shift.starts_at
        ]
        items.append(
            ShiftItem(
                shift=shift,
                places_left=signups.places_left(shift),
                mine=mine,
                overlaps=overlaps,
                problems=qualifications.problems(shift.task, signups.shift_day(shift)),
            )
        )
    return items


def _cards(request: HttpRequest, items: list[ShiftItem]) -> list[SafeString]:
    """One card per shift, written in Python (volunteers/cards.py)."""
    csrf = csrf_input(get_token(request))
    return [shift_card(item, csrf) for item in items]


def _shift(request: HttpRequest, pk: int) -> Shift:
    """The shift, for those who may see its task (its organisation's volunteers, editors
    and coordinators); a 404 for anyone else."""
    shift = get_object_or_404(
        Shift.objects.select_related("task__organisation__volunteering", "task__place"),
        pk=pk,
    )
    if not can_view_task(request.user, shift.task):
        raise Http404
    return shift


def _own_signup(request: HttpRequest, pk: int) -> SignUp:
    """The volunteer's own sign-up; anyone else's is a 404."""
    signup = get_object_or_404(
        SignUp.objects.select_related("shift__task__organisation__volunteering", "shift__task"),
        pk=pk,
    )
    if not can_change_signup(request.user, signup):
        raise Http404
    return signup


def _back_to_shift(signup_or_shift) -> HttpResponse:
    shift_id = getattr(signup_or_shift, "shift_id", None) or signup_or_shift.pk
    return redirect("volunteers:shift_detail", shift=shift_id)


def _overlap_warning(request: HttpRequest, signup: SignUp) -> None:
    overlaps = list(signups.overlapping_shifts(volunteer=request.user, shift=signup.shift)[:3])
    if overlaps:
        names = ", ".join(
            f"{shift.task.title} ({date_format(timezone.localtime(shift.starts_at), 'j F H:i')})"
            for shift in overlaps
        )
        messages.warning(
            request,
            _("Please note: at the same time you also have %(shifts)s.") % {"shifts": names},
        )


# Pages ------------------------------------------------------------------------------------


@login_required
@require_safe
def open_shifts(request: HttpRequest) -> HttpResponse:
    """Shifts of the organisations I volunteer for that I can still sign up for."""
    user = request.user
    if not can_have_own_shifts(user):
        raise Http404
    qualifications = signups.Qualifications(user)
    shifts = (
        Shift.objects.open()
        .upcoming()
        .filter(open_shifts_q(user))
        .select_related("task__organisation", "task__place")
    )
    organisation_ids = volunteer_organisation_ids(user)
    filterset = OpenShiftFilter(
        request.GET or None,
        queryset=shifts,
        organisations=Organisation.objects.filter(pk__in=organisation_ids).order_by("name"),
        qualifications=qualifications,
    )
    if filterset.is_bound:
        filterset.form.is_valid()
    selection = filterset.qs.order_by("starts_at", "pk")
    page = paginate(request, selection, SHIFTS_PER_PAGE, cap=COUNT_CAP)
    page_shifts = signups.attach_offers(list(page.object_list))
    items = _items(user, page_shifts, qualifications)
    return render(
        request,
        "volunteers/shifts/open.html",
        {
            "filter": filterset,
            "filter_errors": bool(filterset.is_bound and filterset.form.errors),
            "has_filters": any(request.GET.get(name) for name in filterset.filters),
            "page": page,
            "items": items,
            "cards": _cards(request, items),
            "availability_unknown": filterset.availability_unknown,
            # The rendered filter fields are kept until what they offer changes: rendering
            # them cost as much as the shifts (templates/volunteers/shifts/open.html).
            "filters_version": (
                f"{public_cache.choices_version()}:{','.join(map(str, sorted(organisation_ids)))}"
            ),
        },
    )


@login_required
@require_safe
def shift_detail(request: HttpRequest, shift: int) -> HttpResponse:
    """One shift: what, where, when, places left, who else comes (first names, or not at
    all, per organisation), my sign-up and what I can do with it."""
    user = request.user
    shift = _shift(request, shift)
    task = shift.task
    settings = VolunteeringSettings.for_organisation(task.organisation)
    active = list(
        SignUp.objects.filter(shift=shift, status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer")
        .only(
            "pk",
            "status",
            "created_at",
            "volunteer_id",
            "volunteer__name",
            "stand_in_wanted_at",
            "taken_over_by_id",
            "offer_expires_at",
            "shift_id",
        )
        .order_by("created_at", "pk")
    )
    mine = next((s for s in active if s.volunteer_id == user.pk), None)
    confirmed = [s for s in active if s.status == SignUpStatus.CONFIRMED]
    waiting = [s for s in active if s.status == SignUpStatus.WAITING]
    shift.offered_count = sum(1 for s in active if s.status == SignUpStatus.OFFERED)
    others = [s for s in confirmed if s.volunteer_id != user.pk]
    show_names = settings.co_volunteer_names == NameVisibility.FIRST_NAME
    may_sign_up = can_sign_up(user, shift)
    problems: list[str] = []
    overlaps: list[Shift] = []
    stand_ins: list[SignUp] = []
    if may_sign_up:
        qualifications = signups.Qualifications(user)
        problems = qualifications.problems(task, signups.shift_day(shift))
        overlaps = list(signups.overlapping_shifts(volunteer=user, shift=shift))
        if mine is None or mine.status != SignUpStatus.CONFIRMED:
            stand_ins = [s for s in others if s.stand_in_wanted_at and not s.taken_over_by_id]
    now = timezone.now()
    closed = signups.closed_reason(shift, now)
    deadline = signups.cancel_deadline(shift)
    return render(
        request,
        "volunteers/shifts/detail.html",
        {
            "shift": shift,
            "task": task,
            "settings": settings,
            "places_left": signups.places_left(shift),
            "co_volunteers": [first_name(s.volunteer.name) for s in others] if show_names else [],
            "co_volunteer_count": len(others),
            "show_names": show_names,
            "mine": mine,
            "waiting_position": waiting.index(mine) + 1 if mine in waiting else None,
            "waiting_count": len(waiting),
            "may_sign_up": may_sign_up,
            "problems": problems,
            "overlaps": overlaps,
            "stand_ins": stand_ins if not problems and not closed else [],
            "closed_reason": closed,
            "cancel_deadline": deadline,
            "past_deadline": now > deadline,
        },
    )


@login_required
@require_POST
def shift_sign_up(request: HttpRequest, shift: int) -> HttpResponse:
    """One click: a place, or a place on the waiting list when the shift is full."""
    shift = _shift(request, shift)
    if not can_sign_up(request.user, shift):
        raise Http404
    try:
        signup = signups.sign_up(shift=shift, volunteer=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return _back_to_shift(shift)
    if signup.status == SignUpStatus.CONFIRMED:
        messages.success(request, _("You are signed up. Thank you!"))
    else:
        messages.warning(
            request,
            _(
                "This shift is full, so you are on the waiting list. When a place comes "
                "free, we offer it to you by e-mail."
            ),
        )
    _overlap_warning(request, signup)
    return _back_to_shift(shift)


@login_required
@require_http_methods(["GET", "POST"])
def signup_cancel(request: HttpRequest, signup: int) -> HttpResponse:
    """Cancel (GET asks first): until the organisation's deadline, else call the
    coordinator (the number is shown) or ask for a stand-in."""
    signup = _own_signup(request, signup)
    shift = signup.shift
    if request.method == "POST":
        try:
            signups.cancel_signup(signup=signup)
        except DomainError as error:
            messages.error(request, str(error))
            return _back_to_shift(signup)
        messages.success(request, _("You are no longer signed up for this shift."))
        return redirect("volunteers:my_shifts")
    now = timezone.now()
    too_late = (
        signup.status == SignUpStatus.CONFIRMED
        and not shift.is_cancelled
        and now > signups.cancel_deadline(shift)
    )
    return render(
        request,
        "volunteers/shifts/cancel.html",
        {
            "signup": signup,
            "shift": shift,
            "task": shift.task,
            "too_late": signups.too_late_message(shift) if too_late else "",
            "over": shift.starts_at <= now or signup.status == SignUpStatus.CANCELLED,
            "settings": VolunteeringSettings.for_organisation(shift.task.organisation),
        },
    )


@login_required
@require_POST
def signup_stand_in(request: HttpRequest, signup: int) -> HttpResponse:
    """“I cannot come”: ask the other volunteers to take over (or, with `withdraw`, take
    the request back)."""
    signup = _own_signup(request, signup)
    try:
        if request.POST.get("withdraw"):
            signups.withdraw_stand_in_request(signup=signup)
            messages.success(request, _("Good to hear you can come after all."))
        else:
            signups.ask_stand_in(signup=signup)
            messages.success(
                request,
                _(
                    "Your shift is now offered to the other volunteers. Until someone "
                    "takes it over, you are still signed up."
                ),
            )
    except DomainError as error:
        messages.error(request, str(error))
    return _back_to_shift(signup)


@login_required
@require_POST
def signup_take_over(request: HttpRequest, signup: int) -> HttpResponse:
    """Take over the shift of a volunteer who asked for a stand-in, in one click."""
    signup = get_object_or_404(
        SignUp.objects.select_related("shift__task__organisation"), pk=signup
    )
    if not can_take_over(request.user, signup):
        raise Http404
    try:
        mine = signups.take_over(signup=signup, volunteer=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return _back_to_shift(signup)
    messages.success(request, _("You have taken over this shift. Thank you!"))
    _overlap_warning(request, mine)
    return _back_to_shift(signup)


@login_required
@require_POST
def offer_accept(request: HttpRequest, signup: int) -> HttpResponse:
    signup = _own_signup(request, signup)
    try:
        signups.accept_offer(signup=signup)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The place is yours: you are signed up. Thank you!"))
    return _back_to_shift(signup)


@login_required
@require_POST
def offer_decline(request: HttpRequest, signup: int) -> HttpResponse:
    signup = _own_signup(request, signup)
    try:
        signups.decline_offer(signup=signup)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Thank you for letting us know. The place goes to the next person.")
        )
    return redirect("volunteers:my_shifts")


urlpatterns = [
    path("diensten/", open_shifts, name="open_shifts"),
    path("diensten/<int:shift>/", shift_detail, name="shift_detail"),
    path("diensten/<int:shift>/aanmelden/", shift_sign_up, name="shift_sign_up"),
    path("aanmeldingen/<int:signup>/afmelden/", signup_cancel, name="signup_cancel"),
    path("aanmeldingen/<int:signup>/invaller/", signup_stand_in, name="signup_stand_in"),
    path("aanmeldingen/<int:signup>/overnemen/", signup_take_over, name="signup_take_over"),
    path("aanmeldingen/<int:signup>/plek-aannemen/", offer_accept, name="offer_accept"),
    path("aanmeldingen/<int:signup>/plek-afslaan/", offer_decline, name="offer_decline"),
]
