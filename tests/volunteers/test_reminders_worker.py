"""Reminders through a real Celery worker on Redis, against PostgreSQL: exactly one per
volunteer and shift, none lost, when the job is retried after a database failure, when two
runs race, and when the worker is killed (SIGKILL) half-way and started again.

The worker is a separate process (`celery -A config worker`, solo pool) on the test
database, with the broker and results on REDIS_URL; it sends its e-mails to files
(Django's file backend), which the test reads back. The job's `pause` keeps each batch's
transaction open for a moment, so "half-way" is reliable: an open batch when the worker
dies or loses its connection. Skipped without PostgreSQL and Redis (SQLite's test database
lives in this process's memory, where no worker can reach it).
"""

from __future__ import annotations

import email
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from celery.result import allow_join_result
from django.db import connection
from django.utils import timezone

from config.celery import app, ping
from network import outbox
from network.models import JobRun, OutboxMessage
from tests.factories import OrganisationFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, SignUpFactory, TaskFactory
from volunteers import tasks
from volunteers.models import SignUp

ROOT = Path(__file__).resolve().parents[2]
SHIFTS, PER_SHIFT = 10, 4  # 40 sign-ups
SEPARATOR = "-" * 79

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # A worker process must reach the test database: not SQLite's in-memory one.
    pytest.mark.postgresql_only,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)"),
]


class Workers:
    """Worker processes on the test database, each on a queue of its own (plus the default
    queue, where the outbox's delivery tasks go)."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self.processes: dict[str, subprocess.Popen] = {}
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "false",
            "SECRET_KEY": "worker-test-secret-key-" + "w" * 40,
            "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
            "EMAIL_URL": f"filemail:///{mail_dir}",
            "LOG_LEVEL": "WARNING",
        }

    def start(self, queue: str) -> str:
        self.processes[queue] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--queues",
                f"{queue},celery",
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with allow_join_result():
            assert ping.apply_async(queue=queue).get(timeout=90) == "pong"
        return queue

    def kill(self, queue: str) -> None:
        process = self.processes.pop(queue)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(tmp_path, monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    pool = Workers(tmp_path / "mail")
    yield pool
    pool.stop()


@pytest.fixture
def due_signups(db) -> list[SignUp]:
    """40 confirmed sign-ups on shifts in two hours: all due for their reminder."""
    organisation = OrganisationFactory()
    task = TaskFactory(organisation=organisation, volunteers_needed=PER_SHIFT)
    signups = []
    for number in range(SHIFTS):
        starts = timezone.now() + timedelta(hours=2, minutes=number)
        shift = ShiftFactory(
            task=task,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            original_date=timezone.localdate() + timedelta(days=number),
            places=PER_SHIFT,
        )
        for _ in range(PER_SHIFT):
            volunteer = UserFactory(language="en")
            signups.append(SignUpFactory(shift=shift, volunteer=volunteer))
    return signups


def sent_mail(mail_dir: Path) -> Counter:
    """(recipient, shift id) of every reminder the worker sent, counted."""
    sent: Counter = Counter()
    if not mail_dir.exists():
        return sent
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.strip())
            text = next(
                part.get_payload(decode=True).decode()
                for part in message.walk()
                if part.get_content_type() == "text/plain"
            )
            shift = re.search(r"/diensten/(\d+)/", text)
            sent[(message["To"], int(shift.group(1)) if shift else None)] += 1
    return sent


def wait_for(condition, timeout: float = 120, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def reminded() -> int:
    return SignUp.objects.filter(reminder_sent_at__isnull=False).count()


def deliver_lost_messages() -> None:
    """What the periodic deliver-pending-messages does for a delivery task that was lost
    with a worker: send it again, through the broker (as if five minutes had passed)."""
    for message_id in outbox.pending_ids(now=timezone.now() + timedelta(minutes=10)):
        app.send_task("network.tasks.deliver_message", args=[message_id])


def assert_exactly_once(signups: list[SignUp], mail_dir: Path) -> None:
    expected = {(signup.volunteer.email, signup.shift_id) for signup in signups}

    def all_sent():
        if not OutboxMessage.objects.filter(handled_at__isnull=True).exists():
            return sent_mail(mail_dir) if set(sent_mail(mail_dir)) >= expected else None
        return None

    try:
        sent = wait_for(all_sent, timeout=60)
    except AssertionError:
        deliver_lost_messages()
        sent = wait_for(all_sent, timeout=120)
    assert reminded() == len(signups)
    per_signup = Counter(
        OutboxMessage.objects.filter(kind="volunteers.shift_reminder").values_list(
            "object_id", flat=True
        )
    )
    assert per_signup == Counter({signup.pk: 1 for signup in signups})  # queued once each
    duplicates = {key: count for key, count in sent.items() if count > 1}
    lost = expected - set(sent)
    assert not duplicates, duplicates
    assert not lost, lost
    assert set(sent) == expected


def test_a_retried_job_reminds_everyone_exactly_once(workers, due_signups):
    """The worker's database connection dies with a batch open: the task fails, Celery
    retries it (autoretry), the retry takes what was not committed."""
    queue = workers.start(f"reminders-{uuid.uuid4().hex[:8]}")
    result = tasks.send_shift_reminders.apply_async(
        kwargs={"batch_size": 4, "pause": 0.5}, queue=queue
    )
    wait_for(lambda: reminded() >= 8)

    def open_batch():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
            )
            return [row[0] for row in cursor.fetchall()]

    pids = wait_for(open_batch)
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    with allow_join_result():
        result.get(timeout=120)
    assert_exactly_once(due_signups, workers.mail_dir)
    run = JobRun.objects.get(name="send-shift-reminders")
    assert run.runs >= 2  # the failed run and its retry
    assert run.last_succeeded is True


def test_two_runs_at_once_remind_everyone_exactly_once(workers, due_signups):
    first = workers.start(f"reminders-a-{uuid.uuid4().hex[:8]}")
    second = workers.start(f"reminders-b-{uuid.uuid4().hex[:8]}")
    options = {"kwargs": {"batch_size": 3, "pause": 0.3}}
    runs = [
        tasks.send_shift_reminders.apply_async(queue=first, **options),
        tasks.send_shift_reminders.apply_async(queue=second, **options),
    ]
    with allow_join_result():
        counts = [run.get(timeout=120) for run in runs]
    # Both really ran at the same time and shared the work; nobody twice.
    assert sum(counts) == len(due_signups)
    assert all(count > 0 for count in counts), counts
    assert_exactly_once(due_signups, workers.mail_dir)


def test_a_worker_killed_half_way_and_started_again_loses_nobody(workers, due_signups):
    queue = workers.start(f"reminders-{uuid.uuid4().hex[:8]}")
    tasks.send_shift_reminders.apply_async(kwargs={"batch_size": 4, "pause": 0.5}, queue=queue)
    wait_for(lambda: reminded() >= 8)
    workers.kill(queue)  # SIGKILL, with a batch open
    done = reminded()
    # Committed batches hold their outbox rows; the open batch left nothing behind.
    assert 0 < done < len(due_signups)
    assert done % 4 == 0
    assert OutboxMessage.objects.filter(kind="volunteers.shift_reminder").count() == done

    # The worker comes back; the next scheduled run takes the rest.
    workers.start(queue)
    with allow_join_result():
        rest = tasks.send_shift_reminders.apply_async(queue=queue).get(timeout=120)
    assert rest == len(due_signups) - done
    assert_exactly_once(due_signups, workers.mail_dir)
