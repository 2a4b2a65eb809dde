"""What volunteering keeps about a person is in "my data" (shown, downloaded, erased with
the account), and what has served its purpose is purged on schedule."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from network import personal_data
from network.models import JobRun, User
from tests.factories import PASSWORD, UserFactory
from tests.volunteers.factories import (
    CertificateFactory,
    HelpRequestFactory,
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)
from volunteers import help, profiles
from volunteers.models import (
    ApplicationStatus,
    Certificate,
    HelpRequest,
    HelpRequestStatus,
    HelpResponse,
    SignUp,
    SignUpStatus,
    VolunteerApplication,
    VolunteerProfile,
)
from volunteers.tasks import purge_volunteering_data

KINDS = {
    "volunteer_profile",
    "volunteer_certificates",
    "volunteer_applications",
    "volunteer_signups",
    "help_requests",
    "help_responses",
}


@pytest.fixture
def anna(world):
    """A volunteer with something of every kind."""
    user = world.users["volunteer"]
    VolunteerProfileFactory(
        user=user, phone="06 5555", skills="Fietsen", availability=[[1, "afternoon"]]
    )
    CertificateFactory(user=user)
    VolunteerApplication.objects.create(
        user=user, organisation=world.other_organisation, message="Graag"
    )
    task = TaskFactory(organisation=world.organisation, title="Koffie schenken")
    past = ShiftFactory(
        task=task,
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    SignUpFactory(shift=past, volunteer=user, hours_approved=Decimal("2.00"))
    SignUpFactory(shift=ShiftFactory(task=task), volunteer=user)
    asked = HelpRequestFactory(
        organisation=world.organisation,
        title="Iemand voor mijn tuin",
        requester=user,
        requester_name="Anna",
        requester_contact="06 5555",
    )
    other = HelpRequestFactory(organisation=world.organisation, title="Boodschappen")
    HelpResponse.objects.create(request=other, volunteer=user, message="Op maandag")
    return user, asked, other


def test_every_kind_is_registered():
    assert {kind.key for kind in personal_data.kinds()} >= KINDS


def test_the_download_holds_everything_of_the_person(client_for, world, anna):
    _user, _asked, other = anna
    data = json.loads(client_for("volunteer").get(reverse("network:my_data_download")).content)
    assert data["volunteer_profile"]["phone"] == "06 5555"
    assert data["volunteer_profile"]["availability"] == [[1, "afternoon"]]
    assert [c["kind"] for c in data["volunteer_certificates"]] == ["vog"]
    assert data["volunteer_applications"][0]["message"] == "Graag"
    assert [s["task"] for s in data["volunteer_signups"]] == ["Koffie schenken"] * 2
    assert data["volunteer_signups"][0]["hours"] == "2.00"
    assert data["help_requests"][0]["title"] == "Iemand voor mijn tuin"
    assert data["help_responses"][0]["request"] == "Boodschappen"
    # Someone else's request is not theirs: who asked it stays out.
    assert other.requester_name not in json.dumps(data)


def test_the_page_shows_every_kind(client_for, world, anna):
    client = client_for("volunteer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("network:my_data")).content.decode()
    for heading in (
        "Your volunteer profile",
        "Your certificates",
        "Your offers to volunteer",
        "Your shifts as a volunteer, and hours",
        "Help you asked for",
        "Your offers of help",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "Tuesday afternoon" in page
    assert "Iemand voor mijn tuin" in page


def test_someone_without_volunteering_data_gets_empty_sections(world):
    user = UserFactory()
    with translation.override("en"):
        data = personal_data.export(user)
        assert data["volunteer_profile"] is None
        assert all(data[key] == [] for key in KINDS - {"volunteer_profile"})
        personal_data.sections(user)


def test_deleting_the_account_erases_every_kind(client_for, world, anna):
    user, asked, other = anna
    client = client_for("volunteer")
    response = client.post(reverse("network:my_data_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not VolunteerProfile.objects.exists()
    assert not Certificate.objects.exists()
    assert not VolunteerApplication.objects.exists()
    assert not SignUp.objects.exists()
    assert not HelpRequest.objects.filter(pk=asked.pk).exists()
    assert not HelpResponse.objects.exists()
    # Other people's things stay.
    assert HelpRequest.objects.filter(pk=other.pk).exists()


def test_erasing_gives_a_held_place_to_the_waiting_list(world, django_capture_on_commit_callbacks):
    volunteer = world.users["volunteer"]
    shift = ShiftFactory(task=TaskFactory(organisation=world.organisation, volunteers_needed=1))
    SignUpFactory(shift=shift, volunteer=volunteer)
    waiting = SignUpFactory(shift=shift, volunteer=UserFactory(), status=SignUpStatus.WAITING)
    shift.refresh_from_db()
    assert shift.confirmed_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        personal_data.erase(volunteer)
    shift.refresh_from_db()
    waiting.refresh_from_db()
    assert shift.confirmed_count == 0
    assert waiting.status == SignUpStatus.OFFERED


def test_a_request_posted_for_someone_stays_when_the_coordinator_goes(world):
    posted = HelpRequestFactory(
        organisation=world.organisation, posted_by=world.users["coordinator"]
    )
    personal_data.erase(world.users["coordinator"])
    posted.refresh_from_db()
    assert posted.posted_by is None


# Retention ---------------------------------------------------------------------------------


def test_what_served_its_purpose_is_purged(world):
    now = timezone.now()
    today = timezone.localdate()
    user = world.users["volunteer"]
    _old, recent, pending = (
        VolunteerApplication.objects.create(
            user=UserFactory(), organisation=world.organisation, status=status, decided_at=when
        )
        for status, when in (
            (ApplicationStatus.DECLINED, now - timedelta(days=91)),
            (ApplicationStatus.WITHDRAWN, now - timedelta(days=89)),
            (ApplicationStatus.PENDING, None),
        )
    )
    VolunteerApplication.objects.filter(pk=pending.pk).update(created_at=now - timedelta(days=400))
    long_expired = CertificateFactory(
        user=user, issued_on=today - timedelta(days=5 * 365), expires_on=today - timedelta(days=366)
    )
    just_expired = CertificateFactory(
        user=user, issued_on=today - timedelta(days=4 * 365), expires_on=today - timedelta(days=30)
    )
    task = TaskFactory(organisation=world.organisation)
    long_ago = now - timedelta(days=31)
    old_shift = ShiftFactory(task=task, starts_at=long_ago, ends_at=long_ago + timedelta(hours=2))
    cancelled_old = SignUpFactory(shift=old_shift, volunteer=user, status=SignUpStatus.CANCELLED)
    kept_old = SignUpFactory(shift=old_shift, volunteer=UserFactory())
    cancelled_recent = SignUpFactory(
        shift=ShiftFactory(task=task), volunteer=user, status=SignUpStatus.CANCELLED
    )
    closed_long_ago = HelpRequestFactory(
        organisation=world.organisation,
        status=HelpRequestStatus.CLOSED,
        closed_at=now - timedelta(days=366),
    )
    closed_recently = HelpRequestFactory(
        organisation=world.organisation,
        status=HelpRequestStatus.CLOSED,
        closed_at=now - timedelta(days=300),
    )
    open_old = HelpRequestFactory(organisation=world.organisation)
    HelpRequest.objects.filter(pk=open_old.pk).update(created_at=now - timedelta(days=800))

    counts = purge_volunteering_data.delay().get()
    assert counts == {"applications": 1, "certificates": 1, "signups": 1, "help_requests": 1}
    assert set(VolunteerApplication.objects.values_list("pk", flat=True)) == {
        recent.pk,
        pending.pk,
    }
    assert set(Certificate.objects.values_list("pk", flat=True)) == {just_expired.pk}
    assert set(SignUp.objects.values_list("pk", flat=True)) == {kept_old.pk, cancelled_recent.pk}
    assert set(HelpRequest.objects.values_list("pk", flat=True)) == {
        closed_recently.pk,
        open_old.pk,
    }
    assert not Certificate.objects.filter(pk=long_expired.pk).exists()
    assert not SignUp.objects.filter(pk=cancelled_old.pk).exists()
    assert not HelpRequest.objects.filter(pk=closed_long_ago.pk).exists()
    # Twice is harmless; the run is recorded for operators.
    assert purge_volunteering_data.delay().get() == {
        "applications": 0,
        "certificates": 0,
        "signups": 0,
        "help_requests": 0,
    }
    run = JobRun.objects.get(name="purge-volunteering-data")
    assert run.runs == 2 and run.last_succeeded


def test_the_purge_is_on_the_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-volunteering-data"]
    assert entry["task"] == "volunteers.tasks.purge_volunteering_data"


def test_retention_periods_are_what_the_docs_say():
    assert profiles.DECIDED_APPLICATION_DAYS == 90
    assert profiles.EXPIRED_CERTIFICATE_DAYS == 365
    assert profiles.CANCELLED_SIGNUP_DAYS == 30
    assert help.CLOSED_REQUEST_DAYS == 365
