"""Django admin for attendance: only the networks' thresholds of "not seen lately". No
participant, attendance row or signal is in the admin (least privilege: managing the
platform needs no one's attendance; see attendance/permissions.py)."""

from django.contrib import admin

from .models import SignalSettings


@admin.register(SignalSettings)
class SignalSettingsAdmin(admin.ModelAdmin):
    """A row per network that wants other thresholds than attendance.signals.DEFAULTS."""

    list_display = ["network", "min_missed", "gap_factor", "min_days_away", "updated_at"]
    list_select_related = ["network"]
    raw_id_fields = ["network"]
    readonly_fields = ["updated_at"]
