"""Small-number suppression on constructed tables: properties over many random tables, and
an attacker who knows the rule and every shown figure cannot work out any hidden one."""

import random
from decimal import Decimal

import pytest

from overviews.suppression import (
    COMPLEMENT,
    SMALL,
    Figure,
    one_way,
    protect,
    shown_difference,
    shown_ratio,
    single,
)


def random_counts(rng: random.Random) -> list[int]:
    """Tables with many small counts, zeros and a few large ones."""
    length = rng.randint(1, 7)
    return [rng.choice([0, 1, 2, 3, 4, 5, 6, rng.randint(0, 40)]) for _ in range(length)]


def domain(figure: Figure, true_value: int, bound: int) -> set[int]:
    """What an attacker knows of a figure: "<5" is 0 to 4; "×" is at least 5 (a count
    under 5 would read "<5"); a shown figure is itself."""
    if figure.hidden == SMALL:
        return {0, 1, 2, 3, 4}
    if figure.hidden == COMPLEMENT:
        return set(range(5, bound + 1))
    return {true_value}


def possible_values(column, values, total, index):
    """Every value the cell at `index` can have, given all that is shown."""
    bound = 2 * total + 10
    domains = [domain(f, v, bound) for f, v in zip(column.cells, values, strict=True)]
    total_domain = domain(column.total, total, bound)
    possible = set()
    for candidate in domains[index]:
        sums = {0}
        for j, dom in enumerate(domains):
            if j != index:
                sums = {s + d for s in sums for d in dom if s + d <= bound}
        if any(t - candidate in sums for t in total_domain):
            possible.add(candidate)
    return possible


@pytest.mark.parametrize("seed", range(40))
def test_one_way_hides_every_small_count_and_nothing_can_be_worked_back(seed):
    rng = random.Random(seed)
    for _ in range(50):
        values = random_counts(rng)
        total = sum(values)
        column = one_way(values)
        figures = [*column.cells, column.total]
        for figure, value in zip(figures, [*values, total], strict=True):
            if value < 5:
                assert figure.hidden == SMALL and figure.text == "<5" and figure.value is None
            elif figure.hidden:
                assert figure.hidden == COMPLEMENT and figure.text == "×"
            else:
                assert figure.value == value and figure.text == str(value)
        hidden = [f for f in figures if f.hidden]
        assert len(hidden) != 1, (values, figures)
        for index, (figure, value) in enumerate(zip(column.cells, values, strict=True)):
            if figure.hidden == SMALL:
                possible = possible_values(column, values, total, index)
                assert value in possible
                # Only "nobody" may be worked out: it says nothing about anyone.
                assert len(possible) >= 2 or possible == {0}, (
                    values,
                    [f.text for f in figures],
                    index,
                )


def test_known_examples():
    assert [f.text for f in one_way([3, 10, 20]).cells] == ["<5", "×", "20"]
    assert one_way([3, 10, 20]).total.text == "33"
    # Two small ones protect each other.
    column = one_way([3, 2, 20])
    assert [f.text for f in column.cells] == ["<5", "<5", "20"]
    # Zero is under five as well: "<5" never says that somebody came.
    column = one_way([1, 0, 9])
    assert [f.text for f in column.cells] == ["<5", "<5", "9"]
    # Two fours whose total leaves exactly 8 would be given back: one more is hidden.
    column = one_way([4, 4, 20, 30])
    assert [f.text for f in column.cells] == ["<5", "<5", "×", "30"]
    # A small total hides with its cells.
    column = one_way([1, 2, 0])
    assert [f.text for f in column.cells] + [column.total.text] == ["<5", "<5", "<5", "<5"]
    # One row and its total: both hidden.
    column = one_way([3])
    assert (column.cells[0].text, column.total.text) == ("<5", "<5")
    # Nothing small: nothing hidden.
    assert [f.text for f in one_way([5, 12]).cells] == ["5", "12"]


def test_figures_that_are_not_people_are_never_hidden():
    column = one_way([1, 2, 3], of_people=False)
    assert [f.text for f in column.cells] + [column.total.text] == ["1", "2", "3", "6"]
    assert single(3, of_people=False).text == "3"
    assert single(3).text == "<5"
    assert single(0).text == "<5"
    assert single(5).text == "5"


def test_hours_are_hidden_by_the_people_behind_them():
    hours = [Decimal("7.5"), Decimal("40"), Decimal("55")]
    column = one_way(hours, people=[2, 8, 9], people_total=19)
    # Hours are no count of people: hidden as "×", never "<5".
    assert [f.text for f in column.cells] == ["×", "×", "55"]
    assert column.total.text == "102"


def test_a_non_additive_total_is_given_and_protected_the_same():
    # Unique participants per organisation: one person came to both.
    column = one_way([3, 50], total=52)
    assert [f.text for f in column.cells] + [column.total.text] == ["<5", "×", "52"]


def test_differences_and_ratios_use_shown_figures_only():
    assert shown_difference(Figure(12), Figure(None, SMALL)).text == "×"
    assert shown_difference(Figure(12), Figure(9)).value == 3
    assert shown_ratio(Figure(None, SMALL), 1000) is None
    assert shown_ratio(Figure(25), None) is None
    assert shown_ratio(Figure(25), 1000) == Decimal("2.5")


@pytest.mark.parametrize("seed", range(10))
def test_two_way_tables_never_leave_one_hidden_figure_in_a_line(seed):
    """The general rule on a table with row, column and grand totals."""
    rng = random.Random(seed)
    for _ in range(30):
        rows, cols = rng.randint(1, 4), rng.randint(1, 4)
        cells = [
            [rng.choice([0, 1, 3, 6, rng.randint(0, 30)]) for _ in range(cols)] for _ in range(rows)
        ]
        row_totals = [sum(r) for r in cells]
        col_totals = [sum(c) for c in zip(*cells, strict=True)]
        values = [v for r in cells for v in r] + row_totals + col_totals + [sum(row_totals)]
        row_totals_at, col_totals_at = rows * cols, rows * cols + rows
        grand = len(values) - 1
        lines = [[*(i * cols + j for j in range(cols)), row_totals_at + i] for i in range(rows)]
        lines += [[*(i * cols + j for i in range(rows)), col_totals_at + j] for j in range(cols)]
        lines += [[*(row_totals_at + i for i in range(rows)), grand]]
        lines += [[*(col_totals_at + j for j in range(cols)), grand]]
        totals = frozenset(range(rows * cols, len(values)))
        state = protect(values, lines, sensitive=[v < 5 for v in values], totals=totals)
        for value, s in zip(values, state, strict=True):
            if value < 5:
                assert s == SMALL
        for line in lines:
            assert sum(1 for i in line if state[i]) != 1


def test_a_chart_of_many_rows_shows_the_largest_and_says_so():
    from overviews.charts import MAX_BARS, bar_chart
    from overviews.figures import Row, Table

    values = [3, *range(5, 5 + MAX_BARS + 5)]
    column = one_way(values)
    table = Table(
        key="t",
        title="t",
        description="",
        row_heading="r",
        columns=["c"],
        rows=[Row(f"row {i}", [f]) for i, f in enumerate(column.cells)],
    )
    chart = bar_chart(table)
    assert len(chart["bars"]) == MAX_BARS and chart["largest_of"] == len(values)
    assert chart["bars"][0].text == str(max(values))
    assert all(bar.text not in ("<5", "×") for bar in chart["bars"])
