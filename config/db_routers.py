"""The access log's own connection ("access_log"), see network/access_log.py.

An entry must commit even when the request that wrote it fails afterwards, and every
request runs in a transaction on "default" (ATOMIC_REQUESTS). So the access log is read
and written through a second alias in autocommit. On PostgreSQL that alias is a second
connection to the same database; on SQLite it is a file of its own (config/settings/base.py).

Where the alias is a database of its own, it holds the access log and nothing else, and
the default database holds everything else. Where it is the same database, "default"
migrates everything and "access_log" nothing.

This module imports no models: the settings import it, and routers load before apps do.
"""

from typing import Any

from django.conf import settings

ACCESS_LOG_DB = "access_log"
ACCESS_LOG_MODEL = "network.accesslogentry"


def same_database(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two entries of DATABASES reach the same database."""

    def key(db: dict[str, Any]) -> tuple[str, str, str, str]:
        return (db["ENGINE"], str(db["NAME"]), db.get("HOST") or "", str(db.get("PORT") or ""))

    return key(one) == key(other)


def access_log_has_own_database() -> bool:
    log = settings.DATABASES[ACCESS_LOG_DB]
    # The test runner renames "default" to its test database before it points the mirror
    # there, and migrates in between: the names alone would say "separate" then.
    if log.get("TEST", {}).get("MIRROR") == "default":
        return False
    return not same_database(log, settings.DATABASES["default"])


def _is_access_log(app_label: str, model_name: str | None) -> bool:
    # makemigrations asks with the object name ("AccessLogEntry"), migrate with the lower.
    return f"{app_label}.{(model_name or '').lower()}" == ACCESS_LOG_MODEL


class AccessLogRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return ACCESS_LOG_DB if model._meta.label_lower == ACCESS_LOG_MODEL else None

    db_for_write = db_for_read

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        is_log = _is_access_log(app_label, model_name)
        if db == ACCESS_LOG_DB:
            return is_log and access_log_has_own_database()
        if is_log and access_log_has_own_database():
            return False
        return None
