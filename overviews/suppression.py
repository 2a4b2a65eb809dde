"""Small-number suppression: no resident can be recognised in an overview.

Pure functions, no Django. Every figure that counts people (participations, participants,
volunteers, signals, help requests) is shown and exported as "<5" when it is under five,
zero included, so "<5" never says that somebody is there (primary suppression). A figure
that is not a count of people (dates held, shifts needed) is shown as it is.

Hiding a small cell is not enough where the table shows a total: total minus the other
cells gives it back. So, per *line* (a row or column together with the total it adds up
to), a line with exactly one hidden figure gets a second one hidden too, the smallest
other cell (secondary suppression, shown as "×"), and so does a line whose total still
pins a hidden count to one value (two hidden fours); this repeats until no line gives a
figure back, since hiding a cell can expose another line. A total is only
chosen when the line has no other cell left. Differences between periods and percentages
are worked out from shown figures only (`shown_difference`, `shown_ratio`), so they cannot
give a hidden figure back either.

The pages keep their tables one-dimensional (rows and their total; a period column is a
line of its own), for which the line rule leaves every hidden small figure at least two
possible values (tests/overviews/test_suppression.py checks this exhaustively on
constructed tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

#: Counts of people below this are hidden.
THRESHOLD = 5

SMALL = "small"
COMPLEMENT = "complement"

Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    """One figure as it may be shown: its value is None when it is hidden."""

    value: Number | None
    #: "" when shown, SMALL (a count of 1 to 4) or COMPLEMENT (hidden to protect one).
    hidden: str = ""

    @property
    def text(self) -> str:
        """The figure as shown and exported: "<5", "×" or the number."""
        if self.hidden == SMALL:
            return f"<{THRESHOLD}"
        if self.hidden == COMPLEMENT:
            return "×"
        if isinstance(self.value, Decimal):
            return f"{self.value:.0f}"
        return str(self.value)

    def __str__(self) -> str:
        return self.text


def is_small(count: int) -> bool:
    """A count of people that must not be shown (zero too: "<5" then means 0 to 4, so a
    hidden figure never says that somebody is there)."""
    return count < THRESHOLD


def protect(
    values: Sequence[Number],
    lines: Sequence[Sequence[int]],
    *,
    sensitive: Sequence[bool],
    totals: frozenset[int] = frozenset(),
    counts: bool = True,
) -> list[str]:
    """The hiding of each value (`""`, SMALL or COMPLEMENT).

    `values` are all figures of a table, cells and totals; each of `lines` holds the
    indices of figures that add up (the cells of a row and that row's total, which is in
    `totals`). `sensitive` marks the figures hidden in their own right. `counts`: the
    figures are counts of people, so a hidden one is known to be 0 to 4 ("<5") or at
    least 5 ("×"); a line whose shown total then still pins a hidden count to one value
    (two hidden fours in a line whose total leaves 8 for them) hides one more.
    """
    state = [SMALL if flag else "" for flag in sensitive]
    stuck: set[int] = set()
    changed = True
    while changed:
        changed = False
        for number, line in enumerate(lines):
            if number in stuck or not _exposed(line, values, state, totals, counts):
                continue
            candidates = [i for i in line if not state[i]]
            if not candidates:
                stuck.add(number)
                continue
            pick = min(candidates, key=lambda i: (i in totals, values[i], i))
            state[pick] = COMPLEMENT
            changed = True
    return state


def _exposed(
    line: Sequence[int],
    values: Sequence[Number],
    state: list[str],
    totals: frozenset[int],
    counts: bool,
) -> bool:
    """Whether the shown figures of the line give a hidden one back."""
    hidden = [i for i in line if state[i]]
    if len(hidden) == 1:
        return True
    total = next((i for i in line if i in totals), None)
    if not counts or total is None or state[total]:
        # A hidden total leaves the cells free (a "<5" total: every cell is 0 to 4 too).
        return False
    rest = values[total] - sum(values[i] for i in line if i != total and not state[i])
    smalls = [i for i in hidden if state[i] == SMALL]
    complements = len(hidden) - len(smalls)
    if not smalls:
        return False
    # Each hidden count has the same bounds: the others are 0 to 4 each ("<5") and at
    # least 5 each ("×"), so what is left for it is `rest` minus what they can hold.
    low = THRESHOLD * complements
    least = 0 if complements else max(0, rest - (THRESHOLD - 1) * (len(smalls) - 1))
    most = min(THRESHOLD - 1, rest - low)
    return most - least < 1 and most > 0


@dataclass(frozen=True)
class Column:
    """A one-way table's figures (in row order) and their total, as they may be shown."""

    cells: list[Figure]
    total: Figure


def one_way(
    values: Sequence[Number],
    *,
    total: Number | None = None,
    people: Sequence[int] | None = None,
    people_total: int | None = None,
    of_people: bool = True,
) -> Column:
    """A column of figures with its total, hidden where needed.

    `total` defaults to the sum (give it where the figures are not additive, such as
    unique participants per organisation: the rule then protects more than it must).
    `people` (and `people_total`) are the numbers of people behind each figure when the
    figure itself is not a count of them (hours given: hidden when fewer than five gave
    them). `of_people=False`: nothing is hidden (dates held, places needed).
    """
    values = list(values)
    if total is None:
        total = sum(values, start=type(values[0])(0) if values else 0)
    if not of_people:
        return Column([Figure(v) for v in values], Figure(total))
    counts = list(people) if people is not None else values
    count_total = people_total if people_total is not None else total
    everything = [*values, total]
    sensitive = [is_small(int(c)) for c in counts] + [is_small(int(count_total))]
    state = protect(
        everything,
        [list(range(len(everything)))],
        sensitive=sensitive,
        totals=frozenset({len(values)}),
        counts=people is None,
    )
    if people is not None:
        # Not a count itself (hours): hidden, but never "<5".
        state = [COMPLEMENT if s else "" for s in state]
    figures = [Figure(None if s else v, s) for v, s in zip(everything, state, strict=True)]
    return Column(figures[:-1], figures[-1])


def single(value: int, *, of_people: bool = True) -> Figure:
    """A figure on its own (a headline number)."""
    if of_people and is_small(value):
        return Figure(None, SMALL)
    return Figure(value)


def shown_difference(now: Figure, before: Figure) -> Figure:
    """The change between two periods, only when both figures are shown."""
    if now.value is None or before.value is None:
        return Figure(None, COMPLEMENT)
    return Figure(now.value - before.value)


def shown_ratio(part: Figure, whole: Number | None, *, per: int = 100) -> Decimal | None:
    """`part` per `per` of `whole` (reach per 100 residents), only when `part` is shown
    and `whole` is known."""
    if part.value is None or not whole:
        return None
    return (Decimal(part.value) * per / Decimal(whole)).quantize(Decimal("0.1"))
