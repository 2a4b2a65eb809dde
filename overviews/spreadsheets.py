"""The overview's tables as spreadsheets (.xlsx, openpyxl): one table, or the whole
overview as a workbook with a sheet per table after a first sheet that says what it is
(title, scope, period, when counted, how small numbers are hidden).

Every figure is written as the page shows it: a hidden one as its text ("<5", "×"), so
nothing hidden is in the file, not even as a value behind a format; a shown one as a
number (rounded as on the page), so it can be added up. Words are always written as text,
never as a formula, whatever an organisation is called.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .figures import Overview, Row, Table
from .suppression import Figure

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's longest sheet name, and the characters it refuses in one.
SHEET_NAME_LENGTH = 31
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def explanation() -> str:
    return _(
        "<5: fewer than five people, hidden. ×: hidden so that a small number cannot be worked out."
    )


def _text(sheet: Worksheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    """A cell that holds text, also when it starts with "=" (never a formula)."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _figure(sheet: Worksheet, figure: Figure | str, *, bold: bool = False):
    """A figure as shown on the page: a number where the page shows one."""
    text = figure.text if isinstance(figure, Figure) else str(figure)
    if isinstance(figure, Figure) and figure.hidden:
        return _text(sheet, text, bold=bold)
    number, number_format = _as_number(text)
    if number is None:
        return _text(sheet, text, bold=bold) if text else None
    cell = WriteOnlyCell(sheet, value=number)
    cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _as_number(text: str) -> tuple[int | Decimal | None, str]:
    """The number a shown text stands for ("12", "-3", "1,0", "62,5%"), with the format
    that writes it the same; None for words ("not known", "–")."""
    percent = text.endswith("%")
    core = text.removesuffix("%").strip().replace(str(get_format("DECIMAL_SEPARATOR")), ".")
    if not _NUMBER.match(core):
        return None, ""
    try:
        value = Decimal(core)
    except InvalidOperation:  # pragma: no cover - the pattern allows only numbers
        return None, ""
    decimals = len(core.partition(".")[2])
    if percent:
        return value / 100, f"0.{'0' * decimals}%" if decimals else "0%"
    if not decimals:
        return int(value), "0"
    return value, f"0.{'0' * decimals}"


def _row(sheet: Worksheet, row: Row, *, bold: bool = False) -> list:
    return [
        _text(sheet, row.label, bold=bold),
        *(_figure(sheet, f, bold=bold) for f in row.figures),
    ]


def _write_table(sheet: Worksheet, table: Table, scope_name: str) -> None:
    sheet.append([_text(sheet, table.title, bold=True), _text(sheet, scope_name)])
    sheet.append(
        [_text(sheet, table.row_heading, bold=True)]
        + [_text(sheet, column, bold=True) for column in table.columns]
    )
    for row in table.rows:
        sheet.append(_row(sheet, row))
    if table.total is not None:
        sheet.append(_row(sheet, table.total, bold=True))
    sheet.append([])
    sheet.append([_text(sheet, table.description)])
    sheet.append([_text(sheet, explanation())])


def _sheet_name(title: str, taken: set[str]) -> str:
    base = _NOT_IN_SHEET_NAMES.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title)).strip("' ")
    base = base[:SHEET_NAME_LENGTH].strip() or "Tabel"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LENGTH - len(suffix)].rstrip() + suffix
        number += 1
    taken.add(name.lower())
    return name


def _save(workbook: Workbook) -> bytes:
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_workbook(table: Table, scope_name: str) -> bytes:
    """One table: the same rows as its CSV download."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.title, set()))
    _write_table(sheet, table, scope_name)
    return _save(workbook)


def overview_workbook(overview: Overview) -> bytes:
    """The whole overview: what it is on the first sheet, then a sheet per table in the
    page's order."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    about = workbook.create_sheet(_sheet_name(_("About this overview"), taken))
    period = overview.period
    counted = date_format(timezone.localtime(overview.counted_at), "j F Y, H:i")
    about.append(
        [_text(about, _("Overview of %(name)s") % {"name": overview.scope.name}, bold=True)]
    )
    for label, value in (
        (_("Figures of"), overview.scope.name),
        (_("Municipality"), str(overview.scope.municipality)),
        (_("Period"), period.now.label),
        (_("Compared with"), period.before.label),
        (_("Figures counted on"), counted),
    ):
        about.append([_text(about, label, bold=True), _text(about, value)])
    about.append([])
    about.append(
        [
            _text(
                about,
                _(
                    "Figures about fewer than five people are shown as “<5”, and a figure "
                    "that would give such a number away as “×”, so nobody can be recognised."
                ),
            )
        ]
    )
    about.append([_text(about, explanation())])
    about.append([])
    about.append([_text(about, _("Sheets"), bold=True)])
    tables = [overview.headline, *overview.tables]
    names = [_sheet_name(table.title, taken) for table in tables]
    for table, name in zip(tables, names, strict=True):
        about.append([_text(about, name), _text(about, table.title)])
    for table, name in zip(tables, names, strict=True):
        _write_table(workbook.create_sheet(name), table, overview.scope.name)
    return _save(workbook)
