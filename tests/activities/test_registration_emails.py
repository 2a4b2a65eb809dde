"""The confirmation e-mail says what the person needs to come: what, when, where, for how
many, whom to call; it carries the date as a calendar file and the link to withdraw."""

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from activities import ical
from activities.models import Registration
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.activities.test_registration import form, manage_url, register_url, withdraw_url


@pytest.fixture
def activity(world):
    place = PlaceFactory(
        name="Dorpshuis De Schakel",
        address="Kerkstraat 3",
        postcode="4153 AB",
        town="Beesd",
        municipality=world.municipality,
    )
    return make_activity(
        organisation=world.organisation,
        title="Bloemschikken",
        place=place,
        room=RoomFactory(place=place, name="Grote zaal"),
        registration_required=True,
        capacity=3,
        contact_phone="0345 654321",
    )


@pytest.fixture
def occurrence(activity):
    return activity.occurrences.order_by("starts_at").first()


def register(client, occurrence, callbacks, **data):
    with callbacks(execute=True):
        client.post(register_url(occurrence), form(**data))
    return Registration.objects.latest("pk")


def calendar_events(message) -> list:
    files = [a for a in message.attachments if a[2] == "text/calendar"]
    return [
        event
        for _name, content, _type in files
        for event in icalendar.Calendar.from_ical(content).walk("VEVENT")
    ]


def test_the_confirmation_says_what_when_where_for_how_many_and_whom_to_call(
    client, occurrence, django_capture_on_commit_callbacks
):
    registration = register(
        client,
        occurrence,
        django_capture_on_commit_callbacks,
        name="Truus de Boer",
        email="truus@example.org",
        phone="0612345678",
        party_size=2,
    )

    [message] = mail.outbox
    assert message.subject == "Uw aanmelding"  # generic: no names, no activity
    html = message.alternatives[0][0]
    start = timezone.localtime(occurrence.starts_at)
    for body in (message.body, " ".join(html.split())):
        assert "U bent aangemeld voor Bloemschikken. Tot dan!" in body
        assert "Bloemschikken (Het Klokhuis)" in body
        assert f"{start:%H:%M}\u201311:30" in body  # an en dash
        assert "Dorpshuis De Schakel, Grote zaal" in body
        assert "Kerkstraat 3, 4153 AB Beesd" in body
        assert "2 personen" in body
        assert "Vragen? Bel de organisator:" in body and "0345 654321" in body
        assert settings.SITE_URL + withdraw_url(registration) in body
        assert settings.SITE_URL + manage_url(registration) in body
        # Nothing of what the person typed about themselves.
        assert "Truus" not in body and "0612345678" not in body


def test_the_confirmation_carries_the_date_as_a_calendar_file(
    client, occurrence, django_capture_on_commit_callbacks
):
    register(client, occurrence, django_capture_on_commit_callbacks, email="ans@example.org")

    [message] = mail.outbox
    [(filename, _content, _type)] = message.attachments
    assert filename == f"bloemschikken-{occurrence.original_date.isoformat()}.ics"
    [event] = calendar_events(message)
    assert str(event["UID"]) == ical.occurrence_uid(occurrence)
    assert event["DTSTART"].dt == timezone.localtime(occurrence.starts_at)
    assert str(event["SUMMARY"]) == "Bloemschikken"
    assert "Dorpshuis De Schakel" in str(event["LOCATION"])
    # In the person's language, like the e-mail.
    assert "Georganiseerd door Het Klokhuis." in str(event["DESCRIPTION"])
    assert "De datum zit als agendabestand bij deze e-mail" in message.body


def test_the_waiting_list_gets_no_calendar_file_until_a_place_comes_free(
    client, occurrence, django_capture_on_commit_callbacks
):
    register(
        client,
        occurrence,
        django_capture_on_commit_callbacks,
        name="Ans",
        email="ans@example.org",
        party_size=3,
    )
    bep = register(
        client, occurrence, django_capture_on_commit_callbacks, name="Bep", email="bep@example.org"
    )
    waiting = mail.outbox[-1]
    assert waiting.subject == "U staat op de wachtlijst"
    assert waiting.attachments == []
    assert "agendabestand" not in waiting.body

    ans = Registration.objects.get(name="Ans")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(withdraw_url(ans))
    [promoted] = mail.outbox
    assert promoted.to == ["bep@example.org"]
    [event] = calendar_events(promoted)
    assert str(event["UID"]) == ical.occurrence_uid(occurrence)
    assert settings.SITE_URL + withdraw_url(bep) in promoted.body


def test_in_english_too(client, occurrence, django_capture_on_commit_callbacks):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    register(client, occurrence, django_capture_on_commit_callbacks, email="ans@example.org")
    [message] = mail.outbox
    assert message.subject == "Your registration"
    assert "For: 1 person" in message.body
    assert "Questions? Call the organiser: 0345 654321" in message.body
    [event] = calendar_events(message)
    assert "Organised by Het Klokhuis." in str(event["DESCRIPTION"])
