"""What volunteering keeps about a person, registered with network.personal_data: the
volunteer profile, certificates, offers to help (applications), shifts signed up for (and
the hours), help requests the person asked and offers of help they made. Each kind is
shown on "my data", downloaded, and erased when the account goes.

How long each is kept when the account stays is in `profiles.purge_volunteer_data` and
`help.purge_closed_help_requests` (docs/architecture.md, "Volunteering").
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network import personal_data
from network.models import User

from .models import (
    ACTIVE_SIGNUP_STATUSES,
    Certificate,
    HelpRequest,
    HelpResponse,
    PartOfDay,
    Shift,
    SignUp,
    SignUpStatus,
    Task,
    VolunteerApplication,
    VolunteerProfile,
    Weekday,
)


def _day(value) -> str:
    return date_format(value, "j F Y") if value else ""


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# The profile -------------------------------------------------------------------------------


def _profile(user: User) -> VolunteerProfile | None:
    return VolunteerProfile.objects.filter(user=user).first()


def export_profile(user: User) -> dict | None:
    profile = _profile(user)
    if profile is None:
        return None
    return {
        "phone": profile.phone,
        "contact_preference": profile.contact_preference,
        "skills": profile.skills,
        "interests": profile.interests,
        "availability": profile.availability,
        "birth_year": profile.birth_year,
        "created": profile.created_at.isoformat(),
        "updated": profile.updated_at.isoformat(),
    }


def availability_in_words(availability) -> list[str]:
    """["Monday morning", …] in the reader's language."""
    days = dict(Weekday.choices)
    parts = dict(PartOfDay.choices)
    words = []
    for slot in availability or ():
        try:
            day, part = slot
            words.append(f"{days[int(day)]} {parts[part]}")
        except (KeyError, TypeError, ValueError):
            continue
    return words


def summarise_profile(user: User) -> list[str]:
    profile = _profile(user)
    if profile is None:
        return []
    lines = [
        _("Telephone: %(phone)s") % {"phone": profile.phone or _("not given")},
        _("How we reach you: %(how)s") % {"how": profile.get_contact_preference_display()},
    ]
    if profile.skills:
        lines.append(_("What you are good at: %(text)s") % {"text": profile.skills})
    if profile.interests:
        lines.append(_("What you would like to do: %(text)s") % {"text": profile.interests})
    if profile.availability:
        lines.append(
            _("Usually free: %(when)s")
            % {"when": ", ".join(availability_in_words(profile.availability))}
        )
    if profile.birth_year:
        lines.append(_("Year of birth: %(year)s") % {"year": profile.birth_year})
    return lines


# Certificates ------------------------------------------------------------------------------


def export_certificates(user: User) -> list[dict]:
    return [
        {
            "kind": c.kind,
            "name": c.name,
            "issued_on": _iso(c.issued_on),
            "expires_on": _iso(c.expires_on),
        }
        for c in Certificate.objects.filter(user=user).order_by("kind", "issued_on", "pk")
    ]


def summarise_certificates(user: User) -> list[str]:
    lines = []
    for c in Certificate.objects.filter(user=user).order_by("kind", "issued_on", "pk"):
        line = f"{c} · " + _("issued %(date)s") % {"date": _day(c.issued_on)}
        if c.expires_on:
            line += ", " + _("valid until %(date)s") % {"date": _day(c.expires_on)}
        lines.append(line)
    return lines


# Applications ------------------------------------------------------------------------------


def _applications(user: User):
    return (
        VolunteerApplication.objects.filter(user=user)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def export_applications(user: User) -> list[dict]:
    return [
        {
            "organisation": a.organisation.name,
            "message": a.message,
            "status": a.status,
            "created": a.created_at.isoformat(),
            "decided": _iso(a.decided_at),
        }
        for a in _applications(user)
    ]


def summarise_applications(user: User) -> list[str]:
    return [
        f"{a.organisation.name}, {_day(timezone.localtime(a.created_at))} · "
        f"{a.get_status_display()}"
        for a in _applications(user)
    ]


# Sign-ups and hours ------------------------------------------------------------------------


def _signups(user: User):
    return (
        SignUp.objects.filter(volunteer=user)
        .select_related("shift__task__organisation")
        .order_by("shift__starts_at", "pk")
    )


def export_signups(user: User) -> list[dict]:
    return [
        {
            "task": s.shift.task.title,
            "organisation": s.shift.task.organisation.name,
            "starts": s.shift.starts_at.isoformat(),
            "ends": s.shift.ends_at.isoformat(),
            "status": s.status,
            "signed_up": s.created_at.isoformat(),
            "cancelled": _iso(s.cancelled_at),
            "no_show_recorded": _iso(s.no_show_recorded_at),
            "hours": str(s.hours_approved) if s.hours_approved is not None else None,
        }
        for s in _signups(user)
    ]


def summarise_signups(user: User) -> list[str]:
    lines = []
    for s in _signups(user):
        when = date_format(timezone.localtime(s.shift.starts_at), "l j F Y, H:i")
        line = f"{s.shift.task.title} ({s.shift.task.organisation.name}), {when} · "
        line += s.get_status_display()
        if s.hours_approved is not None:
            line += " · " + _("%(hours)s hours") % {"hours": s.hours_approved}
        if s.no_show_recorded_at:
            line += " · " + _("recorded as not come")
        lines.append(line)
    return lines


@transaction.atomic
def erase_signups(user: User) -> None:
    """A place held on a coming shift is given up first, whatever the cancel deadline:
    it goes to the first on the waiting list, as when the volunteer cancels. The rows go
    with the account."""
    from .signups import offer_free_places

    now = timezone.now()
    coming = SignUp.objects.filter(
        volunteer=user, status__in=ACTIVE_SIGNUP_STATUSES, shift__starts_at__gt=now
    ).values_list("pk", "shift_id")
    for signup_id, shift_id in sorted(coming, key=lambda row: row[1]):
        shift = Shift.objects.select_for_update().get(pk=shift_id)
        signup = SignUp.objects.get(pk=signup_id)
        was_confirmed = signup.status == SignUpStatus.CONFIRMED
        signup.status = SignUpStatus.CANCELLED
        signup.cancelled_at = now
        signup.offer_expires_at = None
        signup.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
        if was_confirmed:
            Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") - 1)
            shift.refresh_from_db()
        offer_free_places(shift=shift, now=now)


# Help requests and offers of help ----------------------------------------------------------


def _help_requests(user: User):
    return (
        HelpRequest.objects.filter(requester=user)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def export_help_requests(user: User) -> list[dict]:
    return [
        {
            "organisation": r.organisation.name,
            "title": r.title,
            "description": r.description,
            "rough_location": r.rough_location,
            "frequency": r.frequency,
            "name": r.requester_name,
            "contact": r.requester_contact,
            "status": r.status,
            "created": r.created_at.isoformat(),
            "closed": _iso(r.closed_at),
        }
        for r in _help_requests(user)
    ]


def summarise_help_requests(user: User) -> list[str]:
    return [
        f"{r.title} ({r.organisation.name}), {_day(timezone.localtime(r.created_at))} · "
        f"{r.get_status_display()}"
        for r in _help_requests(user)
    ]


@transaction.atomic
def erase_help_requests(user: User) -> None:
    """The person's requests hold their name and contact: they go, with the offers of help
    made for them (a request posted by a coordinator on someone's behalf stays: it is
    the organisation's, and names nobody's account)."""
    HelpRequest.objects.filter(requester=user).delete()


def _help_responses(user: User):
    return (
        HelpResponse.objects.filter(volunteer=user)
        .select_related("request__organisation")
        .order_by("created_at", "pk")
    )


def export_help_responses(user: User) -> list[dict]:
    return [
        {
            "organisation": r.request.organisation.name,
            "request": r.request.title,
            "message": r.message,
            "status": r.status,
            "turn": r.rotation_position,
            "created": r.created_at.isoformat(),
        }
        for r in _help_responses(user)
    ]


def summarise_help_responses(user: User) -> list[str]:
    return [
        f"{r.request.title} ({r.request.organisation.name}), "
        f"{_day(timezone.localtime(r.created_at))} · {r.get_status_display()}"
        for r in _help_responses(user)
    ]


# Registration ------------------------------------------------------------------------------


def register_kinds() -> None:
    """Called from VolunteersConfig.ready()."""
    personal_data.register(
        "volunteer_profile",
        label=gettext_lazy("Your volunteer profile"),
        export=export_profile,
        summary=summarise_profile,
        models=[VolunteerProfile],
        order=60,
    )
    personal_data.register(
        "volunteer_certificates",
        label=gettext_lazy("Your certificates"),
        export=export_certificates,
        summary=summarise_certificates,
        models=[Certificate],
        order=61,
    )
    personal_data.register(
        "volunteer_applications",
        label=gettext_lazy("Your offers to volunteer"),
        export=export_applications,
        summary=summarise_applications,
        models=[VolunteerApplication],
        order=62,
    )
    personal_data.register(
        "volunteer_signups",
        label=gettext_lazy("Your shifts as a volunteer, and hours"),
        export=export_signups,
        summary=summarise_signups,
        erase=erase_signups,
        models=[SignUp],
        order=63,
    )
    personal_data.register(
        "help_requests",
        label=gettext_lazy("Help you asked for"),
        export=export_help_requests,
        summary=summarise_help_requests,
        erase=erase_help_requests,
        models=[HelpRequest],
        order=64,
    )
    personal_data.register(
        "help_responses",
        label=gettext_lazy("Your offers of help"),
        export=export_help_responses,
        summary=summarise_help_responses,
        models=[HelpResponse],
        order=65,
    )
    personal_data.exempt(
        Task,
        "created_by",
        why="Who entered a volunteer task: the organisation's record, cleared with the account.",
    )


# Imported from VolunteersConfig.ready(): registering is what importing this module does.
register_kinds()
