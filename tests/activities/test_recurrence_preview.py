"""The preview of the next dates while an editor fills in the schedule: htmx and without JS."""

from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from activities import recurrence
from activities.models import Activity
from activities.recurrence import nth_weekday
from network.models import Role
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.activities.test_editor import form_data, next_weekday
from tests.factories import MembershipFactory, OrganisationFactory

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


# Skipped dates in words ------------------------------------------------------------------


def test_preview_says_which_dates_are_skipped_in_words(world, as_role):
    days = third_thursdays(4)
    stray = days[0] + timedelta(days=1)  # a Friday: not a date of a Thursday club
    html = as_role("editor").get(
        PREVIEW_URL,
        schedule(exception_dates=f"{days[1]:%d-%m-%Y}\n{days[2]:%d-%m-%Y}\n{stray:%d-%m-%Y}"),
        HTTP_HX_REQUEST="true",
    )
    html = html.content.decode()
    expected = recurrence.dates_in_words(days[1:3], this_year=timezone.localdate().year)
    assert f"Not on {expected}." in html
    assert "Check the skipped dates: " in html and "is not a day of this schedule." in html


def test_skipped_dates_are_written_as_people_write_them():
    with override("nl"):
        assert (
            recurrence.dates_in_words([date(2026, 12, 31), date(2026, 12, 24)], this_year=2026)
            == "24 en 31 december"
        )
        assert (
            recurrence.dates_in_words(
                [date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 7)], this_year=2026
            )
            == "24 en 31 december en 7 januari 2027"
        )
    with override("en"):
        assert (
            recurrence.dates_in_words(
                [date(2027, 1, 7), date(2027, 1, 14), date(2027, 1, 21)], this_year=2027
            )
            == "7, 14 and 21 January"
        )


def test_skipped_dates_before_the_start_and_strays_are_told_apart():
    weekly = recurrence.Schedule(
        start_date=date(2026, 12, 3),  # a Thursday
        frequency="weekly",
        exception_dates=frozenset({date(2026, 12, 10), date(2026, 12, 24), date(2026, 12, 25)}),
    )
    skipped, strays = recurrence.skipped_dates(weekly, start=date(2026, 12, 11))
    assert skipped == [date(2026, 12, 24)]
    assert strays == [date(2026, 12, 25)]
    with override("nl"):
        described = recurrence.describe_skipped(
            weekly, start=date(2026, 12, 11), today=date(2026, 12, 2)
        )
        assert described == [
            "Niet op 24 december.",
            "Kijk de overgeslagen datums na: 25 december valt niet op een dag van dit schema.",
        ]


# The room in the preview: another activity at the same time ---------------------------------


@pytest.fixture
def busy_room(world):
    """The big hall of Het Klokhuis, used on Wednesday mornings by the billiards club."""
    hall_place = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    hall = RoomFactory(place=hall_place, name="Grote zaal")
    club = OrganisationFactory(
        name="Biljartclub", networks=[world.network], phone="0345 111222", email=""
    )
    wednesday = next_weekday(2)
    billiards = make_activity(
        organisation=club,
        title="Biljarten",
        start_date=wednesday,
        start_time=time(10, 0),
        end_time=time(12, 0),
        place=hall_place,
        room=hall,
        contact_name="Henk de Boer",
        contact_email="henk@example.org",
    )
    return hall_place, hall, billiards, wednesday


def room_schedule(wednesday, place, room, **changes) -> dict:
    """Every Wednesday 11:00-12:30 in the room, from the Wednesday given."""
    return schedule(
        **{
            "start_date": wednesday.isoformat(),
            "frequency": "weekly",
            "monthly_ordinal": "",
            "start_time": "11:00",
            "end_time": "12:30",
            "place": str(place.pk),
            "room": str(room.pk),
            **changes,
        }
    )


def test_preview_warns_about_another_activity_in_the_room_with_whom_to_call(
    world, as_role, busy_room
):
    place, hall, _billiards, wednesday = busy_room
    html = (
        as_role("editor")
        .get(
            PREVIEW_URL,
            room_schedule(wednesday, place, hall, organisation="klokhuis"),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    warning = html.split('id="preview-overlap"')[1]
    assert "The room is in use at the same time" in warning
    assert "Biljarten</strong> (Biljartclub)" in warning
    assert in_words(wednesday) in warning
    # Whom to call: the activity's contact, its e-mail, and the club's telephone number.
    assert "Henk de Boer" in warning
    assert '<a href="tel:0345111222">0345 111222</a>' in warning
    assert '<a href="mailto:henk@example.org">henk@example.org</a>' in warning
    # The dates themselves are still there.
    assert f"{in_words(wednesday)}, 11:00\u201312:30" in html


def test_preview_of_a_free_room_says_so(world, as_role, busy_room):
    place, hall, _billiards, wednesday = busy_room
    html = (
        as_role("editor")
        .get(
            PREVIEW_URL,
            room_schedule(
                wednesday,
                place,
                hall,
                organisation="klokhuis",
                start_time="13:00",
                end_time="14:00",
            ),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "preview-overlap" not in html
    assert "Het Klokhuis: Grote zaal is free at these times." in html


def test_preview_does_not_warn_an_activity_about_itself(world, as_role, busy_room):
    place, hall, billiards, wednesday = busy_room
    ours = make_activity(
        organisation=world.organisation,
        title="Koffie",
        start_date=wednesday,
        start_time=time(14, 0),
        end_time=time(15, 0),
        place=place,
        room=hall,
    )
    data = room_schedule(wednesday, place, hall, start_time="14:00", end_time="15:00", existing="1")
    client = as_role("editor")
    own = client.get(PREVIEW_URL, {**data, "activity": ours.slug}, HTTP_HX_REQUEST="true")
    assert "preview-overlap" not in own.content.decode()
    # The billiards club's editor planning that hour is warned about it.
    MembershipFactory(
        user=world.users["outsider"], role=Role.EDITOR, organisation=billiards.organisation
    )
    warned = as_role("outsider").get(
        PREVIEW_URL,
        room_schedule(
            wednesday,
            place,
            hall,
            start_time="14:00",
            end_time="15:00",
            organisation=billiards.organisation.slug,
        ),
        HTTP_HX_REQUEST="true",
    )
    assert "Koffie</strong> (Het Klokhuis)" in warned.content.decode()


def test_preview_checks_no_room_for_whom_does_not_keep_the_organisation(world, as_role, busy_room):
    place, hall, _billiards, wednesday = busy_room
    html = (
        as_role("editor")
        .get(
            PREVIEW_URL,
            room_schedule(wednesday, place, hall, organisation="club-elders"),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert in_words(wednesday) in html  # the dates, as always
    assert "Biljarten" not in html and "is free" not in html


def test_preview_leaves_out_a_room_of_another_place(world, as_role, busy_room):
    _place, hall, _billiards, wednesday = busy_room
    school = PlaceFactory(name="De School", municipality=world.municipality)
    html = (
        as_role("editor")
        .get(
            PREVIEW_URL,
            room_schedule(wednesday, school, hall, organisation="klokhuis"),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "Biljarten" not in html  # saving will explain that the room is elsewhere


def test_editor_form_preview_without_javascript_warns_about_the_room(world, as_role, busy_room):
    place, hall, _billiards, wednesday = busy_room
    url = reverse("activities:activity_create", args=["klokhuis"])
    data = form_data(**room_schedule(wednesday, place, hall), preview="1")
    html = as_role("editor").post(url, data).content.decode()
    assert 'id="preview-overlap"' in html and "Henk de Boer" in html
    assert not Activity.objects.filter(title="Koffieochtend").exists()


def test_editor_form_sends_place_and_room_to_the_preview(world, as_role):
    html = (
        as_role("editor")
        .get(reverse("activities:activity_create", args=["klokhuis"]))
        .content.decode()
    )
    assert html.count('hx-include="#section-when, #section-where"') == 2
    assert '<input type="hidden" name="organisation" value="klokhuis">' in html
