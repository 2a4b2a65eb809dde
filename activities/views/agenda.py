"""Browsing the agenda by day, week and month: everyone, no account needed.

Thin views: the dates come from `Occurrence.objects.for_listing()` narrowed by the shared
`OccurrenceFilter` (so every combination of filters is a shareable URL, and the same
query string works for the feeds, print and embed); each page reads its rows with one
select_related/prefetch_related, so the number of queries does not grow with the data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.paginator import Page
from django.db.models import Count, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from network import public_cache
from network.shared import paginate, paginate_by_peeking, paginate_counted

from ..cards import (
    SEARCH_DATE_FIELDS,
    Card,
    SearchActivity,
    SearchLinks,
    card_rows,
    cards_of_rows,
    page_cards,
    search_result,
)
from ..filters import QUICK_PICKS, TOGGLE_PICKS, OccurrenceFilter, more_than_one_network
from ..models import Activity, Occurrence, Status, cancellation_note
from ..periods import Period, month_period, week_period
from ..templatetags.agenda import day_label

PAGE_SIZE = 30
#: The day view counts "N dates found" up to here; beyond it the page says "more than".
MAX_COUNTED = 300
#: A week or month is one page unless it is very full: a village has some 250 dates a
#: month; a whole region without filters is paged.
PERIOD_PAGE_SIZE = 300
#: Parameters that choose the period of the week and month views, not a filter.
PERIOD_PARAMS = ("week", "month", "start", "end", "when", "page")
#: A search lists each activity once, with this many of its next dates, this many per page:
#: ten activities with their dates already fill some ten screens of a phone.
SEARCH_DATES = 4
SEARCH_PAGE_SIZE = 10
#: Filters with a link of their own above the form (search, quick picks, toggles).
QUICK_FILTERS = ("q", "when", "activity", *(name for name, _label in TOGGLE_PICKS))


# Shared helpers ------------------------------------------------------------------------


def _query(params: QueryDict, drop=(), **changes: str) -> str:
    """A query string: the given parameters without `drop`, with `changes` set (at the
    end, as QueryDict would). Without copying the QueryDict: a page writes some fifteen."""
    left_out = {*drop, *changes}
    pairs = [
        (name, value) for name, values in params.lists() if name not in left_out for value in values
    ]
    pairs += [(name, value) for name, value in changes.items() if value]
    return urlencode(pairs)


@dataclass
class Day:
    """One day heading with the cards of its dates (on this page)."""

    day: date
    cards: list[Card]

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()

    @property
    def anchor(self) -> str:
        return f"dag-{self.day.isoformat()}"

    @property
    def cards_html(self) -> SafeString:
        """The day's cards as one piece (activities.cards keeps them so)."""
        return mark_safe("".join(card.html for card in self.cards))


def _by_day(page: QuerySet[Occurrence], days: list[date] | None = None) -> list[Day]:
    """The page's cards under their local day; with `days`, every one of them gets a
    section."""
    return _group_by_day(page_cards(page, day_label), days)


def _group_by_day(cards: list[Card], days: list[date] | None = None) -> list[Day]:
    groups: dict[date, list[Card]] = {day: [] for day in days or []}
    for card in cards:
        groups.setdefault(card.day, []).append(card)
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
        # The rendered form is kept in the cache until what it offers changes
        # (templates/activities/_agenda_filters.html, network.public_cache).
        "filters_version": public_cache.choices_version(),
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
        "toggle_picks": _toggle_picks(params),
        "period_filters": period_filters,
        "unoffered_filters": _unoffered_filters(),
        "has_filters": any(params.get(name) for name in filters),
        "filters_query": _query(params, drop=PERIOD_PARAMS),
        # The folded part of the form opens when one of its choices is in use (a quick
        # pick shows above it already).
        "advanced_open": any(params.get(name) for name in filters if name not in QUICK_FILTERS),
    }


def _toggle_picks(params: QueryDict) -> list[dict]:
    """Free, wheelchair accessible: links that switch the filter on or off, keeping the rest."""
    picks = []
    for name, label in TOGGLE_PICKS:
        current = bool(params.get(name))
        picks.append(
            {
                "label": label,
                "query": _query(params, drop=("page", name), **({} if current else {name: "on"})),
                "current": current,
            }
        )
    return picks


def _unoffered_filters() -> tuple[str, ...]:
    """Filters the form leaves out: a choice of network where there is only one."""
    return () if more_than_one_network() else ("network",)


def _filtered(request: HttpRequest, data: QueryDict | None, queryset) -> OccurrenceFilter:
    """The shared filters; unknown values (and far-off years) become form errors,
    reported and left out of the selection."""
    filterset = OccurrenceFilter(data or None, queryset=queryset, request=request)
    if filterset.is_bound:
        filterset.form.is_valid()
    return filterset


def _ordered(filterset: OccurrenceFilter) -> QuerySet[Occurrence]:
    # A stable order, so a date never shows on two pages or on none.
    return filterset.qs.order_by("starts_at", "activity__title", "pk")


# The agenda: by day, week and month ----------------------------------------------------


def agenda(request: HttpRequest) -> HttpResponse:
    """Everything from now on, day by day: the default way residents browse."""
    filterset = _filtered(request, request.GET, Occurrence.objects.for_listing().upcoming())
    params = _clean_params(request, filterset)
    if _search_text(filterset):
        return _search_results(request, filterset, params)
    page = paginate(request, _ordered(filterset), PAGE_SIZE, cap=MAX_COUNTED)
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


def _period_page(
    request: HttpRequest,
    period: Period,
    template: str,
    extra: dict,
    *,
    empty_days: bool,
    calendar: bool = False,
) -> HttpResponse:
    """The week and month pages: the period's dates, filtered like the agenda.

    A week shows all seven days (a quiet day is information too); a month only the days
    with something on, so it stays short on a phone. `calendar`: also the period as a
    calendar of weeks, for wide screens, when all its dates are on one page.
    """
    data = request.GET.copy()
    for name in ("start", "end", "when"):
        data.pop(name, None)  # the period decides the dates, not these filters
    first, last = period.first, period.last
    filterset = _filtered(request, data, Occurrence.objects.for_listing().between(first, last))
    params = _clean_params(request, filterset)
    # Counted up to one page, by reading one date more than the page: a whole region's
    # month (18,000 dates) took 20 ms to count, and a count up to 300 still 8 ms.
    page, rows = paginate_by_peeking(request, _ordered(filterset), PERIOD_PAGE_SIZE, card_rows)
    all_days = period.days
    # Empty days show "nothing planned" only when the whole period is on one page.
    days = _group_by_day(
        cards_of_rows(rows, day_label),
        all_days if empty_days and not page.has_other_pages() else None,
    )
    weeks = _calendar_weeks(first, last, days) if calendar and not page.has_other_pages() else None

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
            "days": days,
            "weeks": weeks,
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
        {"view": "week", "week_number": period.week_number, "is_iso_week": period.iso},
        empty_days=True,
    )


def agenda_month(request: HttpRequest) -> HttpResponse:
    """One month: a list of the days that have something on (phones), and a calendar of
    weeks (wide screens); the style sheet shows one of the two."""
    return _period_page(
        request,
        month_period(request.GET),
        "activities/agenda_month.html",
        {"view": "month"},
        empty_days=False,
        calendar=True,
    )


# Searching: each activity once, with its next dates --------------------------------------


def _search_text(filterset: OccurrenceFilter) -> str:
    data = getattr(filterset.form, "cleaned_data", None) or {}
    return (data.get("q") or "").strip()


def _search_results(
    request: HttpRequest, filterset: OccurrenceFilter, params: QueryDict
) -> HttpResponse:
    """A search ("koffie") matches hundreds of dates of a few activities: list each
    activity once, soonest first, with its next few dates and a link to all of them.

    Few queries whatever the number of matches: the matching activities in order
    (_search_page: a common word matches some 1,300 activities of a region; without a
    filter on the dates, only the page and the number of all are read), the next dates
    of this page's ones with the number of dates of each (one query, a window function),
    then this page's activities with their organisers and place (one query). The
    filters match each date once, so nothing needs DISTINCT.
    """
    # A search always matches on a list of public activities (filters.filter_queryset),
    # so its dates need no join to test that their activity is public.
    assert filterset.matches_public_activities()
    page, chosen = _search_page(request, filterset)
    # Ten results list some forty dates on a few dozen days: each day's label once.
    labels = functools.cache(day_label)
    links = SearchLinks()
    counts = {row.activity_id: row.total for row in chosen}
    activities = _search_activities(list(counts))
    dates: dict[int, list] = {}
    for row in chosen:
        if row.activity_id in counts:
            dates.setdefault(row.activity_id, []).append(row)
    results = [
        search_result(
            activities[pk],
            dates[pk],
            count,
            _query(params, drop=("q", "page"), activity=activities[pk].slug),
            labels,
            links,
        )
        for pk, count in counts.items()
        if pk in dates and pk in activities
    ]
    return render(
        request,
        "activities/agenda.html",
        {
            **_filter_context(params, filterset),
            "view": "day",
            "search_text": _search_text(filterset),
            "page": page,
            "results": mark_safe("".join(results)),
            "date_count": sum(counts.values()) if not page.has_other_pages() else None,
            "feed_query": _query(params, drop=("page",)),
            "print_week_query": _query(params, drop=PERIOD_PARAMS),
            "print_month_query": _query(params, drop=PERIOD_PARAMS),
        },
    )


def _search_activities(activity_ids: list[int]) -> dict[int, SearchActivity]:
    """The activities of a page of results with their organisers and place, in one query:
    a row per active co-organiser (by name), or one row without."""
    rows = (
        Activity.objects.filter(pk__in=activity_ids)
        .annotate(
            partner=FilteredRelation("co_organisers", condition=Q(co_organisers__is_active=True))
        )
        .order_by("pk", "partner__name")
        .values_list(
            "pk",
            "title",
            "slug",
            "status",
            "cancel_reason",
            "cancelled_by",
            "organisation__name",
            "place_id",
            "place__name",
            "place__town",
            "partner__name",
        )
    )
    activities: dict[int, SearchActivity] = {}
    for pk, title, slug, status, reason, by, organiser, place, name, town, partner in rows:
        if pk not in activities:
            activities[pk] = SearchActivity(
                pk=pk,
                title=title,
                slug=slug,
                is_cancelled=status == Status.CANCELLED,
                cancellation_note=cancellation_note(reason, by),
                organisers=[organiser],
                place_id=place,
                place_name=name or "",
                place_town=town or "",
            )
        if partner is not None:
            activities[pk].organisers.append(partner)
    return activities


def _ranked(dates: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    """Each activity's first SEARCH_DATES dates (a window function)."""
    return dates.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("activity_id")],
            order_by=[F("starts_at").asc(), F("pk").asc()],
        )
    ).filter(rank__lte=SEARCH_DATES)


def _search_page(request: HttpRequest, filterset: OccurrenceFilter) -> tuple[Page, list]:
    """The page of matching activities and the next dates of each. Without a filter on
    the dates, the activities in order of their stored first date to come; with one, by
    their first matching date, read from the dates."""
    upcoming = Occurrence.objects.upcoming()
    if not filterset.filters_dates():
        page = paginate_counted(request, SEARCH_PAGE_SIZE, filterset.activities_by_next_date)
        return page, _next_dates(filterset.filter_queryset(upcoming, within=page.object_list))
    matching = filterset.filter_queryset(upcoming)
    matched = filterset.activities_matched
    if matched is not None and matched <= SEARCH_PAGE_SIZE:
        chosen = _next_dates(matching)
        return paginate(request, _first_dates(chosen), SEARCH_PAGE_SIZE), chosen
    page = paginate(request, _first_dates_of_many(filterset), SEARCH_PAGE_SIZE)
    return page, _next_dates(filterset.filter_queryset(upcoming, within=page.object_list))


def _next_dates(dates: QuerySet[Occurrence]) -> list:
    """The first few of the dates of each activity, soonest first, each with the number of
    dates of its activity (`total`): one query (a window function), as rows of
    SEARCH_DATE_FIELDS (eighty dates and their places as models were a millisecond)."""
    return list(
        _ranked(dates.annotate(total=Window(Count("pk"), partition_by=[F("activity_id")])))
        .order_by("starts_at", "pk")
        .values_list(*SEARCH_DATE_FIELDS, "total", named=True)
    )


def _first_dates(chosen: list) -> list[int]:
    """The activities of the chosen dates, by their first date (when these are all the
    matching activities' next dates)."""
    return list(dict.fromkeys(occurrence.activity_id for occurrence in chosen))


def _first_dates_of_many(filterset: OccurrenceFilter) -> list[int]:
    """Every matching activity that has a matching date to come, by its first one.

    A common word matches some 1,500 activities of a region with 60,000 coming dates:
    grouping those dates took 70 ms; finding each activity's first date in the index of
    its dates takes 15. Activities without such a date come last and are left out.
    (Without a filter on the dates themselves, the stored first date of each activity
    orders them instead: OccurrenceFilter.activities_by_next_date.)"""
    first = (
        filterset.filter_dates(Occurrence.objects.upcoming())
        .filter(activity_id=OuterRef("pk"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    rows = (
        filterset.activities.annotate(first=Subquery(first))
        .order_by(F("first").asc(nulls_last=True), "pk")
        .values_list("pk", "first")
    )
    return [pk for pk, first_date in rows if first_date is not None]


# The month as a calendar ------------------------------------------------------------------


@dataclass
class CalendarDay:
    """A cell of the month's calendar: a day of the month, or of the month before or after
    (to fill its first and last week)."""

    day: date
    in_month: bool
    cards: list[Card]

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()

    @property
    def grid_html(self) -> SafeString:
        return mark_safe("".join(card.grid_html for card in self.cards))


def _calendar_weeks(first: date, last: date, days: list[Day]) -> list[list[CalendarDay]]:
    """The month in weeks from Monday to Sunday, each day with its dates."""
    by_day = {group.day: group.cards for group in days}
    day = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    weeks: list[list[CalendarDay]] = []
    while day <= end:
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(CalendarDay(day, first <= day <= last, by_day.get(day, [])))
        day += timedelta(days=1)
    return weeks
