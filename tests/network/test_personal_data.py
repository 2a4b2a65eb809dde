"""The personal-data registry: what every app keeps about a person is shown, downloaded
and erased through network.personal_data, and nothing that points at a person escapes it."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from activities.models import Registration
from network import personal_data
from network.models import Membership, User
from tests.activities.factories import make_activity
from tests.factories import PASSWORD


def _user_references() -> set[tuple[str, str]]:
    """Every (model, field) in the project that points at a user."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for model in apps.get_models():
        if model._meta.app_label == "testapp":
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is user_model:
                found.add((model._meta.label, field.name))
    return found


def test_every_reference_to_a_person_is_registered_or_explained():
    claimed = {model._meta.label for kind in personal_data.kinds() for model in kind.models}
    exempt = personal_data.exemptions()
    unaccounted = {
        (label, name)
        for label, name in _user_references()
        if label not in claimed and (label, name) not in exempt
    }
    assert unaccounted == set(), "register these with network.personal_data"
    for (label, name), why in exempt.items():
        field = apps.get_model(label)._meta.get_field(name)
        # An exempt reference keeps no personal data after the account is gone.
        assert field.remote_field.on_delete.__name__ in {"SET_NULL", "CASCADE"}, (label, why)


@pytest.fixture
def truus(world):
    """A resident who registered twice: once signed in, once signed out with her address."""
    user = world.users["resident"]
    activity = make_activity(
        organisation=world.organisation, title="Bloemschikken", registration_required=True
    )
    first, second, third = activity.occurrences.order_by("starts_at")[:3]
    Registration.objects.create(
        occurrence=first, name="Truus", email=user.email, status="confirmed", user=user
    )
    Registration.objects.create(
        occurrence=second, name="Truus", email=user.email.upper(), status="confirmed"
    )
    # Someone else, and an address Truus never confirmed as hers.
    EmailAddress.objects.create(user=user, email="oud@example.org", verified=False)
    Registration.objects.create(
        occurrence=third, name="Oud", email="oud@example.org", status="confirmed"
    )
    Registration.objects.create(
        occurrence=first, name="Bep", email="bep@example.org", status="confirmed"
    )
    return user


def test_the_download_holds_every_registered_kind(client_for, world, truus):
    response = client_for("resident").get(reverse("network:my_data_download"))
    data = json.loads(response.content)
    assert set(data) == {kind.key for kind in personal_data.kinds()}
    assert data["account"]["email"] == truus.email
    # Both of her registrations, the signed-out one included; nobody else's.
    assert [r["name"] for r in data["registrations"]] == ["Truus", "Truus"]
    assert "bep@example.org" not in response.content.decode()
    assert "Oud" not in response.content.decode()


def test_the_page_shows_every_registered_kind(client_for, world, truus):
    client = client_for("resident")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("network:my_data")).content.decode()
    for kind in personal_data.kinds():
        assert f"<h2>{kind.label}</h2>" in page
    assert page.count("Bloemschikken") == 2


def test_deleting_the_account_erases_every_kind(client_for, world, truus):
    volunteer = world.users["volunteer"]
    client = client_for("resident")
    response = client.post(reverse("network:my_data_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=truus.pk).exists()
    assert not Registration.objects.filter(name="Truus").exists()
    assert not EmailAddress.objects.filter(email__in=[truus.email, "oud@example.org"]).exists()
    assert not Membership.objects.filter(user_id=truus.pk).exists()
    # Other people's data stays.
    assert Registration.objects.filter(name__in=["Bep", "Oud"]).count() == 2
    assert User.objects.filter(pk=volunteer.pk).exists()


def test_erasing_gives_up_a_held_place_to_the_waiting_list(world, truus):
    first = Registration.objects.get(name="Truus", user=truus).occurrence
    first.activity.capacity = 2
    first.activity.save()
    waiting = Registration.objects.create(
        occurrence=first, name="Wacht", email="wacht@example.org", status="waiting"
    )
    personal_data.erase(truus)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
