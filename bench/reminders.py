#!/usr/bin/env python
"""10,000 shift reminders through a real Celery worker on Redis: wall time, e-mails sent,
duplicates (must be 0) and lost (must be 0).

It creates 10,000 confirmed sign-ups whose shifts start within the reminder time (in bulk,
under an organisation of its own, `bench-reminders`, removed again afterwards), starts a
worker (`celery -A config worker`, prefork, `--concurrency` processes) on the same database
and broker, sends the periodic job `send-shift-reminders` to it once, and waits until every
reminder went through the outbox. The worker writes its e-mails to files (Django's file
backend), which are read back and counted per volunteer and shift.

Run it on PostgreSQL and a Redis database nobody else's worker listens on:

    createdb -h 127.0.0.1 -U postgres omzien_bench_reminders
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/omzien_bench_reminders
    export REDIS_URL=redis://127.0.0.1:6379/8
    DEBUG=true .venv/bin/python manage.py migrate
    .venv/bin/python bench/reminders.py

Options: `--signups` (10000), `--concurrency` worker processes (2), `--batch` rows per
transaction (the job's default), `--keep` leaves the rows and the e-mail files.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SLUG = "bench-reminders"
EMAIL_DOMAIN = "bench-reminders.invalid"
PER_SHIFT = 4
SHIFTS_PER_TASK = 5
SEPARATOR = "-" * 79
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-" + "b" * 40,
    "LOG_LEVEL": "WARNING",
}


def setup_django() -> None:
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    if not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: see bench/README.md.")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def remove_bench_rows() -> None:
    from network.models import Organisation, User

    User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).delete()  # sign-ups, outbox
    Organisation.objects.filter(slug=SLUG).delete()  # tasks, shifts


def create_signups(total: int) -> int:
    """Bulk: the organisation, `total` volunteers, their tasks and shifts (all starting in
    the next few hours) and one confirmed sign-up each. Returns the number of sign-ups."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from network.models import Municipality, Organisation, User
    from volunteers.models import Shift, SignUp, SignUpStatus, Task

    now = timezone.now()
    shifts_needed = -(-total // PER_SHIFT)
    tasks_needed = -(-shifts_needed // SHIFTS_PER_TASK)
    with transaction.atomic():
        municipality, _ = Municipality.objects.get_or_create(
            slug="bench-gemeente", defaults={"name": "Benchgemeente"}
        )
        organisation = Organisation.objects.create(
            name="Bench herinneringen", slug=SLUG, municipality=municipality
        )
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"v{number}@{EMAIL_DOMAIN}",
                    password=password,
                    language="nl" if number % 2 else "en",
                )
                for number in range(total)
            ],
            batch_size=2000,
        )
        tasks = Task.objects.bulk_create(
            [
                Task(
                    organisation=organisation,
                    title=f"Koffie schenken {number}",
                    volunteers_needed=PER_SHIFT,
                    start_date=date.today(),
                )
                for number in range(tasks_needed)
            ],
            batch_size=2000,
        )
        shifts = []
        for number in range(shifts_needed):
            starts = now + timedelta(hours=1, seconds=7 * number)
            shifts.append(
                Shift(
                    task=tasks[number // SHIFTS_PER_TASK],
                    original_date=date.today() + timedelta(days=number % SHIFTS_PER_TASK),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    places=PER_SHIFT,
                    confirmed_count=0,
                )
            )
        shifts = Shift.objects.bulk_create(shifts, batch_size=2000)
        signups = [
            SignUp(shift=shifts[number // PER_SHIFT], volunteer=user, status=SignUpStatus.CONFIRMED)
            for number, user in enumerate(users)
        ]
        SignUp.objects.bulk_create(signups, batch_size=2000)
        counts = Counter(number // PER_SHIFT for number in range(total))
        for index, count in counts.items():
            shifts[index].confirmed_count = count
        Shift.objects.bulk_update(shifts, ["confirmed_count"], batch_size=2000)
    return total


def start_worker(queue: str, mail_dir: Path, concurrency: int) -> subprocess.Popen:
    env = {**os.environ, **ENV, "EMAIL_URL": f"filemail:///{mail_dir}"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
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
        env=env,
    )


def read_mail(mail_dir: Path) -> Counter:
    """(recipient, shift id) of every reminder in the worker's mail files, counted."""
    sent: Counter = Counter()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait at most")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    setup_django()

    from celery.result import allow_join_result
    from django.db import connection
    from django.utils import timezone

    from config.celery import ping
    from network.models import OutboxMessage
    from volunteers import reminders
    from volunteers.models import SignUp
    from volunteers.tasks import send_shift_reminders

    remove_bench_rows()
    others = reminders.due_reminders(timezone.now())
    if others.exists():
        print(f"note: {others.count()} other due reminders in this database are sent too")
    started = time.perf_counter()
    total = create_signups(options.signups)
    created = time.perf_counter() - started
    print(f"created {total} due sign-ups in {created:.1f} s")
    expected = {
        (email_address, shift_id)
        for email_address, shift_id in SignUp.objects.filter(
            volunteer__email__endswith="@" + EMAIL_DOMAIN
        ).values_list("volunteer__email", "shift_id")
    }
    ours = OutboxMessage.objects.filter(
        kind="volunteers.shift_reminder", recipient__email__endswith="@" + EMAIL_DOMAIN
    )

    mail_dir = Path(tempfile.mkdtemp(prefix="omzien-bench-mail-"))
    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, mail_dir, options.concurrency)
    connection.close()  # the worker and this process must not share a socket
    try:
        with allow_join_result():
            ping.apply_async(queue=queue).get(timeout=120)
        kwargs = {"batch_size": options.batch} if options.batch else {}
        started = time.perf_counter()
        result = send_shift_reminders.apply_async(kwargs=kwargs, queue=queue)
        with allow_join_result():
            queued = result.get(timeout=options.timeout)
        job_seconds = time.perf_counter() - started
        deadline = time.monotonic() + options.timeout
        while ours.filter(handled_at__isnull=True).exists() or ours.count() < total:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        wall = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()

    sent = read_mail(mail_dir)
    ours_sent = {key: count for key, count in sent.items() if key in expected}
    figures = {
        "date": date.today().isoformat(),
        "signups": total,
        "worker_processes": options.concurrency,
        "batch_size": options.batch or reminders.BATCH_SIZE,
        "job_seconds": round(job_seconds, 2),
        "wall_seconds": round(wall, 2),
        "reminders_queued": queued,
        "emails_sent": sum(ours_sent.values()),
        "emails_per_second": round(sum(ours_sent.values()) / wall, 1) if wall else None,
        "duplicates": sum(count - 1 for count in ours_sent.values() if count > 1),
        "lost": len(expected - set(ours_sent)),
        "not_sent_by_outbox": ours.filter(sent=False).count(),
    }
    for name, value in figures.items():
        print(f"{name:20} {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"reminders-{date.today().isoformat()}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    if not options.keep:
        remove_bench_rows()
        shutil.rmtree(mail_dir, ignore_errors=True)
    if figures["duplicates"] or figures["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
