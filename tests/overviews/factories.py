"""A constructed year for the overview tests: an exercise group in Beesd, one date the
year before, volunteers, a help request, and a club in another municipality whose figures
must never show."""

from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from activities.models import Occurrence, Theme
from activities.services import local_datetime
from attendance.models import Attendance, RollCall
from overviews import summary
from overviews.models import AreaPopulation
from tests.activities.factories import make_activity
from tests.attendance.factories import ParticipantFactory
from tests.factories import AreaFactory
from tests.volunteers.factories import HelpRequestFactory, ShiftFactory, SignUpFactory, TaskFactory

#: The year the scene is about: the last whole one.
YEAR = timezone.localdate().year - 1


def held_on(activity, day: date, **fields) -> Occurrence:
    return Occurrence.objects.create(
        activity=activity,
        original_date=day,
        starts_at=local_datetime(day, time(10, 0)),
        ends_at=local_datetime(day, time(11, 30)),
        **fields,
    )


def came(participants, occurrence) -> None:
    Attendance.objects.bulk_create(
        Attendance(
            participant=p,
            occurrence=occurrence,
            organisation=occurrence.activity.organisation,
            activity=occurrence.activity,
            day=occurrence.original_date,
            area=p.area,
        )
        for p in participants
    )


def make_scene(world) -> dict:
    """A year of an exercise group in Beesd, one date the year before, and a club in another
    municipality whose figures must never show."""
    organisation = world.organisation
    beesd = AreaFactory(municipality=world.municipality, name="Beesd", slug="beesd")
    rumpt = AreaFactory(municipality=world.municipality, name="Rumpt", slug="rumpt")
    world.network.areas.add(beesd, rumpt)
    AreaPopulation.objects.create(area=beesd, year=YEAR, population=600)
    activity = make_activity(
        organisation=organisation,
        title="Bewegen voor ouderen",
        theme=Theme.EXERCISE,
        start_date=timezone.localdate() + timedelta(days=400),
    )
    people = [ParticipantFactory(organisation=organisation, area=beesd) for _ in range(6)]
    newcomer = ParticipantFactory(organisation=organisation, area=rumpt)
    march_10 = held_on(activity, date(YEAR, 3, 10))
    march_17 = held_on(activity, date(YEAR, 3, 17))
    april_5 = held_on(activity, date(YEAR, 4, 5))
    held_on(activity, date(YEAR, 4, 12), is_cancelled=True)
    came(people, march_10)
    came(people[:5], march_17)
    came([*people[:2], newcomer], april_5)
    RollCall.objects.create(occurrence=march_10, taken_at=march_10.starts_at, head_count=2)
    came(people, held_on(activity, date(YEAR - 1, 3, 10)))
    # Volunteers: six gave two hours each on a task with its own schedule.
    task = TaskFactory(organisation=organisation, start_date=date(YEAR, 1, 1))
    shift = ShiftFactory(
        task=task,
        starts_at=local_datetime(date(YEAR, 5, 1), time(9, 0)),
        ends_at=local_datetime(date(YEAR, 5, 1), time(11, 0)),
        original_date=date(YEAR, 5, 1),
        places=8,
    )
    for _ in range(6):
        SignUpFactory(shift=shift, hours_approved=Decimal(2))
    request = HelpRequestFactory(organisation=organisation)
    type(request).objects.filter(pk=request.pk).update(
        created_at=local_datetime(date(YEAR, 6, 1), time(12, 0))
    )
    # Elsewhere: never counted here.
    other = make_activity(
        organisation=world.other_organisation,
        start_date=timezone.localdate() + timedelta(days=400),
    )
    strangers = [ParticipantFactory(organisation=world.other_organisation) for _ in range(9)]
    came(strangers, held_on(other, date(YEAR, 3, 11)))
    # The pages read the summary tables (overviews/summary.py), as after the nightly job.
    summary.refresh(full=True)
    return {"activity": activity, "beesd": beesd, "rumpt": rumpt, "year": YEAR}
