"""/healthz answers 200 when the database and broker are there and pages render, 503 with a
reason if not."""

import sys

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from config.celery import app


def test_healthy(db, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "pages": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.allow_error_logs
def test_broker_down(db, client, monkeypatch):
    # Nothing listens on port 1: the broker is unreachable.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "down",
        "pages": "ok",
    }


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


@pytest.mark.allow_error_logs
def test_pages_down_without_a_static_manifest(db, client, tmp_path):
    # Production's storage after an image build that never ran collectstatic for it.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "ok",
        "pages": "down",
    }


@pytest.mark.allow_error_logs
def test_pages_down_when_weasyprint_cannot_load(db, client, monkeypatch):
    # As on a system without Pango: importing WeasyPrint fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["pages"] == "down"


def test_healthz_is_not_redirected_to_https(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("network:home")).status_code == 301
