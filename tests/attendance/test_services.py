"""The rules of attendance, through the services: settings, participants, marking (idempotent,
"not present" leaves no row, a roll-call is recorded), head count, walk-ins, absences,
closing and opting out."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from attendance import services
from attendance.models import (
    Absence,
    Attendance,
    ClosedReason,
    ConsentHow,
    Participant,
    RollCall,
)
from network.shared import DomainError
from tests.factories import AreaFactory

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance


@pytest.fixture
def scene(world):
    keep_attendance(world.organisation)
    activity = activity_of(world.organisation)
    area = AreaFactory(municipality=world.municipality)
    return {
        "activity": activity,
        "today": date_of(activity, days_ago=0),
        "last_week": date_of(activity, days_ago=7),
        "participant": ParticipantFactory(organisation=world.organisation, area=area),
        "coordinator": world.users["coordinator"],
        "area": area,
    }


def test_an_organisation_keeps_no_attendance_until_it_says_so(world):
    assert not services.keeps_attendance(world.organisation)
    with pytest.raises(DomainError):
        services.create_participant(
            organisation=world.organisation,
            by=world.users["coordinator"],
            name="Truus",
            consent_how=ConsentHow.VERBAL,
            consent_on=timezone.localdate(),
        )
    services.save_settings(organisation=world.organisation, keeps=True)
    world.organisation.refresh_from_db()
    assert services.keeps_attendance(world.organisation)


def test_marking_twice_gives_one_row_with_what_overviews_group_by(scene):
    occurrence, participant = scene["last_week"], scene["participant"]
    for _ in range(2):
        services.mark_attendance(
            occurrence=occurrence, participant=participant, present=True, by=scene["coordinator"]
        )
    row = Attendance.objects.get()
    assert (row.participant, row.occurrence) == (participant, occurrence)
    assert row.organisation_id == occurrence.activity.organisation_id
    assert row.activity_id == occurrence.activity_id
    assert row.day == timezone.localdate() - timedelta(days=7)
    assert row.area_id == scene["area"].pk
    roll_call = RollCall.objects.get()
    assert roll_call.occurrence == occurrence and roll_call.taken_by == scene["coordinator"]


def test_not_present_leaves_no_row_but_attendance_was_taken(scene):
    occurrence, participant = scene["today"], scene["participant"]
    services.mark_attendance(
        occurrence=occurrence, participant=participant, present=True, by=scene["coordinator"]
    )
    services.mark_attendance(
        occurrence=occurrence, participant=participant, present=False, by=scene["coordinator"]
    )
    assert not Attendance.objects.exists()
    assert RollCall.objects.filter(occurrence=occurrence).count() == 1


def test_the_database_refuses_a_second_row(scene):
    services.mark_attendance(
        occurrence=scene["today"],
        participant=scene["participant"],
        present=True,
        by=scene["coordinator"],
    )
    row = Attendance.objects.get()
    row.pk = None
    with pytest.raises(IntegrityError):
        row.save()


def test_no_marking_before_the_day_on_a_cancelled_date_or_a_closed_record(scene):
    coming = date_of(scene["activity"], days_ago=-1)
    cancelled = date_of(scene["activity"], days_ago=14, is_cancelled=True)
    for occurrence in (coming, cancelled):
        with pytest.raises(DomainError):
            services.mark_attendance(
                occurrence=occurrence,
                participant=scene["participant"],
                present=True,
                by=scene["coordinator"],
            )
    services.close_participant(
        participant=scene["participant"], reason=ClosedReason.MOVED, by=scene["coordinator"]
    )
    with pytest.raises(DomainError):
        services.mark_attendance(
            occurrence=scene["today"],
            participant=scene["participant"],
            present=True,
            by=scene["coordinator"],
        )
    assert not Attendance.objects.exists() and not RollCall.objects.exists()


def test_head_count_is_recorded_and_bounded(scene):
    services.set_head_count(occurrence=scene["today"], head_count=7, by=scene["coordinator"])
    assert RollCall.objects.get().head_count == 7
    services.set_head_count(occurrence=scene["today"], head_count=3, by=scene["coordinator"])
    assert RollCall.objects.get().head_count == 3
    with pytest.raises(DomainError):
        services.set_head_count(occurrence=scene["today"], head_count=5000, by=scene["coordinator"])
    assert RollCall.objects.get().head_count == 3


def test_a_walk_in_is_registered_with_consent_and_marked_present(scene, world):
    participant = services.add_walk_in(
        occurrence=scene["today"],
        by=scene["coordinator"],
        name="  Gerrit  ",
        consent_how=ConsentHow.WRITTEN,
        consent_on=timezone.localdate(),
    )
    assert participant.name == "Gerrit"
    assert participant.organisation == world.organisation
    assert participant.consent_recorded_by == scene["coordinator"]
    assert Attendance.objects.filter(participant=participant, occurrence=scene["today"]).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": " "},
        {"consent_how": "nodded"},
        {"consent_on": None},
        {"consent_on": timezone.localdate() + timedelta(days=3)},
    ],
)
def test_a_walk_in_needs_a_name_and_consent(scene, changes):
    data = {
        "name": "Gerrit",
        "consent_how": ConsentHow.VERBAL,
        "consent_on": timezone.localdate(),
        **changes,
    }
    with pytest.raises(DomainError):
        services.add_walk_in(occurrence=scene["today"], by=scene["coordinator"], **data)
    assert not Participant.objects.filter(name="Gerrit").exists()
    assert not RollCall.objects.exists()


def test_closing_stops_signals_and_cannot_happen_twice(scene):
    participant = scene["participant"]
    assert participant.gets_signals
    services.close_participant(
        participant=participant, reason=ClosedReason.WITHDREW, by=scene["coordinator"]
    )
    participant.refresh_from_db()
    assert participant.is_closed and not participant.gets_signals
    assert participant.closed_by == scene["coordinator"]
    with pytest.raises(DomainError):
        services.close_participant(
            participant=participant, reason=ClosedReason.MOVED, by=scene["coordinator"]
        )
    with pytest.raises(DomainError):
        services.update_participant(participant=participant, by=scene["coordinator"], name="X")


def test_opting_out_of_follow_up_keeps_counting(scene):
    participant = services.set_follow_up(participant=scene["participant"], follow_up=False)
    assert not participant.gets_signals
    services.mark_attendance(
        occurrence=scene["today"], participant=participant, present=True, by=scene["coordinator"]
    )
    assert Attendance.objects.count() == 1


def test_absences(scene):
    today = timezone.localdate()
    absence = services.add_absence(
        participant=scene["participant"],
        starts_on=today,
        ends_on=today + timedelta(days=10),
        note="Op vakantie",
    )
    assert Absence.objects.get() == absence
    with pytest.raises(DomainError):
        services.add_absence(
            participant=scene["participant"], starts_on=today, ends_on=today - timedelta(days=1)
        )
    services.remove_absence(absence=absence)
    assert not Absence.objects.exists()


def test_anonymising_keeps_the_counts_and_nothing_that_names_them(scene, world):
    participant = scene["participant"]
    participant.user = world.users["resident"]
    participant.save(update_fields=["user"])
    services.mark_attendance(
        occurrence=scene["today"], participant=participant, present=True, by=scene["coordinator"]
    )
    services.add_absence(
        participant=participant, starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    services.anonymise_participant(participant=participant)
    participant.refresh_from_db()
    assert (participant.name, participant.phone, participant.address) == ("", "", "")
    assert participant.user is None and participant.is_closed and not participant.follow_up
    assert Attendance.objects.filter(participant=participant).count() == 1
    assert not Absence.objects.exists()
