"""The coordinators' pages: every role against every URL (another organisation's
coordinator gets 404, never 403), constant queries on small and larger data, the roll-call
with and without htmx, a double tap, walk-ins, the head count, junk input, the access log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import Absence, Attendance, ConsentHow, Participant, RollCall
from network import access_log
from network.models import AccessLogEntry
from tests.conftest import ROLE_NAMES
from tests.factories import AreaFactory

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance

ALL = set(ROLE_NAMES) | {"outsider"}
COORDINATORS = {"coordinator"}


@pytest.fixture
def scene(world):
    keep_attendance(world.organisation)
    activity = activity_of(world.organisation)
    participant = ParticipantFactory(organisation=world.organisation, name="Truus")
    absence = Absence.objects.create(
        participant=participant,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
    )
    return {
        "activity": activity,
        "today": date_of(activity, days_ago=0),
        "last_week": date_of(activity, days_ago=7),
        "participant": participant,
        "absence": absence,
    }


def page_urls(world, scene) -> list[str]:
    org, pk = world.organisation.slug, scene["participant"].pk
    return [
        reverse("attendance:dates"),
        reverse("attendance:roll_call", args=[scene["today"].pk]),
        reverse("attendance:participant_list", args=[org]),
        reverse("attendance:participant_create", args=[org]),
        reverse("attendance:settings", args=[org]),
        reverse("attendance:participant_detail", args=[org, pk]),
        reverse("attendance:participant_edit", args=[org, pk]),
    ]


def post_urls(world, scene) -> list[tuple[str, dict]]:
    org, pk, occurrence = world.organisation.slug, scene["participant"].pk, scene["today"].pk
    return [
        (reverse("attendance:mark", args=[occurrence]), {"participant": pk, "present": "1"}),
        (reverse("attendance:head_count", args=[occurrence]), {"head_count": "4"}),
        (
            reverse("attendance:walk_in", args=[occurrence]),
            {"name": "Kees", "consent_how": "verbal", "consent_on": timezone.localdate()},
        ),
        (reverse("attendance:participant_follow_up", args=[org, pk]), {"follow_up": "0"}),
        (
            reverse("attendance:absence_add", args=[org, pk]),
            {"starts_on": "2026-03-01", "ends_on": "2026-03-12"},
        ),
        (reverse("attendance:absence_remove", args=[org, pk, scene["absence"].pk]), {}),
        (reverse("attendance:participant_close", args=[org, pk]), {"reason": "moved"}),
    ]


@pytest.mark.parametrize("role", sorted(ALL))
def test_url_matrix(world, client_for, scene, role):
    """Only the organisation's coordinators; network administrators and superusers see no
    participant either (least privilege)."""
    client = client_for(role)
    for url in page_urls(world, scene):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("account_login"))
        elif role in COORDINATORS or (role == "outsider" and url == page_urls(world, scene)[0]):
            # The outsider coordinates elsewhere: their own (empty) list of dates.
            assert response.status_code == 200, (role, url, response.status_code)
        else:
            assert response.status_code == 404, (role, url, response.status_code)


@pytest.mark.parametrize("role", sorted(ALL))
def test_posts_follow_the_same_table(world, client_for, scene, role):
    client = client_for(role)
    for url, data in post_urls(world, scene):
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))
        elif role in COORDINATORS:
            assert response.status_code == 302, (role, url)
        else:
            assert response.status_code == 404, (role, url, response.status_code)
    participant = Participant.objects.get(pk=scene["participant"].pk)
    if role == "coordinator":
        assert Attendance.objects.filter(participant=participant).exists()
        assert RollCall.objects.get(occurrence=scene["today"]).head_count == 4
        assert Participant.objects.filter(name="Kees").exists()
        assert participant.is_closed and not participant.follow_up
        assert not Absence.objects.filter(pk=scene["absence"].pk).exists()
    else:
        assert not Attendance.objects.exists() and not RollCall.objects.exists()
        assert not participant.is_closed and participant.follow_up
        assert Absence.objects.filter(pk=scene["absence"].pk).exists()


def test_another_organisations_participant_and_date_are_not_found(world, client_for):
    """The outsider coordinates Club Elders; Het Klokhuis' ids give 404 on their own slug too."""
    keep_attendance(world.other_organisation)
    keep_attendance(world.organisation)
    theirs = ParticipantFactory(organisation=world.organisation)
    date = date_of(activity_of(world.organisation))
    own_date = date_of(activity_of(world.other_organisation))
    client = client_for("outsider")
    other = world.other_organisation.slug
    assert (
        client.get(reverse("attendance:participant_detail", args=[other, theirs.pk])).status_code
        == 404
    )
    assert client.get(reverse("attendance:roll_call", args=[date.pk])).status_code == 404
    # Marking someone of another organisation at one's own date: not found either.
    response = client.post(
        reverse("attendance:mark", args=[own_date.pk]), {"participant": theirs.pk, "present": "1"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_shared_participants_show_to_coordinators_of_the_same_network(world, client_for):
    """Sharing is an explicit choice: only then may a partner organisation's coordinator see
    and mark them; changing stays with the registering organisation."""
    from network.models import Role
    from tests.factories import MembershipFactory, OrganisationFactory

    partner = OrganisationFactory(municipality=world.municipality, networks=[world.network])
    keep_attendance(partner)
    MembershipFactory(user=world.users["coordinator"], role=Role.COORDINATOR, organisation=partner)
    # A coordinator of the partner alone.
    from tests.factories import UserFactory

    other = MembershipFactory(user=UserFactory(), role=Role.COORDINATOR, organisation=partner).user
    participant = ParticipantFactory(organisation=world.organisation)
    url = reverse("attendance:participant_detail", args=[world.organisation.slug, participant.pk])
    client = client_for("anonymous")
    client.force_login(other)
    assert client.get(url).status_code == 404
    participant.shared_with_network = True
    participant.save()
    assert client.get(url).status_code == 200
    edit = reverse("attendance:participant_edit", args=[world.organisation.slug, participant.pk])
    assert client.get(edit).status_code == 404
    date = date_of(activity_of(partner))
    response = client.post(
        reverse("attendance:mark", args=[date.pk]), {"participant": participant.pk, "present": "1"}
    )
    assert response.status_code == 302
    assert Attendance.objects.get().organisation_id == partner.pk
    # Not shared into a network the organisation is not in.
    outsider = client_for("outsider")
    assert outsider.get(url).status_code == 404


def _regulars(world, scene, n: int) -> list[Participant]:
    """n participants who came to the activity last week, plus a search hit."""
    people = [ParticipantFactory(organisation=world.organisation) for _ in range(n)]
    Attendance.objects.bulk_create(
        Attendance(
            participant=p,
            occurrence=scene["last_week"],
            organisation=world.organisation,
            activity=scene["activity"],
            day=timezone.localdate() - timedelta(days=7),
        )
        for p in people
    )
    return people


@pytest.mark.parametrize("n", [2, 40])
def test_roll_call_runs_a_constant_number_of_queries(
    world, client_for, scene, n, django_assert_max_num_queries
):
    people = _regulars(world, scene, n)
    client = client_for("coordinator")
    url = reverse("attendance:roll_call", args=[scene["today"].pk])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"q": "Truus"})
    page = response.content.decode()
    assert page.count('class="roll-call__row"') == n + 1  # the regulars, and Truus found
    assert people[0].name in page


@pytest.mark.parametrize("n", [2, 40])
def test_lists_and_detail_run_a_constant_number_of_queries(
    world, client_for, scene, n, django_assert_max_num_queries
):
    people = _regulars(world, scene, n)
    client = client_for("coordinator")
    org = world.organisation.slug
    with django_assert_max_num_queries(10):
        assert client.get(reverse("attendance:participant_list", args=[org])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("attendance:dates")).status_code == 200
    with django_assert_max_num_queries(12):
        detail = reverse("attendance:participant_detail", args=[org, people[0].pk])
        assert client.get(detail).status_code == 200


def test_the_regulars_come_first_most_frequent_first(world, client_for, scene):
    often, once = _regulars(world, scene, 2)
    extra = date_of(scene["activity"], days_ago=14)
    Attendance.objects.create(
        participant=often,
        occurrence=extra,
        organisation=world.organisation,
        activity=scene["activity"],
        day=timezone.localdate() - timedelta(days=14),
    )
    page = (
        client_for("coordinator")
        .get(reverse("attendance:roll_call", args=[scene["today"].pk]))
        .content.decode()
    )
    assert page.index(often.name) < page.index(once.name)
    assert "Truus" not in page  # never came: found by the search, not listed


def test_marking_without_javascript_redirects_back_to_the_row(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("attendance:mark", args=[scene["today"].pk])
    pk = scene["participant"].pk
    response = client.post(url, {"participant": pk, "present": "1"})
    assert response.status_code == 302
    assert response.url.endswith(f"#p-{pk}")
    page = client.get(response.url, {"q": "Truus"}).content.decode()
    assert 'aria-pressed="true"' in page


def test_marking_with_htmx_returns_the_row_and_a_double_tap_makes_one_row(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("attendance:mark", args=[scene["today"].pk])
    pk = scene["participant"].pk
    for _ in range(2):
        response = client.post(url, {"participant": pk, "present": "1"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li id="p-{pk}"')
    assert 'aria-pressed="true"' in body and 'name="present" value="0"' in body
    assert 'id="present-count" hx-swap-oob="true"' in body
    assert "<html" not in body
    assert Attendance.objects.filter(participant_id=pk).count() == 1
    response = client.post(url, {"participant": pk, "present": "0"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Attendance.objects.exists()
    assert RollCall.objects.filter(occurrence=scene["today"]).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"participant": "abc", "present": "1"},
        {"participant": "1" * 30, "present": "1"},
        {"participant": "\x00", "present": "1"},
        {"present": "1"},
        {"participant": "1", "present": "maybe"},
    ],
)
def test_junk_marks_give_a_message(world, client_for, scene, data):
    client = client_for("coordinator")
    url = reverse("attendance:mark", args=[scene["today"].pk])
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "reload" in response.content.decode() or "opnieuw" in response.content.decode()
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 422
    assert not Attendance.objects.exists()


def test_a_date_to_come_cannot_be_taken_yet(world, client_for, scene):
    coming = date_of(scene["activity"], days_ago=-2)
    client = client_for("coordinator")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("attendance:roll_call", args=[coming.pk])).content.decode()
    assert "from the day of the date itself" in page
    response = client.post(
        reverse("attendance:mark", args=[coming.pk]),
        {"participant": scene["participant"].pk, "present": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert not RollCall.objects.exists()


def test_head_count_and_junk(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("attendance:head_count", args=[scene["today"].pk])
    client.post(url, {"head_count": "6"})
    assert RollCall.objects.get().head_count == 6
    for junk in ("-1", "abc", "100000", "\x00", ""):
        response = client.post(url, {"head_count": junk}, follow=True)
        assert response.status_code == 200
        assert 'class="message message--error"' in response.content.decode()
    assert RollCall.objects.get().head_count == 6


def test_walk_in_finds_the_same_name_first(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("attendance:walk_in", args=[scene["today"].pk])
    data = {"name": "truus", "consent_how": ConsentHow.VERBAL, "consent_on": timezone.localdate()}
    response = client.post(url, data)
    assert response.status_code == 302 and "q=truus" in response.url
    assert Participant.objects.count() == 1
    response = client.post(url, {**data, "someone_else": "on"})
    assert response.status_code == 302
    new = Participant.objects.get(name="truus")
    assert Attendance.objects.filter(participant=new, occurrence=scene["today"]).exists()


def test_walk_in_needs_consent(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("attendance:walk_in", args=[scene["today"].pk])
    response = client.post(url, {"name": "Kees"}, follow=True)
    assert response.status_code == 200
    assert 'class="message message--error"' in response.content.decode()
    assert not Participant.objects.filter(name="Kees").exists()


def test_the_participant_page_writes_the_access_log(world, client_for, scene):
    participant = scene["participant"]
    url = reverse("attendance:participant_detail", args=[world.organisation.slug, participant.pk])
    before = AccessLogEntry.objects.count()
    assert client_for("coordinator").get(url).status_code == 200
    [entry] = access_log.entries_for(participant)
    assert entry.actor_id == world.users["coordinator"].pk
    assert entry.action == "view" and entry.actor_role == "coordinator"
    assert "Truus" not in entry.description
    assert AccessLogEntry.objects.count() == before + 1
    # Refused views leave no entry.
    client_for("volunteer").get(url)
    assert AccessLogEntry.objects.count() == before + 1


def test_creating_and_editing_a_participant(world, client_for, scene):
    area = AreaFactory(municipality=world.municipality)
    client = client_for("coordinator")
    org = world.organisation.slug
    data = {
        "name": "Bep",
        "phone": "06 12345678",
        "area": area.pk,
        "consent_how": ConsentHow.WRITTEN,
        "consent_on": timezone.localdate().isoformat(),
    }
    response = client.post(reverse("attendance:participant_create", args=[org]), data)
    assert response.status_code == 302
    bep = Participant.objects.get(name="Bep")
    assert bep.consent_recorded_by == world.users["coordinator"] and bep.area == area
    edit = reverse("attendance:participant_edit", args=[org, bep.pk])
    client.post(edit, {**data, "name": "Bep de Vries"})
    bep.refresh_from_db()
    assert bep.name == "Bep de Vries"
    # Junk: an area elsewhere, a date to come, no name.
    elsewhere = AreaFactory()
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    for junk in ({"area": elsewhere.pk}, {"consent_on": future}, {"name": ""}, {"area": "x"}):
        response = client.post(edit, {**data, **junk})
        assert response.status_code == 200
        assert 'class="form-errors"' in response.content.decode()


def test_settings_switch_attendance_on(world, client_for):
    client = client_for("coordinator")
    org = world.organisation.slug
    response = client.get(reverse("attendance:participant_create", args=[org]))
    assert response.status_code == 302
    client.post(reverse("attendance:settings", args=[org]), {"keeps_attendance": "on"})
    assert client.get(reverse("attendance:participant_create", args=[org])).status_code == 200
