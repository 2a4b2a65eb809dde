"""Demo and benchmark data of the overviews: the number of residents of every village and
neighbourhood, this year and the two before, so reach per 100 residents shows (an
administrator enters the real numbers in the admin)."""

from __future__ import annotations

from network.models import Area
from network.seed import SeedContext, register_flush, register_step

from .models import AreaPopulation, SummaryState

#: Residents of the home network's villages (about as in West Betuwe).
HOME_POPULATIONS = {"Beesd": 4500, "Rumpt": 450, "Gellicum": 600, "Enspijk": 550}


@register_step
def seed_populations(ctx: SeedContext) -> None:
    rng = ctx.rng_for("overviews.populations")
    year = ctx.shared["today"].year if "today" in ctx.shared else None
    if year is None:
        from activities.seed import seed_today

        year = seed_today().year
    rows = []
    for area in Area.objects.order_by("pk"):
        base = HOME_POPULATIONS.get(area.name) or rng.randrange(300, 9000, 10)
        for offset in range(3):
            grown = round(base * (1 - 0.01 * offset) / 10) * 10
            rows.append(AreaPopulation(area=area, year=year - offset, population=grown))
    AreaPopulation.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    ctx.counts["area populations"] = len(rows)


@register_flush
def flush_populations() -> None:
    AreaPopulation.objects.all().delete()


@register_step
def seed_summaries(ctx: SeedContext) -> None:
    """The overviews' summary tables, counted from everything seeded before (overviews
    come after attendance and volunteering in INSTALLED_APPS)."""
    from .summary import refresh

    ctx.counts["overview summary rows"] = refresh(full=True)["rows"]


@register_flush
def flush_summaries() -> None:
    from .summary import SUMMARIES

    for model in [*SUMMARIES, SummaryState]:
        model.objects.all().delete()
