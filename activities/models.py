"""The shared agenda: places, activities with their schedule in plain words, and the dates
they take place on (occurrences), which are stored so that attendance can hang on them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Area, Municipality, Network, Organisation


class Theme(models.TextChoices):
    MEETING = "meeting", _("coffee and meeting")
    EXERCISE = "exercise", _("exercise and sport")
    CREATIVE = "creative", _("creative")
    CULTURE = "culture", _("culture and music")
    OUTING = "outing", _("outings")
    LEARNING = "learning", _("learning")
    GAMES = "games", _("games")
    FOOD = "food", _("eating together")
    NATURE = "nature", _("nature and gardening")
    HELP = "help", _("help and advice")
    OTHER = "other", _("other")


class TargetGroup(models.TextChoices):
    EVERYONE = "everyone", _("everyone")
    ELDERLY = "elderly", _("older residents")
    ADULTS = "adults", _("adults")
    FAMILIES = "families", _("families")
    CHILDREN = "children", _("children")
    YOUTH = "youth", _("young people")


class AccessibilityFacts(models.Model):
    """Facts residents filter on; a place has them, an activity can add to them."""

    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)

    class Meta:
        abstract = True


class Place(AccessibilityFacts):
    """A shared location, e.g. community centre het Klokhuis, used by many organisations."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    address = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("village or neighbourhood"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="places",
        verbose_name=_("municipality"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return f"{self.name}, {self.town}" if self.town else self.name

    @property
    def full_address(self) -> str:
        return ", ".join(
            part for part in [self.address, f"{self.postcode} {self.town}".strip()] if part
        )


class Room(models.Model):
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return f"{self.place.name}: {self.name}"


class Frequency(models.TextChoices):
    ONCE = "once", _("once")
    DAILY = "daily", _("every day")
    WEEKLY = "weekly", _("every week")
    BIWEEKLY = "biweekly", _("every other week")
    MONTHLY_DATE = "monthly_date", _("every month on the same date")
    MONTHLY_WEEKDAY = "monthly_weekday", _("every month on the same weekday")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("waiting for approval")
    RETURNED = "returned", _("returned with a comment")
    PUBLISHED = "published", _("published")
    CANCELLED = "cancelled", _("cancelled")


#: Statuses residents see: a cancelled activity stays visible, marked cancelled.
PUBLIC_STATUSES = (Status.PUBLISHED, Status.CANCELLED)


class CancelledBy(models.TextChoices):
    """Who called off an activity or a date: stored as data, so the import recognises its
    own cancellations without comparing (translated) texts."""

    EDITOR = "editor", _("the organiser")
    IMPORT = "import", _("the organisation's own calendar")
    SCHEDULE = "schedule", _("a change of the schedule")


#: What residents read when no reason was typed, per who called it off.
DEFAULT_CANCELLATION_NOTES = {
    CancelledBy.IMPORT: _("Cancelled in the organisation's own calendar."),
    CancelledBy.SCHEDULE: _("This date is no longer in the schedule."),
}


def cancellation_note(reason: str, cancelled_by: str) -> str:
    """The reason typed by the organiser, or the standard words in the reader's language."""
    return reason or str(DEFAULT_CANCELLATION_NOTES.get(cancelled_by, ""))


class ActivityQuerySet(models.QuerySet):
    def public(self) -> ActivityQuerySet:
        return self.filter(status__in=PUBLIC_STATUSES, organisation__is_active=True)

    def public_by_exclusion(self) -> ActivityQuerySet:
        """The same rows as public(), for a condition that matches a large share of the
        activities (a common word): the few inactive organisations are left out as a
        hashed list instead of joining every organisation, and the planner then uses the
        search indexes (region-wide "koffie": 1.5 ms instead of 4.5)."""
        inactive = Organisation.objects.filter(is_active=False).values("pk")
        return self.filter(status__in=PUBLIC_STATUSES).exclude(organisation__in=inactive)

    def of_organisation(self, organisation: Organisation) -> ActivityQuerySet:
        return self.filter(Q(organisation=organisation) | Q(co_organisers=organisation)).distinct()

    def in_network(self, network: Network) -> ActivityQuerySet:
        """Activities of the network's organisations: its agenda and its moderation queue.
        (Figures count an activity in its home_network only.)"""
        return self.filter(organisation__networks=network)

    def visible_to(self, user) -> ActivityQuerySet:
        """What permissions.can_view_activity allows: public ones, and drafts for who works
        on them or moderates them."""
        from .permissions import visible_activities_q

        return self.filter(visible_activities_q(user)).distinct()

    def editable_by(self, user) -> ActivityQuerySet:
        """What permissions.can_edit_activity allows: organised or co-organised by the
        user's organisations."""
        from .permissions import editable_activities_q

        return self.filter(editable_activities_q(user)).distinct()

    def moderated_by(self, user) -> ActivityQuerySet:
        """What permissions.can_moderate_activity allows."""
        from .permissions import moderated_activities_q

        return self.filter(moderated_activities_q(user)).distinct()


class Activity(AccessibilityFacts):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("organised by"),
    )
    co_organisers = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="co_organised_activities",
        verbose_name=_("together with"),
    )
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True)
    theme = models.CharField(
        _("theme"), max_length=20, choices=Theme.choices, default=Theme.MEETING
    )
    target_group = models.CharField(
        _("for whom"), max_length=20, choices=TargetGroup.choices, default=TargetGroup.EVERYONE
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("place"),
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("room"),
    )
    location_note = models.CharField(
        _("where exactly"),
        max_length=200,
        blank=True,
        help_text=_("For example: we leave from the church square."),
    )
    cost = models.DecimalField(
        _("cost in euros"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty when it is free."),
    )
    cost_note = models.CharField(_("about the cost"), max_length=120, blank=True)
    registration_required = models.BooleanField(_("registration needed"), default=False)
    capacity = models.PositiveIntegerField(
        _("places available"), null=True, blank=True, help_text=_("Per date. Empty: no limit.")
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=30, blank=True)
    image = models.ImageField(_("image"), upload_to="activities/", blank=True)
    image_small = models.ImageField(upload_to="activities/", blank=True, editable=False)
    image_alt = models.CharField(
        _("image description"),
        max_length=200,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    sign_language = models.BooleanField(_("sign language"), default=False)
    low_stimulus = models.BooleanField(_("low-stimulus (prikkelarm)"), default=False)
    transport_available = models.BooleanField(_("transport can be arranged"), default=False)

    # The schedule, in plain words (see recurrence.py).
    start_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_time = models.TimeField(_("ends at"), null=True, blank=True)
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, default=Frequency.ONCE
    )
    monthly_ordinal = models.SmallIntegerField(
        _("which weekday of the month"),
        null=True,
        blank=True,
        help_text=_("1 = first, 3 = third, -1 = last."),
    )
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of times"), null=True, blank=True)
    exception_dates = models.JSONField(_("skipped dates"), default=list, blank=True)
    materialised_until = models.DateField(null=True, blank=True, editable=False)
    #: Start of the first stored date not over yet (cancelled ones included, as the agenda
    #: shows them), kept by the services that write dates and by the frequent job
    #: `refresh-next-dates` as dates pass (services.refresh_next_dates). A search that
    #: matches a thousand activities orders them by it instead of looking up each one's
    #: dates. Only an order: every date shown is read from the dates themselves.
    next_starts_at = models.DateTimeField(null=True, blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    moderation_comment = models.TextField(_("comment from the network"), blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    cancelled_by = models.CharField(
        max_length=20, choices=CancelledBy.choices, blank=True, editable=False
    )
    home_network = models.ForeignKey(
        "network.Network",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="home_activities",
        verbose_name=_("counted in network"),
        help_text=_(
            "Figures per network count the activity here only, also when the organisation "
            "takes part in several networks."
        ),
    )

    imported_from = models.ForeignKey(
        "CalendarFeed",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        editable=False,
    )
    external_uid = models.CharField(max_length=255, blank=True, editable=False)
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

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
    published_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["theme"]),
            models.Index(fields=["target_group"]),
            models.Index(fields=["status", "published_at"]),
            models.Index(fields=["next_starts_at"], name="activity_next_starts_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["imported_from", "external_uid"],
                condition=Q(imported_from__isnull=False),
                name="activity_unique_external_uid",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", kwargs={"slug": self.slug})

    @property
    def is_free(self) -> bool:
        return not self.cost

    @property
    def is_cancelled(self) -> bool:
        return self.status == Status.CANCELLED

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def cancellation_note(self) -> str:
        return cancellation_note(self.cancel_reason, self.cancelled_by)


def co_organisers_by_activity(activity_ids: list[int]) -> dict[int, list[str]]:
    """The names of the active co-organisers of each activity, by name: what public pages
    and feeds name beside the organiser (an organisation that is no longer active is not
    shown). Rows of names, not organisations: the calendar feeds name them for thousands
    of dates."""
    rows = (
        Activity.co_organisers.through.objects.filter(
            activity_id__in=activity_ids, organisation__is_active=True
        )
        .order_by("organisation__name")
        .values_list("activity_id", "organisation__name")
    )
    names: dict[int, list[str]] = {}
    for activity_id, name in rows:
        names.setdefault(activity_id, []).append(name)
    return names


#: The longest a date lasts: an evening until past midnight, or a whole day (25 hours on
#: the day the clocks go back). Longer events are imported without their end.
MAX_DATE_LENGTH = timedelta(hours=25)


class OccurrenceQuerySet(models.QuerySet):
    def public(self) -> OccurrenceQuerySet:
        return self.filter(
            activity__status__in=PUBLIC_STATUSES, activity__organisation__is_active=True
        )

    def for_listing(self) -> OccurrenceQuerySet:
        """Public dates with everything an agenda card shows (organisers, place, room), read
        in two queries per page: the agenda pages, print and the embed use this."""
        return (
            self.public()
            .select_related(
                "activity__organisation", "activity__place", "activity__room", "place", "room"
            )
            .prefetch_related("activity__co_organisers")
        )

    def upcoming(self, now: datetime | None = None) -> OccurrenceQuerySet:
        """Dates not over yet: still to start, or started and not ended.

        The first condition adds nothing logically (no date lasts longer than
        MAX_DATE_LENGTH: the services and the import keep them within a day) but lets the
        database start the `starts_at` index at "now" instead of walking every past date.
        """
        now = now or timezone.now()
        return self.filter(starts_at__gte=now - MAX_DATE_LENGTH).filter(
            Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)
        )

    def in_network(self, network: Network, *, public: bool = False) -> OccurrenceQuerySet:
        """Dates of activities of the network's organisations: what its agenda shows.

        The network's activities are read first (one small query) and the dates matched
        on that list. Joined, or as a subquery, PostgreSQL walked the region's coming dates
        in time order and tested each against the network: 7-15 ms for a page at region
        scale, 1-3 ms on the list. `public`: only public activities on the list, so the
        dates need no join at all (instead of `.public()`, which joins the activities and
        organisations of the whole region to test them).
        """
        activities = Activity.objects.in_network(network)
        if public:
            activities = activities.public()
        return self.filter(activity_id__in=list(activities.values_list("pk", flat=True)))

    def of_organisation(
        self, organisation: Organisation, *, public: bool = False
    ) -> OccurrenceQuerySet:
        """Dates it organises or co-organises, each once (`public`: as for in_network).

        Its activities are read first (one small query) and the dates matched on that list:
        a join through the co-organisers repeats a date (and DISTINCT would sort every
        matching date before a page is taken), and "organiser or co-organiser" as one
        condition walked every date of the region (226,000 rows for an organisation's page).
        """
        co_organised = Activity.co_organisers.through.objects.filter(organisation=organisation)
        activities = Activity.objects.filter(
            Q(organisation=organisation) | Q(pk__in=co_organised.values("activity_id"))
        )
        if public:
            activities = activities.public()
        return self.filter(activity_id__in=list(activities.values_list("pk", flat=True)))

    def annotate_places(self) -> OccurrenceQuerySet:
        """Adds `confirmed_places` and `waiting_places`: people (party sizes summed) with a
        place, and on the waiting list. registrations.places_left reads the first."""
        return self.annotate(
            confirmed_places=Coalesce(
                models.Sum(
                    "registrations__party_size", filter=Q(registrations__status="confirmed")
                ),
                0,
            ),
            waiting_places=Coalesce(
                models.Sum("registrations__party_size", filter=Q(registrations__status="waiting")),
                0,
            ),
        )

    def between(self, start: date, end: date) -> OccurrenceQuerySet:
        """Occurrences starting on a day from start up to and including end (local days)."""
        tz = timezone.get_current_timezone()
        low = datetime.combine(start, datetime.min.time(), tz)
        high = datetime.combine(end, datetime.max.time(), tz)
        return self.filter(starts_at__gte=low, starts_at__lte=high)


class Occurrence(models.Model):
    """One date of an activity. `original_date` is its identity within the series: a moved
    date keeps it, so regenerating the series recognises it."""

    #: No index of its own: occurrence_activity_starts and occurrence_unique_date lead with it.
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="occurrences", db_index=False
    )
    original_date = models.DateField()
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    all_day = models.BooleanField(default=False)
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other place"),
    )
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="occurrences"
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_by = models.CharField(
        max_length=20, choices=CancelledBy.choices, blank=True, editable=False
    )
    is_detached = models.BooleanField(
        default=False, help_text="Changed on its own: regenerating the series leaves it alone."
    )
    #: Revision for calendar programs (iCalendar SEQUENCE): the services add one whenever
    #: the date's start, end or status changes, so subscribers take the change over.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    #: When `sequence` last rose (iCalendar LAST-MODIFIED, with the activity's updated_at):
    #: some calendar apps only take over an event whose LAST-MODIFIED grew.
    revised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("date")
        verbose_name_plural = _("dates")
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            # An activity's dates from now on (its page, searches, scoped feeds) without
            # reading its past ones: the index starts at the activity and "now".
            models.Index(fields=["activity", "starts_at"], name="occurrence_activity_starts"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "original_date"], name="occurrence_unique_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse(
            "activities:occurrence_detail",
            kwargs={"slug": self.activity.slug, "day": self.original_date},
        )

    @property
    def effective_place(self) -> Place | None:
        return self.place or self.activity.place

    @property
    def effective_room(self) -> Room | None:
        return self.room or self.activity.room

    @property
    def is_moved(self) -> bool:
        return timezone.localtime(self.starts_at).date() != self.original_date

    @property
    def cancellation_note(self) -> str:
        return cancellation_note(self.cancel_reason, self.cancelled_by)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("registered")
    WAITING = "waiting", _("on the waiting list")
    CANCELLED = "cancelled", _("withdrawn")


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> RegistrationQuerySet:
        """Registrations the user may read (permissions.can_view_registrations)."""
        from .permissions import visible_registrations_q

        return self.filter(visible_registrations_q(user)).distinct()


class Registration(models.Model):
    """A resident's place at one date. Minimal data: a name and one way to reach them."""

    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="registrations"
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    party_size = models.PositiveSmallIntegerField(_("number of people"), default=1)
    language = models.CharField(
        max_length=8, default="nl", editable=False, help_text="Language of the e-mails."
    )
    status = models.CharField(max_length=20, choices=RegistrationStatus.choices)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    #: A short code to quote on the telephone, for people who registered without e-mail.
    reference = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    #: The organiser who entered it for someone who phoned; empty when people did it
    #: themselves.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["occurrence", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class CalendarFeed(models.Model):
    """An organisation's existing calendar (ICS URL) that is imported and kept in sync."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    url = models.URLField(_("calendar address (ICS)"), max_length=500)
    default_place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_theme = models.CharField(max_length=20, choices=Theme.choices, default=Theme.OTHER)
    is_active = models.BooleanField(default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    #: What went wrong at the last sync, untranslated (importing.problems.FeedError.as_data).
    problem = models.JSONField(default=dict, blank=True)
    #: When the editors were told the feed stopped working; cleared when it works again.
    problem_reported_at = models.DateTimeField(null=True, blank=True)
    #: What the last sync could not take over (events cut by the time budget, duplicate
    #: UIDs, ...), untranslated like `problem`, for the feed's page.
    report = models.JSONField(default=dict, blank=True)
    etag = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("connected calendar")
        verbose_name_plural = _("connected calendars")

    def __str__(self) -> str:
        return self.url

    @property
    def last_error(self) -> str:
        """The problem of the last sync in the reader's language; empty when it worked."""
        from .importing.problems import describe

        return describe(self.problem)
