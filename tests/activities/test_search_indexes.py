"""The agenda's search uses its indexes on PostgreSQL (activities/migrations/0009): an index
whose expression differs in the least from what the ORM writes is silently ignored, and
every search then computes the text of every activity again."""

import pytest
from django.db import connection

from activities.filters import matching_activities
from tests.activities.factories import make_activity

pytestmark = pytest.mark.postgresql_only


def test_a_search_reads_both_indexes(world):
    make_activity(organisation=world.organisation, title="Koffieochtend")
    make_activity(organisation=world.organisation, title="Breiclub")
    with connection.cursor() as cursor:
        # A test table is tiny: without this the planner rightly reads it whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = matching_activities("ochtend").explain()
    assert "activity_search" in plan and "activity_title_trigram" in plan, plan


def test_the_search_still_finds_part_of_a_word(world, client):
    make_activity(organisation=world.organisation, title="Koffieochtend")
    assert "Koffieochtend" in client.get("/agenda/", {"q": "ochtend"}).content.decode()
