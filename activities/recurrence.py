"""Schedules in plain words ("every third Thursday until June") turned into dates.

Editors never see RRULE; this module is the one place that knows how a schedule expands,
and how it is written as an iCalendar RRULE for feeds. Pure functions on dates: times and
time zones are applied by the caller (services.materialise_occurrences), so a weekly
10:00 stays 10:00 local time across daylight-saving changes.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Frequency

#: No schedule expands further than this many dates: a safety net against runaway rules.
MAX_DATES = 2000
ORDINAL_CHOICES = [1, 2, 3, 4, 5, -1]


class RecurrenceError(ValueError):
    """The schedule cannot produce dates; the message is translated, for the editor."""


@dataclass(frozen=True)
class Schedule:
    start_date: date
    frequency: str = Frequency.ONCE
    monthly_ordinal: int | None = None
    until: date | None = None
    count: int | None = None
    exception_dates: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, activity) -> Schedule:
        return cls(
            start_date=activity.start_date,
            frequency=activity.frequency,
            monthly_ordinal=activity.monthly_ordinal,
            until=activity.until,
            count=activity.count,
            exception_dates=frozenset(parse_dates(activity.exception_dates)),
        )


def parse_dates(values) -> list[date]:
    return [value if isinstance(value, date) else date.fromisoformat(value) for value in values]


def nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date | None:
    """The ordinal-th weekday of a month (-1: the last); None when the month has no such day."""
    days = [
        day
        for day in calendar.Calendar().itermonthdates(year, month)
        if day.month == month and day.weekday() == weekday
    ]
    if ordinal == -1:
        return days[-1]
    return days[ordinal - 1] if 1 <= ordinal <= len(days) else None


def ordinal_of(day: date) -> int:
    """Which occurrence of its weekday in the month a date is: 1 for the first, and so on."""
    return (day.day - 1) // 7 + 1


def _candidates(schedule: Schedule) -> Iterator[date]:
    start = schedule.start_date
    frequency = schedule.frequency
    if frequency == Frequency.ONCE:
        yield start
        return
    if frequency in (Frequency.DAILY, Frequency.WEEKLY, Frequency.BIWEEKLY):
        step = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14}[frequency]
        day = start
        while True:
            yield day
            day += timedelta(days=step)
    year, month = start.year, start.month
    while True:
        if frequency == Frequency.MONTHLY_DATE:
            # A month without the 31st simply has no date, as in iCalendar.
            if start.day <= calendar.monthrange(year, month)[1]:
                yield date(year, month, start.day)
        else:
            day = nth_weekday(year, month, start.weekday(), schedule.monthly_ordinal or 1)
            if day is not None and day >= start:
                yield day
        month += 1
        if month == 13:
            year, month = year + 1, 1


def validate(schedule: Schedule) -> None:
    """Refuse schedules that make no sense, with a message an editor understands."""
    if schedule.frequency not in Frequency.values:
        raise RecurrenceError(_("Choose how often the activity takes place."))
    if schedule.until and schedule.until < schedule.start_date:
        raise RecurrenceError(_("The last date lies before the first date."))
    if schedule.count is not None and schedule.count < 1:
        raise RecurrenceError(_("The number of times must be at least 1."))
    if schedule.frequency == Frequency.MONTHLY_WEEKDAY:
        if schedule.monthly_ordinal not in ORDINAL_CHOICES:
            raise RecurrenceError(_("Choose which weekday of the month: first to fifth, or last."))
        if schedule.monthly_ordinal != -1 and schedule.monthly_ordinal != ordinal_of(
            schedule.start_date
        ):
            raise RecurrenceError(
                _(
                    "The first date is not the weekday of the month you chose. Pick a first "
                    "date that fits, for example the third Thursday."
                )
            )
        if schedule.monthly_ordinal == -1 and (
            nth_weekday(
                schedule.start_date.year,
                schedule.start_date.month,
                schedule.start_date.weekday(),
                -1,
            )
            != schedule.start_date
        ):
            raise RecurrenceError(_("The first date is not the last such weekday of its month."))
    if schedule.frequency != Frequency.ONCE and not schedule.until and not schedule.count:
        # Open-ended is allowed: occurrences are stored for a rolling horizon.
        return
    if not any(True for _ in expand(schedule, limit=1)):
        raise RecurrenceError(_("This schedule produces no dates. Check the dates you skip."))


def expand(
    schedule: Schedule,
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = MAX_DATES,
) -> Iterator[date]:
    """The dates of the schedule from start to end (inclusive), without skipped dates.

    COUNT counts the series before skipped dates are removed, as iCalendar does, so a feed
    with RRULE;COUNT and EXDATE shows exactly these dates in every calendar program.
    """
    produced = 0
    for number, day in enumerate(_candidates(schedule), start=1):
        if schedule.count is not None and number > schedule.count:
            return
        if schedule.until and day > schedule.until:
            return
        if end and day > end:
            return
        if number > MAX_DATES * 4:
            return
        if day in schedule.exception_dates or (start and day < start):
            continue
        yield day
        produced += 1
        if produced >= limit:
            return


WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def to_rrule(schedule: Schedule) -> dict | None:
    """The schedule as an icalendar vRecur dict; None for a single date."""
    frequency = schedule.frequency
    if frequency == Frequency.ONCE:
        return None
    rule: dict = {}
    if frequency == Frequency.DAILY:
        rule["FREQ"] = "DAILY"
    elif frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        rule["FREQ"] = "WEEKLY"
        if frequency == Frequency.BIWEEKLY:
            rule["INTERVAL"] = 2
    elif frequency == Frequency.MONTHLY_DATE:
        rule["FREQ"] = "MONTHLY"
        rule["BYMONTHDAY"] = schedule.start_date.day
    else:
        rule["FREQ"] = "MONTHLY"
        rule["BYDAY"] = f"{schedule.monthly_ordinal}{WEEKDAY_CODES[schedule.start_date.weekday()]}"
    if schedule.count:
        rule["COUNT"] = schedule.count
    elif schedule.until:
        rule["UNTIL"] = schedule.until
    return rule


def describe(schedule: Schedule) -> str:
    """The schedule in a short sentence for residents: "Every third Thursday"."""
    weekday = _weekday_name(schedule.start_date.weekday())
    frequency = schedule.frequency
    if frequency == Frequency.ONCE:
        text = _("Once")
    elif frequency == Frequency.DAILY:
        text = _("Every day")
    elif frequency == Frequency.WEEKLY:
        text = _("Every %(weekday)s") % {"weekday": weekday}
    elif frequency == Frequency.BIWEEKLY:
        text = _("Every other %(weekday)s") % {"weekday": weekday}
    elif frequency == Frequency.MONTHLY_DATE:
        text = _("Every month on day %(day)d") % {"day": schedule.start_date.day}
    else:
        text = _("Every %(ordinal)s %(weekday)s of the month") % {
            "ordinal": _ordinal_word(schedule.monthly_ordinal or 1),
            "weekday": weekday,
        }
    if schedule.count and frequency != Frequency.ONCE:
        text += ", " + ngettext("%(n)d time", "%(n)d times", schedule.count) % {"n": schedule.count}
    elif schedule.until and frequency != Frequency.ONCE:
        from django.utils.formats import date_format

        text += ", " + _("until %(date)s") % {"date": date_format(schedule.until, "j F Y")}
    return text


def skipped_dates(
    schedule: Schedule, *, start: date | None = None
) -> tuple[list[date], list[date]]:
    """The skipped dates from `start` on: those the schedule would otherwise have, and those
    it would not have anyway (a typing error, such as the 25th for a Thursday club)."""
    plain = replace(schedule, exception_dates=frozenset())
    skipped, strays = [], []
    for day in sorted(schedule.exception_dates):
        if start and day < start:
            continue
        is_date = any(True for _ in expand(plain, start=day, end=day, limit=1))
        (skipped if is_date else strays).append(day)
    return skipped, strays


def dates_in_words(days: list[date], *, this_year: int) -> str:
    """Dates as people write them, a month named once: "24 and 31 December and 7 January
    2027" (the year only when it is not `this_year`)."""
    from django.utils.formats import date_format
    from django.utils.text import get_text_list

    months: dict[tuple[int, int], list[date]] = {}
    for day in sorted(days):
        months.setdefault((day.year, day.month), []).append(day)
    parts = []
    for (year, _month), group in months.items():
        pattern = "F" if year == this_year else "F Y"
        numbers = get_text_list([str(day.day) for day in group], _("and"))
        parts.append(f"{numbers} {date_format(group[0], pattern)}")
    return get_text_list(parts, _("and"))


def describe_skipped(schedule: Schedule, *, start: date, today: date) -> list[str]:
    """The skipped dates from `start` on in words, for the editor ("Not on 24 and 31
    December."), and a warning for a skipped date that is not one of the schedule's dates
    anyway. A year is named when it is not the year of `today`."""
    skipped, strays = skipped_dates(schedule, start=start)
    sentences = []
    if skipped:
        sentences.append(
            _("Not on %(dates)s.") % {"dates": dates_in_words(skipped, this_year=today.year)}
        )
    if strays:
        sentences.append(
            ngettext(
                "Check the skipped dates: %(dates)s is not a day of this schedule.",
                "Check the skipped dates: %(dates)s are not days of this schedule.",
                len(strays),
            )
            % {"dates": dates_in_words(strays, this_year=today.year)}
        )
    return sentences


def _weekday_name(weekday: int) -> str:
    """The weekday as the language writes it mid-sentence: "Thursday", "donderdag" (Django's
    Dutch catalogue has them in lower case already; English keeps the capital)."""
    from django.utils.dates import WEEKDAYS

    return str(WEEKDAYS[weekday])


def _ordinal_word(ordinal: int) -> str:
    words = {
        1: _("first"),
        2: _("second"),
        3: _("third"),
        4: _("fourth"),
        5: _("fifth"),
        -1: _("last"),
    }
    return str(words[ordinal])
