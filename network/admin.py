from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    AccessLogEntry,
    Area,
    Membership,
    Municipality,
    Network,
    Organisation,
    User,
)


class MembershipInline(admin.TabularInline):
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
class MunicipalityAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["networks", "area"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "network", "created_at"]
    list_filter = ["role"]
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
