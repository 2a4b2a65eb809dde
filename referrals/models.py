"""Discreet referrals to the social district team (wijkteam), SPEC.md point 4.

A coordinator refers a resident to the wijkteam of their village with the minimum: who
(a participant record, or just a name and a way to reach them), why (categories and a
short text), how urgent, and the resident's consent or the urgent ground that stands in
for it. The team accepts or declines, reports that it is in contact and closes with a
short outcome that goes back to the sender; the sender follows the status, never the
team's case notes (which Omzien does not keep).

Free text and consent details are encrypted at rest (referrals/fields.py). Every status
change is a ReferralTransition row (who, when, from, to, why). After the retention period
the personal details are purged and an anonymous record stays for the overviews
(categories, area, team, dates, outcome): referrals/services.py, `purge_referral`.

No logic here: every write goes through referrals/services.py, which also writes the
access log. No model of this app is in the Django admin.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from network.models import Area, Organisation, User

from .fields import EncryptedTextField


class Category(models.TextChoices):
    LONELINESS = "loneliness", _("loneliness")
    MONEY = "money", _("money worries")
    CARE_AT_HOME = "care_at_home", _("care or support at home")
    HOUSING = "housing", _("housing")
    CAREGIVER = "caregiver", _("caregiver overload")
    SAFETY = "safety", _("safety")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("in the coming weeks")
    SOON = "soon", _("this week")
    URGENT = "urgent", _("today or tomorrow")


class Ground(models.TextChoices):
    """Why the team may receive the resident's details."""

    CONSENT = "consent", _("the resident agreed")
    ACUTE_DANGER = "acute_danger", _("acute danger (without consent)")


class ConsentHow(models.TextChoices):
    VERBAL = "verbal", _("said yes (verbally)")
    WRITTEN = "written", _("signed on paper")


class Status(models.TextChoices):
    """The closed loop of a FHIR Task: sent → accepted or declined → in progress →
    completed or not completed; the sender can cancel before it is accepted."""

    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    IN_PROGRESS = "in_progress", _("in contact")
    COMPLETED = "completed", _("completed")
    NOT_COMPLETED = "not_completed", _("closed without result")
    # Not "afgelast" (organisers call off dates): the sender takes a referral back.
    CANCELLED = "cancelled", pgettext_lazy("referral", "cancelled")


#: Statuses after which nothing changes any more.
CLOSED_STATUSES = frozenset(
    {Status.DECLINED, Status.COMPLETED, Status.NOT_COMPLETED, Status.CANCELLED}
)
OPEN_STATUSES = frozenset(set(Status) - CLOSED_STATUSES)
#: In a fixed order, for the constraint (a frozenset's order changes between runs).
_CLOSED = sorted(s.value for s in CLOSED_STATUSES)


class Reason(models.TextChoices):
    """Why a referral was declined, cancelled or closed: one short list, each transition
    allows its own part of it (services.REASONS)."""

    # declining
    NOT_OUR_AREA = "not_our_area", _("not our area")
    OTHER_HELP_FITS = "other_help_fits", _("other help fits better")
    ALREADY_KNOWN = "already_known", _("already known to us")
    TOO_LITTLE_INFORMATION = "too_little_information", _("too little information")
    # cancelling
    NO_LONGER_NEEDED = "no_longer_needed", _("no longer needed")
    SENT_BY_MISTAKE = "sent_by_mistake", _("sent by mistake")
    # closing
    HELPED = "helped", _("help is arranged")
    REFERRED_ON = "referred_on", _("referred on to other care")
    NOT_REACHED = "not_reached", _("could not reach the resident")
    HELP_REFUSED = "help_refused", _("the resident did not want help")
    # any of them
    CONSENT_WITHDRAWN = "consent_withdrawn", _("the resident withdrew consent")
    DATA_ERASED = "data_erased", _("the resident had their data erased")
    OTHER = "other", _("other")


class ReferralQuerySet(models.QuerySet):
    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def unpurged(self) -> ReferralQuerySet:
        return self.filter(purged_at__isnull=True)


class Referral(models.Model):
    """One resident referred to one wijkteam. Read it through services.open_referral (or
    a page that writes the access log), never by a bare query in a view."""

    # Who referred, to whom.
    sending_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        verbose_name=_("referring organisation"),
    )
    sent_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referring coordinator"),
    )
    team = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("wijkteam"),
    )
    # Whom: a participant record, or just a name and a way to reach them.
    participant = models.ForeignKey(
        "attendance.Participant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("participant"),
    )
    person_name = EncryptedTextField(_("name"), max_length=150, blank=True)
    person_contact = EncryptedTextField(_("how to reach them"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village or neighbourhood"),
    )
    # Why, how urgent.
    categories = models.JSONField(_("what it is about"), default=list)
    free_text = EncryptedTextField(_("in a few words"), max_length=500, blank=True)
    urgency = models.CharField(
        _("how urgent"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # On what ground: consent, or an urgent ground (flagged to the team).
    ground = models.CharField(
        _("ground"), max_length=20, choices=Ground.choices, default=Ground.CONSENT
    )
    consent_given_by = EncryptedTextField(_("who agreed"), max_length=150, blank=True)
    consent_how = models.CharField(
        _("how they agreed"), max_length=10, choices=ConsentHow.choices, blank=True
    )
    consent_at = models.DateTimeField(_("when they agreed"), null=True, blank=True)
    consent_text_version = models.CharField(
        _("version of the consent text read out"), max_length=20, blank=True
    )
    consent_recorded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    urgent_ground_note = EncryptedTextField(_("the acute danger"), max_length=500, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    # Where it stands.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SENT
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    #: When the current team got it (sending, or the last reassignment): reminders count
    #: working days from here.
    assigned_at = models.DateTimeField(_("received by the team"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: The last reason given (declining, cancelling, closing); the outcome for the sender.
    closed_reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices, blank=True)
    closed_note = EncryptedTextField(_("outcome in a few words"), max_length=300, blank=True)
    reminded_team_at = models.DateTimeField(null=True, blank=True)
    reminded_sender_at = models.DateTimeField(null=True, blank=True)
    #: The personal details went (retention, or erasure); an anonymous record stays.
    purged_at = models.DateTimeField(_("personal details deleted"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ()  # no admin, no model permissions to grant
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=_CLOSED, closed_at__isnull=False)
                | (~Q(status__in=_CLOSED) & Q(closed_at__isnull=True)),
                name="referral_closed_exactly_when_closed_status",
            ),
            models.CheckConstraint(
                condition=Q(purged_at__isnull=True) | Q(closed_at__isnull=False),
                name="referral_purged_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(ground="acute_danger")
                | Q(purged_at__isnull=False)
                | (~Q(consent_how="") & Q(consent_at__isnull=False) & ~Q(consent_text_version="")),
                name="referral_consent_unless_urgent_ground",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "-created_at"], name="referral_team_idx"),
            models.Index(
                fields=["sending_organisation", "-created_at"], name="referral_sender_idx"
            ),
            models.Index(
                fields=["assigned_at"], condition=Q(status="sent"), name="referral_waiting_idx"
            ),
            models.Index(
                fields=["closed_at"],
                condition=Q(purged_at__isnull=True, closed_at__isnull=False),
                name="referral_to_purge_idx",
            ),
        ]

    def __str__(self) -> str:
        # Never the name: this shows up in logs and error reports.
        return f"referral #{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None


class Action(models.TextChoices):
    """What a transition did (the statuses alone do not tell a reassignment)."""

    SEND = "send", _("sent")
    ACCEPT = "accept", _("accepted")
    DECLINE = "decline", _("declined")
    START = "start", _("in contact")
    COMPLETE = "complete", _("completed")
    CLOSE_UNCOMPLETED = "not_complete", _("closed without result")
    CANCEL = "cancel", pgettext_lazy("referral", "cancelled")
    REASSIGN = "reassign", _("passed to another team")
    WITHDRAW_CONSENT = "withdraw_consent", _("consent withdrawn")
    ERASE = "erase", _("closed on erasure")


class ReferralTransition(models.Model):
    """One change of a referral's status (or team): who, under which role, when, why."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("referral")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    from_team = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    by_role = models.CharField(_("role"), max_length=20, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices, blank=True)
    note = EncryptedTextField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        default_permissions = ()
        verbose_name = _("status change of a referral")
        verbose_name_plural = _("status changes of referrals")
        indexes = [models.Index(fields=["referral", "at"], name="referral_transition_idx")]

    def __str__(self) -> str:
        return f"referral #{self.referral_id}: {self.from_status} → {self.to_status}"
