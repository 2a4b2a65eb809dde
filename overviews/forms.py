"""The form of the residents page: one number per village or neighbourhood of the
network, for one year."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import Area


class PopulationsForm(forms.Form):
    """A field per area (`area_<pk>`), empty where the number is not known."""

    def __init__(self, *args, areas: list[Area], known: dict[int, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.areas = areas
        for area in areas:
            self.fields[f"area_{area.pk}"] = forms.IntegerField(
                label=area.name,
                required=False,
                min_value=0,
                max_value=10_000_000,
                initial=known.get(area.pk),
                help_text=_("Leave empty when you do not know."),
            )

    def populations(self) -> dict[int, int | None]:
        return {area.pk: self.cleaned_data.get(f"area_{area.pk}") for area in self.areas}
