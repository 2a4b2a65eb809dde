"""The agenda's filters, shared by the agenda pages, the calendar feeds, embeds and print.

Every filter is a plain query-string parameter, so any combination is a shareable URL
(and the same URL with `.ics`, `/insluiten/` or `/afdrukken/` in front gives the same dates).
Unknown values are reported on the form and otherwise ignored: never an error page.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import django_filters
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network import public_cache
from network.models import Area, Network, Organisation
from network.shared import is_slug
from network.widgets import FastCheckboxSelectMultiple, FastSelect

from .models import Activity, Occurrence, Place, TargetGroup, Theme
from .periods import validate_year

QUICK_PICKS = [
    ("today", _("Today")),
    ("weekend", _("This weekend")),
    ("week", _("This week")),
]
#: Yes/no filters that also sit in the row of quick picks, as links that switch them on
#: and off (the form has them as checkboxes too).
TOGGLE_PICKS = [
    ("free", _("Free")),
    ("wheelchair", _("Wheelchair accessible")),
]


def quick_pick_range(pick: str, today: date | None = None) -> tuple[date, date] | None:
    today = today or timezone.localdate()
    if pick == "today":
        return today, today
    if pick == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:  # on Sunday, "this weekend" is today
            saturday = today - timedelta(days=1)
        return max(saturday, today), saturday + timedelta(days=1)
    if pick == "week":
        return today, today + timedelta(days=6 - today.weekday())
    return None


def search_occurrences(queryset: QuerySet, text: str) -> QuerySet:
    """Dutch full-text search on PostgreSQL (stemming: "fietsen" finds "fietstocht"
    less, but "fietst" finds "fietsen"); a plain case-insensitive match elsewhere.

    The text is matched per activity, in a subquery: a region has some five thousand
    activities but hundreds of thousands of dates, and the words belong to the activity.
    """
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(activity_id__in=matching_activities(text).values("pk"))


def matching_activities(text: str) -> QuerySet[Activity]:
    """Activities whose words match `text` (see search_occurrences). On PostgreSQL both
    conditions have an index of their own (activities/migrations/0009_search_indexes)."""
    if connection.vendor == "postgresql":
        # `search_vector` is a stored column the ORM does not know (its expression is in
        # the migration): the one table in the query, so it needs no table name.
        words = RawSQL(
            "search_vector @@ websearch_to_tsquery('dutch'::regconfig, %s)",
            (text,),
            output_field=BooleanField(),
        )
        return Activity.objects.filter(Q(words) | Q(title__icontains=text))
    return Activity.objects.filter(Q(title__icontains=text) | Q(description__icontains=text))


class OccurrenceFilter(django_filters.FilterSet):
    #: Words to look for; a longer text is no search (SQLite refuses a LIKE pattern of
    #: 50,000 characters, PostgreSQL would parse it all).
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)
    when = django_filters.ChoiceFilter(
        label=_("When"), choices=QUICK_PICKS, method="filter_when", empty_label=_("Any day")
    )
    start = django_filters.DateFilter(
        label=_("From"),
        method="filter_start",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_year],
    )
    end = django_filters.DateFilter(
        label=_("Up to and including"),
        method="filter_end",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_year],
    )
    theme = django_filters.MultipleChoiceFilter(
        label=_("Theme"),
        field_name="activity__theme",
        # A date has one activity, one theme: no row can repeat, so no DISTINCT (which
        # would make the database sort every matching date before taking a page).
        distinct=False,
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    network = django_filters.ModelChoiceFilter(
        label=_("Network"),
        method="filter_network",
        to_field_name="slug",
        queryset=Network.objects.order_by("name"),
        empty_label=_("All networks"),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        method="filter_organisation",
        to_field_name="slug",
        queryset=Organisation.objects.active().order_by("name"),
        empty_label=_("All organisations"),
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Village or neighbourhood"),
        method="filter_area",
        queryset=Area.objects.order_by("name"),
        empty_label=_("Everywhere"),
    )
    place = django_filters.ModelChoiceFilter(
        label=_("Place"),
        method="filter_place",
        to_field_name="slug",
        queryset=Place.objects.order_by("name"),
        empty_label=_("All places"),
    )
    target_group = django_filters.ChoiceFilter(
        label=_("For whom"),
        field_name="activity__target_group",
        choices=TargetGroup.choices,
        # Not "Everyone": that is one of the choices (activities meant for everyone).
        empty_label=_("No preference"),
    )
    free = django_filters.BooleanFilter(
        label=_("Free"),
        method="filter_free",
        widget=forms.CheckboxInput,
    )
    wheelchair = django_filters.BooleanFilter(
        label=_("Wheelchair accessible"),
        method="filter_wheelchair",
        widget=forms.CheckboxInput,
    )
    #: All dates of one activity: where a search result's "all dates" link leads. Not a
    #: choice on the form (a hidden field keeps it when the form is sent again).
    activity = django_filters.ModelChoiceFilter(
        label=_("Activity"),
        field_name="activity",
        to_field_name="slug",
        queryset=Activity.objects.public(),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Occurrence
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return search_occurrences(queryset, value)

    def filter_when(self, queryset, name, value):
        period = quick_pick_range(value)
        return queryset.between(*period) if period else queryset

    def filter_start(self, queryset, name, value):
        return queryset.filter(starts_at__gte=timezone.make_aware(_midnight(value)))

    def filter_end(self, queryset, name, value):
        return queryset.filter(starts_at__lt=timezone.make_aware(_midnight(value + timedelta(1))))

    def filter_network(self, queryset, name, value):
        return queryset.in_network(value)

    def filter_organisation(self, queryset, name, value):
        return queryset.of_organisation(value)

    def filter_area(self, queryset, name, value):
        """Dates at a place in the area, or without a place of their own at an activity
        whose place is. Read first as short lists: the area's places (a few), the
        activities held there (some ten) and those with a date moved there; the dates are
        then found through their activities' index. Joined, the database tested every
        candidate date of the region against the area through two place tables (17,000
        dates for one search)."""
        places = list(Place.objects.filter(area=value).values_list("pk", flat=True))
        held_there = set(Activity.objects.filter(place__area=value).values_list("pk", flat=True))
        moved_there = Occurrence.objects.filter(place_id__in=places).values_list(
            "activity_id", flat=True
        )
        candidates = held_there | set(moved_there.order_by().distinct())
        return queryset.filter(activity_id__in=sorted(candidates)).filter(
            Q(place_id__in=places) | Q(place__isnull=True, activity_id__in=sorted(held_there))
        )

    def filter_place(self, queryset, name, value):
        return queryset.filter(Q(place=value) | Q(place__isnull=True, activity__place=value))

    def filter_free(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(activity__cost__isnull=True) | Q(activity__cost=0))

    def filter_wheelchair(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(activity__wheelchair_accessible=True)
            | Q(place__wheelchair_accessible=True)
            | Q(place__isnull=True, activity__place__wheelchair_accessible=True)
        )

    #: Above this many choices a dropdown waits for a network to be chosen first.
    MAX_CHOICES = 300

    def __init__(self, data=None, *args, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        self._ready_to_show = False

    @property
    def display_form(self):
        """The form made ready to show: faster widgets, and in a region only the chosen
        network's choices. Done when a template asks for it, not for every filterset: the
        agenda's form mostly comes from the cache (templates/activities/_agenda_filters.html),
        and feeds and prints never show it (it cost 3-6 ms a request)."""
        if not self._ready_to_show:
            self._render_choices_fast()
            self._limit_choices_to_network()
            self._ready_to_show = True
        return self.form

    def _render_choices_fast(self) -> None:
        """The same HTML, written in Python instead of one template per option: the
        filter form is on every agenda page (network.widgets)."""
        fast = {forms.Select: FastSelect, forms.CheckboxSelectMultiple: FastCheckboxSelectMultiple}
        for field in self.form.fields.values():
            widget = fast.get(type(field.widget))
            if widget is not None:
                field.widget = widget(attrs=field.widget.attrs, choices=field.widget.choices)

    def _limit_choices_to_network(self) -> None:
        """In a region, offer only the chosen network's organisations, places and areas.

        Validation still accepts any slug (a shared link keeps working) and a chosen value
        always stays on offer; only the other choices shrink, so the form stays small on a
        phone and cheap to render. A village (few organisations) gets every choice.
        """
        if not _many_organisations():
            return
        data = self.data or {}
        slug = data.get("network")
        network = Network.objects.filter(slug=slug).first() if _has_form("slug", slug) else None
        scopes = {
            "organisation": ("slug", Q(networks=network)),
            "place": ("slug", Q(municipality_id=getattr(network, "municipality_id", None))),
            "area": ("pk", Q(municipality_id=getattr(network, "municipality_id", None))),
        }
        for name, (key, in_network) in scopes.items():
            field = self.form.fields[name]
            value = data.get(name)
            chosen = Q(**{key: value}) if _has_form(key, value) else Q(pk__in=[])
            offered = field.queryset.filter((in_network if network else Q(pk__in=[])) | chosen)
            iterator = field.iterator(field)
            iterator.queryset = offered.distinct()
            field.widget.choices = iterator
            if network is None:
                field.help_text = _("Choose a network first to see the choices.")


def _many_organisations() -> bool:
    """Whether there are more active organisations than a dropdown offers at once. Asked
    on every agenda page, feed and embed: kept until the choices change (they change with
    every organisation, network and place, network.public_cache.changed)."""
    key = f"filters:many-organisations:{public_cache.choices_version()}"
    try:
        many = cache.get(key)
    except Exception:
        many = None
    if many is None:
        limit = OccurrenceFilter.MAX_CHOICES
        many = Organisation.objects.active()[: limit + 1].count() > limit
        with contextlib.suppress(Exception):
            cache.set(key, many, public_cache.TIMEOUT)
    return many


def _has_form(key: str, value) -> bool:
    """Whether a value from the query string can be looked up as a slug or an id at all:
    nonsense is no choice and reaches no query (PostgreSQL refuses a NUL byte, an id of
    letters is an error)."""
    if key == "pk":
        return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19
    return is_slug(value)


def _midnight(day: date):
    from datetime import datetime

    return datetime.combine(day, datetime.min.time())
