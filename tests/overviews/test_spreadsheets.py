"""The overview's tables as .xlsx: every table of the page downloads, reads back with
openpyxl exactly as the page shows it (hidden figures as "<5" and "×", the others as
numbers), the whole overview as one workbook, no formula from a name, and the same
who-may as the page."""

import csv
import io
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from network.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.overviews.factories import YEAR, make_scene
from tests.overviews.test_overview import _args, url

QUERY = f"jaar={YEAR}&deel=jaar&vergelijk=vorige"


def xlsx_url(world, table: str, kind: str = "municipality") -> str:
    return f"{reverse(f'overviews:{kind}_xlsx', args=[*_args(world, kind), table])}?{QUERY}"


def workbook_url(world, kind: str = "municipality") -> str:
    return f"{reverse(f'overviews:{kind}_workbook', args=_args(world, kind))}?{QUERY}"


class _Tables(HTMLParser):
    """The page's tables as text: {caption: [[cell, …] per row]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._in: str | None = None
        self._text = ""
        self._row: list[str] | None = None
        self._rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("caption", "th", "td"):
            self._in, self._text = tag, ""
        elif tag == "tr":
            self._row = []
        elif tag == "table":
            self._rows = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = self._text.strip()
        elif tag in ("th", "td") and self._row is not None:
            self._row.append(self._text.strip())
        elif tag == "tr" and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "table":
            self.tables[self._caption] = self._rows
        if tag in ("caption", "th", "td"):
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def as_page_text(value) -> str:
    """What the page shows for a cell read back from the spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value).replace(".", ",")


def same_as_page(cell, text: str) -> bool:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if text.endswith("%"):
            return abs(cell * 100 - float(text[:-1].replace(",", "."))) < 1e-9
        return abs(cell - float(text.replace(",", "."))) < 1e-9
    return as_page_text(cell) == text


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def check_against_page(rows: list[list], page_rows: list[list[str]], title: str) -> None:
    """Row 1: title and scope; then the header and each row of the table, as on the page."""
    assert rows[0][0] == title
    body = rows[1 : 1 + len(page_rows)]
    for page_row, row in zip(page_rows, body, strict=True):
        cells = row[: len(page_row)]
        assert all(same_as_page(c, t) for c, t in zip(cells, page_row, strict=True)), (
            title,
            page_row,
            cells,
        )
        if page_row is not page_rows[0]:
            for cell, text in zip(cells[1:], page_row[1:], strict=True):
                # Hidden figures stay text; shown ones are numbers.
                if text in ("<5", "×"):
                    assert cell == text
                elif (text and text[0].isdigit()) or text.startswith("-"):
                    assert isinstance(cell, int | float), (title, text, cell)


@pytest.fixture
def scene(world):
    return make_scene(world)


@pytest.mark.parametrize("kind", ["municipality", "network", "organisation"])
def test_every_table_reads_back_as_the_page_shows_it(world, scene, client_for, kind):
    client = client_for("municipality")
    response = client.get(url(world, kind))
    html = response.content.decode()
    tables = page_tables(html)
    overview = response.context["overview"]
    for table in [overview.headline, *overview.tables]:
        address = xlsx_url(world, table.key, kind)
        assert address.split("?")[0] in html  # linked beside the table
        download = client.get(address)
        assert download.status_code == 200, table.key
        assert download["Content-Type"].startswith("application/vnd.openxmlformats")
        assert download["Content-Disposition"].endswith('.xlsx"')
        sheet = load_workbook(BytesIO(download.content)).active
        check_against_page(sheet_rows(sheet), tables[table.title], table.title)
    assert client.get(xlsx_url(world, "bestaat-niet", kind)).status_code == 404


def test_hidden_figures_stay_hidden(world, scene, client_for):
    client = client_for("municipality")
    reach = load_workbook(BytesIO(client.get(xlsx_url(world, "bereik-per-plaats")).content))
    rows = {row[0]: row[1:] for row in sheet_rows(reach.active) if row and row[0]}
    assert rows["Rumpt"] == ["<5", "<5", "×", "niet bekend", "–"]
    assert rows["Beesd"] == [6, 6, 0, 600, 1]
    cell = next(c for c in reach.active["F"] if c.value == 1)
    assert cell.number_format == "0.0"  # 1,0 per 100 residents, as on the page
    headline = load_workbook(BytesIO(client.get(xlsx_url(world, "kerncijfers")).content))
    rows = {row[0]: row[1:] for row in sheet_rows(headline.active) if row and row[0]}
    assert rows["Hulpvragen"] == ["<5", "<5", "×"]
    assert rows["Vrijwilligers die tijd gaven"] == [6, "<5", "×"]
    # Nothing else is in the file: no hidden value under a text, no second sheet.
    assert headline.sheetnames == [headline.active.title]
    assert [c for row in headline.active.iter_rows() for c in row if c.comment] == []


def test_whole_overview_as_one_workbook(world, scene, client_for):
    client = client_for("municipality")
    response = client.get(url(world))
    html = response.content.decode()
    overview = response.context["overview"]
    assert workbook_url(world).split("?")[0] in html
    download = client.get(workbook_url(world))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="overzicht-{world.municipality.slug}-{YEAR}-jaar.xlsx"'
    )
    workbook = load_workbook(BytesIO(download.content))
    tables = [overview.headline, *overview.tables]
    assert len(workbook.worksheets) == 1 + len(tables)
    about = "\n".join(
        str(cell) for row in sheet_rows(workbook.worksheets[0]) for cell in row if cell
    )
    assert "Overzicht van West Betuwe" in about
    assert str(YEAR) in about and str(YEAR - 1) in about
    assert "Cijfers geteld op" in about and "<5" in about and "×" in about
    page = page_tables(html)
    for sheet, table in zip(workbook.worksheets[1:], tables, strict=True):
        assert len(sheet.title) <= 31
        check_against_page(sheet_rows(sheet), page[table.title], table.title)


def test_a_name_is_never_a_formula(world, scene, client_for):
    world.organisation.name = '=HYPERLINK("https://example.org","klik")'
    world.organisation.save()
    client = client_for("municipality")
    workbook = load_workbook(BytesIO(client.get(xlsx_url(world, "data-per-organisatie")).content))
    cells = [c for row in workbook.active.iter_rows() for c in row if c.value]
    name = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert name.data_type == "s"


def test_a_name_in_the_csv_is_never_a_formula(world, scene, client_for):
    world.organisation.name = '=HYPERLINK("https://example.org","klik")'
    world.organisation.save()
    client = client_for("municipality")
    url = xlsx_url(world, "data-per-organisatie").replace(".xlsx?", ".csv?")
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    labels = [row[0] for row in rows if row]
    assert '\'=HYPERLINK("https://example.org","klik")' in labels
    assert not any(label.startswith("=") for label in labels)


def test_staff_of_another_municipality_get_404(world, client):
    elsewhere = OrganisationFactory(municipality=world.other_network.municipality)
    staff = MembershipFactory(user=UserFactory(), role=Role.MUNICIPALITY, organisation=elsewhere)
    client.force_login(staff.user)
    for kind in ("municipality", "network", "organisation"):
        assert client.get(xlsx_url(world, "kerncijfers", kind)).status_code == 404
        assert client.get(workbook_url(world, kind)).status_code == 404
