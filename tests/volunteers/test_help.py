"""Informal help (vraag en aanbod): a resident or a coordinator posts a request; volunteers
of the organisation see what and roughly where, never who asks; they offer to help; the
coordinator matches one or several (in rotation, shown in words) and closes it; e-mails
carry a link only."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from network.models import Role
from network.shared import DomainError
from tests.conftest import ROLE_NAMES
from tests.factories import AreaFactory, MembershipFactory, UserFactory
from tests.volunteers.factories import HelpRequestFactory
from volunteers import help
from volunteers.models import (
    HelpFrequency,
    HelpRequest,
    HelpRequestStatus,
    HelpResponse,
    HelpResponseStatus,
)

ROLES = [*ROLE_NAMES, "outsider"]
REQUESTER = "Mevrouw De Vries"
CONTACT = "0345 111 222"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def help_request(world):
    return HelpRequestFactory(
        organisation=world.organisation,
        title="Boodschappen doen",
        requester_name=REQUESTER,
        requester_contact=CONTACT,
        frequency=HelpFrequency.WEEKLY,
        volunteers_wanted=4,
    )


def volunteers_of(organisation, n, *, names=None):
    names = names or [f"Vrijwilliger {i}" for i in range(n)]
    return [
        MembershipFactory(
            user=UserFactory(name=name), role=Role.VOLUNTEER, organisation=organisation
        ).user
        for name in names[:n]
    ]


def _text(message) -> str:
    return message.subject + message.body + message.alternatives[0][0]


# Posting ----------------------------------------------------------------------------------


def test_a_resident_asks_for_themselves(world, django_capture_on_commit_callbacks):
    resident = world.users["resident"]
    with django_capture_on_commit_callbacks(execute=True):
        created = help.post_help_request(
            posted_by=resident,
            organisation=world.organisation,
            title="Hulp bij de tuin",
            requester_contact="06 999",
        )
    assert created.requester == resident
    assert created.requester_name == resident.name
    assert created.status == HelpRequestStatus.OPEN
    assert [m.to for m in mail.outbox] == [[world.users["coordinator"].email]]
    text = _text(mail.outbox[0])
    assert reverse("volunteers:help_detail", args=[created.pk]) in text
    assert "06 999" not in text and resident.name not in text and "tuin" not in text


def test_a_coordinator_asks_on_behalf_of_someone(world):
    created = help.post_help_request(
        posted_by=world.users["coordinator"],
        organisation=world.organisation,
        title="Wandelen",
        requester_name="Meneer Pietersen",
        requester_contact="Dorpsstraat 1",
        on_behalf=True,
    )
    assert created.requester is None
    assert created.posted_by == world.users["coordinator"]
    assert created.requester_name == "Meneer Pietersen"


def test_posting_rules(world):
    coordinator = world.users["coordinator"]
    with pytest.raises(DomainError, match="name of the person"):
        help.post_help_request(
            posted_by=coordinator,
            organisation=world.organisation,
            title="x",
            on_behalf=True,
        )
    with pytest.raises(DomainError, match="Only a coordinator"):
        help.post_help_request(
            posted_by=world.users["volunteer"],
            organisation=world.organisation,
            title="x",
            requester_name="A",
            requester_contact="B",
            on_behalf=True,
        )
    with pytest.raises(DomainError, match="reach you"):
        help.post_help_request(
            posted_by=world.users["resident"], organisation=world.organisation, title="x"
        )
    with pytest.raises(DomainError):
        help.post_help_request(
            posted_by=world.users["resident"],
            organisation=world.wijkteam,
            title="x",
            requester_contact="06",
        )
    with pytest.raises(DomainError):
        help.post_help_request(
            posted_by=world.users["resident"],
            organisation=world.organisation,
            title="x",
            requester_contact="06",
            volunteers_wanted=0,
        )


# Responding and matching ------------------------------------------------------------------


def test_volunteers_respond_once_and_coordinators_hear_it(
    world, help_request, django_capture_on_commit_callbacks
):
    volunteer = world.users["volunteer"]
    with django_capture_on_commit_callbacks(execute=True):
        response = help.respond_to_help_request(
            volunteer=volunteer, help_request=help_request, message="Op dinsdag"
        )
    assert response.status == HelpResponseStatus.OFFERED
    assert [m.to for m in mail.outbox] == [[world.users["coordinator"].email]]
    assert volunteer.email not in _text(mail.outbox[0])
    with pytest.raises(DomainError, match="already offered"):
        help.respond_to_help_request(volunteer=volunteer, help_request=help_request)
    for role in ("resident", "editor", "outsider", "coordinator"):
        with pytest.raises(DomainError):
            help.respond_to_help_request(volunteer=world.users[role], help_request=help_request)


def test_matching_in_rotation(world, help_request, django_capture_on_commit_callbacks):
    anna, bert, carla, dirk, eva = volunteers_of(
        world.organisation, 5, names=["Anna", "Bert", "Carla", "Dirk", "Eva"]
    )
    responses = {
        v.name: help.respond_to_help_request(volunteer=v, help_request=help_request)
        for v in (anna, bert, carla, dirk, eva)
    }
    mail.outbox.clear()
    order = [responses[name].pk for name in ("Bert", "Anna", "Dirk", "Carla")]
    with django_capture_on_commit_callbacks(execute=True):
        matched = help.match_help_request(
            coordinator=world.users["coordinator"], help_request=help_request, rotation=order
        )
    assert [r.volunteer.name for r in matched] == ["Bert", "Anna", "Dirk", "Carla"]
    assert [r.rotation_position for r in matched] == [1, 2, 3, 4]
    help_request.refresh_from_db()
    assert help_request.status == HelpRequestStatus.MATCHED
    responses["Eva"].refresh_from_db()
    assert responses["Eva"].status == HelpResponseStatus.NOT_MATCHED
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(v.email for v in (anna, bert, carla, dirk, eva))
    for message in mail.outbox:
        assert REQUESTER not in _text(message) and CONTACT not in _text(message)
        for name in ("Anna", "Bert", "Carla", "Dirk", "Eva"):
            assert name not in _text(message)
    words = help.rotation_in_words(help_request.frequency, [r.volunteer.name for r in matched])
    assert words == (
        "Each helps about once a month, in turn: week 1: Bert, week 2: Anna, week 3: Dirk, "
        "week 4: Carla; then it starts again."
    )
    assert help.own_turn_in_words(HelpFrequency.WEEKLY, 2, 4) == (
        "Your turn: week 2 of every 4 weeks."
    )


def test_rotation_in_words_for_each_rhythm():
    assert help.rotation_in_words(HelpFrequency.WEEKLY, ["A", "B", "C"]) == (
        "Each helps once every 3 weeks, in turn: week 1: A, week 2: B, week 3: C; "
        "then it starts again."
    )
    assert help.rotation_in_words(HelpFrequency.FORTNIGHTLY, ["A", "B"]) == (
        "Each helps about once a month, in turn: week 1: A, week 3: B; then it starts again."
    )
    assert help.rotation_in_words(HelpFrequency.MONTHLY, ["A", "B"]) == (
        "Each helps once every 2 months, in turn: month 1: A, month 2: B; then it starts again."
    )
    assert help.rotation_in_words(HelpFrequency.NOW_AND_THEN, ["A", "B"]) == (
        "In turn, when help is needed: turn 1: A, turn 2: B; then it starts again."
    )
    assert help.rotation_in_words(HelpFrequency.WEEKLY, ["A"]) == "A helps every week."
    assert help.rotation_in_words(HelpFrequency.ONCE, ["A", "B"]) == "Helping: A, B."
    assert help.rotation_in_words(HelpFrequency.WEEKLY, []) == ""


def test_matching_rules(world, help_request):
    (anna,) = volunteers_of(world.organisation, 1)
    offer = help.respond_to_help_request(volunteer=anna, help_request=help_request)
    coordinator = world.users["coordinator"]
    with pytest.raises(DomainError, match="at least one"):
        help.match_help_request(coordinator=coordinator, help_request=help_request, rotation=[])
    with pytest.raises(DomainError, match="one turn"):
        help.match_help_request(
            coordinator=coordinator, help_request=help_request, rotation=[offer.pk, offer.pk]
        )
    with pytest.raises(DomainError):
        help.match_help_request(
            coordinator=coordinator, help_request=help_request, rotation=[999999]
        )
    with pytest.raises(DomainError):
        help.match_help_request(
            coordinator=world.users["outsider"], help_request=help_request, rotation=[offer.pk]
        )
    # A withdrawn offer cannot be matched.
    help.withdraw_help_response(volunteer=anna, response=offer)
    with pytest.raises(DomainError):
        help.match_help_request(
            coordinator=coordinator, help_request=help_request, rotation=[offer.pk]
        )


def test_closing_tells_waiting_volunteers_kindly(
    world, help_request, django_capture_on_commit_callbacks
):
    (anna,) = volunteers_of(world.organisation, 1)
    offer = help.respond_to_help_request(volunteer=anna, help_request=help_request)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        help.close_help_request(coordinator=world.users["coordinator"], help_request=help_request)
    help_request.refresh_from_db()
    offer.refresh_from_db()
    assert help_request.status == HelpRequestStatus.CLOSED
    assert help_request.closed_at is not None
    assert offer.status == HelpResponseStatus.NOT_MATCHED
    assert [m.to for m in mail.outbox] == [[anna.email]]
    assert "Dank u wel" in mail.outbox[0].body
    with pytest.raises(DomainError):
        help.close_help_request(coordinator=world.users["coordinator"], help_request=help_request)
    with pytest.raises(DomainError, match="already"):
        help.respond_to_help_request(volunteer=world.users["volunteer"], help_request=help_request)


# Volunteers never see who asks -------------------------------------------------------------


def test_volunteers_never_see_who_asks(client_for, world, help_request):
    help.respond_to_help_request(volunteer=world.users["volunteer"], help_request=help_request)
    client = english(client_for("volunteer"))
    pages = [
        client.get(reverse("volunteers:help_list")),
        client.get(reverse("volunteers:help_detail", args=[help_request.pk])),
    ]
    # Also once matched: the coordinator puts them in touch, the site does not.
    help.match_help_request(
        coordinator=world.users["coordinator"],
        help_request=help_request,
        rotation=[HelpResponse.objects.get().pk],
    )
    pages.append(client.get(reverse("volunteers:help_detail", args=[help_request.pk])))
    for response in pages:
        assert response.status_code == 200
        page = response.content.decode()
        assert REQUESTER not in page
        assert CONTACT not in page
    assert "Boodschappen doen" in pages[0].content.decode()
    assert "Your turn" not in pages[2].content.decode()  # one volunteer: no rotation
    assert "The coordinator puts you in touch" in pages[2].content.decode()


def test_coordinators_see_who_asks_and_the_visit_is_logged(client_for, world, help_request):
    from network.models import AccessLogEntry

    client = client_for("coordinator")
    for url in (
        reverse("volunteers:help_list"),
        reverse("volunteers:help_detail", args=[help_request.pk]),
    ):
        page = client.get(url).content.decode()
        assert REQUESTER in page
    assert CONTACT in page
    assert (
        AccessLogEntry.objects.using("access_log")
        .filter(actor_id=world.users["coordinator"].pk)
        .count()
        == 2
    )


def test_the_requester_sees_their_own_request(client_for, world):
    resident = world.users["resident"]
    own = HelpRequestFactory(
        organisation=world.organisation, requester=resident, requester_name="Truus"
    )
    client = english(client_for("resident"))
    page = client.get(reverse("volunteers:help_list")).content.decode()
    assert own.title in page
    page = client.get(reverse("volunteers:help_detail", args=[own.pk])).content.decode()
    assert "We are looking for a volunteer" in page


# Pages: posting, responding, matching ------------------------------------------------------


def test_a_resident_posts_through_the_page(client_for, world):
    area = AreaFactory(municipality=world.municipality, name="Beesd")
    client = english(client_for("resident"))
    page = client.get(reverse("volunteers:help_create")).content.decode()
    assert "Wijkteam Beesd" not in page
    assert 'name="requester_name"' not in page
    response = client.post(
        reverse("volunteers:help_create"),
        {
            "organisation": world.organisation.pk,
            "title": "Een lift naar de huisarts",
            "kind": "driving",
            "area": area.pk,
            "rough_location": "bij de kerk",
            "frequency": "monthly",
            "volunteers_wanted": "2",
            "requester_contact": "06 12",
        },
    )
    created = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:help_detail", args=[created.pk])
    assert created.requester == world.users["resident"]
    assert created.area == area


def test_a_coordinator_posts_for_someone_through_the_page(client_for, world):
    client = english(client_for("coordinator"))
    page = client.get(reverse("volunteers:help_create")).content.decode()
    assert 'name="requester_name"' in page
    assert "Club Elders" not in page  # only the organisations they coordinate
    response = client.post(
        reverse("volunteers:help_create"),
        {
            "organisation": world.organisation.pk,
            "title": "Wandelen",
            "kind": "accompanying",
            "frequency": "weekly",
            "volunteers_wanted": "4",
            "requester_name": "Meneer Pietersen",
            "requester_contact": "Dorpsstraat 1",
        },
    )
    assert response.status_code == 302
    assert HelpRequest.objects.get().requester_name == "Meneer Pietersen"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"organisation": "abc", "title": "x"},
        {"organisation": "999999", "title": "x", "requester_contact": "1"},
        {"title": "x" * 500, "requester_contact": "1"},
        {"title": "x", "frequency": "hourly", "requester_contact": "1"},
        {"title": "x", "volunteers_wanted": "-3", "requester_contact": "1"},
        {"title": "x", "volunteers_wanted": "1e9", "requester_contact": "1"},
        {"title": "x\x00", "requester_contact": "\x00"},
        {"title": "x", "area": "abc", "requester_contact": "1"},
        {"title": "x", "kind": "magic", "requester_contact": "1"},
    ],
)
def test_junk_in_a_request_gets_a_message(client_for, world, data):
    data = {"organisation": str(world.organisation.pk), "kind": "practical", **data}
    data.setdefault("frequency", "once")
    data.setdefault("volunteers_wanted", "1")
    response = client_for("resident").post(reverse("volunteers:help_create"), data)
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_responding_and_matching_through_the_pages(client_for, world, help_request):
    client = english(client_for("volunteer"))
    detail = reverse("volunteers:help_detail", args=[help_request.pk])
    assert "I want to help" in client.get(detail).content.decode()
    response = client.post(
        reverse("volunteers:help_respond", args=[help_request.pk]), {"message": "Graag"}
    )
    assert response.status_code == 302
    offer = HelpResponse.objects.get()
    assert offer.message == "Graag"
    # Twice: a message, no error, no second offer.
    response = client.post(reverse("volunteers:help_respond", args=[help_request.pk]), follow=True)
    assert "already offered" in response.content.decode()
    assert HelpResponse.objects.count() == 1
    # The coordinator matches with a turn.
    client = english(client_for("coordinator"))
    page = client.get(detail).content.decode()
    assert f'name="turn_{offer.pk}"' in page
    response = client.post(
        reverse("volunteers:help_match", args=[help_request.pk]), {f"turn_{offer.pk}": "1"}
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == HelpResponseStatus.MATCHED
    response = client.post(reverse("volunteers:help_close", args=[help_request.pk]))
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequestStatus.CLOSED


def test_the_volunteer_withdraws_an_offer(client_for, world, help_request):
    help.respond_to_help_request(volunteer=world.users["volunteer"], help_request=help_request)
    client = client_for("volunteer")
    response = client.post(reverse("volunteers:help_withdraw", args=[help_request.pk]))
    assert response.status_code == 302
    assert HelpResponse.objects.get().status == HelpResponseStatus.WITHDRAWN
    # They may offer again.
    client.post(reverse("volunteers:help_respond", args=[help_request.pk]))


@pytest.mark.parametrize(
    "data",
    ["nothing", "unknown-field", "junk-turn", "same-turn", "not-a-number"],
)
def test_junk_in_matching_gets_a_message(client_for, world, help_request, data):
    anna, bert = volunteers_of(world.organisation, 2)
    first = help.respond_to_help_request(volunteer=anna, help_request=help_request)
    second = help.respond_to_help_request(volunteer=bert, help_request=help_request)
    data = {
        "nothing": {},
        "unknown-field": {"turn_X": "1"},
        "junk-turn": {f"turn_{first.pk}": "7"},
        "same-turn": {f"turn_{first.pk}": "1", f"turn_{second.pk}": "1"},
        "not-a-number": {f"turn_{first.pk}": "een\x00"},
    }[data]
    response = english(client_for("coordinator")).post(
        reverse("volunteers:help_match", args=[help_request.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert 'class="message' in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.status == HelpRequestStatus.OPEN


def test_a_junk_filter_gets_a_message(client_for, world, help_request):
    response = english(client_for("coordinator")).get(
        reverse("volunteers:help_list"), {"status": "weird\x00"}
    )
    assert response.status_code == 200
    assert "not a status we know" in response.content.decode()


def test_a_long_message_gets_a_message(client_for, world, help_request):
    response = english(client_for("volunteer")).post(
        reverse("volunteers:help_respond", args=[help_request.pk]),
        {"message": "x" * 5000},
        follow=True,
    )
    assert "too long" in response.content.decode()
    assert not HelpResponse.objects.exists()


# Who may see what ------------------------------------------------------------------------

#: GET of one request of Het Klokhuis (nobody's own), per role.
DETAIL = {"volunteer": 200, "coordinator": 200}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client_for, world, help_request, role):
    client = client_for(role)
    pk = help_request.pk
    gets = {
        "list": client.get(reverse("volunteers:help_list")),
        "create": client.get(reverse("volunteers:help_create")),
        "detail": client.get(reverse("volunteers:help_detail", args=[pk])),
    }
    posts = {
        "respond": client.post(reverse("volunteers:help_respond", args=[pk])),
        "withdraw": client.post(reverse("volunteers:help_withdraw", args=[pk])),
        "match": client.post(reverse("volunteers:help_match", args=[pk]), {}),
        "close": client.post(reverse("volunteers:help_close", args=[pk])),
    }
    help_request.refresh_from_db()
    if role == "anonymous":
        for response in [*gets.values(), *posts.values()]:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        return
    assert gets["list"].status_code == 200
    assert gets["create"].status_code == 200
    assert gets["detail"].status_code == DETAIL.get(role, 404)
    if role not in ("volunteer", "coordinator"):
        assert {r.status_code for r in posts.values()} == {404}
        assert help_request.status == HelpRequestStatus.OPEN
    elif role == "volunteer":
        assert posts["respond"].status_code == 302
        assert posts["match"].status_code == 404
        assert posts["close"].status_code == 404
    else:
        assert posts["respond"].status_code == 302  # a message: only volunteers offer
        assert posts["withdraw"].status_code == 404
        assert posts["match"].status_code == 302
        assert posts["close"].status_code == 302
        assert help_request.status == HelpRequestStatus.CLOSED
    if role != "coordinator":
        for response in gets.values():
            assert REQUESTER not in response.content.decode()


def test_other_organisations_requests_are_404(client_for, world):
    elsewhere = HelpRequestFactory(organisation=world.other_organisation)
    for role in ("volunteer", "coordinator"):
        client = client_for(role)
        assert client.get(reverse("volunteers:help_detail", args=[elsewhere.pk])).status_code == 404
        for name in ("help_respond", "help_match", "help_close", "help_withdraw"):
            assert client.post(reverse(f"volunteers:{name}", args=[elsewhere.pk])).status_code == (
                404
            )
        assert client.get(reverse("volunteers:help_detail", args=[999999])).status_code == 404
        page = client.get(reverse("volunteers:help_list")).content.decode()
        assert elsewhere.title not in page or elsewhere.requester_name not in page


# Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize("role", ["volunteer", "coordinator", "resident"])
def test_the_pages_read_a_fixed_number_of_queries(
    client_for, world, django_assert_max_num_queries, n, role
):
    volunteers = volunteers_of(world.organisation, n)
    requests = [HelpRequestFactory(organisation=world.organisation) for _i in range(n)]
    for volunteer in volunteers:
        help.respond_to_help_request(volunteer=volunteer, help_request=requests[0])
    HelpRequestFactory(organisation=world.organisation, requester=world.users["resident"])
    client = client_for(role)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("volunteers:help_list")).status_code == 200
    if role != "resident":
        with django_assert_max_num_queries(9):
            url = reverse("volunteers:help_detail", args=[requests[0].pk])
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("volunteers:help_create")).status_code == 200


def test_a_volunteer_in_a_rotation_sees_only_their_own_turn(client_for, world, help_request):
    (anna,) = volunteers_of(world.organisation, 1, names=["Anna Zonnebloem"])
    first = help.respond_to_help_request(volunteer=anna, help_request=help_request)
    second = help.respond_to_help_request(
        volunteer=world.users["volunteer"], help_request=help_request
    )
    help.match_help_request(
        coordinator=world.users["coordinator"],
        help_request=help_request,
        rotation=[first.pk, second.pk],
    )
    page = (
        english(client_for("volunteer"))
        .get(reverse("volunteers:help_detail", args=[help_request.pk]))
        .content.decode()
    )
    assert "Your turn: week 2 of every 2 weeks." in page
    assert "Anna" not in page
    coordinator_page = (
        english(client_for("coordinator"))
        .get(reverse("volunteers:help_detail", args=[help_request.pk]))
        .content.decode()
    )
    assert "week 1: Anna Zonnebloem" in coordinator_page


def test_news_that_no_longer_applies_is_not_sent(
    world, help_request, django_capture_on_commit_callbacks
):
    """The outbox sends after commit; a request closed in the meantime is not announced."""
    from network import outbox
    from network.models import OutboxMessage
    from volunteers import emails

    emails.queue_help_posted(help_request)
    help.close_help_request(coordinator=world.users["coordinator"], help_request=help_request)
    message = OutboxMessage.objects.get(kind="volunteers.help_posted")
    mail.outbox.clear()
    assert outbox.deliver(message.pk) is False
    assert mail.outbox == []
