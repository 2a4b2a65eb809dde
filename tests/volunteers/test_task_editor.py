"""The task editor: services (create, change, close, reopen, settings), the form with its
schedule (the same as an activity's), junk in every field, and who sees whom on a task."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from activities.models import Frequency
from network.shared import DomainError
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import OrganisationFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers import coordination, shifts
from volunteers.models import Shift, SignUpStatus, Task, VolunteeringSettings


@pytest.fixture(autouse=True)
def _english():
    """Messages compared in English (the services' own language, before translation)."""
    with translation.override("en"):
        yield


@pytest.fixture
def synced(monkeypatch):
    """Calls to shifts.sync_shifts, recorded (the real one runs: it is implemented)."""
    calls = []
    real = shifts.sync_shifts

    def spy(*, task, **kwargs):
        calls.append(task.pk)
        return real(task=task, **kwargs)

    monkeypatch.setattr(shifts, "sync_shifts", spy)
    return calls


def own_dates(**overrides) -> dict:
    data = {
        "title": "Koffie schenken",
        "description": "Koffie en thee, een praatje.",
        "kind": "hospitality",
        "location_note": "In de keuken",
        "volunteers_needed": 2,
        "start_date": timezone.localdate() + timedelta(days=3),
        "start_time": time(9, 30),
        "end_time": time(12, 0),
        "frequency": Frequency.WEEKLY,
        "count": 4,
    }
    return data | overrides


def form_data(**overrides) -> dict:
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "title": "Koffie schenken",
        "description": "Koffie en thee.",
        "kind": "hospitality",
        "place": "",
        "location_note": "",
        "follows": "own",
        "activity": "",
        "start_date": day.isoformat(),
        "start_time": "09:30",
        "end_time": "12:00",
        "frequency": "weekly",
        "monthly_ordinal": "",
        "until": "",
        "count": "4",
        "exception_dates": "",
        "volunteers_needed": "2",
        "required_training": "",
        "minimum_age": "",
        "care_boundary_note": "",
    }
    return data | overrides


# Services --------------------------------------------------------------------------------


def test_create_task_with_own_dates_makes_its_shifts(world, synced):
    task = coordination.create_task(
        organisation=world.organisation, created_by=world.users["editor"], data=own_dates()
    )
    assert synced == [task.pk]
    assert task.created_by == world.users["editor"]
    made = list(task.shifts.order_by("starts_at"))
    assert len(made) == 4
    assert all(shift.places == 2 for shift in made)
    first = timezone.localtime(made[0].starts_at)
    assert (first.hour, first.minute) == (9, 30)
    assert made[0].hours == 2.5


def test_create_task_following_an_activity_forgets_its_own_schedule(world, synced):
    activity = make_activity(organisation=world.organisation, count=3)
    task = coordination.create_task(
        organisation=world.organisation,
        created_by=None,
        data=own_dates(activity=activity, start_time=None, end_time=None),
    )
    task.refresh_from_db()
    assert task.activity == activity
    assert task.start_date is None and task.count is None and task.start_time is None
    assert task.shifts.count() == 3
    assert set(task.shifts.values_list("occurrence__activity", flat=True)) == {activity.pk}
    # At the activity's own times (10:00 to 11:30).
    shift = task.shifts.order_by("starts_at").first()
    assert timezone.localtime(shift.starts_at).time() == time(10, 0)


def test_a_task_following_an_activity_may_have_its_own_times(world, synced):
    activity = make_activity(organisation=world.organisation, count=2)
    task = coordination.create_task(
        organisation=world.organisation,
        created_by=None,
        data=own_dates(activity=activity, start_time=time(9, 0), end_time=time(12, 0)),
    )
    shift = task.shifts.order_by("starts_at").first()
    assert timezone.localtime(shift.starts_at).time() == time(9, 0)
    assert shift.hours == 3
    with pytest.raises(DomainError, match="both a start and an end time"):
        coordination.create_task(
            organisation=world.organisation,
            created_by=None,
            data=own_dates(activity=activity, start_time=time(9, 0), end_time=None),
        )


def test_a_task_cannot_follow_another_organisations_activity(world, synced):
    elsewhere = make_activity(organisation=world.other_organisation)
    with pytest.raises(DomainError, match="activities"):
        coordination.create_task(
            organisation=world.organisation, created_by=None, data=own_dates(activity=elsewhere)
        )
    assert not Task.objects.exists()


def test_a_task_may_follow_an_activity_it_co_organises(world, synced):
    activity = make_activity(organisation=world.other_organisation, count=2)
    activity.co_organisers.add(world.organisation)
    task = coordination.create_task(
        organisation=world.organisation, created_by=None, data=own_dates(activity=activity)
    )
    assert task.shifts.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_date": None}, "first date"),
        ({"start_time": None}, "start and an end time"),
        ({"end_time": time(9, 0)}, "before the start time"),
        ({"volunteers_needed": 0}, "between 1 and"),
        ({"title": "  "}, "title"),
        ({"count": None, "until": timezone.localdate() - timedelta(days=30)}, "last date"),
    ],
)
def test_create_task_refuses_what_cannot_work(world, synced, overrides, message):
    with pytest.raises(DomainError, match=message):
        coordination.create_task(
            organisation=world.organisation, created_by=None, data=own_dates(**overrides)
        )
    assert synced == []


def test_update_task_moves_coming_shifts_and_keeps_places_taken(world, synced):
    task = coordination.create_task(
        organisation=world.organisation, created_by=None, data=own_dates(volunteers_needed=3)
    )
    first = task.shifts.order_by("starts_at").first()
    for _ in range(3):
        SignUpFactory(shift=first)
    coordination.update_task(task=task, data=own_dates(start_time=time(10, 0), volunteers_needed=1))
    first.refresh_from_db()
    assert timezone.localtime(first.starts_at).hour == 10
    # Nobody is taken off the shift: it keeps as many places as are taken.
    assert first.places == 3 and first.confirmed_count == 3
    assert set(task.shifts.exclude(pk=first.pk).values_list("places", flat=True)) == {1}
    assert synced == [task.pk, task.pk]


def test_close_and_reopen_task(world, synced):
    task = coordination.create_task(
        organisation=world.organisation, created_by=None, data=own_dates()
    )
    coordination.close_task(task=task)
    task.refresh_from_db()
    assert not task.is_active
    assert not Shift.objects.filter(task=task).open().exists()
    coordination.reopen_task(task=task)
    task.refresh_from_db()
    assert task.is_active
    assert Shift.objects.filter(task=task).open().count() == 4


def test_save_settings_makes_and_changes_the_row(world):
    organisation = world.organisation
    assert VolunteeringSettings.for_organisation(organisation).pk is None
    coordination.save_settings(
        organisation=organisation,
        data={**VolunteeringSettings.DEFAULTS, "reminder_hours": 48, "contact_phone": "0345 1"},
    )
    saved = VolunteeringSettings.objects.get(organisation=organisation)
    assert saved.reminder_hours == 48
    coordination.save_settings(organisation=organisation, data={"offer_hours": 6})
    saved.refresh_from_db()
    assert (saved.reminder_hours, saved.offer_hours) == (48, 6)
    with pytest.raises(DomainError):
        coordination.save_settings(organisation=organisation, data={"offer_hours": 10_000})


# Pages: the form -------------------------------------------------------------------------


def test_editor_creates_a_task_through_the_form(world, client_for):
    place = PlaceFactory(municipality=world.municipality)
    client = client_for("editor")
    url = reverse("volunteers:task_create", args=[world.organisation.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert place.name in page.content.decode()
    response = client.post(url, form_data(place=str(place.pk), minimum_age="16"))
    task = Task.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("volunteers:task_detail", args=[task.pk])
    assert (task.place, task.minimum_age, task.organisation) == (place, 16, world.organisation)
    assert task.shifts.count() == 4


def test_the_form_offers_the_organisations_activities_only(world, client_for):
    own = make_activity(organisation=world.organisation, title="Eigen bingo")
    make_activity(organisation=world.other_organisation, title="Andermans bingo")
    client = client_for("coordinator")
    url = reverse("volunteers:task_create", args=[world.organisation.slug])
    body = client.get(url).content.decode()
    assert "Eigen bingo" in body and "Andermans bingo" not in body
    response = client.post(url, form_data(follows="activity", activity=str(own.pk), start_date=""))
    assert response.status_code == 302
    assert Task.objects.get().activity == own


def test_editing_a_task_keeps_its_values(world, client_for):
    task = TaskFactory(
        organisation=world.organisation,
        start_time=time(9, 0),
        end_time=time(11, 0),
        title="Tafels dekken",
    )
    client = client_for("editor")
    url = reverse("volunteers:task_edit", args=[task.pk])
    body = client.get(url).content.decode()
    assert "Tafels dekken" in body
    response = client.post(url, form_data(title="Tafels dekken en afruimen", count="1"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Tafels dekken en afruimen"


JUNK = [
    ({"volunteers_needed": "abc"}, "volunteers_needed"),
    ({"volunteers_needed": "0"}, "volunteers_needed"),
    ({"volunteers_needed": "99999999999999999999"}, "volunteers_needed"),
    ({"start_date": "31-02-2026"}, "start_date"),
    ({"start_date": ""}, "start_date"),
    ({"start_time": ""}, "start_time"),
    ({"end_time": "25:99"}, "end_time"),
    ({"end_time": "08:00"}, "end_time"),
    ({"follows": "nonsense"}, "follows"),
    ({"follows": "activity", "activity": ""}, "activity"),
    ({"follows": "activity", "activity": "999999999"}, "activity"),
    ({"follows": "activity", "activity": "1\x00"}, "activity"),
    ({"follows": "activity", "end_time": ""}, "end_time"),
    ({"follows": "activity", "start_time": "12:00", "end_time": "11:00"}, "end_time"),
    ({"place": "abc"}, "place"),
    ({"minimum_age": "3"}, "minimum_age"),
    ({"kind": "<script>"}, "kind"),
    ({"frequency": "hourly"}, "frequency"),
    ({"title": ""}, "title"),
    ({"exception_dates": "gisteren"}, "exception_dates"),
    ({"count": "-1"}, "count"),
]


@pytest.mark.parametrize(("junk", "field"), JUNK)
def test_junk_in_the_task_form_gets_a_message(world, client_for, junk, field):
    client = client_for("editor")
    url = reverse("volunteers:task_create", args=[world.organisation.slug])
    response = client.post(url, form_data(**junk))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert not Task.objects.exists()


def test_another_organisations_activity_is_not_a_choice(world, client_for):
    elsewhere = make_activity(organisation=world.other_organisation)
    client = client_for("editor")
    url = reverse("volunteers:task_create", args=[world.organisation.slug])
    response = client.post(url, form_data(follows="activity", activity=str(elsewhere.pk)))
    assert "activity" in response.context["form"].errors
    assert not Task.objects.exists()


# Pages: settings ---------------------------------------------------------------------------


def test_coordinator_saves_settings(world, client_for):
    client = client_for("coordinator")
    url = reverse("volunteers:settings", args=[world.organisation.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reminder_hours": "48",
            "cancel_deadline_hours": "12",
            "unfilled_alert_days": "5",
            "offer_hours": "6",
            "co_volunteer_names": "hidden",
            "contact_phone": "0345 123 456",
        },
    )
    assert response.status_code == 302
    saved = VolunteeringSettings.objects.get(organisation=world.organisation)
    assert (saved.reminder_hours, saved.co_volunteer_names, saved.contact_phone) == (
        48,
        "hidden",
        "0345 123 456",
    )


@pytest.mark.parametrize(
    ("junk", "field"),
    [
        ({"reminder_hours": "abc"}, "reminder_hours"),
        ({"reminder_hours": "100000"}, "reminder_hours"),
        ({"reminder_hours": "-3"}, "reminder_hours"),
        ({"offer_hours": "0"}, "offer_hours"),
        ({"co_volunteer_names": "everything"}, "co_volunteer_names"),
        ({"contact_phone": "bel mij maar"}, "contact_phone"),
        ({"contact_phone": "0345\x00123"}, "contact_phone"),
    ],
)
def test_junk_in_the_settings_gets_a_message(world, client_for, junk, field):
    client = client_for("coordinator")
    data = {
        "reminder_hours": "24",
        "cancel_deadline_hours": "24",
        "unfilled_alert_days": "3",
        "offer_hours": "12",
        "co_volunteer_names": "first_name",
        "contact_phone": "",
    } | junk
    response = client.post(reverse("volunteers:settings", args=[world.organisation.slug]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not VolunteeringSettings.objects.exists()


# Who sees whom on a task -----------------------------------------------------------------


def test_editors_see_first_names_coordinators_full_names(world, client_for):
    task = TaskFactory(organisation=world.organisation, title="Bus rijden")
    shift = ShiftFactory(task=task)
    anna = UserFactory(name="Anna de Boer", email="anna@example.org")
    SignUpFactory(shift=shift, volunteer=anna)
    SignUpFactory(shift=shift, volunteer=UserFactory(name="", email="geheim@example.org"))
    url = reverse("volunteers:task_detail", args=[task.pk])

    editor_page = client_for("editor").get(url).content.decode()
    assert "Anna" in editor_page
    assert "de Boer" not in editor_page
    assert "anna@example.org" not in editor_page and "geheim" not in editor_page
    assert reverse("volunteers:shift_contacts", args=[shift.pk]) not in editor_page

    coordinator_page = client_for("coordinator").get(url).content.decode()
    assert "Anna de Boer" in coordinator_page
    assert reverse("volunteers:shift_contacts", args=[shift.pk]) in coordinator_page


def test_task_list_shows_how_full_the_next_shifts_are(world, client_for):
    task = TaskFactory(organisation=world.organisation, volunteers_needed=3, title="Soep koken")
    shift = ShiftFactory(task=task)
    SignUpFactory(shift=shift)
    body = (
        client_for("editor")
        .get(reverse("volunteers:task_list", args=[world.organisation.slug]))
        .content.decode()
    )
    assert "Soep koken" in body
    assert "1 of 3" in body or "1 van 3" in body


def test_close_and_reopen_through_the_pages(world, client_for):
    task = TaskFactory(organisation=world.organisation, start_time=time(9), end_time=time(10))
    client = client_for("editor")
    client.post(reverse("volunteers:task_close", args=[task.pk]))
    task.refresh_from_db()
    assert not task.is_active
    client.post(reverse("volunteers:task_reopen", args=[task.pk]))
    task.refresh_from_db()
    assert task.is_active


def test_outsider_cannot_close_a_task(world, client_for):
    task = TaskFactory(organisation=world.organisation)
    response = client_for("outsider").post(reverse("volunteers:task_close", args=[task.pk]))
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.is_active


def _filled(organisation, tasks: int, shifts_each: int, signups_each: int):
    for _ in range(tasks):
        task = TaskFactory(organisation=organisation, volunteers_needed=signups_each + 1)
        for _ in range(shifts_each):
            shift = ShiftFactory(task=task)
            for _ in range(signups_each):
                SignUpFactory(shift=shift, status=SignUpStatus.CONFIRMED)


@pytest.mark.parametrize("role", ["editor", "coordinator"])
def test_task_pages_use_a_constant_number_of_queries(
    world, client_for, django_assert_max_num_queries, role
):
    organisation = world.organisation
    client = client_for(role)
    _filled(organisation, 1, 1, 1)
    task = Task.objects.get()
    urls = [
        reverse("volunteers:task_list", args=[organisation.slug]),
        reverse("volunteers:task_detail", args=[task.pk]),
        reverse("volunteers:task_edit", args=[task.pk]),
    ]
    small = {}
    for url in urls:
        with django_assert_max_num_queries(100) as ctx:
            assert client.get(url).status_code == 200
        small[url] = len(ctx.captured_queries)
    _filled(organisation, 6, 4, 3)
    for _ in range(8):
        # A sign-up on the new shift itself: "the last shift" by date could be a full one.
        SignUpFactory(shift=ShiftFactory(task=task))
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            assert client.get(url).status_code == 200


def test_hours_default_is_the_shift_length(world):
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation))
    signup = SignUpFactory(shift=shift)
    assert coordination.default_hours(signup) == Decimal("2.00")


def test_other_organisation_unrelated(world):
    # A sanity check of the factories the tests above rely on.
    assert OrganisationFactory().pk != world.organisation.pk
