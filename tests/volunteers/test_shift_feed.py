"""The personal calendar feed at its secret address: read back by icalendar and vobject,
SEQUENCE from the shift, cancelled shifts and sign-ups as STATUS:CANCELLED, renewing the
address makes the old one a 404, no caching, constant queries."""

from datetime import timedelta

import icalendar
import pytest
import vobject
from django.urls import reverse
from django.utils import timezone

from tests.activities.factories import PlaceFactory
from tests.volunteers.factories import (
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)
from volunteers import signups
from volunteers.models import Shift, SignUpStatus


def feed_url(profile) -> str:
    return reverse("volunteers:shift_feed", kwargs={"token": profile.feed_token})


@pytest.fixture
def me(world):
    return world.users["volunteer"]


@pytest.fixture
def profile(me):
    return VolunteerProfileFactory(user=me)


@pytest.fixture
def task(world):
    place = PlaceFactory(
        name="Dorpshuis; De Schakel", municipality=world.municipality, address="Brink 1"
    )
    return TaskFactory(
        organisation=world.organisation,
        title="Koffie, thee en een praatje",
        place=place,
        description="Koffie schenken.\nEn opruimen.",
        care_boundary_note="Geen medicijnen.",
    )


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_feed_lists_my_shifts_and_reads_back(client, me, profile, task, world):
    shift = ShiftFactory(task=task)
    SignUpFactory(shift=shift, volunteer=me)
    waiting = ShiftFactory(task=task)
    SignUpFactory(shift=waiting, volunteer=me, status=SignUpStatus.WAITING)
    someone_elses = ShiftFactory(task=task)
    SignUpFactory(shift=someone_elses)
    response = client.get(feed_url(profile))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    found = events(response.content)
    assert list(found) == [f"shift-{shift.pk}@localhost"] or len(found) == 1
    [event] = found.values()
    assert str(event["SUMMARY"]) == "Koffie, thee en een praatje (Het Klokhuis)"
    assert event["STATUS"] == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == shift.starts_at
    assert event.decoded("DTEND") == shift.ends_at
    assert "Dorpshuis; De Schakel" in str(event["LOCATION"])
    assert "Geen medicijnen." in str(event["DESCRIPTION"])
    assert reverse("volunteers:shift_detail", kwargs={"shift": shift.pk}) in str(event["URL"])
    # vobject reads it too.
    parsed = vobject.readOne(response.content.decode())
    assert len(parsed.vevent_list) == 1
    assert parsed.vevent.summary.value == "Koffie, thee en een praatje (Het Klokhuis)"


def test_cancelled_shift_and_cancelled_sign_up_show_as_cancelled(client, me, profile, task):
    called_off = ShiftFactory(task=task)
    SignUpFactory(shift=called_off, volunteer=me)
    Shift.objects.filter(pk=called_off.pk).update(
        is_cancelled=True, cancelled_at=timezone.now(), sequence=3
    )
    mine = ShiftFactory(task=task)
    signup = SignUpFactory(shift=mine, volunteer=me)
    before = events(client.get(feed_url(profile)).content)
    seq_before = int(before[next(k for k in before if f"-{mine.pk}@" in k)]["SEQUENCE"])
    signups.cancel_signup(signup=signup, now=mine.starts_at - timedelta(days=3))
    found = events(client.get(feed_url(profile)).content)
    by_shift = {int(uid.split("-")[1].split("@")[0]): event for uid, event in found.items()}
    assert by_shift[called_off.pk]["STATUS"] == "CANCELLED"
    assert int(by_shift[called_off.pk]["SEQUENCE"]) == 3
    assert by_shift[mine.pk]["STATUS"] == "CANCELLED"
    assert int(by_shift[mine.pk]["SEQUENCE"]) > seq_before
    # Signing up again: confirmed again, and the sequence grows once more.
    again = signups.sign_up(shift=mine, volunteer=me)
    assert again.status == SignUpStatus.CONFIRMED
    found = events(client.get(feed_url(profile)).content)
    event = next(e for uid, e in found.items() if f"-{mine.pk}@" in uid)
    assert event["STATUS"] == "CONFIRMED"
    assert int(event["SEQUENCE"]) > int(by_shift[mine.pk]["SEQUENCE"])


def test_renewing_the_address_makes_the_old_one_404(client_for, me, profile):
    old = feed_url(profile)
    client = client_for("volunteer")
    assert client.get(old).status_code == 200
    client.post(reverse("volunteers:feed_renew"))
    profile.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(feed_url(profile)).status_code == 200


@pytest.mark.parametrize("token", ["abc", "x" * 200, "%00" * 20, "../../etc/passwd", "a" * 32])
def test_unknown_or_junk_tokens_are_404(client, profile, token):
    assert client.get(f"/vrijwilligers/agenda/{token}.ics").status_code == 404


def test_an_inactive_account_has_no_feed(client, me, profile):
    me.is_active = False
    me.save()
    assert client.get(feed_url(profile)).status_code == 404


def test_unchanged_feed_answers_304(client, me, profile, task):
    SignUpFactory(shift=ShiftFactory(task=task), volunteer=me)
    first = client.get(feed_url(profile))
    again = client.get(feed_url(profile), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_feed_in_the_volunteers_language(client, me, profile, task):
    me.language = "en"
    me.save()
    shift = ShiftFactory(task=task)
    SignUpFactory(shift=shift, volunteer=me)
    Shift.objects.filter(pk=shift.pk).update(is_cancelled=True)
    [event] = events(client.get(feed_url(profile)).content).values()
    assert str(event["SUMMARY"]).startswith("Cancelled: ")


def test_feed_constant_queries(client, me, profile, task, django_assert_max_num_queries):
    SignUpFactory(shift=ShiftFactory(task=task), volunteer=me)
    client.get(feed_url(profile))
    with django_assert_max_num_queries(6) as small:
        assert client.get(feed_url(profile)).status_code == 200
    for _ in range(30):
        other = TaskFactory(organisation=task.organisation, place=task.place)
        SignUpFactory(shift=ShiftFactory(task=other), volunteer=me)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(feed_url(profile))
    assert len(events(response.content)) == 31
