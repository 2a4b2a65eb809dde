#!/usr/bin/env python
"""Benchmark of the public agenda at `region` scale: server time and queries per page.

Not a test: it measures a seeded database (see bench/README.md) and reports, per URL, the
median and 95th percentile of the server time in milliseconds and the number of queries,
as a table and as JSON in bench/results/<date>.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omzien_bench \\
        .venv/bin/python bench/agenda.py --runs 50

Why this way: Django's test Client runs the whole stack (middleware, view, templates)
in-process, without a network or a web server in between, so the figures are the
server's own work; the queries are counted in one extra request per URL with
CaptureQueriesContext, so counting never slows the timed requests down.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOME_NETWORK = "beesd-voor-elkaar"
HOME_PLACE = "Buurtcentrum het Klokhuis"


@dataclass
class Result:
    name: str
    url: str
    status: int
    runs: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    queries: int | None = None
    db_ms: float | None = None
    bytes: int | None = None
    note: str = ""
    samples_ms: list[float] = field(default_factory=list)


def setup_django() -> None:
    """Production-like settings: DEBUG off (cached templates, no debug overhead)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "b" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def percentile(samples: list[float], share: float) -> float:
    """The value below which `share` of the samples lie (nearest rank)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def urls() -> list[tuple[str, str]]:
    """The pages residents use most, with a filter combination that hits every join."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from activities.models import Place

    agenda = reverse("activities:agenda")
    place = Place.objects.filter(name=HOME_PLACE).select_related("area").first()
    params = {"theme": "meeting", "free": "on", "q": "koffie"}
    if place and place.area_id:
        params["area"] = place.area_id
    return [
        ("agenda", agenda),
        ("agenda filtered (theme, area, free, search)", f"{agenda}?{urlencode(params)}"),
        ("agenda of one network", f"{agenda}?{urlencode({'network': HOME_NETWORK})}"),
        ("agenda week", reverse("activities:agenda_week")),
        ("agenda month", reverse("activities:agenda_month")),
        ("network ICS feed", reverse("activities:network_ics", args=[HOME_NETWORK])),
        ("agenda ICS feed, filtered", f"{reverse('activities:agenda_ics')}?theme=exercise"),
    ]


def measure(name: str, url: str, runs: int) -> Result:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    response = client.get(url, secure=True)  # warms up templates, connection, caches
    result = Result(name, url, response.status_code)
    if response.status_code == 501:
        result.note = "not yet (placeholder answers 501)"
        return result
    if response.status_code != 200:
        result.note = f"answered {response.status_code}"
        return result
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    result.queries = len(captured.captured_queries)
    result.db_ms = round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    result.bytes = len(body)
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        if response.streaming:
            b"".join(response.streaming_content)
        result.samples_ms.append((time.perf_counter() - started) * 1000)
    result.runs = runs
    result.median_ms = round(statistics.median(result.samples_ms), 1)
    result.p95_ms = round(percentile(result.samples_ms, 0.95), 1)
    result.max_ms = round(max(result.samples_ms), 1)
    result.samples_ms = [round(s, 2) for s in result.samples_ms]
    return result


def data_set() -> dict:
    from django.db import connection
    from django.utils import timezone

    from activities.models import Activity, Occurrence
    from network.models import Network

    now = timezone.now()
    return {
        "database": connection.vendor,
        "networks": Network.objects.count(),
        "activities": Activity.objects.count(),
        "occurrences": Occurrence.objects.count(),
        "upcoming_occurrences": Occurrence.objects.filter(starts_at__gte=now).count(),
    }


def table(results: list[Result]) -> str:
    header = ("page", "status", "median ms", "p95 ms", "queries", "db ms", "KB", "note")
    rows = [
        (
            r.name,
            str(r.status),
            f"{r.median_ms:.1f}" if r.median_ms is not None else "-",
            f"{r.p95_ms:.1f}" if r.p95_ms is not None else "-",
            str(r.queries) if r.queries is not None else "-",
            f"{r.db_ms:.1f}" if r.db_ms is not None else "-",
            f"{r.bytes / 1024:.0f}" if r.bytes is not None else "-",
            r.note,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed requests per URL")
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON file (default bench/results/<date>.json)"
    )
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    setup_django()
    from django.conf import settings
    from django.test.utils import override_settings
    from django.utils import translation

    facts = data_set()
    if not facts["occurrences"]:
        print(
            "The database holds no agenda. Seed the region first (see bench/README.md).",
            file=sys.stderr,
        )
        return 2
    print(
        f"{facts['database']}: {facts['networks']} networks, {facts['activities']} activities, "
        f"{facts['occurrences']} dates ({facts['upcoming_occurrences']} to come); "
        f"{options.runs} runs per page"
    )
    # Static files are served beside Django (whitenoise, a CDN): without collectstatic the
    # manifest storage would fail, and it is no part of the server time measured here.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with translation.override("nl"), override_settings(STORAGES=plain_static):
        results = [measure(name, url, options.runs) for name, url in urls()]
    print(table(results))
    output = options.output or RESULTS / f"{date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "runs": options.runs,
                "data_set": facts,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    print(f"Written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
