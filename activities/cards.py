"""One date in an agenda list, as HTML: time, title, who organises it, where, and badges.

Written in Python rather than as a template include: a week of a whole region lists a
hundred dates or more, and Django renders an include with its dozens of lookups per card,
which made the card the largest cost of an uncached agenda page. The HTML is what
templates/components/ used to hold; `{% occurrence_card occurrence %}` (templatetags/agenda)
puts it in a page. Everything is escaped by format_html.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .accessibility import accessibility_facts
from .models import Occurrence


def occurrence_card(occurrence: Occurrence, day_label) -> SafeString:
    """The card of one date; `day_label` writes a day as residents say it (agenda tags)."""
    activity = occurrence.activity
    place, room = occurrence.effective_place, occurrence.effective_room
    cancelled = occurrence.is_cancelled or activity.is_cancelled
    return format_html(
        '<li class="occurrence{}">\n'
        '  <p class="occurrence__time">{}</p>\n'
        '  <h3 class="occurrence__title"><a href="{}">{}</a></h3>\n'
        '  <p class="occurrence__meta"><span class="occurrence__organisers">{}</span>{}</p>\n'
        "{}"
        '  <ul class="badges" aria-label="{}">{}</ul>\n'
        "</li>\n",
        " occurrence--cancelled" if cancelled else "",
        _time(occurrence),
        occurrence.get_absolute_url(),
        activity.title,
        ", ".join(
            organisation.name
            for organisation in [activity.organisation, *activity.co_organisers.all()]
        ),
        _where(activity, place, room),
        _notice(occurrence, activity, day_label),
        _("Good to know"),
        _badges(occurrence, activity, place),
    )


def _time(occurrence: Occurrence) -> SafeString:
    starts = timezone.localtime(occurrence.starts_at)
    if occurrence.all_day:
        return format_html('<time datetime="{}">{}</time>', starts.date().isoformat(), _("All day"))
    text = starts.strftime("%H:%M")
    if occurrence.ends_at:
        text += "\u2013" + timezone.localtime(occurrence.ends_at).strftime("%H:%M")
    return format_html('<time datetime="{}">{}</time>', starts.isoformat(), text)


def _where(activity, place, room) -> SafeString:
    if place:
        text = place.name
        if room:
            text += f" ({room.name})"
        if place.town:
            text += f", {place.town}"
        return format_html('<span class="occurrence__place"> · {}</span>', text)
    if activity.location_note:
        return format_html('<span class="occurrence__place"> · {}</span>', activity.location_note)
    return mark_safe("")


def _notice(occurrence: Occurrence, activity, day_label) -> SafeString:
    if occurrence.is_cancelled or activity.is_cancelled:
        note = (
            occurrence.cancellation_note if occurrence.is_cancelled else activity.cancellation_note
        )
        return format_html(
            '  <p class="occurrence__notice"><strong class="badge badge--cancelled">{}</strong>'
            " {}</p>\n",
            _("Cancelled"),
            note,
        )
    if occurrence.is_moved:
        return format_html(
            '  <p class="occurrence__notice"><strong class="badge badge--moved">{}</strong>'
            " {}</p>\n",
            _("Moved"),
            _("instead of %(day)s") % {"day": day_label(occurrence.original_date, "inline")},
        )
    return mark_safe("")


def _badges(occurrence: Occurrence, activity, place) -> SafeString:
    badges = []
    if activity.is_free:
        badges.append(("free", _("Free")))
    if activity.registration_required:
        badges.append(("registration", _("Registration needed")))
    badges.extend((fact.key, fact.label) for fact in accessibility_facts(activity, place))
    return format_html_join("", '<li class="badge badge--{}">{}</li>', badges)
