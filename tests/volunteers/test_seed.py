"""Volunteering in the reference data sets (volunteers/seed.py), through `manage.py seed`.

The day the data is built around is pinned, as in tests/activities/test_seed_agenda.py.
"""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.urls import reverse

from activities import seed as agenda_seed
from activities import services
from network.models import Membership, Organisation, Role, User
from volunteers.models import (
    ACTIVE_SIGNUP_STATUSES,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    HelpRequest,
    HelpRequestStatus,
    HelpResponseStatus,
    Shift,
    SignUp,
    SignUpStatus,
    Task,
    VolunteerApplication,
    VolunteerProfile,
)

#: A Thursday (as in the agenda's seed tests).
TODAY = date(2026, 11, 26)
NOW = services.local_datetime(TODAY, None)
WELZIJN = "welzijn-west-betuwe"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: TODAY)
    return TODAY


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def village(db, today) -> str:
    return seed(scale="village")


def snapshot() -> dict:
    return {
        "tasks": sorted(
            Task.objects.values_list(
                "organisation__slug", "title", "activity__slug", "start_date", "frequency"
            )
        ),
        "shifts": sorted(
            Shift.objects.values_list(
                "task__title", "original_date", "starts_at", "places", "confirmed_count"
            )
        ),
        "signups": sorted(
            SignUp.objects.values_list(
                "shift__task__title",
                "shift__original_date",
                "volunteer__email",
                "status",
                "hours_approved",
                "no_show_recorded_at",
            )
        ),
        "certificates": sorted(
            Certificate.objects.values_list("user__email", "kind", "name", "expires_on")
        ),
        "availability": sorted(
            (email, str(availability))
            for email, availability in VolunteerProfile.objects.values_list(
                "user__email", "availability"
            )
        ),
    }


def assert_consistent() -> None:
    """The rules the sign-up services keep hold in the seeded rows too."""
    # confirmed_count is the number of confirmed sign-ups, never above the places.
    wrong = Shift.objects.annotate(
        real=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED))
    ).exclude(confirmed_count=F("real"))
    assert not wrong.exists()
    assert not Shift.objects.filter(confirmed_count__gt=F("places")).exists()
    # Nobody waits while a place is free: a waiting list only on full shifts (or where the
    # free place is offered to someone).
    for shift in Shift.objects.filter(signups__status=SignUpStatus.WAITING).distinct():
        offered = shift.signups.filter(status=SignUpStatus.OFFERED).count()
        assert shift.confirmed_count + offered == shift.places, shift
    # Cancelled shifts have nobody on them.
    assert not SignUp.objects.filter(
        shift__is_cancelled=True, status__in=ACTIVE_SIGNUP_STATUSES
    ).exists()
    # One shift a day per volunteer, one active sign-up per volunteer and shift.
    per_day = Counter(
        (signup.volunteer_id, services.timezone.localtime(signup.shift.starts_at).date())
        for signup in SignUp.objects.filter(status=SignUpStatus.CONFIRMED).select_related("shift")
    )
    assert max(per_day.values()) == 1
    # Active sign-ups only by volunteers of the task's organisation.
    members = set(
        Membership.objects.filter(role=Role.VOLUNTEER).values_list("user_id", "organisation_id")
    )
    for volunteer, organisation in SignUp.objects.filter(
        status__in=ACTIVE_SIGNUP_STATUSES
    ).values_list("volunteer_id", "shift__task__organisation_id"):
        assert (volunteer, organisation) in members
    # Confirmed volunteers meet the task's requirements on the shift's date.
    certificates: dict[int, list[Certificate]] = {}
    for certificate in Certificate.objects.all():
        certificates.setdefault(certificate.user_id, []).append(certificate)
    born = dict(VolunteerProfile.objects.values_list("user_id", "birth_year"))
    confirmed = SignUp.objects.filter(status=SignUpStatus.CONFIRMED).select_related("shift__task")
    for signup in confirmed.filter(
        Q(shift__task__requires_vog=True)
        | Q(shift__task__requires_driving_licence=True)
        | ~Q(shift__task__required_training="")
        | Q(shift__task__minimum_age__isnull=False)
    ):
        task, day = signup.shift.task, services.timezone.localtime(signup.shift.starts_at).date()
        held = certificates.get(signup.volunteer_id, [])
        if task.requires_vog:
            assert any(c.kind == CertificateKind.VOG and c.valid_on(day) for c in held)
        if task.requires_driving_licence:
            assert any(c.kind == CertificateKind.DRIVING_LICENCE and c.valid_on(day) for c in held)
        if task.required_training:
            assert any(
                c.kind == CertificateKind.TRAINING
                and c.name == task.required_training
                and c.valid_on(day)
                for c in held
            )
        if task.minimum_age:
            assert born[signup.volunteer_id] is not None
            assert day.year - born[signup.volunteer_id] >= task.minimum_age
    # Hours only for shifts that happened, never for a no-show.
    assert not SignUp.objects.filter(hours_approved__isnull=False, shift__ends_at__gt=NOW)
    assert not SignUp.objects.filter(
        hours_approved__isnull=False, no_show_recorded_at__isnull=False
    )
    # Reminders and alerts that were due before the seed's day count as sent.
    assert not SignUp.objects.filter(
        status=SignUpStatus.CONFIRMED, shift__starts_at__lt=NOW, reminder_sent_at__isnull=True
    ).exists()


# The village ---------------------------------------------------------------------------------


def test_village_has_volunteering_in_its_own_words(village):
    assert "21 tasks" in village and "shifts" in village and "sign-ups" in village
    volunteers = Membership.objects.filter(role=Role.VOLUNTEER).values("user").distinct()
    assert VolunteerProfile.objects.count() == volunteers.count() >= 150
    titles = dict(Task.objects.values_list("title", "organisation__slug"))
    assert titles["Koffie schenken in het restaurant"] == "zorgcentrum-de-lingehof"
    assert titles["Tafels dekken voor de open lunch"] == "zorgcentrum-de-lingehof"
    driver = Task.objects.get(title="Chauffeur van de boodschappenbus")
    assert driver.requires_driving_licence and driver.minimum_age == 21
    assert driver.activity.title == "Boodschappenbus"
    trip = Task.objects.get(title="Mee op uitje met de bewoners")
    assert trip.requires_vog and trip.activity is None and trip.care_boundary_note
    assert Task.objects.filter(activity__isnull=False).count() >= 10
    assert Task.objects.filter(activity__isnull=True).count() >= 4
    # A year back and ahead.
    first, last = Shift.objects.order_by("starts_at")[0], Shift.objects.order_by("-starts_at")[0]
    assert first.starts_at < NOW - timedelta(days=300)
    assert last.starts_at > NOW + timedelta(days=300)
    assert Shift.objects.count() > 1500 and SignUp.objects.count() > 2000
    statuses = Counter(SignUp.objects.values_list("status", flat=True))
    assert statuses[SignUpStatus.WAITING] >= 5 and statuses[SignUpStatus.CANCELLED] >= 5
    assert SignUp.objects.filter(no_show_recorded_at__isnull=False).exists()
    assert SignUp.objects.filter(hours_approved__isnull=False).count() > 1000


def test_village_data_keeps_the_rules(village):
    assert_consistent()


def test_shifts_of_a_task_that_follows_an_activity_are_its_dates(village):
    task = Task.objects.get(title="Gastvrouw of gastheer bij de koffieochtend")
    shifts = list(task.shifts.order_by("starts_at").select_related("occurrence"))
    occurrences = list(task.activity.occurrences.order_by("starts_at"))
    assert [s.occurrence for s in shifts] == occurrences
    for shift in shifts:
        assert shift.starts_at == shift.occurrence.starts_at
        assert shift.is_cancelled == shift.occurrence.is_cancelled
    own = Task.objects.get(title="Koffie schenken in het restaurant")
    days = {services.timezone.localtime(s.starts_at).weekday() for s in own.shifts.all()}
    assert days == {2}  # every Wednesday
    assert len(set(own.shifts.values_list("original_date", flat=True))) == own.shifts.count()


def test_some_coming_shifts_are_full_others_still_empty(village):
    coming = Shift.objects.filter(starts_at__gte=NOW, is_cancelled=False)
    soon = coming.filter(starts_at__lt=NOW + timedelta(days=7))
    assert soon.filter(confirmed_count=0).exists()
    assert soon.filter(confirmed_count=F("places")).exists()
    assert coming.filter(signups__status=SignUpStatus.WAITING).exists()


def test_some_vogs_have_expired_and_nobody_uses_one_that_has(village):
    expired = Certificate.objects.filter(kind=CertificateKind.VOG, expires_on__lt=TODAY)
    assert expired.exists()
    assert Certificate.objects.filter(kind=CertificateKind.DRIVING_LICENCE).exists()
    assert Certificate.objects.filter(kind=CertificateKind.TRAINING, name="EHBO").exists()
    only_expired = (
        User.objects.filter(certificates__in=expired)
        .exclude(certificates__kind=CertificateKind.VOG, certificates__expires_on__gte=TODAY)
        .distinct()
    )
    assert only_expired.exists()
    assert not SignUp.objects.filter(
        volunteer__in=only_expired,
        status=SignUpStatus.CONFIRMED,
        shift__task__requires_vog=True,
        shift__starts_at__gte=NOW,
    ).exists()


def test_the_demo_volunteer_has_coming_shifts_an_offered_place_and_a_history(village):
    riet = User.objects.get(email="vrijwilliger@example.org")
    profile = riet.volunteer_profile
    assert profile.availability and profile.birth_year
    mine = SignUp.objects.filter(volunteer=riet)
    coming = mine.filter(shift__starts_at__gte=NOW)
    assert coming.filter(status=SignUpStatus.CONFIRMED).count() >= 3
    offered = coming.get(status=SignUpStatus.OFFERED)
    assert NOW < offered.offer_expires_at < offered.shift.starts_at
    assert coming.filter(status=SignUpStatus.WAITING).exists()
    assert coming.filter(stand_in_wanted_at__isnull=False).count() == 1
    past = mine.filter(shift__starts_at__lt=NOW, status=SignUpStatus.CONFIRMED)
    assert past.filter(hours_approved__isnull=False).count() >= 5
    assert riet.certificates.filter(kind=CertificateKind.VOG, expires_on__gt=TODAY).exists()


def test_the_demo_coordinator_has_work_to_do(village):
    marloes = User.objects.get(email="coordinator@example.org")
    welzijn = Organisation.objects.get(slug=WELZIJN)
    assert marloes.memberships.filter(role=Role.COORDINATOR, organisation=welzijn).exists()
    shifts = Shift.objects.filter(task__organisation=welzijn, is_cancelled=False)
    unfilled_soon = shifts.filter(
        starts_at__gte=NOW,
        starts_at__lt=NOW + timedelta(days=7),
        confirmed_count__lt=F("places"),
    )
    assert unfilled_soon.count() >= 2
    to_approve = SignUp.objects.filter(
        shift__in=shifts,
        shift__ends_at__lt=NOW,
        status=SignUpStatus.CONFIRMED,
        hours_approved__isnull=True,
        no_show_recorded_at__isnull=True,
    )
    assert to_approve.count() >= 3
    assert (
        VolunteerApplication.objects.filter(
            organisation=welzijn, status=ApplicationStatus.PENDING
        ).count()
        == 4
    )
    requests = HelpRequest.objects.filter(organisation=welzijn)
    assert requests.filter(status=HelpRequestStatus.OPEN).count() >= 3
    rotation = requests.get(title="Wekelijks boodschappen doen")
    matched = rotation.responses.filter(status=HelpResponseStatus.MATCHED)
    assert sorted(matched.values_list("rotation_position", flat=True)) == [1, 2, 3, 4]
    assert rotation.volunteers_wanted == 4
    assert all(r.requester_name and r.requester_contact for r in requests)


def test_pending_applications_come_from_people_not_yet_volunteering_there(village):
    for user_id, organisation_id in VolunteerApplication.objects.filter(
        status=ApplicationStatus.PENDING
    ).values_list("user_id", "organisation_id"):
        assert not Membership.objects.filter(
            user_id=user_id, organisation_id=organisation_id, role=Role.VOLUNTEER
        ).exists()


def test_same_seed_and_day_give_the_same_volunteering_and_another_seed_other(db, today):
    seed(scale="village")
    first = snapshot()
    seed(scale="village", flush=True)
    assert snapshot() == first
    seed(scale="village", flush=True, seed=2)
    second = snapshot()
    assert second["signups"] != first["signups"]
    assert second["tasks"] == first["tasks"]  # the tasks are written out by hand


def test_flush_deletes_volunteering_with_the_rest(village):
    seed(scale="village", flush=True)
    assert Task.objects.count() == 21
    assert_consistent()


# The region ----------------------------------------------------------------------------------


def test_small_region_scales_volunteering_and_keeps_the_rules(db, today):
    output = seed(scale="region", factor=0.01)
    village_tasks = 21
    region_tasks = Task.objects.exclude(organisation__networks__slug="beesd-voor-elkaar")
    assert region_tasks.exists() and Task.objects.count() > village_tasks
    # About 1% of the 200,000 shifts the region adds.
    region_shifts = Shift.objects.filter(task__in=region_tasks).count()
    assert 1500 <= region_shifts <= 3500
    assert SignUp.objects.filter(shift__task__in=region_tasks).count() > region_shifts
    assert f"{Shift.objects.count()} shifts" in output
    # Two years back.
    assert Shift.objects.filter(task__in=region_tasks, starts_at__lt=NOW - timedelta(days=600))
    assert_consistent()
    # Every region organisation with tasks has a coordinator, one of its own people.
    for organisation in Organisation.objects.filter(volunteer_tasks__in=region_tasks).distinct():
        assert organisation.memberships.filter(role=Role.COORDINATOR).exists()
    # The network seed's promises still hold: volunteers at one or two organisations.
    per_user = Counter(
        Membership.objects.filter(user__email__regex=r"\.[0-9]+@example\.org$").values_list(
            "user_id", flat=True
        )
    )
    assert set(per_user.values()) <= {1, 2}
    assert User.objects.count() == 150 + 99 + 8


def test_small_region_is_deterministic(db, today):
    seed(scale="region", factor=0.01)
    first = snapshot()
    seed(scale="region", factor=0.01, flush=True)
    assert snapshot() == first


# The demo accounts' pages on the seeded data -------------------------------------------------


@pytest.fixture
def village_today(db) -> str:
    """The village built around the real today, as `make run` builds it."""
    return seed(scale="village")


def test_the_demo_accounts_pages_work_on_the_seeded_data(village_today, client):
    riet = User.objects.get(email="vrijwilliger@example.org")
    offered = SignUp.objects.get(volunteer=riet, status=SignUpStatus.OFFERED)
    client.force_login(riet)
    pages = {
        reverse("network:start"): None,
        reverse("volunteers:open_shifts"): None,
        reverse("volunteers:my_shifts"): offered.shift.task.title,
        reverse("volunteers:shift_detail", kwargs={"shift": offered.shift_id}): None,
        reverse("volunteers:profile"): None,
        reverse("volunteers:certificates"): None,
        reverse("volunteers:help_list"): None,
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        if text:
            assert text in response.content.decode(), url

    marloes = User.objects.get(email="coordinator@example.org")
    welzijn = {"organisation": WELZIJN}
    rotation = HelpRequest.objects.get(title="Wekelijks boodschappen doen")
    client.force_login(marloes)
    pages = {
        reverse("volunteers:unfilled", kwargs=welzijn): "Gastvrouw of gastheer bij het spreekuur",
        reverse("volunteers:unfilled_all"): None,
        reverse("volunteers:roster_today", kwargs=welzijn): None,
        reverse("volunteers:hours", kwargs=welzijn): None,
        reverse("volunteers:applications", kwargs=welzijn): None,
        reverse("volunteers:task_list", kwargs=welzijn): "Vervoer naar Beesd ontmoet elkaar",
        reverse("volunteers:help_list"): "Wekelijks boodschappen doen",
        reverse("volunteers:help_detail", kwargs={"help_request": rotation.pk}): None,
    }
    for url, text in pages.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        if text:
            assert text in response.content.decode(), url
