"""Informal help (vraag en aanbod): a resident or a coordinator posts a request, the
organisation's volunteers offer to help, a coordinator matches one or several of them (in
rotation when a heavy recurring request is shared), and closes the request.

Volunteers see what is asked and roughly where, never who asks: the requester's name and
contact are for coordinators only (`permissions.can_see_requester`), and no e-mail carries
them. Views call these functions with cleaned data; each runs in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from network.models import Area, Organisation, User
from network.shared import DomainError

from . import emails
from .models import (
    HelpFrequency,
    HelpRequest,
    HelpRequestStatus,
    HelpResponse,
    HelpResponseStatus,
    TaskKind,
)
from .permissions import (
    can_coordinate_volunteers,
    can_respond_to_help,
)
from .profiles import offering_organisations

#: A closed request (with the requester's name and contact) is deleted this long after.
CLOSED_REQUEST_DAYS = 365
MAX_VOLUNTEERS_WANTED = 12


@transaction.atomic
def post_help_request(
    *,
    posted_by: User,
    organisation: Organisation,
    title: str,
    description: str = "",
    kind: str = TaskKind.PRACTICAL,
    area: Area | None = None,
    rough_location: str = "",
    frequency: str = HelpFrequency.ONCE,
    volunteers_wanted: int = 1,
    requester_name: str = "",
    requester_contact: str = "",
    on_behalf: bool = False,
) -> HelpRequest:
    """A resident asks for themselves (their account is the requester); a coordinator of
    the organisation asks on behalf of someone without an account, naming them."""
    if not offering_organisations().filter(pk=organisation.pk).exists():
        raise DomainError(_("This organisation does not take help requests through this site."))
    if on_behalf and not can_coordinate_volunteers(posted_by, organisation):
        raise DomainError(_("Only a coordinator of this organisation can ask on someone's behalf."))
    if not 1 <= volunteers_wanted <= MAX_VOLUNTEERS_WANTED:
        raise DomainError(
            _("Between 1 and %(n)d volunteers can take turns.") % {"n": MAX_VOLUNTEERS_WANTED}
        )
    requester_name = requester_name.strip()
    requester_contact = requester_contact.strip()
    if on_behalf:
        if not requester_name or not requester_contact:
            raise DomainError(
                _("Give the name of the person asking and how the volunteer can reach them.")
            )
        requester = None
    else:
        requester = posted_by
        requester_name = requester_name or posted_by.name or posted_by.email
        if not requester_contact:
            raise DomainError(_("Tell us how we can reach you: a telephone number or address."))
    if not title.strip():
        raise DomainError(_("Say what help is needed."))
    help_request = HelpRequest.objects.create(
        organisation=organisation,
        title=title.strip(),
        description=description.strip(),
        kind=kind,
        area=area,
        rough_location=rough_location.strip(),
        frequency=frequency,
        volunteers_wanted=volunteers_wanted,
        requester_name=requester_name[:100],
        requester_contact=requester_contact[:200],
        requester=requester,
        posted_by=posted_by,
    )
    emails.queue_help_posted(help_request)
    return help_request


@transaction.atomic
def respond_to_help_request(
    *, volunteer: User, help_request: HelpRequest, message: str = ""
) -> HelpResponse:
    """ "I want to help": the coordinators hear of it and match."""
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if not can_respond_to_help(volunteer, locked):
        raise DomainError(_("Only volunteers of this organisation can offer to help."))
    if locked.status != HelpRequestStatus.OPEN:
        raise DomainError(_("Help has been found for this request already. Thank you!"))
    response = HelpResponse(request=locked, volunteer=volunteer, message=message.strip())
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise DomainError(_("You already offered to help with this request.")) from None
    emails.queue_help_response(response)
    return response


@transaction.atomic
def withdraw_help_response(*, volunteer: User, response: HelpResponse) -> None:
    """The volunteer can no longer help; only while the request is still open."""
    if response.volunteer_id != volunteer.pk:
        raise DomainError(_("You can only withdraw your own offer."))
    locked = HelpResponse.objects.select_for_update().select_related("request").get(pk=response.pk)
    if locked.status != HelpResponseStatus.OFFERED:
        raise DomainError(
            _("The coordinator has already matched this request. Please contact them.")
        )
    locked.status = HelpResponseStatus.WITHDRAWN
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])


@transaction.atomic
def match_help_request(
    *, coordinator: User, help_request: HelpRequest, rotation: Sequence[int]
) -> list[HelpResponse]:
    """Match the volunteers whose responses are listed, in this order of turns (1 = first);
    the others who offered are kindly told they are not needed this time. Each matched
    volunteer hears it by e-mail (a link; the coordinator puts them in touch)."""
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if not can_coordinate_volunteers(coordinator, locked.organisation):
        raise DomainError(_("Only a coordinator of this organisation can match volunteers."))
    if locked.status == HelpRequestStatus.CLOSED:
        raise DomainError(_("This request is closed."))
    if not rotation:
        raise DomainError(_("Choose at least one volunteer."))
    if len(set(rotation)) != len(rotation):
        raise DomainError(_("Each volunteer can have only one turn."))
    responses = {
        r.pk: r
        for r in HelpResponse.objects.select_for_update()
        .filter(request=locked)
        .exclude(status=HelpResponseStatus.WITHDRAWN)
    }
    if any(pk not in responses for pk in rotation):
        raise DomainError(_("One of these volunteers no longer offers to help. Please try again."))
    now = timezone.now()
    matched = []
    for position, pk in enumerate(rotation, start=1):
        response = responses.pop(pk)
        newly = response.status != HelpResponseStatus.MATCHED
        response.status = HelpResponseStatus.MATCHED
        response.rotation_position = position
        response.decided_at = now
        response.save(update_fields=["status", "rotation_position", "decided_at"])
        if newly:
            emails.queue_help_matched(response)
        matched.append(response)
    for response in responses.values():
        was_offered_or_matched = response.status in {
            HelpResponseStatus.OFFERED,
            HelpResponseStatus.MATCHED,
        }
        response.status = HelpResponseStatus.NOT_MATCHED
        response.rotation_position = None
        response.decided_at = now
        response.save(update_fields=["status", "rotation_position", "decided_at"])
        if was_offered_or_matched:
            emails.queue_help_not_matched(response)
    locked.status = HelpRequestStatus.MATCHED
    locked.save(update_fields=["status"])
    return matched


@transaction.atomic
def close_help_request(*, coordinator: User, help_request: HelpRequest) -> HelpRequest:
    """No more help needed (or no longer possible). Volunteers still waiting for an answer
    hear kindly that they are not needed this time."""
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if not can_coordinate_volunteers(coordinator, locked.organisation):
        raise DomainError(_("Only a coordinator of this organisation can close a request."))
    if locked.status == HelpRequestStatus.CLOSED:
        raise DomainError(_("This request is closed already."))
    now = timezone.now()
    for response in HelpResponse.objects.select_for_update().filter(
        request=locked, status=HelpResponseStatus.OFFERED
    ):
        response.status = HelpResponseStatus.NOT_MATCHED
        response.decided_at = now
        response.save(update_fields=["status", "decided_at"])
        emails.queue_help_not_matched(response)
    locked.status = HelpRequestStatus.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at"])
    return locked


# The rotation in words --------------------------------------------------------------------

#: Weeks between two times of help, for the frequencies that have a rhythm.
_WEEKS = {HelpFrequency.WEEKLY: 1, HelpFrequency.FORTNIGHTLY: 2}


def rotation_turns(frequency: str, count: int) -> list[str]:
    """The label of each turn: "week 1", "week 3", "month 2", "turn 4"."""
    if frequency in _WEEKS:
        step = _WEEKS[frequency]
        return [_("week %(n)d") % {"n": 1 + i * step} for i in range(count)]
    if frequency == HelpFrequency.MONTHLY:
        return [_("month %(n)d") % {"n": i + 1} for i in range(count)]
    return [_("turn %(n)d") % {"n": i + 1} for i in range(count)]


def rotation_in_words(frequency: str, names: Sequence[str]) -> str:
    """How the matched volunteers share the help, e.g. "Every 4 weeks each, in turn: week 1:
    Anna, week 2: Bert, week 3: Carla, week 4: Dirk; then it starts again.\""""
    count = len(names)
    if count == 0:
        return ""
    if count == 1 or frequency == HelpFrequency.ONCE:
        if frequency == HelpFrequency.ONCE:
            return _("Helping: %(names)s.") % {"names": ", ".join(names)}
        return _("%(name)s helps %(how_often)s.") % {
            "name": names[0],
            "how_often": HelpFrequency(frequency).label,
        }
    turns = ", ".join(
        f"{turn}: {name}"
        for turn, name in zip(rotation_turns(frequency, count), names, strict=True)
    )
    if frequency in _WEEKS:
        weeks = _WEEKS[frequency] * count
        if weeks == 4:
            rhythm = _("Each helps about once a month, in turn")
        else:
            rhythm = ngettext(
                "Each helps once every %(n)d week, in turn",
                "Each helps once every %(n)d weeks, in turn",
                weeks,
            ) % {"n": weeks}
    elif frequency == HelpFrequency.MONTHLY:
        rhythm = ngettext(
            "Each helps once every %(n)d month, in turn",
            "Each helps once every %(n)d months, in turn",
            count,
        ) % {"n": count}
    else:
        rhythm = _("In turn, when help is needed")
    return _("%(rhythm)s: %(turns)s; then it starts again.") % {"rhythm": rhythm, "turns": turns}


def own_turn_in_words(frequency: str, position: int | None, count: int) -> str:
    """What a matched volunteer sees of the rotation: their own turn, no other names."""
    if position is None or count <= 1 or frequency == HelpFrequency.ONCE:
        return ""
    turn = rotation_turns(frequency, count)[position - 1]
    return _("Your turn: %(turn)s of every %(cycle)s.") % {
        "turn": turn,
        "cycle": rotation_cycle(frequency, count),
    }


def rotation_cycle(frequency: str, count: int) -> str:
    if frequency in _WEEKS:
        weeks = _WEEKS[frequency] * count
        return ngettext("%(n)d week", "%(n)d weeks", weeks) % {"n": weeks}
    if frequency == HelpFrequency.MONTHLY:
        return ngettext("%(n)d month", "%(n)d months", count) % {"n": count}
    return ngettext("%(n)d turn", "%(n)d turns", count) % {"n": count}


# Retention --------------------------------------------------------------------------------


def purge_closed_help_requests(*, now=None) -> int:
    """A closed request (who asked, how to reach them, who offered) has served its purpose
    CLOSED_REQUEST_DAYS after closing: it goes, with its responses."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=CLOSED_REQUEST_DAYS)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                HelpRequest.objects.filter(
                    status=HelpRequestStatus.CLOSED, closed_at__lt=cutoff
                ).values_list("pk", flat=True)[:2000]
            )
            if not ids:
                return deleted
            HelpRequest.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
