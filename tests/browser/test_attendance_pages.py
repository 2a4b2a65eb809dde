"""The attendance pages in a real browser at phone width, with axe-core on every page and
no sideways scrolling: the dates, the roll-call (tapping a name with htmx swaps only its
row), the participants list, one participant, the form (also with its mistakes) and the
settings."""

import pytest
from django.urls import reverse

from attendance.models import Attendance
from tests.attendance.factories import ParticipantFactory, activity_of, date_of, keep_attendance
from tests.browser.test_accessibility import assert_no_horizontal_scrolling, open_ok

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def regulars_at_the_door(organisation, names: list[str]) -> tuple:
    """Today's date of a coffee morning and its regulars (they came last week)."""
    keep_attendance(organisation)
    activity = activity_of(organisation, title="Koffieochtend in De Lingehof")
    last_week, today = date_of(activity, days_ago=7), date_of(activity)
    people = [ParticipantFactory(organisation=organisation, name=name) for name in names]
    for person in people:
        Attendance.objects.create(
            participant=person,
            occurrence=last_week,
            organisation=organisation,
            activity=activity,
            day=last_week.starts_at.date(),
        )
    return today, people


def test_attendance_pages_pass_axe_on_a_phone(world, live_server, page, login, axe_check):
    today, people = regulars_at_the_door(
        world.organisation, [f"Deelnemer met een lange naam {n}" for n in range(5)]
    )
    org = world.organisation.slug
    login(page, live_server, world.users["coordinator"])
    pages = [
        reverse("attendance:dates"),
        reverse("attendance:roll_call", args=[today.pk]) + "?q=Deelnemer",
        reverse("attendance:participant_list", args=[org]),
        reverse("attendance:participant_detail", args=[org, people[0].pk]),
        reverse("attendance:participant_create", args=[org]),
        reverse("attendance:settings", args=[org]),
    ]
    for url in pages:
        open_ok(page, live_server.url + url)
        axe_check(page)
        assert_no_horizontal_scrolling(page, url)
    # One tap with htmx: the row turns present, the page stays.
    open_ok(page, live_server.url + reverse("attendance:roll_call", args=[today.pk]))
    button = page.locator(f"#mark-{people[0].pk}")
    button.click()
    # The tap goes through the queue (static/js/roll-call-queue.js): the row turns at
    # once and is swapped for the server's own row (without data-queued) when saved.
    page.locator(f'#p-{people[0].pk}:not([data-queued]) [aria-pressed="true"]').wait_for()
    assert Attendance.objects.filter(participant=people[0], occurrence=today).exists()
    axe_check(page)
    # The form with its mistakes on show.
    open_ok(page, live_server.url + reverse("attendance:participant_create", args=[org]))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    axe_check(page)


def test_forty_regulars_take_one_tap_each_with_a_thumb(world, live_server, page, login):
    """At the door: forty regulars, each a target of at least 44 px across the width of
    the phone (one thumb), one tap each, and every tap is one row in the database."""
    from tests.browser.test_touch_targets import assert_targets

    today, people = regulars_at_the_door(
        world.organisation, [f"Bezoeker {n:02}" for n in range(40)]
    )
    login(page, live_server, world.users["coordinator"])
    open_ok(page, live_server.url + reverse("attendance:roll_call", args=[today.pk]))
    assert assert_targets(page, "[id^=mark-]", "the names on the roll-call") == 40
    width = page.viewport_size["width"]
    for person in people:
        button = page.locator(f"#mark-{person.pk}")
        box = button.bounding_box()
        assert box["width"] >= width * 0.8, "a name fills the width: any thumb reaches it"
        button.click()
        page.locator(f'#p-{person.pk}:not([data-queued]) [aria-pressed="true"]').wait_for()
    assert Attendance.objects.filter(occurrence=today).count() == 40


def test_check_in_pages_pass_axe_on_a_phone(world, live_server, page, login, axe_check):
    """The coordinator asks a volunteer to drop by; the volunteer's pages, with the form and
    its mistakes; the coordinator's list with the answer."""
    from attendance import checkins

    keep_attendance(world.organisation)
    participant = ParticipantFactory(
        organisation=world.organisation, name="Truus van Dalen", address="Kerkstraat 12, Beesd"
    )
    check_in = checkins.ask_check_in(
        participant=participant,
        by=world.users["coordinator"],
        volunteer=world.users["volunteer"],
        what_is_asked="Even langsgaan en vragen hoe het gaat",
    )
    org = world.organisation.slug
    login(page, live_server, world.users["volunteer"])
    answer = reverse("attendance:check_in_answer", args=[check_in.pk])
    for url in (reverse("attendance:my_check_ins"), answer):
        open_ok(page, live_server.url + url)
        axe_check(page)
        assert_no_horizontal_scrolling(page, url)
    # Sent without choosing: the mistake on show.
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    axe_check(page)
    page.locator("input[name=outcome][value=all_fine]").check()
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    axe_check(page)
    check_in.refresh_from_db()
    assert check_in.outcome == "all_fine"
    page.context.clear_cookies()
    login(page, live_server, world.users["coordinator"])
    for url in (
        reverse("attendance:check_in_list", args=[org]),
        reverse("attendance:check_in_ask", args=[org, participant.pk]),
    ):
        open_ok(page, live_server.url + url)
        axe_check(page)
        assert_no_horizontal_scrolling(page, url)


def test_not_seen_lately_passes_axe_on_a_phone(world, live_server, page, login, axe_check):
    """The inbox with a signal of each age, its history, and putting one aside with the
    keyboard-reachable disclosure."""
    from datetime import date, timedelta

    from django.utils import timezone

    from attendance.models import Signal

    keep_attendance(world.organisation)
    now = timezone.now()
    signals = [
        Signal.objects.create(
            participant=ParticipantFactory(organisation=world.organisation, name=name),
            last_seen=date.today() - timedelta(days=30),
            missed=3,
            usual_gap=gap,
            raised_at=now - timedelta(days=days),
        )
        for name, gap, days in (("Truus", 1.1, 0), ("Henk", 2.4, 9), ("Bep", 4.0, 40))
    ]
    org = world.organisation.slug
    login(page, live_server, world.users["coordinator"])
    inbox = reverse("attendance:signals", args=[org])
    history = reverse("attendance:signal_history", args=[org, signals[0].participant_id])
    for url in (inbox, history):
        open_ok(page, live_server.url + url)
        axe_check(page)
        assert_no_horizontal_scrolling(page, url)
    open_ok(page, live_server.url + inbox)
    page.locator("summary").first.click()
    axe_check(page)
    page.locator("details[open] input[type=radio]").first.check()
    page.locator("details[open] button[type=submit]").click()
    page.wait_for_load_state()
    axe_check(page)
    assert Signal.objects.exclude(dismissed_at=None).count() == 1
    assert page.locator(".signal").count() == 2


def test_the_thresholds_page_passes_axe_on_a_phone(world, live_server, page, login, axe_check):
    """A network administrator sets the numbers of "not seen lately": the page, a number
    out of bounds with its message, then saved (a comma for the decimal)."""
    from attendance.models import SignalSettings

    url = reverse("attendance:signal_settings", args=[world.network.slug])
    login(page, live_server, world.users["network_admin"])
    open_ok(page, live_server.url + url)
    axe_check(page)
    assert_no_horizontal_scrolling(page, url)
    page.fill("input[name=min_days_away]", "3")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".field--error").count() == 1
    axe_check(page)
    assert_no_horizontal_scrolling(page, url)
    page.fill("input[name=min_days_away]", "28")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    axe_check(page)
    assert SignalSettings.objects.get(network=world.network).min_days_away == 28


def test_the_inbox_in_pages_passes_axe_on_a_phone(world, live_server, page, login, axe_check):
    """Sixty signals: page two with its previous/next links, and asking a volunteer to drop
    by from a signal (the form says which signal)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from attendance.models import Signal

    keep_attendance(world.organisation)
    now = timezone.now()
    for n in range(60):
        Signal.objects.create(
            participant=ParticipantFactory(
                organisation=world.organisation, name=f"Deelnemer {n:02}", address="Dorpsstraat 1"
            ),
            last_seen=date.today() - timedelta(days=30),
            missed=3,
            usual_gap=1,
            raised_at=now - timedelta(days=60 - n),
        )
    org = world.organisation.slug
    login(page, live_server, world.users["coordinator"])
    inbox = reverse("attendance:signals", args=[org])
    open_ok(page, live_server.url + inbox + "?page=2")
    axe_check(page)
    assert_no_horizontal_scrolling(page, inbox)
    assert page.locator(".signal").count() == 25
    page.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert page.locator(".signal").count() == 10
    page.locator(".signal a[href*='langsgaan']").first.click()
    page.wait_for_load_state()
    axe_check(page)
    assert page.locator("input[name=signal]").input_value()
