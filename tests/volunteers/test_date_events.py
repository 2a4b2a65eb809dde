"""Shifts hang on stored dates: when the agenda moves, cancels or restores a date (the
activities.events signals), its shifts follow and every volunteer on them hears of it once.
`activities` knows nothing of shifts: volunteers/apps.py connects the receivers."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from activities import services
from activities.models import Frequency
from network.models import OutboxMessage
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import UserFactory
from tests.volunteers.factories import SignUpFactory, TaskFactory
from volunteers import shifts
from volunteers.models import Shift, SignUpStatus

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def weekly(world):
    day = timezone.localdate() + timedelta(days=7)
    return make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        start_date=day + timedelta(days=(3 - day.weekday()) % 7),
        start_time=time(10),
        end_time=time(11, 30),
        frequency=Frequency.WEEKLY,
    )


def task_on(activity, title="Koffie schenken"):
    task = TaskFactory(
        organisation=activity.organisation, activity=activity, start_date=None, title=title
    )
    shifts.sync_shifts(task=task)
    return task


@pytest.fixture
def coffee(weekly):
    return task_on(weekly)


def shift_of(task, occurrence) -> Shift:
    return Shift.objects.get(task=task, occurrence=occurrence)


def people(*addresses, language="en"):
    return [UserFactory(email=address, language=language) for address in addresses]


def recipients() -> list[str]:
    return sorted(message.to[0] for message in mail.outbox)


def test_a_cancelled_date_cancels_its_shifts_and_tells_each_volunteer_once(
    weekly, coffee, django_capture_on_commit_callbacks
):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    tables = task_on(weekly, title="Tafels dekken")
    anna, bert, cor = people("anna@example.org", "bert@example.org", "cor@example.org")
    SignUpFactory(shift=shift_of(coffee, occurrence), volunteer=anna)
    SignUpFactory(shift=shift_of(tables, occurrence), volunteer=anna)  # two shifts that day
    SignUpFactory(shift=shift_of(coffee, occurrence), volunteer=bert)
    SignUpFactory(shift=shift_of(coffee, occurrence), volunteer=cor, status=SignUpStatus.CANCELLED)
    other_day = weekly.occurrences.order_by("starts_at")[1]
    SignUpFactory(shift=shift_of(coffee, other_day), volunteer=cor)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_occurrence(occurrence=occurrence, reason="De zaal is bezet")

    for task in (coffee, tables):
        shift = shift_of(task, occurrence)
        assert shift.is_cancelled and shift.sequence == 1
    assert not shift_of(coffee, other_day).is_cancelled
    assert recipients() == ["anna@example.org", "bert@example.org"]
    anna_mail = mail.outbox[0] if mail.outbox[0].to == [anna.email] else mail.outbox[1]
    assert anna_mail.subject == "Shifts of yours are cancelled"
    assert "Koffie schenken" in anna_mail.body and "Tafels dekken" in anna_mail.body
    # No reason, no other names.
    assert "zaal" not in anna_mail.body and bert.name not in anna_mail.body


def test_a_moved_date_moves_its_shifts_and_tells_the_volunteers_the_new_time(
    world, weekly, coffee, django_capture_on_commit_callbacks
):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    shift = shift_of(coffee, occurrence)
    signup = SignUpFactory(shift=shift, volunteer=people("anna@example.org")[0])
    waiting = SignUpFactory(
        shift=shift, volunteer=people("wacht@example.org")[0], status=SignUpStatus.WAITING
    )
    new_day = occurrence.original_date + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.change_occurrence(
            occurrence=occurrence, day=new_day, start_time=time(14), end_time=time(15, 30)
        )

    shift.refresh_from_db()
    local = shift.starts_at.astimezone(AMSTERDAM)
    assert (local.date(), local.hour) == (new_day, 14)
    assert shift.ends_at - shift.starts_at == timedelta(hours=1, minutes=30)
    assert shift.sequence == 1 and not shift.is_cancelled
    assert recipients() == [signup.volunteer.email, waiting.volunteer.email]
    message = mail.outbox[0]
    assert message.subject == "Your shift has a new time or place"
    assert "14:00" in message.body and "10:00" in message.body  # now, and what it was

    # Only the place changes: the shift's time stays, its sequence rises, they hear it.
    mail.outbox.clear()
    occurrence.refresh_from_db()
    hall = PlaceFactory(name="De Schakel", municipality=world.municipality)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_occurrence(
            occurrence=occurrence,
            day=new_day,
            start_time=time(14),
            end_time=time(15, 30),
            place=hall,
        )
    shift.refresh_from_db()
    assert shift.sequence == 2
    assert len(mail.outbox) == 2 and "De Schakel" in mail.outbox[0].body


def test_a_restored_date_restores_its_shifts(weekly, coffee, django_capture_on_commit_callbacks):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    shift = shift_of(coffee, occurrence)
    SignUpFactory(shift=shift, volunteer=people("anna@example.org")[0])
    services.cancel_occurrence(occurrence=occurrence)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.restore_occurrence(occurrence=occurrence)

    shift.refresh_from_db()
    assert not shift.is_cancelled and shift.cancelled_at is None and shift.sequence == 2
    assert recipients() == ["anna@example.org"]
    assert mail.outbox[0].subject == "A shift of yours takes place after all"


def test_a_cancelled_activity_cancels_every_coming_shift_and_restoring_it_restores_them(
    world, weekly, coffee, django_capture_on_commit_callbacks
):
    world.organisation.is_trusted = True  # restored: published again at once
    world.organisation.save()
    dates = list(weekly.occurrences.order_by("starts_at")[:3])
    anna = people("anna@example.org")[0]
    for occurrence in dates:
        SignUpFactory(shift=shift_of(coffee, occurrence), volunteer=anna)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_activity(activity=weekly)

    assert not Shift.objects.filter(task=coffee, is_cancelled=False).exists()
    assert recipients() == ["anna@example.org"]  # one e-mail for all three shifts
    assert mail.outbox[0].body.count("Koffie schenken") == 3
    # The nightly sync agrees: a cancelled activity has no live shifts.
    assert shifts.sync_shifts(task=coffee)["restored"] == 0

    mail.outbox.clear()
    weekly.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.restore_activity(activity=weekly)
    assert not Shift.objects.filter(task=coffee, is_cancelled=True).exists()
    assert recipients() == ["anna@example.org"]
    assert mail.outbox[0].subject == "Shifts of yours take place after all"


def test_a_schedule_change_of_the_activity_moves_and_cancels_shifts(
    weekly, coffee, django_capture_on_commit_callbacks
):
    first, second = weekly.occurrences.order_by("starts_at")[:2]
    anna, bert = people("anna@example.org", "bert@example.org")
    SignUpFactory(shift=shift_of(coffee, first), volunteer=anna)
    SignUpFactory(shift=shift_of(coffee, second), volunteer=bert)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_activity(
            activity=weekly,
            data={"frequency": Frequency.BIWEEKLY, "start_time": time(13), "end_time": time(15)},
        )

    moved = shift_of(coffee, first)
    assert moved.starts_at.astimezone(AMSTERDAM).hour == 13 and moved.sequence == 1
    # The second date dropped out; a shift with a volunteer keeps it (cancelled).
    assert shift_of(coffee, second).is_cancelled
    by_address = {message.to[0]: message.subject for message in mail.outbox}
    assert by_address == {
        "anna@example.org": "Your shift has a new time or place",
        "bert@example.org": "A shift of yours is cancelled",
    }


def test_a_change_to_a_date_that_rolls_back_tells_no_volunteer(
    weekly, coffee, django_capture_on_commit_callbacks
):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    SignUpFactory(shift=shift_of(coffee, occurrence))
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.cancel_occurrence(occurrence=occurrence)
                raise RuntimeError("the page failed")
        except RuntimeError:
            pass
    assert not shift_of(coffee, occurrence).is_cancelled
    assert not OutboxMessage.objects.filter(kind__startswith="volunteers.").exists()
    assert mail.outbox == []


def test_a_volunteer_who_signed_off_in_the_meantime_gets_no_message(
    weekly, coffee, django_capture_on_commit_callbacks
):
    """The sender reads the sign-up when it sends: the news must still apply."""
    from network import outbox

    occurrence = weekly.occurrences.order_by("starts_at").first()
    signup = SignUpFactory(shift=shift_of(coffee, occurrence))
    services.cancel_occurrence(occurrence=occurrence)  # queued, not yet delivered
    message = OutboxMessage.objects.get(kind="volunteers.shift_cancelled")
    type(signup).objects.filter(pk=signup.pk).update(status=SignUpStatus.CANCELLED)
    assert outbox.deliver(message.pk) is False
    assert mail.outbox == []


def test_an_activity_restored_for_approval_gets_its_shifts_back_by_the_nightly_sync(
    weekly, coffee, django_capture_on_commit_callbacks
):
    """Restored by an untrusted organisation, the activity waits for approval and no
    date is announced; the nightly sync restores the shifts once it is live again."""
    occurrence = weekly.occurrences.order_by("starts_at").first()
    SignUpFactory(shift=shift_of(coffee, occurrence), volunteer=people("anna@example.org")[0])
    services.cancel_activity(activity=weekly)
    weekly.refresh_from_db()
    services.restore_activity(activity=weekly)
    weekly.refresh_from_db()
    assert weekly.status != "cancelled"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert shifts.extend_shifts() == 1
    assert not shift_of(coffee, occurrence).is_cancelled
    assert recipients() == ["anna@example.org"]
