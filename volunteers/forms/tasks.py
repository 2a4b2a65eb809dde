"""The task editor (editors and coordinators) and the volunteering settings (coordinators).

A task either follows one of the organisation's activities (a shift for every date) or
has its own dates, asked exactly like an activity's schedule (activities.forms'
ScheduleForm: the same fields, the same checks by activities.recurrence). These forms
never save themselves: the views pass `task_data()` to volunteers.coordination.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities.forms import _BREAKS, SCHEDULE_FIELDS, ScheduleForm, places_for
from activities.models import Activity
from network.models import Organisation

from .. import coordination
from ..models import NameVisibility, Task, VolunteeringSettings

FOLLOWS_ACTIVITY = "activity"
OWN_DATES = "own"


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


class TaskForm(ScheduleForm):
    """Everything about a task, in groups with a legend (a long form stays readable)."""

    FIELDSETS = [
        ("what", _("What"), ["title", "description", "kind"]),
        ("where", _("Where"), ["place", "location_note"]),
        ("when", _("When"), ["follows", "activity", *SCHEDULE_FIELDS]),
        ("who", _("How many volunteers"), ["volunteers_needed"]),
        (
            "requirements",
            _("What a volunteer needs"),
            ["requires_vog", "required_training", "requires_driving_licence", "minimum_age"],
        ),
        ("care", _("Volunteering and professional care"), ["care_boundary_note"]),
    ]

    follows = forms.ChoiceField(
        label=_("When is the task"),
        choices=[
            (FOLLOWS_ACTIVITY, _("At every date of one of our activities")),
            (OWN_DATES, _("On its own dates")),
        ],
        initial=OWN_DATES,
        widget=forms.RadioSelect,
    )
    activity = ActivityChoiceField(
        label=_("Activity"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("— choose an activity —"),
        help_text=_("A shift for every date; a moved or cancelled date moves or cancels it."),
    )
    volunteers_needed = forms.IntegerField(
        label=_("Volunteers needed"),
        min_value=1,
        max_value=coordination.MAX_VOLUNTEERS_NEEDED,
        initial=1,
        help_text=_("Per shift."),
    )
    minimum_age = forms.IntegerField(
        label=_("Minimum age"), min_value=12, max_value=99, required=False
    )

    class Meta(ScheduleForm.Meta):
        model = Task
        fields = [
            *coordination.TASK_WHAT_FIELDS,
            *SCHEDULE_FIELDS,
            *coordination.TASK_WHO_FIELDS,
        ]
        widgets = {
            **ScheduleForm.Meta.widgets,
            "description": forms.Textarea(attrs={"rows": 4}),
            "care_boundary_note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            **ScheduleForm.Meta.help_texts,
            "start_time": _("When the shift begins."),
            "location_note": _("For example: the kitchen, entrance at the back."),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        places = places_for(organisation, include_id=self.instance.place_id)
        self.fields["place"].queryset = places.order_by("name")
        self.fields["place"].empty_label = _("— no fixed place —")
        activities = coordination.activities_for(organisation)
        if self.instance.activity_id:
            # The activity it follows stays on offer, also when it was cancelled since.
            activities = Activity.objects.filter(
                Q(pk__in=activities.values("pk")) | Q(pk=self.instance.activity_id)
            )
        self.fields["activity"].queryset = activities.order_by("title", "pk")
        if self.instance.pk:
            self.initial["follows"] = FOLLOWS_ACTIVITY if self.instance.activity_id else OWN_DATES
        self.fields["start_time"].help_text = _(
            "When the shift begins. With an activity: leave both times empty to use its times."
        )
        self.fields["end_time"].help_text = _("When the shift ends.")
        self.fields["start_date"].required = False

    def clean(self) -> dict:
        follows = self.cleaned_data.get("follows")
        if follows == FOLLOWS_ACTIVITY:
            # The schedule of the task is not used: its fields must not stand in the way.
            for name in SCHEDULE_FIELDS:
                if name not in ("start_time", "end_time"):
                    self.errors.pop(name, None)
            cleaned = forms.ModelForm.clean(self)
            if cleaned.get("activity") is None and "activity" not in self.errors:
                self.add_error("activity", _("Choose the activity the task follows."))
            self._clean_own_times(cleaned)
            cleaned.update(
                start_date=None,
                until=None,
                count=None,
                monthly_ordinal=None,
                exception_dates=[],
            )
        else:
            cleaned = super().clean()
            cleaned["activity"] = None
            self.errors.pop("activity", None)
            if follows == OWN_DATES:
                for name, message in (
                    ("start_date", _("Fill in the first date.")),
                    ("start_time", _("Fill in when the shift begins.")),
                    ("end_time", _("Fill in when the shift ends.")),
                ):
                    if cleaned.get(name) is None and name not in self.errors:
                        self.add_error(name, message)
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and name in ("title", "location_note", "required_training"):
                cleaned[name] = _BREAKS.sub(" ", value).strip()
        if "title" in cleaned and not cleaned["title"] and "title" not in self.errors:
            self.add_error("title", _("Give the task a title."))
        return cleaned

    def _clean_own_times(self, cleaned: dict) -> None:
        """Following an activity, the task may still have its own times (both or neither)."""
        if self.errors.keys() & {"start_time", "end_time"}:
            return
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if (start is None) != (end is None):
            self.add_error(
                "end_time" if end is None else "start_time",
                _("Give both a start and an end time, or neither to follow the activity's."),
            )
        elif start is not None and end <= start:
            self.add_error(
                "end_time", _("The end time lies before the start time. Check both times.")
            )

    def _post_clean(self) -> None:
        # Following an activity empties the schedule; the model's own checks run in the
        # service (which explains them), not on a half-filled instance here.
        pass

    def fieldsets(self) -> list[dict]:
        return [
            {
                "id": key,
                "legend": legend,
                "fields": [self[name] for name in names if name in self.fields],
            }
            for key, legend, names in self.FIELDSETS
        ]

    def task_data(self) -> dict:
        """The cleaned values for coordination.create_task / update_task."""
        return {
            name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data
        }


_PHONE = re.compile(r"^[0-9+()\-. ]{6,30}$")


class SettingsForm(forms.ModelForm):
    """How the organisation runs its volunteering."""

    class Meta:
        model = VolunteeringSettings
        fields = list(coordination.SETTINGS_FIELDS)
        widgets = {
            "co_volunteer_names": forms.RadioSelect,
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in coordination.SETTINGS_LIMITS.items():
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.widget.attrs.update(min=low, max=high)
            field.validators = [_between(low, high)]
        self.fields["co_volunteer_names"].choices = NameVisibility.choices

    def clean_contact_phone(self) -> str:
        phone = _BREAKS.sub(" ", self.cleaned_data.get("contact_phone") or "").strip()
        if phone and not _PHONE.fullmatch(phone):
            raise forms.ValidationError(
                _("Write a telephone number with digits, like 0345 123 456."), code="phone"
            )
        return phone

    def settings_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def _between(low: int, high: int):
    def check(value) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                code="range",
            )

    return check
