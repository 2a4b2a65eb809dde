"""At phone size, in Dutch: every control used to find one's way is a target of at least
44 by 44 CSS pixels (WCAG 2.5.5), destructive actions look different, the month is a
calendar only on a wide screen, and the editor's room list and overlap warning work with
htmx. axe-core stays clean on every page measured."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Frequency
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import open_ok
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TARGET = 44


@pytest.fixture
def agenda(world):
    """Enough dates for a second page, at a place with rooms, one of them shared."""
    world.organisation.is_trusted = True
    world.organisation.save(update_fields=["is_trusted"])
    hall_place = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    hall = RoomFactory(place=hall_place, name="Grote zaal")
    RoomFactory(place=hall_place, name="Kleine zaal")
    school = PlaceFactory(name="De School", municipality=world.municipality)
    RoomFactory(place=school, name="Gymzaal")
    daily = make_activity(
        organisation=world.organisation,
        title="Ochtendgym",
        frequency=Frequency.DAILY,
        count=40,
        place=hall_place,
        room=hall,
        wheelchair_accessible=True,
    )
    club = OrganisationFactory(
        name="Biljartclub", networks=[world.network], phone="0345 111222", is_trusted=True
    )
    wednesday = timezone.localdate() + timedelta(days=(2 - timezone.localdate().weekday()) % 7 or 7)
    make_activity(
        organisation=club,
        title="Biljarten",
        start_date=wednesday,
        start_time=time(14, 0),
        end_time=time(16, 0),
        place=hall_place,
        room=hall,
        contact_name="Henk de Boer",
    )
    return {"daily": daily, "hall_place": hall_place, "school": school, "wednesday": wednesday}


def assert_targets(page, selector: str, what: str, *, minimum: int = 1) -> int:
    """Every visible element matching the selector is at least 44 x 44 px."""
    boxes = [
        box
        for box in (element.bounding_box() for element in page.locator(selector).all())
        if box and box["width"] and box["height"]
    ]
    assert len(boxes) >= minimum, f"{what}: found {len(boxes)} of {selector!r}"
    small = [
        f"{box['width']:.0f}x{box['height']:.0f}"
        for box in boxes
        if box["width"] < MIN_TARGET or box["height"] < MIN_TARGET
    ]
    assert not small, f"{what} ({selector}) smaller than {MIN_TARGET}px: {small}"
    return len(boxes)


def test_agenda_controls_are_big_enough_for_a_thumb(agenda, live_server, page, axe_check):
    open_ok(page, f"{live_server.url}/agenda/")
    assert_targets(page, ".site-nav a", "the menu", minimum=3)
    assert_targets(page, ".site-header__tools button, .site-header__tools a", "sign in, language")
    assert_targets(page, ".agenda-views a", "the view switch", minimum=3)
    assert_targets(page, ".quick-picks a", "quick picks", minimum=6)
    assert_targets(page, ".pagination a", "pagination")
    page.locator(".agenda-filters summary").click()
    assert_targets(page, ".agenda-filters summary", "the fold of the filters")
    assert_targets(page, ".agenda-filters input[name=q]", "the search field")
    assert_targets(page, ".filter-fields select", "the filter lists", minimum=4)
    # A checkbox with its label beside it: the label is part of the target.
    assert_targets(
        page, ".filter-fields label:has(input), .field--check label", "checkboxes", minimum=5
    )
    assert_targets(page, ".agenda-filters button", "the show button")
    axe_check(page)


def test_period_pages_and_search_are_big_enough(agenda, live_server, page, axe_check):
    open_ok(page, f"{live_server.url}/agenda/week/")
    assert_targets(page, ".period-nav a", "previous and next week", minimum=4)
    assert_targets(page, ".quick-picks a", "free and wheelchair on the week", minimum=2)
    axe_check(page)
    open_ok(page, f"{live_server.url}/agenda/?q=gym")
    expect(page.locator(".search-result")).to_have_count(1)
    assert_targets(page, ".search-result__dates a, .search-result__all a", "dates found", minimum=4)
    axe_check(page)


def test_free_and_wheelchair_quick_picks_work_as_switches(agenda, live_server, page):
    open_ok(page, f"{live_server.url}/agenda/?when=week")
    page.get_by_role("link", name="Rolstoeltoegankelijk").click()
    page.wait_for_url("**wheelchair=on**")
    chosen = page.locator(".quick-picks a[aria-current=true]", has_text="Rolstoeltoegankelijk")
    expect(chosen).to_be_visible()
    assert "when=week" in page.url  # the other filters stay
    chosen.click()
    page.wait_for_load_state()
    assert "wheelchair" not in page.url and "when=week" in page.url


def test_editor_row_actions_and_destructive_ones(
    world, agenda, live_server, page, login, axe_check
):
    login(page, live_server, world.users["editor"])
    open_ok(page, f"{live_server.url}/activiteiten/{agenda['daily'].slug}/data/")
    count = assert_targets(page, "table .actions a", "row actions", minimum=10)
    call_off = page.locator("table .action--danger")
    assert call_off.count() == count // 2
    safe, danger = page.locator("table .action").first, call_off.first
    colour = "el => getComputedStyle(el).color"
    assert safe.evaluate(colour) != danger.evaluate(colour)
    # The cross in front of a destructive action is decoration: not read out.
    assert danger.evaluate("el => getComputedStyle(el, '::before').content").startswith('"✕')
    assert_targets(page, ".subnav a", "the activity's menu", minimum=4)
    axe_check(page)


@pytest.mark.parametrize(
    ("viewport", "calendar_shown"), [(PHONE, False), (DESKTOP, True)], ids=["phone", "desktop"]
)
def test_month_is_a_calendar_on_a_wide_screen_only(
    agenda, live_server, new_page, axe_check, viewport, calendar_shown
):
    page = new_page(viewport=viewport)
    open_ok(page, f"{live_server.url}/agenda/maand/")
    calendar, days = page.locator(".month-grid"), page.locator(".month-days")
    if calendar_shown:
        expect(calendar).to_be_visible()
        expect(days).to_be_hidden()  # display: none: screen readers skip it too
        expect(calendar.locator("caption")).to_contain_text("Kalender van")
        expect(calendar.locator("thead th abbr")).to_have_count(7)
        expect(calendar.locator("td[aria-current=date]")).to_have_count(1)
        expect(calendar.get_by_role("link", name="Ochtendgym").first).to_be_visible()
    else:
        expect(calendar).to_be_hidden()
        expect(days).to_be_visible()
    axe_check(page)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner


def test_editor_room_list_follows_the_place_and_the_preview_warns(
    world, agenda, live_server, page, login, axe_check
):
    login(page, live_server, world.users["editor"])
    open_ok(page, f"{live_server.url}/organisaties/klokhuis/activiteiten/nieuw/")
    rooms = page.locator("#id_room option")
    expect(rooms).to_have_count(4)  # no place chosen: every room, and "no particular room"
    with page.expect_response(lambda response: "/activiteiten-ruimtes/" in response.url):
        page.select_option("#id_place", label=f"{agenda['school'].name}, Beesd")
    expect(rooms).to_have_count(2)
    expect(rooms.nth(1)).to_have_text("De School: Gymzaal")
    with page.expect_response(lambda response: "/activiteiten-ruimtes/" in response.url):
        page.select_option("#id_place", label="Het Klokhuis, Beesd")
    expect(rooms).to_have_count(3)
    page.select_option("#id_room", label="Het Klokhuis: Grote zaal")
    page.fill("#id_start_time", "15:00")
    page.fill("#id_end_time", "16:30")
    page.locator("#id_frequency_2").check()  # every week
    with page.expect_response(lambda response: "/activiteiten-voorbeeld/" in response.url):
        page.fill("#id_start_date", agenda["wednesday"].isoformat())
        page.locator("#id_start_date").dispatch_event("change")
    warning = page.locator("#preview-overlap")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Biljarten")
    expect(warning).to_contain_text("Henk de Boer")
    expect(warning.locator('a[href="tel:0345111222"]')).to_be_visible()
    axe_check(page)
    # Each change above queued a preview (hx-sync "queue all"): let the last ones finish,
    # or one still running meets the next test's empty database ("table is locked").
    for _ in range(2):
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        page.wait_for_timeout(300)
