"""Which week or month a page is about: one reading of ?week=, ?start= and ?month= for the
agenda's week and month pages and for their printed versions, so a link that works on one
works on the other, and a mistake is reported the same way on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Years any agenda page or filter accepts: far enough for any agenda, safe for date
#: arithmetic (year 1 or 9999 would overflow a week's end).
YEARS = range(2000, 2101)
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def validate_year(value: date) -> None:
    """For the date filters: a far-off year is reported like any unknown value."""
    if value.year not in YEARS:
        raise ValidationError(
            gettext_lazy("Choose a date between %(first)d and %(last)d.")
            % {"first": YEARS.start, "last": YEARS.stop - 1}
        )


@dataclass(frozen=True)
class Period:
    """A week or a month of the agenda. `error`: the address asked for one that does not
    exist, and this is the current one instead."""

    kind: str
    first: date
    last: date
    #: A week given as an ISO week (?week=2026-W48) rather than seven days from ?start=.
    iso: bool = True
    error: bool = False

    @property
    def param(self) -> tuple[str, str]:
        return self._param(self.first)

    @property
    def previous(self) -> tuple[str, str]:
        if self.kind == "month":
            return self._param((self.first - timedelta(days=1)).replace(day=1))
        return self._param(self.first - timedelta(days=7))

    @property
    def next(self) -> tuple[str, str]:
        if self.kind == "month":
            return self._param(self.last + timedelta(days=1))
        return self._param(self.first + timedelta(days=7))

    @property
    def print_week(self) -> tuple[str, str]:
        """The week to print from this page: this week, or a month's first week."""
        return self.param if self.kind == "week" else ("week", iso_week(self.first))

    @property
    def week_number(self) -> int:
        return self.first.isocalendar().week

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def title(self) -> str:
        """ "Week 48: 23 November to 29 November 2026" or "November 2026", for print."""
        if self.kind == "month":
            return date_format(self.first, "F Y").capitalize()
        return _("Week %(number)d: %(start)s to %(end)s") % {
            "number": self.week_number,
            "start": date_format(self.first, "j F"),
            "end": date_format(self.last, "j F Y"),
        }

    @property
    def filename(self) -> str:
        if self.kind == "month":
            return f"agenda-{self.first:%Y-%m}.pdf"
        return f"agenda-week-{self.week_number}.pdf"

    def _param(self, day: date) -> tuple[str, str]:
        if self.kind == "month":
            return ("month", f"{day:%Y-%m}")
        return ("week", iso_week(day)) if self.iso else ("start", day.isoformat())


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _asked_week(params: QueryDict) -> tuple[date | None, bool]:
    """(first day, is an ISO week) from ?week= or ?start=; (None, …) when unreadable."""
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
    return _monday(None), True


def _monday(today: date | None) -> date:
    today = today or timezone.localdate()
    return today - timedelta(days=today.weekday())


def week_period(params: QueryDict, today: date | None = None) -> Period:
    """An ISO week (?week=2026-W48), seven days from a date (?start=…), else this week."""
    if not params.get("week") and not params.get("start"):
        first = _monday(today)
        return Period("week", first, first + timedelta(days=6))
    first, iso = _asked_week(params)
    error = first is None
    if first is None:
        first, iso = _monday(today), True
    return Period("week", first, first + timedelta(days=6), iso=iso, error=error)


def month_period(params: QueryDict, today: date | None = None) -> Period:
    """?month=2026-11, else this month."""
    value = params.get("month", "").strip()
    match = _MONTH.fullmatch(value)
    valid = bool(match) and int(match[1]) in YEARS and 1 <= int(match[2]) <= 12
    if valid:
        first = date(int(match[1]), int(match[2]), 1)
    else:
        first = (today or timezone.localdate()).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", first, following - timedelta(days=1), error=bool(value) and not valid)
