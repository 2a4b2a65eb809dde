"""Which period an overview is about, and what it is compared with: one reading of
?jaar=, ?deel= and ?vergelijk= for the pages and their downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.periods import YEARS

WHOLE_YEAR = "jaar"
QUARTERS = ["k1", "k2", "k3", "k4"]
MONTHS = [f"m{n}" for n in range(1, 13)]
PREVIOUS = "vorige"
LAST_YEAR = "vorig-jaar"


@dataclass(frozen=True)
class Span:
    """Days `first` to `last`, both included."""

    first: date
    last: date

    @property
    def label(self) -> str:
        """Short where the span is a whole year, quarter or month ("2026", "quarter 1
        2026", "March 2026"): it heads a column."""
        whole = self.first.day == 1 and (self.last + timedelta(days=1)).day == 1
        months = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        if whole and months == 12 and self.first.month == 1:
            return str(self.first.year)
        if whole and months == 3 and self.first.month % 3 == 1:
            return _("quarter %(n)d %(year)d") % {
                "n": self.first.month // 3 + 1,
                "year": self.first.year,
            }
        if whole and months == 1:
            return date_format(self.first, "F Y")
        return f"{date_format(self.first, 'j F Y')} – {date_format(self.last, 'j F Y')}"

    def months(self) -> list[date]:
        """The first day of every month the span touches."""
        months, day = [], self.first.replace(day=1)
        while day <= self.last:
            months.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Period:
    """The chosen span and the one it is compared with."""

    now: Span
    before: Span
    year: int
    part: str
    compare: str

    @property
    def query(self) -> str:
        return f"jaar={self.year}&deel={self.part}&vergelijk={self.compare}"

    @property
    def filename(self) -> str:
        return f"{self.year}-{self.part}"


def _part_choices() -> list[tuple[str, str]]:
    choices = [(WHOLE_YEAR, _("the whole year"))]
    choices += [(q, _("quarter %(n)d") % {"n": n}) for n, q in enumerate(QUARTERS, start=1)]
    choices += [(m, date_format(date(2000, n, 1), "F")) for n, m in enumerate(MONTHS, start=1)]
    return choices


class PeriodForm(forms.Form):
    jaar = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    deel = forms.ChoiceField(label=gettext_lazy("Period"))
    vergelijk = forms.ChoiceField(
        label=gettext_lazy("Compare with"),
        choices=[
            (PREVIOUS, gettext_lazy("the period before")),
            (LAST_YEAR, gettext_lazy("the same period a year earlier")),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        years = [y for y in range(this_year, this_year - 10, -1) if y in YEARS]
        self.fields["jaar"].choices = [(y, str(y)) for y in years]
        self.fields["deel"].choices = _part_choices()


def chosen_period(params, today: date | None = None) -> tuple[Period, PeriodForm]:
    """The period the address asks for; the current year so far when it asks for none or
    for one that does not exist (the form then shows what was wrong)."""
    today = today or timezone.localdate()
    form = PeriodForm(params if params.get("jaar") else None)
    if form.is_bound and form.is_valid():
        year, part, compare = (
            form.cleaned_data["jaar"],
            form.cleaned_data["deel"],
            form.cleaned_data["vergelijk"],
        )
    else:
        year, part, compare = today.year, WHOLE_YEAR, PREVIOUS
        if not form.is_bound:
            form = PeriodForm(initial={"jaar": year, "deel": part, "vergelijk": compare})
    now = _span(year, part)
    if compare == LAST_YEAR or part == WHOLE_YEAR:
        before = _span(year - 1, part)
    elif part in QUARTERS:
        index = QUARTERS.index(part)
        before = _span(year - (index == 0), QUARTERS[index - 1])
    else:
        index = MONTHS.index(part)
        before = _span(year - (index == 0), MONTHS[index - 1])
    return Period(now=now, before=before, year=year, part=part, compare=compare), form


def _span(year: int, part: str) -> Span:
    if part in QUARTERS:
        first_month = 3 * QUARTERS.index(part) + 1
        last_month = first_month + 2
    elif part in MONTHS:
        first_month = last_month = MONTHS.index(part) + 1
    else:
        first_month, last_month = 1, 12
    first = date(year, first_month, 1)
    last = (date(year, last_month, 1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Span(first, last)
