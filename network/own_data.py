"""What the network app keeps about a person, registered with network.personal_data:
the account, its e-mail addresses, sign-in security and roles."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import personal_data
from .models import Membership, OutboxMessage, User
from .permissions import roles_of


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def _account_lines(user: User) -> list[str]:
    return [
        _("E-mail address: %(email)s") % {"email": user.email},
        _("Name: %(name)s") % {"name": user.name or _("not given")},
        _("Language: %(language)s") % {"language": user.get_language_display()},
        _("Member since %(date)s") % {"date": date_format(user.date_joined, "j F Y")},
    ]


def _addresses(user: User) -> list[dict]:
    return [
        {"email": a.email, "verified": a.verified, "primary": a.primary}
        for a in EmailAddress.objects.filter(user=user).order_by("pk")
    ]


def _address_lines(user: User) -> list[str]:
    return [
        (_("%(email)s (confirmed)") if row["verified"] else _("%(email)s (not confirmed yet)"))
        % {"email": row["email"]}
        for row in _addresses(user)
    ]


def _security(user: User) -> list[dict]:
    """Which second steps are set up, never their secrets."""
    return [
        {"type": a.type, "created": a.created_at.isoformat()}
        for a in Authenticator.objects.filter(user=user).order_by("pk")
    ]


def _security_lines(user: User) -> list[str]:
    labels = {
        Authenticator.Type.TOTP: _("Authenticator app"),
        Authenticator.Type.RECOVERY_CODES: _("Recovery codes"),
    }
    return [
        str(labels.get(a.type, a.type))
        for a in Authenticator.objects.filter(user=user).order_by("pk")
    ]


def _roles(user: User) -> list[dict]:
    return [
        {
            "role": m.role,
            "organisation": m.organisation and m.organisation.name,
            "network": m.network and m.network.name,
            "since": m.created_at.isoformat(),
        }
        for m in roles_of(user).memberships
    ]


def _role_lines(user: User) -> list[str]:
    return [f"{m.get_role_display().capitalize()} · {m.scope}" for m in roles_of(user).memberships]


def register_kinds() -> None:
    personal_data.register(
        "account",
        label=gettext_lazy("Your account"),
        export=_account,
        summary=_account_lines,
        models=[User],
        order=0,
    )
    personal_data.register(
        "email_addresses",
        label=gettext_lazy("E-mail addresses"),
        export=_addresses,
        summary=_address_lines,
        models=[EmailAddress],
        order=10,
    )
    personal_data.register(
        "sign_in_security",
        label=gettext_lazy("Second step when signing in"),
        export=_security,
        summary=_security_lines,
        models=[Authenticator],
        order=20,
    )
    personal_data.register(
        "roles",
        label=gettext_lazy("Your roles"),
        export=_roles,
        summary=_role_lines,
        models=[Membership],
        order=30,
    )
    personal_data.exempt(
        Membership,
        "invited_by",
        why="Who gave someone a role: the network's record, cleared when that account goes.",
    )
    personal_data.exempt(
        OutboxMessage,
        "recipient",
        why="An e-mail waiting to be sent to the person: ids only, deleted with the account "
        "and a month after sending.",
    )
    personal_data.exempt(
        LogEntry,
        "user",
        why="Django admin's own log of a superuser's changes; deleted with the account.",
    )
