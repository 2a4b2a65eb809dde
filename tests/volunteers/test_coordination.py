"""Coordinators' services: no-shows (and the 12 months they count), hours one by one and
several at once, the yearly statement and its sums, the unfilled shifts."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from network.shared import DomainError
from tests.factories import UserFactory
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers import coordination
from volunteers.forms.coordination import hours_from_post, parse_hours
from volunteers.models import Shift, SignUp, SignUpStatus


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def past_shift(organisation, *, days_ago: int = 1, hours: int = 3, **kwargs) -> Shift:
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return ShiftFactory(
        task=kwargs.pop("task", None) or TaskFactory(organisation=organisation),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        **kwargs,
    )


# No-shows ----------------------------------------------------------------------------------


def test_record_and_undo_a_no_show(world):
    signup = SignUpFactory(shift=past_shift(world.organisation))
    coordination.record_no_show(signup=signup)
    signup.refresh_from_db()
    assert signup.no_show_recorded_at is not None
    counts = coordination.no_show_counts(
        organisation=world.organisation, volunteer_ids=[signup.volunteer_id]
    )
    assert counts == {signup.volunteer_id: 1}
    # Twice is once: a double click changes nothing.
    first = signup.no_show_recorded_at
    coordination.record_no_show(signup=signup)
    signup.refresh_from_db()
    assert signup.no_show_recorded_at == first
    coordination.undo_no_show(signup=signup)
    signup.refresh_from_db()
    assert signup.no_show_recorded_at is None
    assert (
        coordination.no_show_counts(
            organisation=world.organisation, volunteer_ids=[signup.volunteer_id]
        )
        == {}
    )


def test_a_no_show_takes_back_approved_hours(world):
    signup = SignUpFactory(shift=past_shift(world.organisation))
    coordination.approve_hours(
        signup=signup, hours=Decimal("3"), approved_by=world.users["coordinator"]
    )
    coordination.record_no_show(signup=signup)
    signup.refresh_from_db()
    assert signup.hours_approved is None and signup.hours_approved_by is None
    with pytest.raises(DomainError, match="did not come"):
        coordination.approve_hours(
            signup=signup, hours=Decimal("3"), approved_by=world.users["coordinator"]
        )


def test_no_show_only_after_the_start_and_only_for_who_was_signed_up(world):
    coming = SignUpFactory(shift=ShiftFactory(task=TaskFactory(organisation=world.organisation)))
    with pytest.raises(DomainError, match="not started"):
        coordination.record_no_show(signup=coming)
    waiting = SignUpFactory(shift=past_shift(world.organisation), status=SignUpStatus.WAITING)
    with pytest.raises(DomainError, match="signed up"):
        coordination.record_no_show(signup=waiting)
    cancelled_shift = past_shift(world.organisation, is_cancelled=True)
    signup = SignUpFactory(shift=cancelled_shift)
    with pytest.raises(DomainError, match="cancelled"):
        coordination.record_no_show(signup=signup)
    assert not SignUp.objects.filter(no_show_recorded_at__isnull=False).exists()


def test_no_shows_count_for_twelve_months_only(world):
    volunteer = UserFactory()
    now = timezone.now()
    for days in (10, 200, 364, 366, 700):
        signup = SignUpFactory(
            shift=past_shift(world.organisation, days_ago=days + 1), volunteer=volunteer
        )
        SignUp.objects.filter(pk=signup.pk).update(no_show_recorded_at=now - timedelta(days=days))
    counts = coordination.no_show_counts(
        organisation=world.organisation, volunteer_ids=[volunteer.pk], now=now
    )
    assert counts == {volunteer.pk: 3}
    assert timedelta(days=365) == coordination.NO_SHOW_WINDOW
    # A year later none of them counts any more.
    later = coordination.no_show_counts(
        organisation=world.organisation,
        volunteer_ids=[volunteer.pk],
        now=now + timedelta(days=400),
    )
    assert later == {}


def test_no_shows_stay_with_the_organisation_that_recorded_them(world):
    volunteer = UserFactory()
    signup = SignUpFactory(shift=past_shift(world.other_organisation), volunteer=volunteer)
    coordination.record_no_show(signup=signup)
    assert (
        coordination.no_show_counts(organisation=world.organisation, volunteer_ids=[volunteer.pk])
        == {}
    )
    assert coordination.no_show_counts(
        organisation=world.other_organisation, volunteer_ids=[volunteer.pk]
    ) == {volunteer.pk: 1}


# Hours -------------------------------------------------------------------------------------


def test_hours_awaiting_approval(world):
    organisation = world.organisation
    waiting = SignUpFactory(shift=past_shift(organisation))
    SignUpFactory(shift=ShiftFactory(task=TaskFactory(organisation=organisation)))  # to come
    SignUpFactory(shift=past_shift(organisation), status=SignUpStatus.CANCELLED)
    SignUpFactory(shift=past_shift(organisation, is_cancelled=True))
    SignUpFactory(shift=past_shift(world.other_organisation))
    no_show = SignUpFactory(shift=past_shift(organisation))
    coordination.record_no_show(signup=no_show)
    approved = SignUpFactory(shift=past_shift(organisation))
    coordination.approve_hours(
        signup=approved, hours=Decimal("1"), approved_by=world.users["coordinator"]
    )
    # A shift that started but is not over yet waits too.
    start = timezone.now() - timedelta(minutes=30)
    SignUpFactory(
        shift=ShiftFactory(
            task=TaskFactory(organisation=organisation),
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
    )
    assert list(coordination.hours_awaiting_approval(organisation)) == [waiting]


def test_approve_hours_one_and_correct_it(world):
    coordinator = world.users["coordinator"]
    signup = SignUpFactory(shift=past_shift(world.organisation, hours=3))
    assert coordination.default_hours(signup) == Decimal("3.00")
    coordination.approve_hours(signup=signup, hours=Decimal("2.5"), approved_by=coordinator)
    signup.refresh_from_db()
    assert (signup.hours_approved, signup.hours_approved_by) == (Decimal("2.50"), coordinator)
    assert signup.hours_approved_at is not None
    coordination.approve_hours(signup=signup, hours=Decimal("2.75"), approved_by=coordinator)
    signup.refresh_from_db()
    assert signup.hours_approved == Decimal("2.75")


@pytest.mark.parametrize("hours", ["0", "-1", "24.01", "1000", "NaN", "Infinity"])
def test_approve_hours_refuses_impossible_hours(world, hours):
    signup = SignUpFactory(shift=past_shift(world.organisation))
    with pytest.raises(DomainError, match="more than 0"):
        coordination.approve_hours(
            signup=signup, hours=Decimal(hours), approved_by=world.users["coordinator"]
        )


def test_hours_of_a_shift_not_over_wait(world):
    signup = SignUpFactory(shift=ShiftFactory(task=TaskFactory(organisation=world.organisation)))
    with pytest.raises(DomainError, match="not over"):
        coordination.approve_hours(
            signup=signup, hours=Decimal("2"), approved_by=world.users["coordinator"]
        )


def test_bulk_approval_touches_only_the_organisations_waiting_hours(world):
    coordinator = world.users["coordinator"]
    mine = [SignUpFactory(shift=past_shift(world.organisation)) for _ in range(3)]
    theirs = SignUpFactory(shift=past_shift(world.other_organisation))
    coming = SignUpFactory(shift=ShiftFactory(task=TaskFactory(organisation=world.organisation)))
    done = coordination.approve_hours_bulk(
        organisation=world.organisation,
        hours_by_signup={
            mine[0].pk: Decimal("3"),
            mine[1].pk: Decimal("1.5"),
            theirs.pk: Decimal("3"),
            coming.pk: Decimal("3"),
            999_999: Decimal("3"),
        },
        approved_by=coordinator,
    )
    assert done == 2
    approved = dict(
        SignUp.objects.filter(hours_approved__isnull=False).values_list("pk", "hours_approved")
    )
    assert approved == {mine[0].pk: Decimal("3.00"), mine[1].pk: Decimal("1.50")}


def test_bulk_approval_with_one_wrong_number_approves_nothing(world):
    signups = [SignUpFactory(shift=past_shift(world.organisation)) for _ in range(2)]
    with pytest.raises(DomainError):
        coordination.approve_hours_bulk(
            organisation=world.organisation,
            hours_by_signup={signups[0].pk: Decimal("2"), signups[1].pk: Decimal("99")},
            approved_by=world.users["coordinator"],
        )
    assert not SignUp.objects.filter(hours_approved__isnull=False).exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2", Decimal("2.00")), ("1,5", Decimal("1.50")), (" 0.25 ", Decimal("0.25"))],
)
def test_parse_hours_reads_dutch_and_english_numbers(typed, expected):
    assert parse_hours(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "1,5,5", "1e400", "9" * 40, "\x00", "-2", "0"])
def test_parse_hours_explains_junk(typed):
    with pytest.raises(DomainError):
        parse_hours(typed)


def test_hours_from_post_reads_ticked_rows_and_ignores_non_ids():
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.setlist("signup", ["4", "5", "abc", "-1", "9" * 30, "٣"])
    data.update({"hours-4": "2", "hours-5": "nonsense"})
    chosen, errors = hours_from_post(data)
    assert chosen == {4: Decimal("2.00")}
    assert set(errors) == {5}
    only = QueryDict("only=7&hours-7=1,5&signup=4&hours-4=2")
    assert hours_from_post(only) == ({7: Decimal("1.50")}, {})


# The statement -----------------------------------------------------------------------------


def test_statement_sums_the_approved_hours_of_one_year(world):
    coordinator = world.users["coordinator"]
    volunteer = UserFactory(name="Anna de Boer")
    task = TaskFactory(organisation=world.organisation)
    year = timezone.localdate().year - 1

    def at(month, day, hour=10):
        return timezone.make_aware(datetime(year, month, day, hour))

    rows = [
        (at(1, 1, 0), "2.5"),  # just inside the year (local time)
        (at(6, 15), "3"),
        (at(12, 31, 22), "1.25"),  # just inside
    ]
    for start, hours in rows:
        shift = ShiftFactory(task=task, starts_at=start, ends_at=start + timedelta(hours=1))
        signup = SignUpFactory(shift=shift, volunteer=volunteer)
        coordination.approve_hours(signup=signup, hours=Decimal(hours), approved_by=coordinator)
    # Outside the year, not approved, or at another organisation: not counted.
    outside = timezone.make_aware(datetime(year + 1, 1, 1, 0, 30))
    SignUp.objects.filter(
        pk=SignUpFactory(
            shift=ShiftFactory(task=task, starts_at=outside, ends_at=outside + timedelta(hours=1)),
            volunteer=volunteer,
        ).pk
    ).update(hours_approved=Decimal("7"))
    SignUpFactory(
        shift=ShiftFactory(task=task, starts_at=at(3, 3), ends_at=at(3, 3, 12)),
        volunteer=volunteer,
    )
    elsewhere = past_shift(world.other_organisation)
    SignUp.objects.filter(pk=SignUpFactory(shift=elsewhere, volunteer=volunteer).pk).update(
        hours_approved=Decimal("5")
    )

    statement = coordination.hours_statement(
        organisation=world.organisation, volunteer=volunteer, year=year
    )
    assert statement.total == Decimal("6.75")
    assert statement.shift_count == 3
    assert [s.hours_approved for s in statement.signups] == [
        Decimal("2.50"),
        Decimal("3.00"),
        Decimal("1.25"),
    ]
    assert coordination.approved_hours_total(
        organisation=world.organisation, volunteer=volunteer, year=year
    ) == Decimal("6.75")


def test_is_volunteer_of(world):
    assert coordination.is_volunteer_of(world.organisation, world.users["volunteer"].pk)
    assert not coordination.is_volunteer_of(world.organisation, world.users["editor"].pk)
    former = UserFactory()
    SignUpFactory(shift=past_shift(world.organisation), volunteer=former)
    assert coordination.is_volunteer_of(world.organisation, former.pk)
    assert not coordination.is_volunteer_of(world.other_organisation, former.pk)


# Unfilled ----------------------------------------------------------------------------------


def test_unfilled_shifts_are_coming_open_and_short(world):
    task = TaskFactory(organisation=world.organisation, volunteers_needed=2)
    short = ShiftFactory(task=task)
    SignUpFactory(shift=short)
    full = ShiftFactory(task=task)
    SignUpFactory(shift=full)
    SignUpFactory(shift=full)
    ShiftFactory(task=task, is_cancelled=True)
    past_shift(world.organisation, task=task)
    closed = ShiftFactory(task=TaskFactory(organisation=world.organisation, is_active=False))
    empty = ShiftFactory(task=task)
    found = list(
        coordination.unfilled_shifts(Shift.objects.filter(task__organisation=world.organisation))
    )
    assert found == [short, empty]
    assert [shift.missing for shift in found] == [1, 2]
    assert closed not in found


def test_names(world):
    assert coordination.first_name(UserFactory(name="Anna de Boer")) == "Anna"
    assert coordination.first_name(UserFactory(name="", email="x@example.org")) == "a volunteer"
    assert coordination.full_name(UserFactory(name="", email="y@example.org")) == "y@example.org"


@pytest.mark.parametrize(
    "role",
    ["anonymous", "resident", "volunteer", "editor", "coordinator", "superuser", "outsider"],
)
def test_hours_statement_q_agrees_with_the_helper(world, role):
    from django.contrib.auth.models import AnonymousUser

    from volunteers.permissions import can_view_hours_statement, hours_statement_q

    user = AnonymousUser() if role == "anonymous" else world.users[role]
    signups = [
        SignUpFactory(shift=past_shift(world.organisation), volunteer=world.users["volunteer"]),
        SignUpFactory(shift=past_shift(world.organisation)),
        SignUpFactory(shift=past_shift(world.other_organisation)),
        SignUpFactory(
            shift=past_shift(world.other_organisation), volunteer=world.users["outsider"]
        ),
    ]
    listed = set(SignUp.objects.filter(hours_statement_q(user)))
    allowed = {
        signup
        for signup in signups
        if can_view_hours_statement(user, signup.shift.task.organisation, signup.volunteer_id)
    }
    assert listed == allowed
