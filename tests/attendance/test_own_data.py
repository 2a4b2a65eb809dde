"""A resident whose participant record is linked to their account sees it on "my data",
downloads it, and deleting the account anonymises it: the dates stay as anonymous counts."""

import json

from django.conf import settings
from django.urls import reverse

from attendance import services
from attendance.models import Attendance, Participant
from tests.factories import PASSWORD

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance


def _truus(world):
    keep_attendance(world.organisation)
    participant = ParticipantFactory(
        organisation=world.organisation,
        name="Truus Jansen",
        phone="0345 999888",
        user=world.users["resident"],
    )
    occurrence = date_of(activity_of(world.organisation, title="Bloemschikken"))
    services.mark_attendance(
        occurrence=occurrence, participant=participant, present=True, by=world.users["coordinator"]
    )
    ParticipantFactory(organisation=world.organisation, name="Bep")  # someone else
    return participant


def test_my_data_shows_and_downloads_the_record(world, client_for):
    _truus(world)
    client = client_for("resident")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("network:my_data")).content.decode()
    assert "Coming to activities" in page and "Het Klokhuis" in page and "recorded 1 time." in page
    data = json.loads(client.get(reverse("network:my_data_download")).content)
    [record] = data["attendance.participants"]
    assert record["name"] == "Truus Jansen" and record["phone"] == "0345 999888"
    assert [a["activity"] for a in record["attended"]] == ["Bloemschikken"]
    assert "Bep" not in json.dumps(data)


def test_deleting_the_account_anonymises_the_record_and_keeps_the_count(world, client_for):
    participant = _truus(world)
    response = client_for("resident").post(
        reverse("network:my_data_delete"), {"password": PASSWORD}
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.name == "" and participant.phone == "" and participant.user is None
    assert participant.is_closed and not participant.gets_signals
    assert Attendance.objects.filter(participant=participant).count() == 1
    assert Participant.objects.filter(name="Bep").exists()
