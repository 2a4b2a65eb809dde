"""Taking the agenda home: calendar feeds (iCalendar) and news feeds (RSS and Atom).

Calendar feeds take the same query-string filters as the agenda page (see filters.py), so
any selection a resident makes can be subscribed to. What a feed holds is a window
(`ical.feed_window`): everything stored for one network, organisation or activity, six
weeks for a selection of the whole region; the calendar's description says which. Each
feed runs a fixed number of queries whatever its size: the dates are read as light rows,
each date's event is kept in the cache between writes, and for the events that are not the
activities, places, rooms and co-organisers they point to are read once each (see
`_events`). Only what residents may see is in a feed: published and cancelled
activities of active organisations; a single activity's feed follows `can_view_activity`.

The views stay thin: a function without the request builds each body
(`selection_calendar`, `activity_calendar`, `date_calendar`), and `_calendar_response` is
the one place that turns a body into an answer, so bodies can be cached.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps

from django.contrib.postgres.aggregates import BitXor
from django.contrib.syndication.views import Feed
from django.db import connection
from django.db.models import Count, Min, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from network import public_cache
from network.models import Network, Organisation
from network.shared import is_slug

from .. import fragments, gzip_pieces, ical, recurrence
from ..filters import OccurrenceFilter
from ..links import feed_language, feed_window, filter_params
from ..models import Activity, Frequency, Occurrence, Place, Room, Theme, co_organisers_by_activity
from ..permissions import can_view_activity
from ..templatetags.agenda import long_date

#: How long browsers, proxies and calendar programs may reuse a feed, in seconds.
CACHE_SECONDS = 15 * 60
EN_DASH = "\u2013"
#: The news feed lists this many of the most recently published activities.
LATEST_COUNT = 50


def in_feed_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Everything the view writes in the feed's language (`?lang=en`, see links.py)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with translation.override(feed_language(request)):
            return view(request, *args, **kwargs)

    return wrapped


# Calendar feeds ------------------------------------------------------------------------


def _understood(filterset: OccurrenceFilter) -> dict:
    """The filters that were understood: a value that means nothing is left out, never an
    error (and never reaches a query)."""
    filterset.is_valid()
    return getattr(filterset.form, "cleaned_data", {})


#: What a calendar event shows besides its activity (every change of which moves
#: `updated_at`, part of the key too: the services save it whole, co-organisers included)
#: and the organisations, places and rooms (every change of which renews the public
#: choices version).
EVENT_COLUMNS = ("pk", *ical.DateRow.COLUMNS)
_EVENT_CODE = fragments.code_version(ical.__file__, gzip_pieces.__file__, __file__)


#: Activities follow each other in one compressed piece until it holds this many dates
#: (some 90 KB of text): a piece compresses as well as the whole document only when it is
#: longer than deflate's window (32 KB); a region's six weeks has five dates an activity.
CHUNK_DATES = 100


def _events(selection: QuerySet) -> tuple[list[str], list[gzip_pieces.Piece]]:
    """The VEVENTs of the selected dates, gzip-compressed in pieces: activity by activity,
    in the order of their first date, and each activity's dates in date order (a calendar
    program sorts them itself). Returns the pieces' keys (what the feed holds, for its
    ETag) and the pieces.

    Writing the text was nearly all of a network's feed (2,700 dates, 2.4 MB), and a write
    changes one activity's dates at most. So the events of each activity are kept as text
    (activities.fragments) under a digest of everything they show (`_activity_digests`),
    and runs of activities are kept compressed (activities.gzip_pieces) under their
    activities' keys. A feed reads the digests and then the compressed runs in one cache
    round trip; a run that is not kept is put together from its activities' texts, and only
    the activities whose text is not kept either are written, reading what they point to
    once each. A date the selection reached twice is written once.
    """
    digests = _activity_digests(selection)
    context = (
        f"{_EVENT_CODE}:{translation.get_language()}:{public_cache.choices_version()}"
        f":{ical.site_host()}"
    )
    text_keys = dict(
        zip(
            digests,
            fragments.keys("vevents", context, (f"{a}:{d}" for a, (d, _n) in digests.items())),
            strict=True,
        )
    )
    runs: list[list[int]] = [[]]
    held = 0
    for activity_id, (_digest, dates) in digests.items():
        if held >= CHUNK_DATES:
            runs.append([])
            held = 0
        runs[-1].append(activity_id)
        held += dates
    runs = [run for run in runs if run]
    run_keys = fragments.keys(
        "vevents-gz", context, ("".join(text_keys[a] for a in run) for run in runs)
    )
    kept = fragments.read(run_keys)
    missing = {key: run for key, run in zip(run_keys, runs, strict=True) if key not in kept}
    if missing:
        texts = _event_texts(selection, [a for run in missing.values() for a in run], text_keys)
        pieces = {
            key: gzip_pieces.compress(b"".join(texts[a] for a in run))
            for key, run in missing.items()
            if all(a in texts for a in run)  # none deleted in between
        }
        fragments.keep(pieces)
        kept.update(pieces)
    held_keys = [key for key in run_keys if key in kept]
    return held_keys, [kept[key] for key in held_keys]


def _event_texts(
    selection: QuerySet, activity_ids: list[int], text_keys: dict[int, str]
) -> dict[int, bytes]:
    """{activity id: its VEVENTs}: kept ones from the cache, the others written."""
    kept = fragments.read([text_keys[a] for a in activity_ids])
    texts = {a: kept[text_keys[a]] for a in activity_ids if text_keys[a] in kept}
    missing = [a for a in activity_ids if a not in texts]
    if missing:
        written = _write_events(selection.filter(activity_id__in=missing))
        fragments.keep({text_keys[a]: events for a, events in written.items()})
        texts.update(written)
    return texts


def _activity_digests(selection: QuerySet) -> dict[int, tuple[str, int]]:
    """{activity id: (digest of its selected dates and of itself, number of dates)}, in the
    order of each one's first date.

    On PostgreSQL the database combines the dates: a 64-bit hash of each date's columns
    (no text made of its timestamps), XORed per activity with the number of dates, so a
    feed reads one row per activity instead of one per date (2,700 for a network).
    Elsewhere (SQLite, to try the site) one MD5 per date, joined here. The activities'
    `updated_at` come from a second small query, so the dates need no join.
    """
    per_activity: dict[int, list[str]] = {}
    counts: dict[int, int] = {}
    if connection.vendor == "postgresql":
        rows = (
            selection.order_by()
            .values("activity_id")
            .annotate(
                first=Min("starts_at"),
                dates=Count("pk"),
                digest=BitXor(fragments.row_hash(*EVENT_COLUMNS)),
            )
            .order_by("first", "activity_id")
            .values_list("activity_id", "dates", "digest")
        )
        for activity_id, dates, digest in rows:
            per_activity[activity_id] = [f"{dates}:{digest}"]
            counts[activity_id] = dates
    else:
        rows = selection.order_by("starts_at", "pk").values_list(
            "activity_id", fragments.digest(*EVENT_COLUMNS)
        )
        for activity_id, digest in rows:
            per_activity.setdefault(activity_id, []).append(digest)
        counts = {activity_id: len(digests) for activity_id, digests in per_activity.items()}
    updated = dict(
        Activity.objects.filter(pk__in=list(per_activity)).values_list("pk", "updated_at")
    )
    return {
        activity_id: (f"{updated.get(activity_id)}:{''.join(digests)}", counts[activity_id])
        for activity_id, digests in per_activity.items()
    }


def _write_events(dates: QuerySet) -> dict[int, bytes]:
    """{activity id: its VEVENTs in date order} of these dates, reading what they point to
    once each."""
    rows = list(dates.order_by("starts_at", "pk").values_list(*ical.DateRow.COLUMNS))
    activity_ids = sorted({row[0] for row in rows})
    activities = Activity.objects.select_related("organisation", "place", "room").in_bulk(
        activity_ids
    )
    places = Place.objects.in_bulk({row[5] for row in rows} - {None})
    rooms = Room.objects.in_bulk({row[6] for row in rows} - {None})
    writer = ical.EventWriter(co_organisers_by_activity(activity_ids))
    events: dict[int, list[bytes]] = {}
    for activity_id, day, starts_at, ends_at, all_day, place_id, room_id, *rest in rows:
        date_row = ical.DateRow(
            activities[activity_id],
            day,
            starts_at,
            ends_at,
            all_day,
            places.get(place_id),
            rooms.get(room_id),
            *rest,
        )
        events.setdefault(activity_id, []).append(writer.vevent(date_row))
    return {activity_id: b"".join(parts) for activity_id, parts in events.items()}


def _calendar_name(name: str, data: dict) -> str:
    """What the subscription is called: "Omzien agenda, Het Klokhuis, exercise and sport"."""
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


def _paragraphs(*texts: str) -> str:
    return "\n\n".join(text for text in texts if text)


@dataclass(frozen=True)
class GzippedCalendar:
    """A calendar document gzip-compressed, and its ETag (from what it holds, so that an
    unchanged feed keeps its ETag without the text being read)."""

    gzip: bytes
    etag: str

    def text(self) -> bytes:
        return gzip.decompress(self.gzip)


def selection_calendar(
    params: QueryDict,
    dates: QuerySet,
    *,
    name: str,
    description: str,
    source: str,
    complete: bool = False,
    public: bool = False,
) -> GzippedCalendar:
    """The calendar of `dates` narrowed by the agenda filters in `params`, within its window:
    everything stored when `complete` (one network or organisation) or when the filters
    choose a network or organisation, else six weeks. Call it in the feed's language.

    `public`: only dates of public activities; tested by joining activities and
    organisations unless the filters match on a list of public activities anyway (a
    region's "exercise": 9,000 dates joined to every activity and organisation)."""
    filterset = OccurrenceFilter(filter_params(params), queryset=dates)
    data = _understood(filterset)
    if public and not filterset.matches_public_activities():
        filterset.queryset = dates.public()
    window = feed_window(data, complete=complete)
    selection = filterset.qs.filter(starts_at__gte=window.start, starts_at__lt=window.end)
    keys, events = _events(selection)
    header = ical.calendar_of_events(
        [],
        name=_calendar_name(name, data),
        description=_paragraphs(description, window.describe()),
        source=source,
    ).removesuffix(ical.END)
    etag = hashlib.sha256(header + "".join(keys).encode()).hexdigest()[:32]
    document = gzip_pieces.gzip_file(
        [gzip_pieces.compress(header), *events, gzip_pieces.compress(ical.END)]
    )
    return GzippedCalendar(document, f'"{etag}"')


def activity_calendar(activity: Activity, *, source: str) -> bytes:
    """All stored dates of one activity from two weeks ago: to subscribe to a series. The
    activity comes with its organisation, places and co-organisers loaded."""
    window = ical.feed_window(complete=True)
    dates = _attach(
        activity,
        activity.occurrences.filter(starts_at__gte=window.start, starts_at__lt=window.end),
    )
    return ical.calendar_document(
        dates,
        name=activity.title,
        description=_paragraphs(
            recurrence.describe(recurrence.Schedule.of(activity)), window.describe()
        ),
        source=source,
        co_organisers={activity.pk: ical.co_organiser_names(activity)},
    )


def date_calendar(activity: Activity, day: date) -> bytes | None:
    """One date to add to your own calendar; None when the activity has no such date."""
    dates = _attach(activity, activity.occurrences.filter(original_date=day))
    if not dates:
        return None
    return ical.calendar_document(
        dates,
        name=activity.title,
        co_organisers={activity.pk: ical.co_organiser_names(activity)},
        subscription=False,
    )


def _calendar_response(
    request: HttpRequest,
    body: bytes,
    *,
    filename: str,
    attachment: bool = False,
    public: bool = True,
    etag: str | None = None,
) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = etag or f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if public:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    # Answers 304 Not Modified when the client already has this very version.
    return get_conditional_response(request, etag=response["ETag"], response=response)


def _source(request: HttpRequest) -> str:
    return ical.absolute_url(request.get_full_path())


def _feed(
    request: HttpRequest,
    dates: QuerySet,
    *,
    name: str,
    description: str,
    filename: str,
    complete: bool = False,
    public: bool = False,
) -> HttpResponse:
    """The answer for a selection of the agenda (see selection_calendar): gzip-compressed
    as it was put together, or its text for a client that does not take gzip."""
    calendar = selection_calendar(
        request.GET,
        dates,
        name=name,
        description=description,
        source=_source(request),
        complete=complete,
        public=public,
    )
    takes_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = _calendar_response(
        request,
        calendar.gzip if takes_gzip else calendar.text(),
        filename=filename,
        etag=calendar.etag,
    )
    if takes_gzip and response.status_code == 200:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


@require_safe
@in_feed_language
def agenda_ics(request: HttpRequest) -> HttpResponse:
    """The whole agenda, or any selection of it: `/agenda.ics?theme=exercise`."""
    return _feed(
        request,
        Occurrence.objects.all(),
        public=True,
        name=_("Omzien agenda"),
        description=_("What is on: activities you are welcome to join."),
        filename="agenda.ics",
    )


@require_safe
@in_feed_language
def network_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything the organisations of one network do."""
    network = get_object_or_404(Network, slug=slug)
    return _feed(
        request,
        Occurrence.objects.in_network(network, public=True),
        name=_("Agenda of %(name)s") % {"name": network.name},
        description=network.tagline,
        filename=f"{network.slug}.ics",
        complete=True,
    )


@require_safe
@in_feed_language
def organisation_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """Following one organisation: its own activities and those it organises with others."""
    organisation = get_object_or_404(Organisation.objects.active(), slug=slug)
    return _feed(
        request,
        Occurrence.objects.of_organisation(organisation, public=True),
        name=_("Agenda of %(name)s") % {"name": organisation.name},
        description="",
        filename=f"{organisation.slug}.ics",
        complete=True,
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
    loaded = list(occurrences.select_related("place", "room").order_by("starts_at", "pk"))
    for occurrence in loaded:
        occurrence.activity = activity
    return loaded


@require_safe
@in_feed_language
def activity_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """All dates of one activity (from two weeks ago): subscribe to a series."""
    activity = _viewable_activity(request, slug)
    body = activity_calendar(activity, source=_source(request))
    return _calendar_response(
        request, body, filename=f"{activity.slug}.ics", public=activity.is_public
    )


@require_safe
@in_feed_language
def occurrence_ics(request: HttpRequest, slug: str, day: date) -> HttpResponse:
    """One date to add to your own calendar ("add to my calendar")."""
    activity = _viewable_activity(request, slug)
    body = date_calendar(activity, day)
    if body is None:
        raise Http404
    return _calendar_response(
        request,
        body,
        filename=f"{activity.slug}-{day.isoformat()}.ics",
        attachment=True,
        public=activity.is_public,
    )


# News feeds ----------------------------------------------------------------------------

#: What XML 1.0 cannot hold: controls (other than tab and line breaks) and two
#: non-characters. Django refuses to write the first (an error page), readers the second.
_NOT_XML = str.maketrans(
    dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
)


def _xml(text: str) -> str:
    """Text an editor typed or an imported calendar brought, safe in a news feed."""
    return text.translate(_NOT_XML)


def _by_slug(queryset: QuerySet, value: str):
    """The network or organisation a news feed asks for. A value that is not even a slug
    is as unknown as any other and reaches no query: PostgreSQL refuses a NUL byte."""
    if not is_slug(value):
        raise queryset.model.DoesNotExist
    return queryset.get(slug=value)


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
            network = _by_slug(Network.objects.all(), request.GET["network"])
        if request.GET.get("organisation"):
            organisation = _by_slug(Organisation.objects.active(), request.GET["organisation"])
        return NewsScope(network=network, organisation=organisation, path=request.get_full_path())

    def title(self, scope: NewsScope) -> str:
        owner = scope.organisation or scope.network
        if owner is not None:
            return _xml(_("New activities of %(name)s") % {"name": owner.name})
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
            return _xml(_("Cancelled: %(title)s") % {"title": activity.title})
        return _xml(activity.title)

    def item_link(self, activity: Activity) -> str:
        return ical.absolute_url(activity.get_absolute_url())

    def item_description(self, activity: Activity) -> str:
        """The schedule in words first ("Every third Thursday, 10:00 to 11:30"), then the rest."""
        day = long_date(activity.start_date)
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
        html = format_html_join("", "<p>{}</p>", ((line,) for line in lines)) or format_html(
            "<p>{}</p>", activity.title
        )
        return _xml(html)

    def item_pubdate(self, activity: Activity):
        return activity.published_at

    def item_updateddate(self, activity: Activity):
        return max(activity.updated_at, activity.published_at)

    def item_categories(self, activity: Activity) -> list[str]:
        return [str(Theme(activity.theme).label)] if activity.theme in Theme.values else []

    def item_author_name(self, activity: Activity) -> str:
        return _xml(activity.organisation.name)


class LatestActivitiesAtom(LatestActivitiesRss):
    feed_type = Atom1Feed

    def subtitle(self, scope: NewsScope) -> str:
        return self.description(scope)
