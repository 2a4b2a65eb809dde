"""Editors and coordinators: creating and changing tasks and their shifts; settings."""

urlpatterns: list = []
