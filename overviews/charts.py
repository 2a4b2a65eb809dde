"""Bar charts as SVG drawn on the server: one bar per row of a table (its first column),
with the figure written beside each bar, so the chart reads without colour and the same
hidden figures ("<5", "×") stay hidden. The template (overviews/_chart.svg.html) gives it a
title and a description; the data table stands beside it."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import Table

#: Each row: its label on a line of its own, the bar below it with the figure after it.
#: Sizes are screen pixels (no viewBox): text stays 14 px on a phone, where a scaled
#: drawing of 600 units wrote it at 7 px.
ROW_HEIGHT = 46
LABEL_BASELINE = 16
BAR_TOP = 22
BAR_HEIGHT = 16
#: The longest bar, as a share of the chart's width: room is left for its figure.
BAR_SHARE = 75
LABEL_LENGTH = 40
#: More bars than this read as a grey wall: the chart shows the largest, the table all.
MAX_BARS = 15


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    #: Percent of the chart's width.
    width: float

    @property
    def text_y(self) -> int:
        return self.y + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        return self.y + BAR_TOP

    @property
    def value_y(self) -> int:
        return self.y + BAR_TOP + BAR_HEIGHT - 3

    @property
    def width_percent(self) -> str:
        return f"{self.width:.1f}%"


def bar_chart(table: Table) -> dict:
    """What the template draws: the bars, the height of the picture and its sizes."""
    rows = table.chart_rows
    shown_all = len(rows) <= MAX_BARS
    if not shown_all:
        # Largest first; hidden figures count as nothing and keep their order, so the
        # order says nothing about them.
        order = sorted(
            range(len(rows)),
            key=lambda i: (-(rows[i][1].value or 0), i),
        )
        rows = [rows[i] for i in order[:MAX_BARS]]
    values = [figure.value for _label, figure in rows if figure.value is not None]
    largest = max(values, default=0) or 1
    bars = []
    for index, (label, figure) in enumerate(rows):
        width = 0 if figure.value is None else BAR_SHARE * figure.value / largest
        short = label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "\u2026"
        bars.append(Bar(short, figure.text, index * ROW_HEIGHT, width))
    return {
        "bars": bars,
        "height": max(1, len(bars)) * ROW_HEIGHT,
        "bar_height": BAR_HEIGHT,
        "id": f"chart-{table.key}",
        "largest_of": None if shown_all else len(table.chart_rows),
        "largest": MAX_BARS,
    }
