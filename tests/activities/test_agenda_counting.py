"""The day view stops counting at a thousand dates: counting every coming date of a region
costs more than the page itself, and "more than 1000" tells a resident just as much."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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


def test_a_week_is_paged_by_reading_one_date_more_than_the_page(world, client, monkeypatch):
    """The week counts no further than one page, without a count query: it reads one date
    more than the page. Every date shows once, the last page says how many in all, and a
    page past the end shows the last one."""
    monkeypatch.setattr("activities.views.agenda.PERIOD_PAGE_SIZE", 3)
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    make_activity(
        organisation=world.organisation,
        title="Ochtendgym",
        frequency=Frequency.DAILY,
        start_date=monday,
        count=7,
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    week = {"week": f"{monday:%G-W%V}"}
    seen = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(reverse("activities:agenda_week"), {**week, "page": number})
        page = " ".join(html.content.decode().split())
        days = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})T', page)
        seen += days
        if number < 3:
            assert len(days) == 3 and f"page={number + 1}" in page, number
            assert f"More than {3 * number} dates this week" in page
        else:
            assert len(days) == 1 and "page=4" not in page
            assert "7 dates this week" in page
        sql = [q["sql"] for q in captured.captured_queries if "activities_occurrence" in q["sql"]]
        assert not any("COUNT(" in query.upper() for query in sql), number
    assert len(set(seen)) == 7
    past_the_end = client.get(reverse("activities:agenda_week"), {**week, "page": 9})
    last = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})T', past_the_end.content.decode())
    assert last == seen[-1:]
