"""Each activity's stored first date to come (`Activity.next_starts_at`): the order of a
search that matches more activities than a page (views.agenda._first_dates_of_many). The
services that add or move dates keep it, and the frequent job `refresh-next-dates` moves
it on when a date has passed."""

import re
from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Occurrence
from activities.tasks import refresh_next_dates
from tests.activities.factories import make_activity
from tests.factories import OrganisationFactory

AGENDA = reverse("activities:agenda")


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def many(monkeypatch):
    """More matching activities than a page, listed the way a region's common word is."""
    monkeypatch.setattr("activities.views.agenda.SEARCH_PAGE_SIZE", 2)
    monkeypatch.setattr("activities.filters.MAX_LISTED_ACTIVITIES", 0)


def soon(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def found(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="search-result__title"><a href="[^"]+">([^<]+)</a>', html)


def first_date(activity: Activity) -> Occurrence:
    return activity.occurrences.order_by("starts_at").first()


def test_creating_an_activity_stores_its_first_date_to_come(world):
    activity = make_activity(organisation=world.organisation, start_date=soon(3))
    activity.refresh_from_db()
    assert activity.next_starts_at == first_date(activity).starts_at
    past = make_activity(organisation=world.organisation, start_date=soon(-30), count=2)
    past.refresh_from_db()
    assert past.next_starts_at is None


def test_moving_a_date_reorders_the_search(world, en, many):
    make_activity(organisation=world.organisation, title="Koffie eerst", start_date=soon(2))
    later = make_activity(organisation=world.organisation, title="Koffie later", start_date=soon(5))
    make_activity(organisation=world.organisation, title="Koffie daarna", start_date=soon(4))
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie eerst", "Koffie daarna"]
    services.change_occurrence(
        occurrence=first_date(later), day=soon(1), start_time=time(10), end_time=time(11)
    )
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie later", "Koffie eerst"]


def test_a_changed_schedule_reorders_the_search(world, en, many):
    make_activity(organisation=world.organisation, title="Koffie eerst", start_date=soon(2))
    later = make_activity(organisation=world.organisation, title="Koffie later", start_date=soon(5))
    make_activity(organisation=world.organisation, title="Koffie daarna", start_date=soon(4))
    services.update_activity(activity=later, data={"start_date": soon(1)})
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie later", "Koffie eerst"]


def _let_first_date_pass(activity: Activity) -> None:
    """What time does to a stored first date: it began two hours ago and is over."""
    now = timezone.now()
    Occurrence.objects.filter(pk=first_date(activity).pk).update(
        starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    Activity.objects.filter(pk=activity.pk).update(next_starts_at=now - timedelta(hours=2))


def test_the_job_moves_a_passed_date_on_and_the_search_follows(world, en, many):
    # Weekly: "eerst" on days 1, 8, ...; "tweede" on days 3, 10, ...; "derde" 5, 12, ...
    first = make_activity(organisation=world.organisation, title="Koffie eerst", start_date=soon(1))
    make_activity(organisation=world.organisation, title="Koffie tweede", start_date=soon(3))
    make_activity(organisation=world.organisation, title="Koffie derde", start_date=soon(5))
    _let_first_date_pass(first)
    # Until the job runs, the stored order keeps it on the first page (the page itself
    # is ordered by the dates it shows, which are read from the dates).
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie tweede", "Koffie eerst"]
    assert refresh_next_dates() == 1
    first.refresh_from_db()
    assert first.next_starts_at == first.occurrences.upcoming().order_by("starts_at")[0].starts_at
    assert first.next_starts_at > timezone.now()
    cache.clear()  # the next 5-minute slot of the public cache (network.public_cache)
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie tweede", "Koffie derde"]
    assert found(en.get(AGENDA, {"q": "koffie", "page": "2"})) == ["Koffie eerst"]
    # Nothing passed since: the job has nothing to do, and run_job runs it by name.
    out = StringIO()
    call_command("run_job", "refresh-next-dates", stdout=out)
    assert refresh_next_dates() == 0


def test_a_date_still_going_on_stays_the_first(world):
    activity = make_activity(organisation=world.organisation, start_date=soon(2))
    now = timezone.now()
    going_on = first_date(activity)
    Occurrence.objects.filter(pk=going_on.pk).update(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    assert services.refresh_passed_next_dates() == 0  # stored value still in the future
    services.refresh_next_dates(activity_ids=[activity.pk])
    activity.refresh_from_db()
    assert activity.next_starts_at == now - timedelta(hours=1)
    assert services.refresh_passed_next_dates() == 1
    activity.refresh_from_db()
    assert activity.next_starts_at == now - timedelta(hours=1)


def test_with_a_date_filter_the_search_reads_the_dates(world, en, many):
    """The stored date knows nothing of a chosen day: with one, each activity's first
    matching date orders the list (the correlated subquery)."""
    make_activity(organisation=world.organisation, title="Koffie eerst", start_date=soon(1))
    make_activity(organisation=world.organisation, title="Koffie later", start_date=soon(5))
    make_activity(organisation=world.organisation, title="Koffie daarna", start_date=soon(3))
    days = {"q": "koffie", "start": soon(4).isoformat(), "end": soon(8).isoformat()}
    assert found(en.get(AGENDA, days)) == ["Koffie later", "Koffie eerst"]


def test_an_inactive_organisations_activities_are_not_listed(world, en, many):
    """activities_by_next_date leaves inactive organisations out by exclusion
    (ActivityQuerySet.public_by_exclusion): the same rows as public()."""
    gone = OrganisationFactory(networks=[world.network], is_trusted=True)
    make_activity(organisation=gone, title="Koffie weg", start_date=soon(1))
    make_activity(organisation=world.organisation, title="Koffie eerst", start_date=soon(2))
    make_activity(organisation=world.organisation, title="Koffie daarna", start_date=soon(3))
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie weg", "Koffie eerst"]
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    cache.clear()
    assert found(en.get(AGENDA, {"q": "koffie"})) == ["Koffie eerst", "Koffie daarna"]
    assert list(Activity.objects.public_by_exclusion().order_by("pk")) == list(
        Activity.objects.public().order_by("pk")
    )
