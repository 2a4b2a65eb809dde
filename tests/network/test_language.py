"""Dutch first, English complete, and the choice sticks."""

from django.urls import reverse

from network.models import User


def test_dutch_is_the_default_whatever_the_browser_says(db, client):
    response = client.get(reverse("network:home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response["Content-Language"] == "nl"
    assert '<html lang="nl">' in response.content.decode()
    assert "Organisaties" in response.content.decode()


def test_switching_to_english_and_back(db, client):
    response = client.post(reverse("switch_language"), {"language": "en", "next": "/organisaties/"})
    assert response.status_code == 302 and response.url == "/organisaties/"
    page = client.get("/organisaties/")
    assert page["Content-Language"] == "en"
    assert "Organisations" in page.content.decode()
    client.post(reverse("switch_language"), {"language": "nl", "next": "/"})
    assert client.get("/")["Content-Language"] == "nl"


def test_unknown_language_and_foreign_next_are_ignored(db, client):
    response = client.post(
        reverse("switch_language"), {"language": "xx", "next": "https://evil.example.com/"}
    )
    assert response.url == "/"
    assert client.get("/")["Content-Language"] == "nl"


def test_signed_in_choice_is_remembered_on_the_account(world, client_for):
    client = client_for("volunteer")
    client.post(reverse("switch_language"), {"language": "en", "next": "/"})
    assert User.objects.get(email="volunteer@example.org").language == "en"
    # On another device (no cookie) the account's language applies.
    client.cookies.clear()
    client.force_login(User.objects.get(email="volunteer@example.org"))
    assert client.get(reverse("network:start"))["Content-Language"] == "en"
