"""The coordinators' forms: a participant, a walk-in at the door, the head count, an
absence, closing a record, the settings and the search. Junk gives a message on the form,
never an error page; the services check the rules again."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from network.models import Area, Organisation

from .models import (
    SIGNAL_SETTING_BOUNDS,
    Absence,
    ClosedReason,
    ConsentHow,
    DismissReason,
    Participant,
)
from .services import MAX_HEAD_COUNT, PARTICIPANT_FIELDS
from .signals import NOTE_LENGTH

_DATE = {"type": "date"}


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        error_messages={"invalid": _("Fill in a date, for example 12-03-2026.")},
        **kwargs,
    )


def areas_for(organisation: Organisation):
    """The villages and neighbourhoods of the organisation's municipality and networks."""
    return Area.objects.filter(
        Q(municipality_id=organisation.municipality_id) | Q(networks__organisations=organisation)
    ).distinct()


class ParticipantForm(forms.ModelForm):
    consent_on = _date_field(_("When they agreed"))

    class Meta:
        model = Participant
        fields = PARTICIPANT_FIELDS
        widgets = {"consent_how": forms.RadioSelect}

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(organisation)
        self.fields["area"].required = True
        self.fields["area"].error_messages["invalid_choice"] = _(
            "Choose one of the villages or neighbourhoods in the list."
        )
        self.fields["consent_how"].choices = ConsentHow.choices
        if not self.is_bound and self.instance.pk is None:
            self.initial.setdefault("consent_on", timezone.localdate())

    def clean_consent_on(self):
        value = self.cleaned_data["consent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The day they agreed cannot be in the future."))
        return value


class WalkInForm(forms.Form):
    """Someone new at the door: a name, maybe a telephone number, and their agreement."""

    name = forms.CharField(label=_("Name"), max_length=150)
    phone = forms.CharField(label=_("Telephone (if they want)"), max_length=30, required=False)
    consent_how = forms.ChoiceField(
        label=_("How they agreed to be registered"),
        choices=ConsentHow.choices,
        widget=forms.RadioSelect,
        initial=ConsentHow.VERBAL,
    )
    consent_on = _date_field(_("When they agreed"), initial=timezone.localdate)
    someone_else = forms.BooleanField(
        label=_("This is someone else than the participant with the same name"),
        required=False,
    )

    def clean_consent_on(self):
        value = self.cleaned_data["consent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The day they agreed cannot be in the future."))
        return value


class HeadCountForm(forms.Form):
    head_count = forms.IntegerField(
        label=_("Others who came (not registered)"),
        min_value=0,
        max_value=MAX_HEAD_COUNT,
        error_messages={
            "invalid": _("Fill in a whole number."),
            "required": _("Fill in a number (0 if nobody)."),
        },
    )


class AbsenceForm(forms.ModelForm):
    starts_on = _date_field(_("From"))
    ends_on = _date_field(_("Until"))

    class Meta:
        model = Absence
        fields = ["starts_on", "ends_on", "note"]
        labels = {"note": _("Note (optional, for example: on holiday)")}

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise forms.ValidationError(_("The last day cannot be before the first day."))
        return cleaned


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the record closed?"),
        choices=ClosedReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why the record is closed.")},
    )


class SettingsForm(forms.Form):
    keeps_attendance = forms.BooleanField(
        label=_("We keep track of who comes to our activities"),
        required=False,
        help_text=_(
            "Then you can register participants who agree to it and mark at the door who came."
        ),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), max_length=100, required=False)

    def text(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class DismissForm(forms.Form):
    """Why a signal is put aside: a short list, and a few words if they help."""

    reason = forms.ChoiceField(
        label=_("Why?"),
        choices=DismissReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose why you put this aside."),
            "invalid_choice": _("Choose why you put this aside."),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_LENGTH,
        error_messages={"max_length": _("Keep the note short.")},
    )


# The thresholds of "not seen lately" (network administrators) ------------------------------


class _DecimalField(forms.DecimalField):
    """A number with one decimal; a comma works as well as a point (“2,5”)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", ".")
        return super().to_python(value)


#: Per threshold: its label and its explanation, in the words of the people it is about.
_SIGNAL_SETTING_TEXTS = {
    "min_days_away": (
        _("Days away at least"),
        _(
            "Nobody appears under “Not seen lately” before they have stayed away this many "
            "days. Standard: 21 (three weeks)."
        ),
    ),
    "gap_factor": (
        _("How many times their usual rhythm"),
        _(
            "We compare with how often someone usually comes. At 2, someone who comes every "
            "week stands out after missing 2 dates, someone who comes every other week after "
            "missing 4. Standard: 2. You may use one decimal, for example 1,5."
        ),
    ),
    "min_missed": (
        _("Dates missed at least"),
        _(
            "However often someone usually comes, they must have missed at least this many "
            "dates before they stand out. Standard: 2."
        ),
    ),
    "min_attendances": (
        _("Times someone came before we know their rhythm"),
        _(
            "Until someone came this often, we do not yet know how often they usually come; "
            "then the number below counts instead. Standard: 5."
        ),
    ),
    "fixed_missed": (
        _("Dates missed by someone who came only a few times"),
        _(
            "Someone who came fewer times than the number above stands out after missing "
            "this many dates in a row. Standard: 3."
        ),
    ),
    "min_regular": (
        _("Times come to count as a regular"),
        _(
            "Someone who came fewer times is not looked out for: once or twice is not yet a "
            "habit. Standard: 3."
        ),
    ),
    "max_gap": (
        _("A regular comes at least once in this many dates"),
        _(
            "Someone who comes less often is not looked out for, because staying away is "
            "normal for them. At 4, someone who comes once a month to a weekly activity "
            "still counts. Standard: 4."
        ),
    ),
    "history_days": (
        _("Days we look back"),
        _(
            "How far back we look to learn how often someone comes. Standard: 365 (a year). "
            "Dates without attendance taken never count."
        ),
    ),
}

#: The form in three parts: (legend, the thresholds in it).
SIGNAL_SETTING_GROUPS = (
    (_("When does someone stand out?"), ("min_days_away", "gap_factor", "min_missed")),
    (_("Someone who has only just started coming"), ("min_attendances", "fixed_missed")),
    (_("Who counts as a regular?"), ("min_regular", "max_gap", "history_days")),
)


class SignalSettingsForm(forms.Form):
    """The eight numbers of the rule, each with its bounds (SIGNAL_SETTING_BOUNDS) and a
    message that names them; attendance/services.save_signal_settings checks again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in SIGNAL_SETTING_BOUNDS.items():
            label, help_text = _SIGNAL_SETTING_TEXTS[name]
            bounds = _("Fill in a number from %(low)s to %(high)s.") % {
                "low": formats.localize(low),
                "high": formats.localize(high),
            }
            messages = {
                "required": bounds,
                "invalid": bounds,
                "min_value": bounds,
                "max_value": bounds,
                "max_digits": bounds,
                "max_whole_digits": bounds,
                "max_decimal_places": _("Use at most one decimal, for example 1,5."),
            }
            if isinstance(low, Decimal):
                field = _DecimalField(
                    min_value=low,
                    max_value=high,
                    max_digits=3,
                    decimal_places=1,
                    error_messages=messages,
                )
            else:
                field = forms.IntegerField(min_value=low, max_value=high, error_messages=messages)
            field.label, field.help_text = label, help_text
            field.widget.attrs.update(
                {"inputmode": "decimal" if isinstance(low, Decimal) else "numeric"}
            )
            self.fields[name] = field

    def groups(self) -> list[tuple[str, list]]:
        """The bound fields per part of the form, for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in SIGNAL_SETTING_GROUPS]
