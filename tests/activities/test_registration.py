"""Residents registering for a date: capacity, waiting list, cancelling by link, and who
may see the list of registered people."""

import contextlib
import threading
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from activities import emails, services
from activities import tasks as agenda_tasks
from activities.models import Occurrence, Registration, RegistrationStatus, Status
from network import access_log
from network.models import OutboxMessage, Role
from network.tasks import deliver_message
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

CONFIRMED = RegistrationStatus.CONFIRMED
WAITING = RegistrationStatus.WAITING
CANCELLED = RegistrationStatus.CANCELLED


def register_url(occurrence) -> str:
    return reverse(
        "activities:register",
        kwargs={"slug": occurrence.activity.slug, "day": occurrence.original_date},
    )


def manage_url(registration) -> str:
    return reverse("activities:registration", kwargs={"token": registration.token})


def withdraw_url(registration) -> str:
    return reverse("activities:registration_withdraw", kwargs={"token": registration.token})


def list_url(activity) -> str:
    return reverse("activities:registration_list", kwargs={"slug": activity.slug})


def form(name="Truus", email="", phone="", party_size=1) -> dict:
    return {"name": name, "email": email, "phone": phone, "party_size": party_size}


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def activity(world):
    place = PlaceFactory(name="Dorpshuis De Schakel", municipality=world.municipality)
    return make_activity(
        organisation=world.organisation,
        title="Bloemschikken",
        place=place,
        registration_required=True,
        capacity=3,
    )


@pytest.fixture
def occurrence(activity):
    return activity.occurrences.order_by("starts_at").first()


def statuses(occurrence) -> list[tuple[str, str]]:
    return list(
        Registration.objects.filter(occurrence=occurrence)
        .order_by("created_at", "pk")
        .values_list("name", "status")
    )


# Registering --------------------------------------------------------------------------


def test_form_shows_the_date_and_the_places_left(english, occurrence):
    response = english.get(register_url(occurrence))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Register for Bloemschikken" in page
    assert "Dorpshuis De Schakel" in page
    assert "There are 3 places left." in page
    assert 'name="name"' in page and 'name="email"' in page and 'name="phone"' in page


def test_account_holder_finds_name_and_email_filled_in(client, world, occurrence):
    resident = world.users["resident"]
    resident.name = "Truus de Boer"
    resident.save()
    client.force_login(resident)
    page = client.get(register_url(occurrence)).content.decode()
    assert 'value="Truus de Boer"' in page
    assert 'value="bewoner@example.org"' in page


def test_registering_within_capacity_gives_a_place(english, occurrence):
    response = english.post(register_url(occurrence), form(email="truus@example.org"))

    registration = Registration.objects.get()
    assert registration.status == CONFIRMED
    assert registration.email == "truus@example.org"
    assert registration.user is None
    assert response.status_code == 302
    assert response["Location"] == manage_url(registration)
    page = english.get(response["Location"]).content.decode()
    assert "You are registered. See you there!" in page
    assert "You are registered for Bloemschikken." in page
    assert (
        occurrence.starts_at.astimezone(timezone.get_current_timezone()).strftime("%-d %B %Y")
        in page
    )


def test_account_holder_registration_is_linked_to_the_account(client, world, occurrence):
    client.force_login(world.users["resident"])
    client.post(register_url(occurrence), form(email="Bewoner@example.org"))
    # Registering a neighbour with their own address is not linked to the account.
    client.post(register_url(occurrence), form("Buurman", email="buurman@example.org"))
    assert dict(Registration.objects.values_list("email", "user")) == {
        "bewoner@example.org": world.users["resident"].pk,
        "buurman@example.org": None,
    }


def test_a_full_date_puts_people_on_the_waiting_list(english, occurrence):
    english.post(register_url(occurrence), form("Ans", email="ans@example.org", party_size=3))

    response = english.post(register_url(occurrence), form("Bep", phone="0345 123456"), follow=True)

    assert statuses(occurrence) == [("Ans", CONFIRMED), ("Bep", WAITING)]
    page = response.content.decode()
    assert "This date is full, so you are on the waiting list." in page
    assert "You are on the waiting list for Bloemschikken." in page
    # The form says so before you fill it in.
    page = english.get(register_url(occurrence)).content.decode()
    assert "This date is full." in page
    assert "Put me on the waiting list" in page


def test_party_sizes_are_counted_and_a_party_gets_in_or_waits_together(english, occurrence):
    url = register_url(occurrence)
    english.post(url, form("Ans", email="ans@example.org", party_size=2))
    english.post(url, form("Bep", email="bep@example.org", party_size=2))
    english.post(url, form("Cor", email="cor@example.org", party_size=1))

    assert statuses(occurrence) == [("Ans", CONFIRMED), ("Bep", WAITING), ("Cor", CONFIRMED)]
    assert "There are 0 places left" not in english.get(url).content.decode()


def test_a_group_larger_than_the_whole_capacity_is_told_to_contact_the_organiser(
    english, occurrence
):
    response = english.post(register_url(occurrence), form(email="groep@example.org", party_size=5))
    assert response.status_code == 400
    assert "This date has 3 places in all, so a group of 5 does not fit." in (
        response.content.decode()
    )
    assert not Registration.objects.exists()


def test_unlimited_capacity_never_waits(english, world):
    activity = make_activity(
        organisation=world.organisation, registration_required=True, capacity=None
    )
    occurrence = activity.occurrences.first()
    for n in range(4):
        english.post(
            register_url(occurrence), form(f"Buur {n}", phone=f"06123456{n:02d}", party_size=10)
        )
    assert Registration.objects.filter(status=CONFIRMED).count() == 4


@pytest.mark.parametrize(
    "second",
    [
        form("Truus", email="TRUUS@example.org"),
        form("Truus", phone="06-123 456 78"),
        form("Iemand anders", email="ander@example.org", phone="0612345678"),
    ],
)
def test_the_same_person_cannot_register_twice_for_a_date(english, occurrence, second):
    url = register_url(occurrence)
    english.post(url, form("Truus", email="truus@example.org", phone="0612345678"))

    response = english.post(url, second)

    assert response.status_code == 400
    assert "You are already registered for this date." in response.content.decode()
    assert Registration.objects.count() == 1


def test_the_same_person_may_register_again_after_cancelling(english, occurrence):
    url = register_url(occurrence)
    english.post(url, form(email="truus@example.org"))
    english.post(withdraw_url(Registration.objects.get()))
    english.post(url, form(email="truus@example.org"))
    assert sorted(Registration.objects.values_list("status", flat=True)) == [CANCELLED, CONFIRMED]


def test_the_same_person_may_register_for_another_date(english, activity):
    first, second = activity.occurrences.order_by("starts_at")[:2]
    english.post(register_url(first), form(email="truus@example.org"))
    english.post(register_url(second), form(email="truus@example.org"))
    assert Registration.objects.filter(status=CONFIRMED).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form(), "Give an e-mail address or a telephone number"),
        (form(email="truus@"), "Enter a valid email address."),
        (form(phone="bel me maar"), "Enter a telephone number"),
        (form(phone="12"), "Enter a telephone number"),
        (form(email="truus@example.org", party_size=0), "Select a valid choice."),
        (form(email="truus@example.org", party_size=99), "Select a valid choice."),
        (form(email="truus@example.org", party_size="veel"), "Select a valid choice."),
        (form(name="   ", email="truus@example.org"), "This field is required."),
        (form(name="x" * 101, email="truus@example.org"), "at most 100 characters"),
        ({}, "This field is required."),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(english, occurrence, data, message):
    response = english.post(register_url(occurrence), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'class="form-errors"' in page
    assert not Registration.objects.exists()


def test_an_activity_without_registration_says_just_come(english, world):
    activity = make_activity(organisation=world.organisation, registration_required=False)
    occurrence = activity.occurrences.first()

    page = english.get(register_url(occurrence)).content.decode()
    assert "You do not need to register for this activity: just come along." in page
    assert 'name="party_size"' not in page

    response = english.post(register_url(occurrence), form(email="truus@example.org"))
    assert response.status_code == 409
    assert "just come along" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_cancelled_date_cannot_be_registered_for(english, occurrence):
    services.cancel_occurrence(occurrence=occurrence, reason="Zaal bezet")
    response = english.post(register_url(occurrence), form(email="truus@example.org"))
    assert response.status_code == 409
    assert "This date is cancelled" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_cancelled_activity_cannot_be_registered_for(english, activity, occurrence):
    services.cancel_activity(activity=activity, reason="Stopt")
    response = english.post(register_url(occurrence), form(email="truus@example.org"))
    assert response.status_code == 409
    assert "This date is cancelled" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_past_date_cannot_be_registered_for(english, occurrence):
    now = timezone.now()
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    page = english.get(register_url(occurrence)).content.decode()
    assert "This date has already started or is over" in page
    response = english.post(register_url(occurrence), form(email="truus@example.org"))
    assert response.status_code == 409
    assert not Registration.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "resident", "outsider"])
def test_a_draft_activity_is_not_found(world, client_for, role):
    activity = make_activity(
        organisation=world.organisation, registration_required=True, status=Status.DRAFT
    )
    client = client_for(role)
    url = register_url(activity.occurrences.first())
    assert client.get(url).status_code == 404
    assert client.post(url, form(email="truus@example.org")).status_code == 404
    assert not Registration.objects.exists()


def test_an_unknown_date_is_not_found(client, activity):
    url = reverse("activities:register", kwargs={"slug": activity.slug, "day": "2020-01-01"})
    assert client.get(url).status_code == 404
    assert client.get(f"/activiteiten/{activity.slug}/2026-02-31/aanmelden/").status_code == 404


def test_register_page_queries_are_constant(client, occurrence, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # savepoints of ATOMIC_REQUESTS included
        assert client.get(register_url(occurrence)).status_code == 200
    occurrence.activity.co_organisers.add(*[OrganisationFactory() for _ in range(4)])
    for n in range(3):
        Registration.objects.create(
            occurrence=occurrence, name=f"Buur {n}", phone="0612345678", status=CONFIRMED
        )
    with django_assert_max_num_queries(6):  # savepoints of ATOMIC_REQUESTS included
        assert client.get(register_url(occurrence)).status_code == 200


# E-mails -----------------------------------------------------------------------------


def test_confirmation_email_holds_the_link_and_no_personal_details(
    english, occurrence, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        english.post(
            register_url(occurrence),
            form("Truus de Boer", email="truus@example.org", phone="0612345678", party_size=2),
        )

    registration = Registration.objects.get()
    [message] = mail.outbox
    assert message.to == ["truus@example.org"]
    assert message.subject == "Your registration"
    link = settings.SITE_URL + manage_url(registration)
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert link in body
        assert "Bloemschikken" in body
        assert "0612345678" not in body and "Truus" not in body
    for secret in ("0612345678", "Truus", "Bloemschikken"):
        assert secret not in message.subject


def test_confirmation_email_is_in_the_language_of_the_page(
    client, occurrence, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(occurrence), form(email="truus@example.org"))
    assert "You are registered for Bloemschikken" in mail.outbox[0].body


def test_waiting_list_email_says_so(english, occurrence, django_capture_on_commit_callbacks):
    english.post(register_url(occurrence), form("Ans", phone="0612345678", party_size=3))
    with django_capture_on_commit_callbacks(execute=True):
        english.post(register_url(occurrence), form("Bep", email="bep@example.org"))
    [message] = mail.outbox
    assert message.subject == "You are on the waiting list"
    assert "waiting list for Bloemschikken" in message.body


def test_no_email_without_an_address(english, occurrence, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        english.post(register_url(occurrence), form(phone="0612345678"))
    assert not OutboxMessage.objects.filter(kind__startswith="activities.registration").exists()
    assert mail.outbox == []


def queue(registration, kind: str, language: str = "en"):
    """Queue a message as the services do, and run what the commit runs."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        emails.queue_registration_message(registration, kind, language)
    return OutboxMessage.objects.filter(
        object_id=registration.pk, kind=f"activities.registration_{kind}"
    ).latest("pk")


def test_each_message_is_sent_once_however_often_its_task_runs(occurrence):
    registration = Registration.objects.create(
        occurrence=occurrence, name="Truus", email="truus@example.org", status=CONFIRMED
    )
    message = queue(registration, "confirmation")
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.sent and message.handled_at is not None
    # Delivered again (a retry, a second worker): nothing more.
    assert deliver_message.delay(message.pk).get() is False
    assert len(mail.outbox) == 1
    # A message kind nobody sends is refused when queued, not silently dropped.
    with pytest.raises(LookupError):
        emails.queue_registration_message(registration, "nonsense", "en")
    queue(registration, "promoted")
    assert len(mail.outbox) == 2
    # Cancelled in the meantime: the news no longer applies and is not sent.
    Registration.objects.filter(pk=registration.pk).update(status=CANCELLED)
    stale = queue(registration, "moved")
    stale.refresh_from_db()
    assert stale.handled_at is not None and not stale.sent
    assert len(mail.outbox) == 2


def test_a_message_in_a_rolled_back_change_is_never_sent(occurrence):
    registration = Registration.objects.create(
        occurrence=occurrence, name="Truus", email="truus@example.org", status=CONFIRMED
    )
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        emails.queue_registration_message(registration, "confirmation", "en")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.filter(kind__startswith="activities.registration").exists()
    assert mail.outbox == []


@pytest.mark.allow_error_logs  # the failed first try is logged, as in production
def test_a_failed_send_is_retried_and_then_sent_once(occurrence, monkeypatch):
    registration = Registration.objects.create(
        occurrence=occurrence, name="Truus", email="truus@example.org", status=CONFIRMED
    )
    calls = []
    real = emails.send_templated_email

    def flaky(**kwargs):
        calls.append(kwargs["language"])
        if len(calls) == 1:
            raise ConnectionError("mail server away")
        real(**kwargs)

    monkeypatch.setattr(emails, "send_templated_email", flaky)
    # Eager mode: the retry is raised in the commit hook, which logs it and goes on (a
    # broker that is down must not break a page whose change was committed).
    queue(registration, "confirmation")
    assert mail.outbox == []
    message = OutboxMessage.objects.get(
        object_id=registration.pk, kind="activities.registration_confirmation"
    )
    # The failure left the message unhandled (and counted), so the retry really sends it.
    assert message.handled_at is None and message.attempts == 1
    assert deliver_message.delay(message.pk).get() is True
    assert calls == ["en", "en"]
    assert len(mail.outbox) == 1
    assert deliver_message.delay(message.pk).get() is False
    assert len(mail.outbox) == 1


# Cancelling by link --------------------------------------------------------------------


def test_cancelling_frees_the_place_and_the_first_waiting_person_moves_up_once(
    english, occurrence, django_capture_on_commit_callbacks
):
    url = register_url(occurrence)
    english.post(url, form("Ans", email="ans@example.org", party_size=3))
    english.post(url, form("Bep", email="bep@example.org"))
    english.post(url, form("Cor", phone="0612345678"))
    ans, bep, _cor = Registration.objects.order_by("created_at", "pk")
    mail.outbox.clear()

    page = english.get(manage_url(ans)).content.decode()
    assert withdraw_url(ans) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(withdraw_url(ans), follow=True)

    assert "You have withdrawn." in response.content.decode()
    assert statuses(occurrence) == [("Ans", CANCELLED), ("Bep", CONFIRMED), ("Cor", CONFIRMED)]
    ans.refresh_from_db()
    assert ans.cancelled_at is not None
    [message] = mail.outbox  # Cor gave no address; Ans gets nothing either
    assert message.to == ["bep@example.org"]
    assert message.subject == "A place has become free for you"
    assert settings.SITE_URL + manage_url(bep) in message.body
    # The task running again (a retry, a second worker) sends nothing more.
    message = OutboxMessage.objects.get(object_id=bep.pk, kind="activities.registration_promoted")
    assert deliver_message.delay(message.pk).get() is False
    assert len(mail.outbox) == 1


def test_a_waiting_party_that_does_not_fit_keeps_waiting(english, occurrence):
    url = register_url(occurrence)
    english.post(url, form("Ans", email="ans@example.org", party_size=2))
    english.post(url, form("Bep", email="bep@example.org", party_size=1))
    english.post(url, form("Cor", email="cor@example.org", party_size=3))
    english.post(url, form("Dien", email="dien@example.org", party_size=1))
    bep = Registration.objects.get(name="Bep")

    english.post(withdraw_url(bep))

    # One place is free: Cor's party of three does not fit, Dien behind them does.
    assert statuses(occurrence) == [
        ("Ans", CONFIRMED),
        ("Bep", CANCELLED),
        ("Cor", WAITING),
        ("Dien", CONFIRMED),
    ]


def test_cancelling_for_a_cancelled_activity_promotes_nobody(english, activity, occurrence):
    url = register_url(occurrence)
    english.post(url, form("Ans", email="ans@example.org", party_size=3))
    english.post(url, form("Bep", email="bep@example.org"))
    services.cancel_activity(activity=activity, reason="Stopt")
    english.post(withdraw_url(Registration.objects.get(name="Ans")))
    assert statuses(occurrence) == [("Ans", CANCELLED), ("Bep", WAITING)]


def test_leaving_the_waiting_list_promotes_nobody(english, occurrence):
    url = register_url(occurrence)
    english.post(url, form("Ans", email="ans@example.org", party_size=3))
    english.post(url, form("Bep", email="bep@example.org"))
    english.post(url, form("Cor", email="cor@example.org"))
    english.post(withdraw_url(Registration.objects.get(name="Bep")))
    assert statuses(occurrence) == [("Ans", CONFIRMED), ("Bep", CANCELLED), ("Cor", WAITING)]


def test_cancelling_twice_says_it_is_already_cancelled(english, occurrence):
    english.post(register_url(occurrence), form(email="ans@example.org"))
    registration = Registration.objects.get()
    english.post(withdraw_url(registration))
    response = english.post(withdraw_url(registration), follow=True)
    page = response.content.decode()
    assert "You had already withdrawn this registration." in page
    assert withdraw_url(registration) not in page


def test_a_past_registration_cannot_be_cancelled(english, occurrence):
    english.post(register_url(occurrence), form(email="ans@example.org"))
    registration = Registration.objects.get()
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )

    assert withdraw_url(registration) not in english.get(manage_url(registration)).content.decode()
    response = english.post(withdraw_url(registration), follow=True)
    assert "This date has already started or is over." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


def test_an_unknown_token_is_not_found(client, world):
    url = reverse("activities:registration", kwargs={"token": uuid.uuid4()})
    assert client.get(url).status_code == 404
    withdraw = reverse("activities:registration_withdraw", kwargs={"token": uuid.uuid4()})
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 404
    assert client.get("/aanmelding/geen-token/").status_code == 404


def test_withdrawing_asks_first_then_offers_to_register_again(client, occurrence):
    """In Dutch, as residents see it: the page behind the link asks before anything
    happens, works without JavaScript (a link, then a form), and says "Afgemeld"."""
    client.post(register_url(occurrence), form("Ans", email="ans@example.org"))
    registration = Registration.objects.get()

    page = client.get(manage_url(registration)).content.decode()
    assert f'href="{withdraw_url(registration)}"' in page
    assert "<form" not in page.split("<main", 1)[1]  # no button that withdraws at once
    # Posting to the page itself withdraws nothing: only the confirmation does.
    assert client.post(manage_url(registration)).status_code == 405

    question = client.get(withdraw_url(registration))
    assert question.status_code == 200
    page = question.content.decode()
    assert "Afmelden voor Bloemschikken?" in page
    assert f'action="{withdraw_url(registration)}"' in page and 'method="post"' in page
    assert "Ja, afmelden" in page
    assert f'href="{manage_url(registration)}"' in page  # "Nee, terug"
    registration.refresh_from_db()
    assert registration.status == CONFIRMED  # asking changed nothing

    done = client.post(withdraw_url(registration), follow=True)
    registration.refresh_from_db()
    assert registration.status == CANCELLED
    page = done.content.decode()
    assert "U bent afgemeld. Bedankt dat u het liet weten." in page
    assert "<dd>Afgemeld</dd>" in page
    assert "fgelast" not in page  # an organiser calls off; a resident withdraws
    assert "Opnieuw aanmelden" in page
    assert f'href="{register_url(occurrence)}"' in page
    # Asking again once withdrawn just shows the registration.
    again = client.get(withdraw_url(registration))
    assert again.status_code == 302 and again["Location"] == manage_url(registration)

    # Registering again through that link works: a new registration, the old one stays.
    client.post(register_url(occurrence), form("Ans", email="ans@example.org"))
    assert statuses(occurrence) == [("Ans", CANCELLED), ("Ans", CONFIRMED)]


def test_no_register_again_link_once_the_date_is_closed(english, occurrence):
    english.post(register_url(occurrence), form("Ans", email="ans@example.org"))
    registration = Registration.objects.get()
    english.post(withdraw_url(registration))
    services.cancel_occurrence(occurrence=occurrence, reason="Zaal bezet")

    page = english.get(manage_url(registration)).content.decode()
    assert "You have withdrawn from Bloemschikken on this date." in page
    assert "Register again" not in page
    assert register_url(occurrence) not in page


def test_withdraw_pages_run_constant_queries(client, occurrence, django_assert_max_num_queries):
    registration = Registration.objects.create(
        occurrence=occurrence, name="Ans", email="ans@example.org", status=CONFIRMED
    )
    occurrence.activity.co_organisers.add(OrganisationFactory(), OrganisationFactory())
    for url in (manage_url(registration), withdraw_url(registration)):
        with django_assert_max_num_queries(5):  # savepoints of ATOMIC_REQUESTS included
            assert client.get(url).status_code == 200


# Who registered: editors and coordinators only ------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("editor", 200),
        ("coordinator", 200),
        ("volunteer", 404),
        ("resident", 404),
        ("wijkteam", 404),
        ("municipality", 404),
        ("network_admin", 404),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_registration_list_permissions(world, client_for, activity, occurrence, role, expected):
    Registration.objects.create(
        occurrence=occurrence, name="Truus de Boer", phone="0612345678", status=CONFIRMED
    )
    response = client_for(role).get(list_url(activity))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if expected != 200:
        assert b"Truus de Boer" not in response.content


def test_co_organiser_editors_see_the_list(client, world, activity):
    partner = OrganisationFactory()
    activity.co_organisers.add(partner)
    editor = MembershipFactory(user=UserFactory(), role=Role.EDITOR, organisation=partner).user
    client.force_login(editor)
    assert client.get(list_url(activity)).status_code == 200


def test_registration_list_shows_registered_and_waiting_people_per_date(
    client_for, activity, caplog, world
):
    first, second = activity.occurrences.order_by("starts_at")[:2]
    Registration.objects.create(
        occurrence=first, name="Ans", email="ans@example.org", party_size=3, status=CONFIRMED
    )
    Registration.objects.create(
        occurrence=first, name="Bep", phone="0612345678", party_size=2, status=WAITING
    )
    Registration.objects.create(occurrence=first, name="Weg", phone="0611111111", status=CANCELLED)
    Registration.objects.create(occurrence=second, name="Cor", phone="0622222222", status=CONFIRMED)

    client = client_for("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(list_url(activity), REMOTE_ADDR="192.0.2.7")

    page = response.content.decode()
    assert "Ans" in page and "ans@example.org" in page
    assert "Bep" in page and "0612345678" in page
    assert "Cor" in page
    assert "Weg" not in page
    assert "3 people registered of 3, 2 on the waiting list." in " ".join(page.split())
    assert page.index("Ans") < page.index("Bep") < page.index("Cor")
    # Who looked, under which role, at what, from where: in the access log.
    [entry] = access_log.entries_for(activity)
    assert entry.actor_id == world.users["coordinator"].pk
    assert entry.actor_role == "coordinator"
    assert entry.action == "view"
    assert entry.ip_address == "192.0.2.7"
    assert entry.path == list_url(activity)
    assert entry.description == "registration list"


def test_registration_list_queries_are_constant(
    client_for, world, activity, django_assert_max_num_queries
):
    client = client_for("editor")
    with django_assert_max_num_queries(10):  # savepoints of ATOMIC_REQUESTS included
        assert client.get(list_url(activity)).status_code == 200
    for occurrence in activity.occurrences.all()[:12]:
        for n in range(4):
            Registration.objects.create(
                occurrence=occurrence, name=f"Buur {n}", phone="0612345678", status=CONFIRMED
            )
    activity.co_organisers.add(OrganisationFactory(), OrganisationFactory())
    with django_assert_max_num_queries(10):  # savepoints of ATOMIC_REQUESTS included
        assert client.get(list_url(activity)).status_code == 200


# Concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_overbook(world):
    activity = make_activity(
        organisation=world.organisation, registration_required=True, capacity=3
    )
    occurrence = activity.occurrences.order_by("starts_at").first()
    url = register_url(occurrence)
    barrier = threading.Barrier(8)
    # PostgreSQL: a real race that only the row lock decides. SQLite serialises writers
    # itself (BEGIN IMMEDIATE waits for the file lock), but the in-memory test database is
    # in shared-cache mode, where a second writer fails at once instead of waiting; this
    # lock stands in for SQLite's own waiting, so both databases run the same code.
    serialise = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    responses = []

    def race(number: int) -> None:
        try:
            client = Client()
            barrier.wait()
            with serialise:
                response = client.post(
                    url, form(f"Buur {number}", email=f"buur{number}@example.org")
                )
            responses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert responses == [302] * 8
    counts = {
        status: Registration.objects.filter(occurrence=occurrence, status=status).count()
        for status in (CONFIRMED, WAITING)
    }
    assert counts == {CONFIRMED: 3, WAITING: 5}


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_fill_every_freed_place_once(world):
    activity = make_activity(
        organisation=world.organisation, registration_required=True, capacity=6
    )
    occurrence = activity.occurrences.order_by("starts_at").first()
    confirmed = [
        Registration.objects.create(
            occurrence=occurrence, name=f"Zeker {n}", phone=f"061234567{n}", status=CONFIRMED
        )
        for n in range(6)
    ]
    for n in range(8):
        Registration.objects.create(
            occurrence=occurrence, name=f"Wacht {n}", phone=f"062234567{n}", status=WAITING
        )
    barrier = threading.Barrier(6)
    serialise = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def cancel(registration) -> None:
        try:
            client = Client()
            barrier.wait()
            with serialise:
                client.post(withdraw_url(registration))
        finally:
            connection.close()

    # Six people cancel at the same moment: each freed place goes to the next in line.
    threads = [threading.Thread(target=cancel, args=(registration,)) for registration in confirmed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses(occurrence) == [
        *[(f"Zeker {n}", CANCELLED) for n in range(6)],
        *[(f"Wacht {n}", CONFIRMED) for n in range(6)],
        ("Wacht 6", WAITING),
        ("Wacht 7", WAITING),
    ]


# When the organiser calls a date off --------------------------------------------------------


def test_registered_people_hear_when_their_date_is_called_off(
    english, occurrence, django_capture_on_commit_callbacks
):
    from activities import services

    url = register_url(occurrence)
    english.post(url, form("Ans", email="ans@example.org"))
    english.post(url, form("Cor", phone="0612345678"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_occurrence(occurrence=occurrence, reason="De zaal is dicht")
    [message] = mail.outbox  # Cor gave only a telephone number
    assert message.to == ["ans@example.org"]
    assert message.subject == "An activity you registered for does not go ahead"
    assert "Ans" not in message.subject + message.body
    assert occurrence.activity.get_absolute_url() in message.body
    # Cancelling the whole activity afterwards sends nothing more to the same person.
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_activity(activity=occurrence.activity, reason="Gestopt")
    assert len(mail.outbox) == 1


def test_registrations_are_deleted_some_weeks_after_their_date(occurrence, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.REGISTRATION_RETENTION_DAYS = 30
    kept = Registration.objects.create(
        occurrence=occurrence, name="Nu", email="nu@example.org", status=CONFIRMED
    )
    old = Occurrence.objects.create(
        activity=occurrence.activity,
        original_date=timezone.localdate() - timedelta(days=40),
        starts_at=timezone.now() - timedelta(days=40),
    )
    Registration.objects.create(occurrence=old, name="Toen", phone="0612345678", status=CONFIRMED)
    assert agenda_tasks.purge_past_registrations.delay().get() == 1
    assert list(Registration.objects.all()) == [kept]
