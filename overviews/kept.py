"""Overviews kept between requests: at region scale an overview counts over hundreds of
thousands of attendance rows (2.5 s for a network, 4-6 s for a municipality on the region
data set), so a counted overview is kept for `KEEP_SECONDS` and the page says when it was
counted. The nightly job `refresh-overviews` counts the default period (this year so far
against last year) of every municipality and network again, in every language, so the
first visit of the day finds it ready. The CSV downloads read the same kept overview, so a
download always holds the figures the page showed."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone, translation

from network.models import Municipality

from .figures import Overview, Scope, build_overview
from .periods import Period, chosen_period

KEEP_SECONDS = 6 * 60 * 60
#: Raised when what an overview holds changes shape, so no old pickles are read.
VERSION = 1


def _key(scope: Scope, period: Period) -> str:
    parts = [
        "overviews",
        str(VERSION),
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
    key = _key(scope, period)
    overview = cache.get(key)
    if overview is None:
        overview = build_overview(scope, period)
        cache.set(key, overview, KEEP_SECONDS)
    return overview


def refresh_overviews() -> dict[str, int]:
    """Count the default period of every municipality and network again, in every
    language (the nightly job)."""
    period, _form = chosen_period(QueryDict())
    counted = 0
    for municipality in Municipality.objects.prefetch_related("networks"):
        scopes = [Scope.of(municipality)] + [
            Scope.of(municipality, network=network) for network in municipality.networks.all()
        ]
        for scope in scopes:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    cache.set(_key(scope, period), build_overview(scope, period), KEEP_SECONDS)
                    counted += 1
    return {"overviews": counted}
