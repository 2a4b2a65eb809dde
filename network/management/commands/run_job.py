"""Run a periodic job by hand, or list them all with when each last ran.

    manage.py run_job --list
    manage.py run_job send-shift-reminders

The names are those of CELERY_BEAT_SCHEDULE (config/settings/base.py). A job run here runs
in this process, synchronously, exactly as the worker runs it (retries included), and is
recorded like a scheduled run (network.jobs, JobRun).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from network import jobs
from network.models import JobRun


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _schedule(schedule) -> str:
    """A crontab as its five fields ("*/10 * * * *"), anything else as Celery shows it."""
    text = str(schedule)
    if text.startswith("<crontab: "):
        return text.removeprefix("<crontab: ").split(" (")[0]
    return text


def _ending(run: JobRun | None) -> str:
    if run is None or run.last_started_at is None:
        return "never run"
    if run.last_finished_at is None:
        return "running (or stopped without finishing)"
    state = "ok" if run.last_succeeded else "FAILED"
    return f"{state}: {run.last_outcome}" if run.last_outcome else state


class Command(BaseCommand):
    help = "Run one periodic job now (by its schedule name), or --list them with their last run."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", nargs="?", help="The job's name, as --list shows it.")
        parser.add_argument(
            "--list", action="store_true", help="List every periodic job and its last run."
        )

    def handle(self, *args, name: str | None = None, **options) -> None:
        if options["list"]:
            self._list()
            return
        if not name:
            raise CommandError("Name a job, or use --list to see them.")
        schedule = jobs.periodic_jobs()
        if name not in schedule:
            raise CommandError(f"No periodic job {name!r}. Known jobs: {', '.join(schedule)}.")
        task = jobs.task_for(name)
        if getattr(task.run, "job_name", None) != name:
            # Not wrapped in tracked_job: record the run here, so it shows all the same.
            task = _Tracked(task, name)
        self.stdout.write(f"Running {name} ({schedule[name]['task']}) …")
        result = task.apply(throw=True)
        self.stdout.write(self.style.SUCCESS(f"{name}: {jobs.outcome_of(result.result)}"))

    def _list(self) -> None:
        schedule = jobs.periodic_jobs()
        runs = {run.name: run for run in JobRun.objects.all()}
        rows = [("job", "runs at", "last started", "last finished", "times", "last outcome")]
        for name, entry in schedule.items():
            run = runs.get(name)
            rows.append(
                (
                    name,
                    _schedule(entry["schedule"]),
                    _when(run.last_started_at if run else None),
                    _when(run.last_finished_at if run else None),
                    str(run.runs if run else 0),
                    _ending(run),
                )
            )
        for name in sorted(set(runs) - set(schedule)):
            run = runs[name]
            rows.append(
                (
                    name,
                    "(no longer scheduled)",
                    _when(run.last_started_at),
                    _when(run.last_finished_at),
                    str(run.runs),
                    _ending(run),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())


class _Tracked:
    """A task that is not wrapped in tracked_job, run with its bookkeeping all the same."""

    def __init__(self, task, name: str) -> None:
        self.task, self.name = task, name

    def apply(self, **options):
        jobs.record_start(self.name)
        try:
            result = self.task.apply(**options)
        except BaseException as error:
            jobs.record_end(self.name, succeeded=False, outcome=type(error).__name__)
            raise
        jobs.record_end(self.name, succeeded=True, outcome=jobs.outcome_of(result.result))
        return result
