"""When each periodic job last ran and how it ended (JobRun), for operators.

Every task in CELERY_BEAT_SCHEDULE is wrapped in `tracked_job`, under the name of its
schedule entry:

    @shared_task
    @tracked_job("purge-handled-messages")
    def purge_handled_messages() -> int:
        return outbox.purge_handled()

The wrapper writes the start and the end of each run to its JobRun row (in the admin, and
`manage.py run_job --list`); `manage.py run_job <name>` runs one by hand. Bookkeeping is a
side matter: when it fails (the database gone away, a lock) the job still runs and its own
error, if any, is what the worker sees. The outcome holds a count or the error's class,
never personal data.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)

#: JobRun.last_outcome's length.
OUTCOME_LENGTH = 200


def outcome_of(result: Any) -> str:
    """A short summary of what a job returned: "12", "created=3, removed=1", "done"."""
    if result is None:
        return "done"
    if isinstance(result, dict):
        text = ", ".join(f"{key}={value}" for key, value in result.items())
    else:
        text = str(result)
    return text[:OUTCOME_LENGTH]


def _record(name: str, *, started: bool = False, **fields) -> None:
    """Write the job's row in a transaction (a savepoint inside a caller's) of its own;
    never raise."""
    for _attempt in range(2):  # a concurrent first run may create the row in between
        try:
            with transaction.atomic():
                changes = dict(fields)
                if started:
                    changes["runs"] = F("runs") + 1
                if not JobRun.objects.filter(name=name).update(**changes):
                    JobRun.objects.create(name=name, runs=int(started), **fields)
            return
        except Exception:  # bookkeeping never breaks the job
            continue
    logger.warning("Could not record a run of the periodic job %s", name)


def record_start(name: str) -> None:
    _record(
        name,
        started=True,
        last_started_at=timezone.now(),
        last_finished_at=None,
        last_succeeded=None,
        last_outcome="",
    )


def record_end(name: str, *, succeeded: bool, outcome: str) -> None:
    _record(
        name,
        last_finished_at=timezone.now(),
        last_succeeded=succeeded,
        last_outcome=outcome[:OUTCOME_LENGTH],
    )


def tracked_job(name: str) -> Callable[[Callable], Callable]:
    """Record every run of the decorated function under `name` (its beat entry's name).

    Put it under `@shared_task`: the task keeps the function's name. The job's exception
    propagates unchanged (Celery retries or logs it); only its class is recorded.
    """

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            record_start(name)
            try:
                result = function(*args, **kwargs)
            except BaseException as error:
                record_end(name, succeeded=False, outcome=type(error).__name__)
                raise
            record_end(name, succeeded=True, outcome=outcome_of(result))
            return result

        run.job_name = name
        return run

    return decorate


def periodic_jobs() -> dict[str, dict]:
    """The schedule's entries by name: {"send-shift-reminders": {"task": …, "schedule": …}}."""
    from django.conf import settings

    return dict(sorted(settings.CELERY_BEAT_SCHEDULE.items()))


def task_for(name: str):
    """The Celery task a schedule entry runs (KeyError for an unknown name)."""
    from config.celery import app

    app.loader.import_default_modules()
    return app.tasks[periodic_jobs()[name]["task"]]
