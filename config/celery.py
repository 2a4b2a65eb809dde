"""The Celery application: Redis in production, a filesystem broker locally."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("omzien")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="omzien.ping")
def ping() -> str:
    """Answers through the broker and result backend: proof that a worker is listening."""
    return "pong"
