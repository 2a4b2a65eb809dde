"""The state machine of referrals: every allowed and forbidden step, reasons, consent, the
roles that may take each step, and the access log every change writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from network.models import AccessLogEntry, Organisation, OutboxMessage, Role
from network.shared import DomainError
from referrals import services
from referrals.models import Action, Reason, Referral, ReferralTransition, Status
from tests.attendance.factories import ParticipantFactory
from tests.factories import AreaFactory, MembershipFactory, OrganisationFactory

from .factories import SECRET_NAME, send

pytestmark = pytest.mark.django_db

#: A valid reason (and note) for each step that asks one.
GOOD_REASON = {
    Action.DECLINE: Reason.NOT_OUR_AREA,
    Action.CANCEL: Reason.NO_LONGER_NEEDED,
    Action.COMPLETE: Reason.HELPED,
    Action.CLOSE_UNCOMPLETED: Reason.NOT_REACHED,
}

#: The steps (after sending) that bring a referral into each status.
PATH = {
    Status.SENT: [],
    Status.ACCEPTED: [Action.ACCEPT],
    Status.IN_PROGRESS: [Action.ACCEPT, Action.START],
    Status.DECLINED: [Action.DECLINE],
    Status.COMPLETED: [Action.ACCEPT, Action.START, Action.COMPLETE],
    Status.NOT_COMPLETED: [Action.ACCEPT, Action.CLOSE_UNCOMPLETED],
    Status.CANCELLED: [Action.CANCEL],
}

ALLOWED = {
    (Action.ACCEPT, Status.SENT): Status.ACCEPTED,
    (Action.DECLINE, Status.SENT): Status.DECLINED,
    (Action.CANCEL, Status.SENT): Status.CANCELLED,
    (Action.START, Status.ACCEPTED): Status.IN_PROGRESS,
    (Action.COMPLETE, Status.ACCEPTED): Status.COMPLETED,
    (Action.COMPLETE, Status.IN_PROGRESS): Status.COMPLETED,
    (Action.CLOSE_UNCOMPLETED, Status.ACCEPTED): Status.NOT_COMPLETED,
    (Action.CLOSE_UNCOMPLETED, Status.IN_PROGRESS): Status.NOT_COMPLETED,
}
STEPS = [Action.ACCEPT, Action.DECLINE, Action.START, Action.COMPLETE, Action.CLOSE_UNCOMPLETED]
STEPS += [Action.CANCEL]


def actor(world, action):
    side = services.TRANSITIONS[action].side
    return world.users["wijkteam" if side == services.TEAM else "coordinator"]


def step(world, referral, action, **fields):
    if action in GOOD_REASON and "reason" not in fields:
        fields["reason"] = GOOD_REASON[action]
    return services.transition(
        referral=Referral.objects.get(pk=referral.pk),
        action=action,
        by=fields.pop("by", None) or actor(world, action),
        **fields,
    )


def in_status(world, status) -> Referral:
    referral = send(world)
    for action in PATH[status]:
        step(world, referral, action)
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == status
    return referral


def changes(referral) -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(
            object_type="referrals.referral", object_id=str(referral.pk), action="change"
        ).order_by("id")
    )


def test_the_table_is_what_the_issue_asks():
    table = {
        (action, source): t.target
        for action, t in services.TRANSITIONS.items()
        if action != Action.REASSIGN
        for source in t.sources
    }
    assert table == ALLOWED


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", STEPS)
def test_every_step_from_every_status(world, action, status):
    referral = in_status(world, status)
    before = referral.transitions.count()
    logged = len(changes(referral))
    target = ALLOWED.get((action, status))
    if target is None:
        with pytest.raises(DomainError):
            step(world, referral, action)
        referral.refresh_from_db()
        assert referral.status == status
        assert referral.transitions.count() == before
        assert len(changes(referral)) == logged
        return
    step(world, referral, action)
    referral.refresh_from_db()
    assert referral.status == target
    last = referral.transitions.last()
    assert (last.action, last.from_status, last.to_status) == (action, status, target)
    assert last.by == actor(world, action)
    assert last.by_role == services.TRANSITIONS[action].side
    assert (referral.closed_at is not None) == referral.is_closed
    entry = changes(referral)[-1]
    assert (entry.actor_id, entry.actor_role, entry.description) == (
        last.by.pk,
        last.by_role,
        action,
    )


@pytest.mark.parametrize("action", list(GOOD_REASON))
def test_declining_cancelling_and_closing_need_a_reason_from_their_own_list(world, action):
    source = next(s for (a, s) in ALLOWED if a == action)
    referral = in_status(world, source)
    with pytest.raises(DomainError, match="reden"):
        step(world, referral, action, reason="")
    others = set(Reason) - services.TRANSITIONS[action].reasons
    with pytest.raises(DomainError, match="reden"):
        step(world, referral, action, reason=sorted(others)[0])
    with pytest.raises(DomainError, match="reden"):
        step(world, referral, action, reason=Reason.OTHER, note="  ")
    step(world, referral, action, reason=Reason.OTHER, note="Verhuisd naar Leerdam")
    referral.refresh_from_db()
    assert referral.closed_reason == Reason.OTHER
    assert referral.closed_note == "Verhuisd naar Leerdam"
    assert referral.transitions.last().note == "Verhuisd naar Leerdam"


def test_steps_without_a_reason_refuse_one(world):
    referral = in_status(world, Status.SENT)
    with pytest.raises(DomainError):
        step(world, referral, Action.ACCEPT, reason=Reason.HELPED)


@pytest.mark.parametrize("action", STEPS)
@pytest.mark.parametrize(
    "who", ["coordinator", "wijkteam", "network_admin", "superuser", "outsider", "municipality"]
)
def test_only_the_right_side_takes_each_step(world, action, who):
    source = next(s for (a, s) in ALLOWED if a == action)
    referral = in_status(world, source)
    if world.users[who] == actor(world, action):
        return
    with pytest.raises(DomainError, match="Alleen"):
        step(world, referral, action, by=world.users[who])
    referral.refresh_from_db()
    assert referral.status == source


def test_another_wijkteam_cannot_touch_it(world):
    other = OrganisationFactory(kind=Organisation.Kind.WIJKTEAM, municipality=world.municipality)
    member = MembershipFactory(role=Role.WIJKTEAM, organisation=other).user
    referral = in_status(world, Status.SENT)
    with pytest.raises(DomainError):
        services.accept_referral(referral=referral, by=member)
    with pytest.raises(Http404):
        services.read_referral(referral_id=referral.pk, by=member)


# Sending and consent ------------------------------------------------------------------------


def test_sending_writes_the_referral_its_first_transition_the_log_and_tells_the_team(world):
    referral = send(world)
    assert referral.status == Status.SENT
    assert referral.categories == ["loneliness", "money"]
    [first] = referral.transitions.all()
    assert (first.action, first.to_status, first.by_role) == ("send", "sent", "coordinator")
    [entry] = changes(referral)
    assert (entry.actor_id, entry.actor_role) == (world.users["coordinator"].pk, "coordinator")
    messages = OutboxMessage.objects.filter(kind="referrals.new", object_id=referral.pk)
    assert [m.recipient for m in messages] == [world.users["wijkteam"]]


def test_consent_is_required(world):
    for missing in ("consent_given_by", "consent_how", "consent_at", "consent_text_version"):
        with pytest.raises(DomainError):
            send(world, **{missing: "" if missing != "consent_at" else None})
    with pytest.raises(DomainError):
        send(world, consent_text_version="1999-oud")
    with pytest.raises(DomainError):
        send(world, consent_at=timezone.now() + timedelta(days=1))
    assert not Referral.objects.exists()


def test_an_urgent_ground_stands_in_for_consent_and_is_flagged(world):
    with pytest.raises(DomainError, match="acute gevaar"):
        send(world, ground="acute_danger", consent_given_by="", urgent_ground_note="")
    referral = send(
        world,
        ground="acute_danger",
        consent_given_by="",
        consent_how="",
        consent_at=None,
        consent_text_version="",
        urgent_ground_note="Hij dreigt zichzelf iets aan te doen.",
        urgency="normal",
    )
    assert referral.urgency == "urgent"
    assert referral.consent_given_by == ""
    assert referral.urgent_ground_note == "Hij dreigt zichzelf iets aan te doen."


def test_what_a_referral_must_hold(world):
    with pytest.raises(DomainError):
        send(world, categories=[])
    with pytest.raises(DomainError):
        send(world, categories=["gossip"])
    with pytest.raises(DomainError):
        send(world, categories=["other"], free_text="")
    with pytest.raises(DomainError):
        send(world, person_name=" ")
    with pytest.raises(DomainError):
        send(world, person_contact="")
    with pytest.raises(DomainError):
        send(world, free_text="x" * 501)
    with pytest.raises(DomainError):
        send(world, urgency="yesterday")
    with pytest.raises(DomainError):
        send(world, team=world.organisation)
    with pytest.raises(DomainError):
        send(world, by=world.users["wijkteam"])
    assert not Referral.objects.exists()


def test_a_participant_gives_name_contact_and_area_and_the_area_routes(world):
    area = AreaFactory(municipality=world.municipality, name="Enspijk")
    team = OrganisationFactory(
        name="Wijkteam Enspijk",
        kind=Organisation.Kind.WIJKTEAM,
        municipality=world.municipality,
        area=area,
    )
    participant = ParticipantFactory(
        organisation=world.organisation, name="Henk Bouwman", phone="0345-1", area=area
    )
    referral = send(world, participant=participant, person_name="", person_contact="", team=None)
    assert (referral.person_name, referral.person_contact) == ("Henk Bouwman", "0345-1")
    assert (referral.area, referral.team) == (area, team)
    # Without an area of its own: a wijkteam of the organisation's network.
    assert send(world, team=None).team == world.wijkteam


def test_a_participant_of_another_organisation_is_refused(world):
    participant = ParticipantFactory(organisation=world.other_organisation)
    with pytest.raises(DomainError):
        send(world, participant=participant)


# Reassigning and withdrawing consent ---------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_reassigning_starts_over_with_the_other_team(world, status):
    other = OrganisationFactory(
        name="Wijkteam Geldermalsen",
        kind=Organisation.Kind.WIJKTEAM,
        municipality=world.municipality,
    )
    colleague = MembershipFactory(role=Role.WIJKTEAM, organisation=other).user
    referral = in_status(world, status)
    if status not in (Status.SENT, Status.ACCEPTED):
        with pytest.raises(DomainError):
            services.reassign_referral(referral=referral, by=world.users["wijkteam"], team=other)
        return
    with pytest.raises(DomainError):
        services.reassign_referral(referral=referral, by=world.users["coordinator"], team=other)
    with pytest.raises(DomainError):
        services.reassign_referral(
            referral=referral, by=world.users["wijkteam"], team=world.wijkteam
        )
    services.reassign_referral(referral=referral, by=world.users["wijkteam"], team=other)
    referral.refresh_from_db()
    assert (referral.team, referral.status, referral.accepted_at) == (other, "sent", None)
    last = referral.transitions.last()
    assert (last.from_team, last.to_team, last.action) == (world.wijkteam, other, "reassign")
    new = OutboxMessage.objects.filter(kind="referrals.new", object_id=referral.pk)
    assert colleague in [m.recipient for m in new]
    # The old team no longer sees it; the new one does.
    with pytest.raises(Http404):
        services.read_referral(referral_id=referral.pk, by=world.users["wijkteam"])
    services.accept_referral(referral=referral, by=colleague)


@pytest.mark.parametrize(
    "status,closed_as",
    [
        (Status.SENT, Status.CANCELLED),
        (Status.ACCEPTED, Status.NOT_COMPLETED),
        (Status.IN_PROGRESS, Status.NOT_COMPLETED),
    ],
)
@pytest.mark.parametrize("who", ["coordinator", "wijkteam"])
def test_withdrawing_consent_closes_and_tells_the_other_side(world, status, closed_as, who):
    referral = in_status(world, status)
    OutboxMessage.objects.all().delete()
    services.withdraw_consent(referral=referral, by=world.users[who], note="Belde zelf op")
    referral.refresh_from_db()
    assert referral.status == closed_as
    assert referral.closed_reason == Reason.CONSENT_WITHDRAWN
    assert referral.consent_withdrawn_at is not None
    other = "wijkteam" if who == "coordinator" else "coordinator"
    told = [m.recipient for m in OutboxMessage.objects.filter(kind="referrals.changed")]
    assert told == [world.users[other]]
    with pytest.raises(DomainError):
        services.withdraw_consent(referral=referral, by=world.users[who])


def test_nobody_else_records_a_withdrawal(world):
    referral = in_status(world, Status.SENT)
    for who in ("network_admin", "superuser", "volunteer"):
        with pytest.raises(DomainError):
            services.withdraw_consent(referral=referral, by=world.users[who])


# Reading is logged ---------------------------------------------------------------------------


@pytest.mark.parametrize("who,role", [("coordinator", "coordinator"), ("wijkteam", "wijkteam")])
def test_reading_prints_and_exports_are_logged_with_role_and_address(world, rf, who, role):
    referral = send(world)
    request = rf.get(f"/verwijzingen/{referral.pk}/?q=x", REMOTE_ADDR="192.0.2.9")
    request.user = world.users[who]
    for action in ("view", "print", "export"):
        read, seen_as = services.read_referral(
            referral_id=referral.pk, by=world.users[who], request=request, action=action
        )
        assert (read, seen_as) == (referral, role)
    entries = AccessLogEntry.objects.filter(object_id=str(referral.pk)).exclude(action="change")
    assert [(e.action, e.actor_role, e.ip_address, e.path) for e in entries.order_by("id")] == [
        (action, role, "192.0.2.9", f"/verwijzingen/{referral.pk}/")
        for action in ("view", "print", "export")
    ]
    assert SECRET_NAME not in str(list(entries.values()))


@pytest.mark.parametrize(
    "who", ["superuser", "network_admin", "municipality", "volunteer", "editor", "resident"]
)
def test_nobody_else_reads_a_referral_not_even_a_superuser(world, who):
    referral = send(world)
    with pytest.raises(Http404):
        services.read_referral(referral_id=referral.pk, by=world.users[who])
    assert not services.visible_to(world.users[who]).exists()


def test_lists_hold_what_each_side_may_see(world):
    referral = send(world)
    other_org = OrganisationFactory(municipality=world.municipality)
    coordinator = MembershipFactory(role=Role.COORDINATOR, organisation=other_org).user
    assert list(services.visible_to(world.users["coordinator"])) == [referral]
    assert list(services.visible_to(world.users["wijkteam"])) == [referral]
    assert not services.visible_to(coordinator).exists()
    services.log_search(by=world.users["wijkteam"], role="wijkteam")
    assert AccessLogEntry.objects.filter(action="search", actor_role="wijkteam").count() == 1


def test_no_referral_model_is_in_the_django_admin():
    from django.contrib import admin

    assert not [m for m in admin.site._registry if m._meta.app_label == "referrals"]


def test_the_sender_who_left_is_replaced_by_every_coordinator(world):
    referral = send(world)
    second = MembershipFactory(role=Role.COORDINATOR, organisation=world.organisation).user
    world.users["coordinator"].memberships.all().delete()
    OutboxMessage.objects.all().delete()
    services.accept_referral(referral=referral, by=world.users["wijkteam"])
    assert [m.recipient for m in OutboxMessage.objects.filter(kind="referrals.changed")] == [second]
    assert ReferralTransition.objects.filter(referral=referral).count() == 2
