"""Stored dates of activities (services.materialise_occurrences and friends).

What must hold: a weekly 10:00 stays 10:00 in Beesd whatever the clocks do; editing a series
regenerates its future dates and never touches past ones (attendance hangs on them); a date
moved or cancelled on its own survives regeneration; nobody loses a registration silently.

Tests with fixed dates pass `now=` so they mean the same next year; tests that go through
the services' own clock use dates relative to today.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from activities import services
from activities.models import Activity, CancelledBy, Frequency, Occurrence, Registration
from network.shared import DomainError
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.django_db


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Beesd."""
    return datetime.combine(day, time(hour, minute), AMSTERDAM)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first such weekday at least a week from today: safely in the future."""
    day = (after or timezone.localdate()) + timedelta(days=7)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def dates(activity: Activity) -> list[date]:
    return list(
        activity.occurrences.order_by("original_date").values_list("original_date", flat=True)
    )


def local(moment: datetime) -> tuple[date, time]:
    moment = moment.astimezone(AMSTERDAM)
    return moment.date(), moment.time()


def register(occurrence: Occurrence, status: str = "confirmed") -> Registration:
    return Registration.objects.create(
        occurrence=occurrence, name="Ida de Vries", phone="0345-123456", status=status
    )


# Time zones ---------------------------------------------------------------------------------


def test_weekly_at_ten_stays_ten_across_both_daylight_saving_changes():
    """29 March 2026 the clocks go forward (+01:00 to +02:00), 25 October back again."""
    activity = make_activity(
        title="Gym voor ouderen",
        start_date=date(2026, 3, 5),
        start_time=time(10, 0),
        end_time=time(11, 0),
        frequency=Frequency.WEEKLY,
        until=date(2026, 11, 5),
    )
    services.materialise_occurrences(activity=activity, now=at(date(2026, 3, 1), 9))
    occurrences = {o.original_date: o for o in activity.occurrences.all()}
    assert len(occurrences) == 36
    for occurrence in occurrences.values():
        assert occurrence.starts_at.astimezone(AMSTERDAM).time() == time(10, 0)
        assert occurrence.ends_at - occurrence.starts_at == timedelta(hours=1)
    in_utc = {
        day: occurrences[day].starts_at.astimezone(UTC).time()
        for day in (date(2026, 3, 26), date(2026, 4, 2), date(2026, 10, 22), date(2026, 10, 29))
    }
    assert in_utc == {
        date(2026, 3, 26): time(9, 0),  # winter time, UTC+1
        date(2026, 4, 2): time(8, 0),  # summer time, UTC+2
        date(2026, 10, 22): time(8, 0),
        date(2026, 10, 29): time(9, 0),
    }
    offsets = {
        occurrences[day].starts_at.astimezone(AMSTERDAM).utcoffset()
        for day in (date(2026, 3, 26), date(2026, 4, 2))
    }
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_an_evening_that_ends_after_midnight_ends_the_next_day():
    activity = make_activity(
        title="Oudejaarsavond in het Klokhuis",
        start_date=date(2026, 12, 31),
        start_time=time(20, 30),
        end_time=time(1, 0),
        frequency=Frequency.ONCE,
    )
    services.materialise_occurrences(activity=activity, now=at(date(2026, 12, 1), 9))
    occurrence = activity.occurrences.get()
    assert local(occurrence.starts_at) == (date(2026, 12, 31), time(20, 30))
    assert local(occurrence.ends_at) == (date(2027, 1, 1), time(1, 0))
    assert occurrence.original_date == date(2026, 12, 31) and not occurrence.is_moved


def test_a_night_across_the_spring_change_is_an_hour_shorter():
    activity = make_activity(
        title="Sterrenkijken",
        start_date=date(2026, 3, 28),
        start_time=time(22, 0),
        end_time=time(3, 0),
        frequency=Frequency.ONCE,
    )
    services.materialise_occurrences(activity=activity, now=at(date(2026, 3, 1), 9))
    occurrence = activity.occurrences.get()
    assert occurrence.ends_at - occurrence.starts_at == timedelta(hours=4)
    assert local(occurrence.ends_at) == (date(2026, 3, 29), time(3, 0))


def test_without_a_start_time_a_date_is_all_day():
    activity = make_activity(
        title="Dorpsfeest",
        start_date=date(2026, 6, 20),
        start_time=None,
        end_time=None,
        frequency=Frequency.ONCE,
    )
    services.materialise_occurrences(activity=activity, now=at(date(2026, 6, 1), 9))
    occurrence = activity.occurrences.get()
    assert occurrence.all_day
    assert local(occurrence.starts_at) == (date(2026, 6, 20), time(0, 0))
    assert local(occurrence.ends_at) == (date(2026, 6, 21), time(0, 0))


# Schedules become rows -------------------------------------------------------------------


def test_every_third_thursday_is_stored_for_a_year():
    activity = make_activity(
        title="Beesd ontmoet elkaar",
        start_date=date(2026, 1, 15),
        start_time=time(14, 0),
        end_time=time(16, 30),
        frequency=Frequency.MONTHLY_WEEKDAY,
        monthly_ordinal=3,
        count=12,
    )
    services.materialise_occurrences(activity=activity, now=at(date(2026, 1, 1), 9))
    stored = activity.occurrences.order_by("starts_at")
    assert [local(o.starts_at) for o in stored] == [
        (day, time(14, 0))
        for day in (
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
        )
    ]
    assert all(local(o.ends_at)[1] == time(16, 30) for o in stored)


def test_skipped_dates_are_not_stored_and_count_as_in_icalendar():
    start = next_weekday(3)
    skipped = start + timedelta(days=7)
    activity = make_activity(
        title="Koffieochtend",
        start_date=start,
        frequency=Frequency.WEEKLY,
        count=5,
        exception_dates=[skipped],  # a date object, as a form gives it
    )
    assert dates(activity) == [start + timedelta(days=7 * n) for n in (0, 2, 3, 4)]
    activity.refresh_from_db()
    assert activity.exception_dates == [skipped.isoformat()]


def test_skipping_a_date_later_removes_it():
    start = next_weekday(1)
    activity = make_activity(title="Bingo", start_date=start, frequency=Frequency.WEEKLY)
    skipped = start + timedelta(days=14)
    result_before = dates(activity)
    assert skipped in result_before
    services.update_activity(activity=activity, data={"exception_dates": [skipped.isoformat()]})
    assert skipped not in dates(activity)
    assert len(dates(activity)) == len(result_before) - 1


def test_a_skipped_date_that_is_no_date_is_refused_without_saving():
    start = next_weekday(1)
    with pytest.raises(DomainError), translation.override("en"):
        make_activity(title="Bingo", start_date=start, exception_dates=["2026-02-31"])
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"frequency": Frequency.WEEKLY, "until": "yesterday"},
            "The last date lies before the first date.",
        ),
        ({"frequency": Frequency.WEEKLY, "count": 0}, "The number of times must be at least 1."),
        (
            {"frequency": Frequency.MONTHLY_WEEKDAY, "monthly_ordinal": 3, "day": 1},
            "The first date is not the weekday of the month you chose.",
        ),
        (
            {"frequency": Frequency.WEEKLY, "count": 1, "skip_first": True},
            "This schedule produces no dates. Check the dates you skip.",
        ),
        (
            {"frequency": Frequency.WEEKLY, "end_time": time(10, 0)},
            "The end time must differ from the start time.",
        ),
    ],
)
def test_a_schedule_that_makes_no_sense_is_refused_and_nothing_is_saved(data, message):
    data = dict(data)
    start = next_weekday(3)
    if data.pop("day", None):
        first = (start + timedelta(days=40)).replace(day=1)
        start = first + timedelta(days=(3 - first.weekday()) % 7)  # a first Thursday
    if data.get("until") == "yesterday":
        data["until"] = start - timedelta(days=1)
    if data.pop("skip_first", False):
        data["exception_dates"] = [start.isoformat()]
    with translation.override("en"), pytest.raises(DomainError) as raised:
        make_activity(title="Fietstocht", start_date=start, start_time=time(10, 0), **data)
    assert str(raised.value).startswith(message)
    assert not Activity.objects.exists() and not Occurrence.objects.exists()


# Editing a series --------------------------------------------------------------------------


def make_spring_series() -> Activity:
    """Weekly on Thursday at 10:00 from 8 January to 25 June 2026, stored as on 1 January."""
    activity = make_activity(
        title="Koffieochtend",
        start_date=date(2026, 1, 8),
        start_time=time(10, 0),
        end_time=time(11, 30),
        frequency=Frequency.WEEKLY,
        until=date(2026, 6, 25),
    )
    services.materialise_occurrences(activity=activity, now=at(date(2026, 1, 1), 9))
    assert len(dates(activity)) == 25
    return activity


def snapshot(activity: Activity, before: datetime) -> list[tuple]:
    return list(
        activity.occurrences.filter(starts_at__lt=before)
        .order_by("original_date")
        .values_list("pk", "original_date", "starts_at", "ends_at", "is_cancelled")
    )


def test_a_changed_time_moves_future_dates_and_leaves_past_ones():
    activity = make_spring_series()
    now = at(date(2026, 3, 12), 10, 30)  # during the session of 12 March
    past = snapshot(activity, now)
    assert len(past) == 10
    activity.start_time, activity.end_time = time(14, 0), time(15, 30)
    activity.save()
    result = services.materialise_occurrences(activity=activity, now=now)
    assert result == {"created": 0, "updated": 15, "removed": 0, "cancelled": 0}
    assert snapshot(activity, now) == past
    future = activity.occurrences.filter(starts_at__gte=now)
    assert {local(o.starts_at)[1] for o in future} == {time(14, 0)}
    assert future.count() == 15


def test_a_changed_rhythm_never_deletes_past_dates():
    activity = make_spring_series()
    now = at(date(2026, 3, 1), 12)
    past = snapshot(activity, now)
    past_ids = [row[0] for row in past]
    Registration.objects.bulk_create(
        [Registration(occurrence_id=pk, name="Jenneke", status="confirmed") for pk in past_ids]
    )
    activity.frequency = Frequency.BIWEEKLY
    activity.until = date(2026, 4, 30)
    activity.save()
    services.materialise_occurrences(activity=activity, now=now)
    assert snapshot(activity, now) == past
    assert Registration.objects.filter(occurrence_id__in=past_ids).count() == len(past_ids)
    future = [d for d in dates(activity) if d >= date(2026, 3, 1)]
    assert future == [
        date(2026, 3, 5),
        date(2026, 3, 19),
        date(2026, 4, 2),
        date(2026, 4, 16),
        date(2026, 4, 30),
    ]


def test_a_date_with_registrations_that_drops_out_is_cancelled_not_deleted():
    activity = make_spring_series()
    now = at(date(2026, 3, 1), 12)
    kept = activity.occurrences.get(original_date=date(2026, 3, 12))
    registration = register(kept)
    waiting = activity.occurrences.get(original_date=date(2026, 3, 26))
    register(waiting, status="waiting")
    stays = activity.occurrences.get(original_date=date(2026, 3, 19))
    register(stays)
    # Any row on a date holds it, a cancelled registration too: its link keeps working.
    withdrawn = activity.occurrences.get(original_date=date(2026, 4, 23))
    register(withdrawn, status="cancelled")
    activity.frequency = Frequency.BIWEEKLY  # from 8 January: 5 March, 19 March, ...
    activity.save()
    result = services.materialise_occurrences(activity=activity, now=now)
    assert result["cancelled"] == 3
    kept.refresh_from_db()
    assert kept.is_cancelled and kept.cancelled_by == CancelledBy.SCHEDULE
    with translation.override("en"):
        assert kept.cancellation_note == "This date is no longer in the schedule."
    assert Registration.objects.filter(pk=registration.pk).exists()
    waiting.refresh_from_db()
    assert waiting.is_cancelled
    # 19 March is still in the biweekly schedule, so it stays as it was.
    stays.refresh_from_db()
    assert not stays.is_cancelled
    # Dates nothing hangs on and no longer in the schedule are gone.
    assert not activity.occurrences.filter(original_date=date(2026, 4, 9)).exists()
    assert activity.occurrences.get(pk=withdrawn.pk).is_cancelled
    assert activity.occurrences.filter(original_date=date(2026, 4, 2)).exists()

    # Back to weekly: the cancelled dates return, the registration still holds its place.
    activity.frequency = Frequency.WEEKLY
    activity.save()
    services.materialise_occurrences(activity=activity, now=now)
    kept.refresh_from_db()
    assert not kept.is_cancelled and kept.cancelled_by == "" and kept.cancellation_note == ""
    assert activity.occurrences.filter(original_date=date(2026, 4, 9)).exists()


def test_regeneration_leaves_todays_session_that_already_began():
    activity = make_spring_series()
    now = at(date(2026, 3, 12), 10, 15)
    ongoing = activity.occurrences.get(original_date=date(2026, 3, 12))
    activity.start_time = time(9, 0)
    activity.save()
    services.materialise_occurrences(activity=activity, now=now)
    ongoing.refresh_from_db()
    assert local(ongoing.starts_at) == (date(2026, 3, 12), time(10, 0))
    # Skipping it now is too late as well: it has begun, so it stays.
    activity.exception_dates = ["2026-03-12"]
    activity.save()
    services.materialise_occurrences(activity=activity, now=now)
    ongoing.refresh_from_db()
    assert local(ongoing.starts_at) == (date(2026, 3, 12), time(10, 0))
    assert not ongoing.is_cancelled
    assert local(activity.occurrences.get(original_date=date(2026, 3, 19)).starts_at)[1] == time(
        9, 0
    )


def test_update_activity_regenerates_only_when_the_schedule_changed():
    start = next_weekday(3)
    activity = make_activity(title="Koffieochtend", start_date=start)
    before = list(activity.occurrences.values_list("pk", "starts_at"))
    services.update_activity(activity=activity, data={"title": "Koffie-inloop"})
    assert list(activity.occurrences.values_list("pk", "starts_at")) == before
    services.update_activity(activity=activity, data={"start_time": time(9, 30)})
    assert {local(o.starts_at)[1] for o in activity.occurrences.all()} == {time(9, 30)}
    assert sorted(activity.occurrences.values_list("pk", flat=True)) == sorted(
        pk for pk, _ in before
    )


# Single dates -----------------------------------------------------------------------------


def test_a_moved_date_survives_regeneration():
    place = PlaceFactory(name="Buurtcentrum het Klokhuis")
    hall, kitchen = (
        RoomFactory(place=place, name="Grote zaal"),
        RoomFactory(place=place, name="Keuken"),
    )
    start = next_weekday(3)
    activity = make_activity(
        title="Bloemschikken",
        start_date=start,
        place=place,
        room=hall,
        until=start + timedelta(weeks=5),
    )
    second = activity.occurrences.get(original_date=start + timedelta(weeks=1))
    friday = second.original_date + timedelta(days=1)
    services.change_occurrence(
        occurrence=second, day=friday, start_time=time(15, 0), end_time=time(16, 30), room=kitchen
    )
    services.update_activity(
        activity=activity,
        data={"start_time": time(10, 30), "until": start + timedelta(weeks=8)},
    )
    second.refresh_from_db()
    assert local(second.starts_at) == (friday, time(15, 0))
    assert local(second.ends_at) == (friday, time(16, 30))
    assert second.is_moved and second.is_detached and second.effective_room == kitchen
    others = activity.occurrences.exclude(pk=second.pk)
    assert others.count() == 8
    assert {local(o.starts_at)[1] for o in others} == {time(10, 30)}


def test_moving_a_late_evening_keeps_it_ending_after_midnight():
    start = next_weekday(5)
    activity = make_activity(
        title="Dansavond", start_date=start, start_time=time(21, 0), end_time=time(1, 0)
    )
    occurrence = activity.occurrences.get(original_date=start)
    services.change_occurrence(
        occurrence=occurrence,
        day=start - timedelta(days=1),
        start_time=time(21, 0),
        end_time=time(1, 0),
    )
    occurrence.refresh_from_db()
    assert local(occurrence.ends_at) == (start, time(1, 0))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_time": time(10, 0), "end_time": time(10, 0)}, "The end time must differ"),
        ({"days": -30}, "A date cannot be moved into the past."),
        ({"other_room": True}, "That room is not in the chosen place."),
    ],
)
def test_a_moved_date_with_bad_input_is_refused_and_unchanged(change, message):
    place = PlaceFactory()
    activity = make_activity(title="Bingo", start_date=next_weekday(2), place=place)
    occurrence = activity.occurrences.first()
    before = (occurrence.starts_at, occurrence.ends_at, occurrence.room_id, occurrence.is_detached)
    room = RoomFactory() if change.get("other_room") else None
    with translation.override("en"), pytest.raises(DomainError) as raised:
        services.change_occurrence(
            occurrence=occurrence,
            day=occurrence.original_date + timedelta(days=change.get("days", 0)),
            start_time=change.get("start_time", time(11, 0)),
            end_time=change.get("end_time", time(12, 0)),
            room=room,
        )
    assert str(raised.value).startswith(message)
    occurrence.refresh_from_db()
    assert (
        occurrence.starts_at,
        occurrence.ends_at,
        occurrence.room_id,
        occurrence.is_detached,
    ) == before


def test_a_past_date_cannot_be_moved_or_cancelled():
    activity = make_spring_series()
    past = activity.occurrences.first()
    with pytest.raises(DomainError):
        services.change_occurrence(
            occurrence=past, day=next_weekday(3), start_time=time(10, 0), end_time=None
        )
    with pytest.raises(DomainError):
        services.cancel_occurrence(occurrence=past, reason="Zaal bezet")


def test_a_cancelled_date_stays_cancelled_and_once_restored_follows_the_series():
    start = next_weekday(3)
    activity = make_activity(title="Gym voor ouderen", start_date=start)
    occurrence = activity.occurrences.get(original_date=start + timedelta(weeks=1))
    services.cancel_occurrence(occurrence=occurrence, reason="  De zaal is bezet  ")
    occurrence.refresh_from_db()
    assert occurrence.is_cancelled and occurrence.cancel_reason == "De zaal is bezet"
    # Regenerating (here: skipping another date) leaves the cancellation alone.
    skipped = start + timedelta(weeks=3)
    services.update_activity(activity=activity, data={"exception_dates": [skipped]})
    occurrence.refresh_from_db()
    assert occurrence.is_cancelled and occurrence.cancel_reason == "De zaal is bezet"
    assert not activity.occurrences.filter(original_date=skipped).exists()

    # Restored, it is an ordinary date of the series again.
    services.restore_occurrence(occurrence=occurrence)
    services.update_activity(activity=activity, data={"start_time": time(9, 15)})
    occurrence.refresh_from_db()
    assert not occurrence.is_cancelled and occurrence.cancel_reason == ""
    assert local(occurrence.starts_at)[1] == time(9, 15)


def test_a_restored_moved_date_stays_where_it_was_moved_to():
    start = next_weekday(3)
    activity = make_activity(title="Gym voor ouderen", start_date=start)
    occurrence = activity.occurrences.get(original_date=start + timedelta(weeks=1))
    services.change_occurrence(
        occurrence=occurrence, day=occurrence.original_date, start_time=time(13, 0), end_time=None
    )
    services.cancel_occurrence(occurrence=occurrence, reason="Toch niet")
    services.restore_occurrence(occurrence=occurrence)
    services.update_activity(activity=activity, data={"start_time": time(9, 0)})
    occurrence.refresh_from_db()
    assert local(occurrence.starts_at)[1] == time(13, 0)


# The horizon -------------------------------------------------------------------------------


def test_extend_horizons_moves_every_open_series_along():
    today = timezone.localdate()
    weekly = make_activity(title="Koffieochtend", start_date=next_weekday(0))
    once = make_activity(title="Theater", start_date=next_weekday(4), frequency=Frequency.ONCE)
    cancelled = make_activity(title="Jeu de boules", start_date=next_weekday(2))
    services.cancel_activity(activity=cancelled, reason="Geen vrijwilligers")
    ended = make_activity(title="Cursus", start_date=date(2026, 1, 5), until=date(2026, 3, 30))
    assert weekly.materialised_until == services.horizon_end(today)
    last_before = max(dates(weekly))
    later = today + timedelta(days=60)

    assert services.extend_horizons(today=later) == 1
    weekly.refresh_from_db()
    assert weekly.materialised_until == services.horizon_end(later)
    assert max(dates(weekly)) > last_before
    assert max(dates(weekly)) > services.horizon_end(later) - timedelta(days=7)
    assert max(dates(weekly)) <= services.horizon_end(later)
    cancelled.refresh_from_db()
    assert cancelled.materialised_until == services.horizon_end(today)
    assert list(once.occurrences.all()) and not ended.occurrences.exists()
    # Done is done: a second run the same day has nothing to do.
    assert services.extend_horizons(today=later) == 0
