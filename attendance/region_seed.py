"""Attendance at `region` scale (called by attendance/seed.py): 50,000 participants and about
5 million attendance rows over the agenda's two years of past dates, with the roll-calls
of the dates that had attendance taken and some absences.

Which organisations keep attendance: about two in five of the organisations that run
recurring activities (not wijkteams, municipalities or housing). Their past dates get a
roll-call, except a few forgotten ones and, for half of them, a summer break (no
attendance taken from mid-July to the end of August: the "not seen lately" job must not
see absences there). Each participant comes to one to four of their organisation's
activities in a rhythm of their own (nearly every time, every other time, now and then),
some joined lately, some stopped coming a few weeks ago (the signals a fresh region
shows), some were away for a while (an Absence).

Why it is built this way: rows are never model instances. Participants get primary keys
chosen here, so attendance rows point at them without reading anything back; rows are
streamed from generators into one COPY per table on PostgreSQL (psycopg's cursor.copy)
and into executemany batches elsewhere, so memory does not grow with the data. The data
depends on the seed and the day only.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from activities import seed as agenda_seed
from activities.models import Activity, Occurrence
from network import seed as seeding
from network.models import Organisation
from network.seed import SeedContext, insert_rows

from .models import (
    Absence,
    Attendance,
    AttendanceSettings,
    ConsentHow,
    Participant,
    RollCall,
)

#: Participants at region scale, factor 1.0 (SPEC.md "Scale").
REGION_PARTICIPANTS = 50_000
#: Share of organising organisations that keep attendance.
KEEPING_SHARE = 0.4
#: About how many times a participant came over the two years (drawn around it).
MEAN_VISITS = 140
#: Rhythms: (share, chance to come to a date of theirs).
RHYTHMS = ((0.55, 0.9), (0.2, 0.5), (0.15, 0.25), (0.1, 0.08))
#: Of the regulars: share that stopped coming lately (2-12 weeks ago).
STOPPED_SHARE = 0.04
#: Share of participants with an absence (holiday, hospital).
ABSENCE_SHARE = 0.03
FIRST_NAMES = ("Anna", "Bert", "Cor", "Dina", "Els", "Frans", "Gerda", "Henk", "Ineke",
               "Jan", "Kees", "Lies", "Mien", "Nel", "Piet", "Riek", "Sjaak", "Truus",
               "Wim", "Zus")  # fmt: skip
LAST_NAMES = ("de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
              "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
              "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "van der Linden")  # fmt: skip

seeding.SINGULAR.update(participants="participant", **{"roll-calls": "roll-call"})


def seed_region(ctx: SeedContext) -> None:
    """Settings, roll-calls, participants, attendance and absences for the region."""
    rng = ctx.rng
    today = ctx.shared.setdefault("today", agenda_seed.seed_today())
    orgs = _keeping_organisations(ctx, rng)
    AttendanceSettings.objects.bulk_create(
        [AttendanceSettings(organisation=org, keeps_attendance=True) for org in orgs],
        ignore_conflicts=True,
    )
    dates = _past_dates([org.pk for org in orgs], today)
    summer = {org.pk for org in orgs if rng.random() < 0.5}
    roll_called: dict[int, list[tuple]] = {}  # activity: [(day ordinal, pk, day)]
    activity_org: dict[int, int] = {}

    def roll_calls() -> Iterator[tuple]:
        for activity_id, org_id, rows in dates:
            activity_org[activity_id] = org_id
            kept = []
            for day, pk, starts_at in rows:
                if org_id in summer and _in_summer(day):
                    continue
                if rng.random() < 0.03:
                    continue  # forgotten
                kept.append((day.toordinal(), pk, day))
                yield (pk, None, starts_at + timedelta(hours=1), 0)
            if kept:
                roll_called[activity_id] = kept

    insert_rows(RollCall, ("occurrence_id", "taken_by_id", "taken_at", "head_count"), roll_calls())
    people = _Participants(ctx, rng, today, orgs, roll_called, activity_org)
    insert_rows(Participant, PARTICIPANT_COLUMNS, people.rows())
    people.reset_sequence()
    with _without_checks(Attendance):
        insert_rows(Attendance, ATTENDANCE_COLUMNS, people.attendance())
    insert_rows(Absence, ("participant_id", "starts_on", "ends_on", "note"), people.absences)
    # Added to what the village's step counted, if anything.
    ctx.counts["participants"] = ctx.counts.get("participants", 0) + people.count
    ctx.counts["roll-calls"] = RollCall.objects.count()
    ctx.counts["attendance rows"] = ctx.counts.get("attendance rows", 0) + people.rows_written
    ctx.log(f"Attendance: {people.count} participants, {people.rows_written} rows.")


def _keeping_organisations(ctx: SeedContext, rng: random.Random) -> list[Organisation]:
    with_series = set(
        Activity.objects.exclude(frequency="once")
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    # The home network's organisations are the village's story (its own seed step, with
    # roll-calls of its own); the region's bulk keeps to the other organisations.
    village = {org.pk for org in ctx.home.values()} | set(
        AttendanceSettings.objects.values_list("organisation_id", flat=True)
    )
    if ctx.home_network is not None:
        village |= set(
            Organisation.networks.through.objects.filter(
                network_id=ctx.home_network.pk
            ).values_list("organisation_id", flat=True)
        )
    chosen = [
        org
        for org in sorted(ctx.organisations, key=lambda o: o.pk)
        if org.pk in with_series
        and org.pk not in village
        and org.kind not in agenda_seed.NOT_ORGANISING
    ]
    return [org for org in chosen if rng.random() < KEEPING_SHARE]


def _past_dates(org_ids: Sequence[int], today: date) -> list[tuple[int, int, list]]:
    """Per activity of these organisations: (activity, organisation, [(local day, pk,
    starts_at)]) of its dates before today that were not cancelled, in date order."""
    tz = timezone.get_default_timezone()
    end = datetime.combine(today, time(), tz)
    out: dict[int, tuple[int, int, list]] = {}
    for start in range(0, len(org_ids), 200):
        rows = (
            Occurrence.objects.filter(
                activity__organisation_id__in=org_ids[start : start + 200],
                is_cancelled=False,
                starts_at__lt=end,
            )
            .order_by("activity_id", "starts_at")
            .values_list("activity_id", "activity__organisation_id", "pk", "starts_at")
        )
        for activity_id, org_id, pk, starts_at in rows.iterator(chunk_size=10000):
            entry = out.setdefault(activity_id, (activity_id, org_id, []))
            entry[2].append((timezone.localtime(starts_at, tz).date(), pk, starts_at))
    return [out[a] for a in sorted(out)]


def _in_summer(day: date) -> bool:
    return (day.month == 7 and day.day >= 15) or day.month == 8


PARTICIPANT_COLUMNS = (
    "id",
    "organisation_id",
    "name",
    "phone",
    "address",
    "area_id",
    "contact_person",
    "consent_how",
    "consent_on",
    "consent_recorded_by_id",
    "user_id",
    "shared_with_network",
    "follow_up",
    "closed_at",
    "closed_reason",
    "closed_by_id",
    "created_at",
    "updated_at",
)
ATTENDANCE_COLUMNS = ("participant_id", "occurrence_id", "organisation_id", "activity_id", "day",
                      "area_id")  # fmt: skip


class _Participants:
    """Plans each participant (organisation, activities, rhythm) and writes their rows."""

    def __init__(
        self,
        ctx: SeedContext,
        rng: random.Random,
        today: date,
        orgs: list[Organisation],
        roll_called: dict[int, list[tuple]],
        activity_org: dict[int, int],
    ) -> None:
        self.rng, self.today, self.seed = rng, today, ctx.seed
        self.count = ctx.scaled(REGION_PARTICIPANTS) if roll_called else 0
        self.first_id = (Participant.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.roll_called = roll_called
        self.days = {a: [d for d, _pk, _day in rows] for a, rows in roll_called.items()}
        by_org: dict[int, list[int]] = {}
        for activity_id in sorted(roll_called):
            by_org.setdefault(activity_org[activity_id], []).append(activity_id)
        self.org_activities = by_org
        self.org_ids = sorted(by_org)
        self.org_weights = [sum(len(roll_called[a]) for a in by_org[o]) for o in self.org_ids]
        self.areas = {org.pk: org.area_id for org in orgs}
        self.now = timezone.now()
        self.absences: list[tuple] = []
        self.rows_written = 0

    def _org_of(self, index: int) -> int:
        # Deterministic per participant: its own generator, so rows() and attendance()
        # agree without keeping 50,000 plans in memory.
        return random.Random(f"{self.seed}:p{index}").choices(self.org_ids, self.org_weights)[0]

    def rows(self) -> Iterator[tuple]:
        today = self.today
        for index in range(self.count):
            r = random.Random(f"{self.seed}:p{index}")
            org = r.choices(self.org_ids, self.org_weights)[0]
            name = f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}"
            consent = today - timedelta(days=r.randint(1, 800))
            yield (
                self.first_id + index, org, name, f"06 {r.randint(10000000, 99999999)}", "",
                self.areas.get(org), "", ConsentHow.VERBAL, consent, None, None,
                r.random() < 0.1, r.random() > 0.03, None, "", None, self.now, self.now,
            )  # fmt: skip

    def reset_sequence(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Participant]):
                cursor.execute(sql)

    def attendance(self) -> Iterator[tuple]:
        today = self.today.toordinal()
        for index in range(self.count):
            pk = self.first_id + index
            org = self._org_of(index)
            area = self.areas.get(org)
            r = random.Random(f"{self.seed}:a{index}")
            chance = _pick(r, RHYTHMS)
            activities = self.org_activities[org]
            target = r.uniform(0.3, 1.7) * MEAN_VISITS
            start = today - (730 if r.random() < 0.5 else r.randint(14, 730))
            stop = today + 1
            if chance >= 0.5 and r.random() < STOPPED_SHARE:
                stop = today - r.randint(14, 84)
            away = None
            if r.random() < ABSENCE_SHARE:
                first = today - r.randint(7, 300)
                away = (first, first + r.randint(6, 28))
                self.absences.append((pk, date.fromordinal(away[0]), date.fromordinal(away[1]), ""))
            chosen: list[int] = []
            expected = 0.0
            for activity_id in r.sample(activities, min(4, len(activities))):
                if expected >= target:
                    break
                days = self.days[activity_id]
                expected += chance * (len(days) - bisect_left(days, start))
                chosen.append(activity_id)
            for activity_id in chosen:
                rows = self.roll_called[activity_id]
                for day, occurrence_id, local in rows[bisect_left(self.days[activity_id], start) :]:
                    if day >= stop:
                        break
                    if away and away[0] <= day <= away[1]:
                        continue
                    if r.random() < chance:
                        self.rows_written += 1
                        yield (pk, occurrence_id, org, activity_id, local, area)


def _pick(rng: random.Random, options: Sequence[tuple[float, float]]) -> float:
    return rng.choices([v for _s, v in options], [s for s, _v in options])[0]


@contextmanager
def _without_checks(model: type[models.Model]) -> Iterator[None]:
    """On PostgreSQL, load the table without its indexes and foreign keys and put them
    back afterwards, in the seed's transaction.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so five million rows meant
    25 million single-row checks at COMMIT (three minutes), and six indexes kept up row by
    row besides. Adding a constraint back checks all rows in one join, and an index is
    built from one sort: seconds each."""
    if connection.vendor != "postgresql":
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Earlier steps' deferred checks run now (they would at COMMIT): PostgreSQL alters
        # no table that has pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
            [table],
        )
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
