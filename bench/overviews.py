#!/usr/bin/env python
"""Counting an overview anew at `region` scale (overviews/figures.py `build_overview`):
what the first visit of the day would wait for without the nightly `refresh-overviews`,
per municipality and for its busiest network, with the number of queries and the slowest.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/omzien_bench
    DEBUG=true .venv/bin/python bench/overviews.py [--municipalities 3] [--runs 3]
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

    translation.activate("nl")
    period, _form = chosen_period(QueryDict())
    municipalities = Municipality.objects.annotate(n=Count("networks")).order_by("-n", "pk")
    for municipality in municipalities[: options.municipalities]:
        network = (
            municipality.networks.annotate(n=Count("home_activities")).order_by("-n", "pk").first()
        )
        for name, scope in (
            (municipality.name, Scope.of(municipality)),
            (f"  {network.name}", Scope.of(municipality, network=network)),
        ):
            samples, slowest, count = [], 0.0, 0
            for _ in range(options.runs):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    build_overview(scope, period)
                    samples.append(time.perf_counter() - start)
                count = len(queries.captured_queries)
                slowest = max(float(q["time"]) for q in queries.captured_queries)
            print(
                f"{name:40} {statistics.median(samples) * 1000:7.0f} ms "
                f"({count} queries, slowest {slowest * 1000:.0f} ms)"
            )


if __name__ == "__main__":
    main()
