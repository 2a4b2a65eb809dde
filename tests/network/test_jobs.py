"""Periodic jobs record when they ran and how it ended (network/jobs.py, JobRun); operators
list them and run one by hand with `manage.py run_job`."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from config.celery import app
from network import jobs
from network.models import JobRun

pytestmark = pytest.mark.django_db


def run_job(*args) -> str:
    out = StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_every_scheduled_task_records_its_runs_under_its_schedule_name():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert getattr(app.tasks[entry["task"]].run, "job_name", None) == name, name


def test_a_run_is_recorded_with_its_outcome():
    @jobs.tracked_job("test-job")
    def job(count):
        return {"created": count, "removed": 0}

    assert job(3) == {"created": 3, "removed": 0}
    job(4)
    run = JobRun.objects.get(name="test-job")
    assert run.runs == 2
    assert run.last_succeeded is True
    assert run.last_outcome == "created=4, removed=0"
    assert run.last_started_at <= run.last_finished_at


def test_a_failed_run_is_recorded_and_the_error_still_raised():
    @jobs.tracked_job("test-failing")
    def job():
        raise ValueError("something personal: jan@example.org")

    with pytest.raises(ValueError):
        job()
    run = JobRun.objects.get(name="test-failing")
    assert run.last_succeeded is False
    # The error's class only: its message may hold personal data.
    assert run.last_outcome == "ValueError"
    assert run.last_finished_at is not None


def test_bookkeeping_that_fails_never_breaks_the_job(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(JobRun.objects, "filter", broken)

    @jobs.tracked_job("test-unrecorded")
    def job():
        return 7

    assert job() == 7
    assert "Could not record a run of the periodic job test-unrecorded" in caplog.text


def test_bookkeeping_inside_a_failed_transaction_does_not_break_it():
    """A job called inside a caller's transaction: its bookkeeping is a savepoint."""
    from django.db import transaction

    @jobs.tracked_job("test-nested")
    def job():
        return 1

    with transaction.atomic():
        assert job() == 1
        JobRun.objects.get(name="test-nested")


def test_list_shows_every_periodic_job_with_its_last_run():
    run_job("clear-expired-sessions")
    listing = run_job("--list")
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert name in listing
    line = next(row for row in listing.splitlines() if row.startswith("clear-expired-sessions"))
    assert "ok: 0" in line
    line = next(row for row in listing.splitlines() if row.startswith("send-shift-reminders"))
    assert "never run" in line


def test_a_job_run_by_hand_runs_synchronously_and_is_recorded(world):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    session = SessionStore()
    session.create()
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(days=1))
    output = run_job("clear-expired-sessions")
    assert "clear-expired-sessions: 1" in output
    assert not Session.objects.exists()
    run = JobRun.objects.get(name="clear-expired-sessions")
    assert (run.runs, run.last_succeeded, run.last_outcome) == (1, True, "1")


def test_an_unknown_job_is_refused_with_the_known_names():
    with pytest.raises(CommandError, match="send-shift-reminders"):
        run_job("no-such-job")
    with pytest.raises(CommandError, match="--list"):
        run_job()


def test_a_job_that_fails_by_hand_is_recorded_as_failed(monkeypatch):
    from network import outbox

    def broken(**kwargs):
        raise LookupError("broken")

    monkeypatch.setattr(outbox, "purge_handled", broken)
    with pytest.raises(LookupError):
        run_job("purge-handled-messages")
    run = JobRun.objects.get(name="purge-handled-messages")
    assert (run.last_succeeded, run.last_outcome) == (False, "LookupError")
    assert "FAILED: LookupError" in run_job("--list")


def test_job_runs_in_the_admin_are_read_only(client_for):
    JobRun.objects.create(name="extend-shifts", runs=3, last_succeeded=True)
    client = client_for("superuser")
    listing = client.get(reverse("admin:network_jobrun_changelist"))
    assert listing.status_code == 200
    assert "extend-shifts" in listing.content.decode()
    assert client.get(reverse("admin:network_jobrun_add")).status_code == 403
    run = JobRun.objects.get()
    # Viewing is allowed, changing is not.
    page = client.get(reverse("admin:network_jobrun_change", args=[run.pk]))
    assert page.status_code == 200
    client.post(reverse("admin:network_jobrun_change", args=[run.pk]), {"runs": 99})
    assert JobRun.objects.get().runs == 3
    assert client.get(reverse("admin:network_jobrun_delete", args=[run.pk])).status_code == 403
