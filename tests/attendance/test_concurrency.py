"""Taps at the same moment, on PostgreSQL (each thread its own connection, released by a
barrier): the unique constraints decide, so there is one roll-call and one row per person,
and nobody sees an error."""

import pytest

from attendance import services
from attendance.models import Attendance, RollCall
from tests.volunteers.test_signups_concurrency import race

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql_only]


def test_concurrent_taps_make_one_roll_call_and_one_row_each(world):
    keep_attendance(world.organisation)
    occurrence = date_of(activity_of(world.organisation))
    people = [ParticipantFactory(organisation=world.organisation) for _ in range(3)]
    coordinator = world.users["coordinator"]

    def tap(participant):
        return lambda: services.mark_attendance(
            occurrence=occurrence, participant=participant, present=True, by=coordinator
        )

    results = race([tap(person) for person in people for _ in range(3)])
    assert results == [None] * 9
    assert RollCall.objects.filter(occurrence=occurrence).count() == 1
    assert Attendance.objects.filter(occurrence=occurrence).count() == 3
