"""The agenda on an organisation's own website: a small page meant for an <iframe>.

The embedded page is plain HTML with one small stylesheet and no scripts, so it is safe to
put on any site and fast on any phone. The host site chooses what it shows with the same
filters as the agenda page (`?organisation=<slug>`, `?network=<slug>`, `?theme=…`) and how
it looks with a few display options (`theme_style`, `lang`, `limit`). Links open Omzien in a
new tab: registering and details happen here, not inside someone else's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from network.models import Network, Organisation

from .. import ical
from ..filters import OccurrenceFilter
from ..forms import DEFAULT_LIMIT, MAX_LIMIT, STYLES, EmbedForm
from ..links import calendar_feed_url, filter_params, news_feed_url, webcal_url
from ..models import Occurrence

#: Seconds a host site's visitors' browsers may reuse the embedded agenda.
CACHE_SECONDS = 5 * 60
STYLE_VALUES = frozenset(value for value, _label in STYLES)
#: Any site may frame the page; everything else it needs comes from Omzien itself.
CONTENT_SECURITY_POLICY = (
    "frame-ancestors *; default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
#: Filters that choose whose agenda it is; an unknown value there is a wrong address.
OWNER_FILTERS = ("organisation", "network")


@dataclass(frozen=True)
class EmbedOptions:
    """How the embedded agenda looks. Wrong values fall back to the defaults: the page on
    someone else's website must always show something sensible."""

    limit: int = DEFAULT_LIMIT
    style: str = "light"
    language: str = settings.LANGUAGE_CODE

    @classmethod
    def from_query(cls, query: QueryDict) -> EmbedOptions:
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = DEFAULT_LIMIT
        limit = min(max(limit, 1), MAX_LIMIT)
        style = query.get("theme_style", "light")
        language = query.get("lang", settings.LANGUAGE_CODE)
        return cls(
            limit=limit,
            style=style if style in STYLE_VALUES else "light",
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        )

    def params(self) -> dict[str, str]:
        """Only the options that differ from the defaults: a short, readable address."""
        params: dict[str, str] = {}
        if self.style != "light":
            params["theme_style"] = self.style
        if self.language != settings.LANGUAGE_CODE:
            params["lang"] = self.language
        if self.limit != DEFAULT_LIMIT:
            params["limit"] = str(self.limit)
        return params


def _title(owner: Organisation | Network | None) -> str:
    if owner is None:
        return _("What is on")
    return _("Agenda of %(name)s") % {"name": owner.name}


def _embed_occurrences(filterset: OccurrenceFilter, limit: int) -> list[Occurrence]:
    """The next `limit` dates, in the agenda's order. Chosen by id first, then read whole:
    with the places and rooms joined in, PostgreSQL planned the few-row query for 20 ms and
    walked every coming date of the region in time order (35 ms at region scale)."""
    chosen = list(
        filterset.qs.order_by("starts_at", "activity__title", "pk").values_list("pk", flat=True)[
            :limit
        ]
    )
    dates = Occurrence.objects.for_listing().in_bulk(chosen)
    return [dates[pk] for pk in chosen if pk in dates]


@xframe_options_exempt
@require_safe
def embed_agenda(request: HttpRequest) -> HttpResponse:
    """The next dates, as a standalone page for an <iframe> on another website."""
    options = EmbedOptions.from_query(request.GET)
    params = filter_params(request.GET)
    with translation.override(options.language):
        filterset = OccurrenceFilter(params, queryset=Occurrence.objects.for_listing().upcoming())
        filterset.is_valid()
        unknown = any(name in filterset.errors for name in OWNER_FILTERS if params.get(name))
        data = filterset.form.cleaned_data
        owner = data.get("organisation") or data.get("network")
        occurrences = [] if unknown else _embed_occurrences(filterset, options.limit)
        response = render(
            request,
            "activities/embed.html",
            {
                "title": _title(owner),
                "occurrences": occurrences,
                "unknown": unknown,
                "style": options.style,
                "site_url": settings.SITE_URL,
                "agenda_url": _agenda_url(params),
                "calendar_url": calendar_feed_url(params),
            },
            status=404 if unknown else 200,
        )
    response["Content-Language"] = options.language
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _agenda_url(params: QueryDict) -> str:
    encoded = params.urlencode()
    return ical.absolute_url(reverse("activities:agenda") + (f"?{encoded}" if encoded else ""))


# The page that explains how -------------------------------------------------------------


def _form_data(query: QueryDict) -> QueryDict:
    """The query with the defaults filled in, so the form shows what the embed will do."""
    data = query.copy()
    for name, default in (
        ("theme_style", "light"),
        ("lang", settings.LANGUAGE_CODE),
        ("limit", str(DEFAULT_LIMIT)),
    ):
        if not data.get(name):
            data[name] = default
    return data


@require_safe
def embed_snippet(request: HttpRequest) -> HttpResponse:
    """How to put the agenda on your own website: the code to copy and a live preview."""
    form = EmbedForm(_form_data(request.GET))
    # The agenda page links here with its filters (theme, place, …): they come along.
    extra = filter_params(request.GET)
    for name in (*OWNER_FILTERS, *EmbedForm.base_fields):
        extra.pop(name, None)
    context: dict = {"form": form, "extra_items": _items(extra)}
    if form.is_valid():
        data = form.cleaned_data
        options = EmbedOptions(
            limit=data["limit"], style=data["theme_style"], language=data["lang"]
        )
        params = extra.copy()
        for name in OWNER_FILTERS:
            if data[name] is not None:
                params[name] = data[name].slug
        query = params.copy()
        query.update(options.params())
        encoded = query.urlencode()
        path = reverse("activities:embed_agenda") + (f"?{encoded}" if encoded else "")
        owner = data["organisation"] or data["network"]
        with translation.override(options.language):
            title = _title(owner)
        calendar = calendar_feed_url(params)
        context.update(
            {
                "owner": owner,
                "embed_url": ical.absolute_url(path),
                "preview_url": path,
                "snippet": format_html(
                    '<iframe src="{}" title="{}" width="100%" height="600" loading="lazy">'
                    "</iframe>",
                    ical.absolute_url(path),
                    title,
                ),
                "calendar_url": calendar,
                "webcal_url": webcal_url(calendar),
                "news_url": news_feed_url(params),
                "reset_url": reverse("activities:embed_snippet")
                + _query(
                    {name: data[name].slug for name in OWNER_FILTERS if data[name] is not None}
                ),
            }
        )
    return render(request, "activities/embed_snippet.html", context)


def _items(params: QueryDict) -> list[tuple[str, str]]:
    return [(name, value) for name, values in params.lists() for value in values]


def _query(params: dict[str, str]) -> str:
    return f"?{urlencode(params)}" if params else ""
