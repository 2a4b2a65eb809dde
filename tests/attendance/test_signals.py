""" "Not seen lately": the rule on constructed histories (weekly, fortnightly and monthly
regulars, irregular visitors, holidays, cancelled dates, dates without a roll-call, a
summer break, coming back, closed records, opting out), idempotency, and the job through
its Celery task and `manage.py run_job`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendance import services, signals
from attendance.models import Absence, Attendance, RollCall, Signal, SignalSettings
from attendance.tasks import raise_not_seen_signals

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance

TODAY = None  # the tests run on the real today; histories are written relative to it


class History:
    """An activity with stored dates `days_ago`, roll-calls taken unless said otherwise."""

    def __init__(self, organisation, *, title="Koffieochtend") -> None:
        self.organisation = organisation
        self.activity = activity_of(organisation, title=title)
        self.dates: dict[int, object] = {}

    def date(self, days_ago: int, *, roll_call: bool = True, cancelled: bool = False):
        occurrence = date_of(self.activity, days_ago=days_ago, is_cancelled=cancelled)
        if roll_call:
            RollCall.objects.get_or_create(
                occurrence=occurrence, defaults={"taken_at": timezone.now()}
            )
        self.dates[days_ago] = occurrence
        return occurrence

    def series(self, every: int, since: int, until: int = 1, **options) -> list[int]:
        days = list(range(since, until - 1, -every))
        for days_ago in days:
            self.date(days_ago, **options)
        return days

    def came(self, participant, *days_ago: int) -> None:
        for d in days_ago:
            occurrence = self.dates.get(d) or self.date(d)
            Attendance.objects.create(
                participant=participant,
                occurrence=occurrence,
                organisation_id=self.organisation.pk,
                activity_id=self.activity.pk,
                day=timezone.localdate() - timedelta(days=d),
            )


@pytest.fixture
def org(world):
    keep_attendance(world.organisation)
    return world.organisation


def person(org, **fields):
    return ParticipantFactory(organisation=org, **fields)


def run() -> dict:
    return signals.run_signals()


def open_signal(p):
    return Signal.objects.open().filter(participant=p).first()


def test_weekly_regular_missing_two_is_not_yet_missing_three_is(org):
    h = History(org)
    days = h.series(7, since=7 * 20 + 1, until=1)  # weekly, the last one yesterday
    h.date(0)  # today's roll-call does not count yet
    two, three = person(org), person(org)
    h.came(two, *days[:-2])
    h.came(three, *days[:-3])
    assert run()["raised"] == 1
    assert open_signal(two) is None
    signal = open_signal(three)
    assert signal.missed == 3
    assert signal.activity_id == h.activity.pk
    assert signal.last_seen == timezone.localdate() - timedelta(days=22)
    assert float(signal.usual_gap) == 1.0


def test_monthly_regular_missing_two(org):
    h = History(org, title="Bingo")
    days = h.series(28, since=28 * 12, until=28)
    p = person(org)
    h.came(p, *days[:-1])
    assert run()["raised"] == 0  # one month missed
    h2 = History(org, title="Nog een bingo")  # unrelated activity, not theirs
    h2.series(7, since=70)
    assert run()["raised"] == 0
    p2 = person(org)
    h.came(p2, *days[:-2])
    assert run()["raised"] == 1
    assert open_signal(p2).missed == 2


def test_fortnightly_visitor_of_a_weekly_activity_needs_four_missed(org):
    h = History(org)
    days = h.series(7, since=7 * 30, until=7)
    p = person(org)
    # came every other week up to 7 weeks ago: missed dates since: 6 (49 days ago exclusive)
    came = [d for d in days if d >= 49 and (d // 7) % 2 == 1]
    h.came(p, *came)
    verdict = _verdict(p, h)
    assert verdict.usual_gap == pytest.approx(2.0, abs=0.1)
    assert run()["raised"] == 1
    q = person(org)
    h.came(q, *[d for d in days if d >= 21 and (d // 7) % 2 == 1])  # last seen 21 days ago
    run()
    assert open_signal(q) is None  # two missed, four needed


def _verdict(p, h):
    today = timezone.localdate()
    expected = signals._expected_days(today - timedelta(days=365), today)
    visits = [
        (h.activity.pk, len(rows), min(rows).toordinal(), max(rows).toordinal())
        for rows in [list(Attendance.objects.filter(participant=p).values_list("day", flat=True))]
    ]
    return signals.judge(
        visits, expected=expected, away=[], today=today.toordinal(), thresholds=signals.DEFAULTS
    )


def test_irregular_visitors_and_people_who_came_once_get_nothing(org):
    h = History(org)
    days = h.series(7, since=7 * 40, until=7)
    rare = person(org)
    h.came(rare, days[0], days[8], days[16], days[24])  # once in eight weeks
    once = person(org)
    h.came(once, days[3])
    twice = person(org)
    h.came(twice, days[3], days[4])
    assert run()["raised"] == 0


def test_few_visits_use_the_fixed_rule(org):
    h = History(org)
    days = h.series(7, since=7 * 6, until=7)  # six weeks
    p = person(org)
    h.came(p, *days[:3])  # three times, then missed three
    assert run()["raised"] == 1
    assert open_signal(p).missed == 3


def test_holiday_dates_do_not_count(org):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    p = person(org)
    h.came(p, *days[:-4])  # missed four
    today = timezone.localdate()
    Absence.objects.create(
        participant=p, starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=5)
    )
    assert run()["raised"] == 0


def test_cancelled_dates_and_dates_without_roll_call_are_not_missed(org):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7 * 5)
    p = person(org)
    h.came(p, *days)
    h.date(28, cancelled=True)
    h.date(21, roll_call=False)
    h.date(14, roll_call=False)
    h.date(7, cancelled=True)
    assert run()["raised"] == 0


def test_a_summer_break_raises_nothing(org):
    h = History(org)
    days = h.series(7, since=7 * 30, until=7 * 8)
    h.series(7, since=7 * 7, until=7, roll_call=False)  # activity ran, nobody kept track
    p = person(org)
    h.came(p, *days)
    assert run()["raised"] == 0


def test_coming_back_resolves_the_signal_by_the_job_and_by_marking(org, world):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    p, q = person(org), person(org)
    h.came(p, *days[:-4])
    h.came(q, *days[:-4])
    assert run()["raised"] == 2
    h.came(p, 0)  # seen today (written directly: the job notices)
    assert run() == {"raised": 0, "resolved": 1}
    assert open_signal(p) is None
    assert Signal.objects.get(participant=p).resolved_at is not None
    services.mark_attendance(
        occurrence=h.date(0), participant=q, present=True, by=world.users["coordinator"]
    )
    assert open_signal(q) is None


def test_closed_records_and_opt_outs_get_no_signals(org):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    closed = person(org, closed_at=timezone.now(), closed_reason="moved")
    opted_out = person(org, follow_up=False)
    h.came(closed, *days[:-4])
    h.came(opted_out, *days[:-4])
    assert run()["raised"] == 0
    later = person(org)
    h.came(later, *days[:-4])
    run()
    services.set_follow_up(participant=later, follow_up=False)
    assert run()["resolved"] == 1


def test_twice_raises_nothing_twice_and_a_put_aside_signal_stays_aside(org, world):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    p = person(org)
    h.came(p, *days[:-4])
    assert run()["raised"] == 1
    assert run() == {"raised": 0, "resolved": 0}
    signals.dismiss_signal(signal=open_signal(p), by=world.users["coordinator"], reason="hospital")
    assert run() == {"raised": 0, "resolved": 0}
    assert Signal.objects.filter(participant=p).count() == 1


def test_thresholds_per_network(org, world):
    SignalSettings.objects.create(network=world.network, min_days_away=60, min_missed=8)
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    p = person(org)
    h.came(p, *days[:-4])
    assert run()["raised"] == 0


def test_small_chunks_give_the_same_result(org):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    people = [person(org) for _ in range(7)]
    for p in people[::2]:
        h.came(p, *days[:-4])
    for p in people[1::2]:
        h.came(p, *days)
    assert signals.run_signals(chunk_size=2)["raised"] == 4


def test_the_celery_task_and_run_job(org):
    h = History(org)
    days = h.series(7, since=7 * 20, until=7)
    p = person(org)
    h.came(p, *days[:-4])
    assert raise_not_seen_signals() == {"raised": 1, "resolved": 0}
    out = StringIO()
    call_command("run_job", "raise-not-seen-signals", stdout=out)
    assert Signal.objects.filter(participant=p).count() == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_work_is_shared_over_connections(world):
    """The nightly job's own path on PostgreSQL (the dates that count and each part of the
    participants in a thread on a connection of its own); on SQLite the same results from
    one connection."""
    keep_attendance(world.organisation)
    h = History(world.organisation)
    days = h.series(7, since=7 * 20, until=7)
    gone, here = person(world.organisation), person(world.organisation)
    h.came(gone, *days[:-4])
    h.came(here, *days)
    assert signals.run_signals(chunk_size=1) == {"resolved": 0, "raised": 1}
    assert open_signal(gone) is not None
    h.came(gone, 0)
    assert signals.run_signals() == {"resolved": 1, "raised": 0}


@pytest.mark.django_db(transaction=True)
def test_a_failure_on_the_second_connection_stops_the_job(world, monkeypatch):
    """The dates that count load in a thread of their own on PostgreSQL: its error is the
    job's error (the task retries), and nobody is judged without them."""
    keep_attendance(world.organisation)
    h = History(world.organisation)
    days = h.series(7, since=7 * 20, until=7)
    h.came(person(world.organisation), *days[:-4])

    def broken(start, today):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(signals, "_expected_days", broken)
    with pytest.raises(RuntimeError, match="went away"):
        signals.run_signals()
    assert not Signal.objects.exists()
