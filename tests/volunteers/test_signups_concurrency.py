"""Places under concurrent requests, on PostgreSQL: many threads, each its own database
connection, released at the same moment by a barrier. Only the row lock on the shift
(and, last, the check constraint shift_never_overbooked) decides who gets a place.

Run with DATABASE_URL=postgres://… (CI does); on SQLite, whose in-memory test database has
no row locks and refuses concurrent writers outright, they are deselected
(`postgresql_only`, tests/conftest.py)."""

import threading

import pytest
from django.db import connection
from django.utils.translation import gettext as _

from network.models import Role
from network.shared import DomainError
from tests.factories import MembershipFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers import signups
from volunteers.models import Shift, SignUp, SignUpStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql_only]

CONFIRMED = SignUpStatus.CONFIRMED
WAITING = SignUpStatus.WAITING
OFFERED = SignUpStatus.OFFERED
CANCELLED = SignUpStatus.CANCELLED


def volunteers(organisation, n):
    people = [UserFactory() for _ in range(n)]
    for person in people:
        MembershipFactory(user=person, role=Role.VOLUNTEER, organisation=organisation)
    return people


def race(jobs):
    """Run every job in its own thread (and connection), all released at once. Returns
    what each returned, or the DomainError it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except DomainError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def counts(shift):
    return {
        status: SignUp.objects.filter(shift=shift, status=status).count()
        for status in (CONFIRMED, WAITING, OFFERED, CANCELLED)
    }


def assert_consistent(shift):
    shift.refresh_from_db()
    found = counts(shift)
    assert shift.confirmed_count == found[CONFIRMED]
    assert found[CONFIRMED] + found[OFFERED] <= shift.places


def test_fifty_concurrent_sign_ups_for_three_places(world):
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=3))
    people = volunteers(world.organisation, 50)
    results = race([lambda p=p: signups.sign_up(shift=shift, volunteer=p) for p in people])
    assert not [r for r in results if isinstance(r, Exception)]
    assert counts(shift) == {CONFIRMED: 3, WAITING: 47, OFFERED: 0, CANCELLED: 0}
    assert_consistent(shift)


def test_the_same_volunteer_clicking_ten_times_at_once_gets_one_sign_up(world):
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=3))
    [person] = volunteers(world.organisation, 1)
    results = race([lambda: signups.sign_up(shift=shift, volunteer=person)] * 10)
    assert sum(isinstance(r, SignUp) for r in results) == 1
    assert counts(shift)[CONFIRMED] == 1
    assert_consistent(shift)


@pytest.fixture
def full_shift(world):
    """Three places taken, five volunteers waiting (in this order)."""
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=3))
    people = volunteers(world.organisation, 8)
    made = [signups.sign_up(shift=shift, volunteer=p) for p in people]
    assert [s.status for s in made] == [CONFIRMED] * 3 + [WAITING] * 5
    return shift, made


def test_cancellations_racing_new_sign_ups_offer_places_to_the_waiting_list(world, full_shift):
    shift, made = full_shift
    newcomers = volunteers(world.organisation, 10)
    jobs = [lambda s=s: signups.cancel_signup(signup=s) for s in made[:2]]
    jobs += [lambda p=p: signups.sign_up(shift=shift, volunteer=p) for p in newcomers]
    results = race(jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    # Two cancellations at once: each freed place went, as an offer, to the next in line;
    # no newcomer jumped the queue, nobody was confirmed without knowing.
    statuses = [SignUp.objects.get(pk=s.pk).status for s in made]
    assert statuses == [
        CANCELLED,
        CANCELLED,
        CONFIRMED,
        OFFERED,
        OFFERED,
        WAITING,
        WAITING,
        WAITING,
    ]
    assert SignUp.objects.filter(volunteer__in=newcomers, status=WAITING).count() == 10
    assert_consistent(shift)


def test_accepting_declining_expiring_and_cancelling_at_once(world, full_shift):
    from datetime import timedelta

    from django.utils import timezone

    shift, made = full_shift
    signups.cancel_signup(signup=made[0])
    signups.cancel_signup(signup=made[1])
    offered = [SignUp.objects.get(pk=s.pk) for s in made[3:5]]
    assert [s.status for s in offered] == [OFFERED, OFFERED]
    later = timezone.now() + timedelta(hours=1)
    newcomers = volunteers(world.organisation, 5)
    jobs = [
        lambda: signups.accept_offer(signup=offered[0]),
        lambda: signups.decline_offer(signup=offered[1]),
        lambda: signups.cancel_signup(signup=made[2]),
        lambda: signups.expire_offers(now=later),
        lambda: signups.expire_offers(now=later),
        *[lambda p=p: signups.sign_up(shift=shift, volunteer=p) for p in newcomers],
    ]
    results = race(jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    assert_consistent(shift)
    found = counts(shift)
    assert found[CONFIRMED] == 1  # the accepted offer
    # The two other places are on offer to the next two of the original waiting list.
    assert found[OFFERED] == 2
    assert {s.pk for s in SignUp.objects.filter(shift=shift, status=OFFERED)} == {
        made[5].pk,
        made[6].pk,
    }


def test_two_volunteers_taking_over_one_shift_at_once(world):
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=2))
    original, *takers = volunteers(world.organisation, 6)
    signup = SignUpFactory(shift=shift, volunteer=original)
    signups.ask_stand_in(signup=signup)
    results = race([lambda p=p: signups.take_over(signup=signup, volunteer=p) for p in takers])
    winners = [r for r in results if isinstance(r, SignUp)]
    assert len(winners) == 1
    # The losers hear why, in the site's language (the threads spoke Dutch, as this test).
    quicker = _("This shift no longer needs a stand-in: someone was quicker.")
    assert all(str(r) == quicker for r in results if isinstance(r, DomainError))
    signup.refresh_from_db()
    assert signup.taken_over_by == winners[0]
    assert counts(shift) == {CONFIRMED: 1, WAITING: 0, OFFERED: 0, CANCELLED: 1}
    assert Shift.objects.get(pk=shift.pk).confirmed_count == 1
