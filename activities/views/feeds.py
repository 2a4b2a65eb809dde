"""Taking the agenda home: calendar feeds (iCalendar) and news feeds (RSS and Atom).

Calendar feeds take the same query-string filters as the agenda page (see filters.py), so
any selection a resident makes can be subscribed to. Each feed runs a fixed number of
queries whatever its size: the dates are read narrow and in chunks, and the activities,
places, rooms and co-organisers they point to are read once each (see `_dates`).
Only what residents may see is in a feed: published and cancelled activities of active
organisations; a single activity's feed follows `can_view_activity`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from network.models import Network, Organisation

from .. import ical, recurrence
from ..filters import OccurrenceFilter
from ..links import feed_language, filter_params
from ..models import Activity, Frequency, Occurrence, Place, Room, Theme
from ..permissions import can_view_activity

#: How long browsers, proxies and calendar programs may reuse a feed, in seconds.
CACHE_SECONDS = 15 * 60
EN_DASH = "\u2013"
#: The news feed lists this many of the most recently published activities.
LATEST_COUNT = 50


# Calendar feeds ------------------------------------------------------------------------


def _filtered(request: HttpRequest, queryset: QuerySet) -> OccurrenceFilter:
    """The agenda's filters applied to the dates in the feed window."""
    return OccurrenceFilter(
        filter_params(request.GET),
        queryset=queryset.filter(starts_at__gte=ical.window_start()),
    )


def _co_organisers(selection: QuerySet) -> dict[int, list[str]]:
    """Active co-organisers' names per activity for every activity in the selection."""
    through = Activity.co_organisers.through
    rows = (
        through.objects.filter(
            activity_id__in=selection.values("activity_id"), organisation__is_active=True
        )
        .order_by("organisation__name")
        .values_list("activity_id", "organisation__name")
    )
    names: dict[int, list[str]] = {}
    for activity_id, name in rows:
        names.setdefault(activity_id, []).append(name)
    return names


def _dates(selection: QuerySet) -> Iterator[Occurrence]:
    """The selected dates in date order (at most MAX_EVENTS), each with its activity,
    organisation, places and rooms attached.

    The dates themselves are read narrow, in chunks; what they point to is read once per
    activity, place and room rather than once per date (a weekly activity's description
    is not read fifty times). Four queries, whatever the size of the feed.
    """
    activities = {
        activity.pk: activity
        for activity in Activity.objects.filter(
            pk__in=selection.values("activity_id")
        ).select_related("organisation", "place", "room")
    }
    places = {
        place.pk: place for place in Place.objects.filter(pk__in=selection.values("place_id"))
    }
    rooms = {room.pk: room for room in Room.objects.filter(pk__in=selection.values("room_id"))}
    dates = selection.order_by("starts_at", "pk")[: ical.MAX_EVENTS]
    for occurrence in dates.iterator(chunk_size=2000):
        activity = activities.get(occurrence.activity_id)
        if activity is None:  # published between two queries: in the next refresh
            continue
        occurrence.activity = activity
        occurrence.place = places.get(occurrence.place_id)
        occurrence.room = rooms.get(occurrence.room_id)
        yield occurrence


def _calendar_response(
    request: HttpRequest,
    body: bytes,
    *,
    filename: str,
    attachment: bool = False,
    public: bool = True,
) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if public:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    # Answers 304 Not Modified when the client already has this very version.
    return get_conditional_response(request, etag=response["ETag"], response=response)


def _feed(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    name: str,
    description: str,
    filename: str,
) -> HttpResponse:
    with translation.override(feed_language(request)):
        filterset = _filtered(request, queryset)
        selection = filterset.qs
        names = _co_organisers(selection)
        body = ical.calendar_document(
            _dates(selection),
            name=_calendar_name(name, filterset),
            description=description,
            source=ical.absolute_url(request.get_full_path()),
            co_organisers=names,
        )
    return _calendar_response(request, body, filename=filename)


def _calendar_name(name: str, filterset: OccurrenceFilter) -> str:
    """What the subscription is called: "Omzien agenda, Het Klokhuis, exercise and sport"."""
    data = filterset.form.cleaned_data if filterset.is_valid() else {}
    parts = [name]
    for key in ("organisation", "network"):
        chosen = data.get(key)
        if chosen is not None and chosen.name not in name:
            parts.append(chosen.name)
            break
    themes = [str(Theme(value).label) for value in data.get("theme") or []]
    if themes:
        parts.append(", ".join(themes))
    return ", ".join(parts)


@require_safe
def agenda_ics(request: HttpRequest) -> HttpResponse:
    """The whole agenda, or any selection of it: `/agenda.ics?theme=exercise`."""
    return _feed(
        request,
        Occurrence.objects.public(),
        name=_("Omzien agenda"),
        description=_("What is on: activities you are welcome to join."),
        filename="agenda.ics",
    )


@require_safe
def network_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything the organisations of one network do."""
    network = get_object_or_404(Network, slug=slug)
    queryset = Occurrence.objects.public().in_network(network)
    return _feed(
        request,
        queryset,
        name=_("Agenda of %(name)s") % {"name": network.name},
        description=network.tagline,
        filename=f"{network.slug}.ics",
    )


@require_safe
def organisation_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """Following one organisation: its own activities and those it organises with others."""
    organisation = get_object_or_404(Organisation.objects.active(), slug=slug)
    queryset = Occurrence.objects.public().of_organisation(organisation)
    return _feed(
        request,
        queryset,
        name=_("Agenda of %(name)s") % {"name": organisation.name},
        description="",
        filename=f"{organisation.slug}.ics",
    )


def _viewable_activity(request: HttpRequest, slug: str) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("organisation", "place", "room").prefetch_related(
            "co_organisers"
        ),
        slug=slug,
    )
    if not can_view_activity(request.user, activity):
        raise Http404
    return activity


def _attach(activity: Activity, occurrences: QuerySet) -> list[Occurrence]:
    """The activity's dates, each pointing at the one activity already loaded."""
    loaded = list(
        occurrences.select_related("place", "room").order_by("starts_at", "pk")[: ical.MAX_EVENTS]
    )
    for occurrence in loaded:
        occurrence.activity = activity
    return loaded


@require_safe
def activity_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """All dates of one activity (from two weeks ago): subscribe to a series."""
    activity = _viewable_activity(request, slug)
    with translation.override(feed_language(request)):
        occurrences = _attach(
            activity,
            activity.occurrences.filter(starts_at__gte=ical.window_start()),
        )
        body = ical.calendar_document(
            occurrences,
            name=activity.title,
            description=recurrence.describe(recurrence.Schedule.of(activity)),
            source=ical.absolute_url(request.get_full_path()),
            co_organisers={activity.pk: ical.co_organiser_names(activity)},
        )
    return _calendar_response(
        request, body, filename=f"{activity.slug}.ics", public=activity.is_public
    )


@require_safe
def occurrence_ics(request: HttpRequest, slug: str, day: date) -> HttpResponse:
    """One date to add to your own calendar ("add to my calendar")."""
    activity = _viewable_activity(request, slug)
    occurrences = _attach(activity, activity.occurrences.filter(original_date=day))
    if not occurrences:
        raise Http404
    with translation.override(feed_language(request)):
        body = ical.calendar_document(
            occurrences,
            name=activity.title,
            co_organisers={activity.pk: ical.co_organiser_names(activity)},
            subscription=False,
        )
    return _calendar_response(
        request,
        body,
        filename=f"{activity.slug}-{day.isoformat()}.ics",
        attachment=True,
        public=activity.is_public,
    )


# News feeds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewsScope:
    """Whose new activities a news feed lists: everyone's, a network's or an organisation's."""

    network: Network | None = None
    organisation: Organisation | None = None
    path: str = ""


class LatestActivitiesRss(Feed):
    """Newly published activities, newest first: `?network=<slug>` or `?organisation=<slug>`."""

    feed_type = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with translation.override(feed_language(request)):
            response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        return response

    def get_object(self, request: HttpRequest, *args, **kwargs) -> NewsScope:
        # An unknown slug raises DoesNotExist, which Feed turns into a 404.
        network = organisation = None
        if request.GET.get("network"):
            network = Network.objects.get(slug=request.GET["network"])
        if request.GET.get("organisation"):
            organisation = Organisation.objects.active().get(slug=request.GET["organisation"])
        return NewsScope(network=network, organisation=organisation, path=request.get_full_path())

    def title(self, scope: NewsScope) -> str:
        owner = scope.organisation or scope.network
        if owner is not None:
            return _("New activities of %(name)s") % {"name": owner.name}
        return _("New activities on Omzien")

    def link(self, scope: NewsScope) -> str:
        owner = scope.organisation or scope.network
        if owner is not None:
            return ical.absolute_url(owner.get_absolute_url())
        return ical.absolute_url(reverse("activities:agenda"))

    def feed_url(self, scope: NewsScope) -> str:
        return ical.absolute_url(scope.path)

    def description(self, scope: NewsScope) -> str:
        return _("Activities that were just added to the agenda. You are welcome to join.")

    def items(self, scope: NewsScope) -> QuerySet:
        activities = Activity.objects.public().filter(published_at__isnull=False)
        if scope.organisation is not None:
            activities = activities.filter(
                pk__in=Activity.objects.of_organisation(scope.organisation).values("pk")
            )
        if scope.network is not None:
            activities = activities.in_network(scope.network)
        return activities.select_related("organisation", "place").order_by("-published_at", "-pk")[
            :LATEST_COUNT
        ]

    def item_title(self, activity: Activity) -> str:
        if activity.is_cancelled:
            return _("Cancelled: %(title)s") % {"title": activity.title}
        return activity.title

    def item_link(self, activity: Activity) -> str:
        return ical.absolute_url(activity.get_absolute_url())

    def item_description(self, activity: Activity) -> str:
        """The schedule in words first ("Every third Thursday, 10:00 to 11:30"), then the rest."""
        day = date_format(activity.start_date, "l j F Y")
        if activity.frequency == Frequency.ONCE:
            when = capfirst(day)
        else:
            when = recurrence.describe(recurrence.Schedule.of(activity))
            when += ", " + _("from %(date)s") % {"date": day}
        if activity.start_time:
            when += ", " + activity.start_time.strftime("%H:%M")
            if activity.end_time:
                when += EN_DASH + activity.end_time.strftime("%H:%M")
        lines = [when]
        if activity.place is not None:
            lines.append(str(activity.place))
        lines.append(_("Organised by %(names)s.") % {"names": activity.organisation.name})
        if activity.description:
            lines.append(Truncator(activity.description).words(60))
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines)) or format_html(
            "<p>{}</p>", activity.title
        )

    def item_pubdate(self, activity: Activity):
        return activity.published_at

    def item_updateddate(self, activity: Activity):
        return max(activity.updated_at, activity.published_at)

    def item_categories(self, activity: Activity) -> list[str]:
        return [str(Theme(activity.theme).label)] if activity.theme in Theme.values else []

    def item_author_name(self, activity: Activity) -> str:
        return activity.organisation.name


class LatestActivitiesAtom(LatestActivitiesRss):
    feed_type = Atom1Feed

    def subtitle(self, scope: NewsScope) -> str:
        return self.description(scope)
