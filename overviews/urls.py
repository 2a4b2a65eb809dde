from django.urls import path

from network.public_cache import public_page

from . import views

app_name = "overviews"

urlpatterns = [
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
]
