"""Who may see and mark participants and take attendance. Built on network.permissions.

SPEC.md's table: coordinators keep attendance for their own organisation's activities
and see the participants it registered, plus those another organisation of the same
network explicitly shared. Nobody else sees any participant: not volunteers, not
editors, not wijkteam members, not municipality staff (they get aggregates later), and
not network administrators or superusers either (least privilege: managing a network or
the platform needs no one's attendance). A page about a participant or a date you may not
touch answers 404. Beside each `can_…` helper stands its condition for querysets (`…_q`).
"""

from __future__ import annotations

from django.db.models import Q

from activities.models import Occurrence
from network.models import Network, Organisation, Role
from network.permissions import NOTHING, AnyUser, can_manage_network, roles_of

from .models import Participant


def coordinated_organisation_ids(user: AnyUser) -> frozenset[int]:
    return roles_of(user).organisations(Role.COORDINATOR)


def _shared_into_q(ids: frozenset[int], prefix: str = "") -> Q:
    """Participants shared by an organisation that is in a network with one of `ids`."""
    through = Organisation.networks.through
    my_networks = through.objects.filter(organisation_id__in=ids).values("network_id")
    partners = through.objects.filter(network_id__in=my_networks).values("organisation_id")
    return Q(**{f"{prefix}shared_with_network": True, f"{prefix}organisation_id__in": partners})


# Participants ----------------------------------------------------------------------------


def can_manage_participants(user: AnyUser, organisation: Organisation) -> bool:
    """The participants list, registering someone, the settings: its coordinators."""
    return organisation.pk in coordinated_organisation_ids(user)


def can_change_participant(user: AnyUser, participant: Participant) -> bool:
    """Edit, close, stop following up, record absences: the registering organisation's
    coordinators (sharing lets others see and mark, not change)."""
    return participant.organisation_id in coordinated_organisation_ids(user)


def can_view_participant(user: AnyUser, participant: Participant) -> bool:
    """The participant's page and marking them present: coordinators of the registering
    organisation, and, when shared, of the organisations in a network with it."""
    ids = coordinated_organisation_ids(user)
    if participant.organisation_id in ids:
        return True
    if not ids or not participant.shared_with_network:
        return False
    return Participant.objects.filter(_shared_into_q(ids), pk=participant.pk).exists()


def visible_participants_q(user: AnyUser, prefix: str = "") -> Q:
    """Participants for which can_view_participant is true."""
    ids = coordinated_organisation_ids(user)
    if not ids:
        return NOTHING
    return Q(**{f"{prefix}organisation_id__in": ids}) | _shared_into_q(ids, prefix)


def changeable_participants_q(user: AnyUser, prefix: str = "") -> Q:
    """Participants for which can_change_participant is true."""
    ids = coordinated_organisation_ids(user)
    return Q(**{f"{prefix}organisation_id__in": ids}) if ids else NOTHING


# Roll-call -------------------------------------------------------------------------------


def can_take_roll_call(user: AnyUser, occurrence: Occurrence) -> bool:
    """Mark who came to a date, count the others: coordinators of the organisation that
    runs the activity (co-organisers keep their own lists on their own activities).
    Whether the organisation keeps attendance at all the page says, not a 404."""
    return occurrence.activity.organisation_id in coordinated_organisation_ids(user)


def roll_call_occurrences_q(user: AnyUser, prefix: str = "") -> Q:
    """Dates for which can_take_roll_call is true."""
    ids = coordinated_organisation_ids(user)
    return Q(**{f"{prefix}activity__organisation_id__in": ids}) if ids else NOTHING


def can_mark(user: AnyUser, occurrence: Occurrence, participant: Participant) -> bool:
    """Mark this participant at this date: both of the above."""
    return can_take_roll_call(user, occurrence) and can_view_participant(user, participant)


# Check-ins (attendance/checkins.py) ----------------------------------------------------------
#
# The registering organisation's coordinators ask, follow and withdraw them; the volunteer
# asked sees and answers only their own, and only while they volunteer there. Nobody else
# (other volunteers, other organisations' coordinators, wijkteam, municipality, network
# administrators, superusers) sees one: 404.


def volunteer_organisation_ids(user: AnyUser) -> frozenset[int]:
    return roles_of(user).organisations(Role.VOLUNTEER)


def can_manage_check_ins(user: AnyUser, organisation: Organisation) -> bool:
    """The organisation's list of check-ins: its coordinators."""
    return organisation.pk in coordinated_organisation_ids(user)


def can_ask_check_in(user: AnyUser, participant: Participant) -> bool:
    """Ask a volunteer to drop by: the registering organisation's coordinators (whose
    volunteers they are), as for changing the record."""
    return can_change_participant(user, participant)


def can_manage_check_in(user: AnyUser, check_in) -> bool:
    """Follow and withdraw one request: its organisation's coordinators."""
    return check_in.organisation_id in coordinated_organisation_ids(user)


def managed_check_ins_q(user: AnyUser, prefix: str = "") -> Q:
    """Check-ins for which can_manage_check_in is true."""
    ids = coordinated_organisation_ids(user)
    return Q(**{f"{prefix}organisation_id__in": ids}) if ids else NOTHING


def can_answer_check_in(user: AnyUser, check_in) -> bool:
    """See and answer a request: the volunteer asked, while they volunteer there."""
    return (
        getattr(user, "is_authenticated", False)
        and check_in.volunteer_id == user.pk
        and check_in.organisation_id in volunteer_organisation_ids(user)
    )


def own_check_ins_q(user: AnyUser, prefix: str = "") -> Q:
    """Check-ins for which can_answer_check_in is true."""
    ids = volunteer_organisation_ids(user)
    if not ids:
        return NOTHING
    return Q(**{f"{prefix}volunteer_id": user.pk, f"{prefix}organisation_id__in": ids})


def has_check_ins(user: AnyUser) -> bool:
    """Whether "my check-ins" is a page for them: anyone who volunteers somewhere."""
    return bool(volunteer_organisation_ids(user))


# "Not seen lately" (attendance/signals.py) ---------------------------------------------------


def can_handle_signals(user: AnyUser, organisation: Organisation) -> bool:
    """The inbox of signals about an organisation's participants, putting them aside,
    "I will call", a participant's signal history: the registering organisation's
    coordinators only (sharing with the network lets others mark, not follow up)."""
    return organisation.pk in coordinated_organisation_ids(user)


def can_change_signal_settings(user: AnyUser, network: Network) -> bool:
    """The network's thresholds of "not seen lately" (how long away, how many dates
    missed): its administrators, as for the rest of the network (and superusers, who can
    change them in the Django admin anyway). Numbers only: they never see a signal or a
    participant, and coordinators, who do, do not decide the rule for the whole network."""
    return can_manage_network(user, network)
