"""A resident with an account sees their own registrations, coming dates first, also those
made while signed out with one of their confirmed addresses, each with its withdraw link."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from activities.models import Occurrence, Registration, RegistrationStatus
from tests.activities.factories import make_activity
from tests.activities.test_registration import manage_url, withdraw_url
from tests.factories import UserFactory

URL = reverse("activities:my_registrations")
CONFIRMED = RegistrationStatus.CONFIRMED


@pytest.fixture
def dates(world):
    activity = make_activity(
        organisation=world.organisation, title="Bloemschikken", registration_required=True
    )
    return list(activity.occurrences.order_by("starts_at")[:3])


def registration(occurrence, **fields) -> Registration:
    fields.setdefault("name", "Truus")
    fields.setdefault("status", CONFIRMED)
    return Registration.objects.create(occurrence=occurrence, **fields)


def test_signed_out_visitors_are_asked_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_own_registrations_coming_first_with_their_withdraw_links(client, world, dates):
    resident = world.users["resident"]
    EmailAddress.objects.create(user=resident, email="truus@thuis.nl", verified=True)
    EmailAddress.objects.create(user=resident, email="niet-bevestigd@thuis.nl", verified=False)
    first, second, third = dates
    signed_in = registration(third, user=resident, email="bewoner@example.org")
    signed_out = registration(first, email="Truus@Thuis.nl")
    withdrawn = registration(second, email="truus@thuis.nl", status=RegistrationStatus.CANCELLED)
    past = Occurrence.objects.create(
        activity=first.activity,
        original_date=timezone.localdate() - timedelta(days=5),
        starts_at=timezone.now() - timedelta(days=5),
    )
    earlier = registration(past, user=resident, email="bewoner@example.org")
    unconfirmed = registration(second, email="niet-bevestigd@thuis.nl")
    someone_else = registration(second, email="buur@example.org", name="Buurman")
    client.force_login(resident)

    page = client.get(URL).content.decode()

    links = [manage_url(r) for r in (signed_out, withdrawn, signed_in, earlier)]
    positions = [page.index(link) for link in links]
    assert positions == sorted(positions)  # coming dates in order, then the past
    assert page.index("Binnenkort") < page.index(manage_url(signed_out))
    assert page.index("Voorbij") < page.index(manage_url(earlier))
    assert withdraw_url(signed_out) in page and withdraw_url(signed_in) in page
    assert withdraw_url(withdrawn) not in page and withdraw_url(earlier) not in page
    assert "Afgemeld" in page and "fgelast" not in page
    for other in (unconfirmed, someone_else):
        assert manage_url(other) not in page


def test_nothing_yet_says_so_and_points_to_the_agenda(client_for, world):
    page = client_for("resident").get(URL).content.decode()
    assert "U bent voor geen enkele komende datum aangemeld." in page
    assert reverse("activities:agenda") in page


def test_my_registrations_run_constant_queries(client, world, dates, django_assert_max_num_queries):
    user = UserFactory(email="ida@example.org")
    EmailAddress.objects.create(user=user, email="ida@thuis.nl", verified=True)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
    for occurrence in dates:
        registration(occurrence, user=user, email="ida@example.org")
        registration(occurrence, email="ida@thuis.nl", phone="0612345678")
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
