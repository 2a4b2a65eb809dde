"""Participants under /deelnemers/, the roll-call under /presentie/ (attendance/views.py)."""

from .views import urlpatterns  # noqa: F401

app_name = "attendance"
