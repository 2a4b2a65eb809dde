#!/usr/bin/env python
""" "Not seen lately" at region scale: the nightly job against one plain scan of the
attendance table, interleaved in the same run, with the ratio, the absolute seconds and
the peak memory of the job.

The floor is the cheapest thing that reads every attendance row once
(`SELECT count(*), sum(participant_id) FROM attendance_attendance`); the goal is a job
within 3x that floor and under 30 s. Each job run starts from the same state: the
signals the job itself raised and resolved are removed first and the signals table is
vacuumed (outside the timing; as autovacuum would, which is off on the shared test
server, so every run left another 2,300 dead rows for the next to wade through), so every
run does the full work of a first night; the second run of the same night is timed apart
(it must raise nothing).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/omzien_sig   # region seeded
    .venv/bin/python bench/signals.py --runs 5

Results go to bench/results/signals-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-" + "s" * 40,
    "LOG_LEVEL": "WARNING",
}
SCAN_SQL = "SELECT count(*), sum(participant_id) FROM attendance_attendance"


def setup_django() -> None:
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to a PostgreSQL database with the region seeded.")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def scan() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SCAN_SQL)
        cursor.fetchall()
    return time.perf_counter() - started


def reset() -> None:
    """No signals, and no dead rows of earlier runs' signals either."""
    from django.db import connection

    from attendance.models import Signal

    Signal.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {connection.ops.quote_name(Signal._meta.db_table)}")


def job(*, trace: bool) -> tuple[float, dict, int]:
    from attendance import signals

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = signals.run_signals()
    elapsed = time.perf_counter() - started
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, result, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    setup_django()
    from django.db import connection

    from attendance.models import Attendance, Participant

    rows = Attendance.objects.count()
    people = Participant.objects.count()
    started_at = timezone_now()
    reset()
    scan()  # warm the cache the same way for both
    job(trace=False)
    scans, jobs, seconds, results = [], [], [], []
    for _ in range(options.runs):
        reset()
        scans.append(scan())
        elapsed, result, _peak = job(trace=False)
        jobs.append(elapsed)
        results.append(result)
    again, second, _ = job(trace=False)
    reset()
    traced, _result, peak = job(trace=True)
    for s, j in zip(scans, jobs, strict=True):
        seconds.append(j / s)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report = {
        "started": started_at,
        "database": connection.settings_dict["NAME"],
        "attendance_rows": rows,
        "participants": people,
        "runs": options.runs,
        "scan_s": [round(s, 3) for s in scans],
        "job_s": [round(j, 3) for j in jobs],
        "ratio_median": round(statistics.median(seconds), 2),
        "ratio_max": round(max(seconds), 2),
        "job_median_s": round(statistics.median(jobs), 3),
        "scan_median_s": round(statistics.median(scans), 3),
        "first_night": results[-1],
        "second_run_same_night": second,
        "second_run_s": round(again, 3),
        "traced_run_s": round(traced, 3),
        "peak_python_memory_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(rss / 2**20, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"signals-{started_at.replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"attendance rows {rows:,}, participants {people:,}")
    print(f"plain scan  median {report['scan_median_s']:.3f} s  {report['scan_s']}")
    print(f"signal job  median {report['job_median_s']:.3f} s  {report['job_s']}")
    print(f"ratio job / scan: median {report['ratio_median']}x, worst {report['ratio_max']}x")
    print(f"first night {report['first_night']}; again the same night {second} in {again:.2f} s")
    peak_mb, rss_mb = report["peak_python_memory_mb"], report["max_rss_mb"]
    print(f"peak Python memory {peak_mb} MB; max RSS {rss_mb} MB")
    print(f"written to {path.relative_to(ROOT)}")


def timezone_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    main()
