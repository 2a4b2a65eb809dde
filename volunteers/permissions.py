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


# Profiles, applications and help requests (helper "profiles") -----------------------------


def takes_volunteers_q(prefix: str = "") -> Q:
    """Organisations a newcomer can offer to help: every active one, apart from the
    professional teams (wijkteam, municipality), which do not take volunteers."""
    return Q(**{f"{prefix}is_active": True}) & ~Q(
        **{f"{prefix}kind__in": [Organisation.Kind.WIJKTEAM, Organisation.Kind.MUNICIPALITY]}
    )


def takes_volunteers(organisation: Organisation) -> bool:
    return organisation.is_active and organisation.kind not in {
        Organisation.Kind.WIJKTEAM,
        Organisation.Kind.MUNICIPALITY,
    }


def can_decide_application(user: AnyUser, application) -> bool:
    """See an applicant's profile and approve or decline them: the organisation's
    coordinators."""
    return can_coordinate_volunteers(user, application.organisation)


def can_withdraw_application(user: AnyUser, application) -> bool:
    """Only the applicant themselves."""
    return getattr(user, "pk", None) == application.user_id


def can_see_requester(user: AnyUser, help_request: HelpRequest) -> bool:
    """Who asks and how to reach them: the organisation's coordinators; never volunteers."""
    return can_coordinate_volunteers(user, help_request.organisation)


def is_requester(user: AnyUser, help_request: HelpRequest) -> bool:
    """The person who asked (with an account) sees their own request and its status."""
    return help_request.requester_id is not None and getattr(user, "pk", None) == (
        help_request.requester_id
    )


def can_open_help_request(user: AnyUser, help_request: HelpRequest) -> bool:
    """The page of one request: volunteers and coordinators of its organisation, and the
    person who asked. What each of them sees differs (can_see_requester)."""
    return can_view_help_request(user, help_request) or is_requester(user, help_request)


def can_respond_to_help(user: AnyUser, help_request: HelpRequest) -> bool:
    """Offer to help: the organisation's approved volunteers."""
    return can_volunteer_for(user, help_request.organisation)


def can_post_help_for_others(user: AnyUser) -> bool:
    """Post a request on behalf of someone (name and contact entered): coordinators."""
    return bool(coordinated_organisation_ids(user))


# Coordination: tasks, rosters, hours (helper "coordination") ------------------------------


def can_view_hours_statement(user: AnyUser, organisation: Organisation, volunteer_id: int) -> bool:
    """A volunteer's yearly hours at an organisation: its coordinators, and the volunteer
    themselves (whether the person volunteers there at all, the page checks: a 404)."""
    return can_coordinate_volunteers(user, organisation) or (
        getattr(user, "pk", None) is not None and user.pk == volunteer_id
    )


def hours_statement_q(user: AnyUser, prefix: str = "") -> Q:
    """Sign-ups whose hours the user may see in a statement (can_view_hours_statement)."""
    own = Q(**{f"{prefix}volunteer_id": user.pk}) if getattr(user, "pk", None) else NOTHING
    return own | coordinated_q(user, prefix=f"{prefix}shift__task__")


# Sign-ups: open shifts, my shifts, stand-ins (helper "signups") ---------------------------


def can_have_own_shifts(user: AnyUser) -> bool:
    """Open shifts, "my shifts" and the calendar address: anyone who volunteers somewhere.
    (Open shifts list only the organisations they volunteer for: `open_shifts_q`.)"""
    return bool(volunteer_organisation_ids(user))


def open_shifts_q(user: AnyUser, prefix: str = "") -> Q:
    """Shifts whose organisation the user volunteers for (can_sign_up is true)."""
    return _organisation_q(volunteer_organisation_ids(user), f"{prefix}task__")


def can_take_over(user: AnyUser, signup: SignUp) -> bool:
    """Take over a shift someone asked a stand-in for: another volunteer of the
    organisation (whether it is still wanted, and the requirements, signups.take_over
    checks and explains)."""
    return (
        signup.stand_in_wanted_at is not None
        and getattr(user, "pk", None) != signup.volunteer_id
        and can_sign_up(user, signup.shift)
    )
