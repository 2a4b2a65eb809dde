"""The summary tables (overviews/summary.py): an overview from them equals the live count
for every scope and period, after a write and a refresh too; a refresh run twice gives the
same rows; the page says when they were refreshed and is renewed by a refresh; the jobs
run through their public surface; the page reads no big table."""

from datetime import date, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from activities.models import Status, Theme
from activities.services import local_datetime
from attendance.models import RollCall, Signal
from network.models import JobRun
from overviews import summary
from overviews.figures import BEFORE, NOW, Scope, _tally, build_overview, count_live
from overviews.models import SummaryParticipants, SummaryState
from overviews.periods import Period, Span, chosen_period
from overviews.tasks import refresh_overview_summaries
from tests.activities.factories import make_activity
from tests.attendance.factories import ParticipantFactory
from tests.factories import AreaFactory, OrganisationFactory, UserFactory
from tests.overviews.factories import YEAR, came, held_on, make_scene
from tests.volunteers.factories import HelpRequestFactory, ShiftFactory, SignUpFactory, TaskFactory

THIS_YEAR = timezone.localdate().year
FAR = timezone.localdate() + timedelta(days=400)


def _at(day: date, hour: int = 10, minute: int = 0):
    return local_datetime(day, time(hour, minute))


def _recent(days_ago: int) -> date:
    return timezone.localdate() - timedelta(days=days_ago)


@pytest.fixture
def busy(world):
    """The scene, and more of every kind: a second network, an organisation in no network,
    an activity that is not published, dates at midnight at a month's edge, roll-calls,
    tasks with and without an activity, no-shows, help requests matched or not, signals
    followed up or not, and rows this year (also tomorrow: never counted yet)."""
    scene = make_scene(world)
    municipality = world.municipality
    second = world.network.__class__.objects.create(
        name="Rumpt samen", slug="rumpt-samen", municipality=municipality
    )
    enspijk = AreaFactory(municipality=municipality, name="Enspijk", slug="enspijk")
    second.areas.add(enspijk)
    choir = OrganisationFactory(name="Koor", slug="koor", municipality=municipality)
    choir.networks.add(second)
    loner = OrganisationFactory(name="Eenling", slug="eenling", municipality=municipality)
    singing = make_activity(organisation=choir, theme=Theme.CULTURE, start_date=FAR)
    alone = make_activity(organisation=loner, theme=Theme.MEETING, start_date=FAR)
    draft = make_activity(organisation=choir, status=Status.DRAFT, start_date=FAR)
    people = [ParticipantFactory(organisation=choir, area=enspijk) for _ in range(7)]
    people += [ParticipantFactory(organisation=choir, area=scene["beesd"]) for _ in range(3)]
    lonely = [ParticipantFactory(organisation=loner, area=None) for _ in range(6)]
    days = [
        date(YEAR - 1, 12, 31),
        date(YEAR, 1, 1),
        date(YEAR, 3, 31),
        date(YEAR, 6, 30),
        date(YEAR, 7, 1),
        date(YEAR, 12, 31),
    ]
    days += [_recent(70), _recent(35), _recent(3), _recent(1)]
    for index, day in enumerate(days):
        # Just after midnight: in UTC still the day (and month) before.
        occurrence = held_on(singing, day)
        occurrence.starts_at = _at(day, 0, 30)
        occurrence.save()
        came(people[index % 4 :], occurrence)
        if index % 2:
            RollCall.objects.create(
                occurrence=occurrence, taken_at=occurrence.starts_at, head_count=index
            )
        came(lonely[: 5 + index % 2], held_on(alone, day))
        came(people[:6], held_on(draft, day))
    held_on(singing, date(YEAR, 5, 5), is_cancelled=True)
    came(people, held_on(singing, timezone.localdate() + timedelta(days=1)))
    # Volunteering: a task of an activity, one of an organisation in no network.
    with_activity = TaskFactory(organisation=choir, activity=singing, start_date=FAR)
    own = TaskFactory(organisation=loner, start_date=FAR)
    volunteers = [UserFactory() for _ in range(7)]
    for index, day in enumerate(days):
        for task in (with_activity, own):
            shift = ShiftFactory(
                task=task,
                starts_at=_at(day, 9),
                ends_at=_at(day, 11),
                original_date=day,
                places=8,
            )
            for number, volunteer in enumerate(volunteers[index % 3 :]):
                signup = SignUpFactory(
                    shift=shift,
                    volunteer=volunteer,
                    hours_approved=Decimal("1.5") if number % 2 else None,
                )
                if number == 4:
                    type(signup).objects.filter(pk=signup.pk).update(
                        no_show_recorded_at=timezone.now()
                    )
    cancelled = ShiftFactory(
        task=own,
        starts_at=_at(date(YEAR, 3, 15), 9),
        ends_at=_at(date(YEAR, 3, 15), 11),
        original_date=date(YEAR, 3, 15),
        is_cancelled=True,
        places=3,
    )
    SignUpFactory(shift=cancelled, volunteer=volunteers[0])
    for index, day in enumerate(days):
        request = HelpRequestFactory(organisation=loner if index % 2 else choir)
        type(request).objects.filter(pk=request.pk).update(created_at=_at(day, 0, 15))
        if index % 3 == 0:
            request.responses.create(volunteer=volunteers[index % 7], status="matched")
        request.responses.create(volunteer=volunteers[(index + 1) % 7], status="offered")
    for index, (day, person) in enumerate(zip(days, people + lonely, strict=False)):
        Signal.objects.create(
            participant=person,
            activity=None if index == 3 else singing,
            last_seen=day - timedelta(days=30),
            missed=3,
            usual_gap=Decimal("1.0"),
            raised_at=_at(day, 2),
            dismissed_at=_at(day, 3) if index % 3 == 0 else None,
            resolved_at=_at(day, 4) if index % 3 == 1 else None,
        )
    summary.refresh(full=True)
    return {**scene, "second": second, "choir": choir, "loner": loner, "people": people}


def _scopes(world, busy) -> list[Scope]:
    municipality = world.municipality
    return [
        Scope.of(municipality),
        Scope.of(municipality, network=world.network),
        Scope.of(municipality, network=busy["second"]),
        Scope.of(municipality, organisation=busy["choir"]),
        Scope.of(municipality, organisation=busy["loner"]),
        Scope.of(municipality, network=busy["second"], organisation=busy["choir"]),
        Scope.of(world.other_organisation.municipality),
    ]


def _periods() -> list[Period]:
    queries = [
        f"jaar={YEAR}&deel=jaar&vergelijk=vorige",
        f"jaar={YEAR}&deel=k1&vergelijk=vorig-jaar",
        f"jaar={YEAR}&deel=k3&vergelijk=vorige",
        f"jaar={YEAR}&deel=m1&vergelijk=vorige",
        f"jaar={YEAR}&deel=m7&vergelijk=vorig-jaar",
        f"jaar={THIS_YEAR}&deel=jaar&vergelijk=vorige",
        f"jaar={THIS_YEAR}&deel=m{timezone.localdate().month}&vergelijk=vorige",
    ]
    return [chosen_period(QueryDict(query))[0] for query in queries]


def _cleaned(tallies: dict) -> dict:
    """The tallies without empty cells (the live count has no row where nothing was)."""
    out = {}
    for source, dimensions in tallies.items():
        for dimension, cells in dimensions.items():
            for key, periods in cells.items():
                if any(value for values in periods for value in values):
                    out[(source, dimension, key)] = [list(values) for values in periods]
    return out


def _shown(overview) -> list:
    return [
        (table.key, row.label, [str(f) for f in row.figures])
        for table in [overview.headline, *overview.tables]
        for row in [*table.rows, *([table.total] if table.total else [])]
    ]


def _equal_to_live(world, busy) -> None:
    checked = 0
    for scope in _scopes(world, busy):
        for period in _periods():
            from_summaries = summary.tallies(scope, period, _tally, NOW, BEFORE)
            live = count_live(scope, period)
            assert _cleaned(from_summaries) == _cleaned(live), (scope.name, period.query)
            assert _shown(build_overview(scope, period)) == _shown(
                build_overview(scope, period, live=True)
            )
            checked += 1
    assert checked == 49


def test_figures_from_the_summaries_equal_the_live_count(world, busy):
    # Not an empty comparison: the busy scene has figures in both periods.
    period = _periods()[0]
    tallies = summary.tallies(Scope.of(world.municipality), period, _tally, NOW, BEFORE)
    assert tallies["participations"]["total"][None][NOW][0] > 50
    assert tallies["volunteers_total"]["total"][None][NOW][0] == 7 + 6  # and the scene's
    assert tallies["signals"]["total"][None][NOW] == [5, 3]
    _equal_to_live(world, busy)


def test_after_a_write_and_a_refresh_the_figures_are_right_again(world, busy):
    scope = Scope.of(world.municipality)
    period = _periods()[-2]
    before = summary.tallies(scope, period, _tally, NOW, BEFORE)
    newcomers = [ParticipantFactory(organisation=busy["choir"]) for _ in range(5)]
    singing = busy["choir"].activities.get(status=Status.PUBLISHED)
    came(newcomers, held_on(singing, _recent(2)))
    help_request = HelpRequestFactory(organisation=busy["choir"])
    # Until the refresh the overview holds what was recorded before it.
    assert summary.tallies(scope, period, _tally, NOW, BEFORE) == before
    summary.refresh()
    after = summary.tallies(scope, period, _tally, NOW, BEFORE)
    total = after["unique_total"]["total"][None][NOW][0]
    assert total == before["unique_total"]["total"][None][NOW][0] + 5
    assert after["help_requests"]["total"][None][NOW][0] == (
        before["help_requests"]["total"][None][NOW][0] + 1
    )
    assert help_request.pk
    _equal_to_live(world, busy)


def _rows() -> dict[str, list]:
    """Every summary's rows; who came merged per person, activity and year (an incremental
    refresh writes its months as rows of their own until the nightly rebuild)."""
    rows = {
        model.__name__: sorted(
            tuple(str(v) for v in row)
            for row in model.objects.values_list(
                *[f.attname for f in model._meta.concrete_fields if f.attname != "id"]
            )
        )
        for model in summary.SUMMARIES
        if model is not SummaryParticipants
    }
    merged: dict[tuple, int] = {}
    for *key, months in SummaryParticipants.objects.values_list(
        "year", "activity_id", "organisation_id", "area_id", "participant_id", "months"
    ):
        assert months
        merged[tuple(key)] = merged.get(tuple(key), 0) | months
    rows["SummaryParticipants"] = sorted(merged.items(), key=str)
    return rows


def test_a_refresh_twice_gives_the_same_rows_and_incremental_equals_full(world, busy):
    first = _rows()
    assert all(first.values())
    summary.refresh(full=True)
    assert _rows() == first
    summary.refresh()
    after_one = SummaryParticipants.objects.count()
    summary.refresh()
    assert _rows() == first
    assert SummaryParticipants.objects.count() == after_one
    state = SummaryState.objects.get()
    assert state.version == 5 and not state.full and state.full_at < state.refreshed_at


def test_a_period_of_other_days_is_counted_live(world, busy):
    scope = Scope.of(world.municipality)
    period = Period(
        now=Span(date(YEAR, 3, 10), date(YEAR, 4, 5)),
        before=Span(date(YEAR - 1, 3, 10), date(YEAR - 1, 4, 5)),
        year=YEAR,
        part="jaar",
        compare="vorige",
    )
    assert not summary.whole_months(period)
    with CaptureQueriesContext(connection) as queries:
        overview = build_overview(scope, period)
    assert "attendance_attendance" in " ".join(q["sql"] for q in queries.captured_queries)
    assert _shown(overview) == _shown(build_overview(scope, period, live=True))


def test_the_page_reads_the_summaries_and_says_when_they_were_refreshed(world, busy, client_for):
    client = client_for("municipality")
    address = reverse("overviews:municipality", args=[world.municipality.slug])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(address).content.decode()
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "overviews_summaryparticipants" in read
    for table in ("attendance_attendance", "volunteers_signup", "activities_occurrence"):
        assert table not in read
    refreshed = timezone.localtime(SummaryState.objects.get().refreshed_at)
    with translation.override("nl"):
        day = formats.date_format(refreshed, "j F Y")
    assert f"Cijfers bijgewerkt op {day} om {refreshed:%H:%M}." in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        day = formats.date_format(refreshed, "j F Y")
    assert f"Figures updated on {day} at {refreshed:%H:%M}." in client.get(address).content.decode()


def test_a_refresh_renews_the_kept_page(world, busy, client_for):
    client = client_for("municipality")
    query = f"?jaar={THIS_YEAR}&deel=jaar&vergelijk=vorige"
    address = reverse("overviews:municipality", args=[world.municipality.slug]) + query

    def participations() -> str:
        overview = client.get(address).context["overview"]
        return next(r for r in overview.headline.rows if r.key == "participations").figures[0]

    first = participations()
    singing = busy["choir"].activities.get(status=Status.PUBLISHED)
    came(
        [ParticipantFactory(organisation=busy["choir"]) for _ in range(5)],
        held_on(singing, _recent(2)),
    )
    assert participations() == first  # kept, and the summaries are not refreshed yet
    summary.refresh()
    assert int(str(participations())) == int(str(first)) + 5


def test_the_jobs_through_their_public_surface(world, busy, client_for):
    version = SummaryState.objects.get().version
    result = refresh_overview_summaries()
    assert result["full"] is False and result["version"] == version + 1
    # Every municipality's overview of this year is counted ahead: the page reads it kept.
    assert result["overviews"] == 2 * 2  # two municipalities, two languages
    client = client_for("municipality")
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("overviews:municipality", args=[world.municipality.slug]))
    assert "overviews_summary" not in " ".join(
        q["sql"] for q in queries.captured_queries if "overviews_summarystate" not in q["sql"]
    )
    out = StringIO()
    call_command("run_job", "refresh-overview-summaries", stdout=out)
    call_command("run_job", "refresh-overviews", stdout=out)
    state = SummaryState.objects.get()
    assert state.version == version + 3 and state.full
    names = set(JobRun.objects.values_list("name", flat=True))
    assert {"refresh-overview-summaries", "refresh-overviews"} <= names
    _equal_to_live(world, busy)


def test_without_summaries_the_overview_is_counted_live(world):
    make_scene(world)
    SummaryState.objects.all().delete()
    period, _form = chosen_period(QueryDict(f"jaar={YEAR}&deel=jaar&vergelijk=vorige"))
    scope = Scope.of(world.municipality)
    with CaptureQueriesContext(connection) as queries:
        overview = build_overview(scope, period)
    assert "attendance_attendance" in " ".join(q["sql"] for q in queries.captured_queries)
    assert _shown(overview) == _shown(build_overview(scope, period, live=True))


def test_a_refresh_between_the_counts_makes_the_reader_count_again(world, busy, monkeypatch):
    scope, period = Scope.of(world.municipality), _periods()[0]
    counts = []
    tallies = summary.tallies

    def raced(*args):
        found = tallies(*args)
        if not counts:
            summary.refresh()  # another worker's refresh commits in between
        counts.append(found)
        return found

    monkeypatch.setattr(summary, "tallies", raced)
    _found, at = summary.counted(scope, period, _tally, NOW, BEFORE)
    assert len(counts) == 2
    assert at == SummaryState.objects.get().refreshed_at
