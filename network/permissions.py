"""The one place that answers "may this user do this to this object?".

Views, templates (through the `roles` context processor and the `omzien` template tags)
and later apps ask these helpers; nothing else looks at roles. Each answer follows the
role table of SPEC.md, which tests/network/test_permissions.py checks as a matrix.

A user's memberships are read once per request and kept on the user object, so asking
many questions on one page costs one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils.functional import cached_property

from .models import Membership, Network, Organisation, Role, User

AnyUser = User | AnonymousUser

_CACHE_ATTR = "_omzien_roles"


@dataclass(frozen=True)
class RoleSet:
    """What one user holds: organisation ids per role, network ids they administer."""

    by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    admin_network_ids: frozenset[int] = frozenset()
    municipality_ids: frozenset[int] = frozenset()
    #: Wijkteams the user leads (Membership.is_lead): they review its access log.
    lead_team_ids: frozenset[int] = frozenset()
    user_id: int | None = None

    def organisations(self, role: str) -> frozenset[int]:
        return self.by_role.get(role, frozenset())

    @property
    def is_empty(self) -> bool:
        return not self.by_role and not self.admin_network_ids

    @cached_property
    def memberships(self) -> tuple[Membership, ...]:
        """The memberships whole, with their organisations, networks and municipalities,
        for the pages that list them (the start page, "my data"): read only when asked,
        since every signed-in request needs the ids alone."""
        if self.user_id is None:
            return ()
        return tuple(
            Membership.objects.filter(user_id=self.user_id)
            .select_related("organisation__municipality", "network__municipality")
            .order_by("role", "organisation__name", "network__name")
        )


def roles_of(user: AnyUser) -> RoleSet:
    """The user's memberships, read once and kept on the user for the rest of the request."""
    if not getattr(user, "is_authenticated", False):
        return RoleSet()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # Ids only, with no model instances: every signed-in request asks (the two-factor
    # check), and the whole memberships took three times as long (RoleSet.memberships).
    rows = Membership.objects.filter(user=user).values_list(
        "role", "organisation_id", "network_id", "organisation__municipality_id", "is_lead"
    )
    by_role: dict[str, set[int]] = {}
    admin_networks: set[int] = set()
    municipalities: set[int] = set()
    leads: set[int] = set()
    for role, organisation_id, network_id, municipality_id, is_lead in rows.order_by():
        if is_lead and role == Role.WIJKTEAM:
            leads.add(organisation_id)
        if role == Role.NETWORK_ADMIN:
            admin_networks.add(network_id)
            continue
        by_role.setdefault(role, set()).add(organisation_id)
        if role == Role.MUNICIPALITY:
            municipalities.add(municipality_id)
    role_set = RoleSet(
        by_role={role: frozenset(ids) for role, ids in by_role.items()},
        admin_network_ids=frozenset(admin_networks),
        municipality_ids=frozenset(municipalities),
        lead_team_ids=frozenset(leads),
        user_id=user.pk,
    )
    setattr(user, _CACHE_ATTR, role_set)
    return role_set


def forget_roles(user: AnyUser) -> None:
    """Drop the cached memberships after they changed within one request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _holds(user: AnyUser, role: str, organisation: Organisation) -> bool:
    return organisation.pk in roles_of(user).organisations(role)


def _network_ids(organisation: Organisation) -> set[int]:
    # Uses a prefetch of `networks` when the caller made one.
    return {network.pk for network in organisation.networks.all()}


# Network administration -------------------------------------------------------------


def can_manage_network(user: AnyUser, network: Network) -> bool:
    """Manage the network's organisations and memberships (network administrators)."""
    return _is_superuser(user) or network.pk in roles_of(user).admin_network_ids


def can_manage_organisation(user: AnyUser, organisation: Organisation) -> bool:
    """Change an organisation's record and memberships: its networks' administrators."""
    if _is_superuser(user):
        return True
    admin_ids = roles_of(user).admin_network_ids
    return bool(admin_ids) and bool(admin_ids & _network_ids(organisation))


def can_use_django_admin(user: AnyUser) -> bool:
    return _is_superuser(user) and bool(getattr(user, "is_staff", False))


# Organisation work -------------------------------------------------------------------


def can_edit_organisation(user: AnyUser, organisation: Organisation) -> bool:
    """Edit the public page of an organisation: its editors and its network administrators."""
    return _holds(user, Role.EDITOR, organisation) or can_manage_organisation(user, organisation)


def can_manage_activities(user: AnyUser, organisation: Organisation) -> bool:
    """Register and change the organisation's activities, tasks and shifts."""
    return _holds(user, Role.EDITOR, organisation) or _holds(user, Role.COORDINATOR, organisation)


def can_view_task_signups(user: AnyUser, organisation: Organisation) -> bool:
    """See who signed up for the organisation's volunteer tasks."""
    return can_manage_activities(user, organisation)


def can_record_attendance(user: AnyUser, organisation: Organisation) -> bool:
    """Attendance, participants and "not seen lately" signals: coordinators only."""
    return _holds(user, Role.COORDINATOR, organisation)


def can_send_referral(user: AnyUser, organisation: Organisation) -> bool:
    """Refer a resident to the wijkteam on behalf of this organisation."""
    return _holds(user, Role.COORDINATOR, organisation)


def can_handle_referrals(user: AnyUser, team: Organisation) -> bool:
    """Read and answer referrals addressed to this wijkteam (never network administrators)."""
    return team.kind == Organisation.Kind.WIJKTEAM and _holds(user, Role.WIJKTEAM, team)


def can_volunteer(user: AnyUser) -> bool:
    """See open tasks and sign up: anyone with a volunteer membership."""
    return bool(roles_of(user).organisations(Role.VOLUNTEER))


# Overviews ---------------------------------------------------------------------------


def can_view_overviews(user: AnyUser, network: Network) -> bool:
    """Aggregated figures of a network: staff of its municipality (and superusers)."""
    return _is_superuser(user) or network.municipality_id in roles_of(user).municipality_ids


# Scoping: the same answers as database conditions -------------------------------------
# Each `…_q(user)` is the condition of the helper above it, for querysets: the models'
# `visible_to` / `managed_by` / `editable_by` methods use these, so a list never shows what
# the helper would refuse (tests/network/test_scoping.py checks every role and object).

NOTHING = Q(pk__in=[])
#: Not Q(): an empty Q() vanishes when combined with |, so it cannot mean "everything".
EVERYTHING = Q(pk__isnull=False)


def managed_networks_q(user: AnyUser) -> Q:
    """Networks for which can_manage_network is true."""
    if _is_superuser(user):
        return EVERYTHING
    ids = roles_of(user).admin_network_ids
    return Q(pk__in=ids) if ids else NOTHING


def managed_organisations_q(user: AnyUser, prefix: str = "") -> Q:
    """Organisations for which can_manage_organisation is true (may repeat rows: many-to-
    many; callers add distinct())."""
    if _is_superuser(user):
        return EVERYTHING
    ids = roles_of(user).admin_network_ids
    return Q(**{f"{prefix}networks__in": ids}) if ids else NOTHING


def editable_organisations_q(user: AnyUser) -> Q:
    """Organisations for which can_edit_organisation is true."""
    editor_ids = roles_of(user).organisations(Role.EDITOR)
    return (Q(pk__in=editor_ids) if editor_ids else NOTHING) | managed_organisations_q(user)


def activity_organisation_ids(user: AnyUser) -> frozenset[int]:
    """Organisations whose activities the user manages (can_manage_activities)."""
    roles = roles_of(user)
    return roles.organisations(Role.EDITOR) | roles.organisations(Role.COORDINATOR)


def visible_organisations_q(user: AnyUser) -> Q:
    """Organisations whose page the user may see: active ones, and those they manage."""
    return Q(is_active=True) | managed_organisations_q(user)


def overview_networks_q(user: AnyUser) -> Q:
    """Networks for which can_view_overviews is true."""
    if _is_superuser(user):
        return EVERYTHING
    ids = roles_of(user).municipality_ids
    return Q(municipality_id__in=ids) if ids else NOTHING


# Sign-in security --------------------------------------------------------------------


def must_use_two_factor(user: AnyUser) -> bool:
    """Roles that can see or change much sign in with a second step (an authenticator app):
    superusers and network administrators (coordinators and wijkteam members too, once
    referrals come)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _is_superuser(user) or bool(roles_of(user).admin_network_ids)


# Own data ----------------------------------------------------------------------------


def can_manage_own_data(user: AnyUser) -> bool:
    """Download or delete one's own account: every signed-in person."""
    return bool(getattr(user, "is_authenticated", False))
