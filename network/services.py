"""Writes for networks, organisations and memberships.

Views call these with cleaned data; each runs in one transaction and raises DomainError
with a translated message the view shows as it is.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails, personal_data, public_cache
from .models import (
    NETWORK_ROLES,
    ROLE_ORGANISATION_KIND,
    Membership,
    Network,
    Organisation,
    Role,
    User,
)
from .permissions import forget_roles
from .shared import DomainError, unique_slug

logger = logging.getLogger(__name__)


@transaction.atomic
def add_membership(
    *,
    invited_by: User,
    email: str,
    role: str,
    network: Network,
    organisation: Organisation | None = None,
) -> Membership:
    """Give a person a role in an organisation of the network (or in the network itself).

    A person without an account gets one without a password; the invitation e-mail
    carries a link to choose one, which also proves the address.
    """
    if role in NETWORK_ROLES:
        organisation = None
    elif organisation is None:
        raise DomainError(_("Choose the organisation this role is for."))
    elif not organisation.networks.filter(pk=network.pk).exists():
        raise DomainError(_("That organisation does not take part in this network."))
    needed_kind = ROLE_ORGANISATION_KIND.get(role)
    if organisation is not None and needed_kind and organisation.kind != needed_kind:
        raise DomainError(
            _("The role “%(role)s” can only be held in a %(kind)s.")
            % {"role": Role(role).label, "kind": Organisation.Kind(needed_kind).label}
        )
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    membership = Membership(
        user=user,
        role=role,
        organisation=organisation,
        network=network if organisation is None else None,
        invited_by=invited_by,
    )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise DomainError(_("This person already has that role there.")) from None
    emails.queue_invitation(membership)
    return membership


@transaction.atomic
def remove_membership(*, removed_by: User, membership: Membership) -> None:
    """End a role; a network never loses its last administrator."""
    if membership.role == Role.NETWORK_ADMIN:
        others = (
            Membership.objects.select_for_update()
            .filter(role=Role.NETWORK_ADMIN, network_id=membership.network_id)
            .exclude(pk=membership.pk)
        )
        if not others.exists():
            raise DomainError(
                _("A network needs at least one administrator. Add another one first.")
            )
    membership.delete()
    forget_roles(removed_by)


@transaction.atomic
def accept_invitation(*, user: User, password: str, name: str) -> None:
    """The invited person gave their name and chose a password; the link they followed
    proved their address."""
    user.name = name.strip()
    user.set_password(password)
    user.save(update_fields=["name", "password"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Remove a person and everything every app keeps about them (network.personal_data):
    each kind is erased or anonymised first, then the account goes."""
    logger.info("account deleted at the owner's request", extra={"user_id": user.pk})
    personal_data.erase(user)


def purge_unverified_accounts(*, now=None) -> int:
    """Delete accounts that signed up but never confirmed their address in time.

    Invited people hold a membership and are kept: their organisation still expects them.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.UNVERIFIED_ACCOUNT_RETENTION_DAYS)
    stale = User.objects.filter(
        date_joined__lt=cutoff,
        is_staff=False,
        is_superuser=False,
        last_login__isnull=True,
        memberships__isnull=True,
    ).exclude(emailaddress__verified=True)
    with transaction.atomic():
        ids = list(stale.values_list("pk", flat=True)[:10_000])
        _total, per_model = User.objects.filter(pk__in=ids).delete()
    return per_model.get("network.User", 0)


@transaction.atomic
def create_organisation(*, network: Network, data: dict) -> Organisation:
    """Register an organisation in a network; its slug follows from its name."""
    public_cache.changed(choices=True)
    organisation = Organisation(**data, municipality_id=network.municipality_id)
    organisation.slug = unique_slug(Organisation, organisation.name, fallback="organisatie")
    organisation.save()
    organisation.networks.add(network)
    return organisation


@transaction.atomic
def update_organisation(*, organisation: Organisation, data: dict) -> Organisation:
    public_cache.changed(choices=True)
    for name, value in data.items():
        setattr(organisation, name, value)
    organisation.save(update_fields=list(data))
    return organisation


@transaction.atomic
def update_network(*, network: Network, data: dict) -> Network:
    public_cache.changed(choices=True)
    areas = data.pop("areas", None)
    for name, value in data.items():
        setattr(network, name, value)
    network.save(update_fields=list(data))
    if areas is not None:
        network.areas.set(areas)
    return network
