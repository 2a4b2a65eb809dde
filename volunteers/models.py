"""Volunteering: tasks and their shifts, who signs up, profiles, certificates, help requests.

Where the rules live (docs/architecture.md has the full map):
- who may do what: `volunteers/permissions.py` (`can_…` helpers and their `…_q` conditions);
- shifts from an activity's dates or a task's own schedule, and what a moved or cancelled
  date does to them: `volunteers/shifts.py`;
- signing up, the waiting list, stand-ins: `volunteers/signups.py`;
- reminders and alerts (Celery): `volunteers/reminders.py`, `volunteers/tasks.py`;
- coordinators' work (approving volunteers and hours, no-shows): `volunteers/coordination.py`;
- profiles, certificates, "I want to help": `volunteers/profiles.py`;
- informal help requests (vraag en aanbod): `volunteers/help.py`.

A shift hangs on a stored date (`Occurrence`) when its task follows an activity, and is
never deleted once anyone signed up: it is cancelled, like a date.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Frequency, Occurrence, Place
from network.models import Area, Organisation


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


# Per organisation -------------------------------------------------------------------------


class NameVisibility(models.TextChoices):
    FIRST_NAME = "first_name", _("first names only")
    HIDDEN = "hidden", _("not at all")


class VolunteeringSettings(models.Model):
    """How an organisation runs its volunteering; defaults apply until a coordinator saves."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="volunteering",
        verbose_name=_("organisation"),
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("reminder, hours before a shift"), default=24
    )
    cancel_deadline_hours = models.PositiveSmallIntegerField(
        _("volunteers can cancel until, hours before a shift"), default=24
    )
    unfilled_alert_days = models.PositiveSmallIntegerField(
        _("warn coordinators of unfilled shifts, days before"), default=3
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("a waiting volunteer has this many hours to accept a free place"), default=12
    )
    co_volunteer_names = models.CharField(
        _("volunteers see each other on a shift"),
        max_length=20,
        choices=NameVisibility.choices,
        default=NameVisibility.FIRST_NAME,
    )
    contact_phone = models.CharField(
        _("telephone for volunteers"),
        max_length=30,
        blank=True,
        help_text=_("Shown to volunteers who need to cancel after the deadline."),
    )

    DEFAULTS = {
        "reminder_hours": 24,
        "cancel_deadline_hours": 24,
        "unfilled_alert_days": 3,
        "offer_hours": 12,
        "co_volunteer_names": NameVisibility.FIRST_NAME,
        "contact_phone": "",
    }

    class Meta:
        verbose_name = _("volunteering settings")
        verbose_name_plural = _("volunteering settings")

    def __str__(self) -> str:
        return str(self.organisation)

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> VolunteeringSettings:
        """The saved settings, or unsaved defaults (no row is written by reading)."""
        try:
            return organisation.volunteering
        except cls.DoesNotExist:
            return cls(organisation=organisation, **cls.DEFAULTS)


# Volunteers -------------------------------------------------------------------------------


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class PartOfDay(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")
    EVENING = "evening", _("evening")


#: Where each part of the day begins and ends (local hours), for "fits my availability".
PART_OF_DAY_HOURS = {
    PartOfDay.MORNING: (0, 12),
    PartOfDay.AFTERNOON: (12, 18),
    PartOfDay.EVENING: (18, 24),
}


class ContactPreference(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("telephone")


class VolunteerProfile(models.Model):
    """What a volunteer tells about themselves: the minimum to match them to tasks."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_profile",
        verbose_name=_("user"),
    )
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    contact_preference = models.CharField(
        _("how we reach you"),
        max_length=10,
        choices=ContactPreference.choices,
        default=ContactPreference.EMAIL,
    )
    skills = models.TextField(_("what you are good at"), blank=True)
    interests = models.TextField(_("what you would like to do"), blank=True)
    #: [[weekday, part_of_day], …]: when the volunteer is usually free. Empty: not said.
    availability = models.JSONField(_("when you are usually free"), default=list, blank=True)
    #: Only asked for tasks with a minimum age; the year is enough.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    feed_token = models.CharField(max_length=48, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")

    def __str__(self) -> str:
        return str(self.user)


class CertificateKind(models.TextChoices):
    VOG = "vog", _("certificate of conduct (VOG)")
    TRAINING = "training", _("training")
    DRIVING_LICENCE = "driving_licence", _("driving licence")


class Certificate(models.Model):
    """A VOG, a training or a driving licence, with the dates that make it valid."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("volunteer"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    #: For a training: which one ("EHBO", "tillen en verplaatsen").
    name = models.CharField(_("name"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-issued_on"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="certificate_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.expires_on is None or day <= self.expires_on)


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("not approved")
    WITHDRAWN = "withdrawn", _("withdrawn")


class VolunteerApplication(models.Model):
    """ "I want to help" at an organisation; approval gives the volunteer role there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_applications",
        verbose_name=_("volunteer"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="volunteer_applications",
        verbose_name=_("organisation"),
    )
    message = models.TextField(_("message to the coordinator"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("volunteer application")
        verbose_name_plural = _("volunteer applications")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(status="pending"),
                name="one_pending_application_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"


# Tasks and shifts -------------------------------------------------------------------------


class TaskKind(models.TextChoices):
    HOSPITALITY = "hospitality", _("coffee, tea and hosting")
    SETTING_UP = "setting_up", _("setting up and clearing away")
    DRIVING = "driving", _("driving")
    ACCOMPANYING = "accompanying", _("accompanying people")
    ACTIVITY = "activity", _("leading an activity")
    PRACTICAL = "practical", _("odd jobs and practical help")
    OTHER = "other", _("other")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        from .permissions import visible_tasks_q

        return self.filter(visible_tasks_q(user))

    def managed_by(self, user) -> TaskQuerySet:
        from .permissions import managed_tasks_q

        return self.filter(managed_tasks_q(user))


class Task(models.Model):
    """Something an organisation needs volunteers for, with the shifts it takes.

    A task follows an activity (a shift for every date of it, moving and cancelled with
    the date) or has its own schedule, filled in like an activity's (same fields, same
    `activities.recurrence`).
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="volunteer_tasks",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what it involves"), blank=True)
    kind = models.CharField(
        _("kind of task"), max_length=20, choices=TaskKind.choices, default=TaskKind.OTHER
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_tasks",
        verbose_name=_("place"),
    )
    location_note = models.CharField(_("where exactly"), max_length=200, blank=True)
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="volunteer_tasks",
        verbose_name=_("activity"),
        help_text=_("Leave empty to give the task its own dates."),
    )
    volunteers_needed = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    # Requirements, checked at sign-up on the shift's date.
    requires_vog = models.BooleanField(_("certificate of conduct (VOG) needed"), default=False)
    required_training = models.CharField(
        _("training needed"), max_length=100, blank=True, help_text=_("For example: EHBO.")
    )
    requires_driving_licence = models.BooleanField(_("driving licence needed"), default=False)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    care_boundary_note = models.TextField(
        _("where volunteering ends and professional care begins"),
        blank=True,
        help_text=_("For example: volunteers do not help with washing or medicines."),
    )
    # Its own schedule, when it does not follow an activity (activities.recurrence).
    start_date = models.DateField(_("first date"), null=True, blank=True)
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_time = models.TimeField(_("ends at"), null=True, blank=True)
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, default=Frequency.ONCE
    )
    monthly_ordinal = models.SmallIntegerField(_("which week of the month"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of times"), null=True, blank=True)
    exception_dates = models.JSONField(_("skipped dates"), default=list, blank=True)
    materialised_until = models.DateField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("open for sign-up"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False) | Q(start_date__isnull=False),
                name="task_follows_activity_or_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(volunteers_needed__gte=1), name="task_needs_a_volunteer"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ShiftQuerySet(models.QuerySet):
    def upcoming(self, now=None) -> ShiftQuerySet:
        from django.utils import timezone

        return self.filter(starts_at__gte=now or timezone.now())

    def open(self) -> ShiftQuerySet:
        """Not cancelled, on a task open for sign-up."""
        return self.filter(is_cancelled=False, task__is_active=True)

    def visible_to(self, user) -> ShiftQuerySet:
        from .permissions import visible_tasks_q

        return self.filter(visible_tasks_q(user, prefix="task__"))

    def managed_by(self, user) -> ShiftQuerySet:
        from .permissions import managed_tasks_q

        return self.filter(managed_tasks_q(user, prefix="task__"))


class Shift(models.Model):
    """One stretch of time a task needs `places` volunteers for.

    `confirmed_count` is kept by the sign-up services under the shift's row lock, so lists
    of open shifts read it without counting sign-ups.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="shifts")
    occurrence = models.ForeignKey(
        Occurrence,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="volunteer_shifts",
    )
    #: The date of the task's own schedule it was made for (like Occurrence.original_date).
    original_date = models.DateField()
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    places = models.PositiveSmallIntegerField(_("volunteers needed"))
    confirmed_count = models.PositiveSmallIntegerField(default=0, editable=False)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: Raised on every change of time, place or status, for the volunteer's calendar feed.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    #: The coordinators were told this shift is still short of volunteers (sent once).
    unfilled_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [
            models.Index(fields=["starts_at"], name="shift_starts_at"),
            models.Index(fields=["task", "starts_at"], name="shift_task_starts_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "original_date"], name="one_shift_per_task_and_date"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("places")),
                name="shift_never_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(0, self.places - self.confirmed_count)

    @property
    def hours(self) -> float:
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("signed up")
    WAITING = "waiting", _("on the waiting list")
    #: A place came free: the first waiting volunteer is asked to accept it in time.
    OFFERED = "offered", _("place offered")
    CANCELLED = "cancelled", _("cancelled")


#: A volunteer holds at most one sign-up in these states per shift.
ACTIVE_SIGNUP_STATUSES = (SignUpStatus.CONFIRMED, SignUpStatus.WAITING, SignUpStatus.OFFERED)


class SignUpQuerySet(models.QuerySet):
    def active(self) -> SignUpQuerySet:
        return self.filter(status__in=ACTIVE_SIGNUP_STATUSES)

    def confirmed(self) -> SignUpQuerySet:
        return self.filter(status=SignUpStatus.CONFIRMED)


class SignUp(models.Model):
    """A volunteer on a shift, or waiting for a place on it."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_signups",
        verbose_name=_("volunteer"),
    )
    status = models.CharField(_("status"), max_length=20, choices=SignUpStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    #: For an offered place: until when the volunteer can accept it.
    offer_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: "I cannot come": others may take the shift over in one click until someone does.
    stand_in_wanted_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: The sign-up that took this one over (a stand-in).
    taken_over_by = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="took_over",
        editable=False,
    )
    #: The reminder before the shift went out (set in the transaction that queues it).
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: Recorded by a coordinator; counts against the volunteer for a limited time only.
    no_show_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: Hours given, as approved by a coordinator (default: the shift's length).
    hours_approved = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    hours_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    hours_approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SignUpQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        indexes = [
            models.Index(fields=["shift", "status"], name="signup_shift_status"),
            models.Index(fields=["volunteer", "status"], name="signup_volunteer_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status__in=["confirmed", "waiting", "offered"]),
                name="one_active_signup_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} — {self.shift} ({self.get_status_display()})"


# Informal help (vraag en aanbod) -------------------------------------------------------------


class HelpFrequency(models.TextChoices):
    ONCE = "once", _("once")
    WEEKLY = "weekly", _("every week")
    FORTNIGHTLY = "fortnightly", _("every two weeks")
    MONTHLY = "monthly", _("every month")
    NOW_AND_THEN = "now_and_then", _("now and then")


class HelpRequestStatus(models.TextChoices):
    OPEN = "open", _("looking for help")
    MATCHED = "matched", _("help found")
    CLOSED = "closed", _("closed")


class HelpRequest(models.Model):
    """A resident needs a hand (shopping, a lift to the doctor, a walk).

    Volunteers see what and roughly where, never who: the requester's name and contact are
    for the coordinator, who matches.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="help_requests",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("what help is needed"), max_length=120)
    description = models.TextField(_("more about it"), blank=True)
    kind = models.CharField(
        _("kind of help"), max_length=20, choices=TaskKind.choices, default=TaskKind.PRACTICAL
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    rough_location = models.CharField(
        _("roughly where"), max_length=100, blank=True, help_text=_("For example: near the church.")
    )
    frequency = models.CharField(
        _("how often"), max_length=20, choices=HelpFrequency.choices, default=HelpFrequency.ONCE
    )
    #: For a heavy recurring request: how many volunteers take turns (rotation).
    volunteers_wanted = models.PositiveSmallIntegerField(_("volunteers taking turns"), default=1)
    # Only the coordinator sees these.
    requester_name = models.CharField(_("name of the person asking"), max_length=100)
    requester_contact = models.CharField(_("telephone or address"), max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_requests",
        editable=False,
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=HelpRequestStatus.choices,
        default=HelpRequestStatus.OPEN,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")

    def __str__(self) -> str:
        return self.title


class HelpResponseStatus(models.TextChoices):
    OFFERED = "offered", _("offered to help")
    MATCHED = "matched", _("matched")
    NOT_MATCHED = "not_matched", _("not needed this time")
    WITHDRAWN = "withdrawn", _("withdrawn")


class HelpResponse(models.Model):
    """A volunteer offers to help; the coordinator matches, in rotation when several do."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="responses")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="help_responses",
        verbose_name=_("volunteer"),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=HelpResponseStatus.choices,
        default=HelpResponseStatus.OFFERED,
    )
    #: Place in the rotation (1 = first turn) once matched.
    rotation_position = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["rotation_position", "created_at"]
        verbose_name = _("offer of help")
        verbose_name_plural = _("offers of help")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "volunteer"], name="one_response_per_volunteer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.request}"
