"""What the overviews keep of their own: how many people live in each area, per year.

Everything else they show is counted from the other apps' rows when asked
(overviews/figures.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from network.models import Area


class AreaPopulation(models.Model):
    """Residents of a village or neighbourhood in one year, entered by an administrator
    (from the municipality's own figures), so reach can be shown per 100 residents."""

    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="populations", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("residents"))

    class Meta:
        ordering = ["area__name", "-year"]
        verbose_name = _("number of residents")
        verbose_name_plural = _("numbers of residents")
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="area_population_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year}: {self.population}"
