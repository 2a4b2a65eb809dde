"""The pages of one activity and of one of its dates: everything a resident wants to know
before coming, with schema.org data for search engines and sharing previews."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .. import recurrence, registrations
from ..accessibility import accessibility_facts
from ..models import Activity, Occurrence
from ..permissions import can_edit_activity, can_view_activity

NEXT_DATES = 10


def _visible_activity(request: HttpRequest, slug: str) -> Activity:
    """The activity, or a 404 for one this person may not see (a draft, another's)."""
    activity = get_object_or_404(
        Activity.objects.select_related(
            "organisation", "place__area", "room", "place__municipality"
        ).prefetch_related("co_organisers", "organisation__networks"),
        slug=slug,
    )
    if not can_view_activity(request.user, activity):
        raise Http404
    return activity


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url)


def event_data(request: HttpRequest, activity: Activity, occurrence: Occurrence | None) -> dict:
    """schema.org Event for one date (the next one on an activity's page): what search
    engines and sharing previews read. Times carry the Dutch offset (+01:00/+02:00)."""
    place = occurrence.effective_place if occurrence else activity.place
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": activity.title,
        "description": activity.description,
        "url": _absolute(
            request, occurrence.get_absolute_url() if occurrence else activity.get_absolute_url()
        ),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "isAccessibleForFree": activity.is_free,
        "organizer": [
            {
                "@type": "Organization",
                "name": organisation.name,
                "url": _absolute(request, organisation.get_absolute_url()),
            }
            for organisation in [activity.organisation, *activity.co_organisers.all()]
        ],
    }
    if occurrence:
        data["startDate"] = _iso(occurrence.starts_at, occurrence.all_day)
        if occurrence.ends_at and not occurrence.all_day:
            data["endDate"] = _iso(occurrence.ends_at, False)
        if occurrence.is_moved:
            data["eventStatus"] = "https://schema.org/EventRescheduled"
            data["previousStartDate"] = occurrence.original_date.isoformat()
        if occurrence.is_cancelled:
            data["eventStatus"] = "https://schema.org/EventCancelled"
    else:
        data["startDate"] = activity.start_date.isoformat()
    if activity.is_cancelled:
        data["eventStatus"] = "https://schema.org/EventCancelled"
    if place:
        data["location"] = {
            "@type": "Place",
            "name": place.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place.address,
                "postalCode": place.postcode,
                "addressLocality": place.town,
                "addressCountry": "NL",
            },
        }
    elif activity.location_note:
        # No place of ours ("we leave from the church square"): the note is where it is.
        # schema.org takes a plain text address; an Event without a location is invalid.
        data["location"] = {
            "@type": "Place",
            "name": activity.location_note,
            "address": activity.location_note,
        }
    if activity.cost:
        data["offers"] = {
            "@type": "Offer",
            "price": str(activity.cost.quantize(Decimal("0.01"))),
            "priceCurrency": "EUR",
        }
    image = activity.image_small or activity.image
    if image:
        data["image"] = _absolute(request, image.url)
    return data


def _iso(moment, all_day: bool) -> str:
    local = timezone.localtime(moment)
    return local.date().isoformat() if all_day else local.isoformat()


def _upcoming_dates(activity: Activity, exclude: Occurrence | None = None) -> list[Occurrence]:
    dates = activity.occurrences.upcoming().select_related("place", "room")
    if exclude is not None:
        dates = dates.exclude(pk=exclude.pk)
    return list(dates.order_by("starts_at")[:NEXT_DATES])


def _detail_context(request: HttpRequest, activity: Activity) -> dict:
    image = activity.image_small or activity.image
    return {
        "activity": activity,
        "organisers": [activity.organisation, *activity.co_organisers.all()],
        "schedule": recurrence.describe(recurrence.Schedule.of(activity)),
        "image": image or None,
        "image_url": _absolute(request, image.url) if image else "",
        "page_url": request.build_absolute_uri(),
        "may_edit": can_edit_activity(request.user, activity),
    }


def activity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _visible_activity(request, slug)
    dates = _upcoming_dates(activity)
    next_date = next((o for o in dates if not o.is_cancelled), dates[0] if dates else None)
    return render(
        request,
        "activities/activity_detail.html",
        {
            **_detail_context(request, activity),
            "dates": dates,
            "place": activity.place,
            "room": activity.room,
            "facts": accessibility_facts(activity, activity.place),
            "event": event_data(request, activity, next_date),
        },
    )


def occurrence_detail(request: HttpRequest, slug: str, day: date) -> HttpResponse:
    activity = _visible_activity(request, slug)
    occurrence = get_object_or_404(
        activity.occurrences.select_related("place__area", "room").annotate_places(),
        original_date=day,
    )
    occurrence.activity = activity
    place = occurrence.effective_place
    is_past = (occurrence.ends_at or occurrence.starts_at) < timezone.now()
    return render(
        request,
        "activities/occurrence_detail.html",
        {
            **_detail_context(request, activity),
            "occurrence": occurrence,
            "dates": _upcoming_dates(activity, exclude=occurrence),
            "place": place,
            "room": occurrence.effective_room,
            "facts": accessibility_facts(activity, place),
            "event": event_data(request, activity, occurrence),
            "is_past": is_past,
            "places_left": registrations.places_left(occurrence),
            "may_register": (
                activity.registration_required
                and not is_past
                and not occurrence.is_cancelled
                and not activity.is_cancelled
            ),
        },
    )
