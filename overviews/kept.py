"""Overviews kept between requests. An overview is counted from the summary tables
(overviews/summary.py), which a refresh renews every 15 minutes; a counted overview is kept
under the summaries' version, so the first request after a refresh counts it again from
the new summaries and every later one (and the CSV of each table, which therefore holds
the figures the page showed) reads it from the cache. The nightly job `refresh-overviews`
rebuilds the summaries whole and counts the default period (this year so far against last
year) of every municipality and network, in every language, ahead; the refresh every 15
minutes (`refresh-overview-summaries`) counts every municipality's ahead."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone, translation

from network.models import Municipality

from . import summary
from .figures import Overview, Scope, build_overview
from .models import SummaryState
from .periods import Period, chosen_period

#: Raised when what an overview holds changes shape, so no old pickles are read.
VERSION = 2


def _key(scope: Scope, period: Period, current: SummaryState | None) -> str:
    parts = [
        "overviews",
        str(VERSION),
        str(current.version if current else 0),
        translation.get_language() or settings.LANGUAGE_CODE,
        str(scope.municipality.pk),
        str(scope.network.pk if scope.network else ""),
        str(scope.organisation.pk if scope.organisation else ""),
        period.query,
        timezone.localdate().isoformat(),
    ]
    return ":".join(parts)


def overview_for(scope: Scope, period: Period) -> Overview:
    """The overview as kept, counted now when it is not."""
    current = summary.state()
    key = _key(scope, period, current)
    overview = cache.get(key)
    if overview is None:
        overview = build_overview(scope, period, state=current)
        cache.set(key, overview, settings.OVERVIEWS_KEEP_SECONDS)
    return overview


def refresh_overviews() -> dict[str, int]:
    """Rebuild the summaries whole, then count the default period of every municipality
    and network from them, in every language (the nightly job)."""
    summary.refresh(full=True)
    return {"overviews": count_ahead(networks=True)}


def refresh_recent() -> dict[str, object]:
    """Count the recent months of the summaries again, then every municipality's default
    overview from them (a network's counts in 0.1 s when asked; a municipality's in
    0.2-0.4 s), so the first visit after a refresh finds it ready (every 15 minutes)."""
    result = summary.refresh()
    return {**result, "overviews": count_ahead(networks=False)}


def count_ahead(*, networks: bool) -> int:
    """Count and keep the default period (this year so far against last) of every
    municipality, and with `networks` of every network too, in every language."""
    current = summary.state()
    period, _form = chosen_period(QueryDict())
    counted = 0
    for municipality in Municipality.objects.prefetch_related("networks"):
        scopes = [Scope.of(municipality)]
        if networks:
            scopes += [
                Scope.of(municipality, network=network) for network in municipality.networks.all()
            ]
        for scope in scopes:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    cache.set(
                        _key(scope, period, current),
                        build_overview(scope, period, state=current),
                        settings.OVERVIEWS_KEEP_SECONDS,
                    )
                    counted += 1
    return counted
