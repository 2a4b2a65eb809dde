"""Pages of the network app. Thin: read through querysets, write through services."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token
from django.views.decorators.http import require_http_methods, require_POST

from . import permissions, personal_data, services
from .filters import OrganisationFilter
from .forms import (
    DeleteAccountForm,
    InvitationForm,
    MembershipForm,
    NetworkForm,
    OrganisationForm,
    OrganisationPageForm,
)
from .models import Membership, Network, Organisation, Role, User
from .shared import DomainError, managed_network_or_404, paginate

PAGE_SIZE = 25


# Public pages --------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    networks = (
        Network.objects.select_related("municipality").with_organisation_count().order_by("name")
    )
    return render(request, "network/home.html", {"page": paginate(request, networks, 30)})


def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(
        Network.objects.select_related("municipality").prefetch_related("areas"), slug=slug
    )
    organisations = Organisation.objects.active().in_network(network).select_related("area")
    return render(
        request,
        "network/network_detail.html",
        {
            "network": network,
            "organisations": organisations[:60],
            "organisation_count": organisations.count(),
            "may_manage": permissions.can_manage_network(request.user, network),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    filterset = OrganisationFilter(
        request.GET or None,
        queryset=Organisation.objects.active().select_related("area").distinct(),
    )
    return render(
        request,
        "network/organisation_list.html",
        {"filter": filterset, "page": paginate(request, filterset.qs, PAGE_SIZE)},
    )


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.select_related("area", "municipality").prefetch_related("networks"),
        slug=slug,
    )
    if not organisation.is_active and not permissions.can_manage_organisation(
        request.user, organisation
    ):
        raise Http404
    return render(request, "network/organisation_detail.html", {"organisation": organisation})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Editors keep their organisation's public page up to date."""
    organisation = get_object_or_404(Organisation.objects.prefetch_related("networks"), slug=slug)
    if not permissions.can_edit_organisation(request.user, organisation):
        raise Http404
    form = OrganisationPageForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.update_organisation(
            organisation=organisation,
            data={name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(request, _("The page of %(name)s is saved.") % {"name": organisation})
        return redirect(organisation)
    return render(
        request, "network/organisation_edit.html", {"organisation": organisation, "form": form}
    )


# Start page ----------------------------------------------------------------------------


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """What a person can do here, by role: one section per role they hold."""
    roles = permissions.roles_of(request.user)
    by_role: dict[str, list[Membership]] = {}
    for membership in roles.memberships:
        by_role.setdefault(membership.role, []).append(membership)
    overview_networks = Network.objects.with_overviews_for(request.user).order_by("name")
    sections = [
        {"role": role, "label": role.label, "memberships": by_role[role]}
        for role in Role
        if role in by_role
    ]
    return render(
        request,
        "network/start.html",
        {"sections": sections, "overview_networks": overview_networks},
    )


# Network administration ----------------------------------------------------------------


@login_required
def manage_network(request: HttpRequest, slug: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    organisations = Organisation.objects.in_network(network).select_related("area")
    return render(
        request,
        "network/manage/network.html",
        {"network": network, "page": paginate(request, organisations, 50)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_network_edit(request: HttpRequest, slug: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    form = NetworkForm(request.POST or None, instance=network)
    if request.method == "POST" and form.is_valid():
        services.update_network(
            network=network, data={name: form.cleaned_data[name] for name in form.Meta.fields}
        )
        messages.success(request, _("The network is saved."))
        return redirect("network:manage_network", slug=network.slug)
    return render(request, "network/manage/network_edit.html", {"network": network, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def manage_organisation_create(request: HttpRequest, slug: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    form = OrganisationForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        organisation = services.create_organisation(network=network, data=form.cleaned_data)
        messages.success(
            request, _("%(name)s takes part in the network now.") % {"name": organisation}
        )
        return redirect("network:manage_network", slug=network.slug)
    return render(
        request, "network/manage/organisation_form.html", {"network": network, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_organisation_edit(request: HttpRequest, slug: str, organisation: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    instance = get_object_or_404(Organisation.objects.in_network(network), slug=organisation)
    form = OrganisationForm(request.POST or None, instance=instance, network=network)
    if request.method == "POST" and form.is_valid():
        services.update_organisation(organisation=instance, data=form.cleaned_data)
        messages.success(request, _("%(name)s is saved.") % {"name": instance})
        return redirect("network:manage_network", slug=network.slug)
    return render(
        request,
        "network/manage/organisation_form.html",
        {"network": network, "form": form, "organisation": instance},
    )


@login_required
def manage_memberships(request: HttpRequest, slug: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    memberships = (
        Membership.objects.in_network(network)
        .select_related("user", "organisation", "network")
        .order_by("role", "organisation__name", "user__email")
    )
    role = request.GET.get("role")
    if role in Role.values:
        memberships = memberships.filter(role=role)
    return render(
        request,
        "network/manage/memberships.html",
        {
            "network": network,
            "page": paginate(request, memberships, 50),
            "roles": Role.choices,
            "current_role": role if role in Role.values else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_membership_add(request: HttpRequest, slug: str) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    form = MembershipForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_membership(
                invited_by=request.user,
                network=network,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The role is added and an invitation is on its way."))
            return redirect("network:manage_memberships", slug=network.slug)
    return render(request, "network/manage/membership_add.html", {"network": network, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def manage_membership_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = managed_network_or_404(request, slug)
    membership = get_object_or_404(
        Membership.objects.in_network(network).select_related("user", "organisation", "network"),
        pk=pk,
    )
    if request.method == "POST":
        try:
            services.remove_membership(removed_by=request.user, membership=membership)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The role is removed."))
        return redirect("network:manage_memberships", slug=network.slug)
    return render(
        request,
        "network/manage/membership_remove.html",
        {"network": network, "membership": membership},
    )


def _invited_user(uidb36: str, key: str):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import url_str_to_user_pk

    try:
        user = User.objects.get(pk=url_str_to_user_pk(uidb36))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, key) else None


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, uidb36: str, key: str) -> HttpResponse:
    """Someone invited by a network administrator gives their name and chooses a password,
    and is logged in at once: the link proved the address, the password is new."""
    user = _invited_user(uidb36, key)
    if user is None:
        return render(request, "network/invitation_invalid.html", status=400)
    form = InvitationForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.accept_invitation(
            user=user, password=form.cleaned_data["new_password1"], name=form.cleaned_data["name"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Welcome, %(name)s. Your password is set: from now on you log in with your "
                "e-mail address and this password."
            )
            % {"name": user.get_short_name()},
        )
        return redirect("network:start")
    return render(request, "network/accept_invitation.html", {"form": form, "invited": user})


# Own data -----------------------------------------------------------------------------


def _render_my_data(request: HttpRequest, delete_form: DeleteAccountForm, status: int = 200):
    """Everything every app keeps about the person, from network.personal_data only."""
    return render(
        request,
        "network/my_data.html",
        {"sections": personal_data.sections(request.user), "delete_form": delete_form},
        status=status,
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return _render_my_data(request, DeleteAccountForm(user=request.user))


@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    """Everything stored about the person, as JSON (GDPR art. 15 and 20)."""
    response = HttpResponse(
        json.dumps(personal_data.export(request.user), indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="omzien-my-data.json"'
    return response


@login_required
@require_POST
def my_data_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_my_data(request, form, status=400)
    user = request.user
    logout(request)
    services.delete_account(user=user)
    messages.success(request, _("Your account and everything stored with it is deleted."))
    return redirect("network:home")


# Language -----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in a cookie (and on the account, for e-mails).

    Exempt from CSRF: another site could at most switch someone's language, and a token
    in every page's language switch would give every anonymous visitor a cookie, which
    keeps proxies and our own cache from sharing public pages.
    """
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            httponly=True,
        )
        if request.user.is_authenticated:
            services.set_language(user=request.user, language=language)
    return response


# Errors -------------------------------------------------------------------------------


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form left open too long: say so plainly instead of Django's technical page."""
    return render(request, "403_csrf.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database: whatever broke may break them too.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
