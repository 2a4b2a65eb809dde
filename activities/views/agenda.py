"""Browsing the agenda by day, week and month: everyone, no account needed.

Thin views: the dates come from `Occurrence.objects.for_listing()` narrowed by the shared
`OccurrenceFilter` (so every combination of filters is a shareable URL, and the same
query string works for the feeds, print and embed); each page reads its rows with one
select_related/prefetch_related, so the number of queries does not grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from network.shared import paginate

from ..filters import QUICK_PICKS, OccurrenceFilter
from ..models import Occurrence
from ..periods import Period, month_period, week_period

PAGE_SIZE = 30
#: A week or month is one page unless it is very full: a village has some 250 dates a
#: month; a whole region without filters is paged.
PERIOD_PAGE_SIZE = 300
#: Parameters that choose the period of the week and month views, not a filter.
PERIOD_PARAMS = ("week", "month", "start", "end", "when", "page")


# Shared helpers ------------------------------------------------------------------------


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
    page = paginate(request, _ordered(filterset), PAGE_SIZE)
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
    filterset = _filtered(request, data, Occurrence.objects.for_listing().between(first, last))
    params = _clean_params(request, filterset)
    page = paginate(request, _ordered(filterset), PERIOD_PAGE_SIZE)
    all_days = period.days

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
        {"view": "week", "week_number": period.week_number, "is_iso_week": period.iso},
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
