"""Referrals in the reference data sets (referrals/seed.py), through `manage.py seed`."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from activities import seed as agenda_seed
from referrals import services
from referrals.models import Referral, Status

TODAY = date(2026, 11, 26)


def _seed(monkeypatch, scale: str, **options) -> str:
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: TODAY)
    out = StringIO()
    call_command("seed", scale=scale, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_the_village_has_a_referral_in_every_status(monkeypatch):
    _seed(monkeypatch, "village")
    assert set(Referral.objects.values_list("status", flat=True)) == set(Status)
    henk = Referral.objects.get(participant__name="Henk Bouwman")
    assert henk.status == Status.SENT
    assert henk.sent_by.email == "coordinator@example.org"
    assert henk.team.name == "Sociaal wijkteam Beesd"
    assert Referral.objects.filter(ground="acute_danger", participant=None).count() == 1
    purged = Referral.objects.get(purged_at__isnull=False)
    assert (purged.person_name, purged.free_text) == ("", "")
    # The demo wijkteam member sees them all; each is stored encrypted.
    from network.models import User

    member = User.objects.get(email="wijkteam@example.org")
    assert services.visible_to(member).count() == Referral.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT free_text FROM referrals_referral WHERE id = %s", [henk.pk])
        assert cursor.fetchone()[0].startswith("gAAAAA")
    for referral in Referral.objects.exclude(status=Status.SENT):
        assert referral.transitions.count() >= 2


@pytest.mark.django_db
def test_a_small_region_adds_referrals_in_many_statuses(monkeypatch):
    out = _seed(monkeypatch, "region", factor=0.01)
    assert "referrals" in out
    from referrals.seed import VILLAGE

    assert Referral.objects.count() == len(VILLAGE) + 1 + 30
    ids = list(Referral.objects.order_by("pk").values_list("pk", flat=True))
    region = Referral.objects.filter(pk__in=ids[len(VILLAGE) + 1 :])
    assert len(set(region.values_list("status", flat=True))) >= 5
    referral = region.filter(purged_at=None).first()
    assert referral.person_name and referral.free_text  # decrypts: written encrypted
    assert referral.transitions.first().action == "send"
    for referral in region.filter(purged_at__isnull=False)[:5]:
        assert referral.person_name == "" and referral.sent_by is None
    # The sequence moved past the seeded rows.
    Referral.objects.create(
        sending_organisation=referral.sending_organisation,
        team=referral.team,
        ground="acute_danger",
    )
