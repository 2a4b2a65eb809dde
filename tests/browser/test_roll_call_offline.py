"""The roll-call at the door with a dropped connection, in a real browser at phone size:
taps made offline are kept on the phone (localStorage), shown as waiting, and sent in order
when the connection is back, none lost or counted twice; the queue survives a reload; a
token refused after signing in again keeps the taps until the page is reloaded. Checked
against the database rows, and with axe while taps are waiting."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from attendance.models import Attendance, RollCall
from tests.browser.test_accessibility import ZOOMED, assert_no_horizontal_scrolling, open_ok
from tests.browser.test_attendance_pages import regulars_at_the_door

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARK_URL = "**/markeren/"


@pytest.fixture
def door(world):
    """Today's date of a coffee morning with five regulars (they came last week)."""
    today, people = regulars_at_the_door(world.organisation, [f"Bezoeker {n}" for n in range(5)])
    return {"today": today, "people": people}


def present_today(door) -> set[int]:
    return set(
        Attendance.objects.filter(occurrence=door["today"]).values_list("participant", flat=True)
    )


def texts(page) -> dict:
    """The status texts as the page carries them (translated by Django)."""
    return page.eval_on_selector("#roll-call-queue", "box => Object.assign({}, box.dataset)")


def waiting_text(page, n: int) -> str:
    words = texts(page)["waitingOne" if n == 1 else "waitingOther"]
    return words.replace("{n}", str(n))


def queued(page, door) -> list:
    key = texts(page)["key"]
    return page.evaluate("key => JSON.parse(localStorage.getItem(key) || '[]')", key)


def tap(page, person) -> None:
    page.locator(f"#mark-{person.pk}").click()


def open_roll_call(page, live_server, door) -> None:
    open_ok(page, live_server.url + reverse("attendance:roll_call", args=[door["today"].pk]))


def tap_offline(page, live_server, login, coordinator, door, people) -> None:
    """Sign in, open the roll-call, lose the connection and tap these people."""
    login(page, live_server, coordinator)
    open_roll_call(page, live_server, door)
    page.context.set_offline(True)
    for person in people:
        tap(page, person)


def test_taps_made_offline_are_sent_once_when_the_connection_is_back(
    door, world, live_server, page, login, axe_check
):
    people = door["people"]
    sent = []
    page.on("request", lambda request: sent.append(request) if "/markeren/" in request.url else 0)
    tap_offline(page, live_server, login, world.users["coordinator"], door, people[:3])
    status = page.locator("#queue-status")
    assert sent == [], "nothing is tried while the phone is offline"
    expect(status).to_have_text(waiting_text(page, 3))
    for person in people[:3]:
        row = page.locator(f"#p-{person.pk}[data-waiting]")
        expect(row.locator("button")).to_have_attribute("aria-pressed", "true")
        expect(row).to_contain_text(texts(page)["presentWaiting"])
    assert [tap["participant"] for tap in queued(page, door)] == [str(p.pk) for p in people[:3]]
    assert present_today(door) == set()
    assert not RollCall.objects.filter(occurrence=door["today"]).exists()
    # The queued taps on show pass axe and fit the phone.
    axe_check(page)
    assert_no_horizontal_scrolling(page, "the roll-call with taps waiting")

    page.context.set_offline(False)
    expect(status).to_have_text(texts(page)["sent"])
    expect(page.locator("[data-queued]")).to_have_count(0)
    assert present_today(door) == {p.pk for p in people[:3]}
    assert Attendance.objects.filter(occurrence=door["today"]).count() == 3
    assert queued(page, door) == []
    expect(page.locator("#present-count")).to_contain_text("3")
    assert len(sent) == 3, "one request per tap (htmx sends none of its own)"

    # Offline again: undo one who is present, tap one twice (present, then not) and one
    # three times (present, not, present). Only the last tap of each person counts.
    page.context.set_offline(True)
    tap(page, people[0])
    for _ in range(2):
        tap(page, people[3])
    for _ in range(3):  # with the keyboard
        page.locator(f"#mark-{people[4].pk}").press("Enter")
    expect(status).to_have_text(waiting_text(page, 3))
    expect(page.locator(f"#mark-{people[3].pk}")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#mark-{people[4].pk}")).to_have_attribute("aria-pressed", "true")
    assert present_today(door) == {p.pk for p in people[:3]}
    axe_check(page)

    page.context.set_offline(False)
    expect(status).to_have_text(texts(page)["sent"])
    expect(page.locator("[data-queued]")).to_have_count(0)
    assert present_today(door) == {people[1].pk, people[2].pk, people[4].pk}
    assert Attendance.objects.filter(occurrence=door["today"]).count() == 3
    expect(page.locator(f"#mark-{people[0].pk}")).to_have_attribute("aria-pressed", "false")

    # What the page shows after a reload is what the database holds.
    page.reload()
    for person in people:
        expected = "true" if person.pk in present_today(door) else "false"
        expect(page.locator(f"#mark-{person.pk}")).to_have_attribute("aria-pressed", expected)


def test_the_queue_survives_a_reload_and_is_sent_when_the_connection_is_back(
    door, world, live_server, page, login
):
    people = door["people"]
    tap_offline(page, live_server, login, world.users["coordinator"], door, people[:2])
    # Reception comes back, but the taps still do not get through (only the page does).
    page.route(MARK_URL, lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    page.reload()
    status = page.locator("#queue-status")
    expect(status).to_have_text(waiting_text(page, 2))
    for person in people[:2]:
        expect(page.locator(f"#p-{person.pk}[data-waiting] button")).to_have_attribute(
            "aria-pressed", "true"
        )
    assert len(queued(page, door)) == 2
    assert present_today(door) == set()

    # The connection is fully back: the retry timer sends them.
    page.unroute(MARK_URL)
    expect(status).to_have_text(texts(page)["sent"], timeout=20_000)
    assert present_today(door) == {people[0].pk, people[1].pk}
    assert queued(page, door) == []


def test_a_refused_token_keeps_the_taps_until_the_page_is_reloaded(
    door, world, live_server, page, login
):
    people = door["people"]
    tap_offline(page, live_server, login, world.users["coordinator"], door, people[:1])
    # Meanwhile the token changed (as after signing in again in another tab).
    page.context.add_cookies([{"name": "csrftoken", "value": "a" * 32, "url": live_server.url}])
    page.context.set_offline(False)
    status = page.locator("#queue-status")
    expect(status).to_have_text(texts(page)["blocked"])
    expect(page.locator("#queue-reload a")).to_be_visible()
    assert len(queued(page, door)) == 1
    assert present_today(door) == set()

    page.locator("#queue-reload a").click()
    page.wait_for_load_state()
    expect(page.locator("[data-queued]")).to_have_count(0)
    expect(page.locator(f"#mark-{people[0].pk}")).to_have_attribute("aria-pressed", "true")
    assert present_today(door) == {people[0].pk}
    assert queued(page, door) == []


def test_the_number_of_others_is_queued_too(door, world, live_server, new_page, login):
    """With the keyboard, at 200% zoom."""
    page = new_page(**ZOOMED)
    login(page, live_server, world.users["coordinator"])
    open_roll_call(page, live_server, door)
    page.context.set_offline(True)
    page.fill('input[name="head_count"]', "4")
    page.locator('input[name="head_count"]').press("Enter")
    expect(page.locator("#queue-status")).to_have_text(waiting_text(page, 1))
    page.locator("#queue-status").scroll_into_view_if_needed()
    assert_no_horizontal_scrolling(page, "the roll-call at 200% zoom with a number waiting")
    assert not RollCall.objects.filter(occurrence=door["today"]).exists()
    page.context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_text(texts(page)["sent"])
    assert RollCall.objects.get(occurrence=door["today"]).head_count == 4
    expect(page.locator("#present-count")).to_contain_text("4")


def test_without_javascript_a_tap_is_a_plain_post(door, world, live_server, new_page, login):
    page = new_page(java_script_enabled=False)
    login(page, live_server, world.users["coordinator"])
    open_roll_call(page, live_server, door)
    person = door["people"][0]
    with page.expect_navigation():
        tap(page, person)
    assert page.url.endswith(f"#p-{person.pk}")
    assert page.locator(f"#mark-{person.pk}").get_attribute("aria-pressed") == "true"
    assert present_today(door) == {person.pk}


def test_taps_wait_while_signed_out_and_are_sent_after_signing_in(
    door, world, live_server, page, login
):
    people = door["people"]
    coordinator = world.users["coordinator"]
    tap_offline(page, live_server, login, coordinator, door, people[:2])
    page.context.clear_cookies(name="sessionid")
    page.context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_text(texts(page)["blocked"])
    assert len(queued(page, door)) == 2
    assert present_today(door) == set()

    login(page, live_server, coordinator)
    open_roll_call(page, live_server, door)
    expect(page.locator("[data-queued]")).to_have_count(0)
    assert present_today(door) == {people[0].pk, people[1].pk}
    assert queued(page, door) == []


def test_a_tap_the_server_refuses_is_dropped_with_its_reason_and_a_failing_server_is_retried(
    door, world, live_server, page, login
):
    people = door["people"]
    tap_offline(page, live_server, login, world.users["coordinator"], door, people[:2])
    # Meanwhile someone closed the first record (it can no longer be marked), and the
    # server fails once.
    people[0].closed_at, people[0].closed_reason = people[0].created_at, "verhuisd"
    people[0].save(update_fields=["closed_at", "closed_reason"])
    failures = []

    def fail_once(route):
        if failures:
            route.continue_()
        else:
            failures.append(route.request.url)
            route.fulfill(status=503, body="busy")

    page.route(MARK_URL, fail_once)
    page.context.set_offline(False)
    status = page.locator("#queue-status")
    # The closed record: the server's own words, the row back as it was, the tap gone.
    with override("nl"):
        expect(status).to_have_text(gettext("This record is closed; it can no longer be marked."))
    expect(page.locator(f"#mark-{people[0].pk}")).to_have_attribute("aria-pressed", "false")
    assert failures, "the first try got a 503 and was kept"
    expect(page.locator("[data-queued]")).to_have_count(0)
    assert present_today(door) == {people[1].pk}
    assert queued(page, door) == []
