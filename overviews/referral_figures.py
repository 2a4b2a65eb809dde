"""The referral figures of an overview: referrals sent per month, where they stand now,
what they are about, and how long they took (sent to accepted, sent to closed).

A referral counts where its referring organisation's figures count (the network that
organisation joined first, or the municipality for an organisation in no network:
`Scope.organisations`), in the period it was sent. A referral concerns one resident, so
its counts are counts of people: under five they are hidden ("<5"), with the secondary
suppression of overviews/suppression.py. A lead time of fewer than five referrals is
hidden too ("×"). Nothing here reads a name, a text or a participant: only the anonymous
columns that stay after the retention purge (status, categories, dates).

Referrals are few (some 1,500 a year in a region), so they are read live, one query for
both periods, and counted here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from referrals.models import Category, Referral, Status
from referrals.workdays import working_days_between

from .figures import BEFORE, NOW, Row, Scope, Table, _comparison
from .periods import Period, Span
from .suppression import COMPLEMENT, THRESHOLD, Figure

#: A lead time shown as "half within" and "8 in 10 within": these shares of the referrals.
SHARES = (50, 80)
#: Closed with the team's work done (with or without result); declined and cancelled
#: referrals never reached the team's help, so they are not in "sent to closed".
CLOSED_BY_TEAM = (Status.COMPLETED, Status.NOT_COMPLETED)


def _bounds(span: Span) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(span.first, time.min, tzinfo=zone)
    end = datetime.combine(span.last + timedelta(days=1), time.min, tzinfo=zone)
    return start, min(end, timezone.now())


def _which(moment: datetime, periods: list[tuple[datetime, datetime]]) -> int | None:
    for which, (start, end) in zip((NOW, BEFORE), periods, strict=True):
        if start <= moment < end:
            return which
    return None


def percentile(values: list[int], share: int) -> int:
    """The smallest value that at least `share` percent of `values` do not exceed (the
    nearest rank): "half were accepted within 3 working days"."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered) / 100)) - 1]


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def referral_tables(scope: Scope, period: Period) -> list[Table]:
    """The referral tables of the overview, counted and suppressed."""
    periods = [_bounds(period.now), _bounds(period.before)]
    first = min(start for start, _end in periods)
    last = max(end for _start, end in periods)
    rows = Referral.objects.filter(
        scope.organisations("sending_organisation_id"),
        created_at__gte=first,
        created_at__lt=last,
    ).values_list("created_at", "status", "categories", "accepted_at", "closed_at")

    def tally() -> dict[object, list[list[int]]]:
        return defaultdict(lambda: [[0], [0]])

    per_month, per_status, per_category = tally(), tally(), tally()
    sent = [0, 0]
    lead_times: dict[str, list[list[int]]] = {"accepted": [[], []], "closed": [[], []]}
    for created_at, status, categories, accepted_at, closed_at in rows:
        which = _which(created_at, periods)
        if which is None:  # between two periods a year apart
            continue
        sent[which] += 1
        per_month[_local_day(created_at).replace(day=1)][which][0] += 1
        per_status[status][which][0] += 1
        about = {c if c in Category.values else Category.OTHER.value for c in categories or ()}
        for category in about:
            per_category[category][which][0] += 1
        if accepted_at is not None:
            lead_times["accepted"][which].append(
                working_days_between(_local_day(created_at), _local_day(accepted_at))
            )
        if closed_at is not None and status in CLOSED_BY_TEAM:
            lead_times["closed"][which].append(
                working_days_between(_local_day(created_at), _local_day(closed_at))
            )

    # The month a year (or a period) earlier stands on the same row as its month.
    months = list(zip(period.now.months(), period.before.months(), strict=False))
    by_month = {now: [per_month[now][NOW], per_month[before][BEFORE]] for now, before in months}
    totals = (sent[NOW], sent[BEFORE])
    return [
        _comparison(
            "verwijzingen-per-maand",
            _("Referrals to the wijkteam per month"),
            _(
                "Residents the organisations referred to the wijkteam, with their consent "
                "or because of acute danger, by the month the referral was sent."
            ),
            _("Month"),
            period,
            [(date_format(now, "F Y"), now) for now, _before in months],
            by_month,
        ),
        _comparison(
            "verwijzingen-per-status",
            _("Referrals by where they stand now"),
            _("The referrals sent in the period, by their status today."),
            _("Status"),
            period,
            [(capfirst(str(label)), value) for value, label in Status.choices],
            per_status,
            totals=totals,
        ),
        _comparison(
            "verwijzingen-per-onderwerp",
            _("Referrals by what they are about"),
            _(
                "The referrals sent in the period, by what they are about. A referral "
                "about two things counts at both, once in the total."
            ),
            _("What it is about"),
            period,
            [(capfirst(str(label)), value) for value, label in Category.choices],
            per_category,
            totals=totals,
        ),
        _lead_time_table(period, lead_times),
    ]


def _lead_time_table(period: Period, lead_times: dict[str, list[list[int]]]) -> Table:
    rows = []
    for key, label in (
        ("accepted", _("From sent to accepted")),
        ("closed", _("From sent to closed")),
    ):
        figures: list[Figure | str] = []
        for which in (NOW, BEFORE):
            days = lead_times[key][which]
            for share in SHARES:
                if len(days) < THRESHOLD:
                    figures.append(Figure(None, COMPLEMENT))
                else:
                    figures.append(Figure(percentile(days, share)))
        rows.append(Row(label, figures, key=key))
    columns = []
    for span in (period.now, period.before):
        columns += [
            _("Half within (%(period)s)") % {"period": span.label},
            _("8 in 10 within (%(period)s)") % {"period": span.label},
        ]
    return Table(
        key="verwijzingen-doorlooptijd",
        title=_("How long referrals took, in working days"),
        description=_(
            "Of the referrals sent in the period: within how many working days half of "
            "them, and 8 in 10, were accepted by the wijkteam, and were closed (with or "
            "without result). Working days are Monday to Friday without public holidays. "
            "Hidden (×) where fewer than five referrals got that far."
        ),
        row_heading=_("Lead time"),
        columns=columns,
        rows=rows,
    )
