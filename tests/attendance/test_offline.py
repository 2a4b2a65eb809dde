"""The server side of the offline queue (static/js/roll-call-queue.js; in the browser:
tests/browser/test_roll_call_offline.py): the roll-call page loads the script and carries
its words, a tap sends the end state so replaying it changes nothing, and the number of
others answers the queue with only the count."""

import re

import pytest
from django.urls import reverse

from attendance.models import Attendance, RollCall

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(world):
    keep_attendance(world.organisation)
    return date_of(activity_of(world.organisation), days_ago=0)


def test_the_roll_call_loads_the_queue_with_its_words_and_no_inline_script(
    world, client_for, today
):
    client = client_for("coordinator")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("attendance:roll_call", args=[today.pk])).content.decode()
    scripts = re.findall(r"<script[^>]*>", page)
    assert '<script src="/static/js/roll-call-queue.js" defer>' in scripts
    assert all(" src=" in tag for tag in scripts)
    assert "<style" not in page and " style=" not in page
    assert f'data-key="omzien.roll-call.{world.users["coordinator"].pk}.{today.pk}"' in page
    assert 'data-waiting-other="Offline: {n} taps waiting, they will be sent' in page
    assert 'data-waiting-one="Offline: {n} tap waiting, it will be sent' in page
    assert 'id="queue-status" role="status"' in page
    client.cookies["django_language"] = "nl"
    page = client.get(reverse("attendance:roll_call", args=[today.pk])).content.decode()
    assert 'data-waiting-other="Geen verbinding: {n} tikken wachten.' in page
    assert 'data-sent="Alles is verstuurd."' in page


def test_a_replayed_tap_changes_nothing(world, client_for, today):
    """The queue sends the end state, so a tap sent twice (the answer was lost) makes one
    row, and an undo sent twice leaves none."""
    person = ParticipantFactory(organisation=world.organisation)
    client = client_for("coordinator")
    url = reverse("attendance:mark", args=[today.pk])
    for present, rows in (("1", 1), ("1", 1), ("0", 0), ("0", 0), ("1", 1)):
        response = client.post(
            url, {"participant": person.pk, "present": present}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert Attendance.objects.filter(occurrence=today, participant=person).count() == rows


def test_the_number_of_others_from_the_queue_gets_only_the_count(world, client_for, today):
    person = ParticipantFactory(organisation=world.organisation)
    client = client_for("coordinator")
    client.post(
        reverse("attendance:mark", args=[today.pk]), {"participant": person.pk, "present": "1"}
    )
    url = reverse("attendance:head_count", args=[today.pk])
    for _ in range(2):
        response = client.post(url, {"head_count": "5"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith('<p id="present-count" hx-swap-oob="true"')
        assert "6" in body and "<html" not in body
    assert RollCall.objects.get(occurrence=today).head_count == 5
    for junk in ("-1", "abc", "100000", ""):
        response = client.post(url, {"head_count": junk}, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert response["Content-Type"].startswith("text/plain")
    assert RollCall.objects.get(occurrence=today).head_count == 5


def test_the_number_of_others_for_a_date_to_come_is_refused_to_the_queue(world, client_for, today):
    coming = date_of(today.activity, days_ago=-2)
    response = client_for("coordinator").post(
        reverse("attendance:head_count", args=[coming.pk]),
        {"head_count": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert not RollCall.objects.exists()
