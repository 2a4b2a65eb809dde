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
