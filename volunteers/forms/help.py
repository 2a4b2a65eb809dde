"""Forms of informal help: asking (a resident for themselves, a coordinator on someone's
behalf), offering to help, matching in rotation, and the coordinator's filter. They never
save themselves: the views pass cleaned data to volunteers.help."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import Area, Organisation

from ..help import MAX_VOLUNTEERS_WANTED
from ..models import HelpFrequency, HelpRequestStatus, TaskKind
from ..permissions import coordinated_organisation_ids
from ..profiles import offering_organisations
from .profile import OrganisationChoiceField


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class HelpRequestForm(forms.Form):
    """A resident asks for themselves; `on_behalf` adds the name and contact of the person
    a coordinator asks for, and limits the organisations to those they coordinate."""

    organisation = OrganisationChoiceField(
        label=_("Which organisation should help?"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose an organisation"),
        error_messages={"invalid_choice": _("Choose one of the organisations in the list.")},
    )
    title = forms.CharField(
        label=_("What help is needed?"),
        max_length=120,
        help_text=_("For example: someone to go shopping with me. Do not give names here."),
    )
    description = forms.CharField(
        label=_("More about it (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Volunteers read this. Do not write names, addresses or telephone numbers."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of help"),
        choices=TaskKind.choices,
        initial=TaskKind.PRACTICAL,
        error_messages={"invalid_choice": _("Choose one of the kinds in the list.")},
    )
    area = AreaChoiceField(
        label=_("Village or neighbourhood"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Not said"),
        error_messages={"invalid_choice": _("Choose one of the places in the list.")},
    )
    rough_location = forms.CharField(
        label=_("Roughly where (optional)"),
        required=False,
        max_length=100,
        help_text=_("For example: near the church. Not the address."),
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=HelpFrequency.choices,
        initial=HelpFrequency.ONCE,
        error_messages={"invalid_choice": _("Choose how often from the list.")},
    )
    volunteers_wanted = forms.IntegerField(
        label=_("How many volunteers may take turns"),
        min_value=1,
        max_value=MAX_VOLUNTEERS_WANTED,
        initial=1,
        help_text=_(
            "For help every week, several volunteers can take turns: for example four, "
            "each once a month."
        ),
        error_messages={"invalid": _("Enter a number, for example 1.")},
    )
    requester_name = forms.CharField(
        label=_("Name of the person asking"),
        max_length=100,
        help_text=_("Only coordinators see this."),
    )
    requester_contact = forms.CharField(
        label=_("How can the coordinator reach you?"),
        max_length=200,
        help_text=_("A telephone number or address. Only coordinators see this."),
    )

    def __init__(self, *args, user, on_behalf: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.on_behalf = on_behalf
        organisations = offering_organisations()
        if on_behalf:
            organisations = organisations.filter(pk__in=coordinated_organisation_ids(user))
            self.fields["requester_contact"].label = _("Telephone or address of the person")
        else:
            del self.fields["requester_name"]
        self.fields["organisation"].queryset = organisations
        self.fields["area"].queryset = Area.objects.filter(
            municipality__organisations__in=organisations
        ).distinct()

    def request_data(self) -> dict:
        return {**self.cleaned_data, "on_behalf": self.on_behalf}


class HelpResponseForm(forms.Form):
    message = forms.CharField(
        label=_("A message for the coordinator (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example when you have time."),
    )


class MatchForm(forms.Form):
    """A turn (1, 2, …) for each volunteer who offered; empty: not matched."""

    def __init__(self, *args, responses, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.responses = list(responses)
        turns = [("", _("not matched"))] + [
            (str(n), _("turn %(n)d") % {"n": n}) for n in range(1, len(self.responses) + 1)
        ]
        for response in self.responses:
            self.fields[f"turn_{response.pk}"] = forms.ChoiceField(
                label=_("Turn for %(name)s") % {"name": response.volunteer},
                choices=turns,
                required=False,
                initial=str(response.rotation_position or ""),
                error_messages={"invalid_choice": _("Choose a turn from the list.")},
            )

    def clean(self) -> dict:
        data = super().clean()
        chosen = {}
        for response in self.responses:
            turn = data.get(f"turn_{response.pk}")
            if turn:
                if turn in chosen:
                    raise forms.ValidationError(_("Give each volunteer a different turn."))
                chosen[turn] = response.pk
        if not chosen:
            raise forms.ValidationError(_("Choose at least one volunteer."))
        data["rotation"] = [chosen[turn] for turn in sorted(chosen, key=int)]
        return data

    def rows(self):
        return [(response, self[f"turn_{response.pk}"]) for response in self.responses]


class HelpFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("open and matched")), *list(HelpRequestStatus.choices)],
        error_messages={"invalid_choice": _("That is not a status we know; showing all.")},
    )
