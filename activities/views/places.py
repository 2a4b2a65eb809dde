"""Shared places of a municipality (het Klokhuis, the church, the sports hall) and their
rooms, kept by network administrators. Thin views: forms check, services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.shared import DomainError, managed_network_or_404, paginate

from .. import places as place_services
from ..models import Place
from ..place_forms import PlaceForm, room_formset

PAGE_SIZE = 50


@login_required
def place_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Every place in the network's municipality: networks there share them."""
    network = managed_network_or_404(request, slug)
    places = (
        Place.objects.filter(municipality=network.municipality)
        .select_related("area")
        .prefetch_related("rooms")
        .annotate(activity_count=Count("activities", distinct=True))
        .order_by("name", "town", "pk")
    )
    page = paginate(request, places, PAGE_SIZE)
    return render(request, "activities/places/list.html", {"network": network, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def place_create(request: HttpRequest, slug: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    form = PlaceForm(request.POST or None, municipality=network.municipality)
    rooms = room_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and rooms.is_valid():
        try:
            place = place_services.create_place(
                municipality=network.municipality,
                data=form.place_data(),
                rooms=[name for _pk, name in rooms.rooms()],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is added.") % {"name": place.name})
            return redirect("activities:place_list", slug=network.slug)
    return render(
        request,
        "activities/places/form.html",
        {"network": network, "form": form, "rooms": rooms},
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, slug: str, place: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    instance = get_object_or_404(
        Place.objects.filter(municipality=network.municipality).prefetch_related("rooms"),
        slug=place,
    )
    name = instance.name  # the form changes the instance while it checks
    form = PlaceForm(request.POST or None, instance=instance, municipality=network.municipality)
    rooms = room_formset(request.POST or None, instance.rooms.all())
    if request.method == "POST" and form.is_valid() and rooms.is_valid():
        try:
            place_services.update_place(place=instance, data=form.place_data(), rooms=rooms.rooms())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": instance.name})
            return redirect("activities:place_list", slug=network.slug)
    return render(
        request,
        "activities/places/form.html",
        {"network": network, "form": form, "rooms": rooms, "place": instance, "name": name},
    )
