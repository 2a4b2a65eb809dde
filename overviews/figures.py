"""The figures of an overview: counted in the database (GROUP BY on the narrow rows of
attendance, dates, shifts), both periods in one query per source, then hidden where they
concern fewer than five people (overviews/suppression.py) before anything is shown or
exported.

Attribution (docs/architecture.md, "Attribution of figures"): an activity counts in its
`home_network` only, and in its organisation's municipality when it has none. What hangs
on an organisation rather than an activity (a task with its own schedule, a help request,
a signal about someone whose activity is gone) counts where the organisation's own
activities do: the network it joined first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from activities.models import Activity, Occurrence, Status, Theme
from attendance.models import Attendance, RollCall, Signal
from network.models import Area, Municipality, Network, Organisation
from volunteers.models import HelpRequest, HelpResponseStatus, Shift, SignUp, SignUpStatus

from .models import AreaPopulation
from .periods import Period, Span
from .suppression import Figure, one_way, shown_difference, shown_ratio, single

NOW, BEFORE = 0, 1


@dataclass
class Scope:
    """Whose figures: a municipality, or one network or organisation within it."""

    municipality: Municipality
    network: Network | None = None
    organisation: Organisation | None = None
    network_ids: tuple[int, ...] = ()
    #: Organisations whose figures without an activity (own tasks, help requests) count here.
    home_organisation_ids: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        municipality: Municipality,
        *,
        network: Network | None = None,
        organisation: Organisation | None = None,
    ) -> Scope:
        if network is not None:
            network_ids = (network.pk,)
        else:
            network_ids = tuple(municipality.networks.values_list("pk", flat=True))
        return cls(
            municipality=municipality,
            network=network,
            organisation=organisation,
            network_ids=network_ids,
            home_organisation_ids=_home_organisations(municipality, network_ids, network),
        )

    @property
    def name(self) -> str:
        return str(self.organisation or self.network or self.municipality)

    def activities(self, prefix: str) -> Q:
        """Activities counted here; `prefix` leads from the model to the activity."""
        q = Q(**{f"{prefix}home_network_id__in": self.network_ids})
        if self.network is None:
            q |= Q(
                **{
                    f"{prefix}home_network__isnull": True,
                    f"{prefix}organisation__municipality": self.municipality,
                }
            )
        if self.organisation is not None:
            q &= Q(**{f"{prefix}organisation": self.organisation})
        return q

    def activity_ids(self, field_name: str) -> Q:
        """The same condition as a list of activity ids, read once: the big tables
        (attendance) then use their index on (activity, day), and PostgreSQL estimates
        their rows per activity (a subquery made it guess, and read the whole table)."""
        return Q(**{f"{field_name}__in": self._activity_ids})

    @cached_property
    def _activities(self) -> dict[int, tuple[str, int, str]]:
        """The activities counted here: their theme, organisation and status (the
        summaries are kept per activity; overviews/summary.py)."""
        return {
            pk: (theme, organisation_id, status)
            for pk, theme, organisation_id, status in Activity.objects.filter(
                self.activities("")
            ).values_list("pk", "theme", "organisation_id", "status")
        }

    @property
    def _activity_ids(self) -> list[int]:
        return list(self._activities)

    def organisation_ids(self) -> list[int]:
        """The organisations whose rows without an activity count here."""
        ids = self.home_organisation_ids
        if self.organisation is not None:
            ids = ids & {self.organisation.pk}
        return sorted(ids)

    def organisations(self, field_name: str) -> Q:
        """Rows of an organisation whose figures count here (by `field_name`)."""
        return Q(**{f"{field_name}__in": self.organisation_ids()})


def _home_organisations(
    municipality: Municipality, network_ids: tuple[int, ...], network: Network | None
) -> frozenset[int]:
    """Organisations whose first network is one of `network_ids` (and, for a whole
    municipality, its organisations in no network): one query over the memberships of
    organisations in networks."""
    through = Organisation.networks.through
    first: dict[int, int] = {}
    for organisation_id, network_id in through.objects.order_by("pk").values_list(
        "organisation_id", "network_id"
    ):
        first.setdefault(organisation_id, network_id)
    ids = {o for o, n in first.items() if n in set(network_ids)}
    if network is None:
        ids |= set(
            Organisation.objects.filter(municipality=municipality, networks__isnull=True)
            .values_list("pk", flat=True)
            .distinct()
        )
    return frozenset(ids)


# --- counting -------------------------------------------------------------------------


def _bounds(span: Span) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(span.first, time.min, tzinfo=zone)
    end = datetime.combine(span.last + timedelta(days=1), time.min, tzinfo=zone)
    return start, min(end, timezone.now())


def _moment_periods(period: Period, field_name: str) -> tuple[Q, Case]:
    """The condition for both periods on a timestamp, and which period a row is in."""
    (now_start, now_end), (before_start, before_end) = _bounds(period.now), _bounds(period.before)
    in_now = Q(**{f"{field_name}__gte": now_start, f"{field_name}__lt": now_end})
    in_before = Q(**{f"{field_name}__gte": before_start, f"{field_name}__lt": before_end})
    which = Case(When(in_now, then=Value(NOW)), default=Value(BEFORE), output_field=IntegerField())
    return in_now | in_before, which


def _day_periods(period: Period, field_name: str) -> tuple[Q, Case]:
    """As `_moment_periods`, for a day. One range from the first day to the last (the
    days between two periods a year apart fall in neither: the CASE drops them), so an
    index on (activity, day) reads each activity's days in one stretch; two ranges joined
    by OR made PostgreSQL read the whole attendance table."""
    today = timezone.localdate()
    now_last = min(period.now.last, today)
    before_last = min(period.before.last, today)
    first = min(period.now.first, period.before.first)
    last = max(now_last, before_last)
    in_now = Q(**{f"{field_name}__range": (period.now.first, now_last)})
    in_before = Q(**{f"{field_name}__range": (period.before.first, before_last)})
    which = Case(
        When(in_now, then=Value(NOW)),
        When(in_before, then=Value(BEFORE)),
        default=Value(None),
        output_field=IntegerField(),
    )
    return Q(**{f"{field_name}__range": (first, last)}), which


def _month(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


Tally = dict[str, dict[object, list]]


def _tally(rows: Iterable[dict], dimensions: dict[str, str], measures: list[str]) -> Tally:
    """Sums per dimension value and period: {dimension: {key: [now…, before…]}} where each
    of the two periods holds one number per measure."""
    out: Tally = {
        name: defaultdict(lambda: [[0] * len(measures), [0] * len(measures)]) for name in dimensions
    }
    out["total"] = defaultdict(lambda: [[0] * len(measures), [0] * len(measures)])
    for row in rows:
        which = row["which"]
        if which is None:  # between two periods a year apart
            continue
        for name, column in {**dimensions, "total": None}.items():
            key = None if column is None else row[column]
            if name == "month":
                key = _month(key)
            bucket = out[name][key][which]
            for index, measure in enumerate(measures):
                bucket[index] += row[measure] or 0
    return out


def _dates_held(scope: Scope, period: Period) -> Tally:
    condition, which = _moment_periods(period, "starts_at")
    rows = (
        Occurrence.objects.filter(
            condition,
            scope.activities("activity__"),
            is_cancelled=False,
            activity__status=Status.PUBLISHED,
        )
        .annotate(
            which=which,
            month=TruncMonth("starts_at"),
            area=Coalesce("place__area_id", "activity__place__area_id"),
        )
        .values("which", "month", "activity__theme", "activity__organisation_id", "area")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _tally(
        rows,
        {
            "month": "month",
            "theme": "activity__theme",
            "organisation": "activity__organisation_id",
            "area": "area",
        },
        ["n"],
    )


def _participations(scope: Scope, period: Period) -> Tally:
    """Attendance rows and head counts of the roll-calls, per month, theme, organisation."""
    condition, which = _day_periods(period, "day")
    rows = list(
        Attendance.objects.filter(condition, scope.activity_ids("activity_id"))
        .annotate(which=which, month=TruncMonth("day"))
        .values("which", "month", "activity__theme", "organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    condition, which = _moment_periods(period, "occurrence__starts_at")
    rows += [
        {
            **row,
            "organisation_id": row.pop("occurrence__activity__organisation_id"),
            "activity__theme": row.pop("occurrence__activity__theme"),
        }
        for row in RollCall.objects.filter(
            condition, scope.activity_ids("occurrence__activity_id"), head_count__gt=0
        )
        .annotate(which=which, month=TruncMonth("occurrence__starts_at"))
        .values(
            "which", "month", "occurrence__activity__theme", "occurrence__activity__organisation_id"
        )
        .annotate(n=Sum("head_count"))
        .order_by()
    ]
    return _tally(
        rows,
        {"month": "month", "theme": "activity__theme", "organisation": "organisation_id"},
        ["n"],
    )


def _unique_participants(scope: Scope, period: Period, by: str | None) -> Tally:
    condition, which = _day_periods(period, "day")
    columns = ["which"] + ([by] if by else [])
    rows = (
        Attendance.objects.filter(condition, scope.activity_ids("activity_id"))
        .annotate(which=which)
        .values(*columns)
        .annotate(n=Count("participant_id", distinct=True))
        .order_by()
    )
    return _tally(rows, {by: by} if by else {}, ["n"])


def _volunteering(scope: Scope, period: Period) -> tuple[Tally, Tally]:
    """Volunteers who gave their time (distinct, per organisation and in all) and the hours
    approved, for shifts that took place."""
    condition, which = _moment_periods(period, "shift__starts_at")
    signups = SignUp.objects.filter(
        condition,
        scope.activities("shift__task__activity__")
        | (
            Q(shift__task__activity__isnull=True)
            & scope.organisations("shift__task__organisation_id")
        ),
        status=SignUpStatus.CONFIRMED,
        shift__is_cancelled=False,
        no_show_recorded_at__isnull=True,
    ).annotate(which=which)
    per_organisation = _tally(
        signups.values("which", "shift__task__organisation_id")
        .annotate(n=Count("volunteer_id", distinct=True), hours=Sum("hours_approved"))
        .order_by(),
        {"organisation": "shift__task__organisation_id"},
        ["n", "hours"],
    )
    total = _tally(
        signups.values("which").annotate(n=Count("volunteer_id", distinct=True)).order_by(),
        {},
        ["n"],
    )
    return per_organisation, total


def _shifts(scope: Scope, period: Period) -> Tally:
    condition, which = _moment_periods(period, "starts_at")
    rows = (
        Shift.objects.filter(
            condition,
            scope.activities("task__activity__")
            | (Q(task__activity__isnull=True) & scope.organisations("task__organisation_id")),
            is_cancelled=False,
        )
        .annotate(which=which, month=TruncMonth("starts_at"))
        .values("which", "month")
        .annotate(shifts=Count("pk"), places=Sum("places"), filled=Sum("confirmed_count"))
        .order_by()
    )
    return _tally(rows, {"month": "month"}, ["shifts", "places", "filled"])


def _help_requests(scope: Scope, period: Period) -> Tally:
    condition, which = _moment_periods(period, "created_at")
    rows = (
        HelpRequest.objects.filter(condition, scope.organisations("organisation_id"))
        .annotate(which=which)
        .values("which")
        .annotate(
            n=Count("pk", distinct=True),
            answered=Count(
                "pk", filter=Q(responses__status=HelpResponseStatus.MATCHED), distinct=True
            ),
        )
        .order_by()
    )
    return _tally(rows, {}, ["n", "answered"])


def _signals(scope: Scope, period: Period) -> Tally:
    condition, which = _moment_periods(period, "raised_at")
    rows = (
        Signal.objects.filter(
            condition,
            scope.activities("activity__")
            | (Q(activity__isnull=True) & scope.organisations("participant__organisation_id")),
        )
        .annotate(
            which=which,
            followed=Case(
                When(
                    Q(dismissed_at__isnull=False)
                    | Q(caller__isnull=False)
                    | Q(resolved_at__isnull=False),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("which", "followed")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _tally(
        [{**row, "followed_n": row["n"] if row["followed"] else 0} for row in rows],
        {},
        ["n", "followed_n"],
    )


# --- tables ---------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    figures: list[Figure | str]
    #: What the row is, whatever the language (the key figures).
    key: str = ""


@dataclass
class Table:
    """One table as shown and downloaded: every figure already hidden where needed."""

    key: str
    title: str
    description: str
    row_heading: str
    columns: list[str]
    rows: list[Row]
    total: Row | None = None
    #: Draw the first column as bars (a trend over months or a comparison of groups).
    chart: bool = True

    @property
    def chart_rows(self) -> list[tuple[str, Figure]]:
        return [(row.label, row.figures[0]) for row in self.rows]


@dataclass
class Overview:
    scope: Scope
    period: Period
    headline: Table
    tables: list[Table] = field(default_factory=list)
    #: (name, slug) of the organisations in the tables, for links to their own overview.
    organisations: list[tuple[str, str]] = field(default_factory=list)
    counted_at: datetime = field(default_factory=timezone.now)

    def table(self, key: str) -> Table | None:
        if key == self.headline.key:
            return self.headline
        return next((t for t in self.tables if t.key == key), None)


def _comparison(
    key: str,
    title: str,
    description: str,
    row_heading: str,
    period: Period,
    labelled: list[tuple[str, object]],
    tally: dict[object, list],
    *,
    measure: int = 0,
    of_people: bool = True,
    totals: tuple[int, int] | None = None,
) -> Table:
    """Rows `labelled` (label, key in the tally) with this period, the one before and the
    change; each period's column is suppressed with its total."""
    now = [tally[k][NOW][measure] if k in tally else 0 for _label, k in labelled]
    before = [tally[k][BEFORE][measure] if k in tally else 0 for _label, k in labelled]
    now_column = one_way(now, total=totals[NOW] if totals else None, of_people=of_people)
    before_column = one_way(before, total=totals[BEFORE] if totals else None, of_people=of_people)
    rows = [
        Row(label, [a, b, shown_difference(a, b)])
        for (label, _k), a, b in zip(labelled, now_column.cells, before_column.cells, strict=True)
    ]
    total = Row(
        _("Total"),
        [
            now_column.total,
            before_column.total,
            shown_difference(now_column.total, before_column.total),
        ],
    )
    return Table(
        key=key,
        title=title,
        description=description,
        row_heading=row_heading,
        columns=[period.now.label, period.before.label, _("Difference")],
        rows=rows,
        total=total,
    )


def _first(tally: Tally, measure: int, which: int) -> int:
    entry = tally["total"].get(None)
    return entry[which][measure] if entry else 0


def count_live(scope: Scope, period: Period) -> dict[str, Tally]:
    """Every tally counted from the big tables themselves."""
    volunteers, volunteers_total = _volunteering(scope, period)
    return {
        "held": _dates_held(scope, period),
        "participations": _participations(scope, period),
        "unique_total": _unique_participants(scope, period, None),
        "unique_area": _unique_participants(scope, period, "area_id"),
        "unique_organisation": _unique_participants(scope, period, "organisation_id"),
        "volunteers": volunteers,
        "volunteers_total": volunteers_total,
        "shifts": _shifts(scope, period),
        "help_requests": _help_requests(scope, period),
        "signals": _signals(scope, period),
    }


def build_overview(scope: Scope, period: Period, *, live: bool = False, state=None) -> Overview:
    """Every figure of the overview, counted and suppressed: from the summary tables
    (overviews/summary.py) as of their last refresh, or counted live from the big tables
    (`live`, and where there are no summaries yet or the period is not whole months).
    `state`: the summaries' `SummaryState` where the caller has just read it."""
    from .summary import counted

    found = None if live else counted(scope, period, _tally, NOW, BEFORE, state)
    if found is None:
        tallies, counted_at = count_live(scope, period), timezone.now()
    else:
        tallies, counted_at = found
    held = tallies["held"]
    participations = tallies["participations"]
    unique_total = tallies["unique_total"]
    unique_area = tallies["unique_area"]
    unique_organisation = tallies["unique_organisation"]
    volunteers, volunteers_total = tallies["volunteers"], tallies["volunteers_total"]
    shifts = tallies["shifts"]
    help_requests = tallies["help_requests"]
    signals = tallies["signals"]

    organisation_ids = (
        set(held["organisation"])
        | set(participations["organisation"])
        | set(volunteers["organisation"])
    )
    if scope.organisation is not None:
        organisation_ids.add(scope.organisation.pk)
    organisations = list(
        Organisation.objects.filter(pk__in=organisation_ids)
        .order_by("name")
        .values_list("pk", "name", "slug")
    )
    areas = _areas(scope)
    populations = dict(
        AreaPopulation.objects.filter(
            area__in=[pk for _name, pk in areas], year=period.year
        ).values_list("area_id", "population")
    )
    months = [(date_format(m, "F Y"), m) for m in period.now.months()]
    # The comparison column shows the month a year (or a period) earlier on the same row.
    shift = dict(zip(period.now.months(), period.before.months(), strict=False))

    def by_month(tally: dict[object, list]) -> dict[object, list]:
        return {
            m: [tally.get(m, [[0], [0]])[NOW], tally.get(shift.get(m), [[0], [0]])[BEFORE]]
            for m in shift
        }

    area_rows = [*areas, (_("Unknown"), None)]
    theme_rows = [(str(label), value) for value, label in Theme.choices]
    organisation_rows = [(name, pk) for pk, name, _slug in organisations]

    def pair(tally: Tally, measure: int = 0) -> tuple[int, int]:
        return _first(tally, measure, NOW), _first(tally, measure, BEFORE)

    headline_rows = [
        ("dates", _("Dates held"), pair(held), False),
        (
            "participations",
            _("Participations (people who came, times the dates they came)"),
            pair(participations),
            True,
        ),
        ("participants", _("Different participants with a record"), pair(unique_total), True),
        ("volunteers", _("Volunteers who gave their time"), pair(volunteers_total), True),
        ("shifts", _("Shifts"), pair(shifts, 0), False),
        ("needed", _("Volunteers needed on those shifts"), pair(shifts, 1), False),
        ("filled", _("Places filled by volunteers"), pair(shifts, 2), True),
        ("help", _("Help requests"), pair(help_requests, 0), True),
        (
            "help_answered",
            _("Help requests answered (a volunteer matched)"),
            pair(help_requests, 1),
            True,
        ),
        ("signals", _("“Not seen lately” signals raised"), pair(signals, 0), True),
        ("signals_followed", _("Signals followed up"), pair(signals, 1), True),
    ]
    headline = Table(
        key="kerncijfers",
        title=_("Key figures"),
        description=_("The main figures of the period, beside those of the period compared with."),
        row_heading=_("Figure"),
        columns=[period.now.label, period.before.label, _("Difference")],
        rows=[
            Row(label, [a, b, shown_difference(a, b)], key=key)
            for key, label, (now, before), people in headline_rows
            for a, b in [(single(now, of_people=people), single(before, of_people=people))]
        ],
        chart=False,
    )
    tables = [
        _comparison(
            "data-per-maand",
            _("Dates held per month"),
            _("Dates of activities that took place, not called off."),
            _("Month"),
            period,
            months,
            by_month(held["month"]),
            of_people=False,
        ),
        _comparison(
            "data-per-thema",
            _("Dates held per theme"),
            _("Dates of activities that took place, by the activity's theme."),
            _("Theme"),
            period,
            theme_rows,
            held["theme"],
            of_people=False,
        ),
        _comparison(
            "data-per-plaats",
            _("Dates held per village or neighbourhood"),
            _("Where the dates took place."),
            _("Village or neighbourhood"),
            period,
            area_rows,
            held["area"],
            of_people=False,
        ),
        _comparison(
            "data-per-organisatie",
            _("Dates held per organisation"),
            _("The organisation that runs the activity."),
            _("Organisation"),
            period,
            organisation_rows,
            held["organisation"],
            of_people=False,
        ),
        _comparison(
            "deelnames-per-maand",
            _("Participations per month"),
            _("Every time someone came: people on the roll-call and others counted at the door."),
            _("Month"),
            period,
            months,
            by_month(participations["month"]),
        ),
        _comparison(
            "deelnames-per-thema",
            _("Participations per theme"),
            _("Every time someone came, by the activity's theme."),
            _("Theme"),
            period,
            theme_rows,
            participations["theme"],
        ),
        _comparison(
            "deelnames-per-organisatie",
            _("Participations per organisation"),
            _("Every time someone came, by the organisation that runs the activity."),
            _("Organisation"),
            period,
            organisation_rows,
            participations["organisation"],
        ),
        _reach_table(period, area_rows, unique_area, unique_total, populations),
        _comparison(
            "deelnemers-per-organisatie",
            _("Different participants per organisation"),
            _(
                "People with a record who came at least once. Someone who comes to two "
                "organisations counts at both, once in the total."
            ),
            _("Organisation"),
            period,
            organisation_rows,
            unique_organisation["organisation_id"],
            totals=pair(unique_total),
        ),
        _comparison(
            "vrijwilligers-per-organisatie",
            _("Volunteers per organisation"),
            _(
                "Volunteers who took part in at least one shift. Someone who helps at two "
                "organisations counts at both, once in the total."
            ),
            _("Organisation"),
            period,
            organisation_rows,
            volunteers["organisation"],
            totals=pair(volunteers_total),
        ),
        _hours_table(period, organisation_rows, volunteers, volunteers_total),
        _shifts_table(period, months, shifts["month"]),
    ]
    # Referrals: their own module, counted live (few rows). Imported here, since it
    # builds on this one.
    from .referral_figures import referral_tables

    tables += referral_tables(scope, period)
    return Overview(
        scope=scope,
        period=period,
        headline=headline,
        tables=tables,
        organisations=[(name, slug) for _pk, name, slug in organisations],
        counted_at=counted_at,
    )


def _areas(scope: Scope) -> list[tuple[str, int]]:
    if scope.network is not None:
        areas = scope.network.areas.all()
    else:
        areas = Area.objects.filter(municipality=scope.municipality)
    return [(area.name, area.pk) for area in areas.order_by("name")]


def _reach_table(
    period: Period,
    area_rows: list[tuple[str, object]],
    unique_area: Tally,
    unique_total: Tally,
    populations: dict[int, int],
) -> Table:
    table = _comparison(
        "bereik-per-plaats",
        _("Participants per village or neighbourhood where they live"),
        _(
            "People with a record who came at least once, by where they live, and how many "
            "that is per 100 residents (where the number of residents of that year is known)."
        ),
        _("Village or neighbourhood"),
        period,
        area_rows,
        unique_area["area_id"],
        totals=(_first(unique_total, 0, NOW), _first(unique_total, 0, BEFORE)),
    )
    table.columns.append(_("Residents"))
    table.columns.append(_("Per 100 residents"))
    for row, (_label, area_id) in zip(table.rows, area_rows, strict=True):
        population = populations.get(area_id)
        ratio = shown_ratio(row.figures[0], population)
        row.figures.append(str(population) if population else _("not known"))
        row.figures.append(number_format(ratio, 1) if ratio is not None else "–")
    table.total.figures += ["", ""]
    return table


def _hours_table(
    period: Period,
    organisation_rows: list[tuple[str, object]],
    volunteers: Tally,
    volunteers_total: Tally,
) -> Table:
    tally = volunteers["organisation"]
    columns = []
    for which in (NOW, BEFORE):
        hours = [
            Decimal(tally[k][which][1]) if k in tally else Decimal(0) for _l, k in organisation_rows
        ]
        people = [tally[k][which][0] if k in tally else 0 for _l, k in organisation_rows]
        columns.append(
            one_way(hours, people=people, people_total=_first(volunteers_total, 0, which))
        )
    rows = [
        Row(label, [a, b, shown_difference(a, b)])
        for (label, _k), a, b in zip(
            organisation_rows, columns[0].cells, columns[1].cells, strict=True
        )
    ]
    return Table(
        key="uren-per-organisatie",
        title=_("Volunteer hours per organisation"),
        description=_(
            "Hours approved by the coordinators. Hidden (×) where fewer than five "
            "volunteers gave them."
        ),
        row_heading=_("Organisation"),
        columns=[period.now.label, period.before.label, _("Difference")],
        rows=rows,
        total=Row(
            _("Total"),
            [
                columns[0].total,
                columns[1].total,
                shown_difference(columns[0].total, columns[1].total),
            ],
        ),
    )


def _shifts_table(
    period: Period, months: list[tuple[str, date]], tally: dict[object, list]
) -> Table:
    needed = [tally[m][NOW][1] if m in tally else 0 for _l, m in months]
    filled = one_way([tally[m][NOW][2] if m in tally else 0 for _l, m in months])
    needed_column = one_way(needed, of_people=False)
    rows = []
    for (label, _m), places, taken in zip(months, needed_column.cells, filled.cells, strict=True):
        ratio = shown_ratio(taken, places.value)
        rows.append(Row(label, [places, taken, _percent(ratio)]))
    total_ratio = shown_ratio(filled.total, needed_column.total.value)
    return Table(
        key="diensten-per-maand",
        title=_("Volunteers needed and places filled per month"),
        description=_(
            "Shifts that were not called off: how many volunteers they needed, and how "
            "many signed up."
        ),
        row_heading=_("Month"),
        columns=[_("Volunteers needed"), _("Places filled"), _("Filled")],
        rows=rows,
        total=Row(
            _("Total"),
            [
                needed_column.total,
                filled.total,
                _percent(total_ratio),
            ],
        ),
    )


def _percent(ratio: Decimal | None) -> str:
    return "–" if ratio is None else f"{number_format(ratio, 1)}%"
