"""Forms of the volunteer's own pages: "I want to help", the profile with its availability
grid, certificates; and the coordinator's decision on an offer to help. They never save
themselves: the views pass cleaned data to volunteers.profiles."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import CertificateKind, ContactPreference, PartOfDay, Weekday
from ..profiles import AVAILABILITY_SLOTS, offering_organisations

_DATE = {"type": "date"}


def _slot_key(day: int, part: str) -> str:
    return f"{day}-{part}"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class OfferHelpForm(forms.Form):
    """The organisation is chosen from the list on the page (a link per organisation, so a
    region's thousands never fill one select); the form carries it along."""

    organisation = OrganisationChoiceField(
        queryset=offering_organisations(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose an organisation in the list first."),
            "invalid_choice": _("Choose one of the organisations in the list."),
        },
    )
    message = forms.CharField(
        label=_("A few words about yourself (optional)"),
        help_text=_("For example what you like to do, or when you have time."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = offering_organisations()


class OrganisationSearchForm(forms.Form):
    zoek = forms.CharField(label=_("Search by name"), required=False, max_length=100)

    def clean_zoek(self) -> str:
        return " ".join(self.cleaned_data["zoek"].split())


class ProfileForm(forms.Form):
    phone = forms.CharField(
        label=_("Telephone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Only the coordinators of the organisations you help see it."),
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we reach you?"),
        choices=ContactPreference.choices,
        widget=forms.RadioSelect,
        initial=ContactPreference.EMAIL,
    )
    skills = forms.CharField(
        label=_("What are you good at?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: cooking, driving, listening, odd jobs."),
    )
    interests = forms.CharField(
        label=_("What would you like to do?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"),
        required=False,
        choices=[
            (_slot_key(day, part), f"{Weekday(day).label} {PartOfDay(part).label}")
            for day, part in AVAILABILITY_SLOTS
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Tick only the boxes in the grid.")},
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth (optional)"),
        required=False,
        help_text=_(
            "Only needed for tasks with a minimum age, such as driving. Leave it empty otherwise."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not (this_year - 110 <= year <= this_year - 10):
            raise forms.ValidationError(_("Please check the year of birth."))
        return year

    def clean(self) -> dict:
        data = super().clean()
        if data.get("contact_preference") == ContactPreference.PHONE and not data.get("phone"):
            self.add_error("phone", _("Give a telephone number if you want us to call you."))
        return data

    def profile_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["availability"] = [
            [int(day), part] for day, part in (key.split("-", 1) for key in data["availability"])
        ]
        return data

    def availability_grid(self) -> list[dict]:
        """Rows per weekday, a checkbox per part of day, for the grid in the template."""
        checked = set(self["availability"].value() or ())
        return [
            {
                "label": day.label,
                "slots": [
                    {
                        "value": _slot_key(day.value, part.value),
                        "label": f"{day.label} {part.label}",
                        "checked": _slot_key(day.value, part.value) in checked,
                        "id": f"id_availability_{day.value}_{part.value}",
                    }
                    for part in PartOfDay
                ],
            }
            for day in Weekday
        ]

    @staticmethod
    def initial_from(profile) -> dict:
        return {
            "phone": profile.phone,
            "contact_preference": profile.contact_preference,
            "skills": profile.skills,
            "interests": profile.interests,
            "availability": [_slot_key(day, part) for day, part in profile.availability or ()],
            "birth_year": profile.birth_year,
        }


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=CertificateKind.choices,
        error_messages={"invalid_choice": _("Choose one of the kinds in the list.")},
    )
    name = forms.CharField(
        label=_("Which training (for a training)"),
        required=False,
        max_length=100,
        help_text=_("For example: EHBO."),
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 15-03-2024.")},
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        help_text=_(
            "Leave empty if it does not expire. A VOG counts for three years from its date."
        ),
        error_messages={"invalid": _("Enter a date, for example 15-03-2027.")},
    )

    def clean(self) -> dict:
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and issued > timezone.localdate():
            self.add_error("issued_on", _("The date of issue cannot be in the future."))
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The certificate cannot expire before it was issued."))
        if data.get("kind") == CertificateKind.TRAINING and not data.get("name"):
            self.add_error("name", _("Say which training it was, for example: EHBO."))
        return data


class ApplicationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        error_messages={"invalid_choice": _("Choose to approve or to decline.")},
    )
