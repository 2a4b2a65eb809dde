"""The agenda's filters, shared by the agenda pages, the calendar feeds, embeds and print.

Every filter is a plain query-string parameter, so any combination is a shareable URL
(and the same URL with `.ics`, `/insluiten/` or `/afdrukken/` in front gives the same dates).
Unknown values are reported on the form and otherwise ignored: never an error page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta

import django_filters
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, F, Q, QuerySet, Value, Window
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


def matching_activities(text: str) -> QuerySet[Activity]:
    """Activities whose words match `text` (see matching_activities_q). On PostgreSQL both
    conditions have an index of their own (activities/migrations/0009_search_indexes)."""
    return Activity.objects.filter(matching_activities_q(text))


def matching_activities_q(text: str) -> Q:
    """Dutch full-text search on PostgreSQL (stemming: "fietsen" finds "fietstocht"
    less, but "fietst" finds "fietsen"), or part of the title; a plain case-insensitive
    match elsewhere. A condition on the activities: the words belong to the activity, and
    a region has some five thousand activities but hundreds of thousands of dates."""
    if connection.vendor == "postgresql":
        # `search_vector` is a stored column the ORM does not know (its expression is in
        # the migration); no other table has a column of that name, so it needs none.
        words = RawSQL(
            "search_vector @@ websearch_to_tsquery('dutch'::regconfig, %s)",
            (text,),
            output_field=BooleanField(),
        )
        return Q(words) | Q(title__icontains=text)
    return Q(title__icontains=text) | Q(description__icontains=text)


class OccurrenceFilter(django_filters.FilterSet):
    #: Words to look for; a longer text is no search (SQLite refuses a LIKE pattern of
    #: 50,000 characters, PostgreSQL would parse it all).
    q = django_filters.CharFilter(label=_("Search"), method="filter_by_activity", max_length=200)
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
        method="filter_by_activity",
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    network = django_filters.ModelChoiceFilter(
        label=_("Network"),
        method="filter_by_activity",
        to_field_name="slug",
        queryset=Network.objects.order_by("name"),
        empty_label=_("All networks"),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        method="filter_by_activity",
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
        method="filter_by_activity",
        choices=TargetGroup.choices,
        # Not "Everyone": that is one of the choices (activities meant for everyone).
        empty_label=_("No preference"),
    )
    free = django_filters.BooleanFilter(
        label=_("Free"),
        method="filter_by_activity",
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

    #: Filters about the activity rather than the date (see filter_queryset). The area is
    #: both: the activities held there or with a date moved there, then the dates there.
    ACTIVITY_FILTERS = ("q", "theme", "target_group", "free", "network", "organisation", "area")

    def filter_queryset(self, queryset: QuerySet, *, within: list[int] | None = None) -> QuerySet:
        """The filters about the activity (words, theme, for whom, cost, network,
        organiser, area) are matched together on the public activities first, and the
        dates on that one short list. Region-wide, a search with a theme and "free" joined
        every coming date to its activity and organisation to test them (10 ms to run, 3 to
        plan); the list takes a millisecond and the dates need no join. The list holds
        public activities only: a page may leave out `.public()` when it has one (the
        search does).

        `within`: activities already known to match (a page of search results), instead of
        reading the list again; with more than one list the planner misjudged how few
        dates they leave and walked every coming date (48 ms).
        """
        queryset = self.filter_dates(queryset)
        if within is not None:
            return queryset.filter(activity_id__in=within)
        conditions = self._activity_conditions()
        self.activities = Activity.objects.public().filter(*conditions).order_by()
        queryset, listed = _on_activities(queryset, self.activities, conditions)
        self.activities_matched = None if listed is None else len(listed)
        if listed is not None:
            self.activities = Activity.objects.filter(pk__in=listed).order_by()
        return queryset

    def _activity_conditions(self) -> list[Q]:
        return [
            condition
            for name, value in self.form.cleaned_data.items()
            if name in self.ACTIVITY_FILTERS
            and (condition := self._activity_condition(name, value)) is not None
        ]

    def activities_by_next_date(self, bottom: int, top: int) -> tuple[list[int], int]:
        """The matching public activities with a date to come, by their first: their
        stored `next_starts_at` (services.refresh_next_dates), so no date is read. Only
        when no filter is about the dates themselves (filters_dates).

        Returns those from `bottom` to `top` and the number of all (a window count: a
        common word matches some 1,300 activities of a region, and reading them all only
        to count them was a third of the query).

        NULLS FIRST orders these (never null) dates as usual, but in an order their index
        does not give: with it, the planner walked that index to skip the sort and tested
        every activity's words on the way (6 ms); now it uses the search indexes (1.9)."""
        rows = list(
            Activity.objects.public_by_exclusion()
            .filter(*self._activity_conditions(), next_starts_at__isnull=False)
            .annotate(found=Window(Count("pk")))
            .order_by(F("next_starts_at").asc(nulls_first=True), "pk")
            .values_list("pk", "found")[bottom:top]
        )
        return [pk for pk, _found in rows], rows[0][1] if rows else 0

    def filter_dates(self, queryset: QuerySet) -> QuerySet:
        """Only the filters about the date itself (when, where exactly, accessible there),
        for a query that matches the activities on its own (a search's first date of each
        matching activity, views.agenda._search_results)."""
        for name, value in self.form.cleaned_data.items():
            if name not in self.ACTIVITY_FILTERS or name == "area":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filters_dates(self) -> bool:
        """Whether filter_dates narrows the dates at all (a day, a place, wheelchair
        access, the area): without, an activity's first date to come is its stored
        `next_starts_at`."""
        data = getattr(self.form, "cleaned_data", None) or {}
        return any(
            value not in (None, "", [], (), False)
            for name, value in data.items()
            if name not in self.ACTIVITY_FILTERS or name == "area"
        )

    def matches_public_activities(self) -> bool:
        """Whether the dates are matched on a list of public activities (filter_queryset),
        so that a query need not join activities and organisations to test it."""
        data = getattr(self.form, "cleaned_data", None) or {}
        return any(
            self._activity_condition(name, data[name]) is not None
            for name in self.ACTIVITY_FILTERS
            if name in data
        )

    def filter_by_activity(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """One filter about the activity on its own (filter_queryset takes them together)."""
        conditions = (
            [] if (condition := self._activity_condition(name, value)) is None else [condition]
        )
        activities = Activity.objects.public().filter(*conditions).order_by()
        return _on_activities(queryset, activities, conditions)[0]

    def _activity_condition(self, name: str, value) -> Q | None:
        """The condition on an activity for one filter's value; None when it filters nothing."""
        if value in (None, "", [], False):
            return None
        if name == "q":
            text = value.strip()
            return matching_activities_q(text) if text else None
        if name == "theme":
            return Q(theme__in=value)
        if name == "target_group":
            return Q(target_group=value)
        if name == "free":
            return Q(cost__isnull=True) | Q(cost=0)
        if name == "network":
            return Q(organisation__networks=value)
        if name == "organisation":
            co_organised = Activity.co_organisers.through.objects.filter(organisation=value)
            return Q(organisation=value) | Q(pk__in=co_organised.values("activity_id"))
        if name == "area":
            return Q(pk__in=self._area_activities(value)[1])
        raise ValueError(name)

    def filter_when(self, queryset, name, value):
        period = quick_pick_range(value)
        return queryset.between(*period) if period else queryset

    def filter_start(self, queryset, name, value):
        return queryset.filter(starts_at__gte=timezone.make_aware(_midnight(value)))

    def filter_end(self, queryset, name, value):
        return queryset.filter(starts_at__lt=timezone.make_aware(_midnight(value + timedelta(1))))

    def filter_area(self, queryset, name, value):
        """Dates at a place in the area, or without a place of their own at an activity
        whose place is. The activities that can have such dates are matched first, with
        the other activity filters (filter_queryset): the dates are then found through
        their activities' index. Tested against the area through two place tables, the
        database tried every coming date of the region (17,000 for one search)."""
        return queryset.filter(
            Q(place_id__in=Place.objects.filter(area=value).values("pk"))
            | Q(place__isnull=True, activity_id__in=self._area_activities(value)[0])
        )

    def _area_activities(self, area: Area) -> tuple[list[int], list[int]]:
        """(activities held in the area, those and the ones with a date moved there), read
        first as short lists in one query: as subqueries in a condition the planner
        expected thousands of moved dates and read every activity of the region."""
        if area.pk not in self._areas:
            held = Activity.objects.filter(place__area=area).order_by()
            moved = Occurrence.objects.filter(place__area=area).order_by()
            rows = (
                held.annotate(held=Value(True))
                .values_list("pk", "held")
                .union(moved.annotate(held=Value(False)).values_list("activity_id", "held"))
            )
            rows = list(rows)
            self._areas[area.pk] = (
                sorted({pk for pk, is_held in rows if is_held}),
                sorted({pk for pk, _is_held in rows}),
            )
        return self._areas[area.pk]

    def filter_place(self, queryset, name, value):
        return queryset.filter(Q(place=value) | Q(place__isnull=True, activity__place=value))

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
        self._areas: dict[int, tuple[list[int], list[int]]] = {}
        #: How many activities the last filter_queryset matched on (None: unknown, many).
        self.activities_matched: int | None = None
        #: The public activities the last filter_queryset matched on.
        self.activities: QuerySet[Activity] = Activity.objects.none()

    def get_form_class(self):
        """One form class per process instead of one per request: its fields are the same
        every time (labels and choices are translated when shown; every form copies its
        fields, so a request's changes stay its own)."""
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

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


#: Up to this many activities the dates are matched on a list of ids; beyond it on a
#: subquery. A list of 1,200 ("exercise" in a region) took 12 ms to plan and was tested
#: against each of 32,000 dates; the subquery is a hash join.
MAX_LISTED_ACTIVITIES = 300


def _on_activities(
    queryset: QuerySet, activities: QuerySet[Activity], conditions: list[Q]
) -> tuple[QuerySet, list[int] | None]:
    """Dates of the activities (public, meeting every condition), and the list of those
    activities (None: no condition, or more than MAX_LISTED_ACTIVITIES)."""
    if not conditions:
        return queryset, None
    listed = list(activities.values_list("pk", flat=True)[: MAX_LISTED_ACTIVITIES + 1])
    if len(listed) > MAX_LISTED_ACTIVITIES:
        return queryset.filter(activity_id__in=activities.values("pk")), None
    return queryset.filter(activity_id__in=listed), listed


def _many_organisations() -> bool:
    """Whether there are more active organisations than a dropdown offers at once."""
    limit = OccurrenceFilter.MAX_CHOICES
    return _kept_with_choices(
        "many-organisations", lambda: Organisation.objects.active()[: limit + 1].count() > limit
    )


def more_than_one_network() -> bool:
    """Whether the form offers a choice of network at all."""
    return _kept_with_choices("networks", lambda: Network.objects.all()[:2].count() > 1)


def _kept_with_choices(name: str, compute: Callable[[], bool]) -> bool:
    """A fact about the choices, asked on every agenda page, feed and embed: kept until the
    choices change (they change with every organisation, network and place,
    network.public_cache.changed)."""
    key = f"filters:{name}:{public_cache.choices_version()}"
    try:
        fact = cache.get(key)
    except Exception:
        fact = None
    if fact is None:
        fact = compute()
        with contextlib.suppress(Exception):
            cache.set(key, fact, public_cache.TIMEOUT)
    return fact


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
