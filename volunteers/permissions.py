"""Who may do what with volunteering. Built on network.permissions: one question, one place.

SPEC.md's table: volunteers see and sign up for open tasks of the organisations they
volunteer for, cancel, see their own schedule and hours and a feed of their shifts; editors
and coordinators manage their own organisation's tasks and see who signed up; coordinators
approve volunteers and hours, record no-shows and match help requests. Nobody sees another
organisation's volunteers. Beside each `can_…` helper stands its condition for querysets
(`…_q`), so a list never holds what the single page would refuse (404).
"""

from __future__ import annotations

from django.db.models import Q

from network import permissions as network_permissions
from network.models import Organisation, Role
from network.permissions import EVERYTHING, NOTHING, AnyUser, roles_of

from .models import HelpRequest, Shift, SignUp, Task


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def volunteer_organisation_ids(user: AnyUser) -> frozenset[int]:
    """Organisations the user is an approved volunteer of."""
    return roles_of(user).organisations(Role.VOLUNTEER)


def coordinated_organisation_ids(user: AnyUser) -> frozenset[int]:
    return roles_of(user).organisations(Role.COORDINATOR)


def task_manager_organisation_ids(user: AnyUser) -> frozenset[int]:
    """Organisations whose tasks the user manages: editors and coordinators."""
    return network_permissions.activity_organisation_ids(user)


# Volunteers ------------------------------------------------------------------------------


def can_volunteer_for(user: AnyUser, organisation: Organisation) -> bool:
    """Browse and sign up for the organisation's open shifts: its approved volunteers."""
    return organisation.pk in volunteer_organisation_ids(user)


def can_view_task(user: AnyUser, task: Task) -> bool:
    """See a task and its shifts: its organisation's volunteers, editors and coordinators."""
    return (
        _is_superuser(user)
        or can_volunteer_for(user, task.organisation)
        or can_manage_tasks(user, task.organisation)
    )


def can_sign_up(user: AnyUser, shift: Shift) -> bool:
    """Whether the user may try at all; the rules of the shift itself (requirements, places,
    deadline) are checked by `signups.sign_up`, which explains a refusal."""
    return can_volunteer_for(user, shift.task.organisation)


def can_change_signup(user: AnyUser, signup: SignUp) -> bool:
    """Cancel, ask for a stand-in, accept an offered place: the volunteer themselves."""
    return getattr(user, "pk", None) == signup.volunteer_id


# Editors and coordinators ----------------------------------------------------------------


def can_manage_tasks(user: AnyUser, organisation: Organisation) -> bool:
    """Create and change tasks and shifts, see who signed up: editors and coordinators."""
    return network_permissions.can_manage_activities(user, organisation)


def can_coordinate_volunteers(user: AnyUser, organisation: Organisation) -> bool:
    """Approve volunteers and hours, record no-shows, see volunteers' contact details for a
    shift, match help requests, change the volunteering settings: coordinators only."""
    return organisation.pk in coordinated_organisation_ids(user)


def can_view_help_request(user: AnyUser, help_request: HelpRequest) -> bool:
    """What is asked and roughly where: the organisation's volunteers and coordinators.
    Who asks is only for coordinators (`can_coordinate_volunteers`)."""
    organisation = help_request.organisation
    return can_volunteer_for(user, organisation) or can_coordinate_volunteers(user, organisation)


# Scoping: the same answers as database conditions ------------------------------------------


def _organisation_q(ids: frozenset[int], prefix: str) -> Q:
    return Q(**{f"{prefix}organisation_id__in": ids}) if ids else NOTHING


def visible_tasks_q(user: AnyUser, prefix: str = "") -> Q:
    """Tasks for which can_view_task is true."""
    if _is_superuser(user):
        return EVERYTHING
    ids = volunteer_organisation_ids(user) | task_manager_organisation_ids(user)
    return _organisation_q(ids, prefix)


def managed_tasks_q(user: AnyUser, prefix: str = "") -> Q:
    """Tasks for which can_manage_tasks is true."""
    return _organisation_q(task_manager_organisation_ids(user), prefix)


def coordinated_q(user: AnyUser, prefix: str = "") -> Q:
    """Rows of organisations for which can_coordinate_volunteers is true."""
    return _organisation_q(coordinated_organisation_ids(user), prefix)


def visible_help_requests_q(user: AnyUser) -> Q:
    """Help requests for which can_view_help_request is true."""
    ids = volunteer_organisation_ids(user) | coordinated_organisation_ids(user)
    return _organisation_q(ids, "")
