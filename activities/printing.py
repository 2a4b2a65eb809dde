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
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils._os import safe_join
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import permissions, recurrence
from .filters import OccurrenceFilter
from .models import Activity, Frequency, Occurrence, Theme

#: An overview stops after this many dates; beyond that a filter makes a better print.
MAX_PRINTED_DATES = 250
#: Dates listed on a poster.
POSTER_DATES = 4
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEARS = range(1900, 3000)


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


def _common_context() -> dict:
    return {
        "site_url": settings.SITE_URL,
        "site_host": urlsplit(settings.SITE_URL).netloc or settings.SITE_URL,
        "printed_on": timezone.localdate(),
    }


# Week and month overviews -------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    title: str
    filename: str


def _year_ok(year: int) -> bool:
    return year in _YEARS


def week_period(params, today: date | None = None) -> Period:
    """The week asked for (week=2026-W48, or seven days from start=2026-11-23).

    Anything unreadable gives the current week: a print link never ends in an error.
    """
    today = today or timezone.localdate()
    start = None
    match = _WEEK.match(params.get("week", "").strip())
    if match and _year_ok(int(match[1])):
        try:
            start = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            start = None
    if start is None and params.get("start"):
        try:
            start = date.fromisoformat(params["start"].strip())
        except ValueError:
            start = None
        if start is not None and not _year_ok(start.year):
            start = None
    if start is None:
        start = today - timedelta(days=today.weekday())
    end = start + timedelta(days=6)
    number = start.isocalendar().week
    title = _("Week %(number)d: %(start)s to %(end)s") % {
        "number": number,
        "start": date_format(start, "j F"),
        "end": date_format(end, "j F Y"),
    }
    return Period(start, end, title, f"agenda-week-{number}.pdf")


def month_period(params, today: date | None = None) -> Period:
    """The month asked for (month=2026-11); anything unreadable gives the current month."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    match = _MONTH.match(params.get("month", "").strip())
    if match and _year_ok(int(match[1])) and 1 <= int(match[2]) <= 12:
        start = date(int(match[1]), int(match[2]), 1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    title = date_format(start, "F Y").capitalize()
    return Period(start, end, title, f"agenda-{start:%Y-%m}.pdf")


def _print_queryset():
    return (
        Occurrence.objects.public()
        .select_related(
            "activity__organisation",
            "activity__place",
            "activity__room",
            "place",
            "room",
        )
        .prefetch_related("activity__co_organisers")
    )


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
    return heading, details


def agenda_html(request: HttpRequest, period: Period) -> str:
    """The overview as HTML, before WeasyPrint: dates of the period grouped by day."""
    filterset = OccurrenceFilter(
        request.GET, queryset=_print_queryset().between(period.start, period.end)
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
            "period": period,
            "heading": heading,
            "filter_details": details,
            "days": days,
            "truncated": truncated,
        },
        request=request,
    )


@require_GET
def week_pdf(request: HttpRequest) -> HttpResponse:
    period = week_period(request.GET)
    return pdf_response(render_pdf(agenda_html(request, period)), period.filename)


@require_GET
def month_pdf(request: HttpRequest) -> HttpResponse:
    period = month_period(request.GET)
    return pdf_response(render_pdf(agenda_html(request, period)), period.filename)


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


def _good_to_know(activity: Activity) -> list[str]:
    facts = [
        (activity.wheelchair_accessible, _("Wheelchair accessible")),
        (activity.hearing_loop, _("Hearing loop")),
        (activity.sign_language, _("Sign language")),
        (activity.low_stimulus, _("Low-stimulus")),
        (activity.transport_available, _("Transport can be arranged")),
    ]
    return [text for present, text in facts if present]


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
        "good_to_know": _good_to_know(activity),
        "schedule": schedule,
        "dates": dates,
        "image_url": _image_url(activity),
        "activity_url": url,
        "activity_url_text": url.split("://", 1)[-1],
        "qr": qr_data_uri(url),
    }


def poster_html(request: HttpRequest, context: dict, *, compact: bool = False) -> str:
    """The poster as HTML. Compact: smaller type, no description, fewer dates."""
    # With a photo there is room for one date less.
    dates = POSTER_DATES - 1 if context["image_url"] else POSTER_DATES
    if compact:
        dates = 2
    return render_to_string(
        "activities/print/poster.html",
        {**context, "compact": compact, "date_count": f":{dates}"},
        request=request,
    )


@require_GET
def poster_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.select_related("organisation", "place", "room").prefetch_related(
            "co_organisers"
        ),
        slug=slug,
    )
    if not permissions.can_view_activity(request.user, activity):
        raise Http404
    context = poster_context(activity)
    document = render_document(poster_html(request, context))
    if len(document.pages) > 1:
        # More than fits on one sheet for the window: lay it out again, compact.
        document = render_document(poster_html(request, context, compact=True))
    return pdf_response(document.write_pdf(), f"poster-{activity.slug}.pdf")
