"""/healthz answers 200 when the database and broker are there, 503 with a reason if not."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from config.celery import app


def test_healthy(db, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.allow_error_logs
def test_broker_down(db, client, monkeypatch):
    # Nothing listens on port 1: the broker is unreachable.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


@pytest.mark.allow_error_logs
def test_database_down(db, client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def fail(self, sql, params=None):
        if sql == "SELECT 1":
            raise OperationalError("connection refused")
        return original(self, sql, params)

    original = CursorWrapper.execute
    monkeypatch.setattr(CursorWrapper, "execute", fail)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["status"] == "unavailable"


def test_healthz_is_not_redirected_to_https(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("network:home")).status_code == 301
