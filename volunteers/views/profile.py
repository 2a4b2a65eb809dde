"""The volunteer profile, certificates, and "I want to help" for newcomers; coordinators'
list of new volunteers to approve or decline. The rules live in volunteers/profiles.py;
these views only ask and show."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from network import access_log
from network.models import Organisation, Role
from network.shared import DomainError, is_slug, paginate

from .. import profiles
from ..forms.profile import (
    ApplicationDecisionForm,
    CertificateForm,
    OfferHelpForm,
    OrganisationSearchForm,
    ProfileForm,
)
from ..models import (
    ApplicationStatus,
    Certificate,
    VolunteerApplication,
    VolunteerProfile,
)
from ..own_data import availability_in_words
from ..permissions import (
    can_coordinate_volunteers,
    can_decide_application,
    can_withdraw_application,
    volunteer_organisation_ids,
)

#: Decided applications the applicant still sees on "I want to help".
RECENT_DECIDED = 5
ORGANISATIONS_PER_PAGE = 20


# "I want to help" -------------------------------------------------------------------------


def _own_applications(user) -> list[VolunteerApplication]:
    return list(
        VolunteerApplication.objects.filter(user=user)
        .select_related("organisation")
        .order_by("-created_at", "-pk")[:20]
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_help(request: HttpRequest) -> HttpResponse:
    """Organisations that take volunteers (searchable, a page at a time), and for the one
    chosen a short form: a few words about yourself. Signed-out visitors log in (or create
    an account) first and come back here."""
    user = request.user
    offering = profiles.offering_organisations()
    chosen = None
    wanted = request.GET.get("organisatie")
    if is_slug(wanted):
        chosen = offering.filter(slug=wanted).first()
    applications = _own_applications(user)
    pending = {a.organisation_id for a in applications if a.status == ApplicationStatus.PENDING}
    volunteering = volunteer_organisation_ids(user)
    if request.method == "POST":
        form = OfferHelpForm(request.POST)
    elif chosen is not None and chosen.pk not in pending | volunteering:
        form = OfferHelpForm(initial={"organisation": chosen.pk})
    else:
        form = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            chosen = form.cleaned_data["organisation"]
            try:
                application = profiles.apply_to_volunteer(user=user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _(
                        "Thank you! A coordinator of %(organisation)s will look at your offer "
                        "and let you know by e-mail. Meanwhile, you can fill in your profile."
                    )
                    % {"organisation": application.organisation.name},
                )
                return redirect("volunteers:profile")
    search = OrganisationSearchForm(request.GET)
    listed = offering.select_related("area")
    if search.is_valid():
        if search.cleaned_data["zoek"]:
            listed = listed.filter(name__icontains=search.cleaned_data["zoek"])
    else:
        messages.warning(request, _("We could not search for that; showing all organisations."))
        search = OrganisationSearchForm()
    page = paginate(request, listed, ORGANISATIONS_PER_PAGE)
    return render(
        request,
        "volunteers/profile/offer_help.html",
        {
            "form": form,
            "chosen": chosen,
            "search": search,
            "page": page,
            "organisations": [
                {
                    "organisation": organisation,
                    "volunteering": organisation.pk in volunteering,
                    "pending": organisation.pk in pending,
                }
                for organisation in page
            ],
            "pending_applications": [
                a for a in applications if a.status == ApplicationStatus.PENDING
            ],
            "decided_applications": [
                a for a in applications if a.status != ApplicationStatus.PENDING
            ][:RECENT_DECIDED],
            "is_volunteer": bool(volunteering),
        },
        status=status,
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, application: int) -> HttpResponse:
    found = get_object_or_404(VolunteerApplication, pk=application)
    if not can_withdraw_application(request.user, found):
        raise Http404
    try:
        profiles.withdraw_application(user=request.user, application=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You have withdrawn your offer to help."))
    return redirect("volunteers:offer_help")


# Coordinators: new volunteers --------------------------------------------------------------


def _coordinated_organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not can_coordinate_volunteers(request.user, organisation):
        raise Http404
    return organisation


@login_required
def applications(request: HttpRequest, organisation: str) -> HttpResponse:
    """Who offers to help, with what they told about themselves: for the organisation's
    coordinators only. Names and contact details: every view goes to the access log."""
    found = _coordinated_organisation(request, organisation)
    access_log.record(
        request=request,
        role=Role.COORDINATOR,
        action=access_log.Action.VIEW,
        obj=found,
        description="new volunteers",
    )
    pending = list(
        VolunteerApplication.objects.filter(organisation=found, status=ApplicationStatus.PENDING)
        .select_related("user__volunteer_profile")
        .prefetch_related(
            Prefetch(
                "user__certificates",
                queryset=Certificate.objects.order_by("kind", "-issued_on"),
                to_attr="certificate_list",
            )
        )
        .order_by("created_at", "pk")
    )
    today = timezone.localdate()
    items = []
    for application in pending:
        try:
            profile = application.user.volunteer_profile
        except VolunteerProfile.DoesNotExist:
            profile = None
        items.append(
            {
                "application": application,
                "profile": profile,
                "availability": availability_in_words(profile.availability if profile else []),
                "certificates": [
                    (c, profiles.certificate_is_expired(c, today))
                    for c in application.user.certificate_list
                ],
            }
        )
    return render(
        request,
        "volunteers/profile/applications.html",
        {"organisation": found, "items": items},
    )


@login_required
@require_POST
def application_decide(request: HttpRequest, application: int) -> HttpResponse:
    found = get_object_or_404(
        VolunteerApplication.objects.select_related("organisation", "user"), pk=application
    )
    if not can_decide_application(request.user, found):
        raise Http404
    form = ApplicationDecisionForm(request.POST)
    back = redirect("volunteers:applications", organisation=found.organisation.slug)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to decline."))
        return back
    decide = (
        profiles.approve_application
        if form.cleaned_data["decision"] == "approve"
        else profiles.decline_application
    )
    try:
        decide(coordinator=request.user, application=found)
    except DomainError as error:
        messages.error(request, str(error))
        return back
    access_log.record(
        request=request,
        role=Role.COORDINATOR,
        action=access_log.Action.CHANGE,
        obj=found,
        description=f"application {form.cleaned_data['decision']}",
    )
    name = found.user.name or found.user.email
    if form.cleaned_data["decision"] == "approve":
        messages.success(
            request,
            _("%(name)s is now a volunteer of %(organisation)s. They get an e-mail.")
            % {"name": name, "organisation": found.organisation.name},
        )
    else:
        messages.success(
            request,
            _("You declined the offer of %(name)s. They get a kind e-mail.") % {"name": name},
        )
    return back


# The profile and certificates ----------------------------------------------------------------


def _may_have_profile(user) -> bool:
    """Volunteers, and anyone who offered to help or filled in a profile."""
    return bool(
        volunteer_organisation_ids(user)
        or VolunteerProfile.objects.filter(user=user).exists()
        or VolunteerApplication.objects.filter(user=user).exists()
    )


def _not_yet(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, _("Your volunteer profile starts when you offer to help an organisation.")
    )
    return redirect("volunteers:offer_help")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_have_profile(user):
        return _not_yet(request)
    current = profiles.profile_of(user)
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial=ProfileForm.initial_from(current),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                profiles.save_profile(user=user, **form.profile_data())
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("volunteers:profile")
    return render(
        request,
        "volunteers/profile/profile.html",
        {"form": form, "grid": form.availability_grid(), "parts": profiles.PartOfDay},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificates(request: HttpRequest) -> HttpResponse:
    """The volunteer's own VOG, trainings and driving licence; one added at a time."""
    user = request.user
    if not _may_have_profile(user):
        return _not_yet(request)
    form = CertificateForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                profiles.add_certificate(user=user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The certificate is added."))
                return redirect("volunteers:certificates")
    today = timezone.localdate()
    own = [
        (certificate, profiles.certificate_is_expired(certificate, today))
        for certificate in Certificate.objects.filter(user=user).order_by("kind", "-issued_on")
    ]
    return render(
        request,
        "volunteers/profile/certificates.html",
        {"form": form, "certificates": own},
        status=status,
    )


@login_required
@require_POST
def certificate_remove(request: HttpRequest, certificate: int) -> HttpResponse:
    found = get_object_or_404(Certificate, pk=certificate, user=request.user)
    try:
        profiles.remove_certificate(user=request.user, certificate=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The certificate is removed."))
    return redirect("volunteers:certificates")


urlpatterns = [
    path("meehelpen/", offer_help, name="offer_help"),
    path(
        "aanmelding/<int:application>/intrekken/",
        application_withdraw,
        name="application_withdraw",
    ),
    path("aanmelding/<int:application>/", application_decide, name="application_decide"),
    path("<slug:organisation>/nieuwe-vrijwilligers/", applications, name="applications"),
    path("profiel/", profile, name="profile"),
    path("profiel/certificaten/", certificates, name="certificates"),
    path(
        "profiel/certificaten/<int:certificate>/verwijderen/",
        certificate_remove,
        name="certificate_remove",
    ),
]
