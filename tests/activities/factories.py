"""Factories for the agenda. Activities are created through the service, as editors do,
so their dates are stored the way the site stores them."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from activities import services
from activities.models import Activity, Frequency, Place, Room, Status, Theme
from tests.factories import MunicipalityFactory, OrganisationFactory


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Dorpshuis {n}")
    slug = factory.Sequence(lambda n: f"dorpshuis-{n}")
    address = "Dorpsstraat 1"
    postcode = "4153 AA"
    town = "Beesd"
    municipality = factory.SubFactory(MunicipalityFactory)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    place = factory.SubFactory(PlaceFactory)
    name = factory.Sequence(lambda n: f"Zaal {n}")


def make_activity(
    *,
    organisation=None,
    title: str = "Koffieochtend",
    start_date=None,
    start_time=time(10, 0),
    end_time=time(11, 30),
    frequency: str = Frequency.WEEKLY,
    status: str = Status.PUBLISHED,
    **data,
) -> Activity:
    """A published activity with its stored dates, made through services.create_activity."""
    organisation = organisation or OrganisationFactory(is_trusted=True)
    activity = services.create_activity(
        organisation=organisation,
        created_by=None,
        data={
            "title": title,
            "theme": data.pop("theme", Theme.MEETING),
            "start_date": start_date or timezone.localdate() + timedelta(days=1),
            "start_time": start_time,
            "end_time": end_time,
            "frequency": frequency,
            **data,
        },
        submit=status != Status.DRAFT,
    )
    if activity.status != status:
        Activity.objects.filter(pk=activity.pk).update(status=status)
        activity.refresh_from_db()
    return activity
