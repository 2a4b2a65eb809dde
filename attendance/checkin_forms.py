"""The forms of check-ins: a coordinator asks a volunteer to drop by; the volunteer says
how it went. Junk gives a message on the form; attendance/checkins.py checks the rules
again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import Organisation

from . import checkins
from .models import CheckInOutcome, Participant, Signal


class VolunteerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class AskForm(forms.Form):
    volunteer = VolunteerChoice(
        label=_("Which volunteer"),
        queryset=None,
        empty_label=_("Choose a volunteer"),
        error_messages={
            "required": _("Choose a volunteer."),
            "invalid_choice": _("Choose one of the volunteers in the list."),
        },
    )
    what_is_asked = forms.CharField(
        label=_("What do you ask"),
        max_length=checkins.MAX_WHAT,
        help_text=_(
            "Short and kind, for example: “Drop by and ask how things are going.” Say nothing "
            "about why; the volunteer only needs to know what to do."
        ),
        error_messages={"required": _("Say what you ask of the volunteer.")},
    )
    due_on = forms.DateField(
        label=_("Before"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Choose a day."),
            "invalid": _("Fill in a date, for example 12-03-2026."),
        },
    )
    show_address = forms.BooleanField(label=_("The volunteer sees the address"), required=False)
    show_phone = forms.BooleanField(
        label=_("The volunteer sees the telephone number"), required=False
    )
    #: The signal it is asked from (the inbox's link carries it); anything else: none.
    signal = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        organisation: Organisation,
        participant: Participant,
        signal: Signal | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.signal = signal
        self.fields["volunteer"].queryset = checkins.volunteers_of(organisation)
        if not self.is_bound:
            self.initial.setdefault("due_on", checkins.default_due_on())
            self.initial.setdefault("show_address", bool(participant.address))
            self.initial.setdefault("show_phone", not participant.address)
            self.initial.setdefault("what_is_asked", _("Drop by and ask how things are going."))
            self.initial.setdefault("signal", signal.pk if signal else "")

    def clean_signal(self) -> Signal | None:
        """The view looked the sent id up (signal_of): the signal, or None."""
        return self.signal


def signal_of(participant: Participant, value: object) -> Signal | None:
    """The participant's signal with this id, or None for anything else (another's, junk):
    where a request comes from is a courtesy, never a reason to refuse it."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
        return None
    return Signal.objects.filter(participant=participant, pk=int(text)).first()


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it go?"),
        choices=CheckInOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how it went."),
            "invalid_choice": _("Choose how it went."),
        },
    )
    note = forms.CharField(
        label=_("A short note for the coordinator"),
        required=False,
        max_length=checkins.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only what the coordinator needs to know. You may leave it empty."),
    )
