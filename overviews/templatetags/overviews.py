"""`{% overview_table table %}`: a table of an overview written in Python, like the
agenda cards (activities/cards.py): a municipality's tables hold some 900 rows at region
scale, and a template loop over them took most of the page's time. A caption, a header
row, a row per group with its label as row header, the total in the footer; the table
scrolls sideways on its own in a focusable region where it is wider than the screen, and
on a phone a table of three or more figures is read row by row instead."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from overviews.figures import Row, Table

register = template.Library()


#: From this many columns of figures a table is read row by row on a phone (and at 200%
#: zoom): each figure with its column's heading before it (`data-label`, CSS
#: `.stack-on-phone`), so it never scrolls sideways.
STACK_FROM_COLUMNS = 3


def _row(row: Row, labels: list[str]) -> str:
    cells = "".join(
        f'<td class="number" data-label="{label}">{conditional_escape(str(f))}</td>'
        for f, label in zip(row.figures, labels, strict=False)
    )
    return f'<tr><th scope="row">{conditional_escape(row.label)}</th>{cells}</tr>'


@register.simple_tag
def overview_table(table: Table) -> SafeString:
    head = "".join(
        f'<th scope="col" class="number">{conditional_escape(c)}</th>' for c in table.columns
    )
    labels = [conditional_escape(c) for c in table.columns]
    body = "".join(_row(row, labels) for row in table.rows)
    foot = f"<tfoot>{_row(table.total, labels)}</tfoot>" if table.total else ""
    stack = " stack-on-phone" if len(table.columns) >= STACK_FROM_COLUMNS else ""
    return format_html(
        '<div class="overview-scroll" tabindex="0" role="region" aria-labelledby="{key}-caption">'
        '<table class="overview-table{stack}"><caption id="{key}-caption">{title}</caption>'
        '<thead><tr><th scope="col">{heading}</th>{head}</tr></thead>'
        "<tbody>{body}</tbody>{foot}</table></div>",
        key=table.key,
        stack=stack,
        title=table.title,
        heading=table.row_heading,
        head=mark_safe(head),  # every part escaped above
        body=mark_safe(body),
        foot=mark_safe(foot),
    )
