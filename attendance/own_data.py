"""What attendance keeps about a person with an account, registered with
network.personal_data: the participant records linked to their account, with the dates
they came and their absences. Erasing anonymises the record (no name, no contact, closed):
the dates stay as anonymous counts for the overviews.

Who recorded the agreement, closed a record or took a roll-call is the organisation's
record of its own work, not the coordinator's personal data (exempt below, SET_NULL).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from network import personal_data
from network.models import User

from . import services
from .models import Absence, Attendance, Participant, RollCall, Signal


def _records(user: User):
    return (
        Participant.objects.filter(user=user)
        .select_related("organisation", "area")
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("activity").order_by("day", "pk"),
            ),
            Prefetch("absences", queryset=Absence.objects.order_by("starts_on", "pk")),
            Prefetch("signals", queryset=Signal.objects.order_by("raised_at", "pk")),
        )
        .order_by("created_at", "pk")
    )


def export_participant_records(user: User) -> list[dict]:
    return [
        {
            "organisation": p.organisation.name,
            "name": p.name,
            "phone": p.phone,
            "address": p.address,
            "area": p.area.name if p.area else None,
            "contact_person": p.contact_person,
            "consent_how": p.consent_how,
            "consent_on": p.consent_on.isoformat(),
            "shared_with_network": p.shared_with_network,
            "follow_up": p.follow_up,
            "closed": p.closed_at.isoformat() if p.closed_at else None,
            "closed_reason": p.closed_reason or None,
            "registered": p.created_at.isoformat(),
            "attended": [
                {"day": a.day.isoformat(), "activity": a.activity.title}
                for a in p.attendances.all()
            ],
            "absences": [
                {"from": a.starts_on.isoformat(), "until": a.ends_on.isoformat(), "note": a.note}
                for a in p.absences.all()
            ],
            "not_seen_lately": [
                {
                    "raised": s.raised_at.isoformat(),
                    "last_seen": s.last_seen.isoformat(),
                    "dates_missed": s.missed,
                    "resolved": s.resolved_at.isoformat() if s.resolved_at else None,
                    "put_aside": s.dismissed_at.isoformat() if s.dismissed_at else None,
                    "reason": s.dismiss_reason or None,
                    "note": s.dismiss_note or None,
                }
                for s in p.signals.all()
            ],
        }
        for p in _records(user)
    ]


def summarise_participant_records(user: User) -> list[str]:
    lines = []
    for p in _records(user):
        attended = list(p.attendances.all())
        line = ngettext(
            "%(organisation)s keeps track of when you come (you agreed on %(date)s): "
            "recorded %(count)s time.",
            "%(organisation)s keeps track of when you come (you agreed on %(date)s): "
            "recorded %(count)s times.",
            len(attended),
        ) % {
            "organisation": p.organisation.name,
            "date": date_format(p.consent_on, "j F Y"),
            "count": len(attended),
        }
        if attended:
            line += " " + _("Last time: %(date)s.") % {
                "date": date_format(attended[-1].day, "j F Y")
            }
        if p.closed_at:
            line += " " + _("This record is closed.")
        lines.append(line)
    return lines


def erase_participant_records(user: User) -> None:
    for participant in Participant.objects.filter(user=user):
        # "Not seen lately" is about the person, not a count: it goes with them.
        participant.signals.all().delete()
        services.anonymise_participant(participant=participant)


personal_data.register(
    "attendance.participants",
    label=gettext_lazy("Coming to activities"),
    models=[Participant, Signal],
    export=export_participant_records,
    summary=summarise_participant_records,
    erase=erase_participant_records,
    order=70,
)
personal_data.exempt(
    RollCall,
    "taken_by",
    why="The organisation's record of who kept the attendance of a date.",
)
personal_data.exempt(
    Signal,
    "caller",
    why="The organisation's record of which coordinator follows up a signal.",
)
personal_data.exempt(
    Signal,
    "dismissed_by",
    why="The organisation's record of which coordinator put a signal aside.",
)
