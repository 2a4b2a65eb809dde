"""Signing up, in and out, password reset, rate limits, two-step sign-in and own data."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from network.models import Membership, OutboxMessage, User
from network.tasks import deliver_message
from tests.factories import PASSWORD

SIGNUP = {
    "email": "ida@example.org",
    "password1": "fietsen langs de linge",
    "password2": "fietsen langs de linge",
}


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    attempts = 0

    def send_messages(self, messages):
        RefusingBackend.attempts += 1
        raise ConnectionRefusedError(111, "Connection refused")


def test_signup_needs_a_confirmed_address_before_signing_in(
    db, client, django_capture_on_commit_callbacks
):
    # The e-mail is queued when the request's transaction commits (network/adapters.py).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="ida@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert not client.get(reverse("network:start")).wsgi_request.user.is_authenticated
    [message] = mail.outbox
    confirm = client.post(_link(message))
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("network:start")).status_code == 200


def test_signup_with_bad_input_says_why(db, client):
    response = client.post(
        reverse("account_signup"), {"email": "geen-adres", "password1": "kort", "password2": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()


def test_login_and_logout(world, client, password):
    response = client.post(
        reverse("account_login"), {"login": "bewoner@example.org", "password": password}
    )
    assert response.status_code == 302 and response.url == reverse("network:start")
    assert client.get(reverse("network:start")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302 and response.url == reverse("network:home")
    assert client.get(reverse("network:start")).status_code == 302


def test_wrong_password_is_refused_with_a_message(world, client):
    response = client.post(
        reverse("account_login"), {"login": "bewoner@example.org", "password": "fout"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_failed_logins_are_rate_limited(world, client, password):
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": "bewoner@example.org", "password": "fout"})
    # Even the right password is refused for a while after five failures on this account.
    response = client.post(url, {"login": "bewoner@example.org", "password": password})
    assert response.status_code in (200, 429)
    assert not response.wsgi_request.user.is_authenticated


def test_password_reset_by_email(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "bewoner@example.org"})
    [message] = mail.outbox
    assert "bewoner@example.org" not in message.subject
    page = client.get(_link(message), follow=True)
    form_url = page.redirect_chain[-1][0]
    response = client.post(
        form_url, {"password1": "nieuw en heel geheim 7", "password2": "nieuw en heel geheim 7"}
    )
    assert response.status_code == 302
    assert User.objects.get(email="bewoner@example.org").check_password("nieuw en heel geheim 7")


def test_signup_answers_while_the_mail_server_is_down(
    db, client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "attempts", 0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("account_signup"), SIGNUP)
    # The normal redirect, not a 500: nothing tried to reach the mail server in the request.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert RefusingBackend.attempts == 0
    [message] = OutboxMessage.objects.filter(kind="network.rendered_email")
    assert message.payload["to"] == ["ida@example.org"]
    assert "/account/confirm-email/" in message.payload["body"]
    assert len(callbacks) == 1  # the delivery, queued for after the commit


@pytest.mark.allow_error_logs  # Celery logs the task's final failure
def test_a_rendered_email_is_retried_while_the_mail_server_is_down_then_sent_once(
    settings, monkeypatch, db
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "attempts", 0)
    message = OutboxMessage.objects.create(
        kind="network.rendered_email",
        payload={"subject": "Hoi", "body": "Tekst", "from_email": "a@x.nl", "to": ["b@x.nl"]},
    )
    # Run in-process, retries included (without waiting), and report instead of raising.
    monkeypatch.setitem(deliver_message.app.conf, "task_eager_propagates", False)
    result = deliver_message.apply(args=[message.pk])
    assert result.failed()
    assert RefusingBackend.attempts == 1 + deliver_message.max_retries
    message.refresh_from_db()
    assert message.handled_at is None and message.payload["to"] == ["b@x.nl"]
    # The server is back: sent once, and its content (a one-time link) is gone.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_message.apply(args=[message.pk]).get() is True
    assert deliver_message.apply(args=[message.pk]).get() is False
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.sent and message.payload is None
    # A mail server that does not answer holds a worker for 10 s, never a web request.
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 10


def test_password_reset_for_an_unknown_address_reveals_nothing(db, client):
    response = client.post(reverse("account_reset_password"), {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")


def test_two_step_sign_in_with_an_authenticator_app(world, client, password):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    client.post(
        reverse("account_login"), {"login": "coordinator@example.org", "password": password}
    )
    # Changing sign-in security asks for the password once more.
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    client.post(reverse("account_reauthenticate"), {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    counter = next(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counter))
    assert client.post(reverse("mfa_activate_totp"), {"code": code}).status_code == 302
    client.post(reverse("account_logout"))
    # Now the password alone is not enough: a second step is asked for.
    response = client.post(
        reverse("account_login"), {"login": "coordinator@example.org", "password": password}
    )
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("network:start")).status_code == 302


def test_own_data_download_contains_only_the_person(world, client_for):
    response = client_for("volunteer").get(reverse("network:my_data_download"))
    data = json.loads(response.content)
    assert data["account"]["email"] == "volunteer@example.org"
    assert [r["role"] for r in data["roles"]] == ["volunteer"]
    assert "bewoner@example.org" not in response.content.decode()
    assert response["Content-Disposition"].startswith("attachment")


def test_deleting_an_account_needs_the_password(world, client_for):
    client = client_for("volunteer")
    response = client.post(reverse("network:my_data_delete"), {"password": "niet mijn wachtwoord"})
    assert response.status_code == 400
    assert User.objects.filter(email="volunteer@example.org").exists()


def test_deleting_an_account_removes_it_and_its_roles(world, client_for):
    client = client_for("volunteer")
    user_pk = world.users["volunteer"].pk
    response = client.post(reverse("network:my_data_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user_pk).exists()
    assert not Membership.objects.filter(user_id=user_pk).exists()
    assert client.get(reverse("network:start")).status_code == 302


@pytest.mark.parametrize("role", ["resident", "volunteer", "network_admin", "municipality"])
def test_start_page_fits_the_role(world, client_for, role):
    html = client_for(role).get(reverse("network:start")).content.decode()
    expected = {
        "resident": reverse("network:organisation_list"),
        "volunteer": world.organisation.get_absolute_url(),
        "network_admin": reverse("network:manage_network", args=["beesd"]),
        "municipality": world.network.get_absolute_url(),
    }[role]
    assert expected in html
    if role != "network_admin":
        assert reverse("network:manage_network", args=["beesd"]) not in html


# The start page and accepting an invitation ------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["resident", "volunteer", "editor", "coordinator", "wijkteam", "municipality", "superuser"],
)
def test_start_page_puts_the_agenda_first_then_my_registrations(world, client_for, role):
    html = client_for(role).get(reverse("network:start")).content.decode()
    agenda = html.index(f'href="{reverse("activities:agenda")}"', html.index("<h1"))
    mine = html.index(f'href="{reverse("activities:my_registrations")}"')
    account = html.index(f'href="{reverse("network:my_data")}"', html.index("<h1"))
    assert agenda < mine < account
    # Nothing about a role comes before the agenda.
    first_section = html.index('<section class="panel"')
    assert first_section < agenda < html.index('<section class="panel"', first_section + 1)


#: Roles whose tools are still coming: told plainly what they can do now and what comes.
#: (The wijkteam's referrals and the coordinator's signals have come.)
LATER = {
    "municipality": "Hoe verwijzingen naar het wijkteam gaan, in cijfers.",
}


@pytest.mark.parametrize("role", sorted(LATER))
def test_roles_whose_tools_are_coming_hear_what_now_and_what_later(world, client_for, role):
    html = client_for(role).get(reverse("network:start")).content.decode()
    section = html[html.index(f'id="role-{role}"') :]
    section = section[: section.index("</section>")]
    now = re.search(r"<h3>Wat u nu al kunt</h3>\s*<p>([^<]+)</p>", section)
    later = re.search(r"<h3>Wat later komt</h3>\s*<p>([^<]+)</p>", section)
    assert now and len(now.group(1).strip()) > 30, section
    assert later and later.group(1).startswith(LATER[role]), section
    assert re.search(r"<(li|a)\b", section), "the section names where they work"


def test_accepting_an_invitation_asks_the_name_and_logs_in_at_once(world, client):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = User.objects.create_user(email="truus@example.org", password=None)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    Membership.objects.create(user=user, role="volunteer", organisation=world.organisation)
    url = reverse(
        "network:accept_invitation",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )

    main = client.get(url).content.decode().split("<main", 1)[1]
    form = main[main.index("<form") : main.index("</form>")]
    # The name comes first, on the same form as the password.
    assert form.index('name="name"') < form.index('name="new_password1"')
    assert form.index('name="new_password1"') < form.index('name="new_password2"')

    refused = client.post(url, {"name": " ", "new_password1": "x", "new_password2": "x"})
    assert refused.status_code == 200
    assert "Dit veld is verplicht." in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    password = "fietsen langs de linge"
    response = client.post(
        url, {"name": "Truus de Boer", "new_password1": password, "new_password2": password}
    )

    assert response.status_code == 302 and response.url == reverse("network:start")
    user.refresh_from_db()
    assert user.name == "Truus de Boer" and user.check_password(password)
    assert EmailAddress.objects.get(user=user).verified
    start = client.get(response.url)
    assert start.wsgi_request.user == user  # logged in, no second visit to the login page
    html = start.content.decode()
    assert "Welkom, Truus. Uw wachtwoord is ingesteld" in html
    assert 'id="role-volunteer"' in html
    # The link worked once.
    client.logout()
    assert client.get(url).status_code == 400
