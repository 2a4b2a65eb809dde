"""The overview pages for municipality staff and their CSV downloads: one page per
municipality, network and organisation, every figure suppressed before it is shown."""

from __future__ import annotations

import csv
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from activities import printing
from network.models import Municipality, Network, Organisation
from network.shared import managed_network_or_404

from . import permissions, services, spreadsheets
from .charts import bar_chart
from .figures import Scope, Table
from .forms import PopulationsForm
from .kept import overview_for
from .models import AreaPopulation
from .periods import Period, chosen_period


def _municipality(request: HttpRequest, slug: str) -> Municipality:
    municipality = get_object_or_404(Municipality, slug=slug)
    if not permissions.can_view_municipality_overview(request.user, municipality):
        raise Http404
    return municipality


def _network_scope(request: HttpRequest, municipality: str, slug: str) -> Scope:
    place = _municipality(request, municipality)
    network = get_object_or_404(Network, slug=slug)
    if not permissions.can_view_network_overview(request.user, place, network):
        raise Http404
    return Scope.of(place, network=network)


def _organisation_scope(request: HttpRequest, municipality: str, slug: str) -> Scope:
    place = _municipality(request, municipality)
    organisation = get_object_or_404(Organisation.objects.prefetch_related("networks"), slug=slug)
    if not permissions.can_view_organisation_overview(request.user, place, organisation):
        raise Http404
    return Scope.of(place, organisation=organisation)


def _url(scope: Scope, name: str, *args: str) -> str:
    """The address of one of the scope's pages (`name`: "csv", "xlsx", "pdf", …)."""
    place = scope.municipality.slug
    if scope.network is not None:
        return reverse(f"overviews:network_{name}", args=[place, scope.network.slug, *args])
    if scope.organisation is not None:
        return reverse(
            f"overviews:organisation_{name}", args=[place, scope.organisation.slug, *args]
        )
    return reverse(f"overviews:municipality_{name}", args=[place, *args])


def _page(request: HttpRequest, scope: Scope) -> HttpResponse:
    period, form = chosen_period(request.GET)
    overview = overview_for(scope, period)
    tables = [
        {
            "table": table,
            "chart": bar_chart(table) if table.chart else None,
            "download": f"{_url(scope, 'csv', table.key)}?{period.query}",
            "spreadsheet": f"{_url(scope, 'xlsx', table.key)}?{period.query}",
        }
        for table in [overview.headline, *overview.tables]
    ]
    networks = organisations = ()
    if scope.network is None and scope.organisation is None:
        networks = scope.municipality.networks.order_by("name")
    if scope.organisation is None:
        organisations = overview.organisations
    return render(
        request,
        "overviews/overview.html",
        {
            "overview": overview,
            "scope": scope,
            "form": form,
            "tables": tables,
            "networks": networks,
            "organisations": organisations,
            "print_url": f"{_url(scope, 'pdf')}?{period.query}",
            "workbook_url": f"{_url(scope, 'workbook')}?{period.query}",
        },
    )


def _table(request: HttpRequest, scope: Scope, key: str) -> tuple[Table, Period]:
    """The table of the kept overview that a download asks for, or a 404."""
    period, _form = chosen_period(request.GET)
    table = overview_for(scope, period).table(key)
    if table is None:
        raise Http404
    return table, period


def _xlsx(request: HttpRequest, scope: Scope, *, table: str) -> HttpResponse:
    shown, period = _table(request, scope, table)
    filename = f"{scope.municipality.slug}-{table}-{period.filename}.xlsx"
    return _spreadsheet(spreadsheets.table_workbook(shown, scope.name), filename)


def _workbook(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The whole overview as one workbook: a sheet per table."""
    period, _form = chosen_period(request.GET)
    workbook = spreadsheets.overview_workbook(overview_for(scope, period))
    return _spreadsheet(workbook, f"overzicht-{scope.municipality.slug}-{period.filename}.xlsx")


def _spreadsheet(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=spreadsheets.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


#: A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(text: str) -> str:
    """A name as text, never a formula: whatever an organisation or area is called, a
    spreadsheet opening the CSV shows it (OWASP's advice: a leading apostrophe). Figures
    are written as they are: they are numbers or "<5"/"×"."""
    text = str(text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv(request: HttpRequest, scope: Scope, key: str) -> HttpResponse:
    table, period = _table(request, scope, key)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{scope.municipality.slug}-{key}-{period.filename}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark, so spreadsheet programs read the accents right.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_csv_text(table.title), _csv_text(scope.name)])
    writer.writerow([_csv_text(table.row_heading), *map(_csv_text, table.columns)])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow([_csv_text(row.label), *(str(figure) for figure in row.figures)])
    writer.writerow([])
    writer.writerow([spreadsheets.explanation()])
    return response


#: Key figures a network shows the public: what it did and whom it reached, not how its
#: care work goes (signals stay with the municipality).
PUBLIC_FIGURES = ("dates", "participations", "participants", "volunteers", "filled", "help")
PUBLIC_TABLES = ("deelnames-per-maand", "data-per-thema")


def network_year(request: HttpRequest, slug: str) -> HttpResponse:
    """“What we did together this year”: a network's key figures for everyone, this year so
    far beside last year, hidden where they concern fewer than five people like
    everywhere else."""
    network = get_object_or_404(Network.objects.select_related("municipality"), slug=slug)
    period, _form = chosen_period(QueryDict())
    overview = overview_for(Scope.of(network.municipality, network=network), period)
    headline = overview.headline
    figures = [row for row in headline.rows if row.key in PUBLIC_FIGURES]
    tables = [overview.table(key) for key in PUBLIC_TABLES]
    return render(
        request,
        "overviews/network_year.html",
        {
            "network": network,
            "overview": overview,
            "headline": replace(headline, rows=figures),
            "tables": [{"table": t, "chart": bar_chart(t)} for t in tables if t is not None],
        },
    )


def _pdf(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The overview on A4, for a council meeting or an annual report: every table and
    chart of the page, suppressed the same."""
    period, _form = chosen_period(request.GET)
    overview = overview_for(scope, period)
    tables = [
        {"table": table, "chart": bar_chart(table) if table.chart else None}
        for table in [overview.headline, *overview.tables]
    ]
    html = render_to_string(
        "overviews/print.html",
        {"overview": overview, "scope": scope, "tables": tables, **printing.print_context()},
    )
    filename = f"overzicht-{scope.municipality.slug}-{period.filename}.pdf"
    return printing.pdf_response(printing.render_pdf(html), filename)


@login_required
@require_http_methods(["GET", "POST"])
def populations(request: HttpRequest, slug: str) -> HttpResponse:
    """Residents per village or neighbourhood of the network, per year: for reach per 100
    residents. The network's administrators enter them (also in the Django admin)."""
    network = managed_network_or_404(request, slug)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("jaar", this_year))
    except ValueError:
        year = this_year
    if year not in range(this_year - 9, this_year + 1):
        year = this_year
    areas = list(network.areas.order_by("name"))
    known = dict(
        AreaPopulation.objects.filter(area__in=areas, year=year).values_list(
            "area_id", "population"
        )
    )
    form = PopulationsForm(request.POST or None, areas=areas, known=known)
    if request.method == "POST" and form.is_valid():
        services.set_populations(year=year, populations=form.populations())
        messages.success(
            request, _("The numbers of residents of %(year)d are saved.") % {"year": year}
        )
        return redirect(f"{reverse('overviews:populations', args=[network.slug])}?jaar={year}")
    return render(
        request,
        "overviews/populations.html",
        {
            "network": network,
            "form": form,
            "year": year,
            "years": range(this_year, this_year - 10, -1),
        },
    )


@login_required
def municipality_pdf(request: HttpRequest, municipality: str) -> HttpResponse:
    return _pdf(request, Scope.of(_municipality(request, municipality)))


@login_required
def network_pdf(request: HttpRequest, municipality: str, slug: str) -> HttpResponse:
    return _pdf(request, _network_scope(request, municipality, slug))


@login_required
def organisation_pdf(request: HttpRequest, municipality: str, slug: str) -> HttpResponse:
    return _pdf(request, _organisation_scope(request, municipality, slug))


@login_required
def municipality(request: HttpRequest, municipality: str) -> HttpResponse:
    return _page(request, Scope.of(_municipality(request, municipality)))


@login_required
def municipality_csv(request: HttpRequest, municipality: str, table: str) -> HttpResponse:
    return _csv(request, Scope.of(_municipality(request, municipality)), table)


@login_required
def network(request: HttpRequest, municipality: str, slug: str) -> HttpResponse:
    return _page(request, _network_scope(request, municipality, slug))


@login_required
def network_csv(request: HttpRequest, municipality: str, slug: str, table: str) -> HttpResponse:
    return _csv(request, _network_scope(request, municipality, slug), table)


@login_required
def organisation(request: HttpRequest, municipality: str, slug: str) -> HttpResponse:
    return _page(request, _organisation_scope(request, municipality, slug))


@login_required
def organisation_csv(
    request: HttpRequest, municipality: str, slug: str, table: str
) -> HttpResponse:
    return _csv(request, _organisation_scope(request, municipality, slug), table)


def _scoped_views(handler):
    """`handler(request, scope, **kwargs)` as the municipality's, a network's and an
    organisation's view, each behind its who-may (a 404 for anyone else)."""

    @login_required
    def for_municipality(request: HttpRequest, municipality: str, **kwargs) -> HttpResponse:
        return handler(request, Scope.of(_municipality(request, municipality)), **kwargs)

    @login_required
    def for_network(request: HttpRequest, municipality: str, slug: str, **kwargs) -> HttpResponse:
        return handler(request, _network_scope(request, municipality, slug), **kwargs)

    @login_required
    def for_organisation(
        request: HttpRequest, municipality: str, slug: str, **kwargs
    ) -> HttpResponse:
        return handler(request, _organisation_scope(request, municipality, slug), **kwargs)

    return for_municipality, for_network, for_organisation


municipality_xlsx, network_xlsx, organisation_xlsx = _scoped_views(_xlsx)
municipality_workbook, network_workbook, organisation_workbook = _scoped_views(_workbook)
