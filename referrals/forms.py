"""The coordinator's referral form. Junk gives a message on the form; referrals/services.py
checks every rule again (consent unless an urgent ground, the team a wijkteam)."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Area, Organisation

from . import services
from .models import Action, Category, ConsentHow, Ground, Reason, Urgency


class ReferralForm(forms.Form):
    person_name = forms.CharField(
        label=_("Name of the resident"),
        max_length=services.MAX_NAME,
        error_messages={"required": _("Fill in the name of the resident.")},
    )
    person_contact = forms.CharField(
        label=_("How can the team reach them?"),
        max_length=services.MAX_CONTACT,
        help_text=_("A telephone number or an address."),
        error_messages={
            "required": _("Say how the team can reach the resident: a telephone or address.")
        },
    )
    area = forms.ModelChoiceField(
        label=_("Village or neighbourhood"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Not known"),
        error_messages={"invalid_choice": _("Choose one of the villages in the list.")},
    )
    categories = forms.MultipleChoiceField(
        label=_("What is it about?"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose what the referral is about."),
            "invalid_choice": _("Choose what the referral is about."),
        },
    )
    free_text = forms.CharField(
        label=_("In a few words"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only what the team needs to make contact. No medical details."),
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how urgent it is.")},
    )
    team = forms.ModelChoiceField(
        label=_("Wijkteam"),
        queryset=Organisation.objects.none(),
        error_messages={
            "required": _("Choose a wijkteam."),
            "invalid_choice": _("Choose a wijkteam."),
        },
    )
    ground = forms.ChoiceField(
        label=_("On what ground?"),
        choices=Ground.choices,
        initial=Ground.CONSENT,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Record the resident's consent, or an urgent ground.")},
    )
    consent_given_by = forms.CharField(
        label=_("Who agreed?"),
        required=False,
        max_length=services.MAX_NAME,
        help_text=_("The resident, or who speaks for them (for example a daughter)."),
    )
    consent_how = forms.ChoiceField(
        label=_("How did they agree?"),
        required=False,
        choices=[("", _("Choose")), *ConsentHow.choices],
        error_messages={"invalid_choice": _("Say how the resident agreed.")},
    )
    consent_on = forms.DateField(
        label=_("When did they agree?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Fill in a date, for example 12-03-2026.")},
    )
    urgent_ground_note = forms.CharField(
        label=_("Only without consent: what is the acute danger?"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The team sees this referral marked as urgent, sent without consent."),
    )
    consent_text_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(
            municipality_id=organisation.municipality_id
        ).order_by("name")
        self.fields["team"].queryset = services.wijkteams().order_by("name")
        if not self.is_bound:
            self.initial.setdefault("consent_on", timezone.localdate())
            self.initial.setdefault("consent_text_version", services.CURRENT_CONSENT_VERSION)
            self.initial.setdefault("consent_given_by", _("the resident"))

    def service_arguments(self) -> dict:
        """What send_referral takes, from the cleaned data."""
        data = dict(self.cleaned_data)
        day = data.pop("consent_on")
        consent_at = None
        if day is not None:
            now = timezone.localtime()
            at = now.time() if day == now.date() else time(12)
            consent_at = timezone.make_aware(datetime.combine(day, at))
        return {**data, "consent_at": consent_at}


class ChangeForm(forms.Form):
    """One step on a referral's page: the action, and a reason, a note or a team where
    the step asks for one (the service says which)."""

    action = forms.ChoiceField(choices=Action.choices)
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("Choose")), *Reason.choices]
    )
    note = forms.CharField(
        label=_("In a few words (optional)"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    team = forms.ModelChoiceField(
        label=_("Which team"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = services.wijkteams().order_by("name")
