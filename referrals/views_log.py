"""The access log of referrals, for review: `/verwijzingen/logboek/` and its CSV download
`/verwijzingen/logboek/csv/`. Wijkteam leads see the entries about the referrals of the
teams they lead (also those passed on since), network administrators those about the
referrals of their networks' organisations (permissions.referral_log_q, docs/roles.md).

Each entry shows who, under which role, what, when, from which address and the referral's
number: never a name, a reason or anything else the referral holds, so a network
administrator, who may not open a referral, learns nothing of its content here. The log
is read only: nothing on these pages changes it (the model refuses that anyway).

The log lives in the "access_log" database, the users in the default one: a page is one
query for the referrals in reach and one for the people searched for (default), a count
and the page (log), and one query for the names on the page (default), however long the
log. The download is itself written to the log.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from network import access_log
from network.models import AccessLogEntry, Role, User
from network.permissions import roles_of

from . import permissions
from .models import Referral
from .views import two_factor_required

PER_PAGE = 50
#: The person filter matches at most this many people.
MAX_PEOPLE = 200
#: Entries read at a time for the download (one query for their names each).
CSV_CHUNK = 2000
REFERRAL = Referral._meta.label_lower
#: The roles the review happens under, as written to the log when it is downloaded.
LEAD_ROLE = "wijkteam_lead"
ADMIN_ROLE = Role.NETWORK_ADMIN.value
ROLE_LABELS = {
    **dict(Role.choices),
    LEAD_ROLE: gettext_lazy("wijkteam lead"),
    "resident": gettext_lazy("resident"),
    "system": gettext_lazy("system"),
}


class LogFilter(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    person = forms.CharField(
        label=gettext_lazy("Person (name or e-mail address)"), required=False, max_length=100
    )
    referral = forms.IntegerField(
        label=gettext_lazy("Referral number"), required=False, min_value=1, max_value=2**31 - 1
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("all")), *AccessLogEntry.Action.choices],
    )

    def clean_person(self) -> str:
        return self.cleaned_data["person"].replace("\x00", "").strip()


def _review_role(user: User) -> str:
    roles = roles_of(user)
    held = [LEAD_ROLE] if roles.lead_team_ids else []
    if roles.admin_network_ids:
        held.append(ADMIN_ROLE)
    return "+".join(held)


def _at_start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_entries(user: User, data: dict) -> QuerySet[AccessLogEntry]:
    """The entries the user reviews, filtered (data: LogFilter's cleaned_data, or empty
    when the filter is not valid), newest first."""
    in_reach = Referral.objects.filter(permissions.referral_log_q(user))
    if data.get("referral"):
        in_reach = in_reach.filter(pk=data["referral"])
    ids = [str(pk) for pk in in_reach.order_by().values_list("pk", flat=True).distinct()]
    entries = AccessLogEntry.objects.filter(object_type=REFERRAL, object_id__in=ids)
    if data.get("start"):
        entries = entries.filter(occurred_at__gte=_at_start_of(data["start"]))
    if data.get("end"):
        entries = entries.filter(occurred_at__lt=_at_start_of(data["end"] + timedelta(days=1)))
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("person"):
        text = data["person"]
        people = list(
            User.objects.filter(Q(name__icontains=text) | Q(email__icontains=text))
            .order_by("pk")
            .values_list("pk", flat=True)[:MAX_PEOPLE]
        )
        entries = entries.filter(actor_id__in=people)
    return entries.order_by("-occurred_at", "-id")


def _with_people(entries: Iterable[AccessLogEntry]) -> list[AccessLogEntry]:
    """The entries with `person` (name, else e-mail address) and `role_label`: one query
    on the default database for all of them."""
    entries = list(entries)
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    people = {
        pk: name or email
        for pk, name, email in User.objects.filter(pk__in=actor_ids).values_list(
            "pk", "name", "email"
        )
    }
    for entry in entries:
        entry.person = people.get(entry.actor_id, "") if entry.actor_id else ""
        entry.role_label = " + ".join(
            str(ROLE_LABELS.get(part, part)) for part in entry.actor_role.split("+") if part
        )
    return entries


def reviewers_only(view):
    """Anyone but a lead or a network administrator gets the 404, before the second
    sign-in step is asked of them (a coordinator has no business here at all)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_review_referral_log(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _filter(request: HttpRequest) -> tuple[LogFilter, dict]:
    form = LogFilter(request.GET or None)
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})


@never_cache
@login_required
@reviewers_only
@two_factor_required
@require_safe
def referral_log(request: HttpRequest) -> HttpResponse:
    """Who opened, searched, printed, exported or changed the referrals in the reader's
    reach: read only, filtered, paged."""
    form, data = _filter(request)
    page = Paginator(filtered_entries(request.user, data), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = _with_people(page.object_list)
    return render(
        request,
        "referrals/log.html",
        {"form": form, "page": page, "query": request.GET.urlencode()},
    )


def _csv_rows(entries: QuerySet[AccessLogEntry]) -> Iterator[list[str]]:
    yield [_("when"), _("person"), _("role"), _("action"), _("referral"), _("address")]
    bottom = 0
    while True:
        chunk = _with_people(entries[bottom : bottom + CSV_CHUNK])
        for e in chunk:
            yield [
                timezone.localtime(e.occurred_at).isoformat(timespec="seconds"),
                e.person,
                e.role_label,
                e.get_action_display(),
                e.object_id,
                e.ip_address or "",
            ]
        if len(chunk) < CSV_CHUNK:
            return
        bottom += CSV_CHUNK


class _Echo:
    def write(self, value: str) -> str:
        return value


@never_cache
@login_required
@reviewers_only
@two_factor_required
@require_safe
def referral_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered entries as a spreadsheet; the download is itself written to the log."""
    _form, data = _filter(request)
    access_log.record(
        request=request,
        role=_review_role(request.user),
        action=AccessLogEntry.Action.EXPORT,
        object_type=AccessLogEntry._meta.label_lower,
        description="access log of referrals",
    )
    writer = csv.writer(_Echo())
    rows = _csv_rows(filtered_entries(request.user, data))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="logboek-verwijzingen.csv"'
    return response


urlpatterns = [
    path("verwijzingen/logboek/", referral_log, name="log"),
    path("verwijzingen/logboek/csv/", referral_log_csv, name="log_csv"),
]
