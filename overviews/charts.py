"""Bar charts as SVG drawn on the server: one bar per row of a table (its first column),
with the figure written beside each bar, so the chart reads without colour and the same
hidden figures ("<5", "×") stay hidden. The template (overviews/_chart.svg.html) gives it a
title and a description; the data table stands beside it."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import Table

ROW_HEIGHT = 28
LABEL_WIDTH = 220
BAR_WIDTH = 300
WIDTH = 600
LABEL_LENGTH = 30
#: More bars than this read as a grey wall: the chart shows the largest, the table all.
MAX_BARS = 15


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + ROW_HEIGHT // 2 + 5

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


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
        width = 0 if figure.value is None else round(BAR_WIDTH * figure.value / largest)
        short = label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "\u2026"
        bars.append(Bar(short, figure.text, index * ROW_HEIGHT, width))
    return {
        "bars": bars,
        "height": max(1, len(bars)) * ROW_HEIGHT,
        "width": WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_height": ROW_HEIGHT - 8,
        "id": f"chart-{table.key}",
        "largest_of": None if shown_all else len(table.chart_rows),
        "largest": MAX_BARS,
    }
