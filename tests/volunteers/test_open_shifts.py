"""The open-shifts page, one shift, and the buttons on them (sign up, cancel, stand-in,
take over, accept or decline a place): who may see what (every role), filters, junk,
constant queries, and that other volunteers show by first name only or not at all."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from network import services as network_services
from network.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.volunteers.factories import (
    CertificateFactory,
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)
from volunteers import signups
from volunteers.models import (
    CertificateKind,
    NameVisibility,
    SignUp,
    SignUpStatus,
    TaskKind,
    VolunteeringSettings,
)

OPEN = reverse("volunteers:open_shifts")
ROLES = [
    "anonymous",
    "resident",
    "volunteer",
    "editor",
    "coordinator",
    "wijkteam",
    "municipality",
    "network_admin",
    "superuser",
    "outsider",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Signed in as the role, reading the pages in English (logging in clears cookies)."""

    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def detail(shift):
    return reverse("volunteers:shift_detail", kwargs={"shift": shift.pk})


def other_volunteer(world, name="Marieke van Dijk", email=None):
    user = UserFactory(name=name, **({"email": email} if email else {}))
    MembershipFactory(user=user, role=Role.VOLUNTEER, organisation=world.organisation)
    return user


@pytest.fixture
def shift(world):
    return ShiftFactory(
        task=TaskFactory(
            organisation=world.organisation,
            title="Koffie schenken",
            care_boundary_note="Geen hulp bij medicijnen.",
            volunteers_needed=2,
        )
    )


def text(response) -> str:
    return response.content.decode()


def titles(response) -> list[str]:
    return [item.shift.task.title for item in response.context["items"]]


# Who may see and do what --------------------------------------------------------------------


def expect(response, status, role):
    if role == "anonymous":
        assert response.status_code == 302, role
        assert response.url.startswith(reverse("account_login")), role
    else:
        assert response.status_code == status, (role, response.status_code)


@pytest.fixture
def matrix(world, shift):
    """The volunteer's own sign-up, and another volunteer's that wants a stand-in."""
    own = SignUpFactory(shift=shift, volunteer=world.users["volunteer"])
    wanting = ShiftFactory(task=shift.task)
    other = SignUpFactory(shift=wanting, volunteer=other_volunteer(world))
    signups.ask_stand_in(signup=other)
    foreign = ShiftFactory(task=TaskFactory(organisation=world.other_organisation))
    return {"own": own, "other": other, "foreign": foreign}


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client_for, world, shift, matrix, role):
    client = client_for(role)
    volunteer = role in ("volunteer", "outsider")  # the outsider volunteers elsewhere
    expect(client.get(OPEN), 200 if volunteer else 404, role)
    viewers = ("volunteer", "editor", "coordinator", "superuser")
    expect(client.get(detail(shift)), 200 if role in viewers else 404, role)
    # Another organisation's shift: only its own people (the outsider) and the superuser.
    expect(
        client.get(detail(matrix["foreign"])),
        200 if role in ("outsider", "superuser") else 404,
        role,
    )


@pytest.mark.parametrize("role", ROLES)
def test_buttons_by_role(client_for, world, shift, matrix, role):
    """Only the volunteer acts on their own sign-up; anyone else's id is a 404, whatever
    their role (also coordinators and the superuser)."""
    client = client_for(role)
    own = matrix["own"].pk
    own_only = [
        ("get", reverse("volunteers:signup_cancel", kwargs={"signup": own})),
        ("post", reverse("volunteers:signup_stand_in", kwargs={"signup": own})),
        ("post", reverse("volunteers:offer_accept", kwargs={"signup": own})),
        ("post", reverse("volunteers:offer_decline", kwargs={"signup": own})),
        ("post", reverse("volunteers:signup_cancel", kwargs={"signup": own})),
    ]
    for method, url in own_only:
        response = getattr(client, method)(url)
        expect(response, (200 if method == "get" else 302) if role == "volunteer" else 404, role)
    take_over = reverse("volunteers:signup_take_over", kwargs={"signup": matrix["other"].pk})
    expect(client.post(take_over), 302 if role == "volunteer" else 404, role)
    sign_up = reverse("volunteers:shift_sign_up", kwargs={"shift": matrix["foreign"].pk})
    expect(client.post(sign_up), 302 if role == "outsider" else 404, role)


def test_get_is_refused_on_buttons(client_for, matrix, shift):
    client = client_for("volunteer")
    url = reverse("volunteers:shift_sign_up", kwargs={"shift": shift.pk})
    assert client.get(url).status_code == 405
    assert not SignUp.objects.filter(shift=shift).exclude(pk=matrix["own"].pk).exists()


def test_unknown_ids_are_404(client_for):
    client = client_for("volunteer")
    assert (
        client.get(reverse("volunteers:shift_detail", kwargs={"shift": 999999})).status_code == 404
    )
    url = reverse("volunteers:signup_take_over", kwargs={"signup": 999999})
    assert client.post(url).status_code == 404


# The open shifts ---------------------------------------------------------------------------


def test_open_shifts_lists_my_organisations_upcoming_open_shifts(client_for, world, shift):
    ShiftFactory(task=TaskFactory(organisation=world.other_organisation, title="Elders"))
    cancelled = ShiftFactory(task=TaskFactory(organisation=world.organisation, title="Afgelast"))
    cancelled.is_cancelled = True
    cancelled.save()
    closed = TaskFactory(organisation=world.organisation, title="Gesloten", is_active=False)
    ShiftFactory(task=closed)
    start = timezone.now() - timedelta(hours=1)
    ShiftFactory(
        task=TaskFactory(organisation=world.organisation, title="Begonnen"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    response = client_for("volunteer").get(OPEN)
    assert titles(response) == ["Koffie schenken"]
    html = text(response)
    assert "2 places left" in html
    assert (
        'action="{}"'.format(reverse("volunteers:shift_sign_up", kwargs={"shift": shift.pk}))
        in html
    )


def test_one_click_sign_up_from_the_list_without_javascript(client_for, world, shift):
    client = client_for("volunteer")
    response = client.post(
        reverse("volunteers:shift_sign_up", kwargs={"shift": shift.pk}), follow=True
    )
    assert "You are signed up" in text(response)
    assert SignUp.objects.get(shift=shift).status == SignUpStatus.CONFIRMED
    assert "You are signed up" in text(client.get(OPEN))


def test_full_shift_offers_the_waiting_list(client_for, world):
    full = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=1))
    SignUpFactory(shift=full, volunteer=other_volunteer(world))
    client = client_for("volunteer")
    assert "Join the waiting list" in text(client.get(OPEN))
    response = client.post(
        reverse("volunteers:shift_sign_up", kwargs={"shift": full.pk}), follow=True
    )
    assert "you are on the waiting list" in text(response)
    assert "number 1" in text(response)


def test_filters(client_for, world):
    volunteer = world.users["volunteer"]
    monday_morning = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    monday_morning += timedelta(days=(7 - monday_morning.weekday()) % 7 or 7)

    def make(title, start, **task):
        return ShiftFactory(
            task=TaskFactory(organisation=world.organisation, title=title, **task),
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )

    make("Maandagochtend", monday_morning, kind=TaskKind.HOSPITALITY)
    make("Maandagavond", monday_morning.replace(hour=19), kind=TaskKind.DRIVING)
    make("Dinsdagochtend VOG", monday_morning + timedelta(days=1), requires_vog=True)
    full = make("Vol", monday_morning + timedelta(days=2), volunteers_needed=1)
    SignUpFactory(shift=full, volunteer=other_volunteer(world))
    VolunteerProfileFactory(user=volunteer, availability=[[0, "morning"], [1, "morning"]])
    client = client_for("volunteer")
    every = ["Maandagochtend", "Maandagavond", "Dinsdagochtend VOG", "Vol"]
    assert titles(client.get(OPEN)) == every
    assert titles(client.get(OPEN, {"kind": "driving"})) == ["Maandagavond"]
    assert titles(client.get(OPEN, {"fits": "on"})) == ["Maandagochtend", "Dinsdagochtend VOG"]
    assert titles(client.get(OPEN, {"meets": "on"})) == ["Maandagochtend", "Maandagavond", "Vol"]
    assert "Vol" not in titles(client.get(OPEN, {"free": "on"}))
    day = (monday_morning + timedelta(days=1)).date()
    assert titles(client.get(OPEN, {"start": day, "end": day})) == ["Dinsdagochtend VOG"]
    assert titles(client.get(OPEN, {"organisation": world.organisation.slug})) == every
    CertificateFactory(user=volunteer, kind=CertificateKind.VOG)
    assert "Dinsdagochtend VOG" in titles(client.get(OPEN, {"meets": "on"}))


def test_the_kept_filter_form_follows_my_organisations(client_for, world, shift):
    """The rendered filter fields are kept in the cache: a renamed organisation, or one I
    have just started helping, shows at once; the chosen values stay per address."""
    client = client_for("volunteer")
    assert world.organisation.name in text(client.get(OPEN))
    network_services.update_organisation(
        organisation=world.organisation, data={"name": "Buurthuis Het Nieuwe Klokhuis"}
    )
    assert "Buurthuis Het Nieuwe Klokhuis" in text(client.get(OPEN))
    MembershipFactory(
        user=world.users["volunteer"], role=Role.VOLUNTEER, organisation=world.other_organisation
    )
    assert world.other_organisation.name in text(client_for("volunteer").get(OPEN))
    chosen = client.get(OPEN, {"kind": "driving"}).content.decode()
    assert '<option value="driving" selected>' in chosen
    assert '<option value="driving" selected>' not in client.get(OPEN).content.decode()


def test_fits_without_availability_says_so(client_for, shift):
    response = client_for("volunteer").get(OPEN, {"fits": "on"})
    assert titles(response) == ["Koffie schenken"]
    assert "not told us yet when you are usually free" in text(response)


JUNK = [
    {"organisation": "club-elders"},  # not one of mine: not a choice
    {"organisation": "\x00"},
    {"start": "gisteren", "end": "31-31-2020"},
    {"start": "9999-01-01"},
    {"kind": "everything"},
    {"fits": "\x00" * 3, "meets": "x" * 5000},
    {"page": "-1"},
    {"page": "999999"},
    {"organisation": ["a", "b"], "kind": "x" * 10000},
]


@pytest.mark.parametrize("params", JUNK)
def test_junk_in_filters_gives_a_message_not_an_error(client_for, shift, params):
    response = client_for("volunteer").get(OPEN, params)
    assert response.status_code == 200
    if any(key != "page" for key in params) and (
        "organisation" in params or "start" in params or "kind" in params
    ):
        assert "were not recognised" in text(response)
    assert titles(response) == ["Koffie schenken"]


def test_other_organisations_shifts_cannot_be_chosen(client_for, world, shift):
    ShiftFactory(task=TaskFactory(organisation=world.other_organisation, title="Elders"))
    response = client_for("volunteer").get(OPEN, {"organisation": world.other_organisation.slug})
    assert "Elders" not in titles(response)


def test_open_shifts_constant_queries(client_for, world, django_assert_max_num_queries):
    volunteer = world.users["volunteer"]
    every_morning = [[day, "morning"] for day in range(7)]
    VolunteerProfileFactory(user=volunteer, availability=every_morning)
    CertificateFactory(user=volunteer)
    client = client_for("volunteer")
    tasks = [
        TaskFactory(organisation=world.organisation, requires_vog=n % 2 == 0) for n in range(3)
    ]

    def grow(n):
        for i in range(n):
            shift = ShiftFactory(task=tasks[i % 3])
            if i % 4 == 0:
                SignUpFactory(shift=shift, volunteer=volunteer)
            if i % 5 == 0:
                other = SignUpFactory(shift=shift, volunteer=other_volunteer(world, email=None))
                signups.ask_stand_in(signup=other)

    grow(2)
    params = {"fits": "on", "meets": "on", "free": "on"}
    small = {}
    for name, query in (("all", {}), ("filtered", params)):
        client.get(OPEN, query)
        with django_assert_max_num_queries(14) as counted:
            response = client.get(OPEN, query)
        assert response.context["items"], name  # the page lists shifts: nothing skipped
        small[name] = len(counted.captured_queries)
    grow(28)
    for name, query in (("all", {}), ("filtered", params)):
        with django_assert_max_num_queries(small[name]):
            response = client.get(OPEN, query)
        assert response.context["items"], name
    assert len(client.get(OPEN).context["items"]) == 20


# One shift ----------------------------------------------------------------------------------


def test_shift_detail_shows_what_where_when_and_the_care_boundary(client_for, world, shift):
    html = text(client_for("volunteer").get(detail(shift)))
    assert "Koffie schenken" in html
    assert "Geen hulp bij medicijnen." in html
    assert "Where volunteering ends" in html
    assert "2 places left" in html
    assert "Nobody else has signed up yet." in html


def test_co_volunteers_by_first_name_only_never_contact_details(client_for, world, shift):
    other = other_volunteer(world, name="Marieke van Dijk", email="marieke@example.org")
    VolunteerProfileFactory(user=other, phone="0612345678")
    SignUpFactory(shift=shift, volunteer=other)
    for role in ("volunteer", "coordinator", "editor"):
        html = text(client_for(role).get(detail(shift)))
        assert "Marieke" in html
        for secret in ("van Dijk", "marieke@example.org", "0612345678"):
            assert secret not in html, role


def test_co_volunteers_hidden_when_the_organisation_says_so(client_for, world, shift):
    VolunteeringSettings.objects.create(
        organisation=world.organisation, co_volunteer_names=NameVisibility.HIDDEN
    )
    SignUpFactory(shift=shift, volunteer=other_volunteer(world, name="Marieke van Dijk"))
    html = text(client_for("volunteer").get(detail(shift)))
    assert "Marieke" not in html
    assert "1 other volunteer has signed up." in html


def test_a_volunteer_without_a_name_is_never_shown_by_e_mail_address(client_for, world, shift):
    SignUpFactory(
        shift=shift, volunteer=other_volunteer(world, name="", email="geheim@example.org")
    )
    html = text(client_for("volunteer").get(detail(shift)))
    assert "geheim" not in html and "a volunteer" in html


def test_requirements_not_met_are_explained_and_no_button(client_for, world):
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, requires_vog=True))
    client = client_for("volunteer")
    html = text(client.get(detail(shift)))
    assert "certificate of conduct (VOG) that is still valid" in html
    assert reverse("volunteers:shift_sign_up", kwargs={"shift": shift.pk}) not in html
    response = client.post(
        reverse("volunteers:shift_sign_up", kwargs={"shift": shift.pk}), follow=True
    )
    assert "certificate of conduct" in text(response)
    assert not SignUp.objects.exists()


def test_overlap_warning_before_and_after_signing_up(client_for, world, shift):
    volunteer = world.users["volunteer"]
    other = ShiftFactory(
        task=TaskFactory(organisation=world.organisation, title="Bus rijden"),
        starts_at=shift.starts_at + timedelta(minutes=30),
        ends_at=shift.ends_at + timedelta(minutes=30),
    )
    SignUpFactory(shift=other, volunteer=volunteer)
    client = client_for("volunteer")
    assert "at the same time you also have" in text(client.get(detail(shift)))
    assert "another shift at the same time" in text(client.get(OPEN))
    response = client.post(
        reverse("volunteers:shift_sign_up", kwargs={"shift": shift.pk}), follow=True
    )
    assert "You are signed up" in text(response)
    assert "at the same time you also have Bus rijden" in text(response)


def test_cancel_asks_first_then_cancels(client_for, world, shift):
    signup = SignUpFactory(shift=shift, volunteer=world.users["volunteer"])
    client = client_for("volunteer")
    url = reverse("volunteers:signup_cancel", kwargs={"signup": signup.pk})
    assert "Yes, cancel my place" in text(client.get(url))
    assert SignUp.objects.get(pk=signup.pk).status == SignUpStatus.CONFIRMED
    response = client.post(url, follow=True)
    assert "no longer signed up" in text(response)
    assert SignUp.objects.get(pk=signup.pk).status == SignUpStatus.CANCELLED
    again = client.post(url, follow=True)
    assert "already cancelled" in text(again)


def test_too_late_to_cancel_shows_the_phone_and_the_stand_in_button(client_for, world):
    VolunteeringSettings.objects.create(
        organisation=world.organisation, cancel_deadline_hours=72, contact_phone="0345 111 000"
    )
    start = timezone.now() + timedelta(days=2)
    shift = ShiftFactory(
        task=TaskFactory(organisation=world.organisation),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    signup = SignUpFactory(shift=shift, volunteer=world.users["volunteer"])
    client = client_for("volunteer")
    url = reverse("volunteers:signup_cancel", kwargs={"signup": signup.pk})
    html = text(client.get(url))
    assert "too late to cancel" in html and "0345 111 000" in html
    assert "Ask for a stand-in" in html
    response = client.post(url, follow=True)
    assert "0345 111 000" in text(response)
    assert SignUp.objects.get(pk=signup.pk).status == SignUpStatus.CONFIRMED


def test_stand_in_asked_shown_and_taken_over_in_one_click(client_for, world, shift):
    original = other_volunteer(world, name="Anna Jansen")
    signup = SignUpFactory(shift=shift, volunteer=original)
    signups.ask_stand_in(signup=signup)
    client = client_for("volunteer")
    html = text(client.get(detail(shift)))
    assert "A stand-in is wanted" in html
    assert "A stand-in is wanted" in text(client.get(OPEN))
    url = reverse("volunteers:signup_take_over", kwargs={"signup": signup.pk})
    assert url in html
    response = client.post(url, follow=True)
    assert "You have taken over this shift" in text(response)
    assert SignUp.objects.get(shift=shift, status="confirmed").volunteer == world.users["volunteer"]
    # Twice: someone was quicker (here: oneself), a message, not an error.
    assert "someone was quicker" in text(client.post(url, follow=True))


def test_asking_for_a_stand_in_and_taking_it_back(client_for, world, shift):
    signup = SignUpFactory(shift=shift, volunteer=world.users["volunteer"])
    client = client_for("volunteer")
    url = reverse("volunteers:signup_stand_in", kwargs={"signup": signup.pk})
    response = client.post(url, follow=True)
    assert "now offered to the other volunteers" in text(response)
    assert "I can come after all" in text(response)
    response = client.post(url, {"withdraw": "1"}, follow=True)
    assert "Good to hear" in text(response)
    assert SignUp.objects.get(pk=signup.pk).stand_in_wanted_at is None


def test_accept_and_decline_an_offered_place(client_for, world):
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=1))
    first = signups.sign_up(shift=shift, volunteer=other_volunteer(world))
    mine = signups.sign_up(shift=shift, volunteer=world.users["volunteer"])
    signups.cancel_signup(signup=first)
    client = client_for("volunteer")
    html = text(client.get(detail(shift)))
    assert "A place has become free for you" in html
    response = client.post(
        reverse("volunteers:offer_accept", kwargs={"signup": mine.pk}), follow=True
    )
    assert "The place is yours" in text(response)
    assert SignUp.objects.get(pk=mine.pk).status == SignUpStatus.CONFIRMED
    response = client.post(
        reverse("volunteers:offer_decline", kwargs={"signup": mine.pk}), follow=True
    )
    assert "No place is offered to you" in text(response)


def test_shift_detail_constant_queries(client_for, world, shift, django_assert_max_num_queries):
    client = client_for("volunteer")
    SignUpFactory(shift=shift, volunteer=world.users["volunteer"])
    client.get(detail(shift))
    with django_assert_max_num_queries(14) as small:
        assert client.get(detail(shift)).status_code == 200
    shift.places = 40
    shift.save()
    for n in range(30):
        signup = SignUpFactory(
            shift=shift, volunteer=other_volunteer(world, name=f"Vrijwilliger {n}")
        )
        if n % 3 == 0:
            signups.ask_stand_in(signup=signup)
        ShiftFactory(
            task=shift.task,
            starts_at=shift.starts_at + timedelta(days=n + 1),
            ends_at=shift.ends_at + timedelta(days=n + 1),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(detail(shift)).status_code == 200


# The start page ------------------------------------------------------------------------------


def test_the_start_page_leads_to_open_shifts_and_my_shifts_in_one_tap(client_for):
    html = text(client_for("volunteer").get(reverse("network:start")))
    assert f'href="{OPEN}"' in html
    assert 'href="{}"'.format(reverse("volunteers:my_shifts")) in html


# Lists hold exactly what the helpers allow ---------------------------------------------------


def test_open_shifts_q_agrees_with_can_sign_up_for_every_role(world, matrix, shift):
    from volunteers.models import Shift
    from volunteers.permissions import can_sign_up, open_shifts_q

    for role in ROLES[1:]:
        user = world.users[role]
        listed = set(Shift.objects.filter(open_shifts_q(user)).values_list("pk", flat=True))
        allowed = {
            s.pk for s in Shift.objects.select_related("task__organisation") if can_sign_up(user, s)
        }
        assert listed == allowed, role


def test_junk_posted_to_the_buttons_is_harmless(client_for, world, shift):
    signup = SignUpFactory(shift=shift, volunteer=world.users["volunteer"])
    client = client_for("volunteer")
    junk = {"withdraw": "\x00" * 50, "next": "https://evil.example", "x": "y" * 10000}
    for name in ("signup_stand_in", "offer_accept", "offer_decline", "signup_cancel"):
        url = reverse(f"volunteers:{name}", kwargs={"signup": signup.pk})
        response = client.post(url, junk)
        assert response.status_code == 302
        assert response.url.startswith("/vrijwilligers/")


def test_a_full_shift_wanting_a_stand_in_leads_to_taking_it_over(client_for, world):
    full = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=1))
    signup = SignUpFactory(shift=full, volunteer=other_volunteer(world))
    signups.ask_stand_in(signup=signup)
    html = text(client_for("volunteer").get(OPEN))
    assert "Take this shift over" in html
    assert reverse("volunteers:shift_sign_up", kwargs={"shift": full.pk}) not in html
