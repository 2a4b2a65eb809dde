""" "Not seen lately" pages: only the organisation's coordinators (every other role 404 or
the login), constant queries with 2 and 30 signals, putting aside and "I will call"
without JavaScript, junk gives a message, the history is written to the access log, and
"attendance not taken" lists the recent dates without a roll-call."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from attendance.models import RollCall, Signal
from network.models import AccessLogEntry
from tests.conftest import ROLE_NAMES

from .factories import ParticipantFactory, activity_of, date_of, keep_attendance

ALL = set(ROLE_NAMES) | {"outsider"}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_signal(participant, activity=None, *, days_old: int = 0, **fields) -> Signal:
    values = {
        "last_seen": timezone.localdate() - timedelta(days=30),
        "missed": 3,
        "usual_gap": 1,
        "raised_at": timezone.now() - timedelta(days=days_old),
        **fields,
    }
    return Signal.objects.create(participant=participant, activity=activity, **values)


@pytest.fixture
def scene(world):
    keep_attendance(world.organisation)
    activity = activity_of(world.organisation, title="Koffieochtend")
    participant = ParticipantFactory(organisation=world.organisation, name="Truus")
    return {
        "activity": activity,
        "participant": participant,
        "signal": make_signal(participant, activity),
    }


def urls(world, scene):
    org, signal = world.organisation.slug, scene["signal"].pk
    return {
        "inbox": reverse("attendance:signals", args=[org]),
        "history": reverse("attendance:signal_history", args=[org, scene["participant"].pk]),
        "dismiss": reverse("attendance:signal_dismiss", args=[org, signal]),
        "call": reverse("attendance:signal_will_call", args=[org, signal]),
    }


@pytest.mark.parametrize("role", sorted(ALL))
def test_only_the_organisations_coordinators(world, client_for, scene, role):
    client = client_for(role)
    u = urls(world, scene)
    for url in (u["inbox"], u["history"]):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))
        elif role == "coordinator":
            assert response.status_code == 200
        else:
            assert response.status_code == 404, (role, url)
    for url, data in ((u["call"], {}), (u["dismiss"], {"reason": "known"})):
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))
        elif role == "coordinator":
            assert response.status_code == 302
        else:
            assert response.status_code == 404, (role, url)
    signal = Signal.objects.get(pk=scene["signal"].pk)
    assert signal.is_open == (role != "coordinator")


def test_another_organisations_signal_is_not_found_under_ones_own_slug(world, client_for, scene):
    keep_attendance(world.other_organisation)
    client = client_for("outsider")
    own = world.other_organisation.slug
    pk = scene["signal"].pk
    assert client.get(reverse("attendance:signals", args=[own])).status_code == 200
    for name in ("attendance:signal_dismiss", "attendance:signal_will_call"):
        assert client.post(reverse(name, args=[own, pk]), {"reason": "known"}).status_code == 404
    history = reverse("attendance:signal_history", args=[own, scene["participant"].pk])
    assert client.get(history).status_code == 404


@pytest.mark.parametrize("n", [2, 30])
def test_inbox_runs_a_constant_number_of_queries(
    world, client_for, scene, n, django_assert_max_num_queries
):
    Signal.objects.all().delete()
    for index in range(n):
        p = ParticipantFactory(organisation=world.organisation)
        make_signal(
            p,
            scene["activity"],
            days_old=index,
            caller=world.users["coordinator"] if index % 3 == 0 else None,
        )
    date_of(scene["activity"], days_ago=2)  # not taken
    client = client_for("coordinator")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("attendance:signals", args=[world.organisation.slug]))
    page = response.content.decode()
    assert page.count('class="signal"') == n


def test_the_inbox_explains_each_signal_with_its_age(world, client_for, scene):
    Signal.objects.all().delete()
    old = ParticipantFactory(organisation=world.organisation, name="Kees")
    make_signal(old, scene["activity"], days_old=40, missed=5, usual_gap=2)
    make_signal(scene["participant"], scene["activity"], days_old=8)
    closed = ParticipantFactory(
        organisation=world.organisation, closed_at=timezone.now(), closed_reason="moved"
    )
    make_signal(closed)
    client = english(client_for("coordinator"))
    url = reverse("attendance:signals", args=[world.organisation.slug])
    page = client.get(url).content.decode()
    assert "Usually at Koffieochtend." in page
    assert "5 dates with attendance taken" in page
    assert "about once in 2 dates" in page
    assert "Waiting for a month or longer" in page
    assert "Waiting for a week or longer" in page
    assert page.count('class="signal"') == 2  # not the closed record's
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # a form per signal: every radio button its own id


def test_the_inbox_in_dutch(world, client_for, scene):
    client = client_for("coordinator")
    url = reverse("attendance:signals", args=[world.organisation.slug])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Niet meer gezien" in page
    assert "Meestal bij Koffieochtend." in page


def test_put_aside_and_i_will_call(world, client_for, scene):
    client = english(client_for("coordinator"))
    u = urls(world, scene)
    response = client.post(u["call"], follow=True)
    assert "you will call" in response.content.decode()
    signal = Signal.objects.get()
    assert signal.caller == world.users["coordinator"] and signal.is_open
    response = client.post(u["dismiss"], {"reason": "hospital", "note": "Knie"}, follow=True)
    assert response.redirect_chain[-1][0] == u["inbox"]
    signal.refresh_from_db()
    assert not signal.is_open
    assert (signal.dismiss_reason, signal.dismiss_note) == ("hospital", "Knie")
    assert signal.dismissed_by == world.users["coordinator"]
    response = client.post(u["dismiss"], {"reason": "known"}, follow=True)
    assert "already dealt with" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": "nonsense"}, {"reason": "other", "note": "x" * 500}, {"reason": ["a", "b"]}],
)
def test_junk_gives_a_message_not_an_error(world, client_for, scene, data):
    client = client_for("coordinator")
    response = client.post(urls(world, scene)["dismiss"], data, follow=True)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode() or "message" in response.content.decode()
    assert Signal.objects.get().is_open


def test_history_is_written_to_the_access_log(world, client_for, scene):
    client = english(client_for("coordinator"))
    before = AccessLogEntry.objects.using("access_log").count()
    response = client.get(urls(world, scene)["history"])
    assert "Still open." in response.content.decode()
    entry = AccessLogEntry.objects.using("access_log").order_by("-pk").first()
    assert AccessLogEntry.objects.using("access_log").count() == before + 1
    assert entry.object_id == str(scene["participant"].pk)
    assert entry.action == "view"


def test_attendance_not_taken_lists_recent_dates_without_a_roll_call(world, client_for, scene):
    taken = date_of(scene["activity"], days_ago=7)
    RollCall.objects.create(occurrence=taken, taken_at=timezone.now())
    missing = date_of(scene["activity"], days_ago=3)
    date_of(scene["activity"], days_ago=5, is_cancelled=True)
    client = client_for("coordinator")
    page = client.get(urls(world, scene)["inbox"]).content.decode()
    assert reverse("attendance:roll_call", args=[missing.pk]) in page
    assert reverse("attendance:roll_call", args=[taken.pk]) not in page


def test_signals_go_with_the_person_in_my_data(world, client_for, scene):
    """Downloaded with the participant record, deleted when the account is erased."""
    import json

    from tests.factories import PASSWORD

    participant = scene["participant"]
    participant.user = world.users["resident"]
    participant.save()
    client = client_for("resident")
    data = json.loads(client.get(reverse("network:my_data_download")).content)
    [record] = data["attendance.participants"]
    [signal] = record["not_seen_lately"]
    assert signal["dates_missed"] == 3 and signal["resolved"] is None
    client.post(reverse("network:my_data_delete"), {"password": PASSWORD})
    assert not Signal.objects.filter(participant=participant).exists()
