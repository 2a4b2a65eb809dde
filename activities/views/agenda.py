"""Browsing the agenda: everyone, no account needed.

Thin views: the dates come from `Occurrence.objects.public()` narrowed by the shared
`OccurrenceFilter` (so every combination of filters is a shareable URL, and the same
query string works for the feeds, print and embed); each page reads its rows with one
select_related/prefetch_related, so the number of queries does not grow with the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import recurrence
from .filters import QUICK_PICKS, OccurrenceFilter
from .models import Activity, Occurrence, Place
from .permissions import can_edit_activity, can_view_activity

PAGE_SIZE = 30
#: A week or month is one page unless it is very full: a village has some 250 dates a
#: month; a whole region without filters is paged.
PERIOD_PAGE_SIZE = 300
NEXT_DATES = 10
#: Parameters that choose the period of the week and month views, not a filter.
PERIOD_PARAMS = ("week", "month", "start", "end", "when", "page")
#: Years a week or month page accepts: far enough for any agenda, safe for date arithmetic.
YEARS = range(1900, 3000)


# Shared helpers ------------------------------------------------------------------------


def _agenda_rows() -> QuerySet[Occurrence]:
    """Public dates with everything a card shows, read in two queries per page."""
    return (
        Occurrence.objects.public()
        .select_related(
            "activity__organisation", "activity__place", "activity__room", "place", "room"
        )
        .prefetch_related("activity__co_organisers")
    )


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query(params: QueryDict, drop=(), **changes: str) -> str:
    """A query string: the given parameters without `drop`, with `changes` set."""
    params = params.copy()
    for name in (*drop, *changes):
        params.pop(name, None)
    for name, value in changes.items():
        if value:
            params[name] = value
    return params.urlencode()


@dataclass
class Day:
    """One day heading with its dates (on this page)."""

    day: date
    occurrences: list[Occurrence]

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()

    @property
    def anchor(self) -> str:
        return f"dag-{self.day.isoformat()}"


def _by_day(occurrences, days: list[date] | None = None) -> list[Day]:
    """Group dates under their local day; with `days`, every one of them gets a section."""
    groups: dict[date, list[Occurrence]] = {day: [] for day in days or []}
    for occurrence in occurrences:
        groups.setdefault(timezone.localtime(occurrence.starts_at).date(), []).append(occurrence)
    return [Day(day, items) for day, items in sorted(groups.items())]


def _clean_params(request: HttpRequest, filterset: OccurrenceFilter) -> QueryDict:
    """The query string without values the filters did not recognise: links built from it
    (quick picks, other weeks, feeds) lead on without repeating the mistake."""
    params = request.GET.copy()
    if filterset.is_bound:
        for name in filterset.form.errors:
            params.pop(name, None)
    return params


def _filter_context(
    params: QueryDict, filterset: OccurrenceFilter, period_filters: tuple[str, ...] = ()
) -> dict:
    """What the filter form and the "take it home" links need, for every agenda page.

    `period_filters`: the date filters a week or month page leaves out (its period decides).
    """
    filters = [name for name in filterset.filters if name not in period_filters]
    return {
        "filter": filterset,
        "filter_errors": bool(filterset.is_bound and filterset.form.errors),
        "quick_picks": [
            {
                "label": label,
                "query": _query(params, drop=("page", "start", "end"), when=value),
                "current": params.get("when") == value,
            }
            for value, label in QUICK_PICKS
        ],
        "any_day_query": _query(params, drop=("page", "when")),
        "any_day_current": not params.get("when"),
        "period_filters": period_filters,
        "has_filters": any(params.get(name) for name in filters),
        "filters_query": _query(params, drop=PERIOD_PARAMS),
        # The folded part of the form opens when one of its choices is in use (a quick
        # pick shows above it already).
        "advanced_open": any(params.get(name) for name in filters if name not in ("q", "when")),
    }


def _filtered(request: HttpRequest, data: QueryDict | None, queryset) -> OccurrenceFilter:
    """The shared filters, with dates so far off that date arithmetic would overflow (year 1,
    9999) turned into a form error: reported and ignored like any unknown value."""
    filterset = OccurrenceFilter(data or None, queryset=queryset, request=request)
    if filterset.is_bound:
        form = filterset.form
        form.is_valid()  # cleans the data; unknown values are errors, left out of it
        for name in ("start", "end"):
            value = form.cleaned_data.get(name)
            if value and value.year not in YEARS:
                form.add_error(name, _("Choose a date between 1900 and 2999."))
    return filterset


def _ordered(filterset: OccurrenceFilter) -> QuerySet[Occurrence]:
    # A stable order, so a date never shows on two pages or on none.
    return filterset.qs.order_by("starts_at", "activity__title", "pk")


# The agenda: by day, week and month ----------------------------------------------------


def agenda(request: HttpRequest) -> HttpResponse:
    """Everything from now on, day by day: the default way residents browse."""
    filterset = _filtered(request, request.GET, _agenda_rows().upcoming())
    params = _clean_params(request, filterset)
    page = _page(request, _ordered(filterset))
    return render(
        request,
        "activities/agenda.html",
        {
            **_filter_context(params, filterset),
            "view": "day",
            "page": page,
            "days": _by_day(page.object_list),
            "feed_query": _query(params, drop=("page",)),
            "print_week_query": _query(params, drop=PERIOD_PARAMS),
            "print_month_query": _query(params, drop=PERIOD_PARAMS),
        },
    )


_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass
class Period:
    """A week or month page: its days, and the parameters of it and its neighbours."""

    first: date
    last: date
    param: tuple[str, str]
    previous: tuple[str, str]
    next: tuple[str, str]
    print_week: tuple[str, str]
    error: bool = False


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _first_of_week(params: QueryDict) -> tuple[date | None, bool]:
    """(first day, is an ISO week) from ?week=2026-W48 or ?start=2026-11-23; None: invalid."""
    try:
        if params.get("week"):
            match = _WEEK.fullmatch(params["week"].strip())
            if match and int(match[1]) in YEARS:
                return date.fromisocalendar(int(match[1]), int(match[2]), 1), True
            return None, True
        if params.get("start"):
            day = date.fromisoformat(params["start"].strip())
            return (day if day.year in YEARS else None), False
    except ValueError:
        return None, True
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()), True


def week_period(params: QueryDict) -> Period:
    """An ISO week (?week=2026-W48), seven days from a date (?start=...), else this week."""
    first, iso = _first_of_week(params)
    error = first is None
    if first is None:
        today = timezone.localdate()
        first, iso = today - timedelta(days=today.weekday()), True
    before, after = first - timedelta(days=7), first + timedelta(days=7)
    if iso:
        param = ("week", _iso_week(first))
        previous, following = ("week", _iso_week(before)), ("week", _iso_week(after))
    else:
        param = ("start", first.isoformat())
        previous, following = ("start", before.isoformat()), ("start", after.isoformat())
    return Period(first, first + timedelta(days=6), param, previous, following, param, error)


def month_period(params: QueryDict) -> Period:
    """?month=2026-11, else this month."""
    value = params.get("month", "").strip()
    match = _MONTH.fullmatch(value)
    error = bool(value) and not (match and int(match[1]) in YEARS and 1 <= int(match[2]) <= 12)
    if value and not error:
        first = date(int(match[1]), int(match[2]), 1)
    else:
        first = timezone.localdate().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return Period(
        first,
        following - timedelta(days=1),
        ("month", f"{first:%Y-%m}"),
        ("month", f"{previous:%Y-%m}"),
        ("month", f"{following:%Y-%m}"),
        ("week", _iso_week(first)),
        error,
    )


def _period_page(
    request: HttpRequest, period: Period, template: str, extra: dict, *, empty_days: bool
) -> HttpResponse:
    """The week and month pages: the period's dates, filtered like the agenda.

    A week shows all seven days (a quiet day is information too); a month only the days
    with something on, so it stays short on a phone.
    """
    data = request.GET.copy()
    for name in ("start", "end", "when"):
        data.pop(name, None)  # the period decides the dates, not these filters
    first, last = period.first, period.last
    filterset = _filtered(request, data, _agenda_rows().between(first, last))
    params = _clean_params(request, filterset)
    page = _page(request, _ordered(filterset), PERIOD_PAGE_SIZE)
    all_days = [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def link(name_value: tuple[str, str]) -> str:
        return _query(params, drop=PERIOD_PARAMS, **dict([name_value]))

    return render(
        request,
        template,
        {
            # On a week or month page the period decides the dates: no date filters.
            **_filter_context(params, filterset, period_filters=("when", "start", "end")),
            "period": period,
            "period_field": period.param,
            "page": page,
            "first": first,
            "last": last,
            # Empty days show "nothing planned" only when the whole period is on one page.
            "days": _by_day(
                page.object_list,
                all_days if empty_days and not page.has_other_pages() else None,
            ),
            "previous_query": link(period.previous),
            "next_query": link(period.next),
            "feed_query": _query(
                params, drop=PERIOD_PARAMS, start=first.isoformat(), end=last.isoformat()
            ),
            "print_week_query": link(period.print_week),
            "print_month_query": link(("month", f"{first:%Y-%m}")),
            **extra,
        },
    )


def agenda_week(request: HttpRequest) -> HttpResponse:
    period = week_period(request.GET)
    return _period_page(
        request,
        period,
        "activities/agenda_week.html",
        {
            "view": "week",
            "week_number": period.first.isocalendar()[1],
            "is_iso_week": period.param[0] == "week",
        },
        empty_days=True,
    )


def agenda_month(request: HttpRequest) -> HttpResponse:
    """One month as a list of the days that have something on (phone first)."""
    return _period_page(
        request,
        month_period(request.GET),
        "activities/agenda_month.html",
        {"view": "month"},
        empty_days=False,
    )


# Detail pages --------------------------------------------------------------------------


def _visible_activity(request: HttpRequest, slug: str) -> Activity:
    """The activity, or a 404 for one this person may not see (a draft, another's)."""
    activity = get_object_or_404(
        Activity.objects.select_related(
            "organisation", "place__area", "room", "place__municipality"
        ).prefetch_related("co_organisers", "organisation__networks"),
        slug=slug,
    )
    if not can_view_activity(request.user, activity):
        raise Http404
    return activity


def accessibility_facts(activity: Activity, place: Place | None) -> list[str]:
    """What a resident may want to know before coming, from the activity and its place."""
    facts = []
    if activity.wheelchair_accessible or (place and place.wheelchair_accessible):
        facts.append(_("Wheelchair accessible"))
    if place and place.accessible_toilet:
        facts.append(_("Accessible toilet"))
    if activity.hearing_loop or (place and place.hearing_loop):
        facts.append(_("Hearing loop"))
    if activity.sign_language:
        facts.append(_("Sign language"))
    if activity.low_stimulus:
        facts.append(_("Low-stimulus"))
    if activity.transport_available:
        facts.append(_("Transport can be arranged"))
    return facts


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url)


def event_data(request: HttpRequest, activity: Activity, occurrence: Occurrence | None) -> dict:
    """schema.org Event for one date (the next one on an activity's page): what search
    engines and sharing previews read. Times carry the Dutch offset (+01:00/+02:00)."""
    place = occurrence.effective_place if occurrence else activity.place
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": activity.title,
        "description": activity.description,
        "url": _absolute(
            request, occurrence.get_absolute_url() if occurrence else activity.get_absolute_url()
        ),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "isAccessibleForFree": activity.is_free,
        "organizer": [
            {
                "@type": "Organization",
                "name": organisation.name,
                "url": _absolute(request, organisation.get_absolute_url()),
            }
            for organisation in [activity.organisation, *activity.co_organisers.all()]
        ],
    }
    if occurrence:
        data["startDate"] = _iso(occurrence.starts_at, occurrence.all_day)
        if occurrence.ends_at and not occurrence.all_day:
            data["endDate"] = _iso(occurrence.ends_at, False)
        if occurrence.is_moved:
            data["eventStatus"] = "https://schema.org/EventRescheduled"
            data["previousStartDate"] = occurrence.original_date.isoformat()
        if occurrence.is_cancelled:
            data["eventStatus"] = "https://schema.org/EventCancelled"
    else:
        data["startDate"] = activity.start_date.isoformat()
    if activity.is_cancelled:
        data["eventStatus"] = "https://schema.org/EventCancelled"
    if place:
        data["location"] = {
            "@type": "Place",
            "name": place.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place.address,
                "postalCode": place.postcode,
                "addressLocality": place.town,
                "addressCountry": "NL",
            },
        }
    if activity.cost:
        data["offers"] = {
            "@type": "Offer",
            "price": str(activity.cost.quantize(Decimal("0.01"))),
            "priceCurrency": "EUR",
        }
    image = activity.image_small or activity.image
    if image:
        data["image"] = _absolute(request, image.url)
    return data


def _iso(moment, all_day: bool) -> str:
    local = timezone.localtime(moment)
    return local.date().isoformat() if all_day else local.isoformat()


def _upcoming_dates(activity: Activity, exclude: Occurrence | None = None) -> list[Occurrence]:
    dates = activity.occurrences.upcoming().select_related("place", "room")
    if exclude is not None:
        dates = dates.exclude(pk=exclude.pk)
    return list(dates.order_by("starts_at")[:NEXT_DATES])


def _detail_context(request: HttpRequest, activity: Activity) -> dict:
    image = activity.image_small or activity.image
    return {
        "activity": activity,
        "organisers": [activity.organisation, *activity.co_organisers.all()],
        "schedule": recurrence.describe(recurrence.Schedule.of(activity)),
        "image": image or None,
        "image_url": _absolute(request, image.url) if image else "",
        "page_url": request.build_absolute_uri(),
        "may_edit": can_edit_activity(request.user, activity),
    }


def activity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _visible_activity(request, slug)
    dates = _upcoming_dates(activity)
    next_date = next((o for o in dates if not o.is_cancelled), dates[0] if dates else None)
    return render(
        request,
        "activities/activity_detail.html",
        {
            **_detail_context(request, activity),
            "dates": dates,
            "place": activity.place,
            "room": activity.room,
            "facts": accessibility_facts(activity, activity.place),
            "event": event_data(request, activity, next_date),
        },
    )


def occurrence_detail(request: HttpRequest, slug: str, day: date) -> HttpResponse:
    activity = _visible_activity(request, slug)
    occurrence = get_object_or_404(
        activity.occurrences.select_related("place__area", "room").annotate_registrations(),
        original_date=day,
    )
    place = occurrence.effective_place
    is_past = (occurrence.ends_at or occurrence.starts_at) < timezone.now()
    places_left = None
    if activity.capacity is not None:
        places_left = max(0, activity.capacity - occurrence.active_registrations)
    return render(
        request,
        "activities/occurrence_detail.html",
        {
            **_detail_context(request, activity),
            "occurrence": occurrence,
            "dates": _upcoming_dates(activity, exclude=occurrence),
            "place": place,
            "room": occurrence.effective_room,
            "facts": accessibility_facts(activity, place),
            "event": event_data(request, activity, occurrence),
            "is_past": is_past,
            "places_left": places_left,
            "may_register": (
                activity.registration_required
                and not is_past
                and not occurrence.is_cancelled
                and not activity.is_cancelled
            ),
        },
    )
