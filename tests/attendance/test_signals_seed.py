"""The region's attendance (attendance/seed.py) through `manage.py seed`, small
(`factor=0.01`): rows only on dates with a roll-call, on the date's own local day and
organisation, nobody on a date during their absence, and the nightly job finds a few
people not seen lately in it. The day is pinned as in the other seed tests."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Q

from activities import seed as agenda_seed
from attendance import signals
from attendance.models import (
    Absence,
    Attendance,
    AttendanceSettings,
    Participant,
    RollCall,
    Signal,
)

TODAY = date(2026, 11, 26)


@pytest.fixture
def region(db, monkeypatch):
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: TODAY)
    out = StringIO()
    call_command("seed", scale="region", factor=0.01, stdout=out)
    return out.getvalue()


def test_region_attendance_keeps_the_rules(region):
    assert "participants" in region
    assert Participant.objects.count() >= 500
    rows = Attendance.objects.all()
    assert rows.count() > 10_000
    assert not rows.filter(occurrence__roll_call__isnull=True).exists()
    assert not rows.filter(occurrence__is_cancelled=True).exists()
    assert not rows.exclude(organisation_id=F("occurrence__activity__organisation_id")).exists()
    assert not rows.exclude(activity_id=F("occurrence__activity_id")).exists()
    assert not rows.filter(day__gte=TODAY).exists()
    keeping = set(AttendanceSettings.objects.values_list("organisation_id", flat=True))
    assert set(rows.values_list("organisation_id", flat=True).distinct()) <= keeping
    assert RollCall.objects.count() > 100
    for absence in Absence.objects.all()[:20]:
        assert not rows.filter(
            Q(day__gte=absence.starts_on) & Q(day__lte=absence.ends_on),
            participant_id=absence.participant_id,
        ).exists()
    # Some stopped coming lately: the job raises a few signals, and nothing the second time.
    # The seed ran the job as the night would; running it again changes nothing.
    assert 0 < Signal.objects.count() < 100
    assert f"{Signal.objects.count()} signals" in region
    assert signals.run_signals(today=TODAY) == {"raised": 0, "resolved": 0}
