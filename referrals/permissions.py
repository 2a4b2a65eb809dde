"""Who may see and change a referral (SPEC.md, the role table): the coordinators of the
referring organisation (`can_send_referral`) and the members of the wijkteam it is
addressed to (`can_handle_referrals`), nobody else: not network administrators, not
municipality staff, not superusers. A referral you may not see is a 404.

Beside each helper stands its condition for querysets, built from the same role set.
"""

from __future__ import annotations

from django.db.models import Q

from network.models import Organisation, Role
from network.permissions import (
    NOTHING,
    AnyUser,
    can_handle_referrals,
    can_send_referral,
    roles_of,
)

from .models import Referral, ReferralTransition

#: The roles a referral is seen and changed under, as written to the access log.
SENDER = Role.COORDINATOR.value
TEAM = Role.WIJKTEAM.value


def is_sender(user: AnyUser, referral: Referral) -> bool:
    """Follow, cancel, record a withdrawn consent: coordinators of the referring
    organisation."""
    return can_send_referral(user, referral.sending_organisation)


def is_team(user: AnyUser, referral: Referral) -> bool:
    """Accept, decline, report, close, reassign: members of the team it is addressed to."""
    return can_handle_referrals(user, referral.team)


def role_for(user: AnyUser, referral: Referral) -> str | None:
    """The role the user sees the referral under ("wijkteam" first: a member of the team
    who also coordinates the sender acts as the team), or None: a 404."""
    if is_team(user, referral):
        return TEAM
    if is_sender(user, referral):
        return SENDER
    return None


def can_view_referral(user: AnyUser, referral: Referral) -> bool:
    return role_for(user, referral) is not None


def can_list_referrals(user: AnyUser) -> bool:
    """The list of referrals: anyone who coordinates somewhere or is in a wijkteam."""
    roles = roles_of(user)
    return bool(roles.organisations(Role.COORDINATOR) or roles.organisations(Role.WIJKTEAM))


def visible_referrals_q(user: AnyUser) -> Q:
    """Referrals for which can_view_referral is true (teams are wijkteams by the services'
    rule, so the kind need not be checked again)."""
    roles = roles_of(user)
    sender_ids = roles.organisations(Role.COORDINATOR)
    team_ids = roles.organisations(Role.WIJKTEAM)
    condition = NOTHING
    if sender_ids:
        condition |= Q(sending_organisation_id__in=sender_ids)
    if team_ids:
        condition |= Q(team_id__in=team_ids)
    return condition


# The access log of referrals ------------------------------------------------------------------


def can_review_referral_log(user: AnyUser) -> bool:
    """The review of the access log (views_log): wijkteam leads (`Membership.is_lead`) for
    their teams' referrals, network administrators for their networks' referrals. It shows
    who, role, what, when, address and referral number: never a name or reason."""
    roles = roles_of(user)
    return bool(roles.lead_team_ids or roles.admin_network_ids)


def referral_log_q(user: AnyUser) -> Q:
    """The referrals whose log entries the user reviews: addressed to a team they lead or
    once held by it (a transition from or to that team: passed on since); for a network
    administrator, those sent by or addressed to an organisation in a network they
    administer. Subqueries, so that no join repeats a referral."""
    roles = roles_of(user)
    condition = NOTHING
    if roles.lead_team_ids:
        teams = roles.lead_team_ids
        held = ReferralTransition.objects.filter(
            Q(from_team_id__in=teams) | Q(to_team_id__in=teams)
        ).values("referral_id")
        condition |= Q(team_id__in=teams) | Q(pk__in=held)
    if roles.admin_network_ids:
        organisations = Organisation.objects.filter(networks__in=roles.admin_network_ids).values(
            "pk"
        )
        condition |= Q(sending_organisation_id__in=organisations) | Q(team_id__in=organisations)
    return condition
