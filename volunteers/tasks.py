"""Celery tasks of volunteering: thin, by primary key or none, safe to run twice. Periodic
ones are in CELERY_BEAT_SCHEDULE (config/settings/base.py) and run by hand with
`manage.py run_job <name>`; each records its last run (network.jobs, JobRun)."""

from __future__ import annotations

from celery import shared_task  # noqa: F401  (used by the sections below)

# Reminders, unfilled alerts, offers that ran out, shifts ahead (volunteers/reminders.py) ---

# Retention of volunteering data (volunteers/profiles.py, help.py) --------------------------
