"""Pages where an organisation's editors connect the calendar they already keep elsewhere.

Thin: the import itself lives in activities/importing/ and runs as a Celery job; these pages add a
calendar, show how the last run went in plain words, and let the editor run it now or
disconnect. Someone who may not edit the organisation gets a 404, also for a calendar of
another organisation reached by changing the URL.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.models import Organisation
from network.permissions import can_edit_organisation
from network.shared import DomainError, paginate

from ..forms import CalendarFeedForm
from ..importing import services as importing
from ..importing.problems import describe
from ..models import CalendarFeed
from ..tasks import sync_calendar_feed

PAGE_SIZE = 50


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation.objects.prefetch_related("networks"), slug=slug)
    if not can_edit_organisation(request.user, organisation):
        raise Http404
    return organisation


def _queue_sync(feed: CalendarFeed) -> None:
    """Run the import once the feed is saved; `force` skips the ETag shortcut."""
    transaction.on_commit(partial(sync_calendar_feed.delay, feed.pk, True))


@login_required
@require_http_methods(["GET", "POST"])
def feed_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's connected calendars, and a form to connect one."""
    organisation = _organisation(request, slug)
    form = CalendarFeedForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            feed = importing.connect_feed(
                organisation=organisation,
                url=form.cleaned_data["url"],
                default_place=form.cleaned_data["default_place"],
                default_theme=form.cleaned_data["default_theme"],
            )
        except DomainError as error:
            form.add_error("url", str(error))
        else:
            _queue_sync(feed)
            messages.success(
                request,
                _(
                    "Your calendar is connected. We are importing it now; reload this page "
                    "in a minute to see the result."
                ),
            )
            return redirect("activities:calendar_feed", slug=organisation.slug, pk=feed.pk)
    feeds = (
        CalendarFeed.objects.filter(organisation=organisation)
        .select_related("default_place")
        .annotate(activity_count=Count("activities"))
        .order_by("-is_active", "created_at")
    )
    return render(
        request,
        "activities/calendar_feeds/feed_list.html",
        {"organisation": organisation, "feeds": feeds, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def feed_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """How the calendar's import went (with the notes of the last sync), what it brought
    in, and "sync now" / "disconnect"."""
    organisation = _organisation(request, slug)
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("default_place"), pk=pk, organisation=organisation
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "disconnect":
            importing.disconnect_feed(feed=feed)
            messages.success(
                request,
                _(
                    "The calendar is disconnected. The activities it brought in stay in the "
                    "agenda; change them here from now on."
                ),
            )
            return redirect("activities:calendar_feeds", slug=organisation.slug)
        if action == "sync" and feed.is_active:
            _queue_sync(feed)
            messages.success(
                request,
                _("We are fetching your calendar now. Reload this page in a minute."),
            )
        elif action == "sync":
            messages.error(request, _("A disconnected calendar is not fetched any more."))
        return redirect("activities:calendar_feed", slug=organisation.slug, pk=feed.pk)
    if request.GET.get("confirm") == "disconnect" and feed.is_active:
        return render(
            request,
            "activities/calendar_feeds/feed_disconnect.html",
            {"organisation": organisation, "feed": feed},
        )
    now = timezone.now()
    activities = (
        feed.activities.select_related("possible_duplicate_of")
        .annotate(
            next_start=Min(
                "occurrences__starts_at",
                filter=Q(occurrences__starts_at__gte=now, occurrences__is_cancelled=False),
            )
        )
        .order_by(F("next_start").asc(nulls_last=True), "title", "pk")
    )
    return render(
        request,
        "activities/calendar_feeds/feed_detail.html",
        {
            "organisation": organisation,
            "feed": feed,
            # What the last sync left out and why, stored untranslated: in the reader's words.
            "notes": [describe(note) for note in (feed.report or {}).get("notes", [])],
            "page": paginate(request, activities, PAGE_SIZE),
        },
    )
