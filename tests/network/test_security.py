"""Security around signing in and the pages themselves: the admin behind allauth, a second
step for the roles that can see or change much, a Content-Security-Policy everywhere, and
pages behind a secret link that no browser keeps and no other site learns."""

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from activities.models import Registration
from network.models import Membership, Role
from tests.activities.factories import make_activity
from tests.factories import PASSWORD, UserFactory


def test_the_django_admin_has_no_login_of_its_own(world):
    client = Client()
    response = client.get("/django-admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    # Posting a superuser's password to the admin form does not sign anyone in: the
    # second step (and allauth's rate limits) cannot be skipped this way.
    response = client.post(
        "/django-admin/login/", {"username": "admin@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_a_superuser_signs_in_to_the_admin_with_the_second_step(world):
    client = Client()
    response = client.post(
        reverse("account_login") + "?next=/django-admin/",
        {"login": "admin@example.org", "password": PASSWORD},
    )
    assert response.url == reverse("mfa_authenticate")
    assert client.get("/django-admin/").status_code == 302  # not yet


@pytest.mark.parametrize("role", ["network_admin", "superuser"])
def test_roles_that_need_a_second_step_are_sent_to_set_it_up(world, client_for, role):
    Authenticator.objects.filter(user=world.users[role]).delete()
    client = client_for(role)
    for url in (reverse("network:start"), reverse("network:manage_network", args=["beesd"])):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    # Setting it up stays open (allauth first asks for the password again): no loop.
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [] or all(
        "/account/" in url for url, _status in response.redirect_chain
    )


@pytest.mark.parametrize("role", ["resident", "volunteer", "editor", "coordinator", "wijkteam"])
def test_other_roles_sign_in_with_their_password_alone(world, client_for, role):
    assert client_for(role).get(reverse("network:start")).status_code == 200


def test_becoming_a_network_administrator_brings_the_second_step(world, client_for):
    editor = world.users["editor"]
    client = client_for("editor")
    assert client.get(reverse("network:start")).status_code == 200
    Membership.objects.create(user=editor, role=Role.NETWORK_ADMIN, network=world.network)
    assert client.get(reverse("network:start")).url == reverse("mfa_activate_totp")


@pytest.mark.parametrize(
    "url",
    ["/", "/agenda/", "/organisaties/", "/account/login/", "/mijn-gegevens/"],
)
def test_every_page_has_a_content_security_policy(world, client_for, url):
    response = client_for("resident").get(url, follow=True)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_embed_may_be_framed_by_any_site(world):
    make_activity(organisation=world.organisation, title="Bingo")
    response = Client().get(reverse("activities:embed_agenda"))
    assert "frame-ancestors *" in response["Content-Security-Policy"]


def test_secret_link_pages_are_not_kept_and_do_not_leak_their_address(world):
    activity = make_activity(
        organisation=world.organisation, title="Busreis", registration_required=True
    )
    registration = Registration.objects.create(
        occurrence=activity.occurrences.first(),
        name="Truus",
        phone="0612345678",
        status="confirmed",
    )
    response = Client().get(reverse("activities:registration", args=[registration.token]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    invited = UserFactory(email="nieuw@example.org")
    url = reverse(
        "network:accept_invitation",
        args=[user_pk_to_url_str(invited), default_token_generator.make_token(invited)],
    )
    response = Client().get(url)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
