"""/healthz for load balancers and docker: is the database there, is the broker there, can
a page render?"""

import importlib
import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        logger.warning("health check: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:
        logger.warning("health check: broker unreachable", exc_info=True)
        return False


def _pages_ok() -> bool:
    """Whether HTML pages can render, not just this JSON view.

    The base template resolves its stylesheet through the configured static storage: in
    production that reads the manifest `collectstatic` writes, and without it every page is
    a 500. WeasyPrint (printable agenda) loads Pango's system libraries when imported.
    """
    try:
        importlib.import_module("weasyprint")
        # Without a request there is no CSRF token; a stand-in lets {% csrf_token %} render
        # without warnings (and sets no cookie). The HTML itself is thrown away.
        render_to_string("base.html", {"csrf_token": "health-check"})
    except Exception:
        logger.warning("health check: pages cannot render", exc_info=True)
        return False
    return True


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok(), "pages": _pages_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "ok" if ok else "down" for name, ok in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: a minimal Django view (bench/pages.py; only with BENCH_FLOOR)."""
    return HttpResponse(b"ok", content_type="text/plain")
