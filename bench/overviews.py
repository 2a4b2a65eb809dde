#!/usr/bin/env python
"""Counting an overview anew at `region` scale (overviews/figures.py `build_overview`),
per municipality and for its busiest network, with the number of queries and the slowest:
from the summary tables (what the first request after a refresh waits for) and, with
`--live`, counted from the big tables as before the summaries. First the summaries'
refresh: a full rebuild (nightly) and an incremental one (recent months, every 15 minutes).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/omzien_bench
    DEBUG=true .venv/bin/python bench/overviews.py [--municipalities 3] [--runs 3] [--live]

The refresh writes the summary tables (never anything else): run it on a copy of the
bench database where others measure at the same time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--live", action="store_true", help="also count from the big tables")
    parser.add_argument("--no-refresh", action="store_true", help="use the summaries as they are")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from network.models import Municipality
    from overviews.figures import Scope, build_overview
    from overviews.periods import chosen_period
    from overviews.summary import SUMMARIES, refresh

    if not options.no_refresh:
        for full in (True, False):
            start = time.perf_counter()
            result = refresh(full=full)
            seconds = time.perf_counter() - start
            rows = sum(model.objects.count() for model in SUMMARIES)
            print(
                f"{'full' if full else 'incremental'} refresh of the summaries: {seconds:.1f} s "
                f"({result['rows']} rows written, {rows} in the summaries)"
            )
    translation.activate("nl")
    period, _form = chosen_period(QueryDict())
    municipalities = Municipality.objects.annotate(n=Count("networks")).order_by("-n", "pk")
    for municipality in municipalities[: options.municipalities]:
        network = (
            municipality.networks.annotate(n=Count("home_activities")).order_by("-n", "pk").first()
        )
        wanted = [
            (municipality.name, Scope.of(municipality), False),
            (f"  {network.name}", Scope.of(municipality, network=network), False),
        ]
        if options.live:
            wanted += [(f"{name} (live)", scope, True) for name, scope, _live in wanted]
        for name, scope, live in wanted:
            samples, slowest, count = [], 0.0, 0
            for _ in range(options.runs):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    build_overview(scope, period, live=live)
                    samples.append(time.perf_counter() - start)
                count = len(queries.captured_queries)
                slowest = max(float(q["time"]) for q in queries.captured_queries)
            print(
                f"{name:40} {statistics.median(samples) * 1000:7.0f} ms "
                f"({count} queries, slowest {slowest * 1000:.0f} ms)"
            )


if __name__ == "__main__":
    main()
