"""Forms for the shared places a network administrator keeps: the place and its rooms.

The rooms are a plain formset, not a model formset: writing goes through
places.create_place / update_place, which also refuse to remove a room still in use.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import Municipality

from .models import Place
from .places import PLACE_FIELDS

POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*$")
MAX_ROOMS = 30


class PlaceForm(forms.ModelForm):
    class Meta:
        model = Place
        fields = list(PLACE_FIELDS)
        help_texts = {
            "postcode": _("For example 4153 AB."),
            "latitude": _("Optional, for a map. For example 51.887."),
            "longitude": _("Optional, for a map. For example 5.192."),
        }

    def __init__(self, *args, municipality: Municipality, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.fields["area"].queryset.filter(
            municipality=municipality
        )
        self.fields["area"].empty_label = _("Not in one village in particular")
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update(inputmode="decimal")
        self.fields["postcode"].widget.attrs.update(autocomplete="postal-code")
        self.fields["address"].widget.attrs.update(autocomplete="address-line1")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not re.search(r"\w", name):
            raise forms.ValidationError(_("Use at least one letter or digit in the name."))
        return name

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        match = POSTCODE.match(value)
        if not match:
            raise forms.ValidationError(_("A postcode has four digits and two letters: 4153 AB."))
        return f"{match.group(1)} {match.group(2).upper()}"

    def _clean_coordinate(self, name: str, limit: int) -> Decimal | None:
        value = self.cleaned_data.get(name)
        if value is not None and not -limit <= value <= limit:
            raise forms.ValidationError(
                _("Use a number from -%(limit)d to %(limit)d.") % {"limit": limit}
            )
        return value

    def clean_latitude(self) -> Decimal | None:
        return self._clean_coordinate("latitude", 90)

    def clean_longitude(self) -> Decimal | None:
        return self._clean_coordinate("longitude", 180)

    def clean(self) -> dict:
        cleaned = super().clean()
        has_lat = cleaned.get("latitude") is not None
        has_lon = cleaned.get("longitude") is not None
        if has_lat != has_lon and not {"latitude", "longitude"} & set(self.errors):
            self.add_error(
                "longitude" if has_lat else "latitude",
                _("Give both latitude and longitude, or neither."),
            )
        return cleaned

    def place_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLACE_FIELDS}


class RoomForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Room name"), max_length=100, required=False)


class BaseRoomFormSet(forms.BaseFormSet):
    """Rows of rooms: rename in place, tick "remove", or fill in an empty row to add one."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this room")

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            if self._should_delete_form(form):
                continue
            name = (form.cleaned_data.get("name") or "").strip()
            if not name:
                if form.cleaned_data.get("id"):
                    form.add_error("name", _("Give the room a name, or tick remove."))
                continue
            if name.casefold() in seen:
                form.add_error("name", _("Another room has this name already."))
            seen.add(name.casefold())

    def rooms(self) -> list[tuple[int | None, str]]:
        """The rooms after saving: (id of an existing room or None, name)."""
        return [
            (form.cleaned_data.get("id"), form.cleaned_data["name"].strip())
            for form in self.forms
            if not self._should_delete_form(form) and (form.cleaned_data.get("name") or "").strip()
        ]


RoomFormSet = forms.formset_factory(
    RoomForm,
    formset=BaseRoomFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_ROOMS,
    validate_max=True,
    absolute_max=MAX_ROOMS + 10,
)


def room_formset(data, rooms=()) -> BaseRoomFormSet:
    """The rooms of a place (none for a new one) as rows, plus two empty rows to add."""
    return RoomFormSet(
        data, prefix="rooms", initial=[{"id": room.pk, "name": room.name} for room in rooms]
    )
