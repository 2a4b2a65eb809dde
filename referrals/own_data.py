"""What referrals keep about a resident with an account, registered with
network.personal_data: referrals about a participant record linked to their account
(right of access, GDPR article 15). Showing and downloading them is written to the access
log like any other read of a referral.

Erasure (article 17, `services.erase_for_resident`): an open referral is closed (not yet
accepted: cancelled; accepted or in contact: closed without result, reason "the resident
had their data erased") and the team is told it must stop; then the personal details of
every referral about them are purged at once, without waiting for the retention period.
The anonymous record (categories, area, team, dates, outcome) stays for the overviews, as
after retention. Why close rather than delete: the team may be in contact already and must
hear that it stops, and the overviews must still count what was done. The team's own case
file, if any, is outside Omzien and under the team's own duty of care.

Referrals about someone without an account (name and contact only) cannot be claimed by an
account; a resident asks the coordinator or the team, who see it.

Who sent a referral, recorded the consent or changed its status is the organisations'
record of their own work, not that person's personal data (exempt below, SET_NULL).
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network import personal_data
from network.models import AccessLogEntry, User

from . import services
from .models import Category, Referral, ReferralTransition


def _referrals(user: User) -> list[Referral]:
    return list(
        Referral.objects.filter(participant__user=user, purged_at__isnull=True)
        .select_related("sending_organisation", "team", "area")
        .order_by("created_at", "pk")
    )


def export_referrals(user: User) -> list[dict]:
    referrals = _referrals(user)
    services.log_own_data(
        user=user, referral_ids=[r.pk for r in referrals], action=AccessLogEntry.Action.EXPORT
    )
    return [
        {
            "sent": r.created_at.isoformat(),
            "by": r.sending_organisation.name,
            "to": r.team.name,
            "name": r.person_name,
            "contact": r.person_contact,
            "area": r.area.name if r.area else None,
            "about": r.categories,
            "in_a_few_words": r.free_text,
            "urgency": r.urgency,
            "ground": r.ground,
            "consent": {
                "given_by": r.consent_given_by,
                "how": r.consent_how,
                "when": r.consent_at.isoformat() if r.consent_at else None,
                "text_version": r.consent_text_version,
                "withdrawn": r.consent_withdrawn_at.isoformat() if r.consent_withdrawn_at else None,
            },
            "urgent_ground": r.urgent_ground_note or None,
            "status": r.status,
            "closed": r.closed_at.isoformat() if r.closed_at else None,
            "reason": r.closed_reason or None,
            "outcome": r.closed_note or None,
        }
        for r in referrals
    ]


def summarise_referrals(user: User) -> list[str]:
    referrals = _referrals(user)
    services.log_own_data(
        user=user, referral_ids=[r.pk for r in referrals], action=AccessLogEntry.Action.VIEW
    )
    labels = dict(Category.choices)
    return [
        _(
            "On %(date)s %(organisation)s referred you to %(team)s about: %(about)s. "
            "Status: %(status)s."
        )
        % {
            "date": date_format(localtime(r.created_at), "j F Y"),
            "organisation": r.sending_organisation.name,
            "team": r.team.name,
            "about": ", ".join(str(labels.get(c, c)) for c in r.categories),
            "status": r.get_status_display(),
        }
        for r in referrals
    ]


def erase_referrals(user: User) -> None:
    services.erase_for_resident(user=user)


personal_data.register(
    "referrals.about_me",
    label=gettext_lazy("Referrals to the wijkteam"),
    models=[Referral],
    export=export_referrals,
    summary=summarise_referrals,
    erase=erase_referrals,
    # Before the participant record is anonymised (attendance, 70): that unlinks the account.
    order=65,
)
for _field in ("sent_by", "consent_recorded_by"):
    personal_data.exempt(
        Referral,
        _field,
        why="The organisation's record of which coordinator referred or recorded consent.",
    )
personal_data.exempt(
    ReferralTransition,
    "by",
    why="The organisations' record of who changed a referral's status.",
)
