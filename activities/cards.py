"""One date in an agenda list, as HTML: time, title, who organises it, where, and badges.

Written in Python rather than as a template include: a week of a whole region lists a
hundred dates or more, and Django renders an include with its dozens of lookups per card,
which made the card the largest cost of an uncached agenda page. The HTML is what
templates/components/ used to hold; the agenda views put `page_cards()` in the page
(templates/activities/_occurrence_list.html). Everything is escaped by format_html.

Rendering is still most of an uncached agenda page (a region's week lists 300 dates: some
100 ms to read them as objects and another 100 ms to write their cards), and most of its
cards are unchanged since the last write: `page_cards()` keeps each card in the cache
under a key made of everything the card shows (the date's own columns, its activity's
`updated_at`, the version of organisations and places), so a write renews only the cards
it changed; the rest of the page reads the keys in one light query and the cards in one
cache round trip, a day's cards together as one piece.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from network import public_cache

from . import fragments
from .accessibility import accessibility_facts
from .models import Occurrence

#: Everything of a date that its card shows, besides the activity (whose every change moves
#: `updated_at`: the services save it whole, co-organisers included) and the organisations,
#: places and rooms (whose every change renews the public choices version).
KEY_COLUMNS = (
    "starts_at",
    "ends_at",
    "all_day",
    "original_date",
    "is_cancelled",
    "cancel_reason",
    "cancelled_by",
    "place_id",
    "room_id",
    "activity_id",
    "activity__updated_at",
)
_CODE_VERSION = fragments.code_version(__file__)


@dataclass(frozen=True)
class Card:
    """The cards of a page's dates on one local day, as one piece: the list's HTML and the
    month grid's entries."""

    day: date
    html: SafeString
    grid_html: SafeString


def page_cards(page: QuerySet[Occurrence], day_label) -> list[Card]:
    """The cards of a page of dates (an ordered, sliced `for_listing()` query), in order,
    one piece per day.

    Two queries and one cache round trip when the cards are kept; the dates whose card is
    not (new or changed) are read whole and written (two more queries).
    """
    return cards_of_rows(card_rows(page), day_label)


def card_rows(dates: QuerySet[Occurrence]) -> list[tuple]:
    """What the cards of these dates are found by: id, start and digest, one light query."""
    return list(
        dates.prefetch_related(None).values_list("pk", "starts_at", fragments.digest(*KEY_COLUMNS))
    )


def cards_of_rows(rows: list[tuple], day_label) -> list[Card]:
    """The cards of `card_rows()` in their order, one piece per local day.

    A day's cards are kept together too, under the digests of its dates: a region's week
    is then seven pieces from the cache instead of three hundred. A day that is not kept
    is put together from the single cards (a write changes a card or two of it), and only
    the cards that are not kept either are read whole and written.
    """
    zone = timezone.get_current_timezone()
    days: dict[date, list[tuple]] = {}
    for row in rows:
        days.setdefault(row[1].astimezone(zone).date(), []).append(row)
    context = _context()
    digests = ("".join(row[2] for row in day_rows) for day_rows in days.values())
    day_keys = dict(zip(days, fragments.keys("day-cards", context, digests), strict=True))
    kept = fragments.read(list(day_keys.values()))
    missing = {day: days[day] for day, key in day_keys.items() if key not in kept}
    if missing:
        pieces = _day_pieces(missing, context, day_label)
        fragments.keep({day_keys[day]: piece for day, piece in pieces.items()})
        kept.update({day_keys[day]: piece for day, piece in pieces.items()})
    return [Card(day, *map(mark_safe, kept[key])) for day, key in day_keys.items() if key in kept]


def _day_pieces(days: dict[date, list[tuple]], context: str, day_label) -> dict:
    """{day: (cards, grid entries)} put together from the single cards, writing those that
    are not kept."""
    rows = [row for day in days.values() for row in day]
    card_keys = fragments.keys("card", context, (row[2] for row in rows))
    keys = dict(zip((row[0] for row in rows), card_keys, strict=True))
    kept = fragments.read(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in kept]
    if missing:
        written = {
            keys[occurrence.pk]: (
                str(occurrence_card(occurrence, day_label)),
                str(grid_entry(occurrence)),
            )
            for occurrence in Occurrence.objects.for_listing().filter(pk__in=missing)
        }
        fragments.keep(written)
        kept.update(written)
    pieces = {}
    for day, day_rows in days.items():
        # A date that went private in between is left out (its card was not written).
        cards = [kept[keys[row[0]]] for row in day_rows if keys[row[0]] in kept]
        pieces[day] = ("".join(html for html, _grid in cards), "".join(g for _h, g in cards))
    return pieces


def _context() -> str:
    # A day in another year than this one is written with its year.
    return (
        f"{_CODE_VERSION}:{translation.get_language()}:{public_cache.choices_version()}"
        f":{timezone.localdate().year}"
    )


def grid_entry(occurrence: Occurrence) -> SafeString:
    """The date in the month's calendar grid (wide screens): time and title as one link."""
    activity = occurrence.activity
    cancelled = occurrence.is_cancelled or activity.is_cancelled
    if occurrence.all_day:
        time = _("All day")
    else:
        time = timezone.localtime(occurrence.starts_at).strftime("%H:%M")
    return format_html(
        '<li{}><a href="{}"><span class="month-grid__time">{}</span> {}</a>{}</li>',
        mark_safe(' class="month-grid__cancelled"') if cancelled else "",
        occurrence.get_absolute_url(),
        time,
        activity.title,
        format_html(' <strong class="badge badge--cancelled">{}</strong>', _("Cancelled"))
        if cancelled
        else "",
    )


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


# A search result: one activity with its next matching dates ----------------------------


@dataclass(frozen=True, slots=True)
class SearchActivity:
    """What a search result shows of its activity: read as one row with its organisers
    and place (views.agenda._search_activities), not as models (ten activities, their
    organisations, places and co-organisers were two queries and a fifth of the page)."""

    pk: int
    title: str
    slug: str
    is_cancelled: bool
    cancellation_note: str
    organisers: list[str]
    place_id: int | None
    place_name: str
    place_town: str


#: What search_result reads of each date listed under an activity (a row, not a model).
SEARCH_DATE_FIELDS = (
    "activity_id",
    "original_date",
    "starts_at",
    "all_day",
    "is_cancelled",
    "place_id",
    "place__name",
)


class SearchLinks:
    """The addresses on a page of search results, each reversed once for the page
    (a page of activities and their dates took two reverse() calls each)."""

    SLUG = "slug-sentinel"
    DAY = "0000-00-00"

    def __init__(self) -> None:
        activity = reverse("activities:activity_detail", kwargs={"slug": self.SLUG})
        self._activity = activity.partition(self.SLUG)
        occurrence = reverse(
            "activities:occurrence_detail", kwargs={"slug": self.SLUG, "day": self.DAY}
        )
        before, _slug, rest = occurrence.partition(self.SLUG)
        self._date = (before, *rest.partition(self.DAY)[::2])

    def activity(self, slug: str) -> str:
        before, _slug, after = self._activity
        return f"{before}{slug}{after}"

    def date(self, slug: str, day: date) -> str:
        before, between, after = self._date
        return f"{before}{slug}{between}{day.isoformat()}{after}"


def search_result(
    activity: SearchActivity,
    dates: list,
    count: int,
    all_query: str,
    day_label,
    links: SearchLinks | None = None,
) -> SafeString:
    """One activity that matches a search, with its next dates (rows of
    SEARCH_DATE_FIELDS) and a link to all of them (views.agenda._search_results). In Python
    like the cards: a page of ten results writes forty dates."""
    links = links or SearchLinks()
    where = ""
    if activity.place_id:
        where = format_html(
            '<span class="occurrence__place"> · {}{}</span>',
            activity.place_name,
            f", {activity.place_town}" if activity.place_town else "",
        )
    notice = ""
    if activity.is_cancelled:
        notice = format_html(
            '<p class="occurrence__notice"><strong class="badge badge--cancelled">{}</strong>'
            " {}</p>\n",
            _("Cancelled"),
            activity.cancellation_note,
        )
    all_dates = ""
    if count > len(dates):
        text = ngettext("%(n)s date of %(title)s", "All %(n)s dates of %(title)s", count) % {
            "n": count,
            "title": activity.title,
        }
        all_dates = format_html(
            '<p class="search-result__all"><a href="?{}">{}</a></p>\n', all_query, text
        )
    return format_html(
        '<li class="search-result{}">\n'
        '<h2 class="search-result__title"><a href="{}">{}</a></h2>\n'
        '<p class="occurrence__meta"><span class="occurrence__organisers">{}</span>{}</p>\n'
        "{}"
        '<p class="search-result__next" id="next-{}">{}</p>\n'
        '<ul class="date-list search-result__dates" aria-labelledby="next-{}">\n{}</ul>\n'
        "{}"
        "</li>\n",
        " search-result--cancelled" if activity.is_cancelled else "",
        links.activity(activity.slug),
        activity.title,
        ", ".join(activity.organisers),
        where,
        notice,
        activity.slug,
        _("Next dates:"),
        activity.slug,
        _date_items(activity, dates, day_label, links),
        all_dates,
    )


def _date_items(activity: SearchActivity, dates: list, day_label, links: SearchLinks) -> SafeString:
    """The dates under a search result: plain f-strings, every text escaped (format_html
    per item was a fifth of a search page's Python)."""
    slug = activity.slug
    zone = timezone.get_current_timezone()
    cancelled = f' <strong class="badge badge--cancelled">{escape(_("Cancelled"))}</strong>'
    items = []
    for occurrence in dates:
        starts = occurrence.starts_at.astimezone(zone)
        if occurrence.all_day:
            moment, text = starts.date().isoformat(), day_label(starts.date())
        else:
            moment, text = starts.isoformat(), f"{day_label(starts.date())}, {starts:%H:%M}"
        # Held elsewhere than the activity's own place (a date moved): that place.
        elsewhere = (
            f'<span class="muted"> · {escape(occurrence.place__name)}</span>'
            if occurrence.place_id and occurrence.place_id != activity.place_id
            else ""
        )
        modifier, badge = (
            (" date-list__item--cancelled", cancelled) if occurrence.is_cancelled else ("", "")
        )
        items.append(
            f'<li class="date-list__item{modifier}">'
            f'<a href="{escape(links.date(slug, occurrence.original_date))}">'
            f'<time datetime="{moment}">'
            f"{escape(text)}</time></a>{badge}{elsewhere}</li>\n"
        )
    return mark_safe("".join(items))
