"""Factories and a small scene for the attendance tests."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from activities.models import Occurrence
from activities.services import local_datetime
from attendance.models import AttendanceSettings, ConsentHow, Participant
from tests.activities.factories import make_activity
from tests.factories import OrganisationFactory


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Deelnemer {n}")
    phone = "0345 123456"
    consent_how = ConsentHow.VERBAL
    consent_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))


def keep_attendance(organisation) -> None:
    AttendanceSettings.objects.update_or_create(
        organisation=organisation, defaults={"keeps_attendance": True}
    )


def activity_of(organisation, *, title: str = "Koffieochtend"):
    return make_activity(organisation=organisation, title=title)


def date_of(activity, *, days_ago: int = 0, **fields) -> Occurrence:
    """A stored date of the activity, `days_ago` days back (negative: to come), at 10:00."""
    day = timezone.localdate() - timedelta(days=days_ago)
    occurrence, _ = Occurrence.objects.update_or_create(
        activity=activity,
        original_date=day,
        defaults={
            "starts_at": local_datetime(day, time(10, 0)),
            "ends_at": local_datetime(day, time(11, 30)),
            **fields,
        },
    )
    return Occurrence.objects.select_related("activity__organisation__attendance_settings").get(
        pk=occurrence.pk
    )
