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
        indexes = [models.Index(fields=["kind", "name"])]

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
