"""Referral pages under /verwijzingen/: the coordinator's form
(`/verwijzingen/<organisation>/nieuw/`, optionally `?deelnemer=<id>` to start from a
participant) and one referral (`/verwijzingen/<id>/`, for the referring coordinators and
the team, written to the access log each time). Thin: the rules are in services.py, who
may in permissions.py; anyone else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from attendance.models import Participant
from attendance.permissions import can_view_participant
from network.models import Organisation
from network.permissions import can_send_referral
from network.shared import DomainError

from . import services
from .forms import ReferralForm
from .links import referral_path
from .models import Category


def _participant(request: HttpRequest) -> Participant | None:
    """The participant a referral starts from (?deelnemer=), if the coordinator may see
    them and the record is open; junk or someone else's is simply ignored."""
    raw = request.POST.get("deelnemer") or request.GET.get("deelnemer") or ""
    if not raw.isdigit() or len(raw) > 12:
        return None
    found = Participant.objects.select_related("area").filter(pk=int(raw)).first()
    if found is None or found.is_closed or not can_view_participant(request.user, found):
        return None
    return found


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, organisation: str) -> HttpResponse:
    """Refer a resident to the wijkteam: the minimum, and the consent read out."""
    org = get_object_or_404(Organisation, slug=organisation)
    if not can_send_referral(request.user, org):
        raise Http404
    participant = _participant(request)
    initial = {}
    if participant is not None:
        initial = {
            "person_name": participant.name,
            "person_contact": participant.phone or participant.address,
            "area": participant.area_id,
        }
    routed = services.route(area=participant.area if participant else None, organisation=org)
    if routed is not None:
        initial["team"] = routed.pk
    form = ReferralForm(
        request.POST if request.method == "POST" else None, organisation=org, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.send_referral(
                by=request.user,
                organisation=org,
                participant=participant,
                request=request,
                **form.service_arguments(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The referral is sent. The wijkteam gets an e-mail."))
            return redirect(referral_path(referral.pk))
    version = form["consent_text_version"].value() or services.CURRENT_CONSENT_VERSION
    return render(
        request,
        "referrals/new.html",
        {
            "organisation": org,
            "participant": participant,
            "form": form,
            "consent_text": services.CONSENT_TEXTS.get(
                version, services.CONSENT_TEXTS[services.CURRENT_CONSENT_VERSION]
            ),
        },
    )


@never_cache
@login_required
def referral_detail(request: HttpRequest, referral: int) -> HttpResponse:
    """One referral, as the referring coordinator or the team sees it (logged)."""
    found, role = services.read_referral(referral_id=referral, by=request.user, request=request)
    transitions = found.transitions.select_related("by").order_by("at", "pk")
    labels = dict(Category.choices)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": found,
            "role": role,
            "transitions": transitions,
            "categories": [labels.get(c, c) for c in found.categories],
        },
    )


app_name = "referrals"
urlpatterns = [
    path("verwijzingen/<int:referral>/", referral_detail, name="detail"),
    path("verwijzingen/<slug:organisation>/nieuw/", referral_new, name="new"),
]
