"""Becoming and being a volunteer: "I want to help" (applications a coordinator approves or
declines), the volunteer's own profile and certificates, and how long these are kept.

Approving an application gives the person the volunteer role at the organisation (a
network `Membership`), after which they see its open shifts. Views call these functions
with cleaned data; each runs in one transaction and raises DomainError with a translated
message the view shows as it is.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Membership, Organisation, Role, User
from network.permissions import forget_roles
from network.shared import DomainError

from . import emails
from .models import (
    ApplicationStatus,
    Certificate,
    CertificateKind,
    PartOfDay,
    SignUp,
    SignUpStatus,
    VolunteerApplication,
    VolunteerProfile,
    Weekday,
)
from .permissions import (
    can_coordinate_volunteers,
    takes_volunteers_q,
    volunteer_organisation_ids,
)

#: How long what is no longer needed is kept (documented in docs/architecture.md).
DECIDED_APPLICATION_DAYS = 90
EXPIRED_CERTIFICATE_DAYS = 365
CANCELLED_SIGNUP_DAYS = 30
#: A VOG is asked for again after this long, whatever its own date says.
VOG_VALID_YEARS = 3


def offering_organisations():
    """Where a newcomer can offer to help (or ask for help): organisations that take
    volunteers and have a coordinator to answer."""
    coordinators = Membership.objects.filter(
        organisation=OuterRef("pk"), role=Role.COORDINATOR, user__is_active=True
    )
    return Organisation.objects.filter(takes_volunteers_q(), Exists(coordinators)).order_by("name")


# "I want to help" ------------------------------------------------------------------------


@transaction.atomic
def apply_to_volunteer(
    *, user: User, organisation: Organisation, message: str = ""
) -> VolunteerApplication:
    """Ask to volunteer at an organisation; its coordinators hear of it by e-mail."""
    if not offering_organisations().filter(pk=organisation.pk).exists():
        raise DomainError(_("This organisation does not take volunteers through this site."))
    if organisation.pk in volunteer_organisation_ids(user):
        raise DomainError(
            _("You already volunteer for %(organisation)s.") % {"organisation": organisation}
        )
    application = VolunteerApplication(
        user=user, organisation=organisation, message=message.strip()
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise DomainError(
            _("You already offered to help %(organisation)s. A coordinator will get back to you.")
            % {"organisation": organisation}
        ) from None
    VolunteerProfile.objects.get_or_create(user=user)
    emails.queue_application_received(application)
    return application


def _locked_pending(application: VolunteerApplication) -> VolunteerApplication:
    locked = VolunteerApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.PENDING:
        raise DomainError(_("This offer to help has already been dealt with."))
    return locked


@transaction.atomic
def withdraw_application(*, user: User, application: VolunteerApplication) -> None:
    """The applicant changes their mind while the application still waits."""
    if application.user_id != user.pk:
        raise DomainError(_("Only the person who offered to help can withdraw it."))
    locked = _locked_pending(application)
    locked.status = ApplicationStatus.WITHDRAWN
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])


@transaction.atomic
def approve_application(
    *, coordinator: User, application: VolunteerApplication
) -> VolunteerApplication:
    """The person becomes a volunteer of the organisation and is told by e-mail."""
    if not can_coordinate_volunteers(coordinator, application.organisation):
        raise DomainError(_("Only a coordinator of this organisation can approve volunteers."))
    locked = _locked_pending(application)
    Membership.objects.get_or_create(
        user_id=locked.user_id,
        role=Role.VOLUNTEER,
        organisation_id=locked.organisation_id,
        defaults={"invited_by": coordinator},
    )
    locked.status = ApplicationStatus.APPROVED
    locked.decided_by = coordinator
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    forget_roles(application.user)
    emails.queue_application_approved(locked)
    return locked


@transaction.atomic
def decline_application(
    *, coordinator: User, application: VolunteerApplication
) -> VolunteerApplication:
    """Not this time: the person hears it kindly, without a reason in the e-mail."""
    if not can_coordinate_volunteers(coordinator, application.organisation):
        raise DomainError(_("Only a coordinator of this organisation can decline volunteers."))
    locked = _locked_pending(application)
    locked.status = ApplicationStatus.DECLINED
    locked.decided_by = coordinator
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    emails.queue_application_declined(locked)
    return locked


# The profile ------------------------------------------------------------------------------

#: Every (weekday, part of day) a volunteer can tick, in the order of the grid.
AVAILABILITY_SLOTS = [(day.value, part.value) for day in Weekday for part in PartOfDay]


def clean_availability(slots) -> list[list]:
    """[[weekday, part], …] in grid order, each once; anything else is left out."""
    wanted = set()
    for slot in slots or ():
        try:
            day, part = slot
            wanted.add((int(day), str(part)))
        except (TypeError, ValueError):
            continue
    return [[day, part] for day, part in AVAILABILITY_SLOTS if (day, part) in wanted]


def profile_of(user: User) -> VolunteerProfile:
    """The saved profile, or an unsaved empty one (reading writes no row)."""
    try:
        return user.volunteer_profile
    except VolunteerProfile.DoesNotExist:
        return VolunteerProfile(user=user)


@transaction.atomic
def save_profile(
    *,
    user: User,
    phone: str = "",
    contact_preference: str = "email",
    skills: str = "",
    interests: str = "",
    availability=(),
    birth_year: int | None = None,
) -> VolunteerProfile:
    this_year = timezone.localdate().year
    if birth_year is not None and not (this_year - 110 <= birth_year <= this_year - 10):
        raise DomainError(_("Please check the year of birth."))
    if contact_preference == "phone" and not phone.strip():
        raise DomainError(_("Give a telephone number if you want us to call you."))
    profile, _created = VolunteerProfile.objects.select_for_update().get_or_create(user=user)
    profile.phone = phone.strip()
    profile.contact_preference = contact_preference
    profile.skills = skills.strip()
    profile.interests = interests.strip()
    profile.availability = clean_availability(availability)
    profile.birth_year = birth_year
    profile.save()
    return profile


# Certificates -----------------------------------------------------------------------------


def vog_expiry(issued_on: date) -> date:
    """A VOG has no date of its own on it: organisations ask for a new one after
    VOG_VALID_YEARS, so that is when it counts as expired."""
    try:
        return issued_on.replace(year=issued_on.year + VOG_VALID_YEARS)
    except ValueError:  # 29 February
        return issued_on.replace(year=issued_on.year + VOG_VALID_YEARS, day=28)


def certificate_is_expired(certificate: Certificate, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return certificate.expires_on is not None and certificate.expires_on < today


@transaction.atomic
def add_certificate(
    *,
    user: User,
    kind: str,
    issued_on: date,
    expires_on: date | None = None,
    name: str = "",
) -> Certificate:
    today = timezone.localdate()
    if kind not in CertificateKind.values:
        raise DomainError(_("Choose what kind of certificate this is."))
    if issued_on > today:
        raise DomainError(_("The date of issue cannot be in the future."))
    if expires_on is not None and expires_on < issued_on:
        raise DomainError(_("The certificate cannot expire before it was issued."))
    if kind == CertificateKind.TRAINING and not name.strip():
        raise DomainError(_("Say which training it was, for example: EHBO."))
    if kind == CertificateKind.VOG and expires_on is None:
        expires_on = vog_expiry(issued_on)
    return Certificate.objects.create(
        user=user, kind=kind, name=name.strip(), issued_on=issued_on, expires_on=expires_on
    )


@transaction.atomic
def remove_certificate(*, user: User, certificate: Certificate) -> None:
    if certificate.user_id != user.pk:
        raise DomainError(_("You can only remove your own certificates."))
    certificate.delete()


# Retention --------------------------------------------------------------------------------


def _delete_in_batches(queryset) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by().values_list("pk", flat=True)[:5000])
            if not ids:
                return deleted
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


def purge_volunteer_data(*, now=None) -> dict[str, int]:
    """What has served its purpose goes: applications decided (approved, declined or
    withdrawn) DECIDED_APPLICATION_DAYS ago (the role itself is the record of an approval),
    certificates EXPIRED_CERTIFICATE_DAYS past their expiry date, and cancelled sign-ups
    CANCELLED_SIGNUP_DAYS after their shift. Set-based, in bounded batches; safe to run
    twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "applications": _delete_in_batches(
            VolunteerApplication.objects.exclude(status=ApplicationStatus.PENDING).filter(
                decided_at__lt=now - timedelta(days=DECIDED_APPLICATION_DAYS)
            )
        ),
        "certificates": _delete_in_batches(
            Certificate.objects.filter(
                expires_on__lt=today - timedelta(days=EXPIRED_CERTIFICATE_DAYS)
            )
        ),
        "signups": _delete_in_batches(
            SignUp.objects.filter(
                status=SignUpStatus.CANCELLED,
                shift__ends_at__lt=now - timedelta(days=CANCELLED_SIGNUP_DAYS),
            )
        ),
    }
