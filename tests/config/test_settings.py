"""Production configuration: safe by default, clean under `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "false",  # explicit: a developer's .env file must not turn it on here
    "SECRET_KEY": "k3y-" + "production-like-secret-with-enough-entropy-0123456789abcdefXYZ",
    "ALLOWED_HOSTS": "omzien.example.org",
    "DATABASE_URL": "postgres://omzien@db.example.org:5432/omzien",
    "REDIS_URL": "redis://redis.example.org:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "REFERRAL_KEYS": "cHJvZHVjdGlvbi1saWtlLXJlZmVycmFsLWtleS0wMDE=",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only the basics of the environment: the test run's own settings must not leak in.
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_database_url_selects_postgresql_with_psycopg3():
    code = (
        "from django.conf import settings; from django.db import connection;"
        "import psycopg;"
        "print(settings.DATABASES['default']['ENGINE'], connection.Database.__name__,"
        " settings.CELERY_BROKER_URL.split(':')[0], settings.DEBUG)"
    )
    result = _manage("shell", "--no-imports", "-c", code, **PRODUCTION_ENV)
    assert result.stdout.split() == ["django.db.backends.postgresql", "psycopg", "redis", "False"]


def test_embedded_defaults_need_no_server():
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="config.settings.base",
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"], result.stderr


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_postgresql_connections_plan_for_data_in_memory():
    """Each connection sets the planner's random-read cost for SSDs (POSTGRES_OPTIONS):
    with the default for spinning disks a search of a common word scanned every activity."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_postgres_options_can_leave_the_servers_settings():
    code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"
    kept = _manage("shell", "--no-imports", "-c", code, **PRODUCTION_ENV)
    assert kept.stdout.strip() == "{'options': '-c random_page_cost=1.1'}", kept.stderr
    left = _manage("shell", "--no-imports", "-c", code, **PRODUCTION_ENV, POSTGRES_OPTIONS="")
    assert left.stdout.strip() == "{}", left.stderr
