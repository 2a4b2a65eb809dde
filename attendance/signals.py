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

Why this shape: the attendance table holds ~5M rows at region scale, but only people not
seen for `min_days_away` can be signalled, about one in eight. So the job first asks who
those are without reading anyone's history (an anti-join against the last few weeks of the
`attendance_seen_since` index), then, per chunk of them, the database does the heavy part
(per participant and activity: how often, first and last day, from the `attendance_rhythm`
index alone) and Python the small part, with the expected dates per activity in sorted
arrays (bisect), loaded meanwhile on a second connection. Memory is one chunk plus one
array of days per activity with roll-calls in the window; the job is idempotent (run it
twice: the second run raises and resolves nothing).
"""

from __future__ import annotations

import math
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import TypeVar

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

T = TypeVar("T")

#: Participants judged per chunk (only those not seen lately): one aggregate query, one
#: transaction of writes. Their ids go into the query as a list, so fewer where the
#: database takes fewer parameters (SQLite before 3.32: 999).
CHUNK_SIZE = 5000
#: Parts of the participants (id ranges) judged side by side, each on a connection of
#: its own (PostgreSQL, outside a transaction).
PARTS = 2
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


def _not_seen_since(day: date, low: int, high: int):
    """(id, organisation) of the open, followed-up participants with ids in [low, high)
    and no attendance after `day`, in id order: the only ones who can have been away long
    enough.

    Set-based and cheap: who *was* seen after `day` is the short tail of the
    attendance_seen_since index (day, participant), a few weeks of rows that PostgreSQL
    reads alone for an anti-join; the 5 million older rows are not read.
    (Asking each participant's last day instead costs 50,000 index descents spread over
    the whole participant-day index: three times as long.)"""
    # The id range stated for both tables: PostgreSQL does not carry a range over a join,
    # and each part would sort or hash the whole tail of the index.
    seen = Attendance.objects.filter(
        participant_id=OuterRef("pk"), participant_id__gte=low, participant_id__lt=high, day__gt=day
    )
    return (
        Participant.objects.filter(pk__gte=low, pk__lt=high)
        .filter(closed_at__isnull=True, follow_up=True)
        .filter(~Exists(seen))
        .order_by("pk")
        .values_list("pk", "organisation_id")
    )


def run_signals(*, today: date | None = None, chunk_size: int = CHUNK_SIZE) -> dict[str, int]:
    """Raise and resolve "not seen lately" signals for everyone; safe to run twice."""
    today = today or timezone.localdate()
    now = timezone.now()
    by_org, history, days_away = _thresholds_by_organisation()
    start = today - timedelta(days=history)
    job = _Night(today=today, now=now, start=start, by_org=by_org, chunk_size=chunk_size)
    with _meanwhile(_expected_days, start, today) as job.expected:
        resolved = _resolve_returned_and_closed(now)
        seen_by = today - timedelta(days=days_away)
        bounds = Participant.objects.aggregate(low=Min("pk"), high=Max("pk"))
        low, high = bounds["low"] or 0, (bounds["high"] or 0) + 1
        cuts = [low + (high - low) * part // PARTS for part in range(PARTS + 1)]
        parts = [(cuts[part], cuts[part + 1], seen_by) for part in range(PARTS)]
        with ExitStack() as others:
            rest = [others.enter_context(_meanwhile(job.raise_among, *p)) for p in parts[1:]]
            raised = job.raise_among(*parts[0])
        raised += sum(part.result() for part in rest)
    return {"resolved": resolved, "raised": raised}


@dataclass
class _Night:
    """What the chunks of one run share: the day, the thresholds and (once loaded) the
    expected days per activity."""

    today: date
    now: datetime
    start: date
    by_org: dict[int, Thresholds]
    chunk_size: int
    expected: Future[dict[int, array]] | None = None

    def raise_among(self, low: int, high: int, seen_by: date) -> int:
        """Judge the participants with ids in [low, high) not seen after `seen_by`, chunk by
        chunk; the signals raised."""
        limit = connection.features.max_query_params
        size = min(self.chunk_size, limit - 1) if limit else self.chunk_size
        rows = _not_seen_since(seen_by, low, high).iterator(chunk_size=size)
        raised = 0
        while chunk := list(islice(rows, size)):
            raised += _raise_in_chunk(chunk, self)
        return raised


@contextmanager
def _meanwhile(work: Callable[..., T], *args) -> Iterator[Future[T]]:
    """`work(*args)` on a connection of its own in a thread of its own, while this thread
    goes on: PostgreSQL outside a transaction (the nightly job). The job's database work
    is spread over three connections that way (the dates that count; each part of the
    participants), as the plain scan it is measured against spreads over its parallel
    workers: on a busy machine that share of the processors decides the time. Elsewhere
    (SQLite, tests inside a transaction, which a second connection would not see) it runs
    here, at once."""
    done: Future[T] = Future()
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        done.set_result(work(*args))
        yield done
        return

    def run() -> None:
        try:
            done.set_result(work(*args))
        except BaseException as error:  # raised where the result is asked for
            done.set_exception(error)
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=run, name=f"signals-{work.__name__}", daemon=True)
    thread.start()
    try:
        yield done
    finally:
        thread.join()
    done.result()  # its error, also when nobody asked for the result


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


#: Per participant of a chunk and activity in the window: how often, first and last day.
#: PostgreSQL reads it from the attendance_rhythm index (participant, activity, day) alone,
#: in index order, so the grouping needs neither a sort nor a hash.
_RHYTHM_SQL = """
    SELECT participant_id, activity_id, COUNT(*), MIN(day), MAX(day)
    FROM attendance_attendance
    WHERE participant_id {among} AND day >= %s
    GROUP BY participant_id, activity_id
"""


def _among(ids: list[int]) -> tuple[str, list]:
    """SQL and parameters for "is one of `ids`": on PostgreSQL a single array parameter
    (`= ANY`), which it reads like a list but which costs next to nothing to send and
    parse; elsewhere a list of parameters."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    return f"IN ({', '.join(['%s'] * len(ids))})", ids


@transaction.atomic
def _raise_in_chunk(people: list[tuple[int, int]], night: _Night) -> int:
    """Judge a chunk of participants not seen lately ((id, organisation), in id order);
    raise signals. Their rhythm: per activity in the window how often, first and last day,
    from the attendance_rhythm index (participant, activity, day) alone."""
    ids = [pk for pk, _org in people]
    visits: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    among, id_params = _among(ids)
    with connection.cursor() as cursor:
        cursor.execute(_RHYTHM_SQL.format(among=among), [*id_params, night.start.isoformat()])
        for pk, activity_id, times, first_day, last_day in cursor.fetchall():
            visits[pk].append((activity_id, times, _ordinal(first_day), _ordinal(last_day)))
    if not visits:
        return 0
    # The chunk's id range: a range reads the (small) tables of signals and absences by
    # their participant index as well as a list would, and costs nothing to send.
    in_range = {"participant_id__gte": ids[0], "participant_id__lte": ids[-1]}
    signalled: dict[int, date] = {}
    open_now: set[int] = set()
    for pk, seen, resolved, dismissed in Signal.objects.filter(**in_range).values_list(
        "participant_id", "last_seen", "resolved_at", "dismissed_at"
    ):
        signalled[pk] = max(seen, signalled.get(pk, seen))
        if resolved is None and dismissed is None:
            open_now.add(pk)
    absences: dict[int, list[tuple[int, int]]] = defaultdict(list)
    away = Absence.objects.filter(**in_range, ends_on__gte=night.start)
    for pk, starts, ends in away.values_list("participant_id", "starts_on", "ends_on"):
        absences[pk].append((starts.toordinal(), ends.toordinal()))
    days = night.expected.result()
    today = night.today.toordinal()
    new: list[tuple] = []
    for pk, org in people:
        if pk not in visits or pk in open_now:
            continue
        verdict = judge(
            visits[pk],
            expected=days,
            away=_merge(absences.get(pk, [])),
            today=today,
            thresholds=night.by_org.get(org, DEFAULTS),
        )
        if verdict is None or not verdict.raise_signal:
            continue
        if pk in signalled and signalled[pk] >= verdict.last_seen:
            continue  # this absence was signalled (and put aside) before
        new.append(
            (
                pk,
                verdict.activity_id,
                verdict.last_seen,
                min(verdict.missed, 32767),
                Decimal(f"{min(verdict.usual_gap, 9999):.1f}"),
            )
        )
    return _insert_signals(new, night.now) if new else 0


def _insert_signals(rows: list[tuple], raised_at) -> int:
    """New open signals (participant, activity, last seen, missed, usual gap), all raised
    at `raised_at`; none for a participant who has an open one already (the partial unique
    constraint signal_one_open_per_participant). Plain SQL: bulk_create made and prepared
    a model instance per row, 0.2 s of Python for the 2,300 signals of a region's first
    night. On PostgreSQL one INSERT of arrays, one parameter per column: a multi-row
    VALUES list of 14,000 parameters took three times as long to send and parse."""
    table = connection.ops.quote_name(Signal._meta.db_table)
    columns = (
        f"INSERT INTO {table} (participant_id, activity_id, last_seen, missed, usual_gap, "
        "raised_at, dismiss_reason, dismiss_note)"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"{columns} SELECT p, a, l, m, g, %s, '', '' FROM unnest(%s::bigint[], "
                "%s::bigint[], %s::date[], %s::smallint[], %s::numeric[]) AS new (p, a, l, m, g) "
                "ON CONFLICT DO NOTHING",
                [raised_at, *map(list, zip(*rows, strict=True))],
            )
            return cursor.rowcount
        ops, inserted = connection.ops, 0
        per_statement = (connection.features.max_query_params or 6000) // 6
        for first in range(0, len(rows), per_statement):
            batch = rows[first : first + per_statement]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, '', '')"] * len(batch))
            cursor.execute(
                f"{columns} VALUES {values} ON CONFLICT DO NOTHING",
                [
                    value
                    for pk, activity_id, last_seen, missed, gap in batch
                    for value in (
                        pk,
                        activity_id,
                        ops.adapt_datefield_value(last_seen),
                        missed,
                        ops.adapt_decimalfield_value(gap, 5, 1),
                        ops.adapt_datetimefield_value(raised_at),
                    )
                ],
            )
            inserted += cursor.rowcount
    return inserted


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
