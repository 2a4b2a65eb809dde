from django.urls import path

from . import views
from .public_cache import public_page
from .shared import secret_link_page

app_name = "network"

urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("start/", views.start, name="start"),
    path("netwerken/<slug:slug>/", public_page(views.network_detail), name="network_detail"),
    path("organisaties/", public_page(views.organisation_list), name="organisation_list"),
    path(
        "organisaties/<slug:slug>/",
        public_page(views.organisation_detail),
        name="organisation_detail",
    ),
    path(
        "organisaties/<slug:slug>/bewerken/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path("beheer/<slug:slug>/", views.manage_network, name="manage_network"),
    path("beheer/<slug:slug>/netwerk/", views.manage_network_edit, name="manage_network_edit"),
    path(
        "beheer/<slug:slug>/organisaties/nieuw/",
        views.manage_organisation_create,
        name="manage_organisation_create",
    ),
    path(
        "beheer/<slug:slug>/organisaties/<slug:organisation>/",
        views.manage_organisation_edit,
        name="manage_organisation_edit",
    ),
    path("beheer/<slug:slug>/rollen/", views.manage_memberships, name="manage_memberships"),
    path(
        "beheer/<slug:slug>/rollen/nieuw/",
        views.manage_membership_add,
        name="manage_membership_add",
    ),
    path(
        "beheer/<slug:slug>/rollen/<int:pk>/verwijderen/",
        views.manage_membership_remove,
        name="manage_membership_remove",
    ),
    path(
        "uitnodiging/<str:uidb36>/<str:key>/",
        secret_link_page(views.accept_invitation),
        name="accept_invitation",
    ),
    path("mijn-gegevens/", views.my_data, name="my_data"),
    path("mijn-gegevens/download/", views.my_data_download, name="my_data_download"),
    path("mijn-gegevens/verwijderen/", views.my_data_delete, name="my_data_delete"),
]
