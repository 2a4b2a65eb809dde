"""Participants, who came to which date, and who is away for a while.

Attendance is the ground "not seen lately" (SPEC.md, point 3) stands on: a nightly job
(a later issue) compares each participant's recent attendance with their own rhythm. So
"attendance was taken" is data (`RollCall`): a date without one is unknown, never a date
everybody missed. Rows are written only by attendance/services.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Occurrence
from network.models import Area, Organisation, User


class AttendanceSettings(models.Model):
    """Whether an organisation keeps attendance at all; none does until a coordinator
    says so (no row: it does not). Later settings of "not seen lately" belong here too."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="attendance_settings",
        verbose_name=_("organisation"),
    )
    keeps_attendance = models.BooleanField(_("we keep track of who comes"), default=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("attendance settings")
        verbose_name_plural = _("attendance settings")

    def __str__(self) -> str:
        return str(self.organisation)


class ConsentHow(models.TextChoices):
    VERBAL = "verbal", _("said yes (verbally)")
    WRITTEN = "written", _("signed on paper")
    FORM = "form", _("filled in a form")


class ClosedReason(models.TextChoices):
    MOVED = "moved", _("moved away")
    DECEASED = "deceased", _("passed away")
    WITHDREW = "withdrew", _("no longer wants to be registered")


class ParticipantQuerySet(models.QuerySet):
    def visible_to(self, user) -> ParticipantQuerySet:
        """What permissions.can_view_participant allows: coordinators of the organisation
        that registered them, and of organisations it shares them with in a network."""
        from .permissions import visible_participants_q

        return self.filter(visible_participants_q(user))

    def changeable_by(self, user) -> ParticipantQuerySet:
        """What permissions.can_change_participant allows: the registering organisation's
        coordinators."""
        from .permissions import changeable_participants_q

        return self.filter(changeable_participants_q(user))

    def open(self) -> ParticipantQuerySet:
        return self.filter(closed_at__isnull=True)

    def matching(self, text: str) -> ParticipantQuerySet:
        """Part of the name, any case: the search of the lists and the roll-call."""
        text = (text or "").replace("\x00", "").strip()[:100]
        return self.filter(name__icontains=text) if text else self


class Participant(models.Model):
    """Someone who comes to an organisation's activities and agreed to be registered.

    The minimum: a name, how to reach them, where they live (area, for the overviews), and
    how and when they agreed. They belong to the organisation that registered them;
    `shared_with_network` is the explicit choice to let the coordinators of the other
    organisations of its networks see and mark them too.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="participants",
        verbose_name=_("registered by"),
        db_index=False,  # participant_org_name leads with it
    )
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village or neighbourhood"),
    )
    contact_person = models.CharField(
        _("contact person"),
        max_length=200,
        blank=True,
        help_text=_("For example a son or neighbour, with their telephone number."),
    )
    consent_how = models.CharField(
        _("how they agreed to be registered"), max_length=10, choices=ConsentHow.choices
    )
    consent_on = models.DateField(_("when they agreed"))
    consent_recorded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement recorded by"),
    )
    #: Their own account, when they have one: "my data" shows and erases this record.
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participant_records",
        verbose_name=_("account"),
    )
    shared_with_network = models.BooleanField(
        _("share with the network"),
        default=False,
        help_text=_(
            "Coordinators of the other organisations in your network can then see this "
            "participant and mark them present."
        ),
    )
    #: False: they come and are counted, but nobody follows up when they stay away.
    follow_up = models.BooleanField(_("look out for them"), default=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_reason = models.CharField(
        _("reason"), max_length=10, choices=ClosedReason.choices, blank=True
    )
    closed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [
            # The participants list of an organisation, in name order.
            models.Index(fields=["organisation", "name"], name="participant_org_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_reason="")
                | Q(closed_at__isnull=False) & ~Q(closed_reason=""),
                name="participant_closed_with_reason",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def gets_signals(self) -> bool:
        """Whether "not seen lately" may look at them: open and followed up."""
        return self.closed_at is None and self.follow_up


class RollCall(models.Model):
    """Attendance was taken for this date (by whom, when) and how many came who are not
    registered. Without it, a date's attendance is unknown, never "nobody came"."""

    occurrence = models.OneToOneField(
        Occurrence, on_delete=models.CASCADE, related_name="roll_call", verbose_name=_("date")
    )
    taken_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    taken_at = models.DateTimeField(_("taken"))
    #: People who came and are not registered: counted, never named.
    head_count = models.PositiveSmallIntegerField(_("others who came"), default=0)

    class Meta:
        verbose_name = _("roll-call")
        verbose_name_plural = _("roll-calls")

    def __str__(self) -> str:
        return str(self.occurrence)


class Attendance(models.Model):
    """One participant was there on one date. A row only for who came: a date with a
    `RollCall` and no row for someone means they did not.

    About 5 million rows at region scale, so narrow: ids and a day, no text. What the
    nightly job and the overviews group by is copied in when the row is written (the
    date's organisation and activity, its local day, the participant's area at the time),
    so they read this table alone.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    #: The date's day in Europe/Amsterdam.
    day = models.DateField()
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            # Marking twice gives one row; the roll-call page reads a date's rows by it.
            models.UniqueConstraint(
                fields=["occurrence", "participant"], name="attendance_once_per_date"
            )
        ]
        indexes = [
            # "Last seen", a participant's history and their own rhythm (nightly job).
            models.Index(fields=["participant", "day"], name="attendance_participant_day"),
            # The regulars of an activity (roll-call page); participation per activity.
            models.Index(fields=["activity", "day"], name="attendance_activity_day"),
            # Overviews per organisation and month.
            models.Index(fields=["organisation", "day"], name="attendance_org_day"),
            # The nightly "not seen lately" job (attendance/signals.py, _raise_in_chunk):
            # per participant and activity how often, first and last, read from the index
            # alone for a chunk of participants, already grouped.
            models.Index(fields=["participant", "activity", "day"], name="attendance_rhythm"),
            # The same job (signals._not_seen_since): who was seen after a day, from the
            # index's short tail alone, so the job leaves out everyone seen lately
            # without reading their history.
            models.Index(fields=["day", "participant"], name="attendance_seen_since"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.occurrence_id}"


class Absence(models.Model):
    """Away for a while ("on holiday until 12 March"): no signal for those days."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="absences", db_index=False
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        indexes = [
            # A participant's absences, and "is anyone away on this day" for the job.
            models.Index(fields=["participant", "ends_on"], name="absence_participant_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.starts_on} - {self.ends_on}"


# Check-ins: a trusted volunteer drops by (attendance/checkins.py) -------------------------


#: A request to drop by is asked for this many days ahead, unless the coordinator chooses.
CHECK_IN_DAYS = 3


def check_in_due_on() -> date:
    return timezone.localdate() + timedelta(days=CHECK_IN_DAYS)


class CheckInOutcome(models.TextChoices):
    ALL_FINE = "all_fine", _("all is fine")
    COULD_USE_HELP = "could_use_help", _("could use some help")
    NOT_REACHED = "not_reached", _("not reached")


class CheckIn(models.Model):
    """A coordinator asks a volunteer of the organisation to drop by a participant
    ("even langsgaan"); the volunteer records how it went, with a short note for the
    coordinator. The volunteer sees only the first name, the address and/or telephone the
    coordinator chose to share, and what is asked; once answered, not even that.

    `signal` is the "not seen lately" signal the coordinator asked it from (the inbox's
    "Ask a volunteer to drop by"), so the signal's history shows what came of it.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="check_ins",
        verbose_name=_("organisation"),
        db_index=False,  # check_in_org_created leads with it
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="check_ins",
        verbose_name=_("participant"),
    )
    asked_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    #: A volunteer of the organisation (Membership, role volunteer). Empty once their
    #: account is gone: the answer stays the organisation's record.
    volunteer = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="check_ins",
        verbose_name=_("volunteer"),
        db_index=False,  # check_in_volunteer_open leads with it
    )
    #: The signal it was asked from, if any. SET_NULL, not PROTECT: the signal is the
    #: participant's personal data and goes when they erase it ("my data" deletes their
    #: signals), while the check-in stays as the organisation's record; a signal is never
    #: deleted otherwise, so nothing is lost while the participant keeps their record.
    signal = models.ForeignKey(
        "attendance.Signal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="check_ins",
        verbose_name=_("asked from the signal"),
    )
    what_is_asked = models.CharField(_("what is asked"), max_length=200)
    show_address = models.BooleanField(_("the volunteer sees the address"), default=True)
    show_phone = models.BooleanField(_("the volunteer sees the telephone number"), default=False)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    due_on = models.DateField(_("before"), default=check_in_due_on)
    outcome = models.CharField(
        _("how it went"), max_length=20, choices=CheckInOutcome.choices, blank=True
    )
    outcome_note = models.CharField(_("note for the coordinator"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_volunteer_at = models.DateTimeField(null=True, blank=True)
    reminded_coordinator_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(_("withdrawn by the coordinator"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            # The organisation's list of check-ins, newest first.
            models.Index(fields=["organisation", "-created_at"], name="check_in_org_created"),
            # "My check-ins" of a volunteer.
            models.Index(fields=["volunteer", "answered_at"], name="check_in_volunteer_open"),
            # The reminders job: open requests past their day.
            models.Index(
                fields=["due_on"],
                name="check_in_open_due",
                condition=Q(answered_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, outcome="")
                | Q(answered_at__isnull=False) & ~Q(outcome=""),
                name="check_in_answered_with_outcome",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="check_in_answered_or_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.organisation_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.cancelled_at is None

    @property
    def first_name(self) -> str:
        """What the volunteer calls them: the first word of the name."""
        return (self.participant.name.split() or [""])[0]


# "Not seen lately" (attendance/signals.py) -------------------------------------------------

#: The lowest and highest value of each threshold a network may choose (the page for
#: network administrators, attendance/services.save_signal_settings, the admin). Outside
#: them the rule stops making sense: a signal after a day away, or a history so long the
#: nightly job reads years of rows for nothing.
SIGNAL_SETTING_BOUNDS: dict[str, tuple[int | Decimal, int | Decimal]] = {
    "min_days_away": (7, 120),
    "gap_factor": (Decimal("1.0"), Decimal("5.0")),
    "min_missed": (1, 12),
    "min_attendances": (2, 20),
    "fixed_missed": (1, 12),
    "min_regular": (2, 20),
    "max_gap": (Decimal("1.0"), Decimal("12.0")),
    "history_days": (90, 730),
}


def _bounded(name: str) -> list:
    low, high = SIGNAL_SETTING_BOUNDS[name]
    return [MinValueValidator(low), MaxValueValidator(high)]


class SignalSettings(models.Model):
    """A network's thresholds for "not seen lately". No row: the defaults in code
    (`attendance.signals.DEFAULTS`), so a network only gets a row when it wants others.

    Keyed by network because the networks agree together how quickly they look out for
    someone; a participant follows the first network their organisation joined. The
    network's administrators change them on their own pages (/beheer/<network>/niet-gezien/,
    attendance/views_signal_settings.py), within SIGNAL_SETTING_BOUNDS."""

    network = models.OneToOneField(
        "network.Network",
        on_delete=models.CASCADE,
        related_name="signal_settings",
        verbose_name=_("network"),
    )
    min_missed = models.PositiveSmallIntegerField(
        _("dates missed at least"),
        default=2,
        validators=_bounded("min_missed"),
        help_text=_("Never fewer dates than this, however often someone comes."),
    )
    gap_factor = models.DecimalField(
        _("times their usual gap"),
        max_digits=3,
        decimal_places=1,
        default=2,
        validators=_bounded("gap_factor"),
        help_text=_("How many times their usual rhythm someone must have missed."),
    )
    min_days_away = models.PositiveSmallIntegerField(
        _("days away at least"),
        default=21,
        validators=_bounded("min_days_away"),
        help_text=_("Nobody is looked out for before they have been away this long."),
    )
    min_attendances = models.PositiveSmallIntegerField(
        _("times come before we know their rhythm"),
        default=5,
        validators=_bounded("min_attendances"),
        help_text=_("Until then the fixed number of dates below counts."),
    )
    fixed_missed = models.PositiveSmallIntegerField(
        _("dates missed while their rhythm is unknown"),
        default=3,
        validators=_bounded("fixed_missed"),
    )
    min_regular = models.PositiveSmallIntegerField(
        _("times come to count as a regular"), default=3, validators=_bounded("min_regular")
    )
    max_gap = models.DecimalField(
        _("a regular comes at least once in this many dates"),
        max_digits=3,
        decimal_places=1,
        default=4,
        validators=_bounded("max_gap"),
    )
    history_days = models.PositiveSmallIntegerField(
        _("days of history that show their rhythm"),
        default=365,
        validators=_bounded("history_days"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("settings for not seen lately")
        verbose_name_plural = _("settings for not seen lately")

    def __str__(self) -> str:
        return str(self.network)


class DismissReason(models.TextChoices):
    KNOWN = "known", _("we know why")
    HOSPITAL = "hospital", _("in hospital")
    MOVED = "moved", _("moved")
    OTHER = "other", _("other reason")


class SignalQuerySet(models.QuerySet):
    def open(self) -> SignalQuerySet:
        return self.filter(resolved_at__isnull=True, dismissed_at__isnull=True)

    def for_inbox(self, organisation: Organisation) -> SignalQuerySet:
        """The open signals about an organisation's own participants, oldest first,
        with what the words need (the activity, who calls)."""
        return (
            self.open()
            .filter(participant__organisation=organisation)
            .select_related("participant", "activity", "caller")
            .order_by("raised_at", "pk")
        )


class Signal(models.Model):
    """ "Not seen lately": a participant missed clearly more dates than their own rhythm
    explains. Raised and resolved by the nightly job (attendance/signals.py); a coordinator
    dismisses it or says they will call.

    Its explanation is data, not text (activity, last seen, dates missed, usual gap), so
    it reads in the coordinator's language whenever it is shown."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="signals", db_index=False
    )
    #: The activity they came to most ("usually at the Thursday coffee morning").
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_seen = models.DateField(_("last seen"))
    missed = models.PositiveSmallIntegerField(_("dates missed"))
    #: Their usual rhythm: dates with attendance taken per time they came (1.0: every one).
    usual_gap = models.DecimalField(max_digits=5, decimal_places=1)
    raised_at = models.DateTimeField(_("raised"))
    #: Came back (set by the job or when they are marked present).
    resolved_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismiss_reason = models.CharField(max_length=10, choices=DismissReason.choices, blank=True)
    dismiss_note = models.CharField(max_length=200, blank=True)
    #: "I will call": who follows up, and since when.
    caller = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    calling_since = models.DateTimeField(null=True, blank=True)

    objects = SignalQuerySet.as_manager()

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        constraints = [
            # One open signal per participant; the job's INSERT relies on it.
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(resolved_at__isnull=True, dismissed_at__isnull=True),
                name="signal_one_open_per_participant",
            ),
        ]
        indexes = [
            # A participant's signal history; "was this absence already signalled" (job).
            models.Index(fields=["participant", "last_seen"], name="signal_participant_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.last_seen}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.dismissed_at is None
