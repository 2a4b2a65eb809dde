"""Referral pages under /verwijzingen/: the list of referrals sent and received (no
names; the access log records a search), the coordinator's form
(`/verwijzingen/<organisation>/nieuw/`, optionally `?deelnemer=<id>` to start from a
participant, `?signaal=<id>` from a "not seen lately" signal, `?langsgaan=<id>` from a
request to drop by), one referral (`/verwijzingen/<id>/`, for the referring coordinators and the
team, written to the access log each time) with the steps the reader may take, posted to
`/verwijzingen/<id>/stap/`. Thin: the rules are in services.py, who
may in permissions.py; anyone else gets a 404.
"""

from __future__ import annotations

import functools

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from attendance.models import CheckIn, Participant, Signal
from attendance.permissions import can_view_participant
from network.models import Organisation, Role
from network.permissions import can_send_referral, roles_of
from network.shared import DomainError, paginate

from . import permissions, services
from .fields import EncryptedTextField
from .forms import ChangeForm, ReferralForm
from .links import referral_path
from .models import Action, Category, Reason, Referral

PER_PAGE = 50
#: The columns held encrypted (referrals/fields.py): a list never needs them.
ENCRYPTED_FIELDS = [f.name for f in Referral._meta.fields if isinstance(f, EncryptedTextField)]
#: What each step's button says (the models' labels say what happened: "declined").
STEP_LABELS = {
    Action.ACCEPT: gettext_lazy("Accept"),
    Action.DECLINE: gettext_lazy("Decline"),
    Action.START: gettext_lazy("We are in contact"),
    Action.COMPLETE: gettext_lazy("Close: completed"),
    Action.CLOSE_UNCOMPLETED: gettext_lazy("Close without result"),
    Action.CANCEL: gettext_lazy("Cancel the referral"),
    Action.REASSIGN: gettext_lazy("Pass on to another team"),
    Action.WITHDRAW_CONSENT: gettext_lazy("The resident withdrew consent"),
}


def two_factor_required(view):
    """Referral pages only for those who sign in with a second step (an authenticator
    app), whatever their role: a password alone must not open a referral. The site-wide
    rule (network.middleware, permissions.must_use_two_factor) covers superusers and
    network administrators; until it covers coordinators and wijkteam members too, this
    covers the referral pages. Anyone else goes on to the page's 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            permissions.can_list_referrals(request.user)
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            messages.info(
                request,
                _(
                    "Referrals need a second step when you sign in: a code from an "
                    "authenticator app on your phone. Set it up now; it takes a minute."
                ),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped


def _number(request: HttpRequest, name: str) -> int | None:
    raw = request.POST.get(name) or request.GET.get(name) or ""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    return int(raw)


def _starting_point(
    request: HttpRequest, organisation: Organisation
) -> tuple[Participant | None, Signal | None, CheckIn | None]:
    """Where a referral starts: a participant (?deelnemer=), a "not seen lately" signal
    (?signaal=) or a request to drop by (?langsgaan=), looked at in that order, the first
    given. A signal or check-in counts only when it is the organisation's own (the
    participant registered by it, the request asked by it) and its participant is one
    they may see with an open record; junk or someone else's is simply ignored, so the
    form never tells whether it exists."""
    participants = Participant.objects.select_related("area")
    signal = check_in = None
    participant = None
    if (pk := _number(request, "deelnemer")) is not None:
        participant = participants.filter(pk=pk).first()
    elif (pk := _number(request, "signaal")) is not None:
        signal = (
            Signal.objects.select_related("participant__area", "activity")
            .filter(pk=pk, participant__organisation=organisation)
            .first()
        )
        participant = signal.participant if signal else None
    elif (pk := _number(request, "langsgaan")) is not None:
        check_in = (
            CheckIn.objects.select_related("participant__area")
            .filter(pk=pk, organisation=organisation)
            .first()
        )
        participant = check_in.participant if check_in else None
    if (
        participant is None
        or participant.is_closed
        or not can_view_participant(request.user, participant)
    ):
        return None, None, None
    return participant, signal, check_in


@never_cache
@login_required
@two_factor_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, organisation: str) -> HttpResponse:
    """Refer a resident to the wijkteam: the minimum, and the consent read out."""
    org = get_object_or_404(Organisation, slug=organisation)
    if not can_send_referral(request.user, org):
        raise Http404
    participant, signal, check_in = _starting_point(request, org)
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
            "signal": signal,
            "check_in": check_in,
            "form": form,
            "consent_text": services.CONSENT_TEXTS.get(
                version, services.CONSENT_TEXTS[services.CURRENT_CONSENT_VERSION]
            ),
        },
    )


@never_cache
@login_required
@two_factor_required
def referral_list(request: HttpRequest) -> HttpResponse:
    """The referrals the reader sent (for their organisations) or received (for their
    team): no names, only what, when and where it stands; opening one is logged."""
    if not permissions.can_list_referrals(request.user):
        raise Http404
    # The list shows no names: the encrypted columns are neither read nor decrypted.
    rows = (
        services.visible_to(request.user)
        .select_related("sending_organisation", "team")
        .defer(*ENCRYPTED_FIELDS)
    )
    page = paginate(request, rows.order_by("-status_changed_at", "-pk"), PER_PAGE)
    services.log_search(by=request.user, role=_list_role(request.user), request=request)
    labels = dict(Category.choices)
    for row in page.object_list:
        row.category_labels = [labels.get(c, c) for c in row.categories]
    return render(request, "referrals/list.html", {"page": page})


def _list_role(user) -> str:
    """The role a list is read under: both when the reader holds both."""
    roles = roles_of(user)
    held = [
        role for role in (permissions.TEAM, permissions.SENDER) if roles.organisations(Role(role))
    ]
    return "+".join(held)


@never_cache
@login_required
@two_factor_required
def referral_detail(request: HttpRequest, referral: int) -> HttpResponse:
    """One referral, as the referring coordinator or the team sees it (logged), with the
    steps the reader may take now."""
    found, role = services.read_referral(referral_id=referral, by=request.user, request=request)
    transitions = found.transitions.select_related("by").order_by("at", "pk")
    labels = dict(Category.choices)
    reason_labels = dict(Reason.choices)
    actions = [
        {
            "action": action,
            "label": STEP_LABELS[action],
            "reasons": [(r, reason_labels[r]) for r in services.reasons_for(action)],
            "needs_team": action == Action.REASSIGN,
        }
        for action in services.available_actions(found, role)
    ]
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": found,
            "role": role,
            "transitions": transitions,
            "categories": [labels.get(c, c) for c in found.categories],
            "actions": actions,
            "teams": services.wijkteams().exclude(pk=found.team_id).order_by("name")
            if any(a["needs_team"] for a in actions)
            else [],
        },
    )


@login_required
@two_factor_required
@require_POST
def referral_change(request: HttpRequest, referral: int) -> HttpResponse:
    """Take one step (accept, decline, in contact, close, cancel, pass on, consent
    withdrawn); the service checks the rules and writes the log."""
    found = (
        Referral.objects.select_related("sending_organisation", "team").filter(pk=referral).first()
    )
    if found is None or permissions.role_for(request.user, found) is None:
        raise Http404
    form = ChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the steps on the page."))
        return redirect(referral_path(found.pk))
    data = form.cleaned_data
    action = data["action"]
    try:
        if action == Action.REASSIGN:
            if data["team"] is None:
                raise DomainError(_("Choose a wijkteam."))
            services.reassign_referral(
                referral=found,
                by=request.user,
                team=data["team"],
                note=data["note"],
                request=request,
            )
        elif action == Action.WITHDRAW_CONSENT:
            services.withdraw_consent(
                referral=found, by=request.user, note=data["note"], request=request
            )
        elif action in services.TRANSITIONS:
            services.transition(
                referral=found,
                action=action,
                by=request.user,
                reason=data["reason"],
                note=data["note"],
                request=request,
            )
        else:
            raise DomainError(_("Choose one of the steps on the page."))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(referral_path(found.pk))
    messages.success(request, _("Saved. The other side gets an e-mail that something changed."))
    if action == Action.REASSIGN:  # now the other team's: no longer ours to see
        return redirect("referrals:list")
    return redirect(referral_path(found.pk))


app_name = "referrals"
urlpatterns = [
    path("verwijzingen/", referral_list, name="list"),
    path("verwijzingen/<int:referral>/", referral_detail, name="detail"),
    path("verwijzingen/<int:referral>/stap/", referral_change, name="change"),
    path("verwijzingen/<slug:organisation>/nieuw/", referral_new, name="new"),
]
