"""Who may do what with activities. Built on network.permissions: one question, one place.

Beside each `can_…` helper its condition for querysets (`…_q`), used by the models'
`visible_to` / `editable_by` / `moderated_by` methods, so lists and single pages agree.
"""

from __future__ import annotations

from django.db.models import Q

from network import permissions as network_permissions
from network.models import Organisation, Role
from network.permissions import NOTHING, AnyUser, activity_organisation_ids

from .models import PUBLIC_STATUSES, Activity


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


def role_for_activity(user: AnyUser, activity: Activity) -> str:
    """The role under which the user works on the activity, for the access log."""
    roles = network_permissions.roles_of(user)
    organisation_ids = {organisation.pk for organisation in _organisations(activity)}
    for role in (Role.EDITOR, Role.COORDINATOR):
        if organisation_ids & roles.organisations(role):
            return role
    return "superuser" if getattr(user, "is_superuser", False) else ""


def editable_organisation_ids(user: AnyUser) -> frozenset[int]:
    """Organisations whose activities the user manages (for "my activities" lists)."""
    return activity_organisation_ids(user)


# Scoping ------------------------------------------------------------------------------


def editable_activities_q(user: AnyUser, prefix: str = "") -> Q:
    """can_edit_activity as a condition (may repeat rows through co-organisers)."""
    ids = activity_organisation_ids(user)
    if not ids:
        return NOTHING
    return Q(**{f"{prefix}organisation_id__in": ids}) | Q(**{f"{prefix}co_organisers__in": ids})


def moderated_activities_q(user: AnyUser, prefix: str = "") -> Q:
    """can_moderate_activity as a condition."""
    return network_permissions.managed_organisations_q(user, prefix=f"{prefix}organisation__")


def visible_activities_q(user: AnyUser, prefix: str = "") -> Q:
    """can_view_activity as a condition."""
    public = Q(**{f"{prefix}status__in": PUBLIC_STATUSES, f"{prefix}organisation__is_active": True})
    return public | editable_activities_q(user, prefix) | moderated_activities_q(user, prefix)


def visible_registrations_q(user: AnyUser) -> Q:
    """can_view_registrations as a condition on registrations."""
    return editable_activities_q(user, prefix="occurrence__activity__")
