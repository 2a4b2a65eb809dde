"""Check-ins under concurrency, on PostgreSQL (each thread its own connection, released by a
barrier): reminder runs at the same time remind each request once; an answer racing a
withdrawal, or a second answer, leaves exactly one of them and a message for the other."""

from datetime import timedelta

import pytest
from django.utils import timezone

from attendance import checkins
from attendance.models import CheckIn
from network.models import OutboxMessage
from network.shared import DomainError
from tests.volunteers.test_signups_concurrency import race

from .factories import ParticipantFactory, keep_attendance

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql_only]


def _requests(world, n: int) -> list[CheckIn]:
    keep_attendance(world.organisation)
    return [
        checkins.ask_check_in(
            participant=ParticipantFactory(organisation=world.organisation, address="Dorp 1"),
            by=world.users["coordinator"],
            volunteer=world.users["volunteer"],
            what_is_asked="Even langsgaan",
        )
        for _ in range(n)
    ]


def test_reminder_runs_at_the_same_time_remind_each_request_once(world):
    _requests(world, 30)
    CheckIn.objects.update(due_on=timezone.localdate() - timedelta(days=1))
    results = race([lambda: checkins.queue_reminders(batch_size=4) for _ in range(4)])
    assert sum(r["volunteers"] for r in results) == 30
    reminders = OutboxMessage.objects.filter(kind="attendance.check_in_reminder_volunteer")
    assert reminders.count() == 30
    assert reminders.values("object_id").distinct().count() == 30
    later = timezone.now() + checkins.REMIND_COORDINATOR_AFTER + timedelta(minutes=1)
    results = race([lambda: checkins.queue_reminders(now=later, batch_size=4) for _ in range(4)])
    assert sum(r["coordinators"] for r in results) == 30
    assert checkins.queue_reminders(now=later) == {"volunteers": 0, "coordinators": 0}


def test_an_answer_racing_a_withdrawal_leaves_one_of_them(world):
    [check_in] = _requests(world, 1)
    volunteer = world.users["volunteer"]
    results = race(
        [
            lambda: checkins.answer_check_in(
                check_in=CheckIn.objects.get(pk=check_in.pk), by=volunteer, outcome="all_fine"
            ),
            lambda: checkins.cancel_check_in(check_in=CheckIn.objects.get(pk=check_in.pk)),
            lambda: checkins.answer_check_in(
                check_in=CheckIn.objects.get(pk=check_in.pk), by=volunteer, outcome="not_reached"
            ),
        ]
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 2
    check_in.refresh_from_db()
    assert (check_in.answered_at is None) != (check_in.cancelled_at is None)
