"""Who takes part: municipalities, their villages, the networks and organisations, and people.

A person's role is never a flag on the user: it is a Membership of one organisation or
one network, so one volunteer can coordinate at the church and serve coffee at the care
home, and every permission question is answered per organisation (see permissions.py).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Residents who never sign in have no User at all."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(
        _("name"), max_length=150, blank=True, help_text=_("How others in the network see you.")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("nl", _("Dutch")), ("en", _("English"))],
        default="nl",
        help_text=_("Language of the e-mails we send you."),
    )
    is_staff = models.BooleanField(_("may use Django admin"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email.split("@")[0]


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A village or neighbourhood: where things happen, what overviews are grouped by."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("village")
        NEIGHBOURHOOD = "neighbourhood", _("neighbourhood")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="areas", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VILLAGE)

    class Meta:
        ordering = ["name"]
        verbose_name = _("village or neighbourhood")
        verbose_name_plural = _("villages and neighbourhoods")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="area_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class NetworkQuerySet(models.QuerySet):
    def managed_by(self, user) -> NetworkQuerySet:
        """Networks the user administers (permissions.can_manage_network)."""
        from .permissions import managed_networks_q

        return self.filter(managed_networks_q(user))

    def with_overviews_for(self, user) -> NetworkQuerySet:
        """Networks whose overviews the user may see (permissions.can_view_overviews)."""
        from .permissions import overview_networks_q

        return self.filter(overview_networks_q(user))

    def with_organisation_count(self) -> NetworkQuerySet:
        return self.annotate(
            organisation_count=models.Count(
                "organisations", filter=Q(organisations__is_active=True), distinct=True
            )
        )


class Network(models.Model):
    """A local community care network, e.g. "Beesd voor elkaar"."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="networks",
        verbose_name=_("municipality"),
    )
    areas = models.ManyToManyField(
        Area, blank=True, related_name="networks", verbose_name=_("villages and neighbourhoods")
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.TextField(_("about this network"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:network_detail", kwargs={"slug": self.slug})


class OrganisationQuerySet(models.QuerySet):
    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)

    def in_network(self, network: Network) -> OrganisationQuerySet:
        return self.filter(networks=network)

    def visible_to(self, user) -> OrganisationQuerySet:
        """Active organisations, and inactive ones for who manages them."""
        from .permissions import visible_organisations_q

        return self.filter(visible_organisations_q(user)).distinct()

    def editable_by(self, user) -> OrganisationQuerySet:
        """Organisations whose page the user edits (permissions.can_edit_organisation)."""
        from .permissions import editable_organisations_q

        return self.filter(editable_organisations_q(user)).distinct()

    def managed_by(self, user) -> OrganisationQuerySet:
        """Organisations the user administers (permissions.can_manage_organisation)."""
        from .permissions import managed_organisations_q

        return self.filter(managed_organisations_q(user)).distinct()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        WELFARE = "welfare", _("welfare organisation")
        CLUB = "club", _("club or association")
        CHURCH = "church", _("church or faith community")
        SCHOOL = "school", _("school")
        CARE_HOME = "care_home", _("care home or day care")
        HOUSING = "housing", _("housing corporation")
        LIBRARY = "library", _("library")
        WIJKTEAM = "wijkteam", _("social district team (wijkteam)")
        MUNICIPALITY = "municipality", _("municipality")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("what we do"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("village or neighbourhood"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
        help_text=_("Where the organisation is based; for a municipality, the municipality."),
    )
    networks = models.ManyToManyField(
        Network, related_name="organisations", blank=True, verbose_name=_("networks")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive organisations are hidden from residents.")
    )
    is_trusted = models.BooleanField(
        _("publishes directly"),
        default=False,
        help_text=_("Activities of trusted organisations need no approval by the network."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["kind", "name"]),
            # The few inactive ones, which public lists leave out by exclusion
            # (ActivityQuerySet.public_by_exclusion): a region has some 2,000 organisations.
            models.Index(
                fields=["id"], condition=models.Q(is_active=False), name="organisation_inactive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:organisation_detail", kwargs={"slug": self.slug})


class Role(models.TextChoices):
    EDITOR = "editor", _("organisation editor")
    COORDINATOR = "coordinator", _("coordinator")
    VOLUNTEER = "volunteer", _("volunteer")
    WIJKTEAM = "wijkteam", _("wijkteam member")
    MUNICIPALITY = "municipality", _("municipality staff")
    NETWORK_ADMIN = "network_admin", _("network administrator")


#: Roles held in a network as a whole; every other role is held in an organisation.
NETWORK_ROLES = frozenset({Role.NETWORK_ADMIN})
#: The kind of organisation a role needs, where it needs one.
ROLE_ORGANISATION_KIND = {
    Role.WIJKTEAM: Organisation.Kind.WIJKTEAM,
    Role.MUNICIPALITY: Organisation.Kind.MUNICIPALITY,
}


class MembershipQuerySet(models.QuerySet):
    def of_role(self, *roles: str) -> MembershipQuerySet:
        return self.filter(role__in=roles)

    def in_network(self, network: Network) -> MembershipQuerySet:
        """Roles in the network itself and in its organisations: what its administrators
        manage. Distinct: an organisation in the network appears once per membership."""
        return self.filter(Q(network=network) | Q(organisation__networks=network)).distinct()


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("network"),
    )
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invitation_sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    #: A wijkteam member who leads the team: reviews the access log of its referrals
    #: (docs/roles.md). Only on a wijkteam membership (a check constraint).
    is_lead = models.BooleanField(
        _("team lead"),
        default=False,
        help_text=_("Wijkteam members only: may review who opened the team's referrals."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["role", "created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) ^ Q(network__isnull=True),
                name="membership_in_organisation_xor_network",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.NETWORK_ADMIN, network__isnull=False)
                | (~Q(role=Role.NETWORK_ADMIN) & Q(organisation__isnull=False)),
                name="membership_scope_fits_role",
            ),
            models.CheckConstraint(
                condition=Q(is_lead=False) | Q(role=Role.WIJKTEAM),
                name="membership_lead_only_in_wijkteam",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="membership_unique_in_organisation",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "network"],
                condition=Q(network__isnull=False),
                name="membership_unique_in_network",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}, {self.get_role_display()}, {self.organisation or self.network}"

    @property
    def scope(self) -> Organisation | Network:
        return self.organisation or self.network


class OutboxMessage(models.Model):
    """An e-mail to send once, written in the same transaction as the change it tells of.

    See network.outbox. It holds ids, not personal details: the sender reads what it needs
    when it sends (only `payload`, for allauth's rendered messages, holds content, and only
    until it is sent).
    """

    kind = models.CharField(max_length=80)
    object_id = models.BigIntegerField(default=0)
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8, blank=True)
    #: Only for a message rendered when it was queued (allauth's, with a one-time link):
    #: its content, cleared as soon as it is handled.
    payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: When it was sent, or found no longer to apply (then `sent` is False).
    handled_at = models.DateTimeField(null=True, blank=True)
    sent = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(handled_at__isnull=True),
                name="outbox_pending_idx",
            ),
            models.Index(fields=["handled_at"], name="outbox_handled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"


class AppendOnlyError(PermissionError):
    """The access log is evidence: what was written stays as it was written."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        raise AppendOnlyError("Access log entries cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None) -> int:
        raise AppendOnlyError("Access log entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access log entries cannot be deleted.")


class AccessLogEntry(models.Model):
    """Who looked at or changed a sensitive record, written only by network.access_log.record.

    Append-only: the ORM refuses updates and deletes here, PostgreSQL refuses them with a
    trigger (migration 0003_access_log). Read and written on the "access_log" connection
    (config/db_routers.py), so an entry stays when the request that wrote it fails.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        SEARCH = "search", _("searched")
        PRINT = "print", _("printed")
        EXPORT = "export", _("exported")
        CHANGE = "change", _("changed")

    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Not a foreign key: deleting an account must neither touch the log nor be blocked by it.
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor_role = models.CharField(
        _("role"),
        max_length=30,
        blank=True,
        help_text=_("The role under which the record was accessed; empty for anonymous."),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("type of record"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Without the query string, which can carry search terms.
    path = models.CharField(_("path"), max_length=300, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        default_permissions = ["view"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "occurred_at"], name="accesslog_object_idx"
            ),
            models.Index(fields=["actor_id", "occurred_at"], name="accesslog_actor_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.occurred_at).strftime("%Y-%m-%d %H:%M")
        return f"{when} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Access log entries cannot be changed.")
        # Even with a primary key set by hand, never an UPDATE of an existing row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access log entries cannot be deleted.")


class JobRun(models.Model):
    """When each periodic job last ran and how it ended: operators see it in the admin and
    with `manage.py run_job --list`. Written by `network.jobs.tracked_job`."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_succeeded = models.BooleanField(_("succeeded"), null=True)
    #: A short summary without personal data ("12 reminders queued") or the error's class.
    last_outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    runs = models.PositiveIntegerField(_("times run"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
