"""The volunteer pages in a real browser at phone width, with axe-core on every page.

A volunteer goes from the start page to the open shifts in one tap, signs up for a shift
with the keyboard alone, finds it under "my shifts" and cancels it; a coordinator opens the
unfilled shifts and the roster of the day. Links and buttons are found by where they lead
(their URL), not by their words, so the tests hold whatever the translations say.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import assert_no_horizontal_scrolling, open_ok
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers.models import SignUp, SignUpStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Tab presses allowed to reach a button (the header and filters come first).
MAX_TABS = 80


def _soon(days: int, hour: int = 10):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def shifts(world):
    """Two coming shifts of the volunteer's organisation: one with room, one still empty."""
    coffee = TaskFactory(
        organisation=world.organisation,
        title="Koffie schenken in De Lingehof",
        volunteers_needed=2,
        description="Koffie en thee schenken, een praatje maken.",
    )
    lift = TaskFactory(
        organisation=world.organisation, title="Vervoer naar de soosmiddag", volunteers_needed=2
    )
    coffee_shift = ShiftFactory(
        task=coffee,
        starts_at=_soon(4),
        ends_at=_soon(4) + timedelta(hours=2),
        original_date=_soon(4).date(),
        places=2,
    )
    lift_shift = ShiftFactory(
        task=lift,
        starts_at=_soon(2, 13),
        ends_at=_soon(2, 13) + timedelta(hours=3),
        original_date=_soon(2).date(),
        places=2,
    )
    return coffee_shift, lift_shift


def _tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element has the focus, as someone without a mouse would."""
    target = page.locator(selector).first
    expect(target).to_be_visible()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{selector} cannot be reached with the Tab key")


def _check(page: Page, axe_check, what: str) -> None:
    axe_check(page)
    assert_no_horizontal_scrolling(page, what)


def test_a_volunteer_signs_up_and_cancels(world, shifts, live_server, page, login, axe_check):
    coffee_shift, _lift_shift = shifts
    volunteer = world.users["volunteer"]
    login(page, live_server, volunteer)
    assert page.url.rstrip("/") == (live_server.url + reverse("network:start")).rstrip("/")
    _check(page, axe_check, "the start page")

    # One tap from the start page to the open shifts.
    open_shifts = reverse("volunteers:open_shifts")
    with page.expect_navigation():
        page.locator(f'main a[href="{open_shifts}"]').first.click()
    assert page.url.endswith(open_shifts)
    expect(page.locator("main")).to_contain_text("Koffie schenken in De Lingehof")
    _check(page, axe_check, "open shifts")

    # Sign up with the keyboard only: Tab to the button, Enter.
    sign_up = reverse("volunteers:shift_sign_up", kwargs={"shift": coffee_shift.pk})
    button = f'form[action="{sign_up}"] button[type="submit"]'
    _tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    signup = SignUp.objects.get(shift=coffee_shift, volunteer=volunteer)
    assert signup.status == SignUpStatus.CONFIRMED
    assert page.url.endswith(reverse("volunteers:shift_detail", kwargs={"shift": coffee_shift.pk}))
    expect(page.locator(".message--success")).to_be_visible()
    _check(page, axe_check, "the shift after signing up")

    # It shows under "my shifts".
    my_shifts = reverse("volunteers:my_shifts")
    with page.expect_navigation():
        page.locator(f'main a[href="{my_shifts}"]').first.click()
    expect(page.locator("main")).to_contain_text("Koffie schenken in De Lingehof")
    _check(page, axe_check, "my shifts")

    # Cancel: asked first, then gone.
    cancel = reverse("volunteers:signup_cancel", kwargs={"signup": signup.pk})
    with page.expect_navigation():
        page.locator(f'main a[href="{cancel}"]').first.click()
    _check(page, axe_check, "cancelling a shift")
    _tab_to(page, f'form[action="{cancel}"] button[type="submit"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(my_shifts)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CANCELLED
    expect(page.locator(".message--success")).to_be_visible()
    expect(page.locator(f'main a[href="{cancel}"]')).to_have_count(0)
    _check(page, axe_check, "my shifts after cancelling")


def test_a_full_shift_offers_the_waiting_list_by_keyboard(
    world, shifts, live_server, page, login, axe_check
):
    coffee_shift, _lift = shifts
    for email in ("een@example.org", "twee@example.org"):
        other = SignUpFactory(shift=coffee_shift, volunteer__email=email).volunteer
        world.organisation.memberships.create(user=other, role="volunteer")
    login(page, live_server, world.users["volunteer"])
    open_ok(page, live_server.url + reverse("volunteers:shift_detail", args=[coffee_shift.pk]))
    _check(page, axe_check, "a full shift")
    sign_up = reverse("volunteers:shift_sign_up", kwargs={"shift": coffee_shift.pk})
    _tab_to(page, f'main form[action="{sign_up}"] button[type="submit"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    signup = SignUp.objects.get(shift=coffee_shift, volunteer=world.users["volunteer"])
    assert signup.status == SignUpStatus.WAITING
    _check(page, axe_check, "on the waiting list")


def test_a_coordinator_sees_unfilled_shifts_and_the_roster(
    world, shifts, live_server, page, login, axe_check
):
    coffee_shift, lift_shift = shifts
    SignUpFactory(shift=coffee_shift, volunteer=world.users["volunteer"])
    login(page, live_server, world.users["coordinator"])
    _check(page, axe_check, "the coordinator's start page")

    unfilled = reverse("volunteers:unfilled", kwargs={"organisation": world.organisation.slug})
    open_ok(page, live_server.url + unfilled)
    main = page.locator("main")
    expect(main).to_contain_text("Vervoer naar de soosmiddag")
    expect(main).to_contain_text("Koffie schenken in De Lingehof")
    _check(page, axe_check, "unfilled shifts")

    roster = reverse(
        "volunteers:roster",
        kwargs={
            "organisation": world.organisation.slug,
            "day": timezone.localtime(coffee_shift.starts_at).date(),
        },
    )
    open_ok(page, live_server.url + roster)
    expect(main).to_contain_text("Koffie schenken in De Lingehof")
    expect(main).to_contain_text(world.users["volunteer"].name)
    _check(page, axe_check, "the roster of a day")
    assert lift_shift.pk  # on another day: not on this roster
    expect(main).not_to_contain_text("Vervoer naar de soosmiddag")
