"""Free text and consent details of referrals, encrypted at rest with application keys.

The keys come from the environment (settings.REFERRAL_KEYS, comma-separated, newest first;
docs/architecture.md "Referrals"). Values are encrypted with the newest key (Fernet:
AES-128-CBC with an HMAC, a timestamp and a random IV, so two equal texts never look
alike) and decrypted with whichever key fits, so an old key can stay in the list while
`manage.py rotate_referral_keys` re-encrypts every row with the newest.

Why not a database function or a package: the database (and its dumps and backups) must
never see the plain text or the key, and MultiFernet is all it takes.

An encrypted column can be written and read, never searched: every lookup but `isnull`
is refused, since comparing ciphertexts says nothing.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

#: Only with DEBUG (config/settings/base.py): a fixed key, so a developer's database
#: survives a restart. The system check refuses it (and no key) when DEBUG is off; the
#: tests use a fixed key of their own (config/settings/test.py).
DEVELOPMENT_KEY = "b216aWVuLWRldmVsb3BtZW50LWtleS1ub3RzZWNyZXQ="


def configured_keys() -> tuple[str, ...]:
    return tuple(key.strip() for key in getattr(settings, "REFERRAL_KEYS", ()) if key.strip())


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("Set REFERRAL_KEYS: referrals are stored encrypted.")
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The keys in use now, newest first (read per call: tests change the setting)."""
    return _fernet(configured_keys())


def encrypt(text: str) -> str:
    """The token for `text`; an empty text stays empty (nothing to hide, and a purged
    record must be recognisable as empty)."""
    if not text:
        return ""
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A referral cannot be decrypted with REFERRAL_KEYS: a key is missing."
        ) from error


def rotate(token: str) -> str:
    """The same plain text under the newest key."""
    if not token:
        return ""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python sees the plain text.

    `max_length` limits the plain text (in forms and `full_clean`), not the column.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None  # a FieldError: "Unsupported lookup"
        return super().get_lookup(lookup_name)


def check_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Registered in ReferralsConfig.ready(): production refuses to start without a key of
    its own, or with a key that is not a Fernet key."""
    errors = []
    keys = configured_keys()
    if not keys:
        errors.append(
            checks.Error(
                "REFERRAL_KEYS is not set: referrals cannot be stored encrypted.",
                hint="Generate one with: python -c "
                '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"',
                id="referrals.E001",
            )
        )
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    "REFERRAL_KEYS holds a value that is not a Fernet key (32 bytes, url-safe "
                    "base64).",
                    id="referrals.E002",
                )
            )
    if not settings.DEBUG and DEVELOPMENT_KEY in keys:
        errors.append(
            checks.Error(
                "REFERRAL_KEYS holds the development key, which is public.",
                hint="Generate a key of your own for production.",
                id="referrals.E003",
            )
        )
    return errors
