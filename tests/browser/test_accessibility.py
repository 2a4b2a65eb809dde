"""Accessibility in a real browser: axe-core on the main pages (phone and desktop width),
keyboard access, reflow at 200% zoom, and the flows that must work without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/account/login/",
    "/account/signup/",
    "/account/password/reset/",
    "/netwerken/beesd/",
    "/organisaties/",
    "/organisaties/klokhuis/",
]


def open_ok(page, url: str) -> None:
    """Open a page and insist it answered 200 (axe on an error page proves little)."""
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, f"{url} answered {response.status}"


# axe-core on every page ------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_violations(world, live_server, page, axe_check, path):
    open_ok(page, live_server.url + path)
    axe_check(page)


@pytest.mark.parametrize("path", ["/", "/account/login/"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_and_login_at_phone_and_desktop_width(
    world, live_server, new_page, axe_check, path, viewport
):
    page = new_page(viewport=viewport)
    open_ok(page, live_server.url + path)
    axe_check(page)


def test_invalid_filter_value_shows_an_error_not_a_crash(world, live_server, page, axe_check):
    open_ok(page, f"{live_server.url}/organisaties/?kind=nonsense")
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".cards")).to_be_attached()
    axe_check(page)


@pytest.mark.parametrize("role", ["network_admin", "resident"])
def test_start_page(world, live_server, page, login, axe_check, role):
    login(page, live_server, world.users[role])
    open_ok(page, f"{live_server.url}/start/")
    axe_check(page)


@pytest.mark.parametrize(
    "path", ["/beheer/beesd/", "/beheer/beesd/rollen/", "/beheer/beesd/rollen/nieuw/"]
)
def test_network_admin_pages(world, live_server, page, login, axe_check, path):
    login(page, live_server, world.users["network_admin"])
    open_ok(page, live_server.url + path)
    axe_check(page)


def test_role_form_error_state(world, live_server, page, login, axe_check):
    login(page, live_server, world.users["network_admin"])
    open_ok(page, f"{live_server.url}/beheer/beesd/rollen/nieuw/")
    with page.expect_navigation():
        page.locator("main form.form button[type=submit]").click()
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    email = page.locator("input[name=email]")
    expect(email).to_have_attribute("aria-invalid", "true")
    axe_check(page)


def test_my_data_page(world, live_server, page, login, axe_check):
    login(page, live_server, world.users["resident"])
    open_ok(page, f"{live_server.url}/mijn-gegevens/")
    axe_check(page)


# Keyboard, zoom, no JavaScript -------------------------------------------------------------


def test_first_tab_reaches_a_visible_skip_link_to_main(world, live_server, page):
    open_ok(page, f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_class("skip-link")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_be_visible()
    expect(focused).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def assert_no_horizontal_scrolling(page, what: str) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (
        f"{what} scrolls sideways: the page is {scroll_width}px wide in a {inner_width}px window"
    )


# 200% zoom of a 1280px-wide window: 640 CSS pixels at two device pixels each.
ZOOMED = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}


@pytest.mark.parametrize(
    "path", ["/", "/account/login/", "/organisaties/", "/organisaties/klokhuis/"]
)
def test_no_horizontal_scrolling_at_200_percent_zoom(world, live_server, new_page, path):
    page = new_page(**ZOOMED)
    open_ok(page, live_server.url + path)
    assert_no_horizontal_scrolling(page, f"{path} at 200% zoom")


@pytest.mark.parametrize("path", ["/start/", "/beheer/beesd/", "/beheer/beesd/rollen/"])
@pytest.mark.parametrize("size", ["zoomed", "phone"])
def test_management_pages_do_not_scroll_sideways(world, live_server, new_page, login, path, size):
    """Wide tables scroll inside their own box; the page itself never does."""
    page = new_page(**ZOOMED) if size == "zoomed" else new_page(viewport=PHONE)
    login(page, live_server, world.users["network_admin"])
    open_ok(page, live_server.url + path)
    assert_no_horizontal_scrolling(page, f"{path} ({size})")


def test_language_switch_works_without_javascript(world, live_server, new_page):
    page = new_page(java_script_enabled=False)
    open_ok(page, f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.rstrip("/") == live_server.url
    expect(page.get_by_role("button", name="Nederlands")).to_be_visible()


def test_login_flow_end_to_end(world, live_server, page, password):
    open_ok(page, f"{live_server.url}/")
    page.locator('header a[href="/account/login/"]').click()
    page.wait_for_url("**/account/login/")
    # Found by their labels, as a screen reader user would (Dutch, or English while the
    # translations are not compiled).
    page.get_by_label(re.compile(r"^(E-mailadres|E-?mail( address)?):?$", re.I)).fill(
        world.users["resident"].email
    )
    page.get_by_label(re.compile(r"^(Wachtwoord|Password):?$", re.I)).fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.url == f"{live_server.url}/start/"
    sign_out = page.locator('header form[action="/account/logout/"] button[type=submit]')
    expect(sign_out).to_be_visible()
    expect(sign_out).to_have_text(re.compile(r"Uitloggen|Afmelden|Sign out|Log out", re.I))


def test_axe_check_reports_a_serious_violation(world, live_server, page, axe_check):
    """The checker really runs: an unlabelled field and an image without alt text fail."""
    open_ok(page, f"{live_server.url}/")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<img src="/x.png"><input type="text" name="q">')"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    assert "image-alt (critical)" in str(failure.value)
    assert "label (critical)" in str(failure.value)
