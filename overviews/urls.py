from django.urls import path

from network.public_cache import public_page
from network.shared import limit_concurrency

from . import views

app_name = "overviews"
printing_slot = limit_concurrency("print", slots=2)
#: A whole overview as a workbook: some 0.4 s of a worker for 6,000 rows (a region).
workbook_slot = limit_concurrency("workbook", slots=2)

urlpatterns = [
    path("beheer/<slug:slug>/inwoners/", views.populations, name="populations"),
    path(
        "netwerken/<slug:slug>/samen-gedaan/",
        public_page(views.network_year),
        name="network_year",
    ),
    path("overzichten/<slug:municipality>/", views.municipality, name="municipality"),
    path(
        "overzichten/<slug:municipality>/download/<slug:table>.csv",
        views.municipality_csv,
        name="municipality_csv",
    ),
    path(
        "overzichten/<slug:municipality>/afdrukken.pdf",
        printing_slot(views.municipality_pdf),
        name="municipality_pdf",
    ),
    path(
        "overzichten/<slug:municipality>/netwerken/<slug:slug>/afdrukken.pdf",
        printing_slot(views.network_pdf),
        name="network_pdf",
    ),
    path(
        "overzichten/<slug:municipality>/organisaties/<slug:slug>/afdrukken.pdf",
        printing_slot(views.organisation_pdf),
        name="organisation_pdf",
    ),
    path(
        "overzichten/<slug:municipality>/netwerken/<slug:slug>/",
        views.network,
        name="network",
    ),
    path(
        "overzichten/<slug:municipality>/netwerken/<slug:slug>/download/<slug:table>.csv",
        views.network_csv,
        name="network_csv",
    ),
    path(
        "overzichten/<slug:municipality>/organisaties/<slug:slug>/",
        views.organisation,
        name="organisation",
    ),
    path(
        "overzichten/<slug:municipality>/organisaties/<slug:slug>/download/<slug:table>.csv",
        views.organisation_csv,
        name="organisation_csv",
    ),
    # The tables as spreadsheets: one table, or the whole overview as a workbook.
    path(
        "overzichten/<slug:municipality>/download/<slug:table>.xlsx",
        views.municipality_xlsx,
        name="municipality_xlsx",
    ),
    path(
        "overzichten/<slug:municipality>/netwerken/<slug:slug>/download/<slug:table>.xlsx",
        views.network_xlsx,
        name="network_xlsx",
    ),
    path(
        "overzichten/<slug:municipality>/organisaties/<slug:slug>/download/<slug:table>.xlsx",
        views.organisation_xlsx,
        name="organisation_xlsx",
    ),
    path(
        "overzichten/<slug:municipality>/overzicht.xlsx",
        workbook_slot(views.municipality_workbook),
        name="municipality_workbook",
    ),
    path(
        "overzichten/<slug:municipality>/netwerken/<slug:slug>/overzicht.xlsx",
        workbook_slot(views.network_workbook),
        name="network_workbook",
    ),
    path(
        "overzichten/<slug:municipality>/organisaties/<slug:slug>/overzicht.xlsx",
        workbook_slot(views.organisation_workbook),
        name="organisation_workbook",
    ),
]
