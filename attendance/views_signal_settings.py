"""The thresholds of "not seen lately" for a network's administrators, under their own
pages (/beheer/<network>/niet-gezien/): eight numbers in plain words, saved through
services.save_signal_settings. Numbers only: no signal or participant is shown here.
Anyone but the network's administrators gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.models import Network
from network.shared import DomainError

from . import permissions, services
from .forms import SignalSettingsForm


@login_required
@require_http_methods(["GET", "POST"])
def signal_settings(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(Network, slug=slug)
    if not permissions.can_change_signal_settings(request.user, network):
        raise Http404
    if request.method == "GET":
        form = SignalSettingsForm(initial=services.signal_settings_of(network))
    else:
        form = SignalSettingsForm(request.POST)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_signal_settings(network=network, values=form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Saved. The new numbers count from the next check, tonight.")
            )
            return redirect("attendance:signal_settings", slug=network.slug)
    return render(request, "attendance/signal_settings.html", {"network": network, "form": form})


urlpatterns = [
    path("beheer/<slug:slug>/niet-gezien/", signal_settings, name="signal_settings"),
]
