"""Referral pages (referrals/views.py)."""

from .views import app_name, urlpatterns  # noqa: F401
