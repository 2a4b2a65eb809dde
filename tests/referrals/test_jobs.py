"""Reminders (working days, once, run twice sends once), the retention purge (dates, what
remains, logged), the e-mails (nothing personal) and "my data"."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from attendance.models import Participant
from network import outbox, personal_data
from network.models import AccessLogEntry, OutboxMessage, Role
from referrals import services, workdays
from referrals.models import Referral, Status
from referrals.tasks import purge_referrals, remind_referrals
from tests.attendance.factories import ParticipantFactory
from tests.factories import MembershipFactory

from .factories import SECRET_CONSENT, SECRET_CONTACT, SECRET_NAME, SECRET_TEXT, send

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM)


def deliver_all() -> None:
    for pk in OutboxMessage.objects.filter(handled_at__isnull=True).values_list("pk", flat=True):
        outbox.deliver(pk)


# Working days ------------------------------------------------------------------------------


def test_working_days_skip_weekends_and_public_holidays():
    assert workdays.is_working_day(date(2026, 12, 4))  # a Friday
    assert not workdays.is_working_day(date(2026, 12, 5))
    assert not workdays.is_working_day(date(2026, 12, 25))
    assert not workdays.is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not workdays.is_working_day(date(2026, 4, 27))  # King's Day
    assert not workdays.is_working_day(date(2025, 4, 26))  # King's Day on a Saturday (27 Sunday)
    assert not workdays.is_working_day(date(2026, 5, 14))  # Ascension Day
    assert not workdays.is_working_day(date(2026, 5, 25))  # Whit Monday
    assert workdays.is_working_day(date(2026, 5, 5))  # Liberation Day, not a lustrum year
    assert not workdays.is_working_day(date(2025, 5, 5))
    assert workdays.working_days_between(date(2026, 12, 4), date(2026, 12, 8)) == 2  # Fri→Tue
    assert workdays.working_days_between(date(2026, 12, 23), date(2026, 12, 29)) == 3


@pytest.mark.parametrize(
    "sent,now,due",
    [
        (date(2026, 11, 30), date(2026, 12, 1), False),  # Mon → Tue: one working day
        (date(2026, 11, 30), date(2026, 12, 2), True),  # Mon → Wed: two
        (date(2026, 12, 4), date(2026, 12, 7), False),  # Fri → Mon: one
        (date(2026, 12, 4), date(2026, 12, 8), True),  # Fri → Tue: two
        (date(2026, 12, 23), date(2026, 12, 25), False),  # Wed → Christmas: one
        (date(2026, 12, 23), date(2026, 12, 28), True),  # Wed → Mon after Christmas: two
    ],
)
def test_the_team_is_reminded_after_two_working_days(world, sent, now, due):
    referral = send(world)
    Referral.objects.filter(pk=referral.pk).update(assigned_at=at(sent, 16))
    assert (workdays.working_days_between(sent, now) >= 2) == due
    assert services.queue_reminders(now=at(now, 9))["teams"] == (1 if due else 0)


def test_the_cut_off_agrees_with_counting_days():
    start = date(2026, 12, 1)
    for offset in range(60):
        today = start + timedelta(days=offset)
        for n in (1, 2, 4):
            cut = workdays.due_before(at(today, 9), n)
            for back in range(1, 15):
                sent = today - timedelta(days=back)
                due = at(sent, 16) < cut
                assert due == (workdays.working_days_between(sent, today) >= n), (sent, today, n)


def test_reminders_go_once_to_the_team_then_once_to_the_sender(world):
    referral = send(world)
    sent = date(2026, 11, 30)  # a Monday
    Referral.objects.filter(pk=referral.pk).update(assigned_at=at(sent))
    OutboxMessage.objects.all().delete()
    assert services.queue_reminders(now=at(date(2026, 12, 2))) == {"teams": 1, "senders": 0}
    assert services.queue_reminders(now=at(date(2026, 12, 2))) == {"teams": 0, "senders": 0}
    assert services.queue_reminders(now=at(date(2026, 12, 3))) == {"teams": 0, "senders": 0}
    assert services.queue_reminders(now=at(date(2026, 12, 4))) == {"teams": 0, "senders": 1}
    assert services.queue_reminders(now=at(date(2026, 12, 10))) == {"teams": 0, "senders": 0}
    kinds = list(OutboxMessage.objects.values_list("kind", "recipient__email").order_by("id"))
    assert kinds == [
        ("referrals.reminder_team", "wijkteam@example.org"),
        ("referrals.reminder_sender", "coordinator@example.org"),
    ]


def test_the_task_run_twice_sends_once_and_a_picked_up_referral_is_not_reminded(world):
    waiting = send(world)
    accepted = send(world)
    services.accept_referral(referral=accepted, by=world.users["wijkteam"])
    Referral.objects.update(assigned_at=timezone.now() - timedelta(days=30))
    deliver_all()
    mail.outbox.clear()
    remind_referrals.delay()
    remind_referrals.delay()
    deliver_all()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["Er wacht een verwijzing op uw team", "Uw verwijzing is nog niet opgepakt"]
    assert Referral.objects.get(pk=waiting.pk).reminded_team_at is not None
    assert Referral.objects.get(pk=accepted.pk).reminded_team_at is None


@override_settings(REFERRAL_REMIND_TEAM_AFTER=5, REFERRAL_REMIND_SENDER_AFTER=8)
def test_the_number_of_working_days_is_a_setting(world):
    referral = send(world)
    Referral.objects.filter(pk=referral.pk).update(assigned_at=at(date(2026, 11, 30)))
    assert services.queue_reminders(now=at(date(2026, 12, 4)))["teams"] == 0
    assert services.queue_reminders(now=at(date(2026, 12, 7)))["teams"] == 1


def test_a_reassigned_referral_is_reminded_again_from_its_new_team(world):
    from tests.factories import OrganisationFactory

    referral = send(world)
    Referral.objects.filter(pk=referral.pk).update(assigned_at=at(date(2026, 11, 30)))
    services.queue_reminders(now=at(date(2026, 12, 2)))
    other = OrganisationFactory(kind="wijkteam", municipality=world.municipality)
    MembershipFactory(role=Role.WIJKTEAM, organisation=other)
    services.reassign_referral(referral=referral, by=world.users["wijkteam"], team=other)
    referral.refresh_from_db()
    assert referral.reminded_team_at is None
    assert services.queue_reminders(now=referral.assigned_at + timedelta(days=14))["teams"] == 1


# Retention ---------------------------------------------------------------------------------


def _closed(world, days_ago: int, **fields) -> Referral:
    referral = send(world, **fields)
    services.accept_referral(referral=referral, by=world.users["wijkteam"])
    services.close_referral(
        referral=referral,
        by=world.users["wijkteam"],
        completed=True,
        reason="helped",
        note="Schuldhulp loopt",
    )
    Referral.objects.filter(pk=referral.pk).update(
        closed_at=timezone.now() - timedelta(days=days_ago)
    )
    return referral


@override_settings(REFERRAL_RETENTION_DAYS=180)
def test_the_purge_keeps_an_anonymous_record_after_the_retention_period(world):
    participant = ParticipantFactory(organisation=world.organisation)
    old = _closed(world, 181, participant=participant)
    recent = _closed(world, 179)
    still_open = send(world)
    Referral.objects.filter(pk=still_open.pk).update(
        created_at=timezone.now() - timedelta(days=900)
    )
    assert purge_referrals.delay().get() == 1
    assert services.purge_expired() == 0  # twice: nothing more
    old = Referral.objects.get(pk=old.pk)
    assert old.purged_at is not None
    for field in ("person_name", "person_contact", "free_text", "consent_given_by", "closed_note"):
        assert getattr(old, field) == "", field
    assert (old.participant, old.sent_by, old.consent_recorded_by) == (None, None, None)
    # What the overviews need stays.
    assert old.categories == ["loneliness", "money"]
    assert (old.team, old.sending_organisation, old.status) == (
        world.wijkteam,
        world.organisation,
        Status.COMPLETED,
    )
    assert old.closed_reason == "helped" and old.created_at and old.accepted_at and old.closed_at
    assert [t.to_status for t in old.transitions.all()] == ["sent", "accepted", "completed"]
    assert {(t.by_id, t.note) for t in old.transitions.all()} == {(None, "")}
    assert Participant.objects.filter(pk=participant.pk).exists()
    for kept in (recent, still_open):
        assert Referral.objects.get(pk=kept.pk).person_name == SECRET_NAME
    [entry] = AccessLogEntry.objects.filter(object_id=str(old.pk), actor_role="system")
    assert entry.description == "personal details deleted (retention)"


# E-mails -----------------------------------------------------------------------------------


def test_no_e_mail_holds_a_name_a_reason_or_the_text(world):
    participant = ParticipantFactory(organisation=world.organisation, name=SECRET_NAME)
    mail.outbox.clear()
    referral = send(world, participant=participant)
    services.accept_referral(referral=referral, by=world.users["wijkteam"])
    services.start_referral(referral=referral, by=world.users["wijkteam"])
    services.withdraw_consent(referral=referral, by=world.users["coordinator"], note="Wil niet")
    urgent = send(
        world,
        ground="acute_danger",
        urgent_ground_note="Gevaar in huis",
        consent_given_by="",
    )
    services.cancel_referral(
        referral=urgent, by=world.users["coordinator"], reason="other", note="Politie is er"
    )
    Referral.objects.update(assigned_at=timezone.now() - timedelta(days=30))
    send(world)
    Referral.objects.filter(status="sent").update(assigned_at=timezone.now() - timedelta(days=30))
    services.queue_reminders()
    deliver_all()
    assert len(mail.outbox) >= 7
    forbidden = [
        SECRET_NAME,
        SECRET_CONTACT,
        SECRET_TEXT,
        SECRET_CONSENT,
        "Truus",
        "Wil niet",
        "Gevaar",
        "Politie",
        "eenzaam",
        "geldzorgen",
        "loneliness",
        "money",
        "instemming",
        "consent",
    ]
    for message in mail.outbox:
        text = " ".join(
            [message.subject, message.body, *(body for body, _ in message.alternatives)]
        )
        for word in forbidden:
            assert word.lower() not in text.lower(), (word, message.subject)
        assert "/verwijzingen/" in message.body
    assert any("urgente" in m.subject for m in mail.outbox)


def test_a_message_for_a_team_that_no_longer_has_it_is_not_sent(world):
    from tests.factories import OrganisationFactory

    referral = send(world)
    other = OrganisationFactory(kind="wijkteam", municipality=world.municipality)
    message = OutboxMessage.objects.get(kind="referrals.new")
    Referral.objects.filter(pk=referral.pk).update(team=other)
    assert outbox.deliver(message.pk) is False
    assert mail.outbox == []


# My data -----------------------------------------------------------------------------------


@pytest.fixture
def resident_referral(world):
    resident = world.users["resident"]
    participant = ParticipantFactory(organisation=world.organisation, user=resident)
    return send(world, participant=participant)


def test_my_data_shows_and_downloads_the_referral_and_logs_it(client_for, world, resident_referral):
    client = client_for("resident")
    page = client.get(reverse("network:my_data")).content.decode()
    assert "Wijkteam Beesd" in page
    data = json.loads(client.get(reverse("network:my_data_download")).content)
    [item] = data["referrals.about_me"]
    assert (item["name"], item["in_a_few_words"]) == (SECRET_NAME, SECRET_TEXT)
    actions = set(
        AccessLogEntry.objects.filter(
            object_id=str(resident_referral.pk), actor_role="resident"
        ).values_list("action", flat=True)
    )
    assert actions == {"view", "export"}


@pytest.mark.parametrize(
    "status,closed_as",
    [("sent", "cancelled"), ("accepted", "not_completed"), ("completed", "completed")],
)
def test_erasure_closes_an_open_referral_tells_the_team_and_purges(
    world, resident_referral, status, closed_as
):
    team = world.users["wijkteam"]
    if status != "sent":
        services.accept_referral(referral=resident_referral, by=team)
    if status == "completed":
        services.close_referral(
            referral=resident_referral, by=team, completed=True, reason="helped"
        )
    OutboxMessage.objects.all().delete()
    personal_data.erase(world.users["resident"])
    referral = Referral.objects.get(pk=resident_referral.pk)
    assert referral.status == closed_as
    assert referral.purged_at is not None
    assert referral.person_name == "" and referral.participant is None
    told = list(
        OutboxMessage.objects.filter(kind="referrals.changed").values_list("recipient", flat=True)
    )
    if status == "completed":
        assert told == []
    else:
        assert referral.closed_reason == "data_erased"
        assert sorted(told) == sorted([team.pk, world.users["coordinator"].pk])
