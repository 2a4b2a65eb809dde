"""The summaries under concurrency, on PostgreSQL (each thread its own connection): a
reader while a refresh is under way sees the summaries before it, whole; two refreshes at
once leave the same rows as one."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.http import QueryDict

from overviews import summary
from overviews.figures import BEFORE, NOW, Scope, _tally
from overviews.models import SummaryParticipants, SummaryState
from overviews.periods import chosen_period
from tests.overviews.factories import YEAR, came, held_on, make_scene
from tests.volunteers.test_signups_concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql_only]


def _period():
    return chosen_period(QueryDict(f"jaar={YEAR}&deel=jaar&vergelijk=vorige"))[0]


def test_a_reader_during_a_refresh_sees_the_summaries_before_it(world):
    scene = make_scene(world)
    scope = Scope.of(world.municipality)
    before = summary.tallies(scope, _period(), _tally, NOW, BEFORE)
    three = list(world.organisation.participants.order_by("pk")[:3])
    came(three, held_on(scene["activity"], date(YEAR, 9, 1)))
    written, release = threading.Event(), threading.Event()

    def refresh_and_wait():
        try:
            with transaction.atomic():
                summary.refresh(full=True)  # rows deleted and written, not committed
                written.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=refresh_and_wait)
    thread.start()
    try:
        assert written.wait(30)
        seen = summary.tallies(Scope.of(world.municipality), _period(), _tally, NOW, BEFORE)
        assert seen == before
    finally:
        release.set()
        thread.join()
    after = summary.tallies(Scope.of(world.municipality), _period(), _tally, NOW, BEFORE)
    assert after["participations"]["total"][None][NOW][0] == (
        before["participations"]["total"][None][NOW][0] + 3
    )


def test_two_refreshes_at_once_leave_the_rows_of_one(world):
    make_scene(world)
    rows = SummaryParticipants.objects.count()
    version = SummaryState.objects.get().version
    race([lambda: summary.refresh(full=True), lambda: summary.refresh(full=True)])
    assert SummaryParticipants.objects.count() == rows
    assert SummaryState.objects.get().version == version + 2
