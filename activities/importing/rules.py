"""A cheap look at an RRULE before python-dateutil expands it: does it ever happen?

python-dateutil looks for a rule's next date period by period until the year 9999. A rule
that can never match (the 30th of February, the sixth Monday of a month, a day-step that
never lands on the weekday asked for) makes it search all those years: about half a
second per event, so a feed full of them would keep a worker busy. Whether a rule can
match at all depends only on the shape of a year (leap or not, the weekday of 1 January:
fourteen shapes, all of which occur), so we try the rule's day filters on those, as
dateutil applies them, in a few milliseconds, remembered per rule. What it does not catch
(a phase that only misses in rare years) the sync's time budget still bounds.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from icalendar.prop import vRecur

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


class _Day(NamedTuple):
    month: int
    mday: int
    #: The day counted from the month's end: -1 for the last day.
    mday_from_end: int
    weekday: int
    #: n-th of its weekday in the month, from the start (1...) and from the end (-1...).
    in_month: int
    in_month_from_end: int
    in_year: int
    in_year_from_end: int


@lru_cache(maxsize=14)
def _year(leap: bool, first_weekday: int) -> tuple[_Day, ...]:
    """Every day of a year of this shape (a real year stands in for it)."""
    year = next(
        y
        for y in range(2001, 2100)
        if calendar.isleap(y) == leap and date(y, 1, 1).weekday() == first_weekday
    )
    length = 366 if leap else 365
    days = []
    for index in range(length):
        day = date(year, 1, 1) + timedelta(days=index)
        month_length = calendar.monthrange(year, day.month)[1]
        days.append(
            _Day(
                month=day.month,
                mday=day.day,
                mday_from_end=day.day - month_length - 1,
                weekday=day.weekday(),
                in_month=(day.day - 1) // 7 + 1,
                in_month_from_end=-((month_length - day.day) // 7 + 1),
                in_year=index // 7 + 1,
                in_year_from_end=-((length - 1 - index) // 7 + 1),
            )
        )
    return tuple(days)


def _ints(rule: vRecur, name: str) -> tuple[int, ...]:
    return tuple(sorted({int(value) for value in rule.get(name, [])}))


def never_happens(rule: vRecur, start: date) -> bool:
    """Whether the rule, starting on `start` (a local date), can never produce a date.

    Raises ValueError for a part that is no number or weekday: dateutil would not read it
    either.
    """
    frequency = str(rule.get("FREQ", [""])[0]).upper()
    interval = int(rule.get("INTERVAL", [1])[0] or 1)
    plain, ordinals = set(), set()
    for value in rule.get("BYDAY", []):
        match = _BYDAY.match(str(value).upper())
        if not match:
            raise ValueError(value)
        weekday = WEEKDAY_CODES.index(match.group(2))
        if match.group(1) and frequency in ("MONTHLY", "YEARLY"):
            ordinals.add((weekday, int(match.group(1))))
        else:
            plain.add(weekday)
    return _never(
        frequency,
        max(interval, 1),
        start.month,
        start.day,
        start.weekday(),
        _ints(rule, "BYMONTH"),
        _ints(rule, "BYMONTHDAY"),
        tuple(sorted(plain)),
        tuple(sorted(ordinals)),
        _ints(rule, "BYSETPOS"),
    )


@lru_cache(maxsize=512)
def _never(
    frequency: str,
    interval: int,
    start_month: int,
    start_day: int,
    start_weekday: int,
    months: tuple[int, ...],
    monthdays: tuple[int, ...],
    weekdays: tuple[int, ...],
    ordinals: tuple[tuple[int, int], ...],
    positions: tuple[int, ...],
) -> bool:
    # What dateutil fills in when a rule names no day (RFC 5545: taken from DTSTART).
    if not monthdays and not weekdays and not ordinals:
        if frequency == "YEARLY":
            months = months or (start_month,)
            monthdays = (start_day,)
        elif frequency == "MONTHLY":
            monthdays = (start_day,)
        elif frequency == "WEEKLY":
            weekdays = (start_weekday,)
    if frequency == "DAILY" and weekdays:
        # A step of INTERVAL days only ever lands on these weekdays.
        reachable = {(start_weekday + k * interval) % 7 for k in range(7)}
        if not reachable & set(weekdays):
            return True
    allowed_months = set(months) if months else set(range(1, 13))
    if frequency == "MONTHLY":
        allowed_months &= {(start_month - 1 + k * interval) % 12 + 1 for k in range(12)}
    if not allowed_months:
        return True
    year_scope = frequency == "YEARLY" and not months
    for leap in (False, True):
        for first_weekday in range(7):
            periods: dict[int, int] = defaultdict(int)
            for day in _year(leap, first_weekday):
                if day.month not in allowed_months:
                    continue
                if monthdays and day.mday not in monthdays and day.mday_from_end not in monthdays:
                    continue
                if weekdays and day.weekday not in weekdays:
                    continue
                if ordinals and not _ordinal_match(day, ordinals, year_scope=year_scope):
                    continue
                periods[day.month if frequency == "MONTHLY" else 0] += 1
            for matched in periods.values():
                if not positions or any(1 <= abs(p) <= matched for p in positions):
                    return False
    return True


def _ordinal_match(day: _Day, ordinals, *, year_scope: bool) -> bool:
    if year_scope:
        return (day.weekday, day.in_year) in ordinals or (
            day.weekday,
            day.in_year_from_end,
        ) in ordinals
    return (day.weekday, day.in_month) in ordinals or (
        day.weekday,
        day.in_month_from_end,
    ) in ordinals
