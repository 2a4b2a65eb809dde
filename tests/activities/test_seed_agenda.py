"""The agenda of the reference data sets (activities/seed.py), through `manage.py seed`.

The day the data is built around is pinned, so the expected dates can be written out.
"""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min

from activities import recurrence, services
from activities import seed as agenda_seed
from activities.models import Activity, Frequency, Occurrence, Place, Status
from network.models import Network, Organisation

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: A Thursday; the third Thursday of November 2026 is the 19th.
TODAY = date(2026, 11, 26)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: TODAY)
    return TODAY


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def village(db, today) -> str:
    return seed(scale="village")


def local(moment: datetime) -> tuple[date, time]:
    moment = moment.astimezone(AMSTERDAM)
    return moment.date(), moment.time()


def snapshot() -> dict:
    return {
        "places": sorted(Place.objects.values_list("slug", "name", "area__name", "town")),
        "activities": sorted(
            Activity.objects.values_list(
                "slug",
                "title",
                "organisation__slug",
                "place__slug",
                "room__name",
                "start_date",
                "start_time",
                "frequency",
                "monthly_ordinal",
                "until",
                "count",
                "status",
                "cost",
                "published_at",
            )
        ),
        "dates": sorted(
            Occurrence.objects.values_list(
                "activity__slug", "original_date", "starts_at", "ends_at", "is_cancelled"
            )
        ),
    }


# The village ---------------------------------------------------------------------------------


def test_village_has_the_places_of_beesd_with_rooms(village):
    network = Network.objects.get()
    places = {place.name: place for place in Place.objects.prefetch_related("rooms")}
    klokhuis = places["Buurtcentrum het Klokhuis"]
    assert {room.name for room in klokhuis.rooms.all()} == {"Grote zaal", "Kleine zaal", "Keuken"}
    assert klokhuis.wheelchair_accessible and klokhuis.hearing_loop and klokhuis.accessible_toilet
    assert klokhuis.area.name == "Beesd" and klokhuis.town == "Beesd"
    for name in (
        "Dorpskerk Beesd",
        "Sporthal De Lingeborg",
        "Bibliotheek Beesd",
        "Zorgcentrum De Lingehof",
    ):
        assert places[name].rooms.exists()
    assert all(place.municipality == network.municipality for place in places.values())
    assert "9 places" in village and "17 rooms" in village


def test_beesd_ontmoet_elkaar_is_every_third_thursday_in_het_klokhuis(village):
    activity = Activity.objects.select_related("place", "room").get(title="Beesd ontmoet elkaar")
    assert activity.organisation.name == "Beesd ontmoet elkaar"
    assert (activity.place.name, activity.room.name) == ("Buurtcentrum het Klokhuis", "Grote zaal")
    assert activity.frequency == Frequency.MONTHLY_WEEKDAY and activity.monthly_ordinal == 3
    assert activity.status == Status.PUBLISHED and activity.is_free
    dates = [local(o.starts_at) for o in activity.occurrences.order_by("starts_at")]
    days = [day for day, _ in dates]
    assert {at for _, at in dates} == {time(14, 0)}
    assert all(day.weekday() == 3 and 15 <= day.day <= 21 for day in days)
    assert date(2026, 11, 19) in days and date(2026, 12, 17) in days
    assert date(2027, 1, 21) in days and date(2026, 10, 15) in days
    # A year of history up to the horizon: one date a month.
    assert days[0] == date(2025, 12, 18)
    assert days[-1] <= services.horizon_end(TODAY)
    assert len(days) == len({(d.year, d.month) for d in days}) == 25
    assert {local(o.ends_at)[1] for o in activity.occurrences.all()} == {time(16, 30)}


def test_village_activities_in_the_tone_of_the_network(village):
    activities = Activity.objects.all()
    assert 55 <= activities.count() <= 70
    titles = set(activities.values_list("title", flat=True))
    assert {
        "Gym voor ouderen",
        "Bingo",
        "Fietstocht door de Betuwe",
        "Bloemschikken",
        "De gezelligste camping van Nederland",
        "Repair Café",
        "Leesclub in de bibliotheek",
    } <= titles
    assert any(title.startswith("Koffieochtend") for title in titles)
    text = " ".join(f"{a.title} {a.description}" for a in activities).lower()
    assert "eenzaam" not in text and "eenzaamheid" not in text
    assert "61 activities" in village


def test_village_schedules_and_facts(village):
    get = Activity.objects.select_related("place").get
    gym = get(title="Gym voor ouderen")
    assert gym.frequency == Frequency.WEEKLY and gym.cost == 2.5
    assert all(
        (d.month == 12 and d.day >= 24) or d.month == 1
        for d in map(date.fromisoformat, gym.exception_dates)
    )
    assert gym.exception_dates  # no gym in the Christmas week
    bingo = get(title="Bingo")
    assert bingo.monthly_ordinal == -1
    assert {o.original_date.weekday() for o in bingo.occurrences.all()} == {4}
    assert all(
        (o.original_date + timedelta(days=7)).month != o.original_date.month
        for o in bingo.occurrences.all()
    )
    bike = get(title="Fietstocht door de Betuwe")
    assert bike.frequency == Frequency.WEEKLY and "Klokhuis" in bike.location_note
    theatre = get(title="De gezelligste camping van Nederland")
    [performance] = theatre.occurrences.all()
    assert performance.original_date > TODAY
    assert theatre.registration_required and theatre.cost == 2.5
    assert theatre.co_organisers.exists()
    trips = Activity.objects.filter(organisation__name="Beesd op stap", registration_required=True)
    assert trips.count() >= 3 and set(trips.values_list("capacity", flat=True)) == {8}
    # Some free, some 2.50; an evening that runs past midnight ends the next day.
    assert Activity.objects.filter(cost__isnull=True).count() >= 20
    assert Activity.objects.filter(cost=2.5).count() >= 8
    cards = get(title="Kaartavond").occurrences.first()
    assert local(cards.ends_at) == (cards.original_date + timedelta(days=1), time(0, 30))


def test_village_has_cancellations_moderation_and_trust(village):
    assert Occurrence.objects.filter(is_cancelled=True, original_date__gt=TODAY).count() >= 3
    assert all(
        o.cancel_reason and o.is_detached for o in Occurrence.objects.filter(is_cancelled=True)
    )
    moved = Occurrence.objects.filter(place__isnull=False).select_related("place").get()
    assert moved.place.name == "Dorpskerk Beesd" and moved.is_detached
    cancelled = Activity.objects.get(status=Status.CANCELLED)
    assert cancelled.cancel_reason
    waiting = Activity.objects.filter(status=Status.SUBMITTED).select_related("organisation")
    assert waiting.count() >= 2
    assert not any(a.organisation.is_trusted for a in waiting)
    assert Organisation.objects.filter(is_trusted=True).count() >= 10
    assert all(
        a.published_at for a in Activity.objects.filter(status__in=["published", "cancelled"])
    )


def test_stored_dates_are_what_the_site_itself_computes(village):
    """Regenerating any seeded activity as the site does (services.materialise_occurrences)
    changes nothing: the bulk path and the one-by-one path agree."""
    now = datetime.combine(TODAY, time(0, 0), AMSTERDAM)
    for activity in Activity.objects.all():
        recurrence.validate(recurrence.Schedule.of(activity))
        assert activity.materialised_until == services.horizon_end(TODAY)
        result = services.materialise_occurrences(activity=activity, now=now)
        assert result == {"created": 0, "updated": 0, "removed": 0, "cancelled": 0}, activity


def test_dates_follow_the_day_the_data_is_built_around(db, monkeypatch):
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: TODAY)
    seed(scale="village")
    first = Activity.objects.get(title="De gezelligste camping van Nederland").start_date
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: TODAY + timedelta(days=7))
    seed(scale="village", flush=True)
    later = Activity.objects.get(title="De gezelligste camping van Nederland").start_date
    assert later == first + timedelta(days=7)


# The region ----------------------------------------------------------------------------------


def test_small_region_spreads_activities_with_two_years_of_history(db, today):
    output = seed(scale="region", factor=0.01)
    beesd = Network.objects.get(slug="beesd-voor-elkaar")
    other = Network.objects.exclude(pk=beesd.pk).get()
    theirs = Activity.objects.filter(organisation__networks=other).exclude(
        organisation__networks=beesd
    )
    assert theirs.count() >= 40
    assert theirs.filter(frequency=Frequency.ONCE).count() >= 1
    assert Place.objects.filter(area__networks=other).count() >= 5
    assert (
        not theirs.exclude(place__isnull=True)
        .exclude(place__municipality=other.municipality)
        .exists()
    )
    span = Occurrence.objects.filter(activity__in=theirs).aggregate(
        first=Min("original_date"), last=Max("original_date")
    )
    assert TODAY - timedelta(days=730) <= span["first"] <= TODAY - timedelta(days=700)
    assert services.horizon_end(TODAY) - timedelta(days=35) <= span["last"]
    assert span["last"] <= services.horizon_end(TODAY)
    assert not theirs.filter(organisation__kind__in=["wijkteam", "municipality"]).exists()
    # Only organisations that are not trusted wait for approval.
    assert not theirs.filter(status=Status.SUBMITTED, organisation__is_trusted=True).exists()
    per_activity = theirs.annotate(n=Count("occurrences"))
    assert all(a.n >= 1 for a in per_activity if a.status != Status.DRAFT)
    assert f"{Activity.objects.count()} activities" in output
    assert f"{Occurrence.objects.count()} dates" in output


def test_same_seed_and_day_give_the_same_agenda_and_another_seed_another(db, today):
    seed(scale="region", factor=0.01)
    first = snapshot()
    seed(scale="region", factor=0.01, flush=True)
    assert snapshot() == first
    seed(scale="region", factor=0.01, flush=True, seed=2)
    second = snapshot()
    assert second["activities"] != first["activities"]
    assert second["dates"] != first["dates"]
