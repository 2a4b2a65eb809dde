"""Shifts follow a task's own schedule or its activity's dates (volunteers/shifts.py): made
up to the horizon, moved when the schedule changes, cancelled (never deleted) when a date
with volunteers drops out, and every volunteer hears of a change once."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from activities import recurrence, services
from activities.models import Frequency, Occurrence
from network.models import OutboxMessage
from network.shared import DomainError
from tests.activities.factories import make_activity
from tests.factories import UserFactory
from tests.volunteers.factories import SignUpFactory, TaskFactory
from volunteers import shifts
from volunteers.models import Shift, SignUpStatus, Task

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def next_weekday(weekday: int, weeks: int = 1) -> date:
    day = timezone.localdate() + timedelta(days=7 * weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def own_task(organisation, **fields) -> Task:
    values = {
        "organisation": organisation,
        "title": "Tafels dekken",
        "start_date": next_weekday(1),
        "start_time": time(10),
        "end_time": time(12),
        "frequency": Frequency.WEEKLY,
        "volunteers_needed": 3,
        **fields,
    }
    return TaskFactory(**values)


def change(task: Task, **fields) -> dict:
    for name, value in fields.items():
        setattr(task, name, value)
    task.save()
    return shifts.sync_shifts(task=task)


def volunteer(language="en", email=None):
    return UserFactory(language=language, **({"email": email} if email else {}))


# A task with its own schedule -------------------------------------------------------------


def test_a_weekly_task_has_a_shift_per_date_up_to_the_horizon_at_its_local_times(world):
    task = own_task(world.organisation)
    result = shifts.sync_shifts(task=task)

    expected = list(
        recurrence.expand(
            recurrence.Schedule.of(task),
            start=timezone.localdate(),
            end=services.horizon_end(),
        )
    )
    stored = list(Shift.objects.filter(task=task).order_by("starts_at"))
    assert result["created"] == len(stored) == len(expected) > 50
    assert [shift.original_date for shift in stored] == expected
    for shift in stored:
        local = shift.starts_at.astimezone(AMSTERDAM)
        # 10:00 local time in winter and in summer (DST).
        assert (local.hour, local.minute) == (10, 0)
        assert shift.ends_at - shift.starts_at == timedelta(hours=2)
        assert shift.places == 3 and shift.occurrence is None
    task.refresh_from_db()
    assert task.materialised_until == services.horizon_end()
    # Syncing again changes nothing.
    assert shifts.sync_shifts(task=task) == dict.fromkeys(
        ["created", "moved", "cancelled", "restored", "removed"], 0
    )


def test_a_shift_past_midnight_ends_the_next_day(world):
    task = own_task(
        world.organisation, frequency=Frequency.ONCE, start_time=time(22), end_time=time(1)
    )
    shifts.sync_shifts(task=task)
    shift = Shift.objects.get(task=task)
    assert shift.ends_at - shift.starts_at == timedelta(hours=3)


@pytest.mark.parametrize(
    "fields",
    [{"start_time": None}, {"end_time": None}, {"start_time": time(10), "end_time": time(10)}],
)
def test_a_task_with_its_own_dates_needs_times(world, fields):
    task = own_task(world.organisation, **fields)
    with pytest.raises(DomainError):
        shifts.sync_shifts(task=task)
    assert not Shift.objects.filter(task=task).exists()


def test_a_schedule_that_makes_no_sense_is_a_domain_error(world):
    task = own_task(world.organisation, until=next_weekday(1) - timedelta(days=7))
    with pytest.raises(DomainError):
        shifts.sync_shifts(task=task)


def test_a_new_time_moves_the_coming_shifts_and_tells_each_volunteer_once(
    world, django_capture_on_commit_callbacks
):
    task = own_task(world.organisation)
    shifts.sync_shifts(task=task)
    first, second, third = Shift.objects.filter(task=task).order_by("starts_at")[:3]
    anna, bert = volunteer("en", "anna@example.org"), volunteer("nl", "bert@example.org")
    SignUpFactory(shift=first, volunteer=anna)
    SignUpFactory(shift=second, volunteer=anna)
    SignUpFactory(shift=first, volunteer=bert)
    SignUpFactory(shift=third, volunteer=bert, status=SignUpStatus.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        result = change(task, start_time=time(14), end_time=time(16))

    assert result["moved"] == Shift.objects.filter(task=task).count()
    first.refresh_from_db()
    assert first.starts_at.astimezone(AMSTERDAM).hour == 14
    assert first.sequence == 1
    # One e-mail each, however many of their shifts moved; nobody who signed off.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "anna@example.org",
        "bert@example.org",
    ]
    anna_mail = next(message for message in mail.outbox if message.to == ["anna@example.org"])
    assert anna_mail.subject == "Your shifts have a new time or place"
    assert anna_mail.body.count("Tafels dekken") == 2
    assert "14:00" in anna_mail.body and "Was:" in anna_mail.body and "10:00" in anna_mail.body
    assert "/vrijwilligers/" in anna_mail.body
    # Nobody else's name travels.
    assert bert.name not in anna_mail.body
    html = anna_mail.alternatives[0]
    assert html[1] == "text/html" and "14:00" in html[0]
    # In the recipient's language (Django's own Dutch month and day names).
    bert_mail = next(message for message in mail.outbox if message.to == ["bert@example.org"])
    day_name = first.starts_at.astimezone(AMSTERDAM).strftime("%A").lower()
    assert day_name not in bert_mail.body.lower()


def test_dates_that_drop_out_are_cancelled_when_someone_signed_up_and_deleted_when_empty(
    world, django_capture_on_commit_callbacks
):
    task = own_task(world.organisation)
    shifts.sync_shifts(task=task)
    first, second, third, fourth = Shift.objects.filter(task=task).order_by("starts_at")[:4]
    anna = volunteer(email="anna@example.org")
    SignUpFactory(shift=second, volunteer=anna)
    SignUpFactory(shift=fourth, volunteer=anna)
    waiting = SignUpFactory(shift=fourth, volunteer=volunteer(email="wacht@example.org"))
    waiting.status = SignUpStatus.WAITING
    waiting.save()
    old_history = SignUpFactory(shift=third, status=SignUpStatus.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        result = change(task, frequency=Frequency.BIWEEKLY)  # the 2nd, 4th, … drop out

    second.refresh_from_db()
    fourth.refresh_from_db()
    assert second.is_cancelled and fourth.is_cancelled
    assert second.cancelled_at is not None and second.sequence == 1
    # A sign-up that was cancelled long ago still keeps its shift (hours, history).
    assert Shift.objects.filter(pk=old_history.shift_id).exists()
    assert Shift.objects.get(pk=first.pk).is_cancelled is False
    assert result["cancelled"] == 2
    assert result["removed"] > 10
    # Empty dropped shifts are gone.
    sixth_day = first.original_date + timedelta(weeks=5)
    assert not Shift.objects.filter(task=task, original_date=sixth_day).exists()
    # Anna hears once of both of her shifts; the waiting volunteer of theirs.
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["anna@example.org", "wacht@example.org"]
    assert by_address["anna@example.org"].subject == "Shifts of yours are cancelled"
    assert by_address["wacht@example.org"].subject == "A shift of yours is cancelled"

    # Back to weekly: the cancelled shifts take place again, and they hear that once.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = change(task, frequency=Frequency.WEEKLY)
    second.refresh_from_db()
    assert not second.is_cancelled and second.sequence == 2 and second.cancelled_at is None
    assert result["restored"] == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "anna@example.org",
        "wacht@example.org",
    ]
    assert mail.outbox[0].subject.endswith("after all")


def test_fewer_volunteers_needed_never_takes_a_place_from_a_volunteer(world):
    task = own_task(world.organisation, volunteers_needed=3)
    shifts.sync_shifts(task=task)
    first, second = Shift.objects.filter(task=task).order_by("starts_at")[:2]
    SignUpFactory(shift=first)
    SignUpFactory(shift=first)
    change(task, volunteers_needed=1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.places, first.confirmed_count) == (2, 2)
    assert second.places == 1
    change(task, volunteers_needed=4)
    first.refresh_from_db()
    assert first.places == 4


def test_more_places_offer_them_to_the_waiting_list(world, django_capture_on_commit_callbacks):
    task = own_task(world.organisation, volunteers_needed=1)
    shifts.sync_shifts(task=task)
    first = Shift.objects.filter(task=task).order_by("starts_at").first()
    SignUpFactory(shift=first)
    waiting = SignUpFactory(shift=first, status=SignUpStatus.WAITING)
    with django_capture_on_commit_callbacks(execute=True):
        change(task, volunteers_needed=2)
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.OFFERED


def test_past_and_begun_shifts_are_never_touched(world):
    task = own_task(world.organisation, frequency=Frequency.DAILY, start_date=timezone.localdate())
    shifts.sync_shifts(task=task)
    begun = Shift.objects.filter(task=task).order_by("starts_at").first()
    past_start = timezone.now() - timedelta(hours=1)
    Shift.objects.filter(pk=begun.pk).update(
        starts_at=past_start, ends_at=past_start + timedelta(hours=2)
    )
    SignUpFactory(shift=begun)
    change(task, start_time=time(15), end_time=time(17), frequency=Frequency.WEEKLY)
    begun.refresh_from_db()
    assert begun.starts_at == past_start and not begun.is_cancelled and begun.sequence == 0


def test_a_shift_moved_to_another_day_is_reminded_again(world):
    task = own_task(world.organisation, frequency=Frequency.ONCE)
    shifts.sync_shifts(task=task)
    signup = SignUpFactory(shift=Shift.objects.get(task=task))
    type(signup).objects.filter(pk=signup.pk).update(reminder_sent_at=timezone.now())
    change(task, start_time=time(11), end_time=time(13))  # same day: reminded already
    signup.refresh_from_db()
    assert signup.reminder_sent_at is not None
    # Another first date is another shift: the old one is cancelled (someone is on it).
    change(task, start_date=task.start_date + timedelta(days=1))
    signup.refresh_from_db()
    assert signup.shift.is_cancelled


# A task that follows an activity ----------------------------------------------------------


@pytest.fixture
def weekly(world):
    return make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        start_date=next_weekday(3),
        start_time=time(10),
        end_time=time(11, 30),
        frequency=Frequency.WEEKLY,
    )


def activity_task(activity, **fields) -> Task:
    return TaskFactory(
        organisation=activity.organisation,
        activity=activity,
        start_date=None,
        title="Koffie schenken",
        volunteers_needed=2,
        **fields,
    )


def test_a_task_following_an_activity_has_a_shift_per_coming_date_at_its_times(world, weekly):
    dates = list(weekly.occurrences.filter(starts_at__gte=timezone.now()).order_by("starts_at"))
    cancelled = dates[2]
    services.cancel_occurrence(occurrence=cancelled)
    task = activity_task(weekly)
    shifts.sync_shifts(task=task)

    stored = {shift.occurrence_id: shift for shift in Shift.objects.filter(task=task)}
    assert set(stored) == {occurrence.pk for occurrence in dates} - {cancelled.pk}
    for occurrence in dates:
        if occurrence.pk == cancelled.pk:
            continue
        shift = stored[occurrence.pk]
        assert (shift.starts_at, shift.ends_at) == (occurrence.starts_at, occurrence.ends_at)
        assert shift.original_date == occurrence.original_date
        assert shift.places == 2


def test_a_date_without_an_end_time_gives_a_shift_of_two_hours(world):
    activity = make_activity(
        organisation=world.organisation, frequency=Frequency.ONCE, end_time=None
    )
    task = activity_task(activity)
    shifts.sync_shifts(task=task)
    shift = Shift.objects.get(task=task)
    assert shift.ends_at - shift.starts_at == shifts.DEFAULT_LENGTH


def test_the_task_s_own_times_apply_on_the_activity_s_dates(world, weekly):
    """Setting up an hour before: the task's times on each date's day."""
    task = activity_task(weekly, start_time=time(9), end_time=time(10))
    shifts.sync_shifts(task=task)
    shift = Shift.objects.filter(task=task).order_by("starts_at").first()
    local = shift.starts_at.astimezone(AMSTERDAM)
    assert (local.hour, local.date()) == (
        9,
        shift.occurrence.starts_at.astimezone(AMSTERDAM).date(),
    )


def test_the_nightly_job_adds_shifts_for_dates_the_activity_gained(world):
    activity = make_activity(organisation=world.organisation, frequency=Frequency.WEEKLY, count=3)
    task = activity_task(activity)
    shifts.sync_shifts(task=task)
    assert Shift.objects.filter(task=task).count() == 3
    # More dates (no event announces a new date): the nightly job makes their shifts.
    services.update_activity(activity=activity, data={"count": 5})
    assert Occurrence.objects.filter(activity=activity).count() == 5
    assert shifts.extend_shifts() >= 1
    assert Shift.objects.filter(task=task).count() == 5


def test_the_nightly_job_extends_own_schedules_and_skips_a_task_it_cannot_sync(world, caplog):
    task = own_task(world.organisation, frequency=Frequency.DAILY)
    shifts.sync_shifts(task=task)
    horizon = services.horizon_end()
    Shift.objects.filter(task=task, original_date__gt=horizon - timedelta(days=10)).delete()
    Task.objects.filter(pk=task.pk).update(materialised_until=horizon - timedelta(days=10))
    broken = own_task(world.organisation, title="Zonder tijd")
    Task.objects.filter(pk=broken.pk).update(start_time=None)
    closed = own_task(world.organisation, title="Gesloten", is_active=False)

    assert shifts.extend_shifts() == 1
    assert Shift.objects.filter(task=task, original_date=horizon).exists()
    assert not Shift.objects.filter(task=closed).exists()
    assert "has no shifts" in caplog.text


def test_a_task_that_now_follows_an_activity_drops_its_own_dates(world, weekly):
    task = own_task(world.organisation, frequency=Frequency.WEEKLY)
    shifts.sync_shifts(task=task)
    kept = Shift.objects.filter(task=task).order_by("starts_at").first()
    SignUpFactory(shift=kept)
    change(task, activity=weekly, start_date=None, start_time=None, end_time=None)
    kept.refresh_from_db()
    assert kept.is_cancelled
    live = Shift.objects.filter(task=task, is_cancelled=False)
    assert live.count() == weekly.occurrences.filter(starts_at__gte=timezone.now()).count()
    assert all(shift.occurrence_id for shift in live)


def test_a_change_that_rolls_back_tells_nobody(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    task = own_task(world.organisation, frequency=Frequency.ONCE)
    shifts.sync_shifts(task=task)
    SignUpFactory(shift=Shift.objects.get(task=task))
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                change(task, start_time=time(15), end_time=time(16))
                raise RuntimeError("the page failed")
        except RuntimeError:
            pass
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []
    assert Shift.objects.get(task=task).starts_at.astimezone(AMSTERDAM).hour == 10


def test_the_shift_s_datetime_helpers_are_dst_aware():
    winter, summer = date(2026, 1, 6), date(2026, 7, 7)
    starts, _ends = shifts._between(winter, time(10), time(12))
    assert starts == datetime(2026, 1, 6, 9, tzinfo=ZoneInfo("UTC"))
    starts, _ends = shifts._between(summer, time(10), time(12))
    assert starts == datetime(2026, 7, 7, 8, tzinfo=ZoneInfo("UTC"))


def test_the_nightly_job_runs_by_hand(world):
    from io import StringIO

    from django.core.management import call_command

    task = own_task(world.organisation)
    out = StringIO()
    call_command("run_job", "extend-shifts", stdout=out)
    assert "extend-shifts: 1" in out.getvalue()
    assert Shift.objects.filter(task=task).exists()
