"""Volunteering in the reference data sets: profiles, certificates, tasks, shifts, sign-ups.

`manage.py seed` finds this module itself (network/seed.py imports `<app>.seed` of every
project app and runs the steps registered here after the agenda's, so the activities and
their stored dates exist already).

`village`: the volunteers of Beesd voor elkaar get a profile (when they are free, what they
like to do) and some certificates (a VOG, a driving licence, an EHBO course; a few VOGs
have expired). About twenty tasks in their own words: coffee in Zorgcentrum De Lingehof,
laying the tables for the open lunch, driving the boodschappenbus (driving licence), going
along on a trip (VOG). Some follow an activity of the agenda (a shift per stored date), some
have their own weekly or monthly schedule. Shifts run from a year back to the agenda's
horizon; past shifts are filled with approved hours and a few no-shows, coming ones are
partly filled: some full with a waiting list, some still empty in the coming days. The demo
accounts (README.md) get what shows the pages: the volunteer has coming shifts, a place
offered from a waiting list and a stand-in request; the coordinator (Welzijn West Betuwe)
has unfilled shifts soon, hours to approve, applications and help requests to match.

`region`: SPEC.md's volume on top: about 200,000 shifts over two years and the agenda's
horizon and about 500,000 sign-ups for the 10,000 volunteers, and a coordinator for every
organisation with tasks.

Why it is built this way: the rules hold in the data exactly as the services keep them
(`confirmed_count` equals the confirmed sign-ups and never exceeds the places; confirmed
volunteers meet the task's requirements on the shift's date; a waiting list only where no
place is free; one active sign-up per volunteer and shift, one shift a day per volunteer).
Shifts and sign-ups are plain rows, one per task and date as `volunteers.shifts.sync_shifts`
makes them, streamed in batches with their primary keys chosen here, so sign-ups can point
at their shift without reading anything back: on PostgreSQL with COPY (a region is half a
million rows), elsewhere with executemany. Reminders and unfilled-shift alerts that would
have gone out before the seed's day are marked sent, so a fresh demo does not mail
everyone at once. Everything depends on the seed and the day only (`ctx.shared["today"]`),
except the secret feed tokens, which are always random.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from activities import recurrence, services
from activities import seed as agenda_seed
from activities.models import Activity, Frequency, Occurrence, Status
from network import seed as seeding
from network.models import Membership, Organisation, Role
from network.seed import SeedContext, insert_rows, register_flush, register_step

from .models import (
    ApplicationStatus,
    Certificate,
    CertificateKind,
    ContactPreference,
    HelpFrequency,
    HelpRequest,
    HelpRequestStatus,
    HelpResponse,
    HelpResponseStatus,
    NameVisibility,
    PartOfDay,
    Shift,
    SignUp,
    SignUpStatus,
    Task,
    TaskKind,
    VolunteerApplication,
    VolunteeringSettings,
    VolunteerProfile,
)

seeding.SINGULAR.update(
    {
        "volunteer profiles": "volunteer profile",
        "certificates": "certificate",
        "tasks": "task",
        "shifts": "shift",
        "sign-ups": "sign-up",
        "help requests": "help request",
        "applications": "application",
    }
)

#: Own-schedule tasks start this many days back (the agenda keeps as much history).
VILLAGE_HISTORY_DAYS = 365
REGION_HISTORY_DAYS = 730
#: Shifts at region scale, the village's included (SPEC.md "Scale"; issue 9).
REGION_SHIFTS = 200_000
#: Help requests and pending applications the region adds besides.
REGION_HELP_REQUESTS = 400
REGION_APPLICATIONS = 300
#: Rows per COPY / INSERT batch.
ROW_BATCH = 5000
#: Hours given are mostly still waiting for approval this long after the shift.
APPROVAL_DAYS = 28
#: A VOG counts for this long in the seed (organisations ask for a new one every few years).
VOG_YEARS = 3

F = Frequency
K = TaskKind
Kind = Organisation.Kind
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


# --- the step and the flush ------------------------------------------------------------------


@register_step
def seed_volunteering(ctx: SeedContext) -> None:
    """Profiles, certificates, tasks, shifts and sign-ups; help requests and applications."""
    today = ctx.shared.setdefault("today", agenda_seed.seed_today())
    run = _Run(ctx, ctx.rng, today)
    run.load_people()
    _seed_home(run)
    if ctx.scale == "region":
        _seed_region(run)
    run.writer.close()
    ctx.counts.update(
        {
            "volunteer profiles": VolunteerProfile.objects.count(),
            "certificates": Certificate.objects.count(),
            "tasks": Task.objects.count(),
            "shifts": Shift.objects.count(),
            "sign-ups": SignUp.objects.count(),
            "help requests": HelpRequest.objects.count(),
            "applications": VolunteerApplication.objects.count(),
        }
    )
    ctx.log(f"Volunteering: {ctx.counts['shifts']} shifts, {ctx.counts['sign-ups']} sign-ups.")


@register_flush
def flush_volunteering() -> None:
    """Delete volunteering before the agenda and the organisations it hangs on.

    One DELETE per table of this app, what points at a row before the row: the ORM would
    load half a million sign-ups to cascade by hand, and with the shifts gone the agenda's
    flush can drop its dates in one statement too.
    """
    for model in _deletion_order():
        model._base_manager.all()._raw_delete(connection.alias)


def _deletion_order() -> list[type[models.Model]]:
    """This app's models, each after every model of the app that points to it (so tables
    added later are flushed without changing this)."""
    own = list(apps.get_app_config("volunteers").get_models())
    pointing = {
        model: {
            relation.related_model
            for relation in model._meta.related_objects
            if relation.related_model in own and relation.related_model is not model
        }
        for model in own
    }
    order: list[type[models.Model]] = []
    while len(order) < len(own):
        ready = [m for m in own if m not in order and pointing[m] <= set(order)]
        if not ready:  # a cycle between tables: let the database sort it out
            ready = [m for m in own if m not in order]
        order.extend(ready)
    return order


# --- people --------------------------------------------------------------------------------


@dataclass
class _Person:
    """A volunteer as the generator needs them: who, and what they may do when."""

    pk: int
    birth_year: int | None = None
    #: (kind, training name, issued, expires or None).
    certificates: list[tuple[str, str, date, date | None]] = field(default_factory=list)

    def holds(self, kind: str, day: date, name: str = "") -> bool:
        return any(
            k == kind
            and (not name or n.lower() == name.lower())
            and issued <= day
            and (expires is None or day <= expires)
            for k, n, issued, expires in self.certificates
        )


@dataclass(frozen=True)
class _TaskInfo:
    """What filling a task's shifts needs to know, saved or not."""

    key: str
    pk: int
    organisation_id: int
    requires_vog: bool = False
    requires_driving_licence: bool = False
    required_training: str = ""
    minimum_age: int | None = None
    #: Often full, with a waiting list.
    popular: bool = False

    def fits(self, person: _Person, day: date) -> bool:
        if self.requires_vog and not person.holds(CertificateKind.VOG, day):
            return False
        if self.requires_driving_licence and not person.holds(CertificateKind.DRIVING_LICENCE, day):
            return False
        if self.required_training and not person.holds(
            CertificateKind.TRAINING, day, self.required_training
        ):
            return False
        if self.minimum_age:
            return person.birth_year is not None and day.year - person.birth_year > (
                self.minimum_age
            )
        return True


@dataclass
class _OrgSettings:
    reminder_hours: int = 24
    unfilled_alert_days: int = 3
    offer_hours: int = 12


class _Run:
    """Everything one seed run keeps while it generates volunteering."""

    def __init__(self, ctx: SeedContext, rng: random.Random, today: date) -> None:
        self.ctx = ctx
        self.rng = rng
        self.today = today
        #: The moment "now" stands for: the start of the seed's day, so the data does not
        #: depend on the hour it was built.
        self.now = services.local_datetime(today, time(0, 0))
        self.horizon = services.horizon_end(today)
        self.people: dict[int, _Person] = {}
        #: Volunteers per organisation (user pks, sorted).
        self.pools: dict[int, list[int]] = {}
        self.coordinators: dict[int, int] = {}
        self.settings: dict[int, _OrgSettings] = {}
        #: (volunteer, day): one shift a day per volunteer.
        self.busy: set[tuple[int, date]] = set()
        self.writer = _Writer()
        self.demo_volunteer = ctx.demo_users["vrijwilliger"].pk
        self.demo_coordinator = ctx.demo_users["coordinator"].pk

    # Profiles and certificates -------------------------------------------------------------

    def load_people(self) -> None:
        """A profile and certificates for every volunteer; the pools per organisation."""
        memberships = Membership.objects.filter(role=Role.VOLUNTEER, organisation__isnull=False)
        for org_id, user_id in memberships.order_by("organisation_id", "user_id").values_list(
            "organisation_id", "user_id"
        ):
            self.pools.setdefault(org_id, []).append(user_id)
        for org_id, user_id in (
            Membership.objects.filter(role=Role.COORDINATOR, organisation__isnull=False)
            .order_by("organisation_id", "user_id")
            .values_list("organisation_id", "user_id")
        ):
            self.coordinators.setdefault(org_id, user_id)
        user_ids = sorted({pk for pool in self.pools.values() for pk in pool})
        profiles, certificates = [], []
        for pk in user_ids:
            person = self._person(pk)
            self.people[pk] = person
            profiles.append(self._profile(person))
            certificates.extend(
                Certificate(user_id=pk, kind=k, name=n, issued_on=i, expires_on=e)
                for k, n, i, e in person.certificates
            )
        seeding.bulk_create(profiles)
        seeding.bulk_create(certificates)

    def _person(self, pk: int) -> _Person:
        rng, today = self.rng, self.today
        if pk == self.demo_volunteer:
            # Riet: a valid VOG and an EHBO course, no driving licence.
            return _Person(
                pk,
                1956,
                [
                    (CertificateKind.VOG, "", today - timedelta(days=400), _vog_end(today, 400)),
                    (CertificateKind.TRAINING, "EHBO", today - timedelta(days=200), None),
                ],
            )
        roll = rng.random()
        if roll < 0.1:
            birth_year = None
        elif roll < 0.6:
            birth_year = rng.randint(1940, 1960)
        elif roll < 0.88:
            birth_year = rng.randint(1961, 1985)
        else:
            birth_year = rng.randint(1986, today.year - 16)
        person = _Person(pk, birth_year)
        if rng.random() < 0.6:
            days = rng.randint(20, 1500)
            person.certificates.append(
                (CertificateKind.VOG, "", today - timedelta(days=days), _vog_end(today, days))
            )
            if days > VOG_YEARS * 365 and rng.random() < 0.4:
                renewed = days - VOG_YEARS * 365 - rng.randint(0, 60)
                if renewed > 0:
                    person.certificates.append(
                        (
                            CertificateKind.VOG,
                            "",
                            today - timedelta(days=renewed),
                            _vog_end(today, renewed),
                        )
                    )
        if birth_year and birth_year <= today.year - 19 and rng.random() < 0.5:
            issued = today - timedelta(days=rng.randint(100, 3400))
            person.certificates.append(
                (CertificateKind.DRIVING_LICENCE, "", issued, issued + timedelta(days=3652))
            )
        if rng.random() < 0.2:
            issued = today - timedelta(days=rng.randint(30, 900))
            person.certificates.append(
                (CertificateKind.TRAINING, "EHBO", issued, issued + timedelta(days=730))
            )
        if rng.random() < 0.08:
            issued = today - timedelta(days=rng.randint(30, 2000))
            person.certificates.append(
                (CertificateKind.TRAINING, "Tillen en verplaatsen", issued, None)
            )
        return person

    def _profile(self, person: _Person) -> VolunteerProfile:
        rng = self.rng
        if person.pk == self.demo_volunteer:
            availability = [[TUE, "morning"], [WED, "morning"], [THU, "afternoon"]]
            return VolunteerProfile(
                user_id=person.pk,
                phone="06-12345678",
                skills="Koffie schenken, een praatje maken, tafels dekken.",
                interests="Mee op uitje met de bewoners van De Lingehof.",
                availability=availability,
                birth_year=person.birth_year,
            )
        days = sorted(rng.sample(range(7), rng.choice((1, 2, 2, 3, 3, 4))))
        parts = [PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING]
        availability = [
            [day, part]
            for day in days
            for part in sorted(rng.sample(parts, rng.choice((1, 1, 2))), key=parts.index)
        ]
        return VolunteerProfile(
            user_id=person.pk,
            phone=f"06-{rng.randint(10000000, 99999999)}" if rng.random() < 0.85 else "",
            contact_preference=ContactPreference.PHONE
            if rng.random() < 0.3
            else ContactPreference.EMAIL,
            skills=rng.choice(SKILLS) if rng.random() < 0.7 else "",
            interests=rng.choice(INTERESTS) if rng.random() < 0.6 else "",
            availability=availability if rng.random() < 0.85 else [],
            birth_year=person.birth_year,
        )

    # Shifts and sign-ups ------------------------------------------------------------------

    def fill_task(
        self,
        task: _TaskInfo,
        dates: Iterable[_Date],
        places: int,
        forced: dict[int, str] | None = None,
        keep_free: Sequence[int] = (),
    ) -> None:
        """A shift for each date, with sign-ups as a year of volunteering leaves them.

        `forced` gives some coming shifts (by index from today: 0 is the first) a set
        scene: "empty", "partly", "demo" (the demo volunteer confirmed), "demo_stand_in",
        "demo_offered", "demo_waiting". `keep_free` volunteers are never drawn for coming
        shifts (the demo volunteer gets only her set scenes).
        """
        forced = forced or {}
        settings = self.settings.get(task.organisation_id) or _OrgSettings()
        pool = [self.people[pk] for pk in self.pools.get(task.organisation_id, ())]
        coming_index = 0
        for when in dates:
            shift_id = self.writer.next_shift_id()
            day = when.day
            coming = when.starts_at >= self.now
            scene = forced.get(coming_index) if coming else None
            if coming:
                coming_index += 1
            rows: list[tuple] = []
            confirmed = 0
            if not when.is_cancelled:
                candidates = [
                    p
                    for p in pool
                    if (p.pk, day) not in self.busy
                    and task.fits(p, day)
                    and not (coming and p.pk in keep_free)
                ]
                confirmed = self._sign_up(
                    rows, shift_id, task, when, places, candidates, scene, settings
                )
            alert_due = when.starts_at - timedelta(days=settings.unfilled_alert_days)
            self.writer.add_shift(
                (
                    shift_id,
                    task.pk,
                    when.occurrence_id,
                    when.original_date,
                    when.starts_at,
                    when.ends_at,
                    places,
                    confirmed,
                    when.is_cancelled,
                    when.starts_at - timedelta(days=5) if when.is_cancelled else None,
                    1 if when.is_cancelled else 0,
                    alert_due
                    if confirmed < places and alert_due < self.now and not when.is_cancelled
                    else None,
                    min(self.now, when.starts_at) - timedelta(days=60),
                ),
                rows,
            )

    def _sign_up(
        self,
        rows: list[tuple],
        shift_id: int,
        task: _TaskInfo,
        when: _Date,
        places: int,
        candidates: list[_Person],
        scene: str | None,
        settings: _OrgSettings,
    ) -> int:
        """Sign-up rows for one shift; returns the number confirmed."""
        rng, demo = self.rng, self.demo_volunteer
        days_ahead = (when.day - self.today).days
        past = days_ahead < 0
        if scene and scene.startswith("demo"):
            person = self.people.get(demo)
            if person is None or (demo, when.day) in self.busy or not task.fits(person, when.day):
                scene = None
        if scene:
            candidates = [p for p in candidates if p.pk != demo]
        others = [p.pk for p in rng.sample(candidates, min(len(candidates), places + 3))]
        chosen: list[int] = []
        waiting: list[int] = []
        cancelled: list[int] = []
        offered = None
        if scene in ("demo_offered", "demo_waiting") and len(others) >= places:
            if scene == "demo_offered":
                # Someone cancelled; the place went to Riet, first on the waiting list.
                chosen, cancelled, offered = others[: places - 1], others[places - 1 : places], demo
            else:
                chosen, waiting = others[:places], [demo]
            waiting += others[places : places + 1]
        else:
            if scene and scene.startswith("demo"):
                chosen.append(demo)
            take = max(0, self._target(task, places, days_ahead, scene) - len(chosen))
            chosen += others[:take]
            rest = others[take:]
            full = len(chosen) == places
            if full and not past and rest and (task.popular or rng.random() < 0.2):
                waiting = rest[: rng.choice((1, 1, 2))]
            elif rest and rng.random() < 0.1:
                cancelled = rest[:1]
        moment = self._signed_up_at(when, past)
        for number, pk in enumerate(chosen):
            self.busy.add((pk, when.day))
            rows.append(self._confirmed(shift_id, pk, when, past, moment(number), settings, task))
        if scene == "demo_stand_in":
            # "I cannot come": Riet asked for a stand-in yesterday evening.
            stand_in = self.now - timedelta(hours=5)
            rows[0] = (*rows[0][:6], stand_in, *rows[0][7:])
        for pk in cancelled:
            rows.append(self._cancelled(shift_id, pk, when, moment(0)))
        if offered is not None:
            self.busy.add((offered, when.day))
            expires = min(
                self.now + timedelta(hours=settings.offer_hours + 12),
                when.starts_at - timedelta(hours=1),
            )
            rows.append(_signup(shift_id, offered, SignUpStatus.OFFERED, moment(places), expires))
        for number, pk in enumerate(waiting, start=places + 1):
            rows.append(_signup(shift_id, pk, SignUpStatus.WAITING, moment(number)))
        return len(chosen)

    def _target(self, task: _TaskInfo, places: int, days_ahead: int, scene: str | None) -> int:
        """How many volunteers a shift has confirmed, by how far away it is."""
        rng = self.rng
        if scene == "empty":
            return 0
        if scene == "partly":
            return max(1, places // 2) if places > 1 else 0
        if scene == "demo" or scene == "demo_stand_in":
            return rng.randint(1, places)
        if days_ahead < 0:
            return places if rng.random() < 0.85 else max(0, places - rng.choice((1, 1, 2)))
        if task.popular and days_ahead <= 60:
            return places
        if days_ahead <= 7:
            roll = rng.random()
            return 0 if roll < 0.15 else rng.randint(1, places) if roll < 0.45 else places
        if days_ahead <= 45:
            return rng.choice((places, places, places - 1, places // 2))
        if days_ahead <= 120:
            return rng.choice((places - 1, places, places))
        # Regulars sign up for months ahead.
        return rng.randint(1, places // 2 + 1) if rng.random() < 0.6 else 0

    def _signed_up_at(self, when: _Date, past: bool):
        """Moments of signing up, in order: the n-th sign-up of a shift came after the first."""
        first = when.starts_at - timedelta(
            days=self.rng.randint(7, 40), hours=self.rng.randint(0, 9)
        )
        if not past:
            first = min(first, self.now - timedelta(days=2))

        def moment(number: int) -> datetime:
            return first + timedelta(hours=3 * (number + 1))

        return moment

    def _confirmed(
        self,
        shift_id: int,
        pk: int,
        when: _Date,
        past: bool,
        signed_up_at: datetime,
        settings: _OrgSettings,
        task: _TaskInfo,
    ) -> tuple:
        rng = self.rng
        reminder_due = when.starts_at - timedelta(hours=settings.reminder_hours)
        reminded = reminder_due if reminder_due < self.now else None
        no_show = hours = approved_by = approved_at = None
        if past:
            days_ago = (self.today - when.day).days
            if rng.random() < 0.02 and pk != self.demo_volunteer:
                no_show = when.ends_at + timedelta(days=1)
            elif days_ago > APPROVAL_DAYS or rng.random() < 0.25:
                hours = Decimal(
                    str(round((when.ends_at - when.starts_at).total_seconds() / 3600, 2))
                )
                approved_by = self.coordinators.get(task.organisation_id)
                approved_at = min(when.ends_at + timedelta(days=rng.randint(1, 6)), self.now)
        return (
            shift_id,
            pk,
            SignUpStatus.CONFIRMED,
            signed_up_at,
            None,
            None,
            None,
            reminded,
            no_show,
            hours,
            approved_by,
            approved_at,
        )

    def _cancelled(self, shift_id: int, pk: int, when: _Date, signed_up_at: datetime) -> tuple:
        cancelled_at = min(when.starts_at - timedelta(days=1), self.now - timedelta(hours=3))
        signed_up_at = min(signed_up_at, cancelled_at - timedelta(days=1))
        return _signup(shift_id, pk, SignUpStatus.CANCELLED, signed_up_at, None, cancelled_at)


def _vog_end(today: date, days_ago: int) -> date:
    return today - timedelta(days=days_ago) + timedelta(days=VOG_YEARS * 365)


def _signup(
    shift_id: int,
    pk: int,
    status: str,
    created_at: datetime,
    offer_expires_at: datetime | None = None,
    cancelled_at: datetime | None = None,
) -> tuple:
    return (
        shift_id,
        pk,
        status,
        created_at,
        offer_expires_at,
        cancelled_at,
        None,
        None,
        None,
        None,
        None,
        None,
    )


@dataclass(frozen=True)
class _Date:
    """One date a shift is made for: a stored date of the activity, or of the own schedule."""

    original_date: date
    starts_at: datetime
    ends_at: datetime
    #: The local day it starts on (a moved date may differ from original_date).
    day: date
    occurrence_id: int | None = None
    is_cancelled: bool = False


def _own_dates(task: Task, history_start: date, horizon: date) -> list[_Date]:
    """The dates of a task's own schedule, computed as for an activity."""
    schedule = recurrence.Schedule(
        start_date=task.start_date,
        frequency=task.frequency,
        monthly_ordinal=task.monthly_ordinal,
        until=task.until,
        count=task.count,
    )
    dates = []
    for day in recurrence.expand(schedule, start=history_start, end=horizon):
        starts_at = services.local_datetime(day, task.start_time)
        end_day = day if task.end_time > task.start_time else day + timedelta(days=1)
        ends_at = services.local_datetime(end_day, task.end_time)
        dates.append(_Date(day, starts_at, ends_at, day))
    return dates


def _occurrence_dates(activity_ids: Sequence[int]) -> dict[int, list[_Date]]:
    """The stored dates of activities (with a time), per activity, in date order."""
    dates: dict[int, list[_Date]] = {}
    for start in range(0, len(activity_ids), 500):
        rows = (
            Occurrence.objects.filter(
                activity_id__in=activity_ids[start : start + 500], all_day=False
            )
            .order_by("activity_id", "original_date")
            .values_list(
                "activity_id", "pk", "original_date", "starts_at", "ends_at", "is_cancelled"
            )
        )
        for activity_id, pk, original, starts_at, ends_at, cancelled in rows:
            ends_at = ends_at if ends_at and ends_at > starts_at else starts_at + timedelta(hours=2)
            day = timezone.localtime(starts_at).date()
            dates.setdefault(activity_id, []).append(
                _Date(original, starts_at, ends_at, day, pk, cancelled)
            )
    return dates


# --- writing rows --------------------------------------------------------------------------

SHIFT_COLUMNS = (
    "id",
    "task_id",
    "occurrence_id",
    "original_date",
    "starts_at",
    "ends_at",
    "places",
    "confirmed_count",
    "is_cancelled",
    "cancelled_at",
    "sequence",
    "unfilled_alert_sent_at",
    "created_at",
)
SIGNUP_COLUMNS = (
    "shift_id",
    "volunteer_id",
    "status",
    "created_at",
    "offer_expires_at",
    "cancelled_at",
    "stand_in_wanted_at",
    "reminder_sent_at",
    "no_show_recorded_at",
    "hours_approved",
    "hours_approved_by_id",
    "hours_approved_at",
)


class _Writer:
    """Shifts and sign-ups in batches, with the shifts' primary keys chosen here."""

    def __init__(self) -> None:
        self._next = (Shift.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self._shifts: list[tuple] = []
        self._signups: list[tuple] = []
        self.wrote_shifts = False

    def next_shift_id(self) -> int:
        return self._next

    def add_shift(self, row: tuple, signups: list[tuple]) -> None:
        self._shifts.append(row)
        self._signups.extend(signups)
        self._next += 1
        if len(self._signups) >= ROW_BATCH or len(self._shifts) >= ROW_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._shifts:
            insert_rows(Shift, SHIFT_COLUMNS, self._shifts)
            self.wrote_shifts = True
        insert_rows(SignUp, SIGNUP_COLUMNS, self._signups)
        self._shifts, self._signups = [], []

    def close(self) -> None:
        self.flush()
        if self.wrote_shifts:
            # The primary keys were chosen here: move PostgreSQL's sequence past them.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Shift]):
                    cursor.execute(sql)


# --- the village ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSpec:
    """A task of Beesd, in the words of the organisation that needs the help."""

    key: str
    org: str
    title: str
    description: str
    kind: str
    places: int
    #: Follows this activity of the agenda (activities/seed.py key) ...
    activity: str | None = None
    #: ... or has its own schedule.
    frequency: str = F.WEEKLY
    weekday: int = MON
    start: time | None = None
    end: time | None = None
    ordinal: int | None = None
    place: str | None = None
    location_note: str = ""
    vog: bool = False
    driving_licence: bool = False
    training: str = ""
    minimum_age: int | None = None
    care_note: str = ""
    popular: bool = False


CARE_NOTE = (
    "Vrijwilligers helpen niet bij wassen, aankleden of medicijnen: dat doen de "
    "verzorgenden. Ziet u dat iemand meer nodig heeft, zeg het dan tegen hen."
)
TRIP_NOTE = (
    "Er gaat altijd een verzorgende mee voor medicijnen en persoonlijke verzorging. U bent "
    "er voor de gezelligheid, een arm om te steunen en een oogje in het zeil."
)
DRIVER_NOTE = (
    "U rijdt en helpt met in- en uitstappen. Hulp bij het aankleden of bij medicijnen hoort "
    "niet bij deze taak."
)

HOME_TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("lunch_tables", "care_home", "Tafels dekken voor de open lunch",
             "Tafels dekken in het restaurant van De Lingehof, de gasten welkom heten en na "
             "afloop samen afruimen. Gezellig en niet zwaar.",
             K.SETTING_UP, 2, activity="lunch", care_note=CARE_NOTE, popular=True),
    TaskSpec("care_coffee", "care_home", "Koffie schenken in het restaurant",
             "Koffie en thee schenken voor de bewoners en buurtbewoners die aanschuiven, en "
             "een praatje maken. De koffie staat om tien uur klaar.",
             K.HOSPITALITY, 2, frequency=F.WEEKLY, weekday=WED, start=time(10, 0),
             end=time(11, 30), place="care_home", location_note="Restaurant, begane grond",
             care_note=CARE_NOTE),
    TaskSpec("care_music", "care_home", "Bewoners ophalen voor de muziekmiddag",
             "Bewoners op hun kamer ophalen en naar de muziekmiddag brengen, samen luisteren "
             "en na afloop weer terugbrengen.",
             K.ACCOMPANYING, 3, activity="music", vog=True, care_note=CARE_NOTE),
    TaskSpec("care_trip", "care_home", "Mee op uitje met de bewoners",
             "Eens per maand gaan we met een groep bewoners op stap: naar de markt, een "
             "tuin of een museum. U gaat mee als begeleider.",
             K.ACCOMPANYING, 4, frequency=F.MONTHLY_WEEKDAY, weekday=THU, ordinal=2,
             start=time(10, 0), end=time(15, 30), location_note="Vertrek bij de hoofdingang",
             vog=True, care_note=TRIP_NOTE, popular=True),
    TaskSpec("klokhuis_coffee", "klokhuis", "Gastvrouw of gastheer bij de koffieochtend",
             "Koffie zetten, mensen welkom heten en zorgen dat nieuwe bezoekers zich thuis "
             "voelen. U hoeft niets voor te bereiden.",
             K.HOSPITALITY, 2, activity="coffee"),
    TaskSpec("klokhuis_dinner", "klokhuis", "Koken bij Samen eten",
             "Samen met de kookploeg een driegangenmaaltijd klaarmaken in de keuken van het "
             "Klokhuis, opscheppen en afwassen.",
             K.HOSPITALITY, 4, activity="dinner", minimum_age=16,
             location_note="Keuken van het Klokhuis"),
    TaskSpec("klokhuis_film", "klokhuis", "Zaal klaarzetten voor de filmmiddag",
             "Stoelen neerzetten, het scherm klaarzetten en in de pauze thee schenken.",
             K.SETTING_UP, 2, activity="film"),
    TaskSpec("klokhuis_theatre", "klokhuis", "Helpen bij de theatervoorstelling",
             "De zaal klaarzetten, kaartjes nakijken en na afloop koffie schenken.",
             K.SETTING_UP, 4, activity="theatre"),
    TaskSpec("bus_shopping", "bus", "Chauffeur van de boodschappenbus",
             "U rijdt de dorpsbus langs de vaste adressen naar de supermarkt en weer terug. "
             "Een rijbewijs B is genoeg; u krijgt eerst een proefrit.",
             K.DRIVING, 1, activity="shopping_bus", driving_licence=True, minimum_age=21,
             care_note=DRIVER_NOTE),
    TaskSpec("bus_market", "bus", "Chauffeur voor de markt in Culemborg",
             "Eens per maand naar de markt in Culemborg: ophalen, rijden, terugbrengen.",
             K.DRIVING, 1, activity="market_bus", driving_licence=True, minimum_age=21,
             care_note=DRIVER_NOTE),
    TaskSpec("bus_gardens", "bus", "Begeleider bij het uitje naar Appeltern",
             "Mee op uitje naar de tuinen van Appeltern: helpen met in- en uitstappen, een "
             "rolstoel duwen en gezellig mee wandelen.",
             K.ACCOMPANYING, 3, activity="trip_gardens", vog=True, care_note=TRIP_NOTE,
             popular=True),
    TaskSpec("bus_mill", "bus", "Begeleider bij het uitje naar molen en museum",
             "Mee op uitje naar de molen en het museum. U helpt met in- en uitstappen en "
             "zorgt dat niemand achterblijft.",
             K.ACCOMPANYING, 2, activity="trip_mill", vog=True, care_note=TRIP_NOTE),
    TaskSpec("welzijn_advice", "welzijn", "Gastvrouw of gastheer bij het spreekuur",
             "Mensen welkom heten bij het spreekuur van de ouderenadviseur, koffie "
             "aanbieden en zorgen dat iedereen op zijn beurt kan wachten.",
             K.HOSPITALITY, 1, activity="advice"),
    TaskSpec("welzijn_lift", "welzijn", "Vervoer naar Beesd ontmoet elkaar",
             "Inwoners die slecht ter been zijn thuis ophalen en naar Beesd ontmoet elkaar "
             "brengen, en na afloop weer thuisbrengen. Met uw eigen auto; u krijgt een "
             "kilometervergoeding.",
             K.DRIVING, 3, frequency=F.MONTHLY_WEEKDAY, weekday=THU, ordinal=3,
             start=time(13, 15), end=time(17, 0), place="klokhuis",
             driving_licence=True, minimum_age=21, care_note=DRIVER_NOTE),
    TaskSpec("welzijn_yoga", "welzijn", "Helpen bij stoelyoga",
             "De docent helpen met de matten en stoelen, en een oogje in het zeil houden. "
             "Een EHBO-diploma is nodig.",
             K.ACTIVITY, 1, activity="chair_yoga", training="EHBO"),
    TaskSpec("welzijn_tax", "welzijn", "Invulhulp belastingaangifte",
             "Inwoners helpen met hun belastingaangifte aan de keukentafel of in de "
             "bibliotheek. Geen financiële adviezen: bij schulden verwijzen we naar het "
             "wijkteam.",
             K.PRACTICAL, 2, frequency=F.MONTHLY_WEEKDAY, weekday=MON, ordinal=1,
             start=time(13, 30), end=time(16, 0), place="library", vog=True),
    TaskSpec("zonnebloem_visit", "zonnebloem", "Helpen bij de Zonnebloemmiddag",
             "Gasten ontvangen, koffie en iets lekkers rondbrengen en een praatje maken.",
             K.HOSPITALITY, 3, activity="zonnebloem", vog=True),
    TaskSpec("foodbank_packages", "foodbank", "Pakketten sorteren en uitgeven",
             "Op vrijdag sorteren we de boodschappen en geven we de pakketten uit, met "
             "koffie en een praatje. Niet te zwaar tillen: we doen het samen.",
             K.PRACTICAL, 4, frequency=F.WEEKLY, weekday=FRI, start=time(13, 0),
             end=time(16, 0), location_note="Achteringang van de kerk", minimum_age=16),
    TaskSpec("library_digicafe", "library", "Vrijwilliger in het Digicafé",
             "Mensen helpen met hun telefoon, tablet of DigiD. U hoeft geen expert te zijn: "
             "geduld is belangrijker.",
             K.ACTIVITY, 2, activity="digicafe"),
    TaskSpec("church_coffee", "church", "Koffie schenken na de kerk",
             "Na de dienst koffie en thee schenken in de kerkzaal en afwassen.",
             K.HOSPITALITY, 2, activity="church_coffee"),
    TaskSpec("daycare_garden", "day_care", "Helpen bij samen tuinieren",
             "Met de deelnemers van de dagbesteding zaaien, wieden en oogsten in de tuin.",
             K.ACTIVITY, 2, activity="garden", vog=True, care_note=CARE_NOTE),
)  # fmt: skip

#: Set scenes for coming shifts (index 0 is the first from today), for the demo accounts.
HOME_SCENES: dict[str, dict[int, str]] = {
    # Riet, the demo volunteer: coming shifts, a stand-in request, a place offered to her.
    "care_coffee": {0: "demo", 1: "demo_stand_in", 3: "demo"},
    "klokhuis_coffee": {1: "demo", 5: "demo"},
    "lunch_tables": {2: "demo_offered", 6: "demo"},
    "care_trip": {0: "demo_waiting"},
    # Marloes, the demo coordinator: shifts that are still short of volunteers soon.
    "welzijn_advice": {0: "empty", 1: "empty", 2: "partly"},
    "welzijn_lift": {0: "partly"},
    "welzijn_yoga": {0: "empty"},
    "welzijn_tax": {0: "partly"},
    # Another unfilled shift soon elsewhere.
    "klokhuis_film": {0: "empty"},
}

HOME_SETTINGS = {
    "care_home": {"cancel_deadline_hours": 48, "contact_phone": "0345-681200"},
    "welzijn": {"unfilled_alert_days": 5, "contact_phone": "0345-683300"},
    "bus": {"reminder_hours": 48, "cancel_deadline_hours": 48, "contact_phone": "06-23456789"},
    "zonnebloem": {"co_volunteer_names": NameVisibility.HIDDEN},
}


def _seed_home(run: _Run) -> None:
    ctx, today = run.ctx, run.today
    _save_settings(run, {ctx.home[key]: values for key, values in HOME_SETTINGS.items()})
    activities: dict[str, Activity] = ctx.shared.get("home_activities", {})
    places = ctx.shared.get("home_places", {})
    history_start = today - timedelta(days=VILLAGE_HISTORY_DAYS)
    specs = [s for s in HOME_TASKS if s.activity is None or s.activity in activities]
    tasks = Task.objects.bulk_create(
        [_home_task(run, spec, activities, places, history_start) for spec in specs]
    )
    linked = _occurrence_dates([t.activity_id for t in tasks if t.activity_id])
    run.ctx.shared["home_tasks"] = dict(zip((s.key for s in specs), tasks, strict=True))
    for spec, task in zip(specs, tasks, strict=True):
        if task.activity_id:
            dates = linked.get(task.activity_id, [])
        else:
            dates = _own_dates(task, history_start, run.horizon)
        info = _TaskInfo(
            spec.key,
            task.pk,
            task.organisation_id,
            spec.vog,
            spec.driving_licence,
            spec.training,
            spec.minimum_age,
            spec.popular,
        )
        run.fill_task(
            info, dates, spec.places, HOME_SCENES.get(spec.key), keep_free=[run.demo_volunteer]
        )
    run.writer.flush()
    _seed_home_help_requests(run)
    _seed_home_applications(run)


def _save_settings(run: _Run, settings: dict[Organisation, dict]) -> None:
    VolunteeringSettings.objects.bulk_create(
        [
            VolunteeringSettings(organisation=org, **{**VolunteeringSettings.DEFAULTS, **values})
            for org, values in settings.items()
        ]
    )
    for org, values in settings.items():
        defaults = _OrgSettings()
        run.settings[org.pk] = _OrgSettings(
            values.get("reminder_hours", defaults.reminder_hours),
            values.get("unfilled_alert_days", defaults.unfilled_alert_days),
            values.get("offer_hours", defaults.offer_hours),
        )


def _home_task(
    run: _Run,
    spec: TaskSpec,
    activities: dict[str, Activity],
    places: dict,
    history_start: date,
) -> Task:
    organisation = run.ctx.home[spec.org]
    activity = activities.get(spec.activity) if spec.activity else None
    task = Task(
        organisation=organisation,
        title=spec.title,
        description=spec.description,
        kind=spec.kind,
        place=places.get(spec.place) if spec.place else (activity.place if activity else None),
        location_note=spec.location_note,
        activity=activity,
        volunteers_needed=spec.places,
        requires_vog=spec.vog,
        required_training=spec.training,
        requires_driving_licence=spec.driving_licence,
        minimum_age=spec.minimum_age,
        care_boundary_note=spec.care_note,
        created_by_id=run.coordinators.get(organisation.pk),
    )
    if activity is None:
        task.start_date = _first_date(history_start, spec)
        task.start_time, task.end_time = spec.start, spec.end
        task.frequency, task.monthly_ordinal = spec.frequency, spec.ordinal
        task.materialised_until = run.horizon
    return task


def _first_date(since: date, spec: TaskSpec) -> date:
    """The first date of the schedule on or after `since`."""
    if spec.frequency == F.MONTHLY_WEEKDAY:
        year, month = since.year, since.month
        while True:
            day = recurrence.nth_weekday(year, month, spec.weekday, spec.ordinal)
            if day is not None and day >= since:
                return day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return since + timedelta(days=(spec.weekday - since.weekday()) % 7)


#: (title, description, kind, how often, volunteers wanted, status, roughly where, responses
#: as (status, rotation position)).
HOME_HELP_REQUESTS = (
    ("Wekelijks boodschappen doen", "Een oudere dame kan niet meer zelf naar de supermarkt. "
     "Wie gaat eens in de maand met haar boodschappenlijstje op pad? Met vier vrijwilligers "
     "om de beurt is het voor niemand te veel.", K.PRACTICAL, HelpFrequency.WEEKLY, 4,
     HelpRequestStatus.MATCHED, "bij de Dorpsstraat",
     ((HelpResponseStatus.MATCHED, 1), (HelpResponseStatus.MATCHED, 2),
      (HelpResponseStatus.MATCHED, 3), (HelpResponseStatus.MATCHED, 4),
      (HelpResponseStatus.NOT_MATCHED, None))),
    ("Samen een wandeling maken", "Meneer wandelt graag langs de Linge, maar niet meer "
     "alleen. Een uurtje samen lopen en een praatje maken.", K.ACCOMPANYING,
     HelpFrequency.WEEKLY, 2, HelpRequestStatus.OPEN, "in Rumpt",
     ((HelpResponseStatus.OFFERED, None), (HelpResponseStatus.OFFERED, None))),
    ("Vervoer naar de fysiotherapeut", "Twee keer per maand naar de fysiotherapeut in "
     "Geldermalsen en weer terug.", K.DRIVING, HelpFrequency.FORTNIGHTLY, 2,
     HelpRequestStatus.OPEN, "in Beesd, bij de kerk", ((HelpResponseStatus.OFFERED, None),)),
    ("Een maatje voor een kop koffie", "Een mevrouw die net in het dorp woont, zou het fijn "
     "vinden als iemand af en toe langskomt voor koffie en een praatje.", K.OTHER,
     HelpFrequency.NOW_AND_THEN, 1, HelpRequestStatus.OPEN, "in Beesd-Noord", ()),
    ("Schilderijen ophangen", "Na een verhuizing naar een kleinere woning: een paar "
     "schilderijen en een plank ophangen.", K.PRACTICAL, HelpFrequency.ONCE, 1,
     HelpRequestStatus.MATCHED, "bij het Kerkplein", ((HelpResponseStatus.MATCHED, 1),)),
    ("Tuin winterklaar maken", "Bladeren harken en de plantenbakken leeghalen.",
     K.PRACTICAL, HelpFrequency.ONCE, 2, HelpRequestStatus.CLOSED, "in Gellicum",
     ((HelpResponseStatus.MATCHED, 1), (HelpResponseStatus.MATCHED, 2))),
    ("Voorlezen uit de krant", "Een meneer die slecht ziet, hoort graag wat er in de krant "
     "staat. Een keer per week een half uurtje.", K.OTHER, HelpFrequency.WEEKLY, 2,
     HelpRequestStatus.OPEN, "in Deil", ()),
)  # fmt: skip


def _seed_home_help_requests(run: _Run) -> None:
    ctx, rng = run.ctx, run.rng
    welzijn = ctx.home["welzijn"]
    pool = [pk for pk in run.pools.get(welzijn.pk, []) if pk != run.demo_volunteer]
    pool += [pk for pk in run.pools.get(ctx.home["zonnebloem"].pk, []) if pk not in pool]
    areas = [area for area in ctx.areas if area.municipality_id == welzijn.municipality_id]
    requests, planned = [], []
    for index, (title, text, kind, often, wanted, status, where, answers) in enumerate(
        HOME_HELP_REQUESTS
    ):
        requests.append(
            HelpRequest(
                organisation=welzijn,
                title=title,
                description=text,
                kind=kind,
                area=areas[index % len(areas)] if areas else None,
                rough_location=where,
                frequency=often,
                volunteers_wanted=wanted,
                requester_name=seeding._person_name(rng),
                requester_contact=seeding._phone(rng, "0345"),
                posted_by_id=run.demo_coordinator,
                status=status,
                closed_at=run.now - timedelta(days=10)
                if status == HelpRequestStatus.CLOSED
                else None,
            )
        )
        planned.append(answers)
    requests = HelpRequest.objects.bulk_create(requests)
    _answer(run, requests, planned, pool)


def _answer(
    run: _Run,
    requests: list[HelpRequest],
    planned: list[Sequence[tuple[str, int | None]]],
    pool: list[int],
) -> None:
    responses = []
    for request, answers in zip(requests, planned, strict=True):
        people = run.rng.sample(pool, min(len(pool), len(answers)))
        for pk, (status, position) in zip(people, answers, strict=False):
            responses.append(
                HelpResponse(
                    request=request,
                    volunteer_id=pk,
                    message=run.rng.choice(HELP_MESSAGES),
                    status=status,
                    rotation_position=position,
                    decided_at=run.now - timedelta(days=run.rng.randint(1, 20))
                    if status != HelpResponseStatus.OFFERED
                    else None,
                )
            )
    seeding.bulk_create(responses)


def _seed_home_applications(run: _Run) -> None:
    """Residents and volunteers of other organisations who want to help here as well."""
    ctx, rng = run.ctx, run.rng
    plan = {"welzijn": 4, "care_home": 2, "klokhuis": 1, "bus": 1}
    villagers = {pk for org in ctx.home.values() for pk in run.pools.get(org.pk, ())}
    applications = []
    for key, count in plan.items():
        org = ctx.home[key]
        members = set(run.pools.get(org.pk, ()))
        outsiders = sorted(villagers - members - {run.demo_volunteer})
        for pk in rng.sample(outsiders, min(count, len(outsiders))):
            applications.append(
                VolunteerApplication(
                    user_id=pk, organisation=org, message=rng.choice(APPLICATION_MESSAGES)
                )
            )
    # Decided ones for the history: approved for volunteers who help there now.
    helpers = run.pools.get(ctx.home["welzijn"].pk, [])
    for pk in rng.sample(helpers, min(3, len(helpers))):
        applications.append(
            VolunteerApplication(
                user_id=pk,
                organisation=ctx.home["welzijn"],
                status=ApplicationStatus.APPROVED,
                decided_by_id=run.demo_coordinator,
                decided_at=run.now - timedelta(days=rng.randint(30, 300)),
            )
        )
    seeding.bulk_create(applications)


# --- the region ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionTask:
    """A kind of task any village has; {a} is the activity's title, {o} the organisation."""

    title: str
    description: str
    kind: str
    places: tuple[int, ...]
    #: Follows one of the organisation's activities, or has its own schedule.
    follows: bool = False
    frequency: str = F.WEEKLY
    slot: tuple[time, time] = (time(10, 0), time(12, 0))
    vog: bool = False
    driving_licence: bool = False
    training: str = ""
    minimum_age: int | None = None
    care_note: str = ""
    kinds: tuple[str, ...] = ()


REGION_TASKS = (
    RegionTask("Koffie schenken bij {a}", "Koffie en thee schenken, mensen welkom heten en "
               "een praatje maken.", K.HOSPITALITY, (2, 3, 4, 4), follows=True),
    RegionTask("Zaal klaarzetten voor {a}", "Tafels en stoelen neerzetten en na afloop "
               "samen opruimen.", K.SETTING_UP, (2, 3, 4), follows=True),
    RegionTask("Begeleiden bij {a}", "Deelnemers ophalen, helpen waar nodig en zorgen dat "
               "iedereen zich welkom voelt.", K.ACCOMPANYING, (3, 4, 5), follows=True,
               vog=True, care_note=CARE_NOTE),
    RegionTask("Tafels dekken in het restaurant", "Tafels dekken, de gasten welkom heten en "
               "samen afruimen.", K.SETTING_UP, (3, 4, 5), slot=(time(11, 30), time(13, 30)),
               care_note=CARE_NOTE, kinds=(Kind.CARE_HOME,)),
    RegionTask("Koffie schenken in {o}", "Koffie en thee schenken voor bewoners en bezoekers.",
               K.HOSPITALITY, (3, 4), slot=(time(10, 0), time(11, 30)), care_note=CARE_NOTE,
               kinds=(Kind.CARE_HOME, Kind.OTHER, Kind.CHURCH)),
    RegionTask("Mee op uitje", "Een dag mee op stap met de groep: een arm om te steunen en "
               "een oogje in het zeil.", K.ACCOMPANYING, (4, 5, 6),
               frequency=F.MONTHLY_WEEKDAY, slot=(time(10, 0), time(15, 30)), vog=True,
               care_note=TRIP_NOTE, kinds=(Kind.CARE_HOME, Kind.CLUB, Kind.WELFARE)),
    RegionTask("Chauffeur van de dorpsbus", "Inwoners thuis ophalen en naar de activiteit of "
               "de winkel brengen.", K.DRIVING, (1, 2), slot=(time(9, 30), time(12, 0)),
               driving_licence=True, minimum_age=21, care_note=DRIVER_NOTE,
               kinds=(Kind.OTHER, Kind.WELFARE, Kind.CARE_HOME)),
    RegionTask("Pakketten sorteren", "Boodschappen sorteren en de pakketten klaarzetten.",
               K.PRACTICAL, (3, 4, 5), slot=(time(13, 0), time(16, 0)), minimum_age=16,
               kinds=(Kind.OTHER, Kind.CHURCH)),
    RegionTask("Klussen in en om het gebouw", "Kleine klussen: een lamp vervangen, de tuin "
               "bijhouden, een kast in elkaar zetten.", K.PRACTICAL, (2, 3),
               frequency=F.MONTHLY_WEEKDAY, slot=(time(9, 30), time(12, 30))),
    RegionTask("Gastvrouw of gastheer bij de inloop", "Mensen ontvangen, koffie aanbieden en "
               "de weg wijzen.", K.HOSPITALITY, (2, 3), slot=(time(14, 0), time(16, 30)),
               kinds=(Kind.WELFARE, Kind.LIBRARY, Kind.OTHER, Kind.CLUB)),
    RegionTask("Helpen in het Digicafé", "Mensen helpen met hun telefoon, tablet of DigiD.",
               K.ACTIVITY, (2, 3), slot=(time(10, 0), time(12, 0)), kinds=(Kind.LIBRARY,)),
    RegionTask("Voorlezen en spelletjes", "Voorlezen, een spelletje doen, samen zingen.",
               K.ACTIVITY, (2, 3), frequency=F.BIWEEKLY, slot=(time(14, 0), time(15, 30)),
               vog=True, kinds=(Kind.SCHOOL, Kind.CARE_HOME)),
)  # fmt: skip


def _seed_region(run: _Run) -> None:
    """Tasks for region organisations in a shuffled order until the shifts reach the target."""
    ctx, rng, today = run.ctx, run.rng, run.today
    home_orgs = {org.pk for org in ctx.home.values()}
    orgs = [
        org
        for org in ctx.organisations
        if org.pk not in home_orgs and org.is_active and len(run.pools.get(org.pk, ())) >= 2
    ]
    if not orgs:
        return
    rng.shuffle(orgs)
    _give_coordinators(run, orgs)
    # Volunteering runs where someone coordinates it.
    orgs = [org for org in orgs if org.pk in run.coordinators]
    if not orgs:
        return
    target = ctx.scaled(REGION_SHIFTS - Shift.objects.count())
    history_start = today - timedelta(days=REGION_HISTORY_DAYS)
    series = _region_series(orgs)
    planned: list[tuple[Task, RegionTask, int]] = []
    estimate, round_number = 0, 0
    while estimate < target and round_number < 4:
        for org in orgs:
            if estimate >= target:
                break
            if round_number and rng.random() < 0.5:
                continue
            template = _pick_template(rng, org, series.get(org.pk))
            activity = rng.choice(series[org.pk]) if template.follows else None
            places = rng.choice(template.places)
            task = _region_task(run, org, template, activity, places, history_start)
            planned.append((task, template, places))
            estimate += activity[1] if activity else _estimate(task, history_start, run.horizon)
        round_number += 1
    tasks = Task.objects.bulk_create([task for task, _t, _p in planned], batch_size=1000)
    linked = _occurrence_dates(sorted({t.activity_id for t in tasks if t.activity_id}))
    for task, (_task, template, places) in zip(tasks, planned, strict=True):
        if task.activity_id:
            dates = linked.get(task.activity_id, [])
        else:
            dates = _own_dates(task, history_start, run.horizon)
        info = _TaskInfo(
            "",
            task.pk,
            task.organisation_id,
            template.vog,
            template.driving_licence,
            template.training,
            template.minimum_age,
            rng.random() < 0.1,
        )
        run.fill_task(info, dates, places)
    run.writer.flush()
    _seed_region_help(run, orgs)


def _give_coordinators(run: _Run, orgs: list[Organisation]) -> None:
    """Every organisation with tasks gets a coordinator: one of its own volunteers who helps
    nowhere else takes the role (the region has no other people to spare)."""
    per_user: dict[int, int] = {}
    for pool in run.pools.values():
        for pk in pool:
            per_user[pk] = per_user.get(pk, 0) + 1
    promote: list[tuple[int, int]] = []
    for org in sorted(orgs, key=lambda o: o.pk):
        pool = run.pools[org.pk]
        single = [pk for pk in pool if per_user[pk] == 1 and pk != run.demo_volunteer]
        if org.pk in run.coordinators or not single or len(pool) < 3:
            continue
        pk = run.rng.choice(single)
        promote.append((org.pk, pk))
        pool.remove(pk)
        run.coordinators[org.pk] = pk
    for start in range(0, len(promote), 500):
        condition = models.Q()
        for org_id, user_id in promote[start : start + 500]:
            condition |= models.Q(organisation_id=org_id, user_id=user_id)
        Membership.objects.filter(condition, role=Role.VOLUNTEER).update(role=Role.COORDINATOR)


def _region_series(orgs: list[Organisation]) -> dict[int, list[tuple[Activity, int]]]:
    """Per organisation: its published series with a time (not daily), with their dates."""
    org_ids = [org.pk for org in orgs]
    series: dict[int, list[tuple[Activity, int]]] = {}
    activities = (
        Activity.objects.filter(
            organisation_id__in=org_ids,
            status=Status.PUBLISHED,
            start_time__isnull=False,
            frequency__in=(F.WEEKLY, F.BIWEEKLY, F.MONTHLY_WEEKDAY, F.MONTHLY_DATE),
        )
        .only("pk", "organisation_id", "title", "place_id")
        .order_by("pk")
    )
    by_pk = {a.pk: a for a in activities}
    counts = dict(
        Occurrence.objects.filter(activity_id__in=list(by_pk))
        .values_list("activity_id")
        .annotate(n=models.Count("pk"))
        .values_list("activity_id", "n")
    )
    for activity in by_pk.values():
        series.setdefault(activity.organisation_id, []).append(
            (activity, counts.get(activity.pk, 0))
        )
    return series


def _pick_template(rng: random.Random, org: Organisation, series: list | None) -> RegionTask:
    choices = [
        t for t in REGION_TASKS if (series if t.follows else not t.kinds or org.kind in t.kinds)
    ]
    weights = [3 if t.follows else 2 if t.kinds else 1 for t in choices]
    return rng.choices(choices, weights)[0]


def _region_task(
    run: _Run,
    org: Organisation,
    template: RegionTask,
    activity: tuple[Activity, int] | None,
    places: int,
    history_start: date,
) -> Task:
    rng = run.rng
    short = org.name.split(",")[0]
    title = template.title.format(a=activity[0].title if activity else "", o=short)
    task = Task(
        organisation=org,
        title=title[:120],
        description=template.description,
        kind=template.kind,
        activity=activity[0] if activity else None,
        place_id=activity[0].place_id if activity else None,
        volunteers_needed=places,
        requires_vog=template.vog,
        required_training=template.training,
        requires_driving_licence=template.driving_licence,
        minimum_age=template.minimum_age,
        care_boundary_note=template.care_note,
        created_by_id=run.coordinators.get(org.pk),
    )
    if activity is None:
        weekday = rng.choices(range(7), (18, 18, 18, 18, 16, 9, 3))[0]
        spec = TaskSpec(
            "", "", "", "", "", 1, frequency=template.frequency, weekday=weekday,
            ordinal=rng.choice((1, 2, 3, 4)) if template.frequency == F.MONTHLY_WEEKDAY else None,
        )  # fmt: skip
        since = history_start
        if rng.random() < 0.15:
            since += timedelta(days=rng.randint(0, REGION_HISTORY_DAYS))
        task.start_date = _first_date(since, spec)
        task.start_time, task.end_time = template.slot
        task.frequency, task.monthly_ordinal = spec.frequency, spec.ordinal
        task.materialised_until = run.horizon
    return task


def _estimate(task: Task, history_start: date, horizon: date) -> int:
    days = (horizon - max(task.start_date, history_start)).days
    return {F.WEEKLY: days // 7, F.BIWEEKLY: days // 14}.get(task.frequency, days // 30)


def _seed_region_help(run: _Run, orgs: list[Organisation]) -> None:
    """Open help requests and pending applications spread over the region."""
    ctx, rng = run.ctx, run.rng
    welfare = [o for o in orgs if o.kind in (Kind.WELFARE, Kind.CARE_HOME, Kind.CHURCH)] or orgs
    area_names = {area.pk: area.name for area in ctx.areas}
    requests, planned = [], []
    for index in range(ctx.scaled(REGION_HELP_REQUESTS)):
        org = welfare[index % len(welfare)]
        title, text, kind, often, wanted, _status, _where, answers = HOME_HELP_REQUESTS[
            index % len(HOME_HELP_REQUESTS)
        ]
        status = HelpRequestStatus.MATCHED if rng.random() < 0.3 else HelpRequestStatus.OPEN
        requests.append(
            HelpRequest(
                organisation=org,
                title=title,
                description=text,
                kind=kind,
                area_id=org.area_id,
                rough_location=f"in {area_names[org.area_id]}" if org.area_id in area_names else "",
                frequency=often,
                volunteers_wanted=wanted,
                requester_name=seeding._person_name(rng),
                requester_contact=seeding._phone(rng, "0345"),
                posted_by_id=run.coordinators.get(org.pk),
                status=status,
            )
        )
        if status == HelpRequestStatus.OPEN:
            answers = tuple((HelpResponseStatus.OFFERED, None) for _a in answers[:2])
        planned.append(answers)
    requests = seeding.bulk_create(requests)
    for request, answers in zip(requests, planned, strict=True):
        _answer(run, [request], [answers], run.pools.get(request.organisation_id, []))
    applications = []
    everyone = sorted(run.people)
    seen: set[tuple[int, int]] = set()
    for index in range(ctx.scaled(REGION_APPLICATIONS)):
        org = orgs[index % len(orgs)]
        pk = rng.choice(everyone)
        if pk in run.pools[org.pk] or (pk, org.pk) in seen or pk == run.demo_volunteer:
            continue
        seen.add((pk, org.pk))
        applications.append(
            VolunteerApplication(
                user_id=pk, organisation=org, message=rng.choice(APPLICATION_MESSAGES)
            )
        )
    seeding.bulk_create(applications)


# --- words ---------------------------------------------------------------------------------

SKILLS = (
    "Koffie zetten voor een grote groep en een praatje maken.",
    "Autorijden, ik ken de omgeving goed.",
    "Handig met gereedschap.",
    "Koken voor veel mensen.",
    "Geduldig met computers en telefoons.",
    "Goed met mensen die slecht horen of zien.",
    "Vroeger in de zorg gewerkt.",
    "Tuinieren en alles wat groeit.",
)
INTERESTS = (
    "Mee op uitje met ouderen.",
    "Iets doen met muziek.",
    "Liefst overdag, ik werk nog parttime.",
    "Iets in de keuken.",
    "Samen wandelen of fietsen.",
    "Helpen bij de dagbesteding.",
)
HELP_MESSAGES = (
    "Ik woon vlakbij en heb op dinsdag tijd.",
    "Dat wil ik graag doen, ik heb een auto.",
    "Ik kan om de week, niet elke week.",
    "Leuk, ik wandel zelf ook graag.",
    "",
)
APPLICATION_MESSAGES = (
    "Ik ben net met pensioen en wil graag iets doen in het dorp.",
    "Mijn moeder woont in De Lingehof; ik wil graag af en toe helpen.",
    "Ik heb een rijbewijs en wil best rijden.",
    "Ik help al bij het Klokhuis en wil hier ook wel bijspringen.",
    "",
)
