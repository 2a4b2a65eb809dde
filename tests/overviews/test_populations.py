"""The residents page of a network's administrators: who may, saving, clearing, junk."""

import pytest
from django.urls import reverse
from django.utils import timezone

from overviews.models import AreaPopulation
from tests.conftest import ROLE_NAMES
from tests.factories import AreaFactory

ALL = set(ROLE_NAMES) | {"outsider"}


@pytest.fixture
def areas(world):
    beesd = AreaFactory(municipality=world.municipality, name="Beesd", slug="beesd")
    rumpt = AreaFactory(municipality=world.municipality, name="Rumpt", slug="rumpt")
    world.network.areas.add(beesd, rumpt)
    return beesd, rumpt


@pytest.mark.parametrize("role", sorted(ALL))
def test_only_the_networks_administrators(world, areas, client_for, role):
    address = reverse("overviews:populations", args=[world.network.slug])
    response = client_for(role).get(address)
    if role in {"network_admin", "superuser"}:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404
        assert client_for(role).post(address, {f"area_{areas[0].pk}": "10"}).status_code == 404
    assert not AreaPopulation.objects.exists()


def test_saving_and_clearing(world, areas, client_for):
    beesd, rumpt = areas
    year = timezone.localdate().year - 1
    client = client_for("network_admin")
    address = reverse("overviews:populations", args=[world.network.slug]) + f"?jaar={year}"
    response = client.post(address, {f"area_{beesd.pk}": "4500", f"area_{rumpt.pk}": ""})
    assert response.status_code == 302
    assert AreaPopulation.objects.get(area=beesd, year=year).population == 4500
    assert not AreaPopulation.objects.filter(area=rumpt).exists()
    page = client.get(address).content.decode()
    assert 'value="4500"' in page
    client.post(address, {f"area_{beesd.pk}": "", f"area_{rumpt.pk}": "450"})
    assert not AreaPopulation.objects.filter(area=beesd).exists()
    assert AreaPopulation.objects.get(area=rumpt, year=year).population == 450


def test_junk_is_refused_and_a_strange_year_is_this_year(world, areas, client_for):
    client = client_for("network_admin")
    address = reverse("overviews:populations", args=[world.network.slug])
    response = client.post(address + "?jaar=abc", {f"area_{areas[0].pk}": "-3"})
    assert response.status_code == 200
    assert not AreaPopulation.objects.exists()
    assert response.context["year"] == timezone.localdate().year
