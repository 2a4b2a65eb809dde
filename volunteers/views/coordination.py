"""Coordinators: the unfilled overview, rosters, contact lists, no-shows, hours, approvals."""

urlpatterns: list = []
