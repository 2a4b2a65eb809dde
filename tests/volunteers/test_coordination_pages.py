"""Editors' and coordinators' pages: every URL against every role (the outsider, who
coordinates another organisation, gets 404 everywhere here), constant queries on small and
larger data, the access log for contact lists and prints, junk in filters and forms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from network import access_log
from network.models import AccessLogEntry
from tests.conftest import ROLE_NAMES
from tests.factories import UserFactory
from tests.volunteers.factories import (
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)
from volunteers import coordination
from volunteers.models import Shift, SignUp, SignUpStatus

ALL = set(ROLE_NAMES) | {"outsider"}
EDITORS = {"editor", "coordinator"}
COORDINATORS = {"coordinator"}


def past_shift(task, *, days_ago: int = 1, hours: int = 2) -> Shift:
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return ShiftFactory(task=task, starts_at=start, ends_at=start + timedelta(hours=hours))


@pytest.fixture
def scene(world):
    """A task of the organisation with a coming shift and a past one, the world's volunteer
    signed up for both."""
    task = TaskFactory(
        organisation=world.organisation, title="Koffie schenken", volunteers_needed=10
    )
    coming = ShiftFactory(task=task)
    past = past_shift(task)
    volunteer = world.users["volunteer"]
    VolunteerProfileFactory(user=volunteer, phone="0345 999 888")
    return {
        "task": task,
        "coming": coming,
        "past": past,
        "coming_signup": SignUpFactory(shift=coming, volunteer=volunteer),
        "past_signup": SignUpFactory(shift=past, volunteer=volunteer),
    }


def get_urls(world, scene) -> dict[str, set[str]]:
    org = world.organisation.slug
    day = timezone.localtime(scene["coming"].starts_at).date()
    year = timezone.localtime(scene["past"].starts_at).year
    volunteer = world.users["volunteer"].pk
    return {
        reverse("volunteers:task_list", args=[org]): EDITORS,
        reverse("volunteers:task_create", args=[org]): EDITORS,
        reverse("volunteers:task_detail", args=[scene["task"].pk]): EDITORS,
        reverse("volunteers:task_edit", args=[scene["task"].pk]): EDITORS,
        reverse("volunteers:settings", args=[org]): COORDINATORS,
        reverse("volunteers:unfilled", args=[org]): COORDINATORS,
        reverse("volunteers:roster", args=[org, day]): COORDINATORS,
        reverse("volunteers:roster_print", args=[org, day]): COORDINATORS,
        reverse("volunteers:shift_contacts", args=[scene["coming"].pk]): COORDINATORS,
        reverse("volunteers:hours", args=[org]): COORDINATORS,
        reverse("volunteers:hours_year", args=[org, year]): COORDINATORS,
        # The volunteer reads their own statement; their coordinators too.
        reverse("volunteers:hours_statement", args=[org, volunteer, year]): COORDINATORS
        | {"volunteer"},
        reverse("volunteers:hours_statement_pdf", args=[org, volunteer, year]): COORDINATORS
        | {"volunteer"},
    }


@pytest.mark.parametrize("role", sorted(ALL))
def test_url_matrix(world, client_for, scene, role):
    client = client_for(role)
    for url, allowed in get_urls(world, scene).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("account_login"))
        elif role in allowed:
            assert response.status_code == 200, (role, url, response.status_code)
        else:
            assert response.status_code == 404, (role, url, response.status_code)


@pytest.mark.parametrize("role", sorted(ALL))
def test_roster_today_and_network_overview(world, client_for, scene, role):
    client = client_for(role)
    today = client.get(reverse("volunteers:roster_today", args=[world.organisation.slug]))
    overview = client.get(reverse("volunteers:unfilled_all"))
    if role == "anonymous":
        assert today.status_code == overview.status_code == 302
    elif role == "coordinator":
        assert today.status_code == 302
        assert today.url == reverse(
            "volunteers:roster", args=[world.organisation.slug, timezone.localdate()]
        )
        assert overview.status_code == 200
    elif role == "outsider":
        # They coordinate elsewhere: their own overview, without this organisation's shifts.
        assert today.status_code == 404
        assert overview.status_code == 200
        assert scene["task"].title not in overview.content.decode()
    else:
        assert today.status_code == overview.status_code == 404


@pytest.mark.parametrize("role", sorted(ALL))
def test_posts_follow_the_same_table(world, client_for, scene, role):
    client = client_for(role)
    signup = scene["past_signup"]
    task = scene["task"]
    posts = [
        (reverse("volunteers:no_show", args=[signup.pk]), COORDINATORS),
        (reverse("volunteers:no_show_undo", args=[signup.pk]), COORDINATORS),
        (reverse("volunteers:task_close", args=[task.pk]), EDITORS),
        (reverse("volunteers:hours", args=[world.organisation.slug]), COORDINATORS),
    ]
    for url, allowed in posts:
        response = client.post(url, {"signup": [str(signup.pk)], f"hours-{signup.pk}": "2"})
        if role == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))
        elif role in allowed:
            assert response.status_code == 302, (role, url)
        else:
            assert response.status_code == 404, (role, url, response.status_code)
    signup.refresh_from_db()
    task.refresh_from_db()
    if role == "coordinator":
        assert signup.hours_approved == Decimal("2.00")
        assert not task.is_active
    elif role == "editor":
        assert signup.hours_approved is None and signup.no_show_recorded_at is None
        assert not task.is_active
    else:
        assert signup.hours_approved is None and signup.no_show_recorded_at is None
        assert task.is_active


def test_no_show_pages_only_take_post(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("volunteers:no_show", args=[scene["past_signup"].pk])
    assert client.get(url).status_code == 405


def test_another_users_id_reveals_nothing(world, client_for, scene):
    org = world.organisation.slug
    year = timezone.localdate().year
    stranger = UserFactory()
    editor = world.users["editor"]
    coordinator = client_for("coordinator")
    for user_id in (stranger.pk, editor.pk, 999_999_999):
        url = reverse("volunteers:hours_statement", args=[org, user_id, year])
        assert coordinator.get(url).status_code == 404
    # The outsider's own volunteer at their organisation is not ours to see, and ours not theirs.
    theirs = UserFactory()
    SignUpFactory(
        shift=past_shift(TaskFactory(organisation=world.other_organisation)), volunteer=theirs
    )
    assert (
        coordinator.get(
            reverse("volunteers:hours_statement", args=[org, theirs.pk, year])
        ).status_code
        == 404
    )
    assert (
        coordinator.get(
            reverse(
                "volunteers:hours_statement",
                args=[world.other_organisation.slug, theirs.pk, year],
            )
        ).status_code
        == 404
    )
    # A volunteer reads their own statement only.
    volunteer = client_for("volunteer")
    other_volunteer = UserFactory()
    SignUpFactory(shift=scene["past"], volunteer=other_volunteer)
    assert (
        volunteer.get(
            reverse("volunteers:hours_statement", args=[org, other_volunteer.pk, year])
        ).status_code
        == 404
    )
    # Out-of-range years and unknown organisations are not found either.
    assert (
        coordinator.get(
            reverse("volunteers:hours_statement", args=[org, world.users["volunteer"].pk, 1])
        ).status_code
        == 404
    )
    assert coordinator.get(reverse("volunteers:hours_year", args=[org, 99999])).status_code == 404
    assert (
        coordinator.get(reverse("volunteers:roster", args=[org, "1800-01-01"])).status_code == 404
    )
    assert coordinator.get(reverse("volunteers:unfilled", args=["bestaat-niet"])).status_code == 404


def test_contact_list_shows_details_and_writes_the_access_log(world, client_for, scene):
    shift = scene["coming"]
    SignUpFactory(
        shift=ShiftFactory(task=scene["task"]),
        volunteer=UserFactory(email="elders@example.org"),
    )
    waiting = UserFactory(email="wachtend@example.org")
    SignUp.objects.create(shift=shift, volunteer=waiting, status=SignUpStatus.WAITING)
    before = AccessLogEntry.objects.count()
    response = client_for("coordinator").get(reverse("volunteers:shift_contacts", args=[shift.pk]))
    body = response.content.decode()
    assert "0345 999 888" in body and world.users["volunteer"].email in body
    assert "elders@example.org" not in body  # another shift
    assert "wachtend@example.org" not in body  # only who is confirmed
    [entry] = access_log.entries_for(shift)
    assert entry.actor_id == world.users["coordinator"].pk
    assert entry.actor_role == "coordinator"
    assert entry.action == "view"
    assert AccessLogEntry.objects.count() == before + 1
    # Refused requests write nothing.
    client_for("editor").get(reverse("volunteers:shift_contacts", args=[shift.pk]))
    assert AccessLogEntry.objects.count() == before + 1


def test_roster_print_is_a_pdf_and_is_logged(world, client_for, scene):
    day = timezone.localtime(scene["coming"].starts_at).date()
    response = client_for("coordinator").get(
        reverse("volunteers:roster_print", args=[world.organisation.slug, day])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    [entry] = access_log.entries_for(world.organisation)
    assert entry.action == "print"


def test_statement_by_a_coordinator_is_logged_by_the_volunteer_not(world, client_for, scene):
    volunteer = world.users["volunteer"]
    year = timezone.localtime(scene["past"].starts_at).year
    url = reverse("volunteers:hours_statement", args=[world.organisation.slug, volunteer.pk, year])
    client_for("volunteer").get(url)
    assert not access_log.entries_for(volunteer).exists()
    client_for("coordinator").get(url)
    assert access_log.entries_for(volunteer).count() == 1


def test_roster_shows_the_day_with_no_show_buttons_for_started_shifts(world, client_for, scene):
    past = scene["past"]
    client = client_for("coordinator")
    day = timezone.localtime(past.starts_at).date()
    url = reverse("volunteers:roster", args=[world.organisation.slug, day])
    body = client.get(url).content.decode()
    no_show_url = reverse("volunteers:no_show", args=[scene["past_signup"].pk])
    assert no_show_url in body
    assert (
        reverse("volunteers:roster", args=[world.organisation.slug, day - timedelta(days=1)])
        in body
    )
    assert (
        reverse("volunteers:roster", args=[world.organisation.slug, day + timedelta(days=1)])
        in body
    )
    response = client.post(no_show_url, {"next": url})
    assert response.status_code == 302 and response.url == url
    body = client.get(url).content.decode()
    assert reverse("volunteers:no_show_undo", args=[scene["past_signup"].pk]) in body
    # The count shows wherever the coordinator sees this volunteer.
    contacts = client.get(reverse("volunteers:shift_contacts", args=[scene["coming"].pk]))
    assert contacts.context["people"][0].no_shows == 1
    # An unsafe "next" is ignored.
    response = client.post(
        reverse("volunteers:no_show_undo", args=[scene["past_signup"].pk]),
        {"next": "https://evil.example/"},
    )
    assert response.url == url


def test_no_show_on_a_coming_shift_gets_a_message(world, client_for, scene):
    client = client_for("coordinator")
    response = client.post(
        reverse("volunteers:no_show", args=[scene["coming_signup"].pk]), follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    scene["coming_signup"].refresh_from_db()
    assert scene["coming_signup"].no_show_recorded_at is None


# Unfilled ----------------------------------------------------------------------------------


def test_unfilled_lists_short_shifts_soonest_first(world, client_for, scene):
    start = timezone.now() + timedelta(days=300)
    later = ShiftFactory(task=scene["task"], starts_at=start, ends_at=start + timedelta(hours=2))
    response = client_for("coordinator").get(
        reverse("volunteers:unfilled", args=[world.organisation.slug]), {"periode": "alles"}
    )
    shifts = list(response.context["page"])
    assert shifts == sorted(shifts, key=lambda shift: shift.starts_at)
    assert shifts[-1] == later and scene["coming"] in shifts
    assert later in shifts
    assert scene["past"] not in shifts
    week = client_for("coordinator").get(
        reverse("volunteers:unfilled", args=[world.organisation.slug]), {"periode": "week"}
    )
    assert later not in list(week.context["page"])


@pytest.mark.parametrize(
    "query",
    [
        {"periode": "nonsense"},
        {"periode": "\x00"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"periode": ["week", "maand"]},
    ],
)
def test_junk_in_the_unfilled_filter(world, client_for, scene, query):
    response = client_for("coordinator").get(
        reverse("volunteers:unfilled", args=[world.organisation.slug]), query
    )
    assert response.status_code == 200
    if "periode" in query and query["periode"] not in (["week", "maand"],):
        assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_network_overview_for_a_coordinator_of_several(world, client_for, scene):
    from network.models import Membership, Role

    coordinator = world.users["coordinator"]
    Membership.objects.create(
        user=coordinator, role=Role.COORDINATOR, organisation=world.other_organisation
    )
    theirs = TaskFactory(organisation=world.other_organisation, title="Elders rijden")
    ShiftFactory(task=theirs)
    client = client_for("coordinator")
    url = reverse("volunteers:unfilled_all")
    body = client.get(url, {"periode": "alles"}).content.decode()
    assert "Koffie schenken" in body and "Elders rijden" in body
    only_here = client.get(url, {"periode": "alles", "netwerk": world.network.slug})
    titles = {shift.task.title for shift in only_here.context["page"]}
    assert titles == {"Koffie schenken"}
    junk = client.get(url, {"netwerk": "bestaat-niet"})
    assert junk.status_code == 200
    assert [m.level_tag for m in junk.context["messages"]] == ["error"]
    # A network of which they coordinate nothing is not a choice.
    from tests.factories import NetworkFactory

    NetworkFactory(slug="ergens-anders")
    assert [
        m.level_tag for m in client.get(url, {"netwerk": "ergens-anders"}).context["messages"]
    ] == ["error"]


# Hours page --------------------------------------------------------------------------------


def test_hours_page_approves_several_at_once(world, client_for, scene):
    second = SignUpFactory(shift=scene["past"])
    third = SignUpFactory(shift=past_shift(scene["task"], days_ago=3, hours=3))
    client = client_for("coordinator")
    url = reverse("volunteers:hours", args=[world.organisation.slug])
    page = client.get(url)
    rows = {signup.pk: signup for signup in page.context["page"]}
    assert rows[third.pk].default_hours == Decimal("3.00")
    response = client.post(
        url,
        {
            "signup": [str(scene["past_signup"].pk), str(second.pk)],
            f"hours-{scene['past_signup'].pk}": "2",
            f"hours-{second.pk}": "1,5",
            f"hours-{third.pk}": "3",
        },
    )
    assert response.status_code == 302
    approved = dict(
        SignUp.objects.filter(hours_approved__isnull=False).values_list("pk", "hours_approved")
    )
    assert approved == {scene["past_signup"].pk: Decimal("2.00"), second.pk: Decimal("1.50")}
    # One button approves one row.
    client.post(url, {"only": str(third.pk), f"hours-{third.pk}": "3", "signup": [str(second.pk)]})
    third.refresh_from_db()
    assert third.hours_approved == Decimal("3.00")
    assert list(client.get(url).context["page"]) == []


@pytest.mark.parametrize("typed", ["abc", "-1", "25", "1e9", "", "\x00", "NaN"])
def test_junk_hours_get_a_message_next_to_the_row(world, client_for, scene, typed):
    signup = scene["past_signup"]
    url = reverse("volunteers:hours", args=[world.organisation.slug])
    response = client_for("coordinator").post(
        url, {"signup": [str(signup.pk)], f"hours-{signup.pk}": typed}
    )
    assert response.status_code == 200
    [row] = list(response.context["page"])
    assert row.error
    assert row.ticked
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    signup.refresh_from_db()
    assert signup.hours_approved is None


def test_nothing_ticked_gets_a_message(world, client_for, scene):
    url = reverse("volunteers:hours", args=[world.organisation.slug])
    response = client_for("coordinator").post(url, {"signup": ["abc"]})
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_hours_of_another_organisation_cannot_be_approved_here(world, client_for, scene):
    theirs = SignUpFactory(shift=past_shift(TaskFactory(organisation=world.other_organisation)))
    url = reverse("volunteers:hours", args=[world.organisation.slug])
    client_for("coordinator").post(url, {"signup": [str(theirs.pk)], f"hours-{theirs.pk}": "2"})
    theirs.refresh_from_db()
    assert theirs.hours_approved is None


def test_statement_page_and_year_overview_show_the_sums(world, client_for, scene):
    coordinator = world.users["coordinator"]
    coordination.approve_hours(
        signup=scene["past_signup"], hours=Decimal("2.5"), approved_by=coordinator
    )
    other = SignUpFactory(shift=scene["past"])
    coordination.approve_hours(signup=other, hours=Decimal("1"), approved_by=coordinator)
    year = timezone.localtime(scene["past"].starts_at).year
    client = client_for("coordinator")
    overview = client.get(reverse("volunteers:hours_year", args=[world.organisation.slug, year]))
    assert overview.context["grand_total"] == Decimal("3.50")
    statement = client.get(
        reverse(
            "volunteers:hours_statement",
            args=[world.organisation.slug, world.users["volunteer"].pk, year],
        )
    )
    assert statement.context["statement"].total == Decimal("2.50")
    pdf = client.get(
        reverse(
            "volunteers:hours_statement_pdf",
            args=[world.organisation.slug, world.users["volunteer"].pk, year],
        )
    )
    assert pdf.content.startswith(b"%PDF")


# Constant queries ----------------------------------------------------------------------------


def _more(world, scene, n: int) -> None:
    """n more tasks with coming and past shifts full of volunteers, some no-shows, some
    approved hours, at the same day as the scene's shifts."""
    coordinator = world.users["coordinator"]
    for _ in range(n):
        task = TaskFactory(organisation=world.organisation, volunteers_needed=8)
        coming = ShiftFactory(
            task=task, starts_at=scene["coming"].starts_at, ends_at=scene["coming"].ends_at
        )
        past = ShiftFactory(
            task=task, starts_at=scene["past"].starts_at, ends_at=scene["past"].ends_at
        )
        for _ in range(3):
            volunteer = UserFactory()
            VolunteerProfileFactory(user=volunteer)
            SignUpFactory(shift=coming, volunteer=volunteer)
            done = SignUpFactory(shift=past, volunteer=volunteer)
            waiting = SignUpFactory(shift=past)
            coordination.approve_hours(signup=done, hours=Decimal("2"), approved_by=coordinator)
            coordination.record_no_show(signup=waiting)
        SignUp.objects.create(shift=coming, volunteer=UserFactory(), status=SignUpStatus.WAITING)


def test_coordinator_pages_use_a_constant_number_of_queries(
    world, client_for, scene, django_assert_max_num_queries
):
    org = world.organisation.slug
    coming_day = timezone.localtime(scene["coming"].starts_at).date()
    past_day = timezone.localtime(scene["past"].starts_at).date()
    year = timezone.localtime(scene["past"].starts_at).year
    volunteer = world.users["volunteer"].pk
    urls = [
        reverse("volunteers:unfilled", args=[org]) + "?periode=alles",
        reverse("volunteers:unfilled_all") + "?periode=alles",
        reverse("volunteers:roster", args=[org, coming_day]),
        reverse("volunteers:roster", args=[org, past_day]),
        reverse("volunteers:shift_contacts", args=[scene["coming"].pk]),
        reverse("volunteers:hours", args=[org]),
        reverse("volunteers:hours_year", args=[org, year]),
        reverse("volunteers:hours_statement", args=[org, volunteer, year]),
        reverse("volunteers:settings", args=[org]),
    ]
    # Small, but every list has a row: an empty page skips its query.
    coordination.approve_hours(
        signup=scene["past_signup"], hours=Decimal("2"), approved_by=world.users["coordinator"]
    )
    SignUpFactory(shift=scene["past"])
    client = client_for("coordinator")
    small = {}
    for url in urls:
        with django_assert_max_num_queries(60) as ctx:
            assert client.get(url).status_code == 200, url
        small[url] = len(ctx.captured_queries)
    _more(world, scene, 6)
    for _ in range(6):
        volunteer = UserFactory()
        VolunteerProfileFactory(user=volunteer)
        SignUpFactory(shift=Shift.objects.get(pk=scene["coming"].pk), volunteer=volunteer)
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            assert client.get(url).status_code == 200, url
