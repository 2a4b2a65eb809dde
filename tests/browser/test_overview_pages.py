"""The overview pages in a real browser, at phone width and on a wide screen, with
axe-core: the municipality's, a network's and an organisation's, charts and tables."""

import pytest
from django.urls import reverse

from tests.browser.test_accessibility import assert_no_horizontal_scrolling, open_ok
from tests.overviews.factories import make_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overview_pages_pass_axe(world, live_server, page, login, axe_check):
    scene = make_scene(world)
    place = world.municipality.slug
    query = f"?jaar={scene['year']}&deel=jaar&vergelijk=vorige"
    login(page, live_server, world.users["municipality"])
    pages = [
        reverse("overviews:municipality", args=[place]) + query,
        reverse("overviews:network", args=[place, world.network.slug]) + query,
        reverse("overviews:organisation", args=[place, world.organisation.slug]) + query,
        reverse("overviews:network_year", args=[world.network.slug]),
    ]
    for size in ({"width": 390, "height": 844}, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)
        for url in pages:
            open_ok(page, live_server.url + url)
            axe_check(page)
            assert_no_horizontal_scrolling(page, url)
    # Every chart is a picture with a name; its figures are in the table beside it.
    page.set_viewport_size({"width": 390, "height": 844})
    open_ok(page, live_server.url + pages[0])
    # On a phone its words are as large as the page's small print, not a drawing scaled
    # down to half (14 px labels drawn at 7 px), and a figure stays beside its bar.
    heights = page.locator(".overview-chart__label, .overview-chart__value").evaluate_all(
        "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 14, heights
    widths = page.locator(".overview-chart").evaluate_all(
        "charts => charts.map(c => c.scrollWidth - c.clientWidth)"
    )
    assert max(widths) <= 0, widths
    charts = page.locator('svg[role="img"]')
    assert charts.count() > 5
    assert page.locator("table caption").count() >= charts.count()
    # The period chooser works without JavaScript.
    page.select_option("select[name=deel]", "k1")
    page.locator("form.overview-period button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "deel=k1" in page.url
    axe_check(page)


def test_residents_page_passes_axe(world, live_server, page, login, axe_check):
    make_scene(world)
    login(page, live_server, world.users["network_admin"])
    url = reverse("overviews:populations", args=[world.network.slug])
    page.set_viewport_size({"width": 390, "height": 844})
    open_ok(page, live_server.url + url)
    axe_check(page)
    assert_no_horizontal_scrolling(page, url)
    # A mistake on show.
    page.fill("input[type=number] >> nth=0", "-3")
    page.locator("form.form button[type=submit] >> nth=-1").click()
    page.wait_for_load_state("load")
    axe_check(page)


#: Elements that stick out of the window, sideways (at most 20, named for the message).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      out.push(`${element.tagName.toLowerCase()}.${element.className} ${box.left}-${box.right}`);
    }
  }
  return out.slice(0, 20);
}"""


def _accessible_roles(page) -> dict[str, int]:
    """How many nodes of each table role Chromium's own accessibility tree holds: the
    stacked layout must leave the tables tables for a screen reader."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    roles: dict[str, int] = {}
    for node in nodes:
        role = node.get("role", {}).get("value")
        if role in ("table", "row", "rowheader", "columnheader", "cell"):
            roles[role] = roles.get(role, 0) + 1
    return roles


@pytest.mark.parametrize("size", ["phone", "zoomed"])
def test_tables_read_row_by_row_on_a_phone(world, live_server, new_page, login, axe_check, size):
    """At 360 px and at 200% zoom nothing on the overview is wider than the window: a
    table of three or more figures shows each row as its label and the figures with their
    column's heading, and stays a table for a screen reader."""
    from tests.overviews.test_referral_figures import first_monday_of_september, referral

    scene = make_scene(world)
    monday = first_monday_of_september(scene["year"])
    for _ in range(6):
        referral(world.organisation, world.wijkteam, monday, "completed", accepted=1, closed=7)
    options = (
        {"viewport": {"width": 360, "height": 740}}
        if size == "phone"
        else {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}
    )
    page = new_page(**options)
    login(page, live_server, world.users["municipality"])
    query = f"?jaar={scene['year']}&deel=jaar&vergelijk=vorige"
    for address in (
        reverse("overviews:municipality", args=[world.municipality.slug]) + query,
        reverse("overviews:network_year", args=[world.network.slug]),
    ):
        open_ok(page, live_server.url + address)
        assert page.evaluate(STICKING_OUT) == [], address
        assert_no_horizontal_scrolling(page, address)
        scrolling = page.locator(".overview-scroll").evaluate_all(
            "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth).length"
        )
        assert scrolling == 0, address
        axe_check(page)
    # Each figure is a line of its own with its column's heading before it.
    tables = page.locator("table.overview-table")
    cell = page.locator("#verwijzingen-doorlooptijd-caption ~ tbody td").first
    if not cell.count():
        cell = page.locator("table.stack-on-phone tbody td").first
    assert cell.evaluate("td => getComputedStyle(td).display") == "flex"
    assert cell.evaluate("td => getComputedStyle(td, '::before').content").startswith('"')
    roles = _accessible_roles(page)
    assert roles.get("table") == tables.count(), roles
    assert roles.get("rowheader", 0) > 0 and roles.get("cell", 0) > 0, roles
    assert roles.get("columnheader", 0) >= 4 * tables.count(), roles


def test_tables_stay_tables_on_a_wide_screen(world, live_server, new_page, login):
    scene = make_scene(world)
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, live_server, world.users["municipality"])
    address = reverse("overviews:municipality", args=[world.municipality.slug])
    open_ok(page, f"{live_server.url}{address}?jaar={scene['year']}&deel=jaar&vergelijk=vorige")
    cell = page.locator("table.overview-table tbody td").first
    assert cell.evaluate("td => getComputedStyle(td).display") == "table-cell"
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == "none"
