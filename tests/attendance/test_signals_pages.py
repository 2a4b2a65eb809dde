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

from attendance.models import CheckIn, RollCall, Signal
from attendance.views_signals import PER_PAGE
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


@pytest.mark.parametrize("n", [2, 30, 80])
def test_inbox_runs_a_constant_number_of_queries_on_every_page(
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
    url = reverse("attendance:signals", args=[world.organisation.slug])
    pages = -(-n // PER_PAGE)
    shown = 0
    for number in range(1, pages + 1):
        with django_assert_max_num_queries(12):
            response = client.get(url, {"page": number})
        page = response.content.decode()
        on_page = page.count('class="signal"')
        assert on_page == min(PER_PAGE, n - shown)
        shown += on_page
    assert shown == n


def make_signals(world, activity, n: int) -> list[Signal]:
    """n signals, the first raised longest ago."""
    return [
        make_signal(
            ParticipantFactory(organisation=world.organisation, name=f"Deelnemer {index:03}"),
            activity,
            days_old=n - index,
        )
        for index in range(n)
    ]


def test_the_inbox_in_pages_oldest_first_with_the_right_count(world, client_for, scene):
    Signal.objects.all().delete()
    make_signals(world, scene["activity"], 60)
    # Not counted: a closed record, someone not followed up, a signal put aside.
    closed = ParticipantFactory(
        organisation=world.organisation, closed_at=timezone.now(), closed_reason="moved"
    )
    make_signal(closed)
    make_signal(ParticipantFactory(organisation=world.organisation, follow_up=False))
    make_signal(
        ParticipantFactory(organisation=world.organisation),
        dismissed_at=timezone.now(),
        dismiss_reason="known",
    )
    client = english(client_for("coordinator"))
    url = reverse("attendance:signals", args=[world.organisation.slug])
    first = client.get(url).content.decode()
    assert "60 participants stand out." in first
    assert "You see numbers 1 to 25" in first
    assert "Deelnemer 000" in first and "Deelnemer 024" in first and "Deelnemer 025" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "60 participants stand out." in second
    assert "Deelnemer 025" in second and "Deelnemer 049" in second
    assert 'rel="next"' in second and 'rel="prev"' in second
    last = client.get(url, {"page": 3}).content.decode()
    assert last.count('class="signal"') == 10 and 'rel="next"' not in last
    assert "You see numbers 51 to 60" in last
    # Dutch: "volgende" and "vorige".
    dutch = client_for("coordinator").get(url, {"page": 2}).content.decode()
    assert "Volgende" in dutch and "Vorige" in dutch
    assert "60 deelnemers vallen op." in dutch


@pytest.mark.parametrize(
    ("value", "shows"),
    [
        ("abc", 1),
        ("", 1),
        ("0", 1),
        ("-1", 1),
        ("2.5", 1),
        ("٢", 1),
        ("99999999999999999999999", 3),
        ("\x00", 1),
        ("3", 3),
        ("4", 3),
    ],
)
def test_a_bad_page_number_gives_a_page_never_an_error(world, client_for, scene, value, shows):
    Signal.objects.all().delete()
    make_signals(world, scene["activity"], 60)
    client = english(client_for("coordinator"))
    url = reverse("attendance:signals", args=[world.organisation.slug])
    response = client.get(url, {"page": value.replace("\\x00", "\x00")})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Page {shows} of 3" in page


def test_an_action_on_a_later_page_comes_back_to_it(world, client_for, scene):
    Signal.objects.all().delete()
    signals = make_signals(world, scene["activity"], 60)
    client = english(client_for("coordinator"))
    org = world.organisation.slug
    inbox = reverse("attendance:signals", args=[org])
    page = client.get(inbox, {"page": 2}).content.decode()
    on_page = signals[30]
    call = reverse("attendance:signal_will_call", args=[org, on_page.pk]) + "?page=2"
    dismiss = reverse("attendance:signal_dismiss", args=[org, on_page.pk]) + "?page=2"
    assert call in page and dismiss in page
    assert client.post(call).url == inbox + "?page=2"
    assert client.post(dismiss, {"reason": "known"}).url == inbox + "?page=2"
    # A page number that is not one: back to the first page.
    other = reverse("attendance:signal_will_call", args=[org, signals[0].pk])
    assert client.post(other + "?page=nul").url == inbox
    assert client.post(other + "?page=1").url == inbox


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


# Asking a volunteer to drop by from a signal -------------------------------------------------


def ask_data(world, **extra) -> dict:
    return {
        "volunteer": world.users["volunteer"].pk,
        "what_is_asked": "Even langsgaan",
        "due_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "show_address": "on",
        **extra,
    }


@pytest.fixture
def reachable(scene):
    scene["participant"].address = "Kerkstraat 12"
    scene["participant"].save(update_fields=["address"])
    return scene


def test_a_check_in_asked_from_a_signal_shows_in_its_history(world, client_for, reachable):
    from attendance import checkins

    signal = reachable["signal"]
    org = world.organisation.slug
    participant = reachable["participant"]
    client = english(client_for("coordinator"))
    inbox = client.get(reverse("attendance:signals", args=[org])).content.decode()
    ask = reverse("attendance:check_in_ask", args=[org, participant.pk])
    link = f"{ask}?signal={signal.pk}"
    assert link in inbox
    form = client.get(link).content.decode()
    assert "Asked because of the signal" in form
    assert f'name="signal" value="{signal.pk}"' in form
    assert client.post(ask, ask_data(world, signal=signal.pk)).status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.signal == signal
    # The list says where it came from, the history what came of it.
    listed = client.get(reverse("attendance:check_in_list", args=[org])).content.decode()
    assert "from the signal of" in listed
    history_url = reverse("attendance:signal_history", args=[org, participant.pk])
    assert history_url in listed
    history = client.get(history_url).content.decode()
    assert "A volunteer was asked to drop by on" in history and "open, before" in history
    checkins.answer_check_in(
        check_in=check_in, by=world.users["volunteer"], outcome="could_use_help", note="Vervoer"
    )
    history = client.get(history_url).content.decode()
    assert "could use some help" in history and "Vervoer" in history
    dutch = client_for("coordinator").get(history_url).content.decode()
    assert "kan wel wat hulp gebruiken" in dutch


def test_asked_from_a_participants_page_has_no_signal(world, client_for, reachable):
    client = english(client_for("coordinator"))
    org = world.organisation.slug
    ask = reverse("attendance:check_in_ask", args=[org, reachable["participant"].pk])
    assert "Asked because of" not in client.get(ask).content.decode()
    assert client.post(ask, ask_data(world)).status_code == 302
    assert CheckIn.objects.get().signal is None
    listed = client.get(reverse("attendance:check_in_list", args=[org])).content.decode()
    assert "from the signal of" not in listed


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "99999999999999999999999", "\x00", "1.5"])
def test_a_wrong_signal_is_left_out_not_refused(world, client_for, reachable, junk):
    client = client_for("coordinator")
    ask = reverse(
        "attendance:check_in_ask", args=[world.organisation.slug, reachable["participant"].pk]
    )
    assert client.get(ask, {"signal": junk}).status_code == 200
    assert client.post(ask, ask_data(world, signal=junk)).status_code == 302
    assert CheckIn.objects.get().signal is None


def test_another_participants_signal_is_not_linked(world, client_for, reachable):
    """Someone else's signal, of this organisation or another: asked, without it."""
    keep_attendance(world.other_organisation)
    mine = make_signal(ParticipantFactory(organisation=world.organisation))
    theirs = make_signal(ParticipantFactory(organisation=world.other_organisation))
    client = english(client_for("coordinator"))
    ask = reverse(
        "attendance:check_in_ask", args=[world.organisation.slug, reachable["participant"].pk]
    )
    for other in (mine, theirs):
        assert "Asked because of" not in client.get(ask, {"signal": other.pk}).content.decode()
        assert client.post(ask, ask_data(world, signal=other.pk)).status_code == 302
    assert list(CheckIn.objects.values_list("signal", flat=True)) == [None, None]


def test_the_service_refuses_another_participants_signal(world, reachable):
    from attendance import checkins
    from network.shared import DomainError

    other = make_signal(ParticipantFactory(organisation=world.organisation))
    with pytest.raises(DomainError):
        checkins.ask_check_in(
            participant=reachable["participant"],
            by=world.users["coordinator"],
            volunteer=world.users["volunteer"],
            what_is_asked="Even langsgaan",
            signal=other,
        )
    assert not CheckIn.objects.exists()


def test_erasing_the_signal_keeps_the_check_in(world, client_for, reachable):
    """ "My data": the participant's signals go, the organisation's check-in stays, without
    the link (SET_NULL)."""
    from attendance import checkins
    from tests.factories import PASSWORD

    participant = reachable["participant"]
    participant.user = world.users["resident"]
    participant.save(update_fields=["user"])
    check_in = checkins.ask_check_in(
        participant=participant,
        by=world.users["coordinator"],
        volunteer=world.users["volunteer"],
        what_is_asked="Even langsgaan",
        signal=reachable["signal"],
    )
    client_for("resident").post(reverse("network:my_data_delete"), {"password": PASSWORD})
    assert not Signal.objects.filter(participant=participant).exists()
    check_in.refresh_from_db()
    assert check_in.signal is None and check_in.cancelled_at is not None


@pytest.mark.parametrize("n", [2, 30])
def test_history_with_check_ins_runs_a_constant_number_of_queries(
    world, client_for, reachable, n, django_assert_max_num_queries
):
    participant = reachable["participant"]
    for index in range(n):
        signal = make_signal(
            participant,
            reachable["activity"],
            days_old=index + 1,
            resolved_at=timezone.now(),
        )
        CheckIn.objects.create(
            organisation=world.organisation,
            participant=participant,
            volunteer=world.users["volunteer"],
            what_is_asked="Even langsgaan",
            signal=signal,
        )
    client = client_for("coordinator")
    url = reverse("attendance:signal_history", args=[world.organisation.slug, participant.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert page.count('class="signal"') == n + 1
    with django_assert_max_num_queries(10):
        client.get(reverse("attendance:check_in_list", args=[world.organisation.slug]))
