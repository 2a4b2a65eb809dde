"""The resident's right of access (AVG article 15): a coordinator produces, for one
participant, everything their organisation shared about them with a wijkteam, as a
printable page (`/verwijzingen/<organisation>/inzage/<participant>/`; the browser prints
it, the print style sheet leaves out the site's header and footer).

What is in it is what the referring coordinator sees on each referral's page: what was
shared (name, contact, village, categories, text, urgency, the consent or the urgent
ground), to which team and when, and each step with its date, status, reason and the
note that went with it to the other side, and the outcome sent back. The team keeps no
case notes in Omzien, so there are none to leave out; the names of the staff who took a
step are left out too (the organisation and the team answer for them).

Who: a coordinator of the organisation who may see the participant. Only that
organisation's referrals: a coordinator of another organisation in the network sees
theirs, not ours (each organisation answers for what it shared). Referrals sent without a
participant record (just a name) cannot be found by a record and are not in it. Every
production writes one access-log entry per referral in it, as printed
(services.read_for_access_request); anyone else gets a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from attendance.models import Participant
from network.models import Organisation

from . import permissions, services
from .models import Category
from .views import two_factor_required


@never_cache
@login_required
@two_factor_required
def access_document(request: HttpRequest, organisation: str, participant: int) -> HttpResponse:
    """Everything the organisation shared about one participant, for the resident."""
    org = get_object_or_404(Organisation, slug=organisation)
    person = Participant.objects.filter(pk=participant).first()
    if person is None:
        raise Http404
    referrals = services.read_for_access_request(
        participant=person, organisation=org, by=request.user, request=request
    )
    labels = dict(Category.choices)
    for referral in referrals:
        referral.category_labels = [labels.get(c, c) for c in referral.categories]
    return render(
        request,
        "referrals/document.html",
        {
            "organisation": org,
            "participant": person,
            "referrals": referrals,
            "team_role": permissions.TEAM,
            "sender_role": permissions.SENDER,
            "produced_at": timezone.localtime(),
        },
    )


urlpatterns = [
    path(
        "verwijzingen/<slug:organisation>/inzage/<int:participant>/",
        access_document,
        name="access_document",
    ),
]
