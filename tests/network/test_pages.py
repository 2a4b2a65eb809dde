"""Public pages: what residents see, that bad filters do no harm, and constant queries."""

import pytest
from django.urls import reverse

from network.models import Organisation
from tests.factories import AreaFactory, NetworkFactory, OrganisationFactory


def test_home_lists_networks_with_their_size(world, client):
    response = client.get(reverse("network:home"))
    html = response.content.decode()
    assert "Beesd voor elkaar" in html
    assert "Elders voor elkaar" in html
    # Three active organisations take part in Beesd: het Klokhuis, wijkteam, gemeente.
    assert "3 organisaties" in html


def test_network_page_shows_participating_organisations(world, client):
    inactive = OrganisationFactory(
        name="Opgeheven club", municipality=world.municipality, networks=[world.network]
    )
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    html = client.get(reverse("network:network_detail", args=["beesd"])).content.decode()
    assert "Het Klokhuis" in html
    assert "Club Elders" not in html
    assert "Opgeheven club" not in html


def test_unknown_network_is_a_friendly_404(db, client):
    response = client.get("/netwerken/bestaat-niet/")
    assert response.status_code == 404
    assert "kunnen deze pagina niet vinden" in response.content.decode()


def test_organisation_list_filters_by_network_kind_and_search(world, client):
    url = reverse("network:organisation_list")
    html = client.get(url, {"network": "beesd"}).content.decode()
    assert "Het Klokhuis" in html and "Club Elders" not in html
    html = client.get(url, {"kind": "wijkteam"}).content.decode()
    assert "Wijkteam Beesd" in html and "Het Klokhuis" not in html
    html = client.get(url, {"q": "klokhuis"}).content.decode()
    assert "Het Klokhuis" in html and "Wijkteam Beesd" not in html


@pytest.mark.parametrize(
    "params",
    [{"kind": "nonsense"}, {"network": "nope"}, {"area": "abc"}, {"page": "999"}, {"page": "x"}],
)
def test_bad_filter_values_give_a_message_not_an_error(world, client, params):
    response = client.get(reverse("network:organisation_list"), params)
    assert response.status_code == 200
    if "page" not in params:
        assert "niet herkend" in response.content.decode()


def test_organisation_page_shows_contact_and_networks(world, client):
    world.organisation.phone = "0345 123 456"
    world.organisation.save(update_fields=["phone"])
    html = client.get(world.organisation.get_absolute_url()).content.decode()
    assert "0345 123 456" in html
    assert "Beesd voor elkaar" in html
    assert "Deze pagina bewerken" not in html  # anonymous: no edit button


def _grow(world, n):
    """Add n organisations (with areas) to the network: the 'larger data' of a query test."""
    for _ in range(n):
        area = AreaFactory(municipality=world.municipality)
        OrganisationFactory(
            municipality=world.municipality,
            area=area,
            networks=[world.network, world.other_network],
        )
        NetworkFactory(municipality=world.municipality)


PAGES = {
    "home": lambda w: reverse("network:home"),
    "network": lambda w: reverse("network:network_detail", args=[w.network.slug]),
    "organisations": lambda w: reverse("network:organisation_list") + "?network=beesd",
    "organisation": lambda w: w.organisation.get_absolute_url(),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_public_pages_run_constant_queries(world, client, django_assert_max_num_queries, page):
    url = PAGES[page](world)
    client.get(url)  # warm up: sessions, content types
    with django_assert_max_num_queries(8) as small:
        client.get(url)
    _grow(world, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


MANAGE_PAGES = {
    "manage": lambda w: reverse("network:manage_network", args=[w.network.slug]),
    "memberships": lambda w: reverse("network:manage_memberships", args=[w.network.slug]),
    "start": lambda w: reverse("network:start"),
    "add": lambda w: reverse("network:manage_membership_add", args=[w.network.slug]),
}


@pytest.mark.parametrize("page", sorted(MANAGE_PAGES))
def test_management_pages_run_constant_queries(
    world, client_for, django_assert_max_num_queries, page
):
    from network.models import Membership, Role
    from tests.factories import UserFactory

    client = client_for("network_admin")
    url = MANAGE_PAGES[page](world)
    client.get(url)
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    _grow(world, 20)
    for org in Organisation.objects.in_network(world.network):
        Membership.objects.create(
            user=UserFactory(verified=False), role=Role.VOLUNTEER, organisation=org
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
