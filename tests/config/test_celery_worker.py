"""A task travels through a real broker to a real worker process and its result comes back.

With REDIS_URL set (always in CI) broker and results go through Redis; without it, through
the filesystem broker `make run` uses. Never eager mode.
"""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.result import allow_join_result

from config.celery import app, ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue(monkeypatch):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "true",
    }
    env.pop("DATABASE_URL", None)  # the ping task needs no database
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    yield queue
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_task_round_trip_through_a_real_worker(worker_queue):
    if os.environ.get("CI"):
        assert os.environ.get("REDIS_URL"), "CI must run the worker test on Redis"
        assert app.conf.broker_url.startswith("redis://")
        assert str(app.conf.result_backend).startswith("redis://")
    result = ping.apply_async(queue=worker_queue)
    # Celery keeps "are we inside a task?" in a process-wide flag that eager tasks run in
    # threads (the registration race test) can leave set; this test is not in a task.
    with allow_join_result():
        assert result.get(timeout=60) == "pong"
    assert result.successful()
