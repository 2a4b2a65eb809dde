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


# --- summaries (overviews/summary.py) -------------------------------------------------
# Counts per month, refreshed by a Celery job, so an overview reads thousands of rows
# instead of the hundreds of thousands of attendance rows it covers. The ids are plain
# numbers, not foreign keys: a summary row must never keep a date or an activity from
# being deleted (network.shared.held_ids looks at every relation) nor slow a delete down;
# the next refresh drops what points nowhere.


class SummaryState(models.Model):
    """One row: when the summaries were last refreshed, and their version (every refresh
    raises it, so kept overviews are keyed by it)."""

    version = models.PositiveIntegerField(default=0)
    #: The summaries hold everything recorded before this moment.
    refreshed_at = models.DateTimeField(null=True, blank=True)
    #: The last full rebuild (the nightly job); recent months are recounted more often.
    full_at = models.DateTimeField(null=True, blank=True)
    #: How long the last refresh took, and whether it was full.
    seconds = models.FloatField(default=0)
    full = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("state of the overview summaries")
        verbose_name_plural = _("state of the overview summaries")

    def __str__(self) -> str:
        return f"{self.version} {self.refreshed_at}"


class SummaryRow(models.Model):
    """A month's row of one summary."""

    month = models.DateField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.month:%Y-%m}"


class SummaryDates(SummaryRow):
    """Dates held (not called off) per activity, month and village or neighbourhood."""

    activity_id = models.IntegerField()
    area_id = models.IntegerField(null=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["activity_id", "month"], name="summary_dates_activity")]


class SummaryParticipations(SummaryRow):
    """Attendance rows and roll-call head counts per activity, organisation and month."""

    activity_id = models.IntegerField()
    organisation_id = models.IntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["activity_id", "month"], name="summary_participations_act")]


class SummaryParticipants(models.Model):
    """Who came: one row per participant, activity, organisation, area (where they lived
    then) and year, with the months they came as bits (bit 0 January … bit 11 December),
    so different participants over any months of a year are one count over few rows (a
    row per month made a municipality's count read 120,000 rows; this, some 15,000)."""

    year = models.PositiveSmallIntegerField()
    #: Bit m-1 set: they came at least once in month m.
    months = models.PositiveIntegerField()
    activity_id = models.IntegerField()
    organisation_id = models.IntegerField()
    area_id = models.IntegerField(null=True)
    participant_id = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["activity_id", "year", "participant_id"],
                name="summary_participants_act",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.year} {self.months:012b}"


class SummaryVolunteers(SummaryRow):
    """Volunteers who did a shift in a month (confirmed, shift not called off, no no-show),
    per activity (none for a task with its own schedule) and the task's organisation, with
    the hours approved."""

    activity_id = models.IntegerField(null=True)
    organisation_id = models.IntegerField()
    volunteer_id = models.IntegerField()
    hours = models.DecimalField(max_digits=9, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["activity_id", "month"], name="summary_volunteers_act"),
            models.Index(fields=["organisation_id", "month"], name="summary_volunteers_org"),
        ]


class SummaryShifts(SummaryRow):
    """Shifts not called off per activity (or none), the task's organisation and month:
    how many, volunteers needed, places filled."""

    activity_id = models.IntegerField(null=True)
    organisation_id = models.IntegerField()
    shifts = models.PositiveIntegerField()
    places = models.PositiveIntegerField()
    filled = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["activity_id", "month"], name="summary_shifts_act")]


class SummaryHelp(SummaryRow):
    """Help requests per organisation and month, and those a volunteer was matched to."""

    organisation_id = models.IntegerField()
    n = models.PositiveIntegerField()
    answered = models.PositiveIntegerField()


class SummarySignals(SummaryRow):
    """ "Not seen lately" signals raised per activity (or none), the participant's
    organisation and month, and those followed up."""

    activity_id = models.IntegerField(null=True)
    organisation_id = models.IntegerField()
    n = models.PositiveIntegerField()
    followed = models.PositiveIntegerField()
