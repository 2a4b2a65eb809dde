"""Free text and consent details are encrypted at rest: the raw columns hold no plain
text, old keys still read, rotation moves every row to the newest key, and production
refuses to start without a key."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from referrals import services
from referrals.fields import DEVELOPMENT_KEY, check_keys
from referrals.models import Referral, ReferralTransition

from .factories import SECRET_CONSENT, SECRET_CONTACT, SECRET_NAME, SECRET_TEXT, send

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
COLUMNS = ("person_name", "person_contact", "free_text", "consent_given_by", "closed_note")


def raw(table: str, pk: int, columns=COLUMNS) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def closed(world) -> Referral:
    referral = send(world)
    services.accept_referral(referral=referral, by=world.users["wijkteam"])
    return services.close_referral(
        referral=referral,
        by=world.users["wijkteam"],
        completed=False,
        reason="other",
        note="Verhuisd naar Leerdam",
    )


def test_the_raw_columns_hold_no_plain_text(world):
    referral = closed(world)
    row = raw("referrals_referral", referral.pk)
    secrets = (SECRET_NAME, SECRET_CONTACT, SECRET_TEXT, SECRET_CONSENT, "Verhuisd")
    for column, value in row.items():
        assert value.startswith("gAAAAA"), column  # a Fernet token
        words = [w for secret in secrets for w in secret.split() if len(w) >= 5]
        assert not any(word in value for word in words), column
    transition = referral.transitions.last()
    assert "Leerdam" not in raw("referrals_referraltransition", transition.pk, ("note",))["note"]
    # Python reads the plain text.
    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.person_name, referral.free_text) == (SECRET_NAME, SECRET_TEXT)
    assert referral.closed_note == "Verhuisd naar Leerdam"
    # Two equal texts never look alike.
    other = send(world)
    assert raw("referrals_referral", other.pk)["person_name"] != row["person_name"]


def test_encrypted_columns_cannot_be_searched(world):
    send(world)
    with pytest.raises(FieldError):
        list(Referral.objects.filter(person_name=SECRET_NAME))
    assert Referral.objects.filter(free_text__isnull=False).count() == 1


def test_rotation_moves_every_row_to_the_newest_key(world):
    with override_settings(REFERRAL_KEYS=[OLD]):
        referral = closed(world)
        before = raw("referrals_referral", referral.pk)
    with override_settings(REFERRAL_KEYS=[NEW, OLD]):
        # Both keys read; new writes use the newest.
        assert Referral.objects.get(pk=referral.pk).person_name == SECRET_NAME
        out = StringIO()
        call_command("rotate_referral_keys", "--batch-size", "1", stdout=out)
        assert "re-encrypted" in out.getvalue()
        call_command("rotate_referral_keys", stdout=StringIO())  # twice: no harm
    after = raw("referrals_referral", referral.pk)
    only_new = MultiFernet([Fernet(NEW)])
    for column in COLUMNS:
        assert after[column] != before[column]
        only_new.decrypt(after[column].encode())
    last = referral.transitions.values_list("pk", flat=True).last()
    note = raw("referrals_referraltransition", last, ("note",))
    only_new.decrypt(note["note"].encode())
    with override_settings(REFERRAL_KEYS=[NEW]):
        referral = Referral.objects.get(pk=referral.pk)
        assert (referral.person_name, referral.consent_given_by) == (SECRET_NAME, SECRET_CONSENT)
        assert ReferralTransition.objects.filter(referral=referral).last().note.startswith("Ver")
    with override_settings(REFERRAL_KEYS=[OLD]), pytest.raises(ImproperlyConfigured):
        Referral.objects.get(pk=referral.pk)


def test_the_check_wants_a_key_and_refuses_the_development_key_in_production():
    with override_settings(REFERRAL_KEYS=[]):
        assert [e.id for e in check_keys()] == ["referrals.E001"]
    with override_settings(REFERRAL_KEYS=["not-a-key"]):
        assert [e.id for e in check_keys()] == ["referrals.E002"]
    with override_settings(REFERRAL_KEYS=[DEVELOPMENT_KEY], DEBUG=False):
        assert [e.id for e in check_keys()] == ["referrals.E003"]
    with override_settings(REFERRAL_KEYS=[DEVELOPMENT_KEY], DEBUG=True):
        assert check_keys() == []
    with override_settings(REFERRAL_KEYS=[NEW, OLD]):
        assert check_keys() == []


def test_the_development_key_of_the_settings_is_the_one_the_check_knows():
    settings_text = (ROOT / "config/settings/base.py").read_text()
    assert f'REFERRAL_KEYS = ["{DEVELOPMENT_KEY}"]' in settings_text


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "production-like-secret-with-enough-entropy-0123456789abcdefXYZ",
    "ALLOWED_HOSTS": "omzien.example.org",
    "DATABASE_URL": "postgres://omzien@db.example.org:5432/omzien",
}


def test_production_refuses_to_start_without_a_key_and_development_runs_without_one():
    result = _manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "referrals.E001" in result.stderr
    assert _manage("check", **PRODUCTION, REFERRAL_KEYS=NEW).returncode == 0
    development = {"DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "true"}
    assert _manage("check", **development).returncode == 0
