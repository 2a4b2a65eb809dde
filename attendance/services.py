"""Every write of attendance: participants, the roll-call at the door, absences, settings.

Keyword-only functions, each one transaction, refusing with network.shared.DomainError
(a message for the coordinator). Who may call them, the views ask attendance/permissions.py
first. Marking is idempotent and safe under concurrent taps: the unique constraints
(one RollCall per date, one Attendance per participant and date) decide, with INSERT …
ON CONFLICT DO NOTHING, so two phones at the door never make two rows nor an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from activities.models import Occurrence
from network.models import Area, Network, Organisation, User
from network.shared import DomainError

from . import signals
from .models import (
    SIGNAL_SETTING_BOUNDS,
    Absence,
    Attendance,
    AttendanceSettings,
    ClosedReason,
    ConsentHow,
    Participant,
    RollCall,
    SignalSettings,
)

#: Nobody counts more people at one door than this; a larger number is a typo.
MAX_HEAD_COUNT = 999
#: The fields a coordinator fills in on the participant form.
PARTICIPANT_FIELDS = (
    "name",
    "phone",
    "address",
    "area",
    "contact_person",
    "consent_how",
    "consent_on",
    "shared_with_network",
)


def local_day(occurrence: Occurrence) -> date:
    """The date's day in Europe/Amsterdam (the site's time zone), whatever is active."""
    return timezone.localtime(occurrence.starts_at, timezone.get_default_timezone()).date()


# Settings --------------------------------------------------------------------------------


def keeps_attendance(organisation: Organisation) -> bool:
    """Whether the organisation keeps attendance (no settings row: it does not). Uses a
    select_related("…attendance_settings") when the caller made one."""
    try:
        return organisation.attendance_settings.keeps_attendance
    except AttendanceSettings.DoesNotExist:
        return False


@transaction.atomic
def save_settings(*, organisation: Organisation, keeps: bool) -> AttendanceSettings:
    """Start or stop keeping attendance. Stopping keeps what was recorded."""
    saved, _created = AttendanceSettings.objects.update_or_create(
        organisation=organisation, defaults={"keeps_attendance": keeps}
    )
    return saved


# The thresholds of "not seen lately", per network ------------------------------------------


def signal_settings_of(network: Network) -> dict[str, int | Decimal]:
    """The network's thresholds as the nightly job uses them: its row, else the defaults
    in code (attendance.signals.DEFAULTS)."""
    row = SignalSettings.objects.filter(network=network).first()
    if row is not None:
        return {name: getattr(row, name) for name in SIGNAL_SETTING_BOUNDS}
    return {
        name: Decimal(str(value)) if isinstance(value, float) else value
        for name, value in asdict(signals.DEFAULTS).items()
        if name in SIGNAL_SETTING_BOUNDS
    }


def _threshold(name: str, value: object) -> int | Decimal:
    low, high = SIGNAL_SETTING_BOUNDS[name]
    field = SignalSettings._meta.get_field(name)
    try:
        if isinstance(low, Decimal):
            number = Decimal(str(value)).quantize(Decimal("0.1"))
        elif isinstance(value, bool) or int(value) != value:
            raise ValueError(value)
        else:
            number = int(value)
        if not low <= number <= high:
            raise ValueError(value)
    except (TypeError, ValueError, ArithmeticError):
        raise DomainError(
            _("%(what)s: choose a number from %(low)s to %(high)s.")
            % {"what": capfirst(field.verbose_name), "low": low, "high": high}
        ) from None
    return number


@transaction.atomic
def save_signal_settings(*, network: Network, values: Mapping[str, object]) -> SignalSettings:
    """A network administrator chooses the network's thresholds. Every one is given and
    within SIGNAL_SETTING_BOUNDS, or nothing is saved; the nightly job reads them at its
    next run."""
    missing = set(SIGNAL_SETTING_BOUNDS) - set(values)
    if missing:
        raise DomainError(_("Fill in every number."))
    checked = {name: _threshold(name, values[name]) for name in SIGNAL_SETTING_BOUNDS}
    row, _created = SignalSettings.objects.update_or_create(network=network, defaults=checked)
    return row


# Participants ----------------------------------------------------------------------------


def _check_participant_values(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise DomainError(_("Fill in the participant's name."))
    if values.get("consent_how") not in ConsentHow.values:
        raise DomainError(_("Say how the participant agreed to be registered."))
    consent_on = values.get("consent_on")
    if not isinstance(consent_on, date):
        raise DomainError(_("Say when the participant agreed to be registered."))
    if consent_on > timezone.localdate():
        raise DomainError(_("The day they agreed cannot be in the future."))


@transaction.atomic
def create_participant(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    consent_how: str,
    consent_on: date,
    phone: str = "",
    address: str = "",
    area: Area | None = None,
    contact_person: str = "",
    shared_with_network: bool = False,
) -> Participant:
    """Register someone who agreed to it. Only for organisations that keep attendance."""
    if not keeps_attendance(organisation):
        raise DomainError(_("Your organisation does not keep track of who comes."))
    values = {
        "name": name.strip(),
        "phone": phone.strip(),
        "address": address.strip(),
        "area": area,
        "contact_person": contact_person.strip(),
        "consent_how": consent_how,
        "consent_on": consent_on,
        "shared_with_network": shared_with_network,
    }
    _check_participant_values(values)
    return Participant.objects.create(organisation=organisation, consent_recorded_by=by, **values)


@transaction.atomic
def update_participant(*, participant: Participant, by: User, **changes) -> Participant:
    """Change what the form holds. A closed record stays closed: nothing to change."""
    if participant.is_closed:
        raise DomainError(_("This record is closed; it can no longer be changed."))
    unknown = set(changes) - set(PARTICIPANT_FIELDS)
    if unknown:
        raise TypeError(f"Not a participant field: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(participant, name, value.strip() if isinstance(value, str) else value)
    _check_participant_values({f: getattr(participant, f) for f in PARTICIPANT_FIELDS})
    fields = list(changes)
    if "consent_how" in changes or "consent_on" in changes:
        participant.consent_recorded_by = by
        fields.append("consent_recorded_by")
    participant.save(update_fields=[*fields, "updated_at"])
    return participant


@transaction.atomic
def close_participant(*, participant: Participant, reason: str, by: User) -> Participant:
    """Close the record (moved, passed away, no longer wants it): no more signals, no more
    marking. What was recorded stays for the counts."""
    if reason not in ClosedReason.values:
        raise DomainError(_("Choose why the record is closed."))
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.is_closed:
        raise DomainError(_("This record is already closed."))
    participant.closed_at = timezone.now()
    participant.closed_reason = reason
    participant.closed_by = by
    participant.save(update_fields=["closed_at", "closed_reason", "closed_by", "updated_at"])
    from .checkins import withdraw_open  # check-ins build on participants, not the reverse

    withdraw_open(participant=participant)
    return participant


@transaction.atomic
def set_follow_up(*, participant: Participant, follow_up: bool) -> Participant:
    """Whether to look out for them when they stay away. Off: still counted, no signals."""
    if participant.is_closed:
        raise DomainError(_("This record is closed; it can no longer be changed."))
    participant.follow_up = follow_up
    participant.save(update_fields=["follow_up", "updated_at"])
    return participant


@transaction.atomic
def anonymise_participant(*, participant: Participant) -> None:
    """What erasing a person leaves: a closed record without name or contact, so the dates
    they came still count in the overviews and can never be traced back to them."""
    participant.name = ""
    participant.phone = ""
    participant.address = ""
    participant.contact_person = ""
    participant.user = None
    participant.follow_up = False
    participant.shared_with_network = False
    if participant.closed_at is None:
        participant.closed_at = timezone.now()
        participant.closed_reason = ClosedReason.WITHDREW
    participant.save(
        update_fields=[
            "name",
            "phone",
            "address",
            "contact_person",
            "user",
            "follow_up",
            "shared_with_network",
            "closed_at",
            "closed_reason",
            "updated_at",
        ]
    )
    participant.absences.all().delete()


# Absences --------------------------------------------------------------------------------


@transaction.atomic
def add_absence(
    *, participant: Participant, starts_on: date, ends_on: date, note: str = ""
) -> Absence:
    """Away for a while ("on holiday until 12 March"): no signal on those days."""
    if participant.is_closed:
        raise DomainError(_("This record is closed; it can no longer be changed."))
    if ends_on < starts_on:
        raise DomainError(_("The last day cannot be before the first day."))
    return Absence.objects.create(
        participant=participant, starts_on=starts_on, ends_on=ends_on, note=note.strip()[:100]
    )


@transaction.atomic
def remove_absence(*, absence: Absence) -> None:
    absence.delete()


# Roll-call -------------------------------------------------------------------------------


def roll_call_refusal(occurrence: Occurrence, *, today: date | None = None) -> str | None:
    """Why attendance cannot be taken for this date, in words; None when it can. The
    occurrence should come with activity__organisation__attendance_settings."""
    if not keeps_attendance(occurrence.activity.organisation):
        return _("Your organisation does not keep track of who comes.")
    if occurrence.is_cancelled:
        return _("This date is cancelled.")
    if local_day(occurrence) > (today or timezone.localdate()):
        return _("You can keep track of who came from the day of the date itself.")
    return None


def _check_roll_call(occurrence: Occurrence) -> None:
    refusal = roll_call_refusal(occurrence)
    if refusal:
        raise DomainError(refusal)


def _take(occurrence: Occurrence, by: User) -> None:
    """Attendance was taken for this date: the first mark or count makes the row."""
    RollCall.objects.bulk_create(
        [RollCall(occurrence=occurrence, taken_by=by, taken_at=timezone.now())],
        ignore_conflicts=True,
    )


@transaction.atomic
def mark_attendance(
    *, occurrence: Occurrence, participant: Participant, present: bool, by: User
) -> None:
    """Mark a participant present (one row, however often) or not present (no row)."""
    _check_roll_call(occurrence)
    if present and participant.is_closed:
        raise DomainError(_("This record is closed; it can no longer be marked."))
    _take(occurrence, by)
    if present:
        Attendance.objects.bulk_create(
            [
                Attendance(
                    participant=participant,
                    occurrence=occurrence,
                    organisation_id=occurrence.activity.organisation_id,
                    activity_id=occurrence.activity_id,
                    day=local_day(occurrence),
                    area_id=participant.area_id,
                )
            ],
            ignore_conflicts=True,
        )
        signals.resolve_on_return(participant=participant, day=local_day(occurrence))
    else:
        Attendance.objects.filter(occurrence=occurrence, participant=participant).delete()


@transaction.atomic
def set_head_count(*, occurrence: Occurrence, head_count: int, by: User) -> None:
    """How many came who are not registered (counted, never named)."""
    _check_roll_call(occurrence)
    if not 0 <= head_count <= MAX_HEAD_COUNT:
        raise DomainError(_("The number must be between 0 and %(max)s.") % {"max": MAX_HEAD_COUNT})
    _take(occurrence, by)
    RollCall.objects.filter(occurrence=occurrence).update(head_count=head_count)


@transaction.atomic
def add_walk_in(
    *,
    occurrence: Occurrence,
    by: User,
    name: str,
    consent_how: str,
    consent_on: date,
    phone: str = "",
) -> Participant:
    """Someone new at the door who agrees to be registered: registered with the date's
    organisation (area: the organisation's own, to be corrected later) and marked present."""
    _check_roll_call(occurrence)
    organisation = occurrence.activity.organisation
    participant = create_participant(
        organisation=organisation,
        by=by,
        name=name,
        phone=phone,
        area=organisation.area,
        consent_how=consent_how,
        consent_on=consent_on,
    )
    mark_attendance(occurrence=occurrence, participant=participant, present=True, by=by)
    return participant
