"""The filters of the open-shifts page. Every filter is a query-string parameter; a value
that means nothing is reported on the form and otherwise ignored, never an error page."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.periods import validate_year
from network.models import Organisation

from ..models import PART_OF_DAY_HOURS, PartOfDay, SignUp, SignUpStatus, TaskKind
from ..signups import Qualifications, stand_ins_wanted


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def availability_q(availability) -> Q | None:
    """Shifts that start on a weekday and part of the day the volunteer is usually free
    ([[weekday, part_of_day], …], Monday = 0). None when they have not said (or said
    nothing we understand): then no shift is left out."""
    condition = Q(pk__in=[])
    understood = False
    for item in availability if isinstance(availability, list) else []:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        weekday, part = item
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            continue
        if part not in PartOfDay.values:
            continue
        first, last = PART_OF_DAY_HOURS[PartOfDay(part)]
        condition |= Q(
            starts_at__iso_week_day=weekday + 1,
            starts_at__hour__gte=first,
            starts_at__hour__lt=last,
        )
        understood = True
    return condition if understood else None


class OpenShiftFilter(django_filters.FilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        field_name="task__organisation",
        to_field_name="slug",
        queryset=Organisation.objects.none(),
        empty_label=_("All my organisations"),
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
    kind = django_filters.ChoiceFilter(
        label=_("Kind of task"),
        field_name="task__kind",
        choices=TaskKind.choices,
        empty_label=_("All kinds"),
    )
    fits = django_filters.BooleanFilter(
        label=_("Fits when I am usually free"), method="filter_fits", widget=forms.CheckboxInput
    )
    meets = django_filters.BooleanFilter(
        label=_("Only tasks I meet the requirements for"),
        method="filter_meets",
        widget=forms.CheckboxInput,
    )
    free = django_filters.BooleanFilter(
        label=_("Only shifts I can still get a place on"),
        method="filter_free",
        widget=forms.CheckboxInput,
    )

    class Meta:
        fields: list[str] = []

    def __init__(
        self,
        data=None,
        queryset: QuerySet | None = None,
        *,
        organisations: QuerySet,
        qualifications: Qualifications,
        **kwargs,
    ) -> None:
        super().__init__(data, queryset=queryset, **kwargs)
        self.qualifications = qualifications
        self.form.fields["organisation"].queryset = organisations
        #: "Fits when I am usually free" was asked, but the profile does not say when.
        self.availability_unknown = False

    def filter_start(self, queryset, name, value):
        return queryset.filter(starts_at__gte=_midnight(value))

    def filter_end(self, queryset, name, value):
        return queryset.filter(starts_at__lt=_midnight(value + timedelta(days=1)))

    def filter_fits(self, queryset, name, value):
        if not value:
            return queryset
        profile = self.qualifications.profile
        condition = availability_q(profile.availability if profile is not None else [])
        if condition is None:
            self.availability_unknown = True
            return queryset
        return queryset.filter(condition)

    def filter_meets(self, queryset, name, value):
        if not value:
            return queryset
        return self.qualifications.annotate(queryset).filter(self.qualifications.shifts_q())

    def filter_free(self, queryset, name, value):
        if not value:
            return queryset
        offers = SignUp.objects.filter(shift=OuterRef("pk"), status=SignUpStatus.OFFERED)
        has_room = Q(confirmed_count__lt=F("places")) & ~Exists(offers)
        return queryset.filter(has_room | Exists(stand_ins_wanted().filter(shift=OuterRef("pk"))))
