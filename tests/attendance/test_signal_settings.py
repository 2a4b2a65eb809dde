""" "Not seen lately": the thresholds page of a network's administrators. Only they (every
other role 404 or the login), the standard numbers until they choose others, each number
within its bounds with a message that names them (in Dutch too), a comma for a decimal,
constant queries however big the network, and the link from their own pages."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from attendance import services, signals
from attendance.models import SIGNAL_SETTING_BOUNDS, SignalSettings
from network.shared import DomainError
from tests.conftest import ROLE_NAMES
from tests.factories import OrganisationFactory

ALL = set(ROLE_NAMES) | {"outsider"}
ADMINS = {"network_admin", "superuser"}
CHOSEN = {
    "min_days_away": "28",
    "gap_factor": "2,5",
    "min_missed": "3",
    "min_attendances": "6",
    "fixed_missed": "4",
    "min_regular": "4",
    "max_gap": "3.5",
    "history_days": "180",
}


def url_of(network) -> str:
    return reverse("attendance:signal_settings", args=[network.slug])


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("role", sorted(ALL))
def test_only_the_networks_administrators(world, client_for, role):
    client = client_for(role)
    url = url_of(world.network)
    response = client.get(url)
    posted = client.post(url, CHOSEN)
    if role == "anonymous":
        assert response.status_code == 302 and posted.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    elif role in ADMINS:
        assert response.status_code == 200
        assert posted.status_code == 302 and posted.url == url
    else:
        assert response.status_code == 404, role
        assert posted.status_code == 404, role
    assert SignalSettings.objects.filter(network=world.network).exists() == (role in ADMINS)


def test_an_administrator_of_another_network_is_not_let_in(world, client_for):
    """The outsider administers the other network: their own page, never this one."""
    client = client_for("outsider")
    assert client.get(url_of(world.other_network)).status_code == 200
    assert client.get(url_of(world.network)).status_code == 404
    assert client.post(url_of(world.network), CHOSEN).status_code == 404
    assert not SignalSettings.objects.filter(network=world.network).exists()


def test_the_standard_numbers_then_the_chosen_ones(world, client_for):
    client = english(client_for("network_admin"))
    url = url_of(world.network)
    page = client.get(url).content.decode()
    assert 'name="min_days_away" value="21"' in page
    assert 'name="gap_factor" value="2.0"' in page
    assert "you never see who stands out" in page
    response = client.post(url, CHOSEN, follow=True)
    assert "The new numbers count from the next check" in response.content.decode()
    row = SignalSettings.objects.get(network=world.network)
    assert (row.min_days_away, row.gap_factor, row.max_gap, row.history_days) == (
        28,
        Decimal("2.5"),
        Decimal("3.5"),
        180,
    )
    page = client.get(url).content.decode()
    assert 'name="min_days_away" value="28"' in page
    assert 'name="gap_factor" value="2.5"' in page
    # Saving again changes the one row.
    client.post(url, {**CHOSEN, "min_missed": "5"})
    assert SignalSettings.objects.get(network=world.network).min_missed == 5
    assert SignalSettings.objects.count() == 1


def test_the_nightly_job_reads_the_chosen_numbers(world, client_for):
    client_for("network_admin").post(url_of(world.network), CHOSEN)
    [row] = SignalSettings.objects.all()
    thresholds = signals.Thresholds.of(row)
    assert thresholds.min_days_away == 28 and thresholds.gap_factor == 2.5


@pytest.mark.parametrize("name", sorted(SIGNAL_SETTING_BOUNDS))
def test_each_number_within_its_bounds(world, client_for, name):
    low, high = SIGNAL_SETTING_BOUNDS[name]
    client = english(client_for("network_admin"))
    url = url_of(world.network)
    step = Decimal("0.1") if isinstance(low, Decimal) else 1
    message = f"Fill in a number from {low} to {high}."
    for value in (low - step, high + step, "", "veel", "NaN", "1e9", "2.55"):
        response = client.post(url, {**CHOSEN, name: str(value)})
        assert response.status_code == 200, value
        page = response.content.decode()
        assert message in page or "at most one decimal" in page, (name, value)
    assert not SignalSettings.objects.exists()
    for value in (low, high):
        assert client.post(url, {**CHOSEN, name: str(value)}).status_code == 302


def test_the_message_in_dutch(world, client_for):
    client = client_for("network_admin")
    response = client.post(url_of(world.network), {**CHOSEN, "min_days_away": "3"})
    page = response.content.decode()
    assert "Vul een getal in van 7 tot en met 120." in page
    assert "Minstens zoveel dagen weg" in page  # the label in plain Dutch


def test_the_service_checks_again(world):
    values = {name: bounds[0] for name, bounds in SIGNAL_SETTING_BOUNDS.items()}
    with pytest.raises(DomainError):
        services.save_signal_settings(network=world.network, values={**values, "min_missed": 0})
    with pytest.raises(DomainError):
        services.save_signal_settings(network=world.network, values={**values, "gap_factor": 9})
    with pytest.raises(DomainError):
        services.save_signal_settings(network=world.network, values={"min_missed": 2})
    with pytest.raises(DomainError):
        services.save_signal_settings(network=world.network, values={**values, "min_regular": 2.5})
    assert not SignalSettings.objects.exists()
    row = services.save_signal_settings(network=world.network, values=values)
    assert row.history_days == 90
    assert services.signal_settings_of(world.network)["history_days"] == 90
    assert services.signal_settings_of(world.other_network) == {
        "min_days_away": 21,
        "gap_factor": Decimal("2.0"),
        "min_missed": 2,
        "min_attendances": 5,
        "fixed_missed": 3,
        "min_regular": 3,
        "max_gap": Decimal("4.0"),
        "history_days": 365,
    }


@pytest.mark.parametrize("n", [2, 30])
def test_a_constant_number_of_queries(world, client_for, n, django_assert_max_num_queries):
    for _i in range(n):
        OrganisationFactory().networks.add(world.network)
    client = client_for("network_admin")
    url = url_of(world.network)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
    # The savepoints of the request's, the service's and update_or_create's transactions.
    with django_assert_max_num_queries(16):
        assert client.post(url, CHOSEN).status_code == 302
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


def test_linked_from_the_network_administrators_pages(world, client_for):
    client = client_for("network_admin")
    for name in ("network:manage_network", "network:manage_memberships"):
        page = client.get(reverse(name, args=[world.network.slug])).content.decode()
        assert url_of(world.network) in page
