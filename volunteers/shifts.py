"""Shifts from a task's own schedule or from its activity's dates, and what happens to them
when a date is moved, cancelled or restored (activities.events receivers)."""

from __future__ import annotations

from .models import Task


def sync_shifts(*, task: Task) -> None:
    """Create, move or cancel the task's shifts to match its schedule or activity (up to the
    horizon). Called by the task services after every create or change. (issue 9: H2)"""
    raise NotImplementedError
