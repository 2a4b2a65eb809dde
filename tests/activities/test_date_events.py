"""Dates other apps hang rows on: never deleted while anything hangs on them, and every
change (called off, moved, back on) announced through activities.events, so registered
people hear of it once, and later apps (shifts, attendance) can follow."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from activities import events, services
from activities.models import CancelledBy, Frequency, Occurrence, Registration, Status
from network.models import OutboxMessage
from tests.activities.factories import PlaceFactory, make_activity
from tests.testapp.models import Shift

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int, weeks: int = 1):
    day = timezone.localdate() + timedelta(days=7 * weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@pytest.fixture
def weekly(world):
    return make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        start_date=next_weekday(3),
        start_time=time(10),
        end_time=time(11, 30),
        frequency=Frequency.WEEKLY,
        registration_required=True,
        capacity=10,
    )


@pytest.fixture
def heard():
    """What the date events tell a receiver of another app."""
    received: list[tuple[str, list[int]]] = []

    def receiver(name):
        def on_event(sender, *, occurrences, **kwargs):
            received.append((name, sorted(o.pk for o in occurrences)))

        return on_event

    handlers = {
        "cancelled": receiver("cancelled"),
        "moved": receiver("moved"),
        "restored": receiver("restored"),
    }
    events.date_cancelled.connect(handlers["cancelled"])
    events.date_moved.connect(handlers["moved"])
    events.date_restored.connect(handlers["restored"])
    yield received
    events.date_cancelled.disconnect(handlers["cancelled"])
    events.date_moved.disconnect(handlers["moved"])
    events.date_restored.disconnect(handlers["restored"])


def register(occurrence, email="truus@example.org", language="en") -> Registration:
    return Registration.objects.create(
        occurrence=occurrence,
        name="Truus",
        email=email,
        status="confirmed",
        language=language,
    )


def test_a_date_with_a_row_of_an_unknown_kind_is_cancelled_not_deleted(weekly, heard):
    """The rule is generic: `activities` does not know shifts, yet keeps their dates."""
    first, second, third = weekly.occurrences.order_by("starts_at")[:3]
    shift = Shift.objects.create(occurrence=second, task="koffie schenken")
    weekly.frequency = Frequency.BIWEEKLY  # the second date drops out, and the fourth
    weekly.save()
    result = services.materialise_occurrences(activity=weekly)

    assert Shift.objects.filter(pk=shift.pk).exists()
    second.refresh_from_db()
    assert second.is_cancelled and second.cancelled_by == CancelledBy.SCHEDULE
    # A dropped date nothing hangs on is simply gone.
    fourth_day = first.original_date + timedelta(weeks=3)
    assert not weekly.occurrences.filter(original_date=fourth_day).exists()
    assert result["cancelled"] == 1 and result["removed"] >= 1
    assert ("cancelled", [second.pk]) in heard
    assert third.pk not in {pk for _name, pks in heard for pk in pks}


def test_withdrawing_an_activity_with_something_on_its_dates_keeps_it_as_draft(world):
    draft = make_activity(organisation=world.organisation, title="Idee", status=Status.DRAFT)
    Shift.objects.create(occurrence=draft.occurrences.first(), task="opbouwen")
    assert services.withdraw_activity(activity=draft) is False
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    bare = make_activity(organisation=world.organisation, title="Leeg", status=Status.DRAFT)
    assert services.withdraw_activity(activity=bare) is True
    assert not Occurrence.objects.filter(activity_id=bare.pk).exists()


def test_moving_one_date_tells_the_people_registered_once(world, weekly, heard):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    registration = register(occurrence)
    register(occurrence, email="bep@example.org", language="nl")
    Registration.objects.create(
        occurrence=occurrence, name="Cor", phone="0612345678", status="confirmed"
    )
    hall = PlaceFactory(name="Dorpshuis De Schakel", municipality=world.municipality)
    new_day = occurrence.original_date + timedelta(days=1)

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.change_occurrence(
            occurrence=occurrence,
            day=new_day,
            start_time=time(14),
            end_time=time(15),
            place=hall,
        )

    assert heard == [("moved", [occurrence.pk])]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"truus@example.org", "bep@example.org"}  # Cor gave no address
    english = by_address["truus@example.org"]
    assert english.subject == "The date you registered for has changed"
    assert "14:00" in english.body and "Dorpshuis De Schakel" in english.body
    assert "Truus" not in english.body and "Truus" not in english.subject
    token_link = f"/aanmelding/{registration.token}/"
    assert settings.SITE_URL + token_link in english.body
    assert (
        by_address["bep@example.org"].subject == "De datum waarvoor u zich aanmeldde is gewijzigd"
    )
    # Saving the same time and place again is no move: nobody is told twice.
    mail.outbox.clear()
    occurrence.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.change_occurrence(
            occurrence=occurrence, day=new_day, start_time=time(14), end_time=time(15), place=hall
        )
    assert mail.outbox == []


def test_a_changed_schedule_moves_the_dates_and_tells_the_people_registered(weekly, heard):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    register(occurrence)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_activity(activity=weekly, data={"start_time": time(10, 30)})
    occurrence.refresh_from_db()
    assert timezone.localtime(occurrence.starts_at).time() == time(10, 30)
    moved = [pks for name, pks in heard if name == "moved"]
    assert moved and occurrence.pk in moved[0]
    assert [m.subject for m in mail.outbox] == ["The date you registered for has changed"]


def test_cancelling_and_restoring_a_date_tells_the_people_registered(weekly, heard):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    register(occurrence)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.cancel_occurrence(occurrence=occurrence, reason="De zaal is bezet")
        services.cancel_occurrence(occurrence=occurrence, reason="Andere reden")  # no news
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.restore_occurrence(occurrence=occurrence)
    assert heard == [("cancelled", [occurrence.pk]), ("restored", [occurrence.pk])]
    assert [m.subject for m in mail.outbox] == [
        "An activity you registered for does not go ahead",
        "The date you registered for goes ahead after all",
    ]


def test_cancelling_the_activity_tells_each_date_once(weekly, heard):
    first, second = weekly.occurrences.order_by("starts_at")[:2]
    register(first)
    register(second)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.cancel_occurrence(occurrence=first, reason="Vakantie")
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.cancel_activity(activity=weekly, reason="We stoppen")
    # The first date was called off already: only the second hears it now.
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.filter(kind="activities.registration_cancelled").count() == 2


def test_a_change_that_rolls_back_tells_nobody(weekly):
    occurrence = weekly.occurrences.order_by("starts_at").first()
    register(occurrence)
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.cancel_occurrence(occurrence=occurrence, reason="Toch niet")
        raise RuntimeError("something else failed")
    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(kind__startswith="activities.registration").exists()
