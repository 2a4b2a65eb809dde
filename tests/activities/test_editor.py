"""Editors and coordinators register activities and keep their dates, through HTTP."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from activities import services, tasks
from activities.models import Activity, Occurrence, Registration, Status
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.factories import OrganisationFactory


@pytest.fixture
def as_role(client_for):
    """A client signed in as the role, reading the site in English (the source language)."""

    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> date:
    """A date of that weekday (0 = Monday) at least a few days ahead."""
    today = timezone.localdate()
    day = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return day + timedelta(weeks=weeks_ahead - 1)


def form_data(**changes) -> dict:
    data = {
        "title": "Koffieochtend",
        "description": "Gezellig samen koffie drinken.",
        "theme": "meeting",
        "target_group": "everyone",
        "start_date": next_weekday(2).isoformat(),
        "start_time": "10:00",
        "end_time": "11:30",
        "frequency": "weekly",
        "monthly_ordinal": "",
        "until": "",
        "count": "",
        "exception_dates": "",
        "place": "",
        "room": "",
        "location_note": "",
        "cost": "",
        "cost_note": "",
        "capacity": "",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "image_alt": "",
        "action": "submit",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def create_url(slug: str = "klokhuis") -> str:
    return reverse("activities:activity_create", args=[slug])


def edit_data(activity: Activity, **changes) -> dict:
    """The edit form as the page fills it in, with some values changed."""
    local = {
        "title": activity.title,
        "description": activity.description,
        "theme": activity.theme,
        "target_group": activity.target_group,
        "start_date": activity.start_date.isoformat(),
        "start_time": activity.start_time.strftime("%H:%M") if activity.start_time else "",
        "end_time": activity.end_time.strftime("%H:%M") if activity.end_time else "",
        "frequency": activity.frequency,
        "monthly_ordinal": activity.monthly_ordinal or "",
        "until": activity.until.isoformat() if activity.until else "",
        "count": activity.count or "",
        "exception_dates": "\n".join(activity.exception_dates),
        "place": activity.place_id or "",
        "room": activity.room_id or "",
        "co_organisers": [o.pk for o in activity.co_organisers.all()],
        "action": "save",
    }
    return form_data(**{**local, **changes})


# Registering ---------------------------------------------------------------------------


def test_trusted_organisation_publishes_directly(world, as_role):
    world.organisation.is_trusted = True
    world.organisation.save()
    partner = OrganisationFactory(name="Bibliotheek", networks=[world.network])
    client = as_role("editor")
    page = client.get(create_url())
    assert page.status_code == 200
    assert "Publish" in page.content.decode()
    response = client.post(
        create_url(), form_data(co_organisers=[partner.pk], cost="2.50", wheelchair_accessible="on")
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="Koffieochtend")
    assert activity.status == Status.PUBLISHED and activity.published_at is not None
    assert activity.organisation == world.organisation
    assert activity.created_by == world.users["editor"]
    assert list(activity.co_organisers.all()) == [partner]
    assert activity.wheelchair_accessible and activity.cost == 2.5
    # The weekly dates are stored, starting on the first date.
    first = activity.occurrences.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at) == timezone.make_aware(
        datetime.combine(activity.start_date, time(10, 0))
    )
    assert activity.occurrences.count() > 50


def test_untrusted_organisation_submits_for_approval(
    world, as_role, django_capture_on_commit_callbacks
):
    client = as_role("editor")
    assert "Submit for approval" in client.get(create_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(create_url(), form_data())
    assert response.status_code == 302
    activity = Activity.objects.get(title="Koffieochtend")
    assert activity.status == Status.SUBMITTED
    # The network's administrator hears about it.
    [message] = mail.outbox
    assert message.to == ["netwerk@example.org"]
    assert "Koffieochtend" in message.subject


def test_save_as_draft_keeps_it_from_residents(world, as_role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_role("editor").post(create_url(), form_data(action="draft"))
    assert Activity.objects.get().status == Status.DRAFT
    assert mail.outbox == []


def test_coordinator_registers_once_without_time_as_a_whole_day(world, as_role):
    day = next_weekday(5)
    response = as_role("coordinator").post(
        create_url(),
        form_data(frequency="once", start_date=day.isoformat(), start_time="", end_time=""),
    )
    assert response.status_code == 302
    [occurrence] = Activity.objects.get().occurrences.all()
    assert occurrence.all_day and occurrence.original_date == day


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": "09:00"}, "end_time", "The end time lies before the start time"),
        ({"start_time": "", "end_time": "12:00"}, "start_time", "Fill in the start time"),
        (
            {"until": (timezone.localdate() - timedelta(days=1)).isoformat()},
            "until",
            "The last date lies before the first date.",
        ),
        (
            {"frequency": "monthly_weekday", "monthly_ordinal": "2"},
            "monthly_ordinal",
            "The first date is not the weekday of the month you chose",
        ),
        (
            {"until": (timezone.localdate() + timedelta(weeks=20)).isoformat(), "count": "3"},
            "count",
            "not both",
        ),
        ({"exception_dates": "volgende week"}, "exception_dates", "not a date we understand"),
        ({"cost": "-1"}, "cost", "greater than or equal to 0"),
        ({"registration_required": "on", "capacity": "0"}, "capacity", "greater than or equal"),
        ({"frequency": "fortnightly"}, "frequency", "Select a valid choice"),
        ({"start_date": "31-02-2026"}, "start_date", "Enter a valid date"),
        (
            {"frequency": "once", "start_date": f"{timezone.localdate().year - 6}-01-01"},
            "start_date",
            "too far in the past",
        ),
    ],
)
def test_bad_schedule_is_explained_and_nothing_saved(world, as_role, changes, field, message):
    if changes.get("frequency") == "monthly_weekday":
        # A first Wednesday paired with "the second": the weekday of the month does not fit.
        first = next_weekday(2, weeks_ahead=5)
        first = first - timedelta(weeks=(first.day - 1) // 7)
        changes["start_date"] = first.isoformat()
    response = as_role("editor").post(create_url(), form_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Activity.objects.exists() and not Occurrence.objects.exists()


def test_schedule_without_any_date_left_is_refused(world, as_role):
    day = next_weekday(3)
    response = as_role("editor").post(
        create_url(),
        form_data(
            start_date=day.isoformat(),
            count="2",
            exception_dates=f"{day:%d-%m-%Y}, {day + timedelta(weeks=1):%d-%m-%Y}",
        ),
    )
    assert response.status_code == 200
    assert "This schedule produces no dates" in " ".join(
        response.context["form"].errors["exception_dates"]
    )
    assert not Activity.objects.exists()


def test_series_entirely_in_the_past_is_refused_for_a_new_activity(world, as_role):
    start = timezone.localdate() - timedelta(weeks=10)
    response = as_role("editor").post(
        create_url(), form_data(start_date=start.isoformat(), count="3")
    )
    assert "All dates of this schedule lie in the past" in response.content.decode()
    assert not Activity.objects.exists()


def test_exception_dates_in_dutch_notation_skip_those_dates(world, as_role):
    start = next_weekday(1)
    skipped = start + timedelta(weeks=2)
    as_role("editor").post(
        create_url(),
        form_data(start_date=start.isoformat(), count="4", exception_dates=f"{skipped:%d-%m-%Y}"),
    )
    activity = Activity.objects.get()
    assert activity.exception_dates == [skipped.isoformat()]
    days = list(activity.occurrences.values_list("original_date", flat=True))
    assert days == [start, start + timedelta(weeks=1), start + timedelta(weeks=3)]


def test_room_must_belong_to_the_chosen_place(world, as_role):
    klokhuis = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    school = PlaceFactory(name="De School", municipality=world.municipality)
    gym = RoomFactory(place=school, name="Gymzaal")
    response = as_role("editor").post(create_url(), form_data(place=klokhuis.pk, room=gym.pk))
    assert "This room is not in Het Klokhuis" in " ".join(response.context["form"].errors["room"])
    assert not Activity.objects.exists()
    # A room alone brings its place along.
    as_role("editor").post(create_url(), form_data(room=gym.pk))
    assert Activity.objects.get().place == school


def _room_options(html: str) -> list[str]:
    select = html.split('name="room"')[1].split("</select>")[0]
    return re.findall(r"<option[^>]*>([^<]+)</option>", select)[1:]


@pytest.fixture
def two_places(world):
    klokhuis = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    school = PlaceFactory(name="De School", municipality=world.municipality)
    RoomFactory(place=klokhuis, name="Grote zaal")
    RoomFactory(place=klokhuis, name="Kleine zaal")
    gym = RoomFactory(place=school, name="Gymzaal")
    return klokhuis, school, gym


def test_room_list_follows_the_chosen_place(world, as_role, two_places):
    klokhuis, school, gym = two_places
    client = as_role("editor")
    everything = client.get(create_url()).content.decode()
    assert _room_options(everything) == [
        "De School: Gymzaal",
        "Het Klokhuis: Grote zaal",
        "Het Klokhuis: Kleine zaal",
    ]
    # Without JavaScript the form is sent with a room of another place: a clear message,
    # and now only the rooms of the chosen place are offered.
    response = client.post(create_url(), form_data(place=klokhuis.pk, room=gym.pk))
    html = response.content.decode()
    assert "This room is not in Het Klokhuis. Choose a room of that place, or no room." in html
    assert _room_options(html) == ["Het Klokhuis: Grote zaal", "Het Klokhuis: Kleine zaal"]
    assert not Activity.objects.exists()
    # An activity at a place: its edit form offers that place's rooms.
    activity = make_activity(organisation=world.organisation, place=school)
    edit = client.get(reverse("activities:activity_edit", args=[activity.slug]))
    assert _room_options(edit.content.decode()) == ["De School: Gymzaal"]


def test_choosing_a_place_fetches_its_rooms(world, as_role, two_places):
    klokhuis, school, gym = two_places
    client = as_role("editor")
    page = client.get(create_url()).content.decode()
    place_select = page.split('<select name="place"')[1].split(">")[0]
    assert f'hx-get="{reverse("activities:room_choices")}"' in place_select
    assert 'hx-target="#id_room"' in place_select and 'hx-select="#id_room"' in place_select
    assert 'hx-vals="{&quot;organisation&quot;: &quot;klokhuis&quot;}"' in place_select

    url = reverse("activities:room_choices")
    html = client.get(url, {"organisation": "klokhuis", "place": klokhuis.pk}).content.decode()
    assert 'id="id_room"' in html and "<html" not in html
    assert _room_options(html) == ["Het Klokhuis: Grote zaal", "Het Klokhuis: Kleine zaal"]
    # The room chosen before stays chosen when it is in the place; no place: every room.
    kept = client.get(url, {"organisation": "klokhuis", "place": school.pk, "room": gym.pk})
    assert f'<option value="{gym.pk}" selected>' in kept.content.decode()
    anywhere = client.get(url, {"organisation": "klokhuis", "place": ""}).content.decode()
    assert len(_room_options(anywhere)) == 3


def test_room_choices_of_one_date_follow_the_usual_place(world, as_role, two_places):
    klokhuis, school, _gym = two_places
    activity = make_activity(organisation=world.organisation, place=klokhuis)
    day = activity.occurrences.order_by("starts_at").first().original_date
    client = as_role("editor")
    form = client.get(reverse("activities:occurrence_edit", args=[activity.slug, day]))
    # The date keeps the usual place: its rooms.
    assert _room_options(form.content.decode()) == [
        "Het Klokhuis: Grote zaal",
        "Het Klokhuis: Kleine zaal",
    ]
    url = reverse("activities:room_choices")
    usual = client.get(url, {"activity": activity.slug, "date": "1", "place": ""})
    assert _room_options(usual.content.decode()) == [
        "Het Klokhuis: Grote zaal",
        "Het Klokhuis: Kleine zaal",
    ]
    elsewhere = client.get(url, {"activity": activity.slug, "date": "1", "place": school.pk})
    assert _room_options(elsewhere.content.decode()) == ["De School: Gymzaal"]


@pytest.mark.parametrize("role", ["anonymous", "resident", "outsider"])
def test_room_choices_only_for_who_keeps_the_activity(world, as_role, role):
    activity = make_activity(organisation=world.organisation)
    url = reverse("activities:room_choices")
    for params in ({"organisation": "klokhuis"}, {"activity": activity.slug}):
        response = as_role(role).get(url, params)
        assert response.status_code in (302, 404), params
        if role != "anonymous":
            assert response.status_code == 404


def test_places_and_partners_are_limited_to_the_organisations_networks(world, as_role):
    elsewhere = PlaceFactory(municipality=world.other_organisation.municipality)
    response = as_role("editor").post(
        create_url(),
        form_data(place=elsewhere.pk, co_organisers=[world.other_organisation.pk]),
    )
    errors = response.context["form"].errors
    assert {"place", "co_organisers"} <= set(errors)
    assert not Activity.objects.exists()


# Who may ------------------------------------------------------------------------------


def editor_urls(activity: Activity) -> list[str]:
    day = activity.occurrences.first().original_date
    return [
        reverse("activities:activity_edit", args=[activity.slug]),
        reverse("activities:occurrence_list", args=[activity.slug]),
        reverse("activities:activity_cancel", args=[activity.slug]),
        reverse("activities:occurrence_edit", args=[activity.slug, day]),
        reverse("activities:occurrence_cancel", args=[activity.slug, day]),
    ]


@pytest.mark.parametrize("role", ["outsider", "volunteer", "resident", "network_admin", "wijkteam"])
def test_others_get_404_on_every_editor_page(world, as_role, role):
    activity = make_activity(organisation=world.organisation)
    client = as_role(role)
    assert client.get(create_url()).status_code == 404
    assert client.post(create_url(), form_data()).status_code == 404
    for url in editor_urls(activity):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "day": "2030-01-01"}).status_code == 404, url
    submit = reverse("activities:activity_submit", args=[activity.slug])
    assert client.post(submit).status_code == 404
    activity.refresh_from_db()
    assert activity.status == Status.PUBLISHED and activity.title == "Koffieochtend"


def test_editor_of_another_organisation_cannot_touch_our_activity(world, as_role):
    """The outsider edits for Club Elders; the Klokhuis activity is not theirs."""
    ours = make_activity(organisation=world.organisation)
    client = as_role("outsider")
    response = client.post(
        reverse("activities:activity_edit", args=[ours.slug]), edit_data(ours, title="Weg")
    )
    assert response.status_code == 404
    # Their own organisation's page works, so the 404 is about ours.
    assert client.get(create_url("club-elders")).status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(world, as_role):
    activity = make_activity(organisation=world.organisation)
    client = as_role("anonymous")
    for url in [create_url(), reverse("activities:my_activities"), *editor_urls(activity)]:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response.url


def test_coordinator_may_edit(world, as_role):
    activity = make_activity(organisation=world.organisation)
    client = as_role("coordinator")
    url = reverse("activities:activity_edit", args=[activity.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, edit_data(activity, title="Koffie en thee"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Koffie en thee" and activity.status == Status.PUBLISHED


def test_editor_of_a_co_organiser_may_edit(world, as_role):
    partner = OrganisationFactory(name="Zorgcentrum", networks=[world.network])
    activity = make_activity(organisation=partner)
    url = reverse("activities:activity_edit", args=[activity.slug])
    assert as_role("editor").get(url).status_code == 404
    activity.co_organisers.add(world.organisation)
    assert as_role("editor").get(url).status_code == 200
    response = as_role("editor").post(url, edit_data(activity, description="Samen met ons."))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.description == "Samen met ons." and activity.organisation == partner
    # ...and it shows on their list of activities.
    page = as_role("editor").get(reverse("activities:my_activities"))
    assert "Koffieochtend" in page.content.decode()


# Editing a series -----------------------------------------------------------------------


def past_series(world) -> tuple[Activity, Occurrence]:
    """A weekly series that started three weeks ago, with its first (past) date stored."""
    start = timezone.localdate() - timedelta(weeks=3)
    activity = make_activity(organisation=world.organisation, start_date=start)
    past = Occurrence.objects.create(
        activity=activity,
        original_date=start,
        starts_at=services.local_datetime(start, time(10, 0)),
        ends_at=services.local_datetime(start, time(11, 30)),
    )
    return activity, past


def test_editing_the_schedule_regenerates_future_dates_and_keeps_past_ones(world, as_role):
    activity, past = past_series(world)
    url = reverse("activities:activity_edit", args=[activity.slug])
    response = as_role("editor").post(
        url, edit_data(activity, start_time="14:00", end_time="16:00", frequency="biweekly")
    )
    assert response.status_code == 302, response.context["form"].errors
    past.refresh_from_db()
    assert timezone.localtime(past.starts_at).time() == time(10, 0)
    future = list(activity.occurrences.filter(starts_at__gte=timezone.now()).order_by("starts_at"))
    assert future and all(timezone.localtime(o.starts_at).time() == time(14, 0) for o in future)
    # Every other week, counted from the first date.
    assert all((o.original_date - activity.start_date).days % 14 == 0 for o in future)


def test_moved_and_cancelled_dates_survive_regeneration(world, as_role):
    activity = make_activity(organisation=world.organisation, start_date=next_weekday(0))
    first, second, third = activity.occurrences.order_by("starts_at")[:3]
    client = as_role("editor")
    moved_to = first.original_date + timedelta(days=1)
    response = client.post(
        reverse("activities:occurrence_edit", args=[activity.slug, first.original_date]),
        {"day": moved_to.isoformat(), "start_time": "13:00", "end_time": "14:00"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("activities:occurrence_cancel", args=[activity.slug, second.original_date]),
        {"reason": "De zaal wordt geschilderd"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_detached and timezone.localtime(first.starts_at) == timezone.make_aware(
        datetime.combine(moved_to, time(13, 0))
    )
    assert second.is_cancelled and second.cancel_reason == "De zaal wordt geschilderd"
    third_before = third.starts_at
    third.refresh_from_db()
    assert third.starts_at == third_before and not third.is_detached  # the series is untouched

    # Now the series changes time: the moved and the cancelled date stay as they were.
    client.post(
        reverse("activities:activity_edit", args=[activity.slug]),
        edit_data(activity, start_time="09:30", end_time="11:00"),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert timezone.localtime(first.starts_at).time() == time(13, 0)
    assert second.is_cancelled
    assert timezone.localtime(third.starts_at).time() == time(9, 30)

    # The cancelled date can be taken back.
    client.post(
        reverse("activities:occurrence_cancel", args=[activity.slug, second.original_date]),
        {"restore": "1"},
    )
    second.refresh_from_db()
    assert not second.is_cancelled


def test_a_date_can_get_another_place_and_room(world, as_role):
    hall = PlaceFactory(name="Sporthal", municipality=world.municipality)
    court = RoomFactory(place=hall, name="Veld 1")
    activity = make_activity(organisation=world.organisation)
    occurrence = activity.occurrences.order_by("starts_at").first()
    url = reverse("activities:occurrence_edit", args=[activity.slug, occurrence.original_date])
    client = as_role("editor")
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["start_time"] == time(10, 0)
    response = client.post(
        url,
        {
            "day": occurrence.original_date.isoformat(),
            "start_time": "10:00",
            "end_time": "11:30",
            "place": hall.pk,
            "room": court.pk,
        },
    )
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.effective_place == hall and occurrence.effective_room == court


def test_bad_single_date_changes_are_explained(world, as_role):
    activity, past = past_series(world)
    client = as_role("editor")
    upcoming = activity.occurrences.filter(starts_at__gte=timezone.now()).first()
    url = reverse("activities:occurrence_edit", args=[activity.slug, upcoming.original_date])
    response = client.post(
        url,
        {"day": upcoming.original_date.isoformat(), "start_time": "11:00", "end_time": "10:00"},
    )
    assert response.status_code == 200
    assert "end_time" in response.context["form"].errors
    response = client.post(url, {"day": "2001-01-01", "start_time": "10:00"})
    assert "day" in response.context["form"].errors
    # A past date cannot be cancelled: a message, not an error page.
    response = client.post(
        reverse("activities:occurrence_cancel", args=[activity.slug, past.original_date]),
        {"reason": "Te laat"},
    )
    assert response.status_code == 200
    assert "A date in the past cannot be cancelled." in response.content.decode()
    past.refresh_from_db()
    assert not past.is_cancelled
    # A cancellation needs a reason residents can read.
    response = client.post(
        reverse("activities:occurrence_cancel", args=[activity.slug, upcoming.original_date]),
        {"reason": "  "},
    )
    assert "reason" in response.context["form"].errors
    # A day that is not a date of this activity is a 404.
    missing = client.get(
        reverse("activities:occurrence_edit", args=[activity.slug, date(2001, 1, 2)])
    )
    assert missing.status_code == 404


def test_whole_activity_is_cancelled_with_a_reason_and_stays_listed(world, as_role):
    activity = make_activity(organisation=world.organisation)
    client = as_role("editor")
    url = reverse("activities:activity_cancel", args=[activity.slug])
    assert "reason" in client.post(url, {"reason": ""}).context["form"].errors
    response = client.post(url, {"reason": "De vrijwilligers stoppen"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (
        activity.status == Status.CANCELLED and activity.cancel_reason == "De vrijwilligers stoppen"
    )
    page = client.get(reverse("activities:my_activities")).content.decode()
    assert "Koffieochtend" in page and "De vrijwilligers stoppen" in page


def test_returned_activity_is_resubmitted_from_the_edit_page(
    world, as_role, django_capture_on_commit_callbacks
):
    activity = make_activity(organisation=world.organisation, status=Status.SUBMITTED)
    services.return_activity(activity=activity, comment="Graag een adres erbij.")
    client = as_role("editor")
    url = reverse("activities:activity_edit", args=[activity.slug])
    page = client.get(url).content.decode()
    assert "Graag een adres erbij." in page and "Save and submit again" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, edit_data(activity, location_note="Dorpsstraat 1", action="submit")
        )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == Status.SUBMITTED and activity.location_note == "Dorpsstraat 1"
    assert [m.to for m in mail.outbox] == [["netwerk@example.org"]]


def test_draft_is_submitted_from_my_activities(world, as_role, django_capture_on_commit_callbacks):
    activity = make_activity(organisation=world.organisation, status=Status.DRAFT)
    client = as_role("editor")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activities:activity_submit", args=[activity.slug]))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == Status.SUBMITTED
    assert len(mail.outbox) == 1
    # Submitting again is refused with a message, not an error page.
    response = client.post(reverse("activities:activity_submit", args=[activity.slug]), follow=True)
    assert "Only a draft or returned activity can be submitted." in response.content.decode()


# Overlap -----------------------------------------------------------------------------


def test_overlap_in_a_shared_room_is_warned_before_saving(world, as_role):
    klokhuis = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    hall = RoomFactory(place=klokhuis, name="Grote zaal")
    other = OrganisationFactory(name="Biljartclub", networks=[world.network], phone="0345 222333")
    wednesday = next_weekday(2)
    make_activity(
        organisation=other,
        title="Biljarten",
        start_date=wednesday,
        start_time=time(10, 0),
        end_time=time(12, 0),
        place=klokhuis,
        room=hall,
    )
    client = as_role("editor")
    data = form_data(
        start_date=(wednesday + timedelta(weeks=1)).isoformat(),
        start_time="11:00",
        end_time="12:30",
        place=klokhuis.pk,
        room=hall.pk,
    )
    response = client.post(create_url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The room is in use at the same time" in page
    assert "Biljarten" in page and "Biljartclub" in page
    assert '<a href="tel:0345222333">0345 222333</a>' in page  # whom to call about it
    assert 'name="confirm_overlap"' in page
    assert not Activity.objects.filter(title="Koffieochtend").exists()

    response = client.post(create_url(), {**data, "confirm_overlap": "on"})
    assert response.status_code == 302
    assert Activity.objects.filter(title="Koffieochtend", room=hall).exists()


def test_no_warning_when_the_room_is_free_at_that_time(world, as_role):
    klokhuis = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    hall = RoomFactory(place=klokhuis, name="Grote zaal")
    make_activity(
        organisation=OrganisationFactory(networks=[world.network]),
        title="Biljarten",
        start_date=next_weekday(2),
        start_time=time(10, 0),
        end_time=time(12, 0),
        place=klokhuis,
        room=hall,
    )
    response = as_role("editor").post(
        create_url(),
        form_data(start_time="13:00", end_time="15:00", place=klokhuis.pk, room=hall.pk),
    )
    assert response.status_code == 302


# Lists, query counts and the nightly task ---------------------------------------------


def test_my_activities_shows_status_and_comment(world, as_role):
    make_activity(organisation=world.organisation, title="Bingo", status=Status.DRAFT)
    returned = make_activity(organisation=world.organisation, title="Fietstocht")
    Activity.objects.filter(pk=returned.pk).update(
        status=Status.RETURNED, moderation_comment="Vertrekpunt ontbreekt"
    )
    make_activity(organisation=world.organisation, title="Breien", status=Status.SUBMITTED)
    make_activity(organisation=world.other_organisation, title="Elders iets")
    page = as_role("editor").get(reverse("activities:my_activities")).content.decode()
    assert "Returned: Vertrekpunt ontbreekt" in page
    assert "Waiting for approval by the network." in page
    assert "Bingo" in page and "Breien" in page and "Elders iets" not in page
    assert reverse("activities:activity_create", args=["klokhuis"]) in page
    # What needs attention comes first.
    assert page.index("Fietstocht") < page.index("Bingo") < page.index("Breien")


def _more_activities(world, n: int) -> None:
    place = PlaceFactory(municipality=world.municipality)
    room = RoomFactory(place=place)
    partner = OrganisationFactory(networks=[world.network])
    for i in range(n):
        activity = make_activity(
            organisation=world.organisation, title=f"Activiteit {i}", place=place, room=room
        )
        activity.co_organisers.add(partner)


def test_my_activities_runs_a_constant_number_of_queries(
    world, as_role, django_assert_max_num_queries
):
    client = as_role("editor")
    url = reverse("activities:my_activities")
    _more_activities(world, 2)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    _more_activities(world, 12)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_occurrence_list_runs_a_constant_number_of_queries(
    world, as_role, django_assert_max_num_queries
):
    place = PlaceFactory(municipality=world.municipality)
    room = RoomFactory(place=place)
    small = make_activity(organisation=world.organisation, count=3, place=place, room=room)
    large = make_activity(
        organisation=world.organisation, frequency="daily", place=place, room=room
    )
    first = large.occurrences.order_by("starts_at").first()
    services.change_occurrence(
        occurrence=first,
        day=first.original_date,
        start_time=time(9, 0),
        end_time=None,
        place=PlaceFactory(municipality=world.municipality),
    )
    Registration.objects.create(occurrence=first, name="Truus", status="confirmed")
    client = as_role("editor")
    for activity in (small, large):
        with django_assert_max_num_queries(10):
            response = client.get(reverse("activities:occurrence_list", args=[activity.slug]))
        assert response.status_code == 200
    assert response.context["page"].paginator.count > 300


def test_nightly_task_extends_the_stored_dates(world):
    activity = make_activity(organisation=world.organisation, frequency="weekly")
    horizon = activity.materialised_until
    activity.occurrences.filter(original_date__gt=horizon - timedelta(weeks=10)).delete()
    Activity.objects.filter(pk=activity.pk).update(materialised_until=horizon - timedelta(weeks=10))
    assert tasks.extend_occurrence_horizons.delay().get() == 1
    activity.refresh_from_db()
    assert activity.materialised_until == horizon
    assert activity.occurrences.filter(original_date__gt=horizon - timedelta(weeks=10)).exists()
    schedule = settings.CELERY_BEAT_SCHEDULE["extend-occurrence-horizons"]
    assert schedule["task"] == "activities.tasks.extend_occurrence_horizons"
    assert schedule["schedule"].hour == {2} and schedule["schedule"].minute == {30}


def test_start_page_links_editors_to_their_activities(world, as_role):
    for role in ("editor", "coordinator"):
        page = as_role(role).get(reverse("network:start")).content.decode()
        assert reverse("activities:my_activities") in page


def test_moving_one_date_into_a_busy_room_is_warned_before_saving(world, as_role):
    klokhuis = PlaceFactory(name="Het Klokhuis", municipality=world.municipality)
    hall = RoomFactory(place=klokhuis, name="Grote zaal")
    other = OrganisationFactory(
        name="Biljartclub", networks=[world.network], email="biljart@example.org"
    )
    wednesday = next_weekday(2)
    make_activity(
        organisation=other,
        title="Biljarten",
        frequency="once",
        start_date=wednesday,
        start_time=time(10, 0),
        end_time=time(12, 0),
        place=klokhuis,
        room=hall,
    )
    ours = make_activity(
        organisation=world.organisation, start_date=next_weekday(4), place=klokhuis
    )
    occurrence = ours.occurrences.order_by("starts_at").first()
    url = reverse("activities:occurrence_edit", args=[ours.slug, occurrence.original_date])
    data = {
        "day": wednesday.isoformat(),
        "start_time": "11:00",
        "end_time": "12:00",
        "place": klokhuis.pk,
        "room": hall.pk,
    }
    client = as_role("editor")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Biljarten" in response.content.decode()
    assert "biljart@example.org" in response.content.decode()  # whom to call about it
    assert 'name="confirm_overlap"' in response.content.decode()
    occurrence.refresh_from_db()
    assert not occurrence.is_detached  # nothing saved yet

    response = client.post(url, {**data, "confirm_overlap": "on"})
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.room == hall
    assert timezone.localtime(occurrence.starts_at).date() == wednesday
