"""Editors' and coordinators' volunteering pages in a real browser at phone width, with
axe-core on every page and no sideways scrolling: the task list, the task form (also with
its mistakes shown), one task, contact details, hours to approve, the yearly statement and
the settings."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_accessibility import assert_no_horizontal_scrolling, open_ok
from tests.volunteers.factories import (
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_pages_pass_axe_on_a_phone(world, live_server, page, login, axe_check):
    task = TaskFactory(
        organisation=world.organisation,
        title="Koffie schenken in De Lingehof",
        volunteers_needed=3,
        requires_vog=True,
        care_boundary_note="Vrijwilligers helpen niet met medicijnen.",
    )
    coming = ShiftFactory(task=task)
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    past = ShiftFactory(task=task, starts_at=start, ends_at=start + timedelta(hours=2))
    volunteer = world.users["volunteer"]
    VolunteerProfileFactory(user=volunteer)
    SignUpFactory(shift=coming, volunteer=volunteer)
    SignUpFactory(shift=past, volunteer=volunteer)
    org = world.organisation.slug
    login(page, live_server, world.users["coordinator"])
    pages = [
        reverse("volunteers:task_list", args=[org]),
        reverse("volunteers:task_create", args=[org]),
        reverse("volunteers:task_detail", args=[task.pk]),
        reverse("volunteers:shift_contacts", args=[coming.pk]),
        reverse("volunteers:hours", args=[org]),
        reverse("volunteers:hours_year", args=[org, timezone.localtime(start).year]),
        reverse(
            "volunteers:hours_statement", args=[org, volunteer.pk, timezone.localtime(start).year]
        ),
        reverse("volunteers:settings", args=[org]),
        reverse("volunteers:unfilled_all"),
    ]
    for url in pages:
        open_ok(page, live_server.url + url)
        axe_check(page)
        assert_no_horizontal_scrolling(page, url)
    # The form with its mistakes on show.
    open_ok(page, live_server.url + reverse("volunteers:task_create", args=[org]))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".form-errors").count() == 1
    axe_check(page)
    assert_no_horizontal_scrolling(page, "the task form with mistakes")
