"""Attendance in the village data set (attendance/seed.py), through `manage.py seed`: the
stories the inbox of "not seen lately" is shown with hold whatever day it is seeded on."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Max
from django.utils import timezone

from activities import seed as agenda_seed
from attendance.models import Absence, Attendance, CheckIn, Participant, Signal
from attendance.seed import NOT_TAKEN
from network.models import Organisation


@pytest.fixture(params=[date(2026, 11, 26), date(2026, 12, 7)], ids=["thursday", "monday"])
def village(request, db, monkeypatch) -> date:
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: request.param)
    call_command("seed", scale="village", stdout=StringIO())
    return request.param


def last_seen(name: str) -> date:
    return Participant.objects.filter(name=name).aggregate(last=Max("attendances__day"))["last"]


def weeks_since(day: date, today: date) -> int:
    return (today - day).days // 7


def test_the_stories_of_the_village(village):
    today = village
    assert weeks_since(last_seen("Truus van Dijk"), today) >= 4
    assert weeks_since(last_seen("Henk Bouwman"), today) >= 5
    assert last_seen("Corrie de Groot").month in (6, 7)  # until the summer break
    assert weeks_since(last_seen("Bep Kortenhoeven"), today) >= 9
    assert weeks_since(last_seen("Wim Hol"), today) < 2  # he came back
    assert Absence.objects.filter(
        participant__name="Jan Verwoerd", starts_on__lte=today, ends_on__gte=today
    ).exists()
    regulars = Participant.objects.filter(name__in=["Annie Blom", "Gerda Smit", "Nel van Wijk"])
    for participant in regulars:
        assert weeks_since(last_seen(participant.name), today) < 3
        assert participant.attendances.count() >= 30
    assert Participant.objects.get(name="Hennie Peters").attendances.count() < 8  # now and then


def test_attendance_is_taken_on_every_past_date_but_one_and_never_on_cancelled_ones(village):
    today = village
    welzijn = Organisation.objects.get(slug="welzijn-west-betuwe")
    assert welzijn.attendance_settings.keeps_attendance
    dates = (
        welzijn.activities.get(title="Stoelyoga")
        .occurrences.filter(original_date__lt=today)
        .select_related("roll_call")
        .order_by("starts_at")
    )
    start, end = agenda_seed.last_summer_break(today)
    assert not [d for d in dates if start <= d.original_date <= end]  # the summer break
    assert len([d for d in dates if d.original_date < start]) > 15
    untaken = [d for d in dates if not d.is_cancelled and not hasattr(d, "roll_call")]
    taken = [d for d in dates if not d.is_cancelled]
    assert untaken == [taken[-NOT_TAKEN[1]]]
    assert not Attendance.objects.filter(occurrence__is_cancelled=True).exists()
    assert not Attendance.objects.filter(occurrence__in=untaken).exists()


def test_each_attendance_row_holds_what_its_date_says(village):
    rows = Attendance.objects.all()
    assert rows.count() > 500
    assert not rows.exclude(organisation_id=F("occurrence__activity__organisation_id")).exists()
    assert not rows.exclude(activity_id=F("occurrence__activity_id")).exists()
    assert not rows.exclude(area_id=F("participant__area_id")).exists()
    for row in rows.select_related("occurrence")[:50]:
        local = timezone.localtime(row.occurrence.starts_at, timezone.get_default_timezone())
        assert row.day == local.date()


def test_seeding_again_gives_the_same_attendance(village):
    first = sorted(Attendance.objects.values_list("participant__name", "day"))
    call_command("seed", scale="village", flush=True, stdout=StringIO())
    assert sorted(Attendance.objects.values_list("participant__name", "day")) == first


def test_a_volunteer_was_asked_to_drop_by_twice(village):
    answered = CheckIn.objects.get(answered_at__isnull=False)
    open_ = CheckIn.objects.get(answered_at__isnull=True)
    assert answered.participant.name == "Henk Bouwman" and answered.outcome == "could_use_help"
    assert open_.participant.name == "Truus van Dijk" and not open_.answered_at
    assert open_.volunteer.memberships.filter(
        organisation=open_.organisation, role="volunteer"
    ).exists()


def test_the_inbox_shows_who_stopped_coming_and_not_who_is_away(village):
    """The signals the seed raises (as the nightly job would): the regulars who stopped,
    not Jan (on holiday), not Wim (came back), not the ones who come now and then."""
    names = set(Signal.objects.values_list("participant__name", flat=True))
    assert names == {"Truus van Dijk", "Henk Bouwman", "Bep Kortenhoeven", "Corrie de Groot"}
