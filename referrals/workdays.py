"""Working days, for "not picked up within n working days": Monday to Friday, without the
Dutch public holidays on which offices close (New Year's Day, Easter Monday, King's Day,
Ascension Day, Whit Monday, Christmas; Liberation Day only in a lustrum year). Good
Friday is a working day for most teams, so it counts as one.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta

from dateutil.easter import easter
from django.utils import timezone


@functools.lru_cache(maxsize=32)
def holidays(year: int) -> frozenset[date]:
    easter_sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to the Saturday before
        kings_day -= timedelta(days=1)
    days = {
        date(year, 1, 1),
        easter_sunday + timedelta(days=1),
        kings_day,
        easter_sunday + timedelta(days=39),
        easter_sunday + timedelta(days=50),
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year % 5 == 0:
        days.add(date(year, 5, 5))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def due_before(now: datetime, working_days: int) -> datetime:
    """The moment before which something must have arrived to have waited at least
    `working_days` full working days by `now` (the days after its arrival day up to today):
    received before this, it is due. Midnight (local time) of the n-th working day counting
    back from today, today included."""
    day = timezone.localdate(now)
    if working_days <= 0:
        return now
    counted = 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == working_days:
                break
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))
