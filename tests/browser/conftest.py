"""Browser tests: a real headless Chromium (Playwright, sync API) against pytest-django's
live server, with axe-core for automated accessibility checks.

Chromium comes from the system (env CHROMIUM_PATH, default /usr/bin/chromium); Playwright's
own browser download is never used. A missing browser fails the run: CI must not skip.
"""

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import TEST_TOTP_SECRET

# Playwright's sync API runs an asyncio event loop in the test thread; without this Django
# refuses ORM calls from that thread (SynchronousOnlyOperation). Django reads it at call time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Generous enough for a slow CI machine, short enough that a hang is noticed.
TIMEOUT_MS = 15_000
BLOCKING_IMPACTS = {"serious", "critical"}

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser: mark it so it can be (de)selected."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        pytest.fail(
            f"Chromium not found or not executable at {executable!r}. Install it "
            "(Debian: apt-get install chromium) or set CHROMIUM_PATH to its path. "
            "Browser tests are never skipped.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context; keyword arguments go to new_context()
    (viewport, device_scale_factor, java_script_enabled, ...). Phone-sized, Dutch locale
    unless told otherwise. Every context is closed after the test."""
    contexts = []

    def make(**options) -> Page:
        options.setdefault("viewport", PHONE)
        options.setdefault("locale", "nl-NL")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A phone-sized (390x844) page with locale nl-NL, in its own browser context."""
    return new_page()


def _login(page: Page, live_server, user, password: str) -> None:
    page.goto(f"{live_server.url}/account/login/")
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').first.click()
    if "/account/2fa/authenticate/" in page.url:
        # Superusers and network administrators: the code from their authenticator app.
        page.fill('input[name="code"]', _current_code(TEST_TOTP_SECRET))
        with page.expect_navigation():
            page.locator('main form button[type="submit"]').first.click()
    assert "/account/" not in page.url, f"Signing in as {user.email} failed: {page.url}"


def _current_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def login(password: str) -> Callable[..., None]:
    """login(page, live_server, user): sign in through the real login form."""

    def do_login(page: Page, live_server, user) -> None:
        _login(page, live_server, user, password)

    return do_login


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {violation.get('helpUrl', '')}\n"
            f"    targets: {' | '.join(targets)}" + (f" (+{more} more)" if more > 0 else "")
        )
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def axe_check(axe: Axe) -> Callable[[Page], list[dict]]:
    """axe_check(page): run axe-core on the page as it is now; fail on any serious or
    critical violation, listing rule, impact, help and the elements concerned. Returns the
    remaining (minor, moderate) violations so a test can look at them."""

    def check(page: Page) -> list[dict]:
        page.wait_for_load_state("load")
        results = axe.run(page)
        violations = results.response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            report = format_violations(blocking)
            print(f"axe on {page.url} (viewport {page.viewport_size}):\n{report}")
            pytest.fail(
                f"axe found {len(blocking)} serious/critical accessibility violation(s) on "
                f"{page.url} (viewport {page.viewport_size}):\n{report}",
                pytrace=False,
            )
        return [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]

    return check
