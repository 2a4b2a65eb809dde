from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import public_cache
from .models import (
    AccessLogEntry,
    Area,
    JobRun,
    Membership,
    Municipality,
    Network,
    Organisation,
    User,
)


class ChangesPublicPages:
    """What public pages and the agenda's filters show (municipalities, areas, networks,
    organisations): a change made here renews the public page cache, as the services' do
    (network.public_cache.changed), instead of pages showing the old names for a day."""

    def save_model(self, request, obj, form, change):
        public_cache.changed(choices=True)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        public_cache.changed(choices=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        public_cache.changed(choices=True)
        super().delete_queryset(request, queryset)


class _KnownIdsOnly:
    """Django's autocomplete widget shows the chosen objects again (a form with a mistake)
    by looking up the sent values as they are: one that is no id at all made the page a
    server error. Only values of the right form are looked up."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        to_field = getattr(remote, "field_name", None)  # a many-to-many has none: the pk
        target = remote.model._meta.get_field(to_field) if to_field else remote.model._meta.pk
        valid = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class _CheckedAutocompleteSelect(_KnownIdsOnly, AutocompleteSelect):
    pass


class _CheckedAutocompleteSelectMultiple(_KnownIdsOnly, AutocompleteSelectMultiple):
    pass


class CheckedAutocomplete:
    """For a ModelAdmin or inline with `autocomplete_fields` (see _KnownIdsOnly)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipInline(CheckedAutocomplete, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation", "network"]
    readonly_fields = ["invitation_sent_at", "created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "name"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Municipality)
class MunicipalityAdmin(ChangesPublicPages, admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Area)
class AreaAdmin(ChangesPublicPages, admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Network)
class NetworkAdmin(ChangesPublicPages, admin.ModelAdmin):
    list_display = ["name", "municipality"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas"]


@admin.register(Organisation)
class OrganisationAdmin(ChangesPublicPages, CheckedAutocomplete, admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["networks", "area"]
    # A website typed without a scheme is taken as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Membership)
class MembershipAdmin(CheckedAutocomplete, admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "network", "is_lead", "created_at"]
    list_filter = ["role", "is_lead"]
    list_select_related = ["user", "organisation", "network"]
    search_fields = ["user__email", "organisation__name", "network__name"]
    autocomplete_fields = ["user", "organisation", "network", "invited_by"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence, so not even a superuser edits it here."""

    list_display = [
        "occurred_at",
        "action",
        "actor_id",
        "actor_role",
        "object_type",
        "object_id",
        "description",
        "ip_address",
        "path",
    ]
    list_filter = ["action", "object_type", "actor_role"]
    search_fields = ["=object_id"]
    date_hierarchy = "occurred_at"
    # Counting a long log on every page costs more than the number is worth.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: AccessLogEntry | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: AccessLogEntry | None = None
    ) -> bool:
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """When each periodic job last ran (network.jobs); read-only. Run one by hand with
    `manage.py run_job <name>`."""

    list_display = [
        "name",
        "last_started_at",
        "last_finished_at",
        "last_succeeded",
        "last_outcome",
        "runs",
    ]
    list_filter = ["last_succeeded"]
    search_fields = ["name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False
