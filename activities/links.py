"""Where to take a selection of the agenda home: the addresses of its calendar feed, its
news feeds and the webcal link, and which dates that calendar holds, for the agenda pages,
the embed code and the feeds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from . import ical

#: Query-string parameters that are not agenda filters and never travel along.
NOT_FILTERS = frozenset({"page", "lang", "limit", "theme_style"})
#: A calendar feed that chooses one of these holds everything stored, not six weeks.
SCOPING_FILTERS = ("network", "organisation", "activity")


def feed_language(request: HttpRequest) -> str:
    """`?lang=en` or `?lang=nl` chooses; otherwise the visitor's language (Dutch at first)."""
    requested = request.GET.get("lang", "")
    available = {code for code, _name in settings.LANGUAGES}
    return requested if requested in available else translation.get_language()


def filter_params(query: QueryDict) -> QueryDict:
    """The agenda filters of a query string, without paging and display options."""
    params = query.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    for name in [key for key, values in params.lists() if not any(values)]:
        params.pop(name)
    return params


def _with_query(path: str, params: QueryDict | dict) -> str:
    encoded = params.urlencode() if isinstance(params, QueryDict) else urlencode(params)
    return f"{path}?{encoded}" if encoded else path


def webcal_url(url: str) -> str:
    """The same address with webcal://, which makes calendar programs offer to subscribe."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme) :]
    return url


def calendar_feed_url(params: QueryDict) -> str:
    """The absolute address of the calendar feed for agenda filters.

    One organisation or one network alone gets its own short address (the one to follow);
    any other selection is the agenda feed with the same query string.
    """
    params = filter_params(params)
    keys = set(params.keys())
    for name, url_name in (("organisation", "organisation_ics"), ("network", "network_ics")):
        if keys == {name}:
            try:
                path = reverse(f"activities:{url_name}", args=[params[name]])
            except NoReverseMatch:  # not even a slug: the general address handles it
                break
            return ical.absolute_url(path)
    return ical.absolute_url(_with_query(reverse("activities:agenda_ics"), params))


def news_feed_url(params: QueryDict, *, atom: bool = False) -> str:
    """The absolute address of the news feed (RSS, or Atom) for a network or organisation."""
    scope = {name: params[name] for name in ("network", "organisation") if params.get(name)}
    name = "activities:latest_atom" if atom else "activities:latest_rss"
    return ical.absolute_url(_with_query(reverse(name), scope))


def feed_window(chosen: Mapping, *, complete: bool = False) -> ical.Window:
    """The window of a calendar feed with these filters chosen: everything stored for one
    network, organisation or activity (or when `complete`), else six weeks from the chosen
    start.

    `chosen` holds understood values only: a filter form's cleaned data (the feed), or a
    query string an agenda page already cleaned of what its filters did not understand
    (the "take it home" text), so both say the same.
    """
    complete = complete or any(chosen.get(name) for name in SCOPING_FILTERS)
    start = chosen.get("start")
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            start = None
    return ical.feed_window(complete=complete, from_day=start)
