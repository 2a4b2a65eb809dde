"""Print: an A4 week or month overview of the agenda, and a poster per activity, as PDF.

For the windows and notice boards of the participating organisations, and for residents
who prefer paper. The overviews take every agenda filter (activities.filters), so the
same URL with /afdrukken/ in front prints exactly what the agenda shows. HTML templates
are turned into PDF by WeasyPrint, which only ever reads our own static and media files
from disk: a PDF never makes the server fetch anything from the network.
"""

from __future__ import annotations

import base64
import mimetypes
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils._os import safe_join
from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import recurrence
from .accessibility import accessibility_facts
from .filters import OccurrenceFilter
from .models import Activity, Frequency, Occurrence, Theme
from .periods import Period

#: An overview stops after this many dates; beyond that a filter makes a better print.
MAX_PRINTED_DATES = 250
#: Dates listed on a poster.
POSTER_DATES = 4
#: `?groot=1` on a week or month overview: one column in large type, for who reads badly.
LARGE_PRINT_PARAM = "groot"


# Rendering -----------------------------------------------------------------------------


class LocalFilesFetcher(URLFetcher):
    """Serves WeasyPrint our own static and media files straight from disk, and data: URIs.

    Anything else (another host, file://, a path outside static and media) is refused,
    so a URL in an activity's text can never make the server fetch from the network or
    read files it should not.
    """

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = local_file(url)
        if path is None:
            raise ValueError(f"Only our own static and media files are used in print: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def _site() -> tuple[str, str]:
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme, parts.netloc


def local_file(url: str) -> Path | None:
    """The file on disk behind a URL of our own static or media files; None for anything else."""
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != _site():
        return None
    path = unquote(parts.path)
    candidates: list[str | None] = []
    try:
        if path.startswith(settings.STATIC_URL):
            name = path.removeprefix(settings.STATIC_URL)
            # Collected (and possibly hashed) files first, then the app's own static dirs.
            if settings.STATIC_ROOT:
                candidates.append(safe_join(settings.STATIC_ROOT, name))
            found = finders.find(name)
            candidates.append(found if isinstance(found, str) else None)
        elif settings.MEDIA_URL and path.startswith(settings.MEDIA_URL):
            candidates.append(safe_join(settings.MEDIA_ROOT, path.removeprefix(settings.MEDIA_URL)))
    except SuspiciousFileOperation:
        return None
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def render_document(html: str) -> Document:
    """Our HTML laid out on pages; relative URLs resolve against the site and come from disk."""
    return HTML(
        string=html, base_url=settings.SITE_URL + "/", url_fetcher=LocalFilesFetcher()
    ).render()


def render_pdf(html: str) -> bytes:
    return render_document(html).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def qr_data_uri(url: str) -> str:
    """A QR code for the URL as an SVG data URI: sharp at any print size."""
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def print_context() -> dict:
    """What the print base template needs (site, printed on), for other apps' prints."""
    return _common_context()


def _common_context() -> dict:
    return {
        "site_url": settings.SITE_URL,
        "site_host": urlsplit(settings.SITE_URL).netloc or settings.SITE_URL,
        "printed_on": timezone.localdate(),
    }


# Week and month overviews -------------------------------------------------------------


def _filter_heading(filterset: OccurrenceFilter) -> tuple[str, list[str]]:
    """Whose agenda this is (network or organisation) and the other filters, in words."""
    data = getattr(filterset.form, "cleaned_data", {}) or {}
    heading = ""
    if data.get("organisation"):
        heading = data["organisation"].name
    elif data.get("network"):
        heading = data["network"].name
    details = []
    if data.get("area"):
        details.append(str(data["area"].name))
    if data.get("place"):
        details.append(str(data["place"].name))
    themes = dict(Theme.choices)
    details.extend(str(themes[value]) for value in data.get("theme") or [] if value in themes)
    if data.get("q"):
        details.append(f"“{data['q']}”")
    if data.get("activity"):
        details.append(data["activity"].title)
    return heading, details


def is_large_print(request: HttpRequest) -> bool:
    return request.GET.get(LARGE_PRINT_PARAM, "") in ("1", "on", "ja", "true")


def agenda_html(request: HttpRequest, period: Period) -> str:
    """The overview as HTML, before WeasyPrint: dates of the period grouped by day."""
    filterset = OccurrenceFilter(
        request.GET, queryset=Occurrence.objects.for_listing().between(period.first, period.last)
    )
    occurrences = list(
        filterset.qs.order_by("starts_at", "activity__title")[: MAX_PRINTED_DATES + 1]
    )
    truncated = len(occurrences) > MAX_PRINTED_DATES
    days: list[tuple[date, list[Occurrence]]] = []
    for occurrence in occurrences[:MAX_PRINTED_DATES]:
        day = timezone.localdate(occurrence.starts_at)
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(occurrence)
    heading, details = _filter_heading(filterset)
    return render_to_string(
        "activities/print/agenda.html",
        {
            **_common_context(),
            "large": is_large_print(request),
            "period": period,
            "heading": heading,
            "filter_details": details,
            "days": days,
            "truncated": truncated,
        },
        request=request,
    )


# Poster --------------------------------------------------------------------------------


def activity_url(activity: Activity) -> str:
    """The activity's page as a full address: what the QR code and the poster point to."""
    return settings.SITE_URL + activity.get_absolute_url()


def _image_url(activity: Activity) -> str | None:
    """The image, when its file is really there (a missing file would break the print)."""
    if not activity.image:
        return None
    try:
        exists = activity.image.storage.exists(activity.image.name)
    except (SuspiciousFileOperation, OSError):
        return None
    return activity.image.url if exists else None


def poster_context(activity: Activity) -> dict:
    """What the poster shows: title, schedule in words, next dates, place, cost, QR code."""
    dates = list(
        Occurrence.objects.filter(activity=activity, is_cancelled=False)
        .upcoming()
        .select_related("place", "room")
        .order_by("starts_at")[:POSTER_DATES]
    )
    url = activity_url(activity)
    schedule = (
        ""
        if activity.frequency == Frequency.ONCE
        else recurrence.describe(recurrence.Schedule.of(activity))
    )
    return {
        **_common_context(),
        "activity": activity,
        "organisers": [activity.organisation, *activity.co_organisers.all()],
        "good_to_know": [fact.label for fact in accessibility_facts(activity, activity.place)],
        "schedule": schedule,
        "dates": dates,
        "image_url": _image_url(activity),
        "activity_url": url,
        "activity_url_text": url.split("://", 1)[-1],
        # Beside the QR code, for who has no smartphone: the activity's number, else the
        # organiser's.
        "phone": activity.contact_phone or activity.organisation.phone,
        "qr": qr_data_uri(url),
    }


def poster_html(
    request: HttpRequest, context: dict, *, compact: bool = False, shorter: bool = False
) -> str:
    """The poster as HTML. Shorter: the same large type with fewer dates and a shorter
    description; compact: smaller type, no description, fewer dates."""
    # With a photo there is room for one date less and a shorter description.
    dates = POSTER_DATES - 1 if context["image_url"] else POSTER_DATES
    words = 25 if context["image_url"] else 45
    if shorter or compact:
        dates, words = 2, words // 2
    return render_to_string(
        "activities/print/poster.html",
        {
            **context,
            "compact": compact,
            "shorter": shorter,
            "date_count": f":{dates}",
            "description_words": words,
        },
        request=request,
    )


def poster_pdf(request: HttpRequest, activity: Activity) -> bytes:
    """One A4 sheet for the window: laid out again when it does not fit, first with less
    text in the same large type, then compact."""
    context = poster_context(activity)
    for layout in ({}, {"shorter": True}, {"compact": True}):
        document = render_document(poster_html(request, context, **layout))
        if len(document.pages) == 1:
            break
    return document.write_pdf()
