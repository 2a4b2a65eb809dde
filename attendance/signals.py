""" "Not seen lately" (SPEC.md point 3, issue 10): the nightly job that compares each
participant's recent attendance with their own rhythm, and the coordinator's actions on
the signals it raises.

The rule, per participant (thresholds per network, `SignalSettings`, else `DEFAULTS`):

- Only dates that count are *expected*: a stored date of an activity they usually come to
  (one they came to at least twice in the history window) that was not cancelled, that
  lies outside their known absences, and **for which attendance was taken** (a
  `RollCall`). A date without a roll-call is unknown, never missed; so a summer break
  without activities or without roll-calls raises nothing.
- Their usual gap is the expected dates between their first and last visit in the window
  per time they came (1.0: every date; 2.0: every other date). Someone who came fewer than
  `min_regular` times, or less often than one date in `max_gap`, was never a regular.
- Missed: the expected dates after the day they were last seen (anywhere), before today.
  A signal when missed ≥ max(min_missed, gap_factor x usual gap) (while they came fewer
  than `min_attendances` times, a fixed `fixed_missed` instead) and they have been away at
  least `min_days_away` days. A weekly regular: three weeks in a row; a monthly regular:
  two months.
- One open signal per participant (a partial unique constraint). It resolves itself when
  they are seen again; a dismissed signal is not raised again for the same absence (same
  last-seen day). Closed records and those not followed up get none (an open one is
  resolved).

Why this shape: the attendance table holds ~5M rows at region scale, so the database does
the heavy part (per participant and activity: how often, first and last day, read from the
`attendance_rhythm` index in participant-id chunks) and Python does the small part with the
expected dates per activity in sorted arrays (bisect). Memory is one chunk plus one array of
days per activity with roll-calls in the window; the job is idempotent (run it twice: the
second run raises and resolves nothing).
"""

from __future__ import annotations

import math
import queue
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Organisation, User
from network.shared import DomainError

from .models import (
    Absence,
    Attendance,
    DismissReason,
    Participant,
    RollCall,
    Signal,
    SignalSettings,
)

#: Participants per chunk: one aggregate query, one transaction of writes.
CHUNK_SIZE = 5000
#: The longest a dismiss note may be (the form says so too).
NOTE_LENGTH = 200


@dataclass(frozen=True)
class Thresholds:
    min_missed: int = 2
    gap_factor: float = 2.0
    min_days_away: int = 21
    min_attendances: int = 5
    fixed_missed: int = 3
    min_regular: int = 3
    max_gap: float = 4.0
    history_days: int = 365

    @classmethod
    def of(cls, row: SignalSettings) -> Thresholds:
        values = {f.name: getattr(row, f.name) for f in fields(cls)}
        return cls(**{k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()})


DEFAULTS = Thresholds()


@dataclass(frozen=True)
class Verdict:
    """What the rule says about one participant (None fields: nothing to raise)."""

    last_seen: date
    missed: int
    usual_gap: float
    activity_id: int | None
    raise_signal: bool


# The rule (pure: no database) --------------------------------------------------------------


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _count(days: array, low: int, high: int, away: list[tuple[int, int]]) -> int:
    """Expected days in [low, high] (ordinals) outside the merged absences `away`."""
    if high < low:
        return 0
    total = bisect_right(days, high) - bisect_left(days, low)
    for start, end in away:
        lo, hi = max(start, low), min(end, high)
        if lo <= hi:
            total -= bisect_right(days, hi) - bisect_left(days, lo)
    return total


def judge(
    visits: list[tuple[int, int, int, int]],
    *,
    expected: dict[int, array],
    away: list[tuple[int, int]],
    today: int,
    thresholds: Thresholds,
) -> Verdict | None:
    """The rule for one participant. `visits`: (activity id, times, first, last day
    ordinal) per activity in the window; `expected`: sorted day ordinals per activity of the
    dates that count; `away`: merged absences. None when they were not seen in the window."""
    if not visits:
        return None
    last_seen = max(v[3] for v in visits)
    usual = [v for v in visits if v[1] >= 2]
    attended = sum(v[1] for v in usual)
    available = missed = 0
    for activity_id, _times, first, last in usual:
        days = expected.get(activity_id, _EMPTY)
        available += _count(days, first, last, away)
        missed += _count(days, last_seen + 1, today - 1, away)
    gap = max(1.0, available / attended) if attended else math.inf
    main = max(usual, key=lambda v: (v[1], v[3]))[0] if usual else None
    t = thresholds
    regular = attended >= t.min_regular and gap <= t.max_gap
    if attended < t.min_attendances:
        needed = t.fixed_missed
    else:
        needed = max(t.min_missed, math.ceil(round(t.gap_factor * gap, 6)))
    raise_signal = regular and missed >= needed and today - last_seen >= t.min_days_away
    return Verdict(
        date.fromordinal(last_seen),
        missed,
        gap if attended else 0.0,
        main,
        raise_signal,
    )


_EMPTY = array("i")


# The nightly job -------------------------------------------------------------------------

#: Per participant and activity in the window: how often, first and last day, in
#: participant order, only for participants last seen long enough ago to be missed (the
#: second parameter; everyone seen lately is left in the database). One pass over the
#: attendance_rhythm index (participant, activity, day): PostgreSQL reads it alone, already
#: grouped and ordered, so neither the grouping nor the window over a participant's rows
#: needs a sort or a hash. (A query per id range instead made PostgreSQL scan the whole
#: table once per range whenever the visibility map was not fresh.)
_RHYTHM_SQL = """
    SELECT participant_id, activity_id, times, first_day, last_day FROM (
        SELECT participant_id, activity_id, COUNT(*) AS times, MIN(day) AS first_day,
               MAX(day) AS last_day,
               MAX(MAX(day)) OVER (PARTITION BY participant_id) AS last_seen
        FROM attendance_attendance
        WHERE day >= %s
        GROUP BY participant_id, activity_id
    ) rhythm
    WHERE last_seen <= %s
    ORDER BY participant_id, activity_id
"""
#: Rows fetched from the server-side cursor at a time.
FETCH_SIZE = 5000


def _thresholds_by_organisation() -> tuple[dict[int, Thresholds], int, int]:
    """Each organisation's thresholds (its first network's), the longest history and the
    shortest time away any network asks for."""
    by_network = {s.network_id: Thresholds.of(s) for s in SignalSettings.objects.all()}
    if not by_network:
        return {}, DEFAULTS.history_days, DEFAULTS.min_days_away
    through = Organisation.networks.through
    chosen: dict[int, Thresholds] = {}
    for org_id, network_id in through.objects.order_by("pk").values_list(
        "organisation_id", "network_id"
    ):
        if org_id not in chosen:
            chosen[org_id] = by_network.get(network_id, DEFAULTS)
    used = [DEFAULTS, *chosen.values()]
    return chosen, max(t.history_days for t in used), min(t.min_days_away for t in used)


def _expected_days(start: date, today: date) -> dict[int, array]:
    """Per activity, the sorted local days of the dates that count: not cancelled, with a
    roll-call, from `start` up to yesterday."""
    tz = timezone.get_default_timezone()
    rows = (
        RollCall.objects.filter(
            occurrence__is_cancelled=False,
            occurrence__starts_at__gte=datetime.combine(start, time(), tz),
            occurrence__starts_at__lt=datetime.combine(today, time(), tz),
        )
        .annotate(day=TruncDate("occurrence__starts_at", tzinfo=tz))
        .values_list("occurrence__activity_id", "day")
        .order_by()
    )
    found: dict[int, list[int]] = defaultdict(list)
    if connection.vendor == "postgresql":
        # The same query, with the day as an ordinal worked out by PostgreSQL: 70,000 date
        # objects fewer to make at region scale.
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a, d - DATE '0001-01-01' + 1 FROM ({sql}) AS dates (a, d)", params
            )
            for activity_id, day in cursor.fetchall():
                found[activity_id].append(day)
    else:
        for activity_id, day in rows.iterator(chunk_size=20000):
            found[activity_id].append(day.toordinal())
    return {a: array("i", sorted(set(days))) for a, days in found.items()}


def run_signals(*, today: date | None = None, chunk_size: int = CHUNK_SIZE) -> dict[str, int]:
    """Raise and resolve "not seen lately" signals for everyone; safe to run twice."""
    today = today or timezone.localdate()
    now = timezone.now()
    by_org, history, days_away = _thresholds_by_organisation()
    start = today - timedelta(days=history)
    totals = {"resolved": _resolve_returned_and_closed(now), "raised": 0}
    top = Participant.objects.aggregate(top=Max("pk"))["top"] or 0
    low = Participant.objects.aggregate(low=Min("pk"))["low"] or 0
    with _rhythm_rows(start, today - timedelta(days=days_away)) as rows:
        expected = _expected_days(start, today)
        pending = next(rows, None)
        for first in range(low, top + 1, chunk_size):
            end = first + chunk_size
            visits: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
            while pending is not None and pending[0] < end:
                pk, activity_id, times, first_day, last_day = pending
                visits[pk].append((activity_id, times, _ordinal(first_day), _ordinal(last_day)))
                pending = next(rows, None)
            if visits:
                totals["raised"] += _raise_in_chunk(
                    first,
                    end,
                    visits,
                    today=today,
                    now=now,
                    start=start,
                    expected=expected,
                    by_org=by_org,
                )
    return totals


@transaction.atomic
def _resolve_returned_and_closed(now: datetime) -> int:
    """Open signals end when the person was seen after their last-seen day, and for closed
    records and those not followed up: set-based, so the rhythm query can leave everyone
    seen lately out."""
    came_back = Attendance.objects.filter(
        participant_id=OuterRef("participant_id"), day__gt=OuterRef("last_seen")
    )
    return (
        Signal.objects.open()
        .filter(
            Exists(came_back)
            | Q(participant__closed_at__isnull=False)
            | Q(participant__follow_up=False)
        )
        .update(resolved_at=now)
    )


@contextmanager
def _rhythm_rows(start: date, seen_by: date) -> Iterator[Iterator[tuple]]:
    """The rows of _RHYTHM_SQL, in participant order.

    On PostgreSQL outside a transaction (the nightly job) a thread of its own reads them on
    a second connection into a small queue, so the database aggregates while this thread
    judges and writes: the two take about as long, and the machine has cores for both.
    Elsewhere (SQLite, tests inside a transaction, which a second connection would not
    see) a cursor on this connection, read in batches."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with connection.chunked_cursor() as cursor:
            cursor.execute(_RHYTHM_SQL, [start.isoformat(), seen_by.isoformat()])
            yield _stream(cursor)
        return
    batches: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()

    def produce() -> None:
        try:
            with transaction.atomic(), connection.chunked_cursor() as cursor:
                cursor.execute(_RHYTHM_SQL, [start.isoformat(), seen_by.isoformat()])
                while not stop.is_set() and (batch := cursor.fetchmany(FETCH_SIZE)):
                    batches.put(batch)
            batches.put(None)
        except BaseException as error:  # handed to the reading thread, raised there
            batches.put(error)
        finally:
            connection.close()

    reader = threading.Thread(target=produce, name="signals-rhythm", daemon=True)
    reader.start()

    def consume() -> Iterator[tuple]:
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            yield from batch

    try:
        yield consume()
    finally:
        stop.set()
        while reader.is_alive():  # let the reader see `stop` if it waits on a full queue
            try:
                batches.get_nowait()
            except queue.Empty:
                reader.join(0.05)


def _stream(cursor) -> Iterator[tuple]:
    while batch := cursor.fetchmany(FETCH_SIZE):
        yield from batch


@transaction.atomic
def _raise_in_chunk(
    first: int,
    end: int,
    visits: dict[int, list[tuple[int, int, int, int]]],
    *,
    today: date,
    now: datetime,
    start: date,
    expected: dict[int, array],
    by_org: dict[int, Thresholds],
) -> int:
    """Judge the participants of one id range who were not seen lately; raise signals.
    (Id ranges, not lists of ids: a long IN list cost more to send than the rows.)"""
    in_range = {"participant_id__gte": first, "participant_id__lt": end}
    people = dict(
        Participant.objects.filter(pk__gte=first, pk__lt=end, closed_at__isnull=True)
        .filter(follow_up=True)
        .values_list("pk", "organisation_id")
        .order_by()
    )
    signalled: dict[int, date] = {}
    open_now: set[int] = set()
    for pk, seen, resolved, dismissed in Signal.objects.filter(**in_range).values_list(
        "participant_id", "last_seen", "resolved_at", "dismissed_at"
    ):
        signalled[pk] = max(seen, signalled.get(pk, seen))
        if resolved is None and dismissed is None:
            open_now.add(pk)
    absences: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, starts, ends in Absence.objects.filter(**in_range, ends_on__gte=start).values_list(
        "participant_id", "starts_on", "ends_on"
    ):
        absences[pk].append((starts.toordinal(), ends.toordinal()))
    new: list[Signal] = []
    for pk in visits:
        org = people.get(pk)
        if org is None or pk in open_now:
            continue
        verdict = judge(
            visits[pk],
            expected=expected,
            away=_merge(absences.get(pk, [])),
            today=today.toordinal(),
            thresholds=by_org.get(org, DEFAULTS),
        )
        if verdict is None or not verdict.raise_signal:
            continue
        if pk in signalled and signalled[pk] >= verdict.last_seen:
            continue  # this absence was signalled (and put aside) before
        new.append(
            Signal(
                participant_id=pk,
                activity_id=verdict.activity_id,
                last_seen=verdict.last_seen,
                missed=min(verdict.missed, 32767),
                usual_gap=Decimal(f"{min(verdict.usual_gap, 9999):.1f}"),
                raised_at=now,
            )
        )
    return len(Signal.objects.bulk_create(new, ignore_conflicts=True)) if new else 0


def _ordinal(value) -> int:
    """A day from the database (a date; on SQLite sometimes a string) as an ordinal."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.toordinal()


# What a coordinator does with a signal -----------------------------------------------------


@transaction.atomic
def dismiss_signal(*, signal: Signal, by: User, reason: str, note: str = "") -> Signal:
    """Put a signal aside with a reason ("in hospital"). It is not raised again for the
    same absence; when they come back and stay away again, a new one can come."""
    if reason not in DismissReason.values:
        raise DomainError(_("Choose why you put this aside."))
    note = (note or "").replace("\x00", "").strip()
    if len(note) > NOTE_LENGTH:
        raise DomainError(
            _("Keep the note short: at most %(count)s characters.") % {"count": NOTE_LENGTH}
        )
    locked = Signal.objects.select_for_update().get(pk=signal.pk)
    if not locked.is_open:
        raise DomainError(_("This signal was already dealt with."))
    locked.dismissed_at = timezone.now()
    locked.dismissed_by = by
    locked.dismiss_reason = reason
    locked.dismiss_note = note
    locked.save(update_fields=["dismissed_at", "dismissed_by", "dismiss_reason", "dismiss_note"])
    return locked


@transaction.atomic
def take_up_signal(*, signal: Signal, by: User) -> Signal:
    """ "I will call": the coordinator says they follow up; the signal stays open until
    the person comes back or someone puts it aside."""
    locked = Signal.objects.select_for_update().get(pk=signal.pk)
    if not locked.is_open:
        raise DomainError(_("This signal was already dealt with."))
    if locked.caller_id is not None and locked.caller_id != by.pk:
        raise DomainError(_("Someone else already said they will call."))
    locked.caller = by
    locked.calling_since = locked.calling_since or timezone.now()
    locked.save(update_fields=["caller", "calling_since"])
    return locked


def resolve_on_return(*, participant: Participant, day: date) -> None:
    """Seen again on `day`: an open signal about an earlier absence resolves (called by
    services.mark_attendance inside its transaction; the nightly job does it too)."""
    Signal.objects.open().filter(participant=participant, last_seen__lt=day).update(
        resolved_at=timezone.now()
    )


# Age in the inbox ---------------------------------------------------------------------------


def age_of(signal: Signal, *, today: date | None = None) -> str:
    """ "new", "week" or "month": how long it has been waiting (the inbox shows it)."""
    today = today or timezone.localdate()
    days = (today - timezone.localtime(signal.raised_at).date()).days
    if days >= 30:
        return "month"
    if days >= 7:
        return "week"
    return "new"
