"""Factories for volunteering. Rows are made directly (fast, for lists and permissions);
tests of the rules themselves go through the services (volunteers/signups.py, shifts.py)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from tests.factories import OrganisationFactory, UserFactory
from volunteers.models import (
    Certificate,
    CertificateKind,
    HelpRequest,
    Shift,
    SignUp,
    SignUpStatus,
    Task,
    VolunteerProfile,
)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Koffie schenken {n}")
    description = "Koffie en thee schenken, een praatje maken."
    volunteers_needed = 2
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=2))


def _next_start(n: int):
    base = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    # Within the next 200 days, whatever the sequence has reached in a long test run
    # (tests place "far ahead" shifts beyond that); distinct days for up to 200 shifts.
    return base + timedelta(days=2 + n % 200)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    task = factory.SubFactory(TaskFactory)
    starts_at = factory.Sequence(_next_start)
    ends_at = factory.LazyAttribute(lambda shift: shift.starts_at + timedelta(hours=2))
    original_date = factory.LazyAttribute(lambda shift: timezone.localtime(shift.starts_at).date())
    places = factory.LazyAttribute(lambda shift: shift.task.volunteers_needed)


class SignUpFactory(factory.django.DjangoModelFactory):
    """A confirmed sign-up; keeps the shift's confirmed_count as the services would."""

    class Meta:
        model = SignUp
        skip_postgeneration_save = True

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(UserFactory)
    status = SignUpStatus.CONFIRMED

    @factory.post_generation
    def count(obj, create, extracted, **kwargs):
        if create and obj.status == SignUpStatus.CONFIRMED:
            Shift.objects.filter(pk=obj.shift_id).update(
                confirmed_count=obj.shift.signups.confirmed().count()
            )
            obj.shift.refresh_from_db()


class VolunteerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerProfile

    user = factory.SubFactory(UserFactory)
    phone = "0345 123 456"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    user = factory.SubFactory(UserFactory)
    kind = CertificateKind.VOG
    issued_on = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: date.today() + timedelta(days=3 * 365))


class HelpRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpRequest

    organisation = factory.SubFactory(OrganisationFactory)
    title = "Iemand om mee te wandelen"
    rough_location = "bij de kerk"
    requester_name = "Mevrouw De Vries"
    requester_contact = "0345 111 222"
