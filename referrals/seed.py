"""Referrals in the reference data sets (`manage.py seed`).

`village`: Stichting Welzijn's coordinator (the demo coordinator) has referred residents to
Sociaal wijkteam Beesd (the demo wijkteam member), one story for every status: Henk (who
fell; the volunteer who dropped by said he could use help) waits to be picked up, someone
not registered was referred on an urgent ground, Truus is accepted, Bep is in contact,
Corrie was declined, Wim's referral is completed, Jan could not be reached, Riet's was
cancelled; and one from long ago is purged (only its anonymous record is left).

`region`: a few thousand more (3,000 at factor 1), from coordinators of organisations to
the wijkteam of their network, in every status over two years; those closed longer than
the retention period ago are purged. Written with insert_rows (COPY on PostgreSQL): the
encrypted columns are encrypted here, since COPY bypasses the model field.

Rows are written directly, not through the services: seeding is not an access to log and
must not e-mail anyone. Everything depends on the seed and the day only.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from activities import seed as agenda_seed
from attendance.models import Participant
from network.models import Membership, Organisation, Role
from network.seed import SeedContext, bulk_create, insert_rows, register_flush, register_step

from .fields import encrypt
from .models import Action, Ground, Reason, Referral, ReferralTransition, Status, Urgency
from .services import CURRENT_CONSENT_VERSION

REGION_REFERRALS = 3000

#: The steps after sending that bring a referral to each status (with a reason for the
#: last, where it needs one).
STEPS: dict[str, list[tuple[str, str, str]]] = {
    Status.SENT: [],
    Status.ACCEPTED: [(Action.ACCEPT, Status.ACCEPTED, "")],
    Status.IN_PROGRESS: [
        (Action.ACCEPT, Status.ACCEPTED, ""),
        (Action.START, Status.IN_PROGRESS, ""),
    ],
    Status.DECLINED: [(Action.DECLINE, Status.DECLINED, Reason.ALREADY_KNOWN)],
    Status.COMPLETED: [
        (Action.ACCEPT, Status.ACCEPTED, ""),
        (Action.START, Status.IN_PROGRESS, ""),
        (Action.COMPLETE, Status.COMPLETED, Reason.HELPED),
    ],
    Status.NOT_COMPLETED: [
        (Action.ACCEPT, Status.ACCEPTED, ""),
        (Action.CLOSE_UNCOMPLETED, Status.NOT_COMPLETED, Reason.NOT_REACHED),
    ],
    Status.CANCELLED: [(Action.CANCEL, Status.CANCELLED, Reason.NO_LONGER_NEEDED)],
}

#: (participant name or None, status, days ago sent, categories, free text, closing note).
VILLAGE = (
    ("Henk Bouwman", Status.SENT, 1, ["care_at_home", "loneliness"],
     "Gevallen, komt slecht de deur uit. Zoon woont ver weg. Wil graag hulp in huis.", ""),
    (None, Status.SENT, 0, ["safety"],
     "Buurvrouw van een deelnemer: woont alleen, eet al dagen niet, laat niemand binnen.", ""),
    ("Truus van Dijk", Status.ACCEPTED, 6, ["loneliness"],
     "Komt sinds het overlijden van haar man niet meer bij de stoelyoga.", ""),
    ("Bep Kortenhoeven", Status.IN_PROGRESS, 12, ["money"],
     "Durft de post niet meer open te maken, zorgen over rekeningen.", ""),
    ("Corrie de Groot", Status.DECLINED, 20, ["housing"],
     "Huis wordt te groot, vraagt naar een aangepaste woning.",
     "Is al bij ons bekend; loopt via de woningcorporatie."),
    ("Wim Hol", Status.COMPLETED, 40, ["caregiver"],
     "Zorgt voor zijn vrouw met dementie, is op.", "Respijtzorg twee dagdelen per week."),
    ("Jan Verwoerd", Status.NOT_COMPLETED, 30, ["other"],
     "Vroeg om hulp met formulieren van de gemeente.", "Drie keer gebeld en langs geweest."),
    ("Riet Vermeulen", Status.CANCELLED, 8, ["loneliness"],
     "Zoekt aanspraak.", "Ze gaat nu zelf naar de koffieochtend."),
)  # fmt: skip

FIRST_NAMES = ("Annie", "Kees", "Gerda", "Piet", "Mien", "Dirk", "Nel", "Ton", "Thea", "Joop")
LAST_NAMES = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Mulder", "de Boer", "Bos")
TEXTS = (
    "Komt niet meer naar de koffieochtend en zegt weinig mensen te zien.",
    "Maakt zich zorgen over de huur en de energierekening.",
    "Heeft hulp nodig bij het huishouden sinds de operatie.",
    "Mantelzorger van haar man, slaapt slecht en is op.",
    "Woning is niet meer geschikt: trap is te steil.",
)
REGION_STATUSES = (
    (Status.SENT, 0.06),
    (Status.ACCEPTED, 0.06),
    (Status.IN_PROGRESS, 0.18),
    (Status.DECLINED, 0.08),
    (Status.COMPLETED, 0.42),
    (Status.NOT_COMPLETED, 0.12),
    (Status.CANCELLED, 0.08),
)


@register_step
def seed_referrals(ctx: SeedContext) -> None:
    """The village's stories (module docstring); the region's bulk on top."""
    today = ctx.shared.setdefault("today", agenda_seed.seed_today())
    now = timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=9)
    count = _seed_village(ctx, now)
    if ctx.scale == "region":
        count += _seed_region(ctx, now)
    ctx.counts["referrals"] = count


def _seed_village(ctx: SeedContext, now: datetime) -> int:
    welzijn, team = ctx.home.get("welzijn"), ctx.home.get("wijkteam")
    coordinator, member = ctx.demo_users.get("coordinator"), ctx.demo_users.get("wijkteam")
    if welzijn is None or team is None:
        return 0
    people = {p.name: p for p in Participant.objects.filter(organisation=welzijn)}
    referrals, steps = [], []
    for name, status, days_ago, categories, text, closing in VILLAGE:
        participant = people.get(name) if name else None
        sent = now - timedelta(days=days_ago, hours=2)
        urgent = name is None
        referral = Referral(
            sending_organisation=welzijn,
            sent_by=coordinator,
            team=team,
            participant=participant,
            person_name=name or "Mevrouw A. Brouwer",
            person_contact=(participant.phone or participant.address)
            if participant
            else "Lingedijk 4, Beesd",
            area=participant.area if participant else team.area,
            categories=categories,
            free_text=text,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            ground=Ground.ACUTE_DANGER if urgent else Ground.CONSENT,
            urgent_ground_note="Eet al dagen niet en laat niemand binnen." if urgent else "",
            consent_given_by="" if urgent else "de inwoner zelf",
            consent_how="" if urgent else "verbal",
            consent_at=None if urgent else sent - timedelta(minutes=30),
            consent_text_version="" if urgent else CURRENT_CONSENT_VERSION,
            consent_recorded_by=None if urgent else coordinator,
            created_at=sent,
            assigned_at=sent,
        )
        steps.append(_fill(referral, status, sent, closing))
        referrals.append(referral)
    old = Referral(
        sending_organisation=welzijn,
        team=team,
        area=team.area,
        categories=["money"],
        consent_how="verbal",
        consent_at=now - timedelta(days=500),
        consent_text_version=CURRENT_CONSENT_VERSION,
        created_at=now - timedelta(days=500),
        assigned_at=now - timedelta(days=500),
    )
    steps.append(_fill(old, Status.COMPLETED, old.created_at, ""))
    old.purged_at = now - timedelta(days=20)
    referrals.append(old)
    bulk_create(referrals)
    bulk_create(
        [
            ReferralTransition(
                referral=referral,
                action=action,
                from_status=before,
                to_status=after,
                to_team=team if action == Action.SEND else None,
                by=None if referral.is_purged else (coordinator if side == "s" else member),
                by_role="coordinator" if side == "s" else "wijkteam",
                at=at,
                reason=reason,
                note="" if referral.is_purged else note,
            )
            for referral, rows in zip(referrals, steps, strict=True)
            for action, before, after, at, reason, note, side in rows
        ]
    )
    return len(referrals)


def _fill(referral: Referral, status: str, sent: datetime, closing: str) -> list[tuple]:
    """Set the referral's status and dates from its steps; the transition rows as
    (action, from, to, at, reason, note, side: "s" sender or "t" team)."""
    rows = [(Action.SEND, "", Status.SENT, sent, "", "", "s")]
    at, current = sent, Status.SENT
    for action, target, reason in STEPS[status]:
        at = at + timedelta(days=1, hours=3)
        note = closing if reason else ""
        side = "s" if action == Action.CANCEL else "t"
        rows.append((action, current, target, at, reason, note, side))
        if target == Status.ACCEPTED:
            referral.accepted_at = at
        current = target
    referral.status = status
    referral.status_changed_at = at
    if status in (Status.DECLINED, Status.COMPLETED, Status.NOT_COMPLETED, Status.CANCELLED):
        referral.closed_at = at
        referral.closed_reason = rows[-1][4]
        referral.closed_note = closing
    return rows


# Region ----------------------------------------------------------------------------------


def _seed_region(ctx: SeedContext, now: datetime) -> int:
    rng = ctx.rng
    team_of_network = dict(
        Organisation.objects.filter(kind=Organisation.Kind.WIJKTEAM, networks__isnull=False)
        .order_by("pk")
        .values_list("networks", "pk")
    )
    senders = [
        (user_id, org_id, team_of_network[network_id], area_id)
        for user_id, org_id, network_id, area_id in Membership.objects.filter(
            role=Role.COORDINATOR, organisation__networks__in=list(team_of_network)
        )
        .exclude(organisation__kind=Organisation.Kind.WIJKTEAM)
        .order_by("pk")
        .values_list("user_id", "organisation_id", "organisation__networks", "organisation__area")
    ]
    count = ctx.scaled(REGION_REFERRALS)
    if not senders or not count:
        return 0
    first = (Referral.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    referral_rows, transition_rows = _region_rows(rng, senders, count, first, now)
    insert_rows(Referral, REFERRAL_COLUMNS, referral_rows)
    insert_rows(ReferralTransition, TRANSITION_COLUMNS, transition_rows)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Referral, ReferralTransition]):
            cursor.execute(sql)
    ctx.log(f"Referrals: {count} in the region.")
    return count


REFERRAL_COLUMNS = (
    "id", "sending_organisation_id", "sent_by_id", "team_id", "participant_id", "person_name",
    "person_contact", "area_id", "categories", "free_text", "urgency", "ground",
    "consent_given_by", "consent_how", "consent_at", "consent_text_version",
    "consent_recorded_by_id", "urgent_ground_note", "consent_withdrawn_at", "status",
    "created_at", "status_changed_at", "assigned_at", "accepted_at", "closed_at",
    "closed_reason", "closed_note", "reminded_team_at", "reminded_sender_at", "purged_at",
)  # fmt: skip
TRANSITION_COLUMNS = (
    "referral_id", "action", "from_status", "to_status", "from_team_id", "to_team_id", "by_id",
    "by_role", "at", "reason", "note",
)  # fmt: skip


def _region_rows(
    rng: random.Random, senders: list, count: int, first: int, now: datetime
) -> tuple[list[tuple], Iterator[tuple]]:
    """Both tables' rows: values as COPY wants them on PostgreSQL (encrypted text, JSON as
    text); elsewhere insert_rows prepares them through the fields, which encrypt."""
    postgres = connection.vendor == "postgresql"

    def secret(text: str) -> str:
        return encrypt(text) if postgres else text

    def as_json(value: list) -> object:
        return json.dumps(value) if postgres else value

    statuses, weights = zip(*REGION_STATUSES, strict=True)
    categories = ["loneliness", "money", "care_at_home", "housing", "caregiver", "safety"]
    retention = timedelta(days=365)
    referrals, transitions = [], []
    for index in range(count):
        pk = first + index
        user_id, org_id, team_id, area_id = senders[rng.randrange(len(senders))]
        status = rng.choices(statuses, weights)[0]
        days_ago = rng.randint(1, 40) if status in (Status.SENT, Status.ACCEPTED) else None
        sent = now - timedelta(days=days_ago or rng.randint(14, 730), hours=rng.randint(0, 8))
        holder = Referral(created_at=sent)
        steps = _fill(holder, status, sent, "Afgerond." if status != Status.SENT else "")
        purged = holder.closed_at is not None and holder.closed_at < now - retention
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        referrals.append(
            (
                pk, org_id, None if purged else user_id, team_id, None,
                "" if purged else secret(name),
                "" if purged else secret(f"06-{rng.randint(10000000, 99999999)}"),
                area_id, as_json(sorted(rng.sample(categories, rng.choice((1, 1, 2))))),
                "" if purged else secret(rng.choice(TEXTS)), Urgency.NORMAL, Ground.CONSENT,
                "" if purged else secret("de inwoner zelf"), "verbal",
                sent - timedelta(minutes=20), CURRENT_CONSENT_VERSION,
                None if purged else user_id, "", None, status, sent, holder.status_changed_at,
                sent, holder.accepted_at, holder.closed_at, holder.closed_reason,
                "" if purged or not holder.closed_note else secret(holder.closed_note),
                sent + timedelta(days=3) if status == Status.SENT and days_ago > 3 else None,
                sent + timedelta(days=6) if status == Status.SENT and days_ago > 6 else None,
                holder.closed_at + retention if purged else None,
            )
        )  # fmt: skip
        for action, before, after, at, reason, _note, _side in steps:
            transitions.append(
                (pk, action, before, after, None, team_id if action == Action.SEND else None,
                 None, "coordinator" if action in (Action.SEND, Action.CANCEL) else "wijkteam",
                 at, reason, "")
            )  # fmt: skip
    return referrals, iter(transitions)


@register_flush
def flush_referrals() -> None:
    """Delete referrals before the organisations they point at (PROTECT)."""
    for model in (ReferralTransition, Referral):
        model._base_manager.all()._raw_delete(connection.alias)
