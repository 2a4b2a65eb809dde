"""Referrals under concurrency, on PostgreSQL (each thread its own connection, released by
a barrier): two team members accepting at once leave one acceptance; an acceptance racing
a cancellation leaves one of them; reminder runs at the same time remind each once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from network.models import AccessLogEntry, OutboxMessage, Role
from network.shared import DomainError
from referrals import services
from referrals.models import Referral, Status
from tests.factories import MembershipFactory
from tests.volunteers.test_signups_concurrency import race as _race

from .factories import send

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql_only]


def race(jobs):
    """tests.volunteers' race, closing the access log's connection of each thread too."""

    def closing(job):
        def run():
            try:
                return job()
            finally:
                connections["access_log"].close()

        return run

    return _race([closing(job) for job in jobs])


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def test_two_accepts_at_once_one_wins(world):
    referral = send(world)
    colleague = MembershipFactory(role=Role.WIJKTEAM, organisation=world.wijkteam).user
    members = [world.users["wijkteam"], colleague] * 3
    results = race(
        [
            lambda member=member: services.accept_referral(referral=fresh(referral), by=member)
            for member in members
        ]
    )
    won = [r for r in results if isinstance(r, Referral)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert (len(won), len(lost)) == (1, 5)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.transitions.filter(action="accept").count() == 1
    changes = AccessLogEntry.objects.filter(
        object_id=str(referral.pk), action="change", description="accept"
    )
    assert changes.count() == 1


def test_an_accept_racing_a_cancel_leaves_one_of_them(world):
    for _ in range(5):
        referral = send(world)
        results = race(
            [
                lambda referral=referral: services.accept_referral(
                    referral=fresh(referral), by=world.users["wijkteam"]
                ),
                lambda referral=referral: services.cancel_referral(
                    referral=fresh(referral),
                    by=world.users["coordinator"],
                    reason="no_longer_needed",
                ),
            ]
        )
        assert sum(isinstance(r, DomainError) for r in results) == 1
        referral.refresh_from_db()
        assert referral.status in (Status.ACCEPTED, Status.CANCELLED)
        assert referral.transitions.count() == 2


def test_reminder_runs_at_the_same_time_remind_each_once(world):
    for _ in range(20):
        send(world)
    Referral.objects.update(assigned_at=timezone.now() - timedelta(days=30))
    results = race([lambda: services.queue_reminders(batch_size=3) for _ in range(4)])
    assert sum(r["teams"] for r in results) == 20
    assert sum(r["senders"] for r in results) == 20
    for kind in ("referrals.reminder_team", "referrals.reminder_sender"):
        rows = OutboxMessage.objects.filter(kind=kind)
        assert rows.count() == 20
        assert rows.values("object_id").distinct().count() == 20


def test_purge_runs_at_the_same_time_purge_each_once(world):
    referrals = [send(world) for _ in range(12)]
    for referral in referrals:
        services.cancel_referral(
            referral=referral, by=world.users["coordinator"], reason="sent_by_mistake"
        )
    Referral.objects.update(closed_at=timezone.now() - timedelta(days=400))
    results = race([lambda: services.purge_expired(batch_size=2) for _ in range(3)])
    assert sum(results) == 12
    assert AccessLogEntry.objects.filter(actor_role="system").count() == 12
