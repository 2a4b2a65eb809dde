"""Django admin for volunteering: for superusers who need to look something up or mend a
record. Everyday work happens on the site's own pages (services keep the rules there), so
shifts are read-only here, help requests show no requester, and nothing exports anyone's
contact details."""

from django.contrib import admin
from django.http import HttpRequest

from network.admin import CheckedAutocomplete

from .models import HelpRequest, Shift, Task, VolunteeringSettings


@admin.register(Task)
class TaskAdmin(CheckedAutocomplete, admin.ModelAdmin):
    list_display = ["title", "organisation", "kind", "volunteers_needed", "is_active"]
    list_filter = ["is_active", "kind"]
    list_select_related = ["organisation"]
    search_fields = ["title", "organisation__name"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["place", "activity"]
    readonly_fields = ["materialised_until", "created_by", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    """Read-only: places, counts and status change through the services (sign-ups under a
    row lock, shifts following their task), never by hand."""

    list_display = ["task", "starts_at", "ends_at", "places", "confirmed_count", "is_cancelled"]
    list_filter = ["is_cancelled"]
    list_select_related = ["task"]
    search_fields = ["task__title"]
    date_hierarchy = "starts_at"
    show_full_result_count = False
    fields = [
        "task",
        "occurrence",
        "original_date",
        "starts_at",
        "ends_at",
        "places",
        "confirmed_count",
        "is_cancelled",
        "cancelled_at",
        "sequence",
        "unfilled_alert_sent_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Shift | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Shift | None = None) -> bool:
        return False


@admin.register(VolunteeringSettings)
class VolunteeringSettingsAdmin(CheckedAutocomplete, admin.ModelAdmin):
    list_display = [
        "organisation",
        "reminder_hours",
        "cancel_deadline_hours",
        "unfilled_alert_days",
        "offer_hours",
        "co_volunteer_names",
    ]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    """What is asked, where roughly and its status; who asks stays with the coordinator."""

    list_display = ["title", "organisation", "kind", "frequency", "status", "created_at"]
    list_filter = ["status", "kind", "frequency"]
    list_select_related = ["organisation"]
    search_fields = ["title"]
    fields = [
        "organisation",
        "title",
        "description",
        "kind",
        "area",
        "rough_location",
        "frequency",
        "volunteers_wanted",
        "status",
        "created_at",
        "closed_at",
    ]
    readonly_fields = ["organisation", "created_at", "closed_at"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A request needs the requester's name and contact: made on the site, not here.
        return False
