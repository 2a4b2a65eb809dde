"""The day view stops counting at a thousand dates: counting every coming date of a region
costs more than the page itself, and "more than 1000" tells a resident just as much."""

import re

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Frequency
from tests.activities.factories import make_activity


def test_the_count_stops_at_the_cap_and_says_so(world, client, monkeypatch):
    monkeypatch.setattr("activities.views.agenda.MAX_COUNTED", 3)
    monkeypatch.setattr("activities.views.agenda.PAGE_SIZE", 2)
    make_activity(organisation=world.organisation, title="Ochtendgym", frequency=Frequency.DAILY)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with CaptureQueriesContext(connection) as captured:
        page = " ".join(client.get(reverse("activities:agenda")).content.decode().split())
    assert "More than 3 dates: choose a day or a filter to see fewer." in page
    assert "Page 1 of" not in page and "Page 1" in page
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts if "activities_occurrence" in sql)


def test_a_small_selection_is_counted_exactly(world, client):
    make_activity(organisation=world.organisation, title="Bingo")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = " ".join(client.get(reverse("activities:agenda")).content.decode().split())
    assert "dates found" in page and "More than" not in page


def test_paging_on_past_the_cap_always_finds_the_next_page(world, client, monkeypatch):
    """The count stops at the cap, but never before the page asked for: a resident who
    keeps pressing "Next" sees every coming date."""
    monkeypatch.setattr("activities.views.agenda.MAX_COUNTED", 3)
    monkeypatch.setattr("activities.views.agenda.PAGE_SIZE", 2)
    make_activity(organisation=world.organisation, title="Ochtendgym", frequency=Frequency.DAILY)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    seen = set()
    url, number = reverse("activities:agenda"), 1
    while number <= 6:
        page = client.get(url, {"page": number}).content.decode()
        days = set(re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})T', page))
        assert len(days) == 2 and not days & seen, number  # two new dates on every page
        seen |= days
        assert 'rel="next"' in page
        number += 1
    assert len(seen) == 12
