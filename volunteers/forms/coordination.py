"""Coordinators' filters and the hours form. Junk in any of them gives a message, never an
error page: the view shows the message and falls back to the default."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from network.shared import DomainError

from .. import coordination

#: How far ahead the unfilled overview looks: (value in the address, label, days or None).
PERIODS = [
    ("week", _("the coming week"), 7),
    ("maand", _("the coming four weeks"), 28),
    ("kwartaal", _("the coming three months"), 92),
    ("alles", _("everything to come"), None),
]
DEFAULT_PERIOD = "maand"


class UnfilledFilterForm(forms.Form):
    periode = forms.ChoiceField(
        label=_("Show"),
        choices=[(value, label) for value, label, _days in PERIODS],
        required=False,
        error_messages={"invalid_choice": _("Choose one of the periods in the list.")},
    )

    def __init__(self, *args, networks=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.networks = list(networks or [])
        if len(self.networks) > 1:
            self.fields["netwerk"] = forms.ChoiceField(
                label=_("Network"),
                choices=[("", _("all my organisations"))]
                + [(network.slug, network.name) for network in self.networks],
                required=False,
                error_messages={"invalid_choice": _("Choose one of the networks in the list.")},
            )

    def days(self) -> int | None:
        value = (self.cleaned_data.get("periode") if self.is_valid() else None) or DEFAULT_PERIOD
        return next(days for key, _label, days in PERIODS if key == value)

    def network(self):
        slug = self.cleaned_data.get("netwerk") if self.is_valid() else None
        return next((network for network in self.networks if network.slug == slug), None)


def parse_hours(text: object) -> Decimal:
    """Hours as typed: "2", "1,5" or "1.5". Raises DomainError with a clear message."""
    value = str(text or "").strip().replace(",", ".")
    if not value:
        raise DomainError(gettext("Fill in the number of hours."))
    if len(value) > 10:
        raise DomainError(gettext("That is not a number of hours. Write it like 2 or 1,5."))
    try:
        hours = Decimal(value)
    except InvalidOperation:
        raise DomainError(
            gettext("That is not a number of hours. Write it like 2 or 1,5.")
        ) from None
    return coordination.check_hours(hours)


def hours_from_post(data) -> tuple[dict[int, Decimal], dict[int, str]]:
    """({sign-up id: hours}, {sign-up id: message}) for the sign-ups ticked in the hours
    form (`signup` values, each with its `hours-<id>` field), or for the one whose button
    was pressed (`only`). Values that are no id at all are ignored: they name no sign-up.
    The service decides which of the ids may be approved (its organisation, still waiting).
    """
    only = data.get("only")
    chosen = [only] if only else data.getlist("signup")
    result: dict[int, Decimal] = {}
    errors: dict[int, str] = {}
    for raw in chosen[:500]:
        if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 19):
            continue
        pk = int(raw)
        try:
            result[pk] = parse_hours(data.get(f"hours-{pk}"))
        except DomainError as error:
            errors[pk] = str(error)
    return result, errors
