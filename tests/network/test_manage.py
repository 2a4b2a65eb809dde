"""Network administrators manage organisations and roles in the site itself."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from network.models import Membership, Organisation, Role, User


@pytest.fixture
def admin_client(client_for):
    return client_for("network_admin")


def test_admin_adds_an_organisation_to_the_network(world, admin_client):
    url = reverse("network:manage_organisation_create", args=["beesd"])
    response = admin_client.post(
        url,
        {"name": "Bibliotheek Rivierenland", "kind": "library", "website": "bieb.example.org"},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Bibliotheek Rivierenland")
    assert organisation.slug == "bibliotheek-rivierenland"
    assert organisation.website == "https://bieb.example.org"
    assert list(organisation.networks.all()) == [world.network]
    assert organisation.municipality == world.municipality
    # The same name again gets its own address.
    admin_client.post(url, {"name": "Bibliotheek Rivierenland", "kind": "library"})
    assert Organisation.objects.filter(slug="bibliotheek-rivierenland-2").exists()


def test_bad_organisation_input_is_explained_and_nothing_saved(world, admin_client):
    url = reverse("network:manage_organisation_create", args=["beesd"])
    before = Organisation.objects.count()
    response = admin_client.post(url, {"name": "!!!", "kind": "spaceship", "email": "nope"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "kind", "email"}
    assert Organisation.objects.count() == before


def test_admin_edits_an_organisation_and_can_deactivate_it(world, admin_client):
    url = reverse("network:manage_organisation_edit", args=["beesd", "klokhuis"])
    response = admin_client.post(
        url, {"name": "Buurtcentrum het Klokhuis", "kind": "welfare", "is_active": ""}
    )
    assert response.status_code == 302
    world.organisation.refresh_from_db()
    assert world.organisation.name == "Buurtcentrum het Klokhuis"
    assert not world.organisation.is_active
    assert world.organisation.slug == "klokhuis"  # addresses stay stable


def test_organisation_of_another_network_cannot_be_edited_through_this_one(world, admin_client):
    url = reverse("network:manage_organisation_edit", args=["beesd", "club-elders"])
    assert admin_client.get(url).status_code == 404


def test_inviting_a_new_person_creates_an_account_and_sends_a_link(
    world, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("network:manage_membership_add", args=["beesd"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            {
                "email": "Truus@Example.org",
                "role": "coordinator",
                "organisation": world.organisation.pk,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="truus@example.org")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.COORDINATOR and membership.invitation_sent_at is not None
    [message] = mail.outbox
    assert message.to == ["truus@example.org"]
    assert message.subject == "U heeft een rol gekregen in Omzien"
    # The body carries a link, no personal details of anyone else.
    assert "netwerk@example.org" not in message.body
    path = re.search(r"https?://[^/\s]+(/uitnodiging/\S+)", message.body).group(1)
    # The link lets the person give their name and choose a password; they are logged in.
    admin_client.logout()
    assert admin_client.get(path).status_code == 200
    done = admin_client.post(
        path,
        {
            "name": "Truus de Boer",
            "new_password1": "een lang wachtwoord 42",
            "new_password2": "een lang wachtwoord 42",
        },
    )
    assert done.status_code == 302 and done.url == reverse("network:start")
    user.refresh_from_db()
    assert user.check_password("een lang wachtwoord 42")
    # The link works once: afterwards it is refused with an explanation.
    admin_client.logout()
    assert admin_client.get(path).status_code == 400
    login = admin_client.post(
        reverse("account_login"),
        {"login": "truus@example.org", "password": "een lang wachtwoord 42"},
    )
    assert login.status_code == 302 and login.url == reverse("network:start")


def test_inviting_twice_is_refused_and_sends_nothing_more(
    world, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("network:manage_membership_add", args=["beesd"])
    data = {"email": "editor@example.org", "role": "editor", "organisation": world.organisation.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Deze persoon heeft die rol daar al." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "a@example.org", "role": "coordinator"}, "organisation"),
        ({"email": "not-an-address", "role": "network_admin"}, "email"),
        ({"email": "a@example.org", "role": "boss"}, "role"),
    ],
)
def test_bad_membership_input_is_explained(world, admin_client, data, field):
    response = admin_client.post(reverse("network:manage_membership_add", args=["beesd"]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.filter(email="a@example.org").exists()


def test_wijkteam_role_needs_a_wijkteam(world, admin_client):
    response = admin_client.post(
        reverse("network:manage_membership_add", args=["beesd"]),
        {"email": "a@example.org", "role": "wijkteam", "organisation": world.organisation.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    # Nothing half-saved: no account for the person either.
    assert not User.objects.filter(email="a@example.org").exists()


def test_organisation_outside_the_network_cannot_be_chosen(world, admin_client):
    response = admin_client.post(
        reverse("network:manage_membership_add", args=["beesd"]),
        {"email": "a@example.org", "role": "editor", "organisation": world.other_organisation.pk},
    )
    assert "organisation" in response.context["form"].errors


def test_removing_a_role_keeps_the_account(world, admin_client):
    membership = world.users["volunteer"].memberships.get()
    url = reverse("network:manage_membership_remove", args=["beesd", membership.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=world.users["volunteer"].pk).exists()


def test_the_last_network_administrator_cannot_be_removed(world, admin_client):
    membership = world.users["network_admin"].memberships.get()
    url = reverse("network:manage_membership_remove", args=["beesd", membership.pk])
    response = admin_client.post(url, follow=True)
    assert "minstens één beheerder" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_membership_list_filters_by_role(world, admin_client):
    url = reverse("network:manage_memberships", args=["beesd"])
    html = admin_client.get(url, {"role": "coordinator"}).content.decode()
    assert "coordinator@example.org" in html
    assert "volunteer@example.org" not in html
    # Roles in other networks never show.
    assert "outsider@example.org" not in admin_client.get(url).content.decode()


def test_editor_edits_own_page_but_not_the_record(world, client_for):
    client = client_for("editor")
    url = reverse("network:organisation_edit", args=["klokhuis"])
    response = client.post(
        url, {"description": "Koffie, kaarten en toneel.", "phone": "0345 111 222", "name": "X"}
    )
    assert response.status_code == 302
    world.organisation.refresh_from_db()
    assert world.organisation.description == "Koffie, kaarten en toneel."
    assert world.organisation.name == "Het Klokhuis"  # not a field of the editor's form


def test_network_admin_edits_the_network_description(world, admin_client):
    url = reverse("network:manage_network_edit", args=["beesd"])
    response = admin_client.post(
        url, {"name": "Beesd voor elkaar", "tagline": "Samen doen wat goed is voor Beesd"}
    )
    assert response.status_code == 302
    world.network.refresh_from_db()
    assert world.network.tagline == "Samen doen wat goed is voor Beesd"
