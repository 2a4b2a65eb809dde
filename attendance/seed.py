"""Attendance in the reference data sets (`manage.py seed`); at `region` scale the bulk
of 50,000 participants comes on top (attendance/region_seed.py).

`village`: Stichting Welzijn (the demo coordinator's organisation) keeps attendance at its
chair yoga on Monday and its Thursday consultation hour for older residents, for a year.
Some thirty people come: most come every week, some every other week or once a month, a
few now and then. A few stories make the inbox of "not seen lately" realistic:

- Truus and Henk came every Monday and stopped coming a few weeks ago;
- Bep came to the consultation hour every month and missed the last two;
- Corrie came every week until the summer break and did not come back after it;
- Jan is on holiday (recorded as away), so missing him says nothing;
- Wim missed three Mondays and came back last week;
- the summer break (six weeks without chair yoga, activities/seed.py) counts for nobody;
- at the chair yoga before last nobody took attendance: unknown, never missed;
- a volunteer dropped by at Henk's (he could use some help) and is asked to go to Truus.

Everything depends on the seed and the day only (`ctx.shared["today"]`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from activities import seed as agenda_seed
from activities.models import Activity, Occurrence
from network.models import Membership, Role
from network.seed import SeedContext, bulk_create, register_flush, register_step

from . import region_seed, signals
from .models import (
    Absence,
    Attendance,
    AttendanceSettings,
    CheckIn,
    CheckInOutcome,
    ConsentHow,
    Participant,
    RollCall,
    Signal,
)

#: The chair yoga of two weeks ago: nobody took attendance (the coordinator was ill).
NOT_TAKEN = ("yoga", 2)


@dataclass(frozen=True)
class Person:
    """A participant of the village and how they come: `every` n-th date of `activity`
    ("yoga" or "advice"), except its `stopped` most recent dates (0: still
    coming)."""

    name: str
    activity: str
    every: int = 1
    stopped: int = 0  # the most recent dates of the activity they did not come to
    until_summer: bool = False  # did not come back after the summer break
    skip_chance: float = 0.1  # of staying home now and then (regulars every other week or
    # month come every time: two misses in a row would be a story of its own)
    away_days: tuple[int, int] | None = None  # away from n days ago until n days ahead
    comes_back: bool = False  # missed three dates, then came again last time


VILLAGERS: tuple[Person, ...] = (
    Person("Truus van Dijk", "yoga", stopped=4),
    Person("Henk Bouwman", "yoga", stopped=6),
    Person("Bep Kortenhoeven", "advice", every=4, stopped=9, skip_chance=0),
    Person("Corrie de Groot", "yoga", until_summer=True),
    Person("Jan Verwoerd", "yoga", stopped=2, away_days=(16, 10)),
    Person("Wim Hol", "yoga", comes_back=True),
    Person("Annie Blom", "yoga"),
    Person("Dirk van Leeuwen", "yoga"),
    Person("Gerda Smit", "yoga"),
    Person("Kees Hoogendoorn", "yoga"),
    Person("Mien Pijnenburg", "yoga"),
    Person("Nel van Wijk", "yoga"),
    Person("Piet de Bruin", "yoga"),
    Person("Riet Vermeulen", "yoga", skip_chance=0.2),
    Person("Sjaak Boer", "yoga", every=2, skip_chance=0),
    Person("Thea Kuipers", "yoga", every=2, skip_chance=0),
    Person("Ton Rijnders", "yoga", every=2, skip_chance=0),
    Person("Aaltje Bos", "advice"),
    Person("Bert Mulder", "advice", every=2, skip_chance=0),
    Person("Cor van den Berg", "advice", every=4, skip_chance=0),
    Person("Dora Willems", "advice", every=4, skip_chance=0),
    Person("Evert Jansen", "advice", skip_chance=0.2),
    Person("Fien de Vries", "yoga", every=5, skip_chance=0.5),
    Person("Gijs van Rossum", "advice", every=6, skip_chance=0.5),
    Person("Hennie Peters", "yoga", every=8, skip_chance=0.5),
    Person("Ina Verhoeven", "advice", every=3, skip_chance=0),
    Person("Joop Scholten", "yoga"),
    Person("Lies Koster", "yoga", skip_chance=0.15),
)

STREETS = ("Kerkstraat", "Dorpsstraat", "Lingedijk", "Molenweg", "Achterweg", "Prinsenhof")


@register_step
def seed_attendance(ctx: SeedContext) -> None:
    """The village's year of attendance (module docstring), the region's bulk on top, and
    the signals the nightly job would raise, so the inbox shows them at once."""
    today = ctx.shared.setdefault("today", agenda_seed.seed_today())
    _seed_village(ctx, today)
    if ctx.scale == "region":
        region_seed.seed_region(ctx)
    ctx.counts["signals"] = signals.run_signals(today=today)["raised"]


def _seed_village(ctx: SeedContext, today: date) -> None:
    activities = ctx.shared.get("home_activities", {})
    welzijn = ctx.home.get("welzijn")
    if welzijn is None or "chair_yoga" not in activities or "advice" not in activities:
        return
    AttendanceSettings.objects.create(organisation=welzijn, keeps_attendance=True)
    by_key = {"yoga": activities["chair_yoga"], "advice": activities["advice"]}
    coordinator = ctx.demo_users.get("coordinator")
    dates = {key: _past_dates(activity, today) for key, activity in by_key.items()}
    participants = _participants(ctx, welzijn, today, coordinator)
    attendances: list[Attendance] = []
    for person, participant in zip(VILLAGERS, participants, strict=True):
        attendances += _attendances(ctx, person, participant, dates[person.activity], today)
    bulk_create(attendances)
    roll_calls = [
        RollCall(
            occurrence=occurrence,
            taken_by=coordinator,
            taken_at=occurrence.starts_at + timedelta(minutes=20),
            head_count=ctx.rng.randint(0, 5),
        )
        for key, occurrences in dates.items()
        for index, occurrence in enumerate(occurrences)
        if _taken(key, len(occurrences) - index)
    ]
    bulk_create(roll_calls)
    _check_ins(welzijn, {p.name: p for p in participants}, coordinator, today)
    ctx.counts.update({"participants": len(participants), "attendance rows": len(attendances)})
    ctx.log(f"Attendance: {len(participants)} participants, {len(attendances)} attendances.")


def _past_dates(activity: Activity, today: date) -> list[Occurrence]:
    """The activity's dates that took place, oldest first."""
    return list(
        Occurrence.objects.filter(activity=activity, original_date__lt=today, is_cancelled=False)
        .select_related("activity")
        .order_by("starts_at")
    )


def _taken(key: str, from_end: int) -> bool:
    """Whether attendance was taken at the `from_end`-th most recent date (1: the last)."""
    return (key, from_end) != NOT_TAKEN


def _participants(ctx, welzijn, today: date, coordinator) -> list[Participant]:
    areas = [area for area in ctx.areas if area.municipality_id == welzijn.municipality_id]
    area = next((a for a in areas if a.name == "Beesd"), areas[0] if areas else None)
    rng = ctx.rng
    participants = bulk_create(
        [
            Participant(
                organisation=welzijn,
                name=person.name,
                phone=f"0345-{rng.randint(500000, 599999)}" if rng.random() < 0.8 else "",
                address=f"{rng.choice(STREETS)} {rng.randint(1, 80)}, Beesd",
                area=area,
                consent_how=rng.choice(list(ConsentHow)),
                consent_on=today - timedelta(days=rng.randint(200, 400)),
                consent_recorded_by=coordinator,
            )
            for person in VILLAGERS
        ]
    )
    bulk_create(
        [
            Absence(
                participant=participant,
                starts_on=today - timedelta(days=person.away_days[0]),
                ends_on=today + timedelta(days=person.away_days[1]),
                note="Op vakantie bij de kinderen",
            )
            for person, participant in zip(VILLAGERS, participants, strict=True)
            if person.away_days
        ]
    )
    return participants


def _attendances(
    ctx, person: Person, participant: Participant, dates: list[Occurrence], today: date
) -> list[Attendance]:
    """The dates `person` came to, by their rhythm and story."""
    rng = ctx.rng
    summer_start, _end = agenda_seed.last_summer_break(today)
    offset = rng.randrange(person.every)
    came = []
    for index, occurrence in enumerate(dates):
        from_end = len(dates) - index
        if from_end <= person.stopped:
            continue
        if person.until_summer and occurrence.original_date > summer_start:
            continue
        if person.comes_back and 2 <= from_end <= 4:
            continue
        if (index + offset) % person.every or not _taken(person.activity, from_end):
            continue
        last = index == len(dates) - 1
        if rng.random() < person.skip_chance and not (person.comes_back and last):
            continue
        came.append(occurrence)
    return [
        Attendance(
            participant=participant,
            occurrence=occurrence,
            organisation_id=occurrence.activity.organisation_id,
            activity_id=occurrence.activity_id,
            day=timezone.localtime(occurrence.starts_at).date(),
            area_id=participant.area_id,
        )
        for occurrence in came
    ]


def _check_ins(welzijn, by_name: dict[str, Participant], coordinator, today: date) -> None:
    """A volunteer was asked to drop by at Henk's (answered: he could use some help) and
    at Truus's (not yet answered)."""
    volunteer = (
        Membership.objects.filter(organisation=welzijn, role=Role.VOLUNTEER)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    if volunteer is None:
        return
    asked = {"organisation": welzijn, "asked_by": coordinator, "volunteer_id": volunteer}
    bulk_create(
        [
            CheckIn(
                participant=by_name["Henk Bouwman"],
                what_is_asked="Even langsgaan en vragen hoe het gaat.",
                due_on=today - timedelta(days=4),
                outcome=CheckInOutcome.COULD_USE_HELP,
                outcome_note="Hij is gevallen en komt slecht de deur uit. Zoon woont ver weg.",
                answered_at=timezone.now() - timedelta(days=5),
                **asked,
            ),
            CheckIn(
                participant=by_name["Truus van Dijk"],
                what_is_asked="Even aanbellen: we missen haar bij de stoelyoga.",
                due_on=today + timedelta(days=2),
                **asked,
            ),
        ]
    )


@register_flush
def flush_attendance() -> None:
    """Delete attendance before the dates and organisations it hangs on: one DELETE per
    table, what points at a row first (the ORM would load five million rows to cascade)."""
    for model in (
        CheckIn,
        Signal,
        Attendance,
        RollCall,
        Absence,
        Participant,
        AttendanceSettings,
    ):
        model._base_manager.all()._raw_delete(connection.alias)
