"""Who may do what with activities. Built on network.permissions: one question, one place."""

from __future__ import annotations

from network import permissions as network_permissions
from network.models import Organisation, Role
from network.permissions import AnyUser, roles_of

from .models import Activity


def _organisations(activity: Activity) -> list[Organisation]:
    # Uses a prefetch of `co_organisers` when the caller made one.
    return [activity.organisation, *activity.co_organisers.all()]


def can_create_activity(user: AnyUser, organisation: Organisation) -> bool:
    return network_permissions.can_manage_activities(user, organisation)


def can_edit_activity(user: AnyUser, activity: Activity) -> bool:
    """Editors and coordinators of the organiser or a co-organiser."""
    return any(
        network_permissions.can_manage_activities(user, organisation)
        for organisation in _organisations(activity)
    )


def can_moderate_activity(user: AnyUser, activity: Activity) -> bool:
    """Administrators of a network the organising organisation takes part in."""
    return network_permissions.can_manage_organisation(user, activity.organisation)


def can_view_activity(user: AnyUser, activity: Activity) -> bool:
    """Published and cancelled activities are public; drafts only for who works on them."""
    return (
        (activity.is_public and activity.organisation.is_active)
        or can_edit_activity(user, activity)
        or can_moderate_activity(user, activity)
    )


def can_view_registrations(user: AnyUser, activity: Activity) -> bool:
    """Names of registered residents: the organiser's editors and coordinators only."""
    return can_edit_activity(user, activity)


def editable_organisation_ids(user: AnyUser) -> frozenset[int]:
    """Organisations whose activities the user manages (for "my activities" lists)."""
    roles = roles_of(user)
    return roles.organisations(Role.EDITOR) | roles.organisations(Role.COORDINATOR)
