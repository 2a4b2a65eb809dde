"""A volunteer's own shifts, hours given and the personal calendar feed.

The feed lives at a secret address (`VolunteerProfile.feed_token`) that calendar programs
fetch without signing in; "renew" makes a new one and the old address stops working. It is
written the way activities/ical.py writes the agenda (line by line, the same escaping,
folding and VTIMEZONE): one VEVENT per shift, its UID from the shift, SEQUENCE from
`Shift.sequence` plus the volunteer's own changes on it, a cancelled shift or a cancelled
sign-up as STATUS:CANCELLED so calendars drop it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from activities import ical
from network.models import User
from network.shared import secret_link_page

from .. import coordination, signups
from ..cards import csrf_input, my_coming_shift, my_past_shift
from ..models import ACTIVE_SIGNUP_STATUSES, Shift, SignUp, SignUpStatus, VolunteerProfile
from ..permissions import can_have_own_shifts

#: Past shifts listed on the page (the hours per year count them all).
PAST_SHOWN = 10
#: The coming shifts listed; the rest show as these pass (and all are in the calendar feed).
COMING_SHOWN = 20
#: The feed lists shifts from this many days ago (like the agenda's feeds) onwards.
FEED_PAST_DAYS = ical.PAST_DAYS
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _volunteer_or_404(user: User) -> None:
    if not can_have_own_shifts(user):
        raise Http404


# Hours ------------------------------------------------------------------------------------


@dataclass
class YearHours:
    year: int
    approved: Decimal = Decimal(0)
    by_length: Decimal = Decimal(0)
    shifts: int = 0
    #: {slug: name} of the organisations the hours were given at (for their statements).
    organisations: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.approved + self.by_length

    def shown(self) -> dict[str, Decimal]:
        """The numbers without trailing zeros (4.5, not 4.50), for the page."""
        return {
            name: _plain(value)
            for name, value in (
                ("total", self.total),
                ("approved", self.approved),
                ("by_length", self.by_length),
            )
        }


def _plain(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


@dataclass(frozen=True)
class PastSignUp:
    """One of my sign-ups on a shift that has ended, or with an absence recorded, read as
    a plain row: a long-standing volunteer has hundreds, and the page needs a few fields
    of each."""

    pk: int
    shift_id: int
    status: str
    title: str
    organisation_slug: str
    organisation_name: str
    starts_at: datetime
    ends_at: datetime
    shift_cancelled: bool
    hours_approved: Decimal | None
    no_show_recorded_at: datetime | None

    COLUMNS = (
        "pk",
        "shift_id",
        "status",
        "shift__task__title",
        "shift__task__organisation__slug",
        "shift__task__organisation__name",
        "shift__starts_at",
        "shift__ends_at",
        "shift__is_cancelled",
        "hours_approved",
        "no_show_recorded_at",
    )

    def done(self, now: datetime) -> bool:
        """Given: confirmed, over, not called off and not recorded as absent."""
        return (
            self.status == SignUpStatus.CONFIRMED
            and self.ends_at <= now
            and not self.shift_cancelled
            and self.no_show_recorded_at is None
        )


@dataclass
class History:
    """What "my shifts" shows of the past: the last shifts, hours per year, and the
    absences that still count. One query for all three."""

    past: list[PastSignUp]
    years: list[YearHours]
    no_shows: list[PastSignUp]


def history(user: User, now: datetime | None = None) -> History:
    now = now or timezone.now()
    cutoff = coordination.no_show_cutoff(now)
    rows = [
        PastSignUp(*row)
        for row in SignUp.objects.filter(volunteer=user)
        .filter(
            Q(status=SignUpStatus.CONFIRMED, shift__ends_at__lte=now)
            | Q(no_show_recorded_at__gte=cutoff)
        )
        .order_by("-shift__starts_at", "-pk")
        .values_list(*PastSignUp.COLUMNS)
    ]
    past = [row for row in rows if row.status == SignUpStatus.CONFIRMED and row.ends_at <= now]
    return History(
        past=past[:PAST_SHOWN],
        years=_hours_per_year([row for row in rows if row.done(now)]),
        no_shows=[
            row
            for row in rows
            if row.no_show_recorded_at is not None and row.no_show_recorded_at >= cutoff
        ],
    )


def hours_per_year(user: User, now: datetime | None = None) -> list[YearHours]:
    """Hours given per year, newest year first: the hours a coordinator approved, else the
    shift's length, for past shifts the volunteer was confirmed for and not recorded as
    absent. Both parts are kept apart, so the page says which is which."""
    return history(user, now).years


def _hours_per_year(given: list[PastSignUp]) -> list[YearHours]:
    years: dict[int, YearHours] = {}
    zone = timezone.get_current_timezone()
    for row in given:
        year = row.starts_at.astimezone(zone).year
        entry = years.get(year)
        if entry is None:
            entry = years[year] = YearHours(year)
        entry.shifts += 1
        entry.organisations[row.organisation_slug] = row.organisation_name
        if row.hours_approved is not None:
            entry.approved += row.hours_approved
        else:
            seconds = Decimal((row.ends_at - row.starts_at).total_seconds())
            hours = min(coordination.MAX_HOURS, seconds / 3600)  # as default_hours counts
            entry.by_length += hours.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return sorted(years.values(), key=lambda entry: entry.year, reverse=True)


# Pages ------------------------------------------------------------------------------------


@login_required
@require_safe
def my_shifts(request: HttpRequest) -> HttpResponse:
    """Coming shifts (signed up, waiting, place offered), past ones, hours per year, my
    no-show record of the last twelve months, and my calendar's address."""
    user = request.user
    _volunteer_or_404(user)
    now = timezone.now()
    related = ("shift__task__organisation__volunteering", "shift__task__place")
    coming = list(
        SignUp.objects.filter(
            volunteer=user, status__in=ACTIVE_SIGNUP_STATUSES, shift__ends_at__gt=now
        )
        .select_related(*related)
        .order_by("shift__starts_at", "pk")[: COMING_SHOWN + 1]
    )
    coming_more = len(coming) > COMING_SHOWN
    coming = coming[:COMING_SHOWN]
    done = history(user, now)
    for signup in coming:
        signup.may_cancel = signup.status != SignUpStatus.CONFIRMED or (
            now <= signups.cancel_deadline(signup.shift) or signup.shift.is_cancelled
        )
    csrf = csrf_input(get_token(request))
    profile = VolunteerProfile.objects.filter(user=user).first()
    feed_url = (
        ical.absolute_url(reverse("volunteers:shift_feed", kwargs={"token": profile.feed_token}))
        if profile is not None
        else ""
    )
    return render(
        request,
        "volunteers/mine/shifts.html",
        {
            "coming": coming,
            "coming_more": coming_more,
            "past": done.past,
            # Each row written in Python (volunteers/cards.py), like the open shifts.
            "coming_rows": [my_coming_shift(signup, csrf) for signup in coming],
            "past_rows": [my_past_shift(signup) for signup in done.past],
            "years": done.years,
            "no_shows": done.no_shows,
            "no_show_months": round(coordination.NO_SHOW_WINDOW.days / 30.4),
            "feed_url": feed_url,
            # Calendar programs subscribe (rather than import once) to a webcal: address.
            "webcal_url": re.sub(r"^https?://", "webcal://", feed_url),
        },
    )


@login_required
@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    """A new secret address for my calendar; the old one stops working at once."""
    _volunteer_or_404(request.user)
    signups.renew_feed_token(user=request.user)
    messages.success(
        request,
        _(
            "Your calendar has a new address. The old address no longer works: subscribe "
            "to the new one in your calendar program."
        ),
    )
    return redirect("volunteers:my_shifts")


# The calendar feed ------------------------------------------------------------------------


def _latest_per_shift(rows: list[SignUp]) -> list[tuple[SignUp, int]]:
    """The volunteer's newest sign-up per shift, with how many they had on it (each
    sign-up and each cancellation is a change the calendar must see)."""
    by_shift: dict[int, list[SignUp]] = defaultdict(list)
    for signup in rows:
        by_shift[signup.shift_id].append(signup)
    latest = []
    for own in by_shift.values():
        own.sort(key=lambda signup: (signup.created_at, signup.pk))
        latest.append((own[-1], len(own)))
    latest.sort(key=lambda item: (item[0].shift.starts_at, item[0].shift_id))
    return latest


def _event_lines(signup: SignUp, count: int, writer_tz, tzid: str) -> list[str]:
    shift: Shift = signup.shift
    task = shift.task
    cancelled_signup = signup.status == SignUpStatus.CANCELLED
    cancelled = shift.is_cancelled or cancelled_signup
    # Grows with every change of the shift and every own sign-up or cancellation on it.
    sequence = shift.sequence + 2 * (count - 1) + (1 if cancelled_signup else 0)
    moments = [shift.created_at, signup.created_at]
    moments += [m for m in (signup.cancelled_at, shift.cancelled_at) if m is not None]
    stamp = ical._utc(max(moments))
    url = ical.absolute_url(reverse("volunteers:shift_detail", kwargs={"shift": shift.pk}))
    title = f"{task.title} ({task.organisation.name})"
    if shift.is_cancelled:
        summary = _("Cancelled: %(title)s") % {"title": title}
    elif cancelled_signup:
        summary = _("No longer signed up: %(title)s") % {"title": title}
    else:
        summary = title
    paragraphs = []
    if shift.is_cancelled:
        paragraphs.append(_("This shift is cancelled."))
    elif cancelled_signup:
        paragraphs.append(_("You are no longer signed up for this shift."))
    if task.description:
        paragraphs.append(task.description.strip())
    if task.care_boundary_note:
        paragraphs.append(task.care_boundary_note.strip())
    paragraphs.append(_("More information: %(url)s") % {"url": url})
    place = task.place
    where = [part for part in (place.name, place.full_address) if part] if place else []
    if task.location_note:
        where.append(task.location_note)
    start = shift.starts_at.astimezone(writer_tz)
    end = shift.ends_at.astimezone(writer_tz)
    lines = [
        "BEGIN:VEVENT",
        f"UID:shift-{shift.pk}@{ical.site_host()}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{sequence}",
        f"DTSTART;TZID={tzid}:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={tzid}:{end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{ical._text(summary)}",
        "DESCRIPTION:" + "\\n\\n".join(ical._text(p) for p in paragraphs),
    ]
    if where:
        lines.append(f"LOCATION:{ical._text(', '.join(where))}")
    lines += [
        f"URL:{ical._uri(url)}",
        "CLASS:PRIVATE",
        "TRANSP:OPAQUE",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
    ]
    return lines


def shift_calendar(user: User, *, source: str, now: datetime | None = None) -> bytes:
    """The volunteer's shifts from two weeks ago onwards as a calendar document: the ones
    they are signed up for, and cancelled ones (so calendars remove them). Waiting-list
    places are not in it: nobody should plan on a shift they may not get. One query."""
    now = now or timezone.now()
    rows = list(
        SignUp.objects.filter(
            volunteer=user, shift__starts_at__gte=now - timedelta(days=FEED_PAST_DAYS)
        ).select_related("shift__task__organisation", "shift__task__place")
    )
    tz = timezone.get_default_timezone()
    tzid = timezone.get_default_timezone_name()
    header = ical._header(
        name=_("My shifts"),
        description=_("The shifts you signed up for as a volunteer, from two weeks ago."),
        source=source,
        subscription=True,
    )
    events = [
        ical._content(_event_lines(signup, count, tz, tzid))
        for signup, count in _latest_per_shift(rows)
        if signup.status in (SignUpStatus.CONFIRMED, SignUpStatus.CANCELLED)
    ]
    return b"".join([header, *events, b"END:VCALENDAR\r\n"])


@require_safe
@secret_link_page
def shift_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal calendar at its secret address, in the volunteer's language."""
    if not _TOKEN.fullmatch(token):
        raise Http404
    profile = (
        VolunteerProfile.objects.select_related("user")
        .filter(feed_token=token, user__is_active=True)
        .first()
    )
    if profile is None:
        raise Http404
    user = profile.user
    with translation.override(user.language):
        body = shift_calendar(user, source=ical.absolute_url(request.path))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="diensten.ics"'
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    patch_cache_control(response, private=True, no_cache=True)
    return get_conditional_response(request, etag=response["ETag"], response=response)


urlpatterns = [
    path("mijn-diensten/", my_shifts, name="my_shifts"),
    path("agenda/nieuw-adres/", feed_renew, name="feed_renew"),
    path("agenda/<str:token>.ics", shift_feed, name="shift_feed"),
]
