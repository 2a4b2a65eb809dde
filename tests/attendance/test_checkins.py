"""Check-ins: a coordinator asks a volunteer to drop by, the volunteer sees only the first
name, the shared address or telephone and what is asked, and says how it went. Every role
against every address (404 for anyone else), constant queries, the reminders job (once
each, however often it runs), e-mails without personal details, junk input, "my data"."""

from datetime import timedelta

import factory
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from attendance import checkins
from attendance.models import CheckIn, CheckInOutcome
from network import outbox
from network.models import JobRun, OutboxMessage, Role
from network.shared import DomainError
from tests.conftest import ROLE_NAMES
from tests.factories import PASSWORD, MembershipFactory, UserFactory

from .factories import ParticipantFactory, keep_attendance

ALL = set(ROLE_NAMES) | {"outsider"}
NAME, ADDRESS, PHONE = "Truus van Dalen", "Kerkstraat 12, Beesd", "0345 987654"
NOTE = "Ze mist haar buurvrouw, zou graag vervoer hebben naar de koffieochtend"
WHAT = "Even langsgaan en vragen hoe het gaat"


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    participant = factory.SubFactory(ParticipantFactory)
    organisation = factory.SelfAttribute("participant.organisation")
    volunteer = factory.SubFactory(UserFactory)
    asked_by = factory.SubFactory(UserFactory)
    what_is_asked = WHAT
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))


@pytest.fixture
def client_for(client_for, settings):
    """Pages in English, whatever the default language (the assertions read the words)."""

    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def scene(world):
    keep_attendance(world.organisation)
    participant = ParticipantFactory(
        organisation=world.organisation, name=NAME, address=ADDRESS, phone=PHONE
    )
    check_in = CheckInFactory(
        participant=participant,
        volunteer=world.users["volunteer"],
        asked_by=world.users["coordinator"],
    )
    return {"participant": participant, "check_in": check_in}


def deliver_all() -> None:
    for pk in OutboxMessage.objects.filter(handled_at__isnull=True).values_list("pk", flat=True):
        outbox.deliver(pk)


def assert_nothing_personal(*texts: str) -> None:
    for message in mail.outbox:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            for secret in (NAME, "Truus", ADDRESS, "Kerkstraat", PHONE, NOTE, WHAT, *texts):
                assert secret not in text, (secret, message.subject)


# The whole flow through the pages ----------------------------------------------------------


def test_the_whole_flow(world, client_for, scene):
    participant = scene["participant"]
    org = world.organisation.slug
    volunteer = world.users["volunteer"]
    client = client_for("coordinator")
    detail = client.get(reverse("attendance:participant_detail", args=[org, participant.pk]))
    ask_url = reverse("attendance:check_in_ask", args=[org, participant.pk])
    assert ask_url in detail.content.decode()
    form = client.get(ask_url).content.decode()
    assert str(volunteer) in form  # the volunteers by name
    assert str(world.users["editor"]) not in form
    response = client.post(
        ask_url,
        {
            "volunteer": volunteer.pk,
            "what_is_asked": "Vragen of ze zin heeft in de fietstocht",
            "due_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "show_address": "on",
        },
    )
    assert response.status_code == 302
    asked = CheckIn.objects.exclude(pk=scene["check_in"].pk).get()
    assert (asked.volunteer, asked.asked_by) == (volunteer, world.users["coordinator"])
    assert asked.show_address and not asked.show_phone
    # The volunteer hears by e-mail, with a link and nothing personal.
    deliver_all()
    [message] = mail.outbox
    assert message.to == [volunteer.email]
    assert reverse("attendance:check_in_answer", args=[asked.pk]) in message.body
    assert_nothing_personal("fietstocht")

    # The volunteer sees the first name, the address and what is asked; nothing else.
    client = client_for("volunteer")
    mine = client.get(reverse("attendance:my_check_ins")).content.decode()
    assert "Truus" in mine and ADDRESS in mine and "fietstocht" in mine
    assert "van Dalen" not in mine and PHONE not in mine
    answer_url = reverse("attendance:check_in_answer", args=[asked.pk])
    page = client.get(answer_url).content.decode()
    assert "Truus" in page and ADDRESS in page and "van Dalen" not in page and PHONE not in page
    response = client.post(answer_url, {"outcome": "could_use_help", "note": NOTE})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.outcome == CheckInOutcome.COULD_USE_HELP and asked.answered_at
    # Answered: no address any more, and the page says so.
    page = client.get(answer_url).content.decode()
    assert ADDRESS not in page and "no longer see the address" in page
    mine = client.get(reverse("attendance:my_check_ins")).content.decode()
    assert "no longer see the address" in mine
    assert mine.count(ADDRESS) == 1  # only the other, still open request
    # Answering twice: a message, nothing changes.
    client.post(answer_url, {"outcome": "all_fine", "note": "x"}, follow=True)
    asked.refresh_from_db()
    assert asked.outcome == CheckInOutcome.COULD_USE_HELP and asked.outcome_note == NOTE

    # The coordinator who asked hears (a link), and reads the outcome and the note.
    mail.outbox.clear()
    deliver_all()
    [message] = mail.outbox
    assert message.to == [world.users["coordinator"].email]
    assert_nothing_personal()
    page = client_for("coordinator").get(reverse("attendance:check_in_list", args=[org]))
    text = page.content.decode()
    assert NOTE in text and "Could use some help" in text and NAME in text
    # And on the participant's own page.
    page = client_for("coordinator").get(
        reverse("attendance:participant_detail", args=[org, participant.pk])
    )
    assert NOTE in page.content.decode()


def test_withdrawing_an_open_request(world, client_for, scene):
    check_in = scene["check_in"]
    url = reverse("attendance:check_in_cancel", args=[world.organisation.slug, check_in.pk])
    assert client_for("coordinator").post(url).status_code == 302
    check_in.refresh_from_db()
    assert check_in.cancelled_at is not None
    deliver_all()
    [message] = mail.outbox
    assert message.to == [world.users["volunteer"].email]
    assert_nothing_personal()
    # The volunteer no longer sees the address; answering is refused kindly.
    client = client_for("volunteer")
    answer = reverse("attendance:check_in_answer", args=[check_in.pk])
    assert ADDRESS not in client.get(answer).content.decode()
    response = client.post(answer, {"outcome": "all_fine"}, follow=True)
    assert "no longer open" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.answered_at is None
    # Withdrawing twice: a message, not an error.
    response = client_for("coordinator").post(url, follow=True)
    assert "already withdrawn" in response.content.decode()


def test_only_a_volunteer_of_the_organisation_can_be_asked(world, scene):
    participant = scene["participant"]
    for someone in (world.users["editor"], world.users["outsider"], world.users["resident"]):
        with pytest.raises(DomainError):
            checkins.ask_check_in(
                participant=participant,
                by=world.users["coordinator"],
                volunteer=someone,
                what_is_asked=WHAT,
            )
    # Nothing to reach them by: refused with a message.
    bare = ParticipantFactory(organisation=world.organisation, address="", phone="")
    with pytest.raises(DomainError, match="address or a telephone"):
        checkins.ask_check_in(
            participant=bare,
            by=world.users["coordinator"],
            volunteer=world.users["volunteer"],
            what_is_asked=WHAT,
        )


def test_a_volunteer_who_stopped_no_longer_sees_the_request(world, client_for, scene):
    from network.models import Membership

    Membership.objects.filter(user=world.users["volunteer"], role=Role.VOLUNTEER).delete()
    url = reverse("attendance:check_in_answer", args=[scene["check_in"].pk])
    assert client_for("volunteer").get(url).status_code == 404


# Who may: every role against every address ---------------------------------------------------


def coordinator_urls(world, scene) -> list[str]:
    org = world.organisation.slug
    return [
        reverse("attendance:check_in_list", args=[org]),
        reverse("attendance:check_in_ask", args=[org, scene["participant"].pk]),
    ]


@pytest.mark.parametrize("role", sorted(ALL))
def test_url_matrix(world, client_for, scene, role):
    client = client_for(role)
    answer = reverse("attendance:check_in_answer", args=[scene["check_in"].pk])
    mine = reverse("attendance:my_check_ins")
    for url in [*coordinator_urls(world, scene), answer, mine]:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login"))
            continue
        if url in (answer,):
            allowed = role == "volunteer"
        elif url == mine:
            # Anyone who volunteers somewhere has the page (the outsider's is empty).
            allowed = role in {"volunteer", "outsider"}
        else:
            allowed = role == "coordinator"
        assert response.status_code == (200 if allowed else 404), (role, url)
    if role == "outsider":
        assert "Truus" not in client.get(mine).content.decode()


@pytest.mark.parametrize("role", sorted(ALL))
def test_posts_follow_the_same_table(world, client_for, scene, role):
    check_in = scene["check_in"]
    client = client_for(role)
    answer = client.post(
        reverse("attendance:check_in_answer", args=[check_in.pk]), {"outcome": "all_fine"}
    )
    cancel = client.post(
        reverse("attendance:check_in_cancel", args=[world.organisation.slug, check_in.pk])
    )
    ask = client.post(
        reverse("attendance:check_in_ask", args=[world.organisation.slug, scene["participant"].pk]),
        {
            "volunteer": world.users["volunteer"].pk,
            "what_is_asked": WHAT,
            "show_address": "on",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    check_in.refresh_from_db()
    if role == "anonymous":
        assert {answer.status_code, cancel.status_code, ask.status_code} == {302}
        assert check_in.is_open and CheckIn.objects.count() == 1
        return
    assert answer.status_code == (302 if role == "volunteer" else 404), role
    assert cancel.status_code == (302 if role == "coordinator" else 404), role
    assert ask.status_code == (302 if role == "coordinator" else 404), role
    if role == "volunteer":
        assert check_in.outcome == "all_fine"
    elif role == "coordinator":
        assert check_in.cancelled_at is not None and CheckIn.objects.count() == 2
    else:
        assert check_in.is_open and CheckIn.objects.count() == 1


def test_another_organisations_ids_are_not_found(world, client_for, scene):
    """The outsider coordinates and volunteers at Club Elders: Het Klokhuis' request is
    not found, also under their own organisation's address."""
    client = client_for("outsider")
    own = world.other_organisation.slug
    check_in, participant = scene["check_in"], scene["participant"]
    for url in (
        reverse("attendance:check_in_ask", args=[own, participant.pk]),
        reverse("attendance:check_in_answer", args=[check_in.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("attendance:check_in_cancel", args=[own, check_in.pk])).status_code
        == 404
    )
    # Their own organisation's list shows nothing of Het Klokhuis.
    page = client.get(reverse("attendance:check_in_list", args=[own])).content.decode()
    assert "Truus" not in page
    check_in.refresh_from_db()
    assert check_in.is_open


# Constant queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 30])
def test_pages_run_a_constant_number_of_queries(
    world, client_for, scene, n, django_assert_max_num_queries
):
    volunteer = world.users["volunteer"]
    for i in range(n):
        participant = ParticipantFactory(organisation=world.organisation, address=f"Dorp {i}")
        CheckInFactory(participant=participant, volunteer=volunteer)
        answered = CheckInFactory(participant=participant, volunteer=volunteer)
        checkins.answer_check_in(check_in=answered, by=volunteer, outcome="all_fine", note="ok")
    org = world.organisation.slug
    client = client_for("coordinator")
    with django_assert_max_num_queries(10):
        page = client.get(reverse("attendance:check_in_list", args=[org]))
    assert page.content.decode().count("Dorp ") == 0  # addresses are not listed
    client = client_for("volunteer")
    with django_assert_max_num_queries(8):
        page = client.get(reverse("attendance:my_check_ins")).content.decode()
    assert page.count("Dorp ") == n
    with django_assert_max_num_queries(10):
        client.get(reverse("attendance:check_in_answer", args=[scene["check_in"].pk]))


# Reminders -----------------------------------------------------------------------------------


def test_reminders_go_once_to_the_volunteer_then_to_the_coordinator(world, scene):
    from attendance.tasks import remind_check_ins

    check_in = scene["check_in"]
    today = timezone.localdate()
    CheckIn.objects.filter(pk=check_in.pk).update(due_on=today)
    assert checkins.queue_reminders() == {"volunteers": 0, "coordinators": 0}
    # The day passed: the volunteer, once however often the job runs.
    CheckIn.objects.filter(pk=check_in.pk).update(due_on=today - timedelta(days=1))
    assert remind_check_ins.delay().get() == {"volunteers": 1, "coordinators": 0}
    assert remind_check_ins.delay().get() == {"volunteers": 0, "coordinators": 0}
    deliver_all()
    [message] = mail.outbox
    assert message.to == [world.users["volunteer"].email]
    assert_nothing_personal()
    # Two days later, still no answer: the coordinator who asked, once.
    later = timezone.now() + checkins.REMIND_COORDINATOR_AFTER + timedelta(minutes=1)
    assert checkins.queue_reminders(now=later) == {"volunteers": 0, "coordinators": 1}
    assert checkins.queue_reminders(now=later) == {"volunteers": 0, "coordinators": 0}
    mail.outbox.clear()
    deliver_all()
    [message] = mail.outbox
    assert message.to == [world.users["coordinator"].email]
    assert reverse("attendance:check_in_list", args=[world.organisation.slug]) in message.body
    assert_nothing_personal()
    run = JobRun.objects.get(name="remind-check-ins")
    assert run.runs == 2 and run.last_succeeded


def test_answered_or_withdrawn_requests_are_not_reminded(world, scene):
    yesterday = timezone.localdate() - timedelta(days=1)
    answered = scene["check_in"]
    checkins.answer_check_in(check_in=answered, by=world.users["volunteer"], outcome="not_reached")
    withdrawn = CheckInFactory(participant=scene["participant"], volunteer=world.users["volunteer"])
    checkins.cancel_check_in(check_in=withdrawn)
    CheckIn.objects.update(due_on=yesterday)
    assert checkins.queue_reminders() == {"volunteers": 0, "coordinators": 0}


def test_a_reminder_for_a_request_answered_in_the_meantime_is_not_sent(world, scene):
    check_in = scene["check_in"]
    CheckIn.objects.filter(pk=check_in.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    checkins.queue_reminders()
    checkins.answer_check_in(check_in=check_in, by=world.users["volunteer"], outcome="all_fine")
    reminder = OutboxMessage.objects.get(kind="attendance.check_in_reminder_volunteer")
    assert outbox.deliver(reminder.pk) is False


# Junk, personal data -----------------------------------------------------------------------------


def test_junk_gets_a_message_not_an_error(world, client_for, scene):
    org = world.organisation.slug
    client = client_for("coordinator")
    url = reverse("attendance:check_in_ask", args=[org, scene["participant"].pk])
    for data in (
        {},
        {"volunteer": "abc", "what_is_asked": "\x00", "due_on": "gisteren"},
        {
            "volunteer": world.users["editor"].pk,
            "what_is_asked": "x" * 5000,
            "due_on": "1900-01-01",
        },
        {
            "volunteer": world.users["volunteer"].pk,
            "what_is_asked": WHAT,
            "due_on": "2999-01-01",
            "show_address": "on",
        },
    ):
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert 'role="alert"' in response.content.decode()
    assert CheckIn.objects.count() == 1
    client = client_for("volunteer")
    answer = reverse("attendance:check_in_answer", args=[scene["check_in"].pk])
    for data in ({}, {"outcome": "great"}, {"outcome": "all_fine", "note": "x" * 5000}):
        response = client.post(answer, data)
        assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert CheckIn.objects.get().is_open


def test_my_data_shows_and_erases_check_ins(world, client_for, scene):
    import json

    volunteer = world.users["volunteer"]
    checkins.answer_check_in(
        check_in=scene["check_in"], by=volunteer, outcome="all_fine", note=NOTE
    )
    still_open = CheckInFactory(participant=scene["participant"], volunteer=volunteer)
    client = client_for("volunteer")
    data = json.loads(client.get(reverse("network:my_data_download")).content)
    rows = data["attendance.check_ins_asked_of_me"]
    assert [r["outcome"] for r in rows] == ["all_fine", None]
    assert NAME not in json.dumps(rows) and ADDRESS not in json.dumps(rows)
    response = client.post(reverse("network:my_data_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    still_open.refresh_from_db()
    assert still_open.cancelled_at is not None and still_open.volunteer is None
    kept = CheckIn.objects.get(pk=scene["check_in"].pk)
    assert kept.outcome == "all_fine" and kept.volunteer is None


def test_erasing_the_participant_erases_what_was_noted_about_them(world, client_for, scene):
    import json

    resident = world.users["resident"]
    participant = scene["participant"]
    participant.user = resident
    participant.save()
    checkins.answer_check_in(
        check_in=scene["check_in"], by=world.users["volunteer"], outcome="all_fine", note=NOTE
    )
    client = client_for("resident")
    data = json.loads(client.get(reverse("network:my_data_download")).content)
    assert data["attendance.check_ins_about_me"][0]["note"] == NOTE
    client.post(reverse("network:my_data_delete"), {"password": PASSWORD})
    kept = CheckIn.objects.get()
    assert kept.outcome_note == "" and kept.what_is_asked == "" and kept.outcome == "all_fine"


def test_someone_else_volunteering_elsewhere_cannot_be_chosen(world, client_for, scene):
    elsewhere = MembershipFactory(role=Role.VOLUNTEER, organisation=world.other_organisation).user
    url = reverse(
        "attendance:check_in_ask", args=[world.organisation.slug, scene["participant"].pk]
    )
    response = client_for("coordinator").post(
        url,
        {
            "volunteer": elsewhere.pk,
            "what_is_asked": WHAT,
            "show_address": "on",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    assert (
        response.status_code == 200 and "Choose one of the volunteers" in response.content.decode()
    )


def test_closing_the_record_withdraws_open_requests(world, client_for, scene):
    from attendance import services

    services.close_participant(
        participant=scene["participant"], reason="moved", by=world.users["coordinator"]
    )
    check_in = CheckIn.objects.get()
    assert check_in.cancelled_at is not None
    page = client_for("volunteer").get(reverse("attendance:check_in_answer", args=[check_in.pk]))
    assert ADDRESS not in page.content.decode()
    deliver_all()
    assert [m.to for m in mail.outbox] == [[world.users["volunteer"].email]]
    assert_nothing_personal()


def test_the_outcome_and_its_note_without_a_space_before_the_colon(world, client_for, scene):
    """ "Could use some help: …", in English and Dutch, on every page that shows it."""
    import re

    check_in = scene["check_in"]
    checkins.answer_check_in(
        check_in=check_in, by=world.users["volunteer"], outcome="could_use_help", note="Vervoer"
    )
    org = world.organisation.slug
    pages = [
        reverse("attendance:check_in_list", args=[org]),
        reverse("attendance:participant_detail", args=[org, scene["participant"].pk]),
    ]
    for language in ("en", "nl"):
        client = client_for("coordinator")
        client.cookies["django_language"] = language
        for url in pages:
            text = re.sub(r"<[^>]+>", "", client.get(url).content.decode())
            assert not re.search(r"(help|gebruiken)\s+:", text), (language, url)
        listed = client.get(pages[0]).content.decode()
        assert re.search(r"(help|gebruiken)</strong>: Vervoer", listed), language
