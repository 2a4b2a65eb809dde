"""The preview of the next dates while an editor fills in the schedule: htmx and without JS."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from activities.models import Activity
from activities.recurrence import nth_weekday
from tests.activities.factories import make_activity
from tests.activities.test_editor import form_data

PREVIEW_URL = reverse("activities:schedule_preview")
THURSDAY = 3


@pytest.fixture
def as_role(client_for):
    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def third_thursdays(count: int) -> list[date]:
    """The coming third Thursdays of the month, starting next month."""
    today = timezone.localdate()
    year, month = today.year, today.month
    days = []
    while len(days) < count:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        days.append(nth_weekday(year, month, THURSDAY, 3))
    return days


def in_words(day: date) -> str:
    with override("en"):
        return date_format(day, "l j F Y")


def schedule(**changes) -> dict:
    first = third_thursdays(1)[0]
    data = {
        "start_date": first.isoformat(),
        "start_time": "14:00",
        "end_time": "16:00",
        "frequency": "monthly_weekday",
        "monthly_ordinal": "3",
        "until": "",
        "count": "",
        "exception_dates": "",
    }
    data.update(changes)
    return data


def test_htmx_preview_gives_the_third_thursdays_as_a_partial(world, as_role):
    response = as_role("editor").get(PREVIEW_URL, schedule(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # only the piece that htmx swaps in
    assert "Every third Thursday of the month" in html
    expected = third_thursdays(9)
    for day in expected[:8]:
        assert f"{in_words(day)}, 14:00\u201316:00" in html
    assert in_words(expected[8]) not in html  # eight dates, then "and more"
    assert "And more dates after these." in html
    assert "HX-Request" in response.headers["Vary"]


def test_preview_leaves_out_skipped_dates_and_stops_at_the_count(world, as_role):
    days = third_thursdays(4)
    response = as_role("editor").get(
        PREVIEW_URL,
        schedule(count="4", exception_dates=f"{days[1]:%d-%m-%Y}"),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert in_words(days[0]) in html and in_words(days[2]) in html and in_words(days[3]) in html
    assert in_words(days[1]) not in html
    assert "4 times" in html and "And more" not in html


def test_preview_of_the_last_friday_and_a_whole_day(world, as_role):
    today = timezone.localdate()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    first = nth_weekday(year, month, 4, -1)
    response = as_role("editor").get(
        PREVIEW_URL,
        schedule(
            start_date=first.isoformat(),
            monthly_ordinal="-1",
            start_time="",
            end_time="",
            count="2",
        ),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    second = nth_weekday(*((year + 1, 1) if month == 12 else (year, month + 1)), 4, -1)
    assert f"{in_words(first)}, the whole day" in html
    assert f"{in_words(second)}, the whole day" in html
    assert "Every last Friday of the month" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"monthly_ordinal": "1"}, "The first date is not the weekday of the month you chose"),
        ({"until": "2000-01-01"}, "Last date: The last date lies before the first date."),
        ({"end_time": "13:00"}, "The end time lies before the start time"),
    ],
)
def test_preview_explains_a_schedule_that_cannot_work(world, as_role, changes, message):
    response = as_role("editor").get(PREVIEW_URL, schedule(**changes), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert message in response.content.decode()


def test_preview_of_a_schedule_where_every_date_is_skipped(world, as_role):
    first = third_thursdays(1)[0]
    response = as_role("editor").get(
        PREVIEW_URL,
        schedule(count="1", exception_dates=first.isoformat()),
        HTTP_HX_REQUEST="true",
    )
    assert "This schedule produces no dates" in response.content.decode()


def test_preview_asks_for_a_first_date(world, as_role):
    response = as_role("editor").get(PREVIEW_URL, schedule(start_date=""), HTTP_HX_REQUEST="true")
    assert "Fill in the first date to see the dates." in response.content.decode()


def test_preview_without_htmx_is_a_whole_page(world, as_role):
    response = as_role("editor").get(PREVIEW_URL, schedule())
    html = response.content.decode()
    assert "<html" in html and "<h1>" in html
    assert in_words(third_thursdays(1)[0]) in html


def test_preview_of_an_existing_series_may_start_in_the_past(world, as_role):
    start = timezone.localdate() - timedelta(weeks=5)
    data = schedule(start_date=start.isoformat(), frequency="weekly", monthly_ordinal="")
    client = as_role("editor")
    refused = client.get(PREVIEW_URL, data, HTTP_HX_REQUEST="true").content.decode()
    assert "All dates of this schedule lie in the past" not in refused  # open-ended goes on
    html = client.get(PREVIEW_URL, {**data, "existing": "1"}, HTTP_HX_REQUEST="true")
    first_to_come = start + timedelta(weeks=((timezone.localdate() - start).days + 6) // 7)
    assert in_words(first_to_come) in html.content.decode()
    assert in_words(start) not in html.content.decode()


def test_editor_form_shows_the_preview_without_javascript(world, as_role):
    """The "Show the dates" button posts the whole form; nothing is saved, no errors shown."""
    url = reverse("activities:activity_create", args=["klokhuis"])
    data = form_data(**schedule(), title="", preview="1")
    response = as_role("editor").post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'name="title"' in html
    for day in third_thursdays(8):
        assert in_words(day) in html
    assert "This field is required" not in html  # the title is still empty: that can wait
    assert not Activity.objects.exists()


def test_editor_form_wires_the_schedule_to_htmx(world, as_role):
    html = (
        as_role("editor")
        .get(reverse("activities:activity_create", args=["klokhuis"]))
        .content.decode()
    )
    assert f'hx-get="{PREVIEW_URL}"' in html
    assert 'hx-trigger="change"' in html and 'hx-target="#schedule-preview"' in html
    assert 'name="preview"' in html  # the same without JavaScript
    # Editing an existing series tells the preview so, so a past first date is fine.
    activity = make_activity(organisation=world.organisation)
    edit = as_role("editor").get(reverse("activities:activity_edit", args=[activity.slug]))
    assert 'name="existing" value="1"' in edit.content.decode()


@pytest.mark.parametrize("role", ["resident", "volunteer", "network_admin"])
def test_preview_is_for_editors_only(world, as_role, role):
    assert as_role(role).get(PREVIEW_URL, schedule()).status_code == 404


def test_preview_asks_anonymous_visitors_to_sign_in(world, as_role):
    assert as_role("anonymous").get(PREVIEW_URL, schedule()).status_code == 302
