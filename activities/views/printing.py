"""Print: the agenda's week and month as A4 PDF, and a poster per activity. The layout and
rendering live in activities.printing; the period comes from activities.periods, read as
the agenda pages read it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .. import permissions, printing
from ..models import Activity
from ..periods import month_period, week_period


@require_GET
def week_pdf(request: HttpRequest) -> HttpResponse:
    period = week_period(request.GET)
    pdf = printing.render_pdf(printing.agenda_html(request, period))
    return printing.pdf_response(pdf, period.filename)


@require_GET
def month_pdf(request: HttpRequest) -> HttpResponse:
    period = month_period(request.GET)
    pdf = printing.render_pdf(printing.agenda_html(request, period))
    return printing.pdf_response(pdf, period.filename)


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
    return printing.pdf_response(
        printing.poster_pdf(request, activity), f"poster-{activity.slug}.pdf"
    )
