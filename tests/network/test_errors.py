"""Friendly error pages: no technical details, a way back."""

import pytest
from django.test import Client
from django.urls import reverse

from network.views import server_error


def test_server_error_page_is_friendly_and_bilingual(rf):
    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Er ging iets mis" in html and "Something went wrong" in html
    assert "Traceback" not in html


@pytest.mark.allow_error_logs
def test_an_unexpected_error_shows_the_friendly_page(db, monkeypatch):
    from network import views

    def explode(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "paginate", lambda *a, **k: explode(None))
    client = Client(raise_request_exception=False)
    response = client.get(reverse("network:home"))
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()


def test_expired_form_gets_a_plain_explanation(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "x@example.org", "password": "y"})
    assert response.status_code == 403
    assert "Probeer het opnieuw" in response.content.decode()
