"""What check-ins keep about a person, registered with network.personal_data:

- about a participant whose record is linked to their account: who asked a volunteer to
  drop by, when, and what came of it. Erasing goes with the participant record: what was
  asked and noted goes, open requests are withdrawn, the outcomes stay as anonymous counts.
- about a volunteer: the requests they were asked and what they answered (without the
  participant's details: those are not the volunteer's data). Erasing withdraws their
  open requests; their answers stay as the organisation's record, without them.

Who asked (`asked_by`) is the organisation's record of its own work (exempt, SET_NULL).
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy, ngettext

from network import personal_data
from network.models import User

from . import checkins
from .models import CheckIn, Participant


def _about(user: User):
    return (
        CheckIn.objects.filter(participant__user=user)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def _done_by(user: User):
    return (
        CheckIn.objects.filter(volunteer=user)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def _row(check_in: CheckIn) -> dict:
    return {
        "organisation": check_in.organisation.name,
        "asked": check_in.created_at.isoformat(),
        "before": check_in.due_on.isoformat(),
        "what_is_asked": check_in.what_is_asked,
        "outcome": check_in.outcome or None,
        "note": check_in.outcome_note,
        "answered": check_in.answered_at.isoformat() if check_in.answered_at else None,
        "withdrawn": check_in.cancelled_at.isoformat() if check_in.cancelled_at else None,
    }


def export_about(user: User) -> list[dict]:
    return [_row(c) for c in _about(user)]


def summarise_about(user: User) -> list[str]:
    rows = list(_about(user))
    if not rows:
        return []
    return [
        ngettext(
            "A volunteer was asked %(count)s time to drop by you; the last time on %(date)s.",
            "A volunteer was asked %(count)s times to drop by you; the last time on %(date)s.",
            len(rows),
        )
        % {"count": len(rows), "date": date_format(rows[-1].created_at, "j F Y")}
    ]


def erase_about(user: User) -> None:
    for participant in Participant.objects.filter(user=user):
        checkins.forget_participant(participant=participant)


def export_done(user: User) -> list[dict]:
    return [_row(c) for c in _done_by(user)]


def summarise_done(user: User) -> list[str]:
    rows = list(_done_by(user))
    if not rows:
        return []
    answered = sum(1 for c in rows if c.answered_at)
    return [
        ngettext(
            "You were asked %(count)s time to drop by someone; you answered %(answered)s.",
            "You were asked %(count)s times to drop by someone; you answered %(answered)s.",
            len(rows),
        )
        % {"count": len(rows), "answered": answered}
    ]


def erase_done(user: User) -> None:
    checkins.forget_volunteer(user=user)


personal_data.register(
    "attendance.check_ins_about_me",
    label=gettext_lazy("Visits from a volunteer"),
    models=[CheckIn],
    export=export_about,
    summary=summarise_about,
    erase=erase_about,
    order=69,  # before "attendance.participants" (70) unlinks the record from the account
)
personal_data.register(
    "attendance.check_ins_asked_of_me",
    label=gettext_lazy("Requests to drop by someone"),
    models=[CheckIn],
    export=export_done,
    summary=summarise_done,
    erase=erase_done,
    order=72,
)
personal_data.exempt(
    CheckIn,
    "asked_by",
    why="The organisation's record of which coordinator asked a volunteer to drop by.",
)
