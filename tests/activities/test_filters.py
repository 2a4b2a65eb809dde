"""Agenda filters at region scale and at the edges of the calendar."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from activities import services
from activities.filters import OccurrenceFilter
from activities.models import Occurrence, Status
from network.shared import DomainError
from tests.activities.factories import make_activity
from tests.factories import NetworkFactory, OrganisationFactory


def _offered(filterset, name):
    choices = filterset.display_form.fields[name].widget.choices
    return {str(label) for value, label in choices if value}


def test_region_dropdowns_wait_for_a_network(world, monkeypatch):
    monkeypatch.setattr(OccurrenceFilter, "MAX_CHOICES", 2)
    elsewhere = OrganisationFactory(name="Ver weg", networks=[NetworkFactory()])
    unfiltered = OccurrenceFilter({}, queryset=Occurrence.objects.all())
    assert _offered(unfiltered, "organisation") == set()
    in_beesd = OccurrenceFilter({"network": "beesd"}, queryset=Occurrence.objects.all())
    assert "Het Klokhuis" in _offered(in_beesd, "organisation")
    assert elsewhere.name not in _offered(in_beesd, "organisation")
    # A chosen organisation stays on offer and still filters, even outside the network.
    chosen = OccurrenceFilter({"organisation": elsewhere.slug}, queryset=Occurrence.objects.all())
    assert _offered(chosen, "organisation") == {"Ver weg"}
    assert chosen.is_valid()


@pytest.mark.parametrize("params", [{"start": "0001-01-01"}, {"end": "9999-12-31"}])
def test_far_off_dates_are_reported_not_crashing(world, client, params):
    for url in ["/agenda/", "/agenda.ics", "/insluiten/"]:
        assert client.get(url, params).status_code == 200, url


def test_editing_through_a_form_still_regenerates_dates(world):
    activity = make_activity(organisation=world.organisation, start_time=time(10, 0))
    # What a ModelForm does: the new value is on the instance before the service runs.
    activity.start_time = time(14, 0)
    services.update_activity(activity=activity, data={"start_time": time(14, 0)})
    first = activity.occurrences.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at).hour == 14


def test_a_never_published_activity_cannot_be_cancelled(world):
    activity = make_activity(organisation=world.organisation, status=Status.DRAFT)
    with pytest.raises(DomainError):
        services.cancel_activity(activity=activity, reason="Toch niet")
    activity.refresh_from_db()
    assert activity.status == Status.DRAFT


def test_cancelling_marks_the_activity_changed(world):
    activity = make_activity(organisation=world.organisation)
    before = activity.updated_at
    services.cancel_activity(activity=activity, reason="Zaal gesloten")
    activity.refresh_from_db()
    assert activity.updated_at > before
    assert activity.start_date >= timezone.localdate() - timedelta(days=1)
