"""Schedules in plain words turned into dates (activities/recurrence.py).

The edge cases residents notice first: "every third Thursday", a month without a fifth
Tuesday, the 31st in a short month, skipped dates, and a feed (RRULE) that shows exactly the
dates the site shows. Expected dates are written out by hand from a calendar, not computed.
"""

from datetime import date, datetime, time

import pytest
from dateutil.rrule import rrulestr
from django.utils import translation
from icalendar import vRecur

from activities.models import Frequency
from activities.recurrence import (
    MAX_DATES,
    RecurrenceError,
    Schedule,
    describe,
    expand,
    nth_weekday,
    ordinal_of,
    to_rrule,
    validate,
)

THIRD_THURSDAYS_2026 = [
    date(2026, 1, 15),
    date(2026, 2, 19),
    date(2026, 3, 19),
    date(2026, 4, 16),
    date(2026, 5, 21),
    date(2026, 6, 18),
    date(2026, 7, 16),
    date(2026, 8, 20),
    date(2026, 9, 17),
    date(2026, 10, 15),
    date(2026, 11, 19),
    date(2026, 12, 17),
]


def monthly_weekday(start: date, ordinal: int, **kwargs) -> Schedule:
    return Schedule(
        start_date=start, frequency=Frequency.MONTHLY_WEEKDAY, monthly_ordinal=ordinal, **kwargs
    )


# Expanding --------------------------------------------------------------------------------


def test_every_third_thursday_for_twelve_months():
    schedule = monthly_weekday(date(2026, 1, 15), 3, until=date(2026, 12, 31))
    assert list(expand(schedule)) == THIRD_THURSDAYS_2026
    assert all(day.weekday() == 3 for day in THIRD_THURSDAYS_2026)


def test_open_ended_third_thursday_stops_at_the_end_of_the_window():
    schedule = monthly_weekday(date(2026, 1, 15), 3)
    assert list(expand(schedule, end=date(2027, 1, 31))) == [
        *THIRD_THURSDAYS_2026,
        date(2027, 1, 21),
    ]


def test_fifth_tuesday_skips_months_without_one():
    schedule = monthly_weekday(date(2026, 3, 31), 5, until=date(2027, 3, 31))
    assert list(expand(schedule)) == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 29),
        date(2026, 12, 29),
        date(2027, 3, 30),
    ]


def test_count_counts_only_months_that_have_the_weekday():
    """RFC 5545: BYDAY=5TU generates no instance in a month without one, so COUNT=3 gives
    three real dates, not three months."""
    schedule = monthly_weekday(date(2026, 3, 31), 5, count=3)
    assert list(expand(schedule)) == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 29)]


def test_last_friday_of_the_month():
    schedule = monthly_weekday(date(2026, 1, 30), -1, count=6)
    assert list(expand(schedule)) == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 5, 29),
        date(2026, 6, 26),
    ]


def test_last_weekday_that_is_also_the_fourth():
    """The last Friday of February 2026 is its fourth; "last" still means last elsewhere."""
    schedule = monthly_weekday(date(2026, 2, 27), -1, until=date(2026, 7, 31))
    assert list(expand(schedule)) == [
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 5, 29),
        date(2026, 6, 26),
        date(2026, 7, 31),
    ]


def test_monthly_on_the_31st_skips_short_months():
    schedule = Schedule(
        start_date=date(2026, 1, 31), frequency=Frequency.MONTHLY_DATE, until=date(2026, 12, 31)
    )
    assert list(expand(schedule)) == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 10, 31),
        date(2026, 12, 31),
    ]


def test_monthly_on_the_29th_skips_february_except_in_a_leap_year():
    schedule = Schedule(
        start_date=date(2027, 1, 29), frequency=Frequency.MONTHLY_DATE, until=date(2028, 3, 31)
    )
    days = list(expand(schedule))
    assert date(2027, 2, 28) not in days and date(2027, 3, 1) not in days
    assert date(2028, 2, 29) in days
    assert len(days) == 14  # 15 months, one without a 29th


def test_every_other_week():
    schedule = Schedule(
        start_date=date(2026, 12, 21), frequency=Frequency.BIWEEKLY, until=date(2027, 2, 28)
    )
    assert list(expand(schedule)) == [
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 18),
        date(2027, 2, 1),
        date(2027, 2, 15),
    ]


def test_weekly_runs_over_the_turn_of_the_year():
    schedule = Schedule(start_date=date(2026, 12, 17), frequency=Frequency.WEEKLY, count=4)
    assert list(expand(schedule)) == [
        date(2026, 12, 17),
        date(2026, 12, 24),
        date(2026, 12, 31),
        date(2027, 1, 7),
    ]


def test_daily_with_a_count():
    schedule = Schedule(start_date=date(2027, 2, 26), frequency=Frequency.DAILY, count=4)
    assert list(expand(schedule)) == [
        date(2027, 2, 26),
        date(2027, 2, 27),
        date(2027, 2, 28),
        date(2027, 3, 1),
    ]


def test_until_is_inclusive():
    schedule = Schedule(
        start_date=date(2026, 11, 5), frequency=Frequency.WEEKLY, until=date(2026, 11, 26)
    )
    assert list(expand(schedule))[-1] == date(2026, 11, 26)
    assert len(list(expand(schedule))) == 4


def test_once_is_one_date():
    schedule = Schedule(start_date=date(2026, 7, 9))
    assert list(expand(schedule)) == [date(2026, 7, 9)]
    assert list(expand(schedule, start=date(2026, 7, 10))) == []


def test_skipped_dates_are_left_out():
    schedule = Schedule(
        start_date=date(2026, 12, 3),
        frequency=Frequency.WEEKLY,
        until=date(2027, 1, 14),
        exception_dates=frozenset({date(2026, 12, 24), date(2026, 12, 31)}),
    )
    assert list(expand(schedule)) == [
        date(2026, 12, 3),
        date(2026, 12, 10),
        date(2026, 12, 17),
        date(2027, 1, 7),
        date(2027, 1, 14),
    ]


def test_count_counts_before_skipped_dates_are_removed():
    """As RFC 5545 does with COUNT and EXDATE: 6 times minus 2 skipped is 4 dates, and the
    series does not run on to make up for them."""
    schedule = Schedule(
        start_date=date(2026, 12, 3),
        frequency=Frequency.WEEKLY,
        count=6,
        exception_dates=frozenset({date(2026, 12, 24), date(2026, 12, 31)}),
    )
    assert list(expand(schedule)) == [
        date(2026, 12, 3),
        date(2026, 12, 10),
        date(2026, 12, 17),
        date(2027, 1, 7),
    ]


def test_a_window_does_not_restart_the_count():
    schedule = Schedule(start_date=date(2026, 1, 1), frequency=Frequency.WEEKLY, count=10)
    # The 10th date is 5 March; a window starting in March still ends there.
    assert list(expand(schedule, start=date(2026, 3, 1))) == [date(2026, 3, 5)]
    assert list(expand(schedule, start=date(2026, 2, 1), end=date(2026, 2, 14))) == [
        date(2026, 2, 5),
        date(2026, 2, 12),
    ]


def test_limit_caps_the_number_of_dates():
    schedule = Schedule(start_date=date(2026, 1, 1), frequency=Frequency.DAILY)
    assert len(list(expand(schedule, limit=3))) == 3
    assert len(list(expand(schedule))) == MAX_DATES


def test_exception_dates_from_json_strings():
    class Stored:
        start_date = date(2026, 12, 3)
        frequency = Frequency.WEEKLY
        monthly_ordinal = None
        until = None
        count = 3
        exception_dates = ["2026-12-10"]

    assert list(expand(Schedule.of(Stored))) == [date(2026, 12, 3), date(2026, 12, 17)]


def test_helpers_for_weekdays_of_the_month():
    assert nth_weekday(2026, 4, 1, 5) is None  # April 2026 has four Tuesdays
    assert nth_weekday(2026, 3, 1, 5) == date(2026, 3, 31)
    assert nth_weekday(2026, 11, 3, -1) == date(2026, 11, 26)
    assert [ordinal_of(date(2026, 11, d)) for d in (1, 7, 8, 19, 29)] == [1, 1, 2, 3, 5]


# Validating -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            Schedule(date(2026, 6, 1), Frequency.WEEKLY, until=date(2026, 5, 1)),
            "The last date lies before the first date.",
        ),
        (
            Schedule(date(2026, 6, 1), Frequency.WEEKLY, count=0),
            "The number of times must be at least 1.",
        ),
        (
            # 12 November 2026 is the second Thursday, not the third.
            monthly_weekday(date(2026, 11, 12), 3),
            "The first date is not the weekday of the month you chose.",
        ),
        (
            # 19 November 2026 is the third Thursday, not the last.
            monthly_weekday(date(2026, 11, 19), -1),
            "The first date is not the last such weekday of its month.",
        ),
        (
            monthly_weekday(date(2026, 11, 19), 6),
            "Choose which weekday of the month: first to fifth, or last.",
        ),
        (
            monthly_weekday(date(2026, 11, 19), None),
            "Choose which weekday of the month: first to fifth, or last.",
        ),
        (
            Schedule(
                date(2026, 12, 3),
                Frequency.WEEKLY,
                count=2,
                exception_dates=frozenset({date(2026, 12, 3), date(2026, 12, 10)}),
            ),
            "This schedule produces no dates. Check the dates you skip.",
        ),
        (
            Schedule(date(2026, 12, 3), exception_dates=frozenset({date(2026, 12, 3)})),
            "This schedule produces no dates. Check the dates you skip.",
        ),
        (
            Schedule(
                date(2026, 12, 3),
                Frequency.WEEKLY,
                until=date(2026, 12, 9),
                exception_dates=frozenset({date(2026, 12, 3)}),
            ),
            "This schedule produces no dates. Check the dates you skip.",
        ),
        (Schedule(date(2026, 12, 3), "hourly"), "Choose how often the activity takes place."),
    ],
)
def test_validate_refuses_with_a_message_an_editor_understands(schedule, message):
    with translation.override("en"), pytest.raises(RecurrenceError) as raised:
        validate(schedule)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(date(2026, 12, 3)),
        Schedule(date(2026, 12, 3), Frequency.WEEKLY),  # open-ended: stored to a horizon
        Schedule(date(2026, 12, 3), Frequency.WEEKLY, until=date(2026, 12, 3)),
        monthly_weekday(date(2026, 11, 19), 3, count=12),
        monthly_weekday(date(2026, 3, 31), 5),
        monthly_weekday(date(2026, 3, 31), -1),  # the fifth Tuesday is also the last
        monthly_weekday(date(2026, 2, 27), -1, count=2),
        Schedule(date(2026, 1, 31), Frequency.MONTHLY_DATE, count=2),
    ],
)
def test_validate_accepts_sensible_schedules(schedule):
    validate(schedule)


# RRULE for feeds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "rule"),
    [
        (Schedule(date(2026, 12, 3)), None),
        (Schedule(date(2026, 12, 3), Frequency.DAILY, count=5), {"FREQ": "DAILY", "COUNT": 5}),
        (Schedule(date(2026, 12, 3), Frequency.WEEKLY), {"FREQ": "WEEKLY"}),
        (
            Schedule(date(2026, 12, 3), Frequency.BIWEEKLY, until=date(2027, 3, 1)),
            {"FREQ": "WEEKLY", "INTERVAL": 2, "UNTIL": date(2027, 3, 1)},
        ),
        (
            Schedule(date(2026, 1, 31), Frequency.MONTHLY_DATE),
            {"FREQ": "MONTHLY", "BYMONTHDAY": 31},
        ),
        (monthly_weekday(date(2026, 1, 15), 3), {"FREQ": "MONTHLY", "BYDAY": "3TH"}),
        (
            monthly_weekday(date(2026, 1, 30), -1, count=4),
            {"FREQ": "MONTHLY", "BYDAY": "-1FR", "COUNT": 4},
        ),
    ],
)
def test_to_rrule(schedule, rule):
    assert to_rrule(schedule) == rule


@pytest.mark.parametrize(
    "schedule",
    [
        monthly_weekday(date(2026, 1, 15), 3, count=12),
        monthly_weekday(date(2026, 3, 31), 5, count=4),
        monthly_weekday(date(2026, 1, 30), -1, until=date(2026, 12, 31)),
        Schedule(date(2026, 1, 31), Frequency.MONTHLY_DATE, count=7),
        Schedule(date(2026, 12, 21), Frequency.BIWEEKLY, until=date(2027, 6, 30)),
        Schedule(date(2027, 2, 26), Frequency.DAILY, count=9),
        Schedule(
            date(2026, 12, 3),
            Frequency.WEEKLY,
            count=6,
            exception_dates=frozenset({date(2026, 12, 24), date(2026, 12, 31)}),
        ),
    ],
)
def test_a_calendar_program_expands_the_rrule_to_the_same_dates(schedule):
    """What residents' calendars compute from the feed (RRULE + EXDATE, here with dateutil)
    is exactly what the site shows."""
    rule = dict(to_rrule(schedule))
    if isinstance(rule.get("UNTIL"), date):
        # The RRULE of a timed event carries UNTIL as a date-time; the last day counts.
        rule["UNTIL"] = datetime.combine(rule["UNTIL"], time(23, 59, 59))
    text = vRecur(rule).to_ical().decode()
    start = datetime.combine(schedule.start_date, time(14, 0))
    program = [
        moment.date()
        for moment in rrulestr(text, dtstart=start)
        if moment.date() not in schedule.exception_dates
    ]
    assert program == list(expand(schedule))


# Describing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Schedule(date(2026, 12, 3)), "Once"),
        (Schedule(date(2026, 12, 3), Frequency.DAILY), "Every day"),
        (Schedule(date(2026, 12, 3), Frequency.WEEKLY), "Every Thursday"),
        (Schedule(date(2026, 12, 1), Frequency.BIWEEKLY), "Every other Tuesday"),
        (Schedule(date(2026, 1, 31), Frequency.MONTHLY_DATE), "Every month on day 31"),
        (monthly_weekday(date(2026, 1, 15), 3), "Every third Thursday of the month"),
        (monthly_weekday(date(2026, 1, 30), -1), "Every last Friday of the month"),
        (
            monthly_weekday(date(2026, 1, 15), 3, count=12),
            "Every third Thursday of the month, 12 times",
        ),
        (
            Schedule(date(2026, 12, 3), Frequency.WEEKLY, count=1),
            "Every Thursday, 1 time",
        ),
        (
            Schedule(date(2026, 12, 3), Frequency.WEEKLY, until=date(2027, 6, 24)),
            "Every Thursday, until 24 June 2027",
        ),
        (Schedule(date(2026, 12, 3), until=date(2027, 6, 24)), "Once"),
    ],
)
def test_describe_in_english(schedule, text):
    with translation.override("en"):
        assert describe(schedule) == text


def test_describe_in_dutch_uses_dutch_weekdays_and_months():
    """Weekday and month names come from Django's Dutch catalogue, in lower case as Dutch
    writes them; the sentence around them from ours."""
    schedule = monthly_weekday(date(2026, 1, 15), 3, until=date(2027, 6, 24))
    with translation.override("nl"):
        text = describe(schedule)
        weekly = describe(Schedule(date(2026, 12, 5), Frequency.WEEKLY))
    assert "donderdag" in text and "Thursday" not in text
    assert "24 juni 2027" in text
    assert "zaterdag" in weekly
    with translation.override("en"):
        assert describe(schedule) != text
