"""The one way to write the access log: who looked at or changed a sensitive record.

Call `record()` where a sensitive record is shown, searched, printed, exported or
changed, before the response goes out. The entry is written on the "access_log"
connection in autocommit (config/db_routers.py), so it stays even when the request fails
afterwards and its own transaction is rolled back. An entry that cannot be written raises:
an access that cannot be accounted for should not happen.

Put no personal data in `description`: the log outlives the records it points to.
"""

from __future__ import annotations

import ipaddress

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import HttpRequest

from config.db_routers import ACCESS_LOG_DB

from .models import AccessLogEntry, User

Action = AccessLogEntry.Action


def record(
    *,
    request: HttpRequest | None = None,
    actor: User | None = None,
    role: str = "",
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    description: str = "",
) -> AccessLogEntry:
    """Append one entry. `actor` defaults to the request's user; `obj` gives the record's
    type and id ("activities.registration", "42"), or pass `object_type`/`object_id` for
    something that is not one model instance (a search over registrations, say).
    `role` is the role the access happened under ("coordinator", "superuser"; "" for
    anonymous visitors and holders of a link)."""
    action = Action(action)  # an unknown action is a programming error: ValueError
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if obj is not None:
        if obj.pk is None:
            raise ValueError("Only a saved record can be accessed.")
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    if not object_type:
        raise ValueError("Say what kind of record was accessed: obj or object_type.")
    return AccessLogEntry.objects.using(ACCESS_LOG_DB).create(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        actor_role=role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        description=description[:200],
        ip_address=_client_address(request),
        # request.path has no query string, which can carry what someone searched for.
        path=request.path[:300] if request is not None else "",
    )


def entries_for(obj: models.Model) -> models.QuerySet[AccessLogEntry]:
    """Who accessed this record, newest first."""
    return AccessLogEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("-occurred_at", "-id")


def entries_by(user: User) -> models.QuerySet[AccessLogEntry]:
    """What this person accessed, newest first."""
    return AccessLogEntry.objects.filter(actor_id=user.pk).order_by("-occurred_at", "-id")


def _client_address(request: HttpRequest | None) -> str | None:
    """The address allauth's rate limits use: REMOTE_ADDR, or behind a proxy what
    ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER say to trust. Never
    fails: a missing or garbled address is stored as unknown."""
    if request is None:
        return None
    try:
        address = get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        address = request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None
