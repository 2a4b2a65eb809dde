"""The rules of signing up (volunteers/signups.py): every refusal, the waiting list, offered
places, stand-ins; and the e-mails they send, without anyone else's name."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from network.models import OutboxMessage, Role
from network.shared import DomainError
from tests.factories import MembershipFactory, UserFactory
from tests.volunteers.factories import (
    CertificateFactory,
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)
from volunteers import signups
from volunteers.models import (
    CertificateKind,
    Shift,
    SignUp,
    SignUpStatus,
    VolunteeringSettings,
)

CONFIRMED = SignUpStatus.CONFIRMED
WAITING = SignUpStatus.WAITING
OFFERED = SignUpStatus.OFFERED
CANCELLED = SignUpStatus.CANCELLED


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def volunteer_of(organisation, **kwargs):
    user = UserFactory(language="en", **kwargs)
    MembershipFactory(user=user, role=Role.VOLUNTEER, organisation=organisation)
    return user


@pytest.fixture
def org(world):
    return world.organisation


@pytest.fixture
def shift(org):
    return ShiftFactory(task=TaskFactory(organisation=org, volunteers_needed=2))


def refresh(obj):
    obj.refresh_from_db()
    return obj


def statuses(shift):
    return list(
        SignUp.objects.filter(shift=shift)
        .order_by("created_at", "pk")
        .values_list("status", flat=True)
    )


# Signing up -------------------------------------------------------------------------------


def test_sign_up_confirms_while_places_last_then_waits(org, shift):
    people = [volunteer_of(org) for _ in range(3)]
    results = [signups.sign_up(shift=shift, volunteer=p).status for p in people]
    assert results == [CONFIRMED, CONFIRMED, WAITING]
    assert refresh(shift).confirmed_count == 2
    assert signups.places_left(shift) == 0


def test_only_volunteers_of_the_organisation_can_sign_up(world, shift):
    for name in ("resident", "editor", "coordinator", "outsider", "network_admin"):
        with pytest.raises(DomainError, match="not a volunteer of this organisation"):
            signups.sign_up(shift=shift, volunteer=world.users[name])
    assert not SignUp.objects.exists()


def test_no_sign_up_for_a_cancelled_started_or_closed_shift(org, shift):
    person = volunteer_of(org)
    Shift.objects.filter(pk=shift.pk).update(is_cancelled=True)
    with pytest.raises(DomainError, match="cancelled"):
        signups.sign_up(shift=refresh(shift), volunteer=person)
    Shift.objects.filter(pk=shift.pk).update(is_cancelled=False)
    with pytest.raises(DomainError, match="already started"):
        signups.sign_up(shift=shift, volunteer=person, now=shift.starts_at)
    shift.task.is_active = False
    shift.task.save()
    with pytest.raises(DomainError, match="not open for sign-up"):
        signups.sign_up(shift=shift, volunteer=person)


def test_signing_up_twice_is_refused_with_the_reason(org, shift):
    person = volunteer_of(org)
    signups.sign_up(shift=shift, volunteer=person)
    with pytest.raises(DomainError, match="already signed up"):
        signups.sign_up(shift=shift, volunteer=person)
    full = ShiftFactory(task=TaskFactory(organisation=org, volunteers_needed=1))
    signups.sign_up(shift=full, volunteer=volunteer_of(org))
    signups.sign_up(shift=full, volunteer=person)
    with pytest.raises(DomainError, match="already on the waiting list"):
        signups.sign_up(shift=full, volunteer=person)


def test_cancelled_volunteer_can_sign_up_again(org, shift):
    person = volunteer_of(org)
    first = signups.sign_up(shift=shift, volunteer=person)
    signups.cancel_signup(signup=first)
    again = signups.sign_up(shift=shift, volunteer=person)
    assert again.pk != first.pk and again.status == CONFIRMED
    assert refresh(shift).confirmed_count == 1


# Requirements ------------------------------------------------------------------------------


def vog_shift(org, **task):
    return ShiftFactory(task=TaskFactory(organisation=org, **task))


def test_vog_must_be_valid_on_the_shift_date(org):
    shift = vog_shift(org, requires_vog=True)
    day = timezone.localdate(shift.starts_at)
    person = volunteer_of(org)
    with pytest.raises(DomainError, match="certificate of conduct"):
        signups.sign_up(shift=shift, volunteer=person)
    # Expired the day before the shift: still refused, with the date in the message.
    CertificateFactory(
        user=person,
        kind=CertificateKind.VOG,
        issued_on=day - timedelta(days=900),
        expires_on=day - timedelta(days=1),
    )
    with pytest.raises(DomainError, match="valid on"):
        signups.sign_up(shift=shift, volunteer=person)
    # Valid up to and including the shift's day: accepted.
    CertificateFactory(
        user=person, kind=CertificateKind.VOG, issued_on=day - timedelta(days=10), expires_on=day
    )
    assert signups.sign_up(shift=shift, volunteer=person).status == CONFIRMED


def test_a_vog_issued_after_the_shift_date_does_not_count(org):
    shift = vog_shift(org, requires_vog=True)
    day = timezone.localdate(shift.starts_at)
    person = volunteer_of(org)
    CertificateFactory(user=person, kind=CertificateKind.VOG, issued_on=day + timedelta(days=1))
    with pytest.raises(DomainError):
        signups.sign_up(shift=shift, volunteer=person)


def test_training_by_name_and_driving_licence(org):
    shift = vog_shift(org, required_training="EHBO", requires_driving_licence=True)
    person = volunteer_of(org)
    with pytest.raises(DomainError) as refused:
        signups.sign_up(shift=shift, volunteer=person)
    assert "EHBO" in str(refused.value) and "driving licence" in str(refused.value)
    CertificateFactory(user=person, kind=CertificateKind.TRAINING, name="Tillen")
    CertificateFactory(user=person, kind=CertificateKind.DRIVING_LICENCE, expires_on=None)
    with pytest.raises(DomainError, match="EHBO"):
        signups.sign_up(shift=shift, volunteer=person)
    CertificateFactory(user=person, kind=CertificateKind.TRAINING, name=" ehbo ")
    assert signups.sign_up(shift=shift, volunteer=person).status == CONFIRMED


def test_minimum_age_from_the_year_of_birth(org):
    shift = vog_shift(org, minimum_age=18)
    year = timezone.localdate(shift.starts_at).year
    person = volunteer_of(org)
    with pytest.raises(DomainError, match="year of birth"):
        signups.sign_up(shift=shift, volunteer=person)
    profile = VolunteerProfileFactory(user=person, birth_year=year - 17)
    with pytest.raises(DomainError, match="aged 18 or older"):
        signups.sign_up(shift=shift, volunteer=person)
    profile.birth_year = year - 18
    profile.save()
    assert signups.sign_up(shift=shift, volunteer=person).status == CONFIRMED


def test_requirement_condition_on_shifts_agrees_with_the_single_check(org):
    """The "requirements I meet" filter and the sign-up check give the same answer."""
    person = volunteer_of(org)
    today = timezone.localdate()
    VolunteerProfileFactory(user=person, birth_year=today.year - 20)
    CertificateFactory(
        user=person, kind=CertificateKind.VOG, issued_on=today, expires_on=today + timedelta(5)
    )
    CertificateFactory(user=person, kind=CertificateKind.TRAINING, name="EHBO")
    kinds = [
        {},
        {"requires_vog": True},
        {"required_training": "EHBO"},
        {"required_training": "Tillen"},
        {"requires_driving_licence": True},
        {"minimum_age": 18},
        {"minimum_age": 21},
        {"requires_vog": True, "required_training": "ehbo"},
    ]
    shifts = []
    for n, task in enumerate(kinds):
        for days in (2, 9):  # the VOG runs out in between
            start = timezone.localtime().replace(hour=10, minute=0) + timedelta(days=days)
            shifts.append(
                ShiftFactory(
                    task=TaskFactory(organisation=org, title=f"T{n}", **task),
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                )
            )
    qualifications = signups.Qualifications(person)
    in_query = set(
        qualifications.annotate(Shift.objects.all())
        .filter(qualifications.shifts_q())
        .values_list("pk", flat=True)
    )
    by_rule = {s.pk for s in shifts if not qualifications.problems(s.task, signups.shift_day(s))}
    assert in_query == by_rule
    assert 0 < len(by_rule) < len(shifts)


def test_overlap_is_a_warning_not_a_refusal(org, shift):
    person = volunteer_of(org)
    other = ShiftFactory(
        task=TaskFactory(organisation=org),
        starts_at=shift.starts_at + timedelta(hours=1),
        ends_at=shift.ends_at + timedelta(hours=1),
    )
    signups.sign_up(shift=shift, volunteer=person)
    assert list(signups.overlapping_shifts(volunteer=person, shift=other)) == [shift]
    assert signups.sign_up(shift=other, volunteer=person).status == CONFIRMED
    later = ShiftFactory(
        task=TaskFactory(organisation=org),
        starts_at=shift.ends_at,
        ends_at=shift.ends_at + timedelta(hours=1),
    )
    assert list(signups.overlapping_shifts(volunteer=person, shift=later)) == [other]


# Cancelling, the deadline and the waiting list ----------------------------------------------


def test_cancel_until_the_deadline_then_call_the_coordinator(org, shift):
    VolunteeringSettings.objects.create(
        organisation=org, cancel_deadline_hours=48, contact_phone="0345 999 000"
    )
    signup = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    late = shift.starts_at - timedelta(hours=47)
    with pytest.raises(DomainError, match="0345 999 000"):
        signups.cancel_signup(signup=signup, now=late)
    assert refresh(signup).status == CONFIRMED
    signups.cancel_signup(signup=signup, now=shift.starts_at - timedelta(hours=49))
    assert refresh(signup).status == CANCELLED
    assert refresh(shift).confirmed_count == 0


def test_too_late_without_a_phone_names_the_organisation(org, shift):
    signup = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    with pytest.raises(DomainError, match=org.name):
        signups.cancel_signup(signup=signup, now=shift.starts_at - timedelta(hours=1))


def test_cancelling_twice_and_after_the_start(org, shift):
    signup = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    signups.cancel_signup(signup=signup)
    with pytest.raises(DomainError, match="already cancelled"):
        signups.cancel_signup(signup=signup)
    waiting = SignUpFactory(shift=shift, volunteer=volunteer_of(org), status=WAITING)
    with pytest.raises(DomainError, match="already started"):
        signups.cancel_signup(signup=waiting, now=shift.starts_at)


def test_leaving_the_waiting_list_is_possible_after_the_deadline(org):
    shift = ShiftFactory(task=TaskFactory(organisation=org, volunteers_needed=1))
    signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    waiting = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    signups.cancel_signup(signup=waiting, now=shift.starts_at - timedelta(hours=1))
    assert refresh(waiting).status == CANCELLED


@pytest.fixture
def full(org):
    """A shift of two places, both taken, and three volunteers waiting."""
    shift = ShiftFactory(task=TaskFactory(organisation=org, volunteers_needed=2))
    people = [volunteer_of(org) for _ in range(5)]
    made = [signups.sign_up(shift=shift, volunteer=p) for p in people]
    return shift, made


def test_a_freed_place_is_offered_to_the_first_waiting_never_confirmed_silently(
    org, full, django_capture_on_commit_callbacks
):
    shift, made = full
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        signups.cancel_signup(signup=made[0], now=now)
    first_waiting = refresh(made[2])
    assert first_waiting.status == OFFERED
    assert first_waiting.offer_expires_at == now + timedelta(hours=12)
    assert [refresh(s).status for s in made] == [CANCELLED, CONFIRMED, OFFERED, WAITING, WAITING]
    assert refresh(shift).confirmed_count == 1
    # The offered place is not free for newcomers: they join the waiting list.
    assert signups.places_left(shift) == 0
    assert signups.sign_up(shift=shift, volunteer=volunteer_of(org)).status == WAITING
    [message] = mail.outbox
    assert message.to == [first_waiting.volunteer.email]
    assert message.subject == "A place has become free for you"
    assert "accept it before" in message.body
    assert "/vrijwilligers/mijn-diensten/" in message.body


def test_the_offer_runs_no_later_than_the_shift_start(org, full):
    shift, made = full
    now = shift.starts_at - timedelta(hours=30)
    VolunteeringSettings.objects.create(organisation=org, cancel_deadline_hours=0, offer_hours=48)
    signups.cancel_signup(signup=made[0], now=now)
    assert refresh(made[2]).offer_expires_at == shift.starts_at


def test_accepting_the_offer_confirms(org, full):
    shift, made = full
    signups.cancel_signup(signup=made[0])
    accepted = signups.accept_offer(signup=made[2])
    assert accepted.status == CONFIRMED and accepted.offer_expires_at is None
    assert refresh(shift).confirmed_count == 2
    with pytest.raises(DomainError, match="already have this place"):
        signups.accept_offer(signup=made[2])
    with pytest.raises(DomainError, match="No place is offered"):
        signups.accept_offer(signup=made[3])


def test_an_offer_cannot_be_accepted_after_it_ran_out(org, full):
    _shift, made = full
    signups.cancel_signup(signup=made[0])
    offer = refresh(made[2])
    with pytest.raises(DomainError, match="has passed"):
        signups.accept_offer(signup=offer, now=offer.offer_expires_at)


def test_accepting_checks_the_requirements_again(org, full):
    shift, made = full
    shift.task.requires_vog = True
    shift.task.save()
    signups.cancel_signup(signup=made[0])
    with pytest.raises(DomainError, match="certificate of conduct"):
        signups.accept_offer(signup=made[2])


def test_declining_passes_the_place_on(org, full):
    _shift, made = full
    signups.cancel_signup(signup=made[0])
    signups.decline_offer(signup=made[2])
    assert [refresh(s).status for s in made] == [CANCELLED, CONFIRMED, CANCELLED, OFFERED, WAITING]
    with pytest.raises(DomainError):
        signups.decline_offer(signup=made[2])


def test_expired_offers_are_cancelled_and_pass_to_the_next(
    org, full, django_capture_on_commit_callbacks
):
    _shift, made = full
    now = timezone.now()
    signups.cancel_signup(signup=made[0], now=now)
    mail.outbox.clear()
    assert signups.expire_offers(now=now + timedelta(hours=11)) == 0
    later = now + timedelta(hours=12)
    with django_capture_on_commit_callbacks(execute=True):
        assert signups.expire_offers(now=later) == 1
    assert [refresh(s).status for s in made] == [CANCELLED, CONFIRMED, CANCELLED, OFFERED, WAITING]
    assert refresh(made[3]).offer_expires_at == later + timedelta(hours=12)
    # Run twice: nothing more happens.
    assert signups.expire_offers(now=later) == 0
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["A place has become free for you", "The place has gone to the next person"]
    expired = next(m for m in mail.outbox if m.subject.startswith("The place"))
    assert expired.to == [made[2].volunteer.email]


def test_two_free_places_go_to_two_waiting(org, full):
    _shift, made = full
    signups.cancel_signup(signup=made[0])
    signups.cancel_signup(signup=made[1])
    assert [refresh(s).status for s in made] == [CANCELLED, CANCELLED, OFFERED, OFFERED, WAITING]


def test_more_places_are_offered_to_the_waiting_list_first(org, full):
    shift, made = full
    Shift.objects.filter(pk=shift.pk).update(places=3)
    newcomer = signups.sign_up(shift=refresh(shift), volunteer=volunteer_of(org))
    assert newcomer.status == WAITING
    assert refresh(made[2]).status == OFFERED


def test_no_offers_for_a_cancelled_shift(org, full):
    shift, made = full
    Shift.objects.filter(pk=shift.pk).update(is_cancelled=True)
    signups.cancel_signup(signup=made[0])
    assert refresh(made[2]).status == WAITING


# Stand-ins ---------------------------------------------------------------------------------


def test_ask_for_a_stand_in_and_take_it_back(org, shift):
    signup = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    signups.ask_stand_in(signup=signup)
    assert refresh(signup).stand_in_wanted_at is not None
    signups.withdraw_stand_in_request(signup=signup)
    assert refresh(signup).stand_in_wanted_at is None
    waiting = SignUpFactory(shift=shift, volunteer=volunteer_of(org), status=WAITING)
    with pytest.raises(DomainError, match="signed up for"):
        signups.ask_stand_in(signup=waiting)


def test_take_over_in_one_click_tells_the_volunteer_and_the_coordinator(
    world, org, shift, django_capture_on_commit_callbacks
):
    original = volunteer_of(org, name="Anna Jansen")
    stand_in = volunteer_of(org, name="Bert de Boer")
    signup = signups.sign_up(shift=shift, volunteer=original)
    signups.ask_stand_in(signup=signup)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mine = signups.take_over(signup=signup, volunteer=stand_in)
    assert mine.status == CONFIRMED and mine.volunteer == stand_in
    signup = refresh(signup)
    assert signup.status == CANCELLED and signup.taken_over_by == mine
    assert refresh(shift).confirmed_count == 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {original.email, world.users["coordinator"].email}
    for message in mail.outbox:
        text = message.subject + message.body + message.alternatives[0][0]
        for name in ("Anna", "Bert", "Jansen", "Boer", stand_in.email, original.email):
            assert name not in text
    assert by_address[original.email].subject == "Someone has taken over your shift"


def test_take_over_only_once_and_only_when_asked(org, shift):
    signup = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    first, second = volunteer_of(org), volunteer_of(org)
    with pytest.raises(DomainError, match="no longer needs a stand-in"):
        signups.take_over(signup=signup, volunteer=first)
    signups.ask_stand_in(signup=signup)
    with pytest.raises(DomainError, match="your own shift"):
        signups.take_over(signup=signup, volunteer=signup.volunteer)
    signups.take_over(signup=signup, volunteer=first)
    with pytest.raises(DomainError, match="someone was quicker"):
        signups.take_over(signup=signup, volunteer=second)
    with pytest.raises(DomainError, match="already taken over"):
        signups.withdraw_stand_in_request(signup=signup)


def test_take_over_checks_role_and_requirements(world, org):
    shift = ShiftFactory(task=TaskFactory(organisation=org, requires_driving_licence=True))
    driver = volunteer_of(org)
    CertificateFactory(user=driver, kind=CertificateKind.DRIVING_LICENCE)
    signup = signups.sign_up(shift=shift, volunteer=driver)
    signups.ask_stand_in(signup=signup)
    with pytest.raises(DomainError, match="driving licence"):
        signups.take_over(signup=signup, volunteer=volunteer_of(org))
    with pytest.raises(DomainError, match="not a volunteer"):
        signups.take_over(signup=signup, volunteer=world.users["outsider"])


def test_a_waiting_volunteer_takes_over_with_their_own_sign_up(org):
    shift = ShiftFactory(task=TaskFactory(organisation=org, volunteers_needed=1))
    signup = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    waiting = signups.sign_up(shift=shift, volunteer=volunteer_of(org))
    signups.ask_stand_in(signup=signup)
    mine = signups.take_over(signup=signup, volunteer=waiting.volunteer)
    assert mine.pk == waiting.pk and mine.status == CONFIRMED
    assert refresh(shift).confirmed_count == 1


# The calendar address ----------------------------------------------------------------------


def test_renewing_the_feed_token_makes_a_profile_or_a_new_token(org):
    person = volunteer_of(org)
    first = signups.renew_feed_token(user=person).feed_token
    second = signups.renew_feed_token(user=person).feed_token
    assert first and second and first != second


def test_messages_are_not_sent_when_they_no_longer_apply(org, full):
    """An offer accepted before its e-mail went out: the outbox drops the message."""
    from network import outbox

    _shift, made = full
    signups.cancel_signup(signup=made[0])
    signups.accept_offer(signup=made[2])
    message = OutboxMessage.objects.get(kind="volunteers.signups_place_offered")
    mail.outbox.clear()
    assert outbox.deliver(message.pk) is False
    assert mail.outbox == []


def test_no_email_of_the_sign_up_flow_names_anyone(org, django_capture_on_commit_callbacks):
    """Offers, lapsed offers, take-overs: no volunteer's name or address in any message
    (the recipient's own address only in To)."""
    shift = ShiftFactory(task=TaskFactory(organisation=org, volunteers_needed=1))
    people = [
        volunteer_of(org, name=name)
        for name in ("Anna Aalders", "Bert Bakker", "Carla Claes", "Dirk Dekker")
    ]
    mail.outbox.clear()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        first = signups.sign_up(shift=shift, volunteer=people[0])
        for person in people[1:3]:
            signups.sign_up(shift=shift, volunteer=person)
        signups.cancel_signup(signup=first, now=now)  # offered to Bert
    with django_capture_on_commit_callbacks(execute=True):
        signups.expire_offers(now=now + timedelta(hours=13))  # lapsed; offered to Carla
    carla = SignUp.objects.get(shift=shift, volunteer=people[2])
    with django_capture_on_commit_callbacks(execute=True):
        signups.accept_offer(signup=carla, now=now + timedelta(hours=14))
        signups.ask_stand_in(signup=carla)
        signups.take_over(signup=carla, volunteer=people[3])
    assert len(mail.outbox) >= 5
    for message in mail.outbox:
        whole = message.subject + message.body + message.alternatives[0][0]
        for person in people:
            for part in person.name.split():
                assert part not in whole, (message.subject, part)
            assert person.email not in whole
