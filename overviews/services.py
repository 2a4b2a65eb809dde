"""Writes of the overviews: only the residents per area (everything else they show is
counted from the other apps)."""

from __future__ import annotations

from django.db import transaction

from .models import AreaPopulation


@transaction.atomic
def set_populations(*, year: int, populations: dict[int, int | None]) -> None:
    """The residents of these areas in `year`; None removes a number no longer known.
    Overviews already counted keep their figures until they are counted again (the page
    says when that was)."""
    for area_id, population in populations.items():
        if population is None:
            AreaPopulation.objects.filter(area_id=area_id, year=year).delete()
        else:
            AreaPopulation.objects.update_or_create(
                area_id=area_id, year=year, defaults={"population": population}
            )
