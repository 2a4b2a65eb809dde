"""My shifts: coming and past, status, hours per year (approved, else the shift's length,
and the page says which), my own no-show record of the last twelve months; who may see it;
constant queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from network.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers import signups
from volunteers.models import SignUpStatus, VolunteerProfile
from volunteers.views.mine import hours_per_year

MINE = reverse("volunteers:my_shifts")
RENEW = reverse("volunteers:feed_renew")
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


@pytest.fixture
def client_for(client_for):
    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def text(response) -> str:
    return response.content.decode()


def past_shift(task, days_ago: int, hours: int = 2, **kwargs):
    start = timezone.now() - timedelta(days=days_ago)
    end = start + timedelta(hours=hours)
    return ShiftFactory(task=task, starts_at=start, ends_at=end, **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_my_shifts_by_role(client_for, role):
    """Anyone with a volunteer role (here or elsewhere) has the page; others a 404."""
    client = client_for(role)
    volunteer = role in ("volunteer", "outsider")
    for method, url, ok in (("get", MINE, 200), ("post", RENEW, 302)):
        response = getattr(client, method)(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))
        else:
            assert response.status_code == (ok if volunteer else 404), (role, url)


def test_coming_shifts_with_their_status(client_for, world):
    me = world.users["volunteer"]
    task = TaskFactory(organisation=world.organisation, title="Koffie", volunteers_needed=1)
    signed = SignUpFactory(shift=ShiftFactory(task=task), volunteer=me)
    full = ShiftFactory(task=task)
    first = UserFactory()
    MembershipFactory(user=first, role=Role.VOLUNTEER, organisation=world.organisation)
    taken = signups.sign_up(shift=full, volunteer=first)
    waiting = signups.sign_up(shift=full, volunteer=me)
    other = ShiftFactory(task=task)
    signups.sign_up(shift=other, volunteer=first)
    offered = signups.sign_up(shift=other, volunteer=me)
    signups.cancel_signup(signup=signups.SignUp.objects.get(shift=other, volunteer=first))
    html = text(client_for("volunteer").get(MINE))
    assert "Signed up" in html
    assert "On the waiting list" in html
    assert "Place offered: accept before" in html
    assert reverse("volunteers:offer_accept", kwargs={"signup": offered.pk}) in html
    assert reverse("volunteers:signup_cancel", kwargs={"signup": signed.pk}) in html
    assert reverse("volunteers:signup_cancel", kwargs={"signup": waiting.pk}) in html
    assert taken.status == SignUpStatus.CONFIRMED


def test_hours_per_year_approved_else_the_shift_length(client_for, world):
    me = world.users["volunteer"]
    task = TaskFactory(organisation=world.organisation, title="Koffie")
    approved = SignUpFactory(shift=past_shift(task, 10, hours=3), volunteer=me)
    approved.hours_approved = Decimal("2.5")
    approved.save()
    SignUpFactory(shift=past_shift(task, 11, hours=2), volunteer=me)  # not approved: 2 hours
    absent = SignUpFactory(shift=past_shift(task, 12, hours=4), volunteer=me)
    absent.no_show_recorded_at = timezone.now() - timedelta(days=12)
    absent.save()
    cancelled = past_shift(task, 13, hours=5, is_cancelled=True)
    SignUpFactory(shift=cancelled, volunteer=me)
    SignUpFactory(shift=past_shift(task, 14, hours=6), volunteer=me, status=SignUpStatus.CANCELLED)
    SignUpFactory(shift=ShiftFactory(task=task), volunteer=me)  # coming: not yet
    years = hours_per_year(me)
    assert sum(year.approved for year in years) == Decimal("2.5")
    assert sum(year.by_length for year in years) == Decimal("2")
    assert sum(year.shifts for year in years) == 2
    client = client_for("volunteer")
    html = text(client.get(MINE))
    assert "Hours given" in html
    statement = reverse(
        "volunteers:hours_statement",
        kwargs={"organisation": world.organisation.slug, "user": me.pk, "year": years[0].year},
    )
    assert statement in html
    assert client.get(statement).status_code == 200
    if len(years) == 1:
        assert "4.5 hours, in 2 shifts" in html
        assert "2.5 hours approved by a coordinator, 2 hours counted as the length" in html


def test_my_no_show_record_counts_for_twelve_months_only(client_for, world):
    me = world.users["volunteer"]
    task = TaskFactory(organisation=world.organisation, title="Bus rijden")
    recent = SignUpFactory(shift=past_shift(task, 20), volunteer=me)
    recent.no_show_recorded_at = timezone.now() - timedelta(days=20)
    recent.save()
    old = SignUpFactory(shift=past_shift(task, 400), volunteer=me)
    old.no_show_recorded_at = timezone.now() - timedelta(days=400)
    old.save()
    client = client_for("volunteer")
    response = client.get(MINE)
    assert [s.pk for s in response.context["no_shows"]] == [recent.pk]
    assert "This counts for 12 months only." in text(response)
    # Nobody else's record shows.
    other = UserFactory()
    MembershipFactory(user=other, role=Role.VOLUNTEER, organisation=world.organisation)
    theirs = SignUpFactory(shift=past_shift(task, 21), volunteer=other)
    theirs.no_show_recorded_at = timezone.now()
    theirs.save()
    assert [s.pk for s in client.get(MINE).context["no_shows"]] == [recent.pk]


def test_nothing_of_others_on_my_page(client_for, world):
    task = TaskFactory(organisation=world.organisation, title="Koffie")
    other = UserFactory(name="Geheime Naam")
    MembershipFactory(user=other, role=Role.VOLUNTEER, organisation=world.organisation)
    SignUpFactory(shift=ShiftFactory(task=task), volunteer=other)
    html = text(client_for("volunteer").get(MINE))
    assert "Geheime" not in html
    assert "You have no coming shifts." in html


def test_feed_address_made_and_renewed(client_for, world):
    client = client_for("volunteer")
    assert "Make my calendar address" in text(client.get(MINE))
    response = client.post(RENEW, follow=True)
    token = VolunteerProfile.objects.get(user=world.users["volunteer"]).feed_token
    html = text(response)
    assert token in html and "webcal://" in html
    client.post(RENEW)
    new = VolunteerProfile.objects.get(user=world.users["volunteer"]).feed_token
    assert new != token
    assert new in text(client.get(MINE))


def test_my_shifts_constant_queries(client_for, world, django_assert_max_num_queries):
    me = world.users["volunteer"]
    client = client_for("volunteer")
    signups.renew_feed_token(user=me)

    def grow(n):
        for i in range(n):
            task = TaskFactory(organisation=world.organisation)
            SignUpFactory(shift=ShiftFactory(task=task), volunteer=me)
            past = SignUpFactory(shift=past_shift(task, 30 + i), volunteer=me)
            if i % 3 == 0:
                past.no_show_recorded_at = timezone.now()
                past.save()

    grow(2)
    client.get(MINE)
    with django_assert_max_num_queries(14) as small:
        assert client.get(MINE).status_code == 200
    grow(28)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(MINE)
    from volunteers.views.mine import COMING_SHOWN

    assert len(response.context["coming"]) == COMING_SHOWN  # 30 coming, a page's worth shown


def test_a_busy_volunteer_sees_the_next_shifts_and_where_the_rest_are(world, client_for):
    """A page of 87 coming shifts took 270 ms to render at region scale: the list stops at
    COMING_SHOWN and says the calendar address holds the rest."""
    from volunteers.views.mine import COMING_SHOWN

    volunteer = world.users["volunteer"]
    task = TaskFactory(organisation=world.organisation)
    for _ in range(COMING_SHOWN + 2):
        SignUpFactory(shift=ShiftFactory(task=task), volunteer=volunteer)
    page = text(client_for("volunteer").get(MINE))
    coming = page.split('id="coming-heading"')[1].split("</section>")[0]
    assert coming.count('class="registrations__item"') == COMING_SHOWN
    assert "your calendar address below holds them all" in page
