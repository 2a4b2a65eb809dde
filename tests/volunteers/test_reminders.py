"""Reminders before a shift and alerts about unfilled shifts (volunteers/reminders.py): who
gets one, when, what it says, and that each goes once. The same through a real worker on
Redis, retried, raced and killed: test_reminders_worker.py."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from network.models import OutboxMessage, Role
from tests.activities.factories import PlaceFactory
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers import reminders, tasks
from volunteers.models import Shift, SignUp, SignUpStatus, VolunteeringSettings

pytestmark = pytest.mark.django_db


def shift_in(hours: float, *, organisation, places=2, **task_fields) -> Shift:
    starts = timezone.now() + timedelta(hours=hours)
    task = TaskFactory(organisation=organisation, volunteers_needed=places, **task_fields)
    return ShiftFactory(
        task=task,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        original_date=timezone.localtime(starts).date(),
        places=places,
    )


def reminded() -> list[int]:
    return sorted(
        OutboxMessage.objects.filter(kind="volunteers.shift_reminder").values_list(
            "object_id", flat=True
        )
    )


# Reminders --------------------------------------------------------------------------------


def test_confirmed_volunteers_of_shifts_within_the_reminder_time_are_reminded_once(world):
    organisation = world.organisation
    soon = shift_in(20, organisation=organisation)
    due = SignUpFactory(shift=soon)
    SignUpFactory(shift=soon, status=SignUpStatus.WAITING)
    SignUpFactory(shift=soon, status=SignUpStatus.CANCELLED)
    SignUpFactory(shift=shift_in(30, organisation=organisation))  # not yet
    begun = shift_in(-1, organisation=organisation)
    SignUpFactory(shift=begun)
    called_off = shift_in(5, organisation=organisation)
    SignUpFactory(shift=called_off)
    Shift.objects.filter(pk=called_off.pk).update(is_cancelled=True)

    assert reminders.queue_due_reminders() == 1
    assert reminded() == [due.pk]
    due.refresh_from_db()
    assert due.reminder_sent_at is not None
    # Again (the job retried, or the next run): nothing more.
    assert reminders.queue_due_reminders() == 0
    assert tasks.send_shift_reminders.delay().get() == 0
    assert reminded() == [due.pk]


def test_the_reminder_time_is_the_organisation_s(world):
    early = OrganisationFactory()
    VolunteeringSettings.objects.create(organisation=early, reminder_hours=72)
    late = OrganisationFactory()
    VolunteeringSettings.objects.create(organisation=late, reminder_hours=2)
    in_two_days_early = SignUpFactory(shift=shift_in(48, organisation=early))
    in_three_hours_late = SignUpFactory(shift=shift_in(3, organisation=late))
    in_one_hour_late = SignUpFactory(shift=shift_in(1, organisation=late))
    in_20_default = SignUpFactory(shift=shift_in(20, organisation=world.organisation))

    reminders.queue_due_reminders()
    assert reminded() == sorted([in_two_days_early.pk, in_one_hour_late.pk, in_20_default.pk])
    assert in_three_hours_late.pk not in reminded()


def test_small_batches_remind_everyone(world):
    shift = shift_in(5, organisation=world.organisation, places=7)
    signups = [SignUpFactory(shift=shift) for _ in range(7)]
    assert reminders.queue_due_reminders(batch_size=2) == 7
    assert reminded() == sorted(signup.pk for signup in signups)


def test_the_reminder_says_what_when_where_and_whom_to_call(
    world, django_capture_on_commit_callbacks
):
    VolunteeringSettings.objects.create(
        organisation=world.organisation, contact_phone="0345 99 88 77"
    )
    place = PlaceFactory(name="Dorpshuis De Schakel", address="Kerkstraat 2", town="Beesd")
    shift = shift_in(
        6,
        organisation=world.organisation,
        title="Koffie schenken",
        description="Koffie en thee voor de gasten.",
        place=place,
        location_note="ingang achterom",
    )
    anna = UserFactory(email="anna@example.org", language="en", name="Anna Jansen")
    signup = SignUpFactory(shift=shift, volunteer=anna)
    other = SignUpFactory(shift=shift, volunteer=UserFactory(name="Bert Bakker"))

    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue_due_reminders()

    message = next(m for m in mail.outbox if m.to == ["anna@example.org"])
    assert message.subject.startswith("Reminder: your shift on ")
    body = message.body
    for fact in (
        "Koffie schenken",
        "Het Klokhuis",
        "Koffie en thee voor de gasten.",
        "Dorpshuis De Schakel",
        "Kerkstraat 2",
        "ingang achterom",
        "0345 99 88 77",
        timezone.localtime(shift.starts_at).strftime("%H:%M"),
        settings.SITE_URL + reverse("volunteers:shift_detail", kwargs={"shift": shift.pk}),
    ):
        assert fact in body, fact
    # Minimum of personal data: not even the recipient's own name, nobody else's.
    assert "Bert" not in body and "Jansen" not in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Dorpshuis De Schakel" in html and 'lang="en"' in html
    # In Dutch for a Dutch volunteer (Django's own day names at least).
    dutch = next(m for m in mail.outbox if m.to == [other.volunteer.email])
    weekday = timezone.localtime(shift.starts_at).strftime("%A")  # English
    assert weekday in body and weekday not in dutch.body
    assert signup.pk in reminded()


def test_a_reminder_is_not_sent_when_the_volunteer_signed_off_in_the_meantime(world):
    from network import outbox

    signup = SignUpFactory(shift=shift_in(5, organisation=world.organisation))
    reminders.queue_due_reminders()
    SignUp.objects.filter(pk=signup.pk).update(status=SignUpStatus.CANCELLED)
    message = OutboxMessage.objects.get(kind="volunteers.shift_reminder")
    assert outbox.deliver(message.pk) is False
    assert mail.outbox == []


# Unfilled alerts --------------------------------------------------------------------------


@pytest.fixture
def coordinators(world):
    second = MembershipFactory(
        user=UserFactory(email="coord2@example.org", language="en"),
        role=Role.COORDINATOR,
        organisation=world.organisation,
    ).user
    return [world.users["coordinator"], second]


def alerts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="volunteers.unfilled_alert").order_by("pk"))


def test_coordinators_hear_once_of_the_shifts_still_short(
    world, coordinators, django_capture_on_commit_callbacks
):
    organisation = world.organisation
    short = shift_in(24, organisation=organisation, places=2, title="Tafels dekken")
    SignUpFactory(shift=short)
    shorter = shift_in(48, organisation=organisation, places=1, title="Chauffeur")
    full = shift_in(24, organisation=organisation, places=1, title="Vol")
    SignUpFactory(shift=full)
    shift_in(24 * 5, organisation=organisation, title="Later")  # outside the 3 days
    closed = shift_in(24, organisation=organisation, title="Gesloten", is_active=False)
    elsewhere = shift_in(24, organisation=world.other_organisation, title="Elders")

    with django_capture_on_commit_callbacks(execute=True):
        queued = reminders.queue_unfilled_alerts()

    # One message per coordinator of each organisation, listing all its short shifts.
    assert queued == 2 + 1  # the outsider coordinates the other organisation
    mine = [message for message in alerts() if message.object_id == organisation.pk]
    assert sorted(message.recipient_id for message in mine) == sorted(u.pk for u in coordinators)
    short.refresh_from_db()
    shorter.refresh_from_db()
    assert short.unfilled_alert_sent_at and shorter.unfilled_alert_sent_at
    for shift in (full, closed):
        shift.refresh_from_db()
        assert shift.unfilled_alert_sent_at is None
    elsewhere.refresh_from_db()
    assert elsewhere.unfilled_alert_sent_at is not None

    message = next(m for m in mail.outbox if m.to == ["coord2@example.org"])
    assert message.subject == "Shifts still need volunteers"
    assert "Tafels dekken" in message.body and "Chauffeur" in message.body
    assert "Vol" not in message.body.split("\n\n", 1)[1].replace("volunteers", "")
    assert "Elders" not in message.body and "Later" not in message.body
    overview = reverse("volunteers:unfilled", kwargs={"organisation": organisation.slug})
    assert settings.SITE_URL + overview in message.body
    assert "1 volunteer" in message.body  # still needed on each
    # Once: the next run alerts nobody again.
    assert reminders.queue_unfilled_alerts() == 0
    assert tasks.alert_unfilled_shifts.delay().get() == 0


def test_the_alert_time_is_the_organisation_s_and_a_shift_filled_in_time_is_not_mentioned(
    world, coordinators, django_capture_on_commit_callbacks
):
    VolunteeringSettings.objects.create(organisation=world.organisation, unfilled_alert_days=7)
    in_six_days = shift_in(24 * 6, organisation=world.organisation, places=1, title="Zes")
    filled_later = shift_in(24 * 2, organisation=world.organisation, places=1, title="Twee")
    reminders.queue_unfilled_alerts()
    assert {m.object_id for m in alerts()} == {world.organisation.pk}
    # Filled before the e-mail went: only the shift still short is listed.
    SignUpFactory(shift=filled_later)
    from network import outbox

    for message in alerts():
        outbox.deliver(message.pk)
    assert len(mail.outbox) == 2
    assert "Zes" in mail.outbox[0].body and "Twee" not in mail.outbox[0].body
    in_six_days.refresh_from_db()
    assert in_six_days.unfilled_alert_sent_at is not None


def test_an_organisation_without_coordinators_is_alerted_once_it_has_one(world):
    organisation = OrganisationFactory()
    shift = shift_in(24, organisation=organisation, places=1)
    assert reminders.queue_unfilled_alerts() == 0
    shift.refresh_from_db()
    assert shift.unfilled_alert_sent_at is None
    MembershipFactory(role=Role.COORDINATOR, organisation=organisation)
    assert reminders.queue_unfilled_alerts() == 1


def test_an_alert_to_someone_no_longer_coordinator_is_not_sent(world, coordinators):
    from network import outbox
    from network.models import Membership

    shift_in(24, organisation=world.organisation, places=1)
    reminders.queue_unfilled_alerts()
    Membership.objects.filter(user=coordinators[1], role=Role.COORDINATOR).delete()
    message = next(m for m in alerts() if m.recipient_id == coordinators[1].pk)
    assert outbox.deliver(message.pk) is False


def test_the_jobs_are_recorded(world):
    from network.models import JobRun

    SignUpFactory(shift=shift_in(5, organisation=world.organisation))
    tasks.send_shift_reminders.delay().get()
    run = JobRun.objects.get(name="send-shift-reminders")
    assert (run.runs, run.last_succeeded, run.last_outcome) == (1, True, "1")


def test_offers_nobody_accepted_in_time_run_out_by_the_periodic_job(world):
    """The job around signups.expire_offers (volunteers/signups.py): the place goes on."""
    from network.models import JobRun

    shift = shift_in(30, organisation=world.organisation, places=1)
    offered = SignUpFactory(shift=shift, status=SignUpStatus.OFFERED)
    SignUp.objects.filter(pk=offered.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    next_in_line = SignUpFactory(shift=shift, status=SignUpStatus.WAITING)

    assert tasks.expire_shift_offers.delay().get() == 1
    offered.refresh_from_db()
    next_in_line.refresh_from_db()
    assert offered.status == SignUpStatus.CANCELLED
    assert next_in_line.status == SignUpStatus.OFFERED
    assert JobRun.objects.get(name="expire-shift-offers").last_outcome == "1"
