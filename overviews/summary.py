"""Summary tables of the overviews: the counts of overviews/figures.py per month, kept in
small tables (overviews/models.py, `Summary…`) and refreshed by Celery, so an overview of a
municipality reads some thousands of rows instead of 400,000 attendance rows.

Per month, because every period an overview offers (a year, a quarter, a month, and the
one it is compared with) is made of whole months (overviews/periods.py). Counts that add
up (dates, participations, shifts, hours) are kept per activity and month; different
people cannot be added up over months, so who came (and who volunteered) is kept as one
row per person, activity and month, and an overview counts the different ones over its
months. Rows are kept per activity, never per network: the overview picks its activities
as the live count does (`Scope`), so the theme, organisation and home network are always
the activity's own, and the figures equal the live count at the moment of the refresh.

- `refresh(full=True)`: everything again (nightly, and after `manage.py seed`);
  `refresh()`: only the months from the start of the previous month (every 15 minutes):
  what a coordinator records, approves or follows up mostly falls there. Older changes
  (attendance recorded months late, a signal followed up long after) show after the
  nightly rebuild.
- Each refresh is one transaction: the old rows of the months it counts are deleted, the
  new ones written (INSERT … SELECT in the database, no rows through Python) and the
  `SummaryState` row (locked first, so two refreshes never run at once) gets the new time
  and version. Readers see the old summaries or the new ones, never half.
- A reader (`counted`) reads the state first and checks its version again after the
  last count; a refresh that committed in between makes it count once more, so one
  overview never mixes two refreshes.
"""

from __future__ import annotations

import time as clock
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, TruncMonth
from django.utils import timezone

from activities.models import Occurrence, Status
from attendance.models import Attendance, RollCall, Signal
from volunteers.models import HelpRequest, HelpResponseStatus, Shift, SignUp, SignUpStatus

from .models import (
    SummaryDates,
    SummaryHelp,
    SummaryParticipants,
    SummaryParticipations,
    SummaryShifts,
    SummarySignals,
    SummaryState,
    SummaryVolunteers,
)

HOURS = DecimalField(max_digits=9, decimal_places=2)
ALL_MONTHS = (1 << 12) - 1
#: The incremental refresh counts this month and the ones before it.
RECENT_MONTHS = 2

SUMMARIES = [
    SummaryDates,
    SummaryParticipations,
    SummaryParticipants,
    SummaryVolunteers,
    SummaryShifts,
    SummaryHelp,
    SummarySignals,
]


class MonthOf(TruncMonth):
    """The first day of the local month, as a date in every database (SQLite's truncation
    gives a date and time as text)."""

    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"date({sql})", params


# --- refreshing -----------------------------------------------------------------------


def state() -> SummaryState | None:
    return SummaryState.objects.filter(pk=1).first()


def _first_of_month(day: date, back: int = 0) -> date:
    month = day.replace(day=1)
    for _ in range(back):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def _sources(since: date | None, until: datetime) -> list[tuple[type, QuerySet, dict]]:
    """(summary model, the GROUP BY that fills it, summary column per selected name) for
    everything recorded before `until`, from the month `since` on (all when None)."""
    zone = timezone.get_current_timezone()
    since_moment = datetime.combine(since, time.min, tzinfo=zone) if since else None
    today = timezone.localtime(until).date()

    def moments(field_name: str) -> Q:
        q = Q(**{f"{field_name}__lt": until})
        if since_moment:
            q &= Q(**{f"{field_name}__gte": since_moment})
        return q

    days = Q(day__lte=today) & (Q(day__gte=since) if since else Q())
    attendance = Attendance.objects.filter(days).annotate(month=MonthOf("day"))
    month_bit = Value(1, output_field=IntegerField()).bitleftshift(
        Cast(ExtractMonth("day"), IntegerField()) - 1
    )
    followed = Case(
        When(
            Q(dismissed_at__isnull=False) | Q(caller__isnull=False) | Q(resolved_at__isnull=False),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return [
        (
            SummaryDates,
            Occurrence.objects.filter(moments("starts_at"), is_cancelled=False)
            .annotate(
                month=MonthOf("starts_at"),
                area=Coalesce("place__area_id", "activity__place__area_id"),
            )
            .values("month", "activity", "area")
            .annotate(n=Count("pk")),
            {"activity": "activity_id", "area": "area_id"},
        ),
        (
            SummaryParticipations,
            attendance.values("month", "activity", "organisation").annotate(n=Count("pk")),
            {"activity": "activity_id", "organisation": "organisation_id"},
        ),
        (
            SummaryParticipations,
            RollCall.objects.filter(moments("occurrence__starts_at"), head_count__gt=0)
            .annotate(month=MonthOf("occurrence__starts_at"))
            .values("month", "occurrence__activity", "occurrence__activity__organisation")
            .annotate(n=Sum("head_count")),
            {
                "occurrence__activity": "activity_id",
                "occurrence__activity__organisation": "organisation_id",
            },
        ),
        (
            SummaryParticipants,
            Attendance.objects.filter(days)
            .annotate(year=ExtractYear("day"), bit=month_bit)
            .values("year", "activity", "organisation", "area", "participant")
            # Different powers of two add up to their bitwise OR (SQLite has no BIT_OR).
            .annotate(months=Sum("bit", distinct=True)),
            {
                "activity": "activity_id",
                "organisation": "organisation_id",
                "area": "area_id",
                "participant": "participant_id",
            },
        ),
        (
            SummaryVolunteers,
            SignUp.objects.filter(
                moments("shift__starts_at"),
                status=SignUpStatus.CONFIRMED,
                shift__is_cancelled=False,
                no_show_recorded_at__isnull=True,
            )
            .annotate(month=MonthOf("shift__starts_at"))
            .values("month", "shift__task__activity", "shift__task__organisation", "volunteer")
            .annotate(hours=Coalesce(Sum("hours_approved"), Value(0), output_field=HOURS)),
            {
                "shift__task__activity": "activity_id",
                "shift__task__organisation": "organisation_id",
                "volunteer": "volunteer_id",
            },
        ),
        (
            SummaryShifts,
            Shift.objects.filter(moments("starts_at"), is_cancelled=False)
            .annotate(month=MonthOf("starts_at"))
            .values("month", "task__activity", "task__organisation")
            .annotate(shifts=Count("pk"), places=Sum("places"), filled=Sum("confirmed_count")),
            {"task__activity": "activity_id", "task__organisation": "organisation_id"},
        ),
        (
            SummaryHelp,
            HelpRequest.objects.filter(moments("created_at"))
            .annotate(month=MonthOf("created_at"))
            .values("month", "organisation")
            .annotate(
                n=Count("pk", distinct=True),
                answered=Count(
                    "pk", filter=Q(responses__status=HelpResponseStatus.MATCHED), distinct=True
                ),
            ),
            {"organisation": "organisation_id"},
        ),
        (
            SummarySignals,
            Signal.objects.filter(moments("raised_at"))
            .annotate(month=MonthOf("raised_at"), is_followed=followed)
            .values("month", "activity", "participant__organisation")
            .annotate(n=Count("pk"), followed=Sum("is_followed")),
            {"activity": "activity_id", "participant__organisation": "organisation_id"},
        ),
    ]


def _clear_months(since: date, today: date) -> None:
    """Take the months from `since` to this one out of who came; the refresh then writes
    them again as rows of their own (a person's year can so stand on two rows until the
    nightly rebuild: a count of different people is the same)."""
    bits: dict[int, int] = {}
    month = since
    while month <= today:
        bits[month.year] = bits.get(month.year, 0) | 1 << (month.month - 1)
        month = (month + timedelta(days=32)).replace(day=1)
    for year, recent in bits.items():
        SummaryParticipants.objects.filter(year=year).annotate(
            recent=F("months").bitand(recent)
        ).filter(recent__gt=0).update(months=F("months").bitand(ALL_MONTHS ^ recent))


def _insert_from(model: type, queryset: QuerySet, columns: dict[str, str]) -> int:
    """INSERT INTO the summary the rows of `queryset` (a GROUP BY), in the database, in the
    order of its activity (or organisation) and month: a municipality's rows then lie
    together and PostgreSQL reads them by its index (scattered, it chose to read the
    whole table)."""
    month, key = list(queryset.query.selected)[:2]
    query = queryset.order_by(key, month).query
    sql, params = query.sql_with_params()
    # The columns come in the order of `values()` and the annotations after it.
    targets = [columns.get(name, name) for name in query.selected]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(model._meta.get_field(t).column) for t in targets)}) {sql}",
            params,
        )
        return cursor.rowcount


@transaction.atomic
def refresh(*, full: bool = False) -> dict[str, object]:
    """Count the summaries again: everything (`full`), or the recent months. Safe to run
    twice and at the same time (the state row is locked first)."""
    started = clock.perf_counter()
    SummaryState.objects.get_or_create(pk=1)
    current = SummaryState.objects.select_for_update().get(pk=1)
    until = timezone.now()
    if current.refreshed_at is None:
        full = True
    since = None if full else _first_of_month(timezone.localtime(until).date(), RECENT_MONTHS - 1)
    for model in SUMMARIES:
        if since is None:
            rows = model.objects.all()
        elif model is SummaryParticipants:
            _clear_months(since, timezone.localtime(until).date())
            rows = model.objects.filter(months=0)
        else:
            rows = model.objects.filter(month__gte=since)
        rows._raw_delete(rows.db)
    written = 0
    for model, queryset, columns in _sources(since, until):
        written += _insert_from(model, queryset, columns)
    current.version += 1
    current.refreshed_at = until
    current.full = full
    if full:
        current.full_at = until
    current.seconds = clock.perf_counter() - started
    current.save()
    if connection.vendor == "postgresql" and full:
        # Fresh tables look empty to the planner until autovacuum comes by.
        with connection.cursor() as cursor:
            for model in SUMMARIES:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"rows": written, "full": full, "version": current.version}


# --- reading --------------------------------------------------------------------------


def whole_months(period) -> bool:
    """Whether both spans are whole months (every period the pages offer is)."""

    def whole(span) -> bool:
        return (
            span.first.day == 1
            and (span.last + timedelta(days=1)).day == 1
            and span.first.year == span.last.year
        )

    return whole(period.now) and whole(period.before)


def _which(period, now: int, before: int) -> tuple[Q, Case]:
    first = min(period.now.first, period.before.first)
    last = max(period.now.last, period.before.last)
    which = Case(
        When(month__range=(period.now.first, period.now.last), then=Value(now)),
        When(month__range=(period.before.first, period.before.last), then=Value(before)),
        default=Value(None),
        output_field=IntegerField(),
    )
    return Q(month__range=(first, last)), which


def tallies(scope, period, tally, now: int, before: int) -> dict:
    """The figures' tallies (as overviews/figures.py counts them live) from the summaries."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Two workers reading a whole summary table looked as cheap to the planner as the
        # index (it could not tell how many of the scope's activities have rows): 40 ms
        # for each count of different participants instead of 15. Until the transaction
        # ends (a request's, or the one `counted` opens).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    in_period, which = _which(period, now, before)
    activities = scope._activities
    ids = list(activities)
    published = [
        pk for pk, (_theme, _org, status) in activities.items() if status == Status.PUBLISHED
    ]
    organisations = scope.organisation_ids()
    hung = Q(activity_id__in=ids) | Q(activity_id__isnull=True, organisation_id__in=organisations)

    def rows(model, condition: Q, columns: list[str], **measures):
        return list(
            model.objects.filter(in_period, condition)
            .annotate(which=which)
            .values("which", *columns)
            .annotate(**measures)
            .order_by()
        )

    def themed(found: list[dict], organisation_from_activity: bool) -> list[dict]:
        for row in found:
            theme, organisation_id, _status = activities[row["activity_id"]]
            row["theme"] = theme
            if organisation_from_activity:
                row["organisation_id"] = organisation_id
        return found

    def split(model, condition: Q, columns: list[str], dimensions: dict, from_activity: bool):
        """A tally per month from one query, and per activity (theme, organisation, …)
        from another: one query per activity and month read 8,500 rows for a
        municipality, and turning them into tallies took longer than counting them."""
        per_activity = tally(
            themed(rows(model, condition, ["activity_id", *columns], n=Sum("n")), from_activity),
            dimensions,
            ["n"],
        )
        per_month = tally(rows(model, condition, ["month"], n=Sum("n")), {"month": "month"}, ["n"])
        return {**per_activity, "month": per_month["month"]}

    held = split(
        SummaryDates,
        Q(activity_id__in=published),
        ["area_id"],
        {"theme": "theme", "organisation": "organisation_id", "area": "area_id"},
        True,
    )
    participations = split(
        SummaryParticipations,
        Q(activity_id__in=ids),
        ["organisation_id"],
        {"theme": "theme", "organisation": "organisation_id"},
        False,
    )

    def months(span) -> tuple[int, int]:
        return span.first.year, sum(1 << (m.month - 1) for m in span.months())

    (now_year, now_bits), (before_year, before_bits) = months(period.now), months(period.before)
    in_now = Q(year=now_year, now_hit__gt=0)
    in_before = Q(year=before_year, before_hit__gt=0)

    def distinct(by: str | None):
        """Different participants per period: one row can hold months of both (a
        quarter against the one before), so each period is a count of its own."""
        matching = (
            SummaryParticipants.objects.filter(
                activity_id__in=ids, year__in={now_year, before_year}
            )
            .annotate(
                now_hit=F("months").bitand(now_bits), before_hit=F("months").bitand(before_bits)
            )
            .filter(in_now | in_before)
        )
        counts = {
            "now_n": Count("participant_id", distinct=True, filter=in_now),
            "before_n": Count("participant_id", distinct=True, filter=in_before),
        }
        if by:
            found = list(matching.values(by).annotate(**counts).order_by())
        else:
            found = [matching.aggregate(**counts)]
        split = [
            {**row, "which": which, "n": row[column]}
            for row in found
            for which, column in ((now, "now_n"), (before, "before_n"))
        ]
        return tally(split, {by: by} if by else {}, ["n"])

    volunteers = tally(
        rows(
            SummaryVolunteers,
            hung,
            ["organisation_id"],
            n=Count("volunteer_id", distinct=True),
            hours=Sum("hours"),
        ),
        {"organisation": "organisation_id"},
        ["n", "hours"],
    )
    volunteers_total = tally(
        rows(SummaryVolunteers, hung, [], n=Count("volunteer_id", distinct=True)), {}, ["n"]
    )
    shifts = tally(
        rows(
            SummaryShifts,
            hung,
            ["month"],
            shifts=Sum("shifts"),
            places=Sum("places"),
            filled=Sum("filled"),
        ),
        {"month": "month"},
        ["shifts", "places", "filled"],
    )
    help_requests = tally(
        rows(
            SummaryHelp,
            Q(organisation_id__in=organisations),
            [],
            n=Sum("n"),
            answered=Sum("answered"),
        ),
        {},
        ["n", "answered"],
    )
    signals = tally(
        rows(SummarySignals, hung, [], n=Sum("n"), followed_n=Sum("followed")),
        {},
        ["n", "followed_n"],
    )
    return {
        "held": held,
        "participations": participations,
        "unique_total": distinct(None),
        "unique_area": distinct("area_id"),
        "unique_organisation": distinct("organisation_id"),
        "volunteers": volunteers,
        "volunteers_total": volunteers_total,
        "shifts": shifts,
        "help_requests": help_requests,
        "signals": signals,
    }


def counted(
    scope, period, tally, now: int, before: int, known: SummaryState | None = None
) -> tuple[dict, datetime] | None:
    """The tallies from the summaries and the moment they hold everything up to; None
    when there are none yet (never refreshed) or the period is not made of whole months.
    `known`: the state as the caller just read it (the kept overview's key)."""
    if not whole_months(period):
        return None
    first = known or state()
    for _attempt in range(3):
        if first is None or first.refreshed_at is None:
            return None
        with nullcontext() if connection.in_atomic_block else transaction.atomic():
            found = tallies(scope, period, tally, now, before)
        if SummaryState.objects.filter(pk=1, version=first.version).exists():
            return found, first.refreshed_at
        first = state()
    return found, first.refreshed_at
