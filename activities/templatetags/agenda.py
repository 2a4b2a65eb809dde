"""Template helpers for the agenda: JSON-LD output and the next dates of an organisation or
network, shown on pages whose views know nothing about activities."""

from __future__ import annotations

import json
from datetime import date, datetime

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from network.models import Network, Organisation

from ..accessibility import Fact, accessibility_facts
from ..links import feed_window
from ..models import Activity, Occurrence

register = template.Library()

#: The same escapes as Django's json_script: nothing in the data can close the script tag.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def ld_json(value) -> SafeString:
    """`{{ data|ld_json }}`: like json_script, but as schema.org structured data.

    json_script writes `type="application/json"` with an id; search engines and sharing
    previews only read `application/ld+json`, so this filter writes that instead.
    """
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        SafeString(text.translate(_JSON_SCRIPT_ESCAPES)),
    )


@register.filter
def day_label(value: date | datetime | None, inline: str = "") -> str:
    """A day as residents say it, "Donderdag 19 november"; the year only when it is not
    this year. `|day_label:"inline"` keeps the weekday lower case for mid-sentence use."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    text = long_date(value, year=value.year != timezone.localdate().year)
    return text if inline else capfirst(text)


def long_date(value: date, *, year: bool = True) -> str:
    """What date_format(value, "l j F Y") writes ("donderdag 19 november 2026"), from the
    same translated names, without reading the format for every date (a third of a
    search page's time went to it)."""
    text = f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month]}"
    return f"{text} {value.year}" if year else text


@register.filter
def calendar_feed_holds(query: str) -> str:
    """`{{ feed_query|calendar_feed_holds }}`: which dates the calendar feed of an agenda
    selection holds, in words, so nobody is surprised (see links.feed_window)."""
    return feed_window(QueryDict(query)).describe()


@register.filter
def accessibility(item: Occurrence | Activity) -> list[Fact]:
    """`{% for fact in occurrence|accessibility %}`: the facts of a date (at its own place)
    or of an activity (at its usual place); see activities.accessibility."""
    if isinstance(item, Occurrence):
        return accessibility_facts(item.activity, item.effective_place)
    return accessibility_facts(item, item.place)


@register.simple_tag
def upcoming_dates(owner: Organisation | Network, limit: int = 5) -> list[Occurrence]:
    """The next public dates of an organisation (organiser or co-organiser) or of a network's
    organisations, in two queries (its activities, then their dates; each date once), so
    the organisation and network pages stay constant."""
    dates = Occurrence.objects.public().upcoming()
    in_scope = dates.in_network if isinstance(owner, Network) else dates.of_organisation
    return list(
        in_scope(owner)
        .select_related("activity", "activity__place", "place")
        .order_by("starts_at", "activity__title", "pk")[:limit]
    )
