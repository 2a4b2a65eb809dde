#!/usr/bin/env python
"""The public pages at `region` scale, measured as ratios to a minimal Django view.

This machine is shared and noisy, so absolute times say little. Every figure here is a
ratio to the *floor*: a view that returns "ok" behind the very same middleware (sessions,
CSRF, authentication, language, CSP, ATOMIC_REQUESTS), served by the same gunicorn,
measured interleaved with the page in the same run. The goals (SPEC.md, issue 8):

- **uncached** (the first request after a change): latency at most 15x the floor's;
- **cached** (anonymous, from the public page cache): throughput at least 50% of the
  floor's;
- no query walks past dates: for the heaviest query of each page the plan's rows read
  (EXPLAIN ANALYZE) stay small whatever the history.

Run it on PostgreSQL with the region data set and Redis, as docker-compose runs the site
(gunicorn with WEB_CONCURRENCY workers, DEBUG off, collected static files):

    createdb -h 127.0.0.1 -U postgres omzien_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/omzien_bench
    export REDIS_URL=redis://127.0.0.1:6379/3
    DEBUG=true .venv/bin/python manage.py migrate
    DEBUG=true .venv/bin/python manage.py seed --scale region
    .venv/bin/python bench/pages.py

Throughput comes from wrk (Debian's `wrk`: a C load generator on loopback, so the client
costs little next to the server); latency from sequential keep-alive requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOME_NETWORK = "beesd-voor-elkaar"
SERVER_ENV = {
    "DEBUG": "false",
    "BENCH_FLOOR": "true",
    "SECRET_KEY": "bench-only-secret-key-" + "b" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SEED_ALLOWED": "false",
    "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    "LOG_LEVEL": "WARNING",
    # The region data was seeded with DEBUG's development key (config/settings/base.py):
    # the referral pages decrypt with it. Never a key for anything but this bench.
    "REFERRAL_KEYS": "b216aWVuLWRldmVsb3BtZW50LWtleS1ub3RzZWNyZXQ=",
}
#: Goals as ratios to the floor.
MAX_UNCACHED_LATENCY_RATIO = 15.0
MIN_CACHED_THROUGHPUT_RATIO = 0.5
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "nl"}


@dataclass
class Page:
    name: str
    path: str
    #: Measured for the cache goal too (anonymous pages the cache serves).
    cached: bool = True
    #: Held to the uncached goal (15x): the agenda pages, the embed and a network's feed
    #: (issue 8). A region-wide feed and a print PDF are measured and shown, not held.
    latency_goal: bool = True
    #: Signed in as this user (pk): the bench makes a session for them (`session_cookie`).
    user: int | None = None
    #: Tables whose rows read count in "rows read" (the heaviest query on them).
    tables: tuple[str, ...] = ("activities_occurrence",)
    #: The Cookie header of the signed-in session (set by `sign_in`).
    cookie: str = ""
    #: The user signs in with a second step (an authenticator app): referral pages.
    second_step: bool = False


@dataclass
class Result:
    name: str
    path: str
    status: int = 0
    bytes: int = 0
    uncached_ms: float = 0.0
    floor_ms: float = 0.0
    uncached_ratio: float = 0.0
    cached_rps: float = 0.0
    floor_rps: float = 0.0
    cached_ratio: float | None = None
    cached_p50_ms: float | None = None
    queries: int = 0
    rows_read: int = 0
    samples_ms: list[float] = field(default_factory=list)
    floor_samples_ms: list[float] = field(default_factory=list)
    #: Signed-in pages: the floor asked without a session too, for comparison.
    anonymous_floor_ms: float | None = None
    anonymous_floor_samples_ms: list[float] = field(default_factory=list)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(SERVER_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def pages() -> list[Page]:
    """What residents use most, at region scale, with filters that hit every join."""
    from activities.models import Activity, Occurrence, Place
    from network.models import Network, Organisation

    network = Network.objects.filter(slug=HOME_NETWORK).first() or Network.objects.first()
    place = Place.objects.filter(area__isnull=False).order_by("pk").first()
    organisation = (
        Organisation.objects.filter(activities__status="published").order_by("pk").first()
    )
    activity = Activity.objects.filter(status="published").order_by("pk").first()
    occurrence = (
        Occurrence.objects.filter(activity=activity).upcoming().order_by("starts_at").first()
    )
    filters = urlencode({"theme": "meeting", "free": "on", "q": "koffie", "area": place.area_id})
    today = date.today()
    return [
        Page("agenda", "/agenda/"),
        Page("agenda filtered", f"/agenda/?{filters}"),
        # A common word region-wide: some 1,500 activities with 60,000 coming dates.
        Page("search of a common word", "/agenda/?q=koffie"),
        Page("agenda of one network", f"/agenda/?network={network.slug}"),
        Page("week", "/agenda/week/"),
        Page("week of one network", f"/agenda/week/?network={network.slug}"),
        Page("month", "/agenda/maand/"),
        Page("activity", activity.get_absolute_url()),
        Page("date", occurrence.get_absolute_url()),
        Page("embed of a network", f"/insluiten/?network={network.slug}"),
        Page("network feed (ICS)", f"/netwerken/{network.slug}/agenda.ics"),
        Page("region feed, filtered (ICS)", "/agenda.ics?theme=exercise", latency_goal=False),
        Page("organisation page", organisation.get_absolute_url()),
        Page("news feed (RSS)", f"/agenda/nieuw.rss?network={network.slug}"),
        Page(
            "week print (PDF)",
            f"/afdrukken/week/?network={network.slug}&week={today:%G-W%V}",
            latency_goal=False,
        ),
        *volunteer_pages(),
        *referral_pages(),
        *overview_pages(),
    ]


#: What the volunteer pages read; their rows read come from these tables.
VOLUNTEER_TABLES = ("volunteers_shift", "volunteers_signup")


def volunteer_pages() -> list[Page]:
    """The volunteer pages (issue 9), signed in, with the people the region makes busiest:

    - open shifts: a volunteer of the organisation with the most coming open shifts (of
      those, one who helps at two organisations);
    - my shifts: the volunteer with the most sign-ups of all;
    - unfilled: the coordinator of the organisation with the most coming unfilled shifts.
    """
    from django.db.models import Count, F
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from network.models import Membership, Role
    from volunteers.models import Shift, SignUp

    now = timezone.now()
    coming = Shift.objects.open().filter(starts_at__gte=now)
    busiest = (
        coming.values("task__organisation_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "task__organisation_id")
        .values_list("task__organisation_id", flat=True)
        .first()
    )
    volunteer = (
        Membership.objects.filter(role=Role.VOLUNTEER, organisation_id=busiest)
        .annotate(n=Count("user__memberships"))
        .order_by("-n", "user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    heaviest = (
        SignUp.objects.values("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "volunteer_id")
        .values_list("volunteer_id", flat=True)
        .first()
    )
    coordinated = Membership.objects.filter(role=Role.COORDINATOR).values("organisation_id")
    unfilled = (
        coming.filter(confirmed_count__lt=F("places"), task__organisation_id__in=coordinated)
        .values("task__organisation_id", "task__organisation__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "task__organisation_id")
        .first()
    )
    coordinator = unfilled and (
        Membership.objects.filter(
            role=Role.COORDINATOR, organisation_id=unfilled["task__organisation_id"]
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    wanted = [
        ("open shifts (volunteer)", "volunteers:open_shifts", {}, volunteer),
        ("my shifts (volunteer)", "volunteers:my_shifts", {}, heaviest),
        (
            "unfilled shifts (coordinator)",
            "volunteers:unfilled",
            {"organisation": unfilled["task__organisation__slug"]} if unfilled else {},
            coordinator,
        ),
    ]
    result = []
    for name, url_name, kwargs, user in wanted:
        try:
            path = reverse(url_name, kwargs=kwargs)
        except NoReverseMatch:
            print(f"{name}: no URL {url_name!r} (yet); skipped", file=sys.stderr)
            continue
        if user is None:
            print(f"{name}: no such user in this data set; skipped", file=sys.stderr)
            continue
        result.append(Page(name, path, cached=False, user=user, tables=VOLUNTEER_TABLES))
    return result


#: What the referral pages read; their rows read come from these tables.
REFERRAL_TABLES = ("referrals_referral", "referrals_referraltransition")


def referral_pages() -> list[Page]:
    """The referral pages (issue 11), signed in with the second step, at the team the
    region sends most referrals to: its inbox (the list, written to the access log as a
    search) and its newest referral (written to the access log as viewed) as a wijkteam
    member; and the access log of that team's network as its administrator."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from network.models import Network, Role
    from referrals.models import Referral

    busiest = (
        Referral.objects.values("team_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "team_id")
        .values_list("team_id", flat=True)
        .first()
    )
    newest = Referral.objects.filter(team_id=busiest).order_by("-created_at", "-pk").first()
    # The region seed gives few teams a member and few networks an administrator: the bench
    # makes one where there is none (bench-only accounts).
    member = busiest and _member(Role.WIJKTEAM, organisation_id=busiest)
    network = Network.objects.filter(organisations=busiest).order_by("pk").first()
    admin = network and _member(Role.NETWORK_ADMIN, network_id=network.pk)
    wanted = [
        ("referral inbox (wijkteam)", "referrals:list", {}, member),
        (
            "referral (wijkteam)",
            "referrals:detail",
            {"referral": newest.pk} if newest else {},
            member,
        ),
        ("referral access log (network admin)", "referrals:log", {}, admin),
    ]
    result = []
    for name, url_name, kwargs, user in wanted:
        try:
            path = reverse(url_name, kwargs=kwargs)
        except NoReverseMatch:
            print(f"{name}: no URL {url_name!r} (yet); skipped", file=sys.stderr)
            continue
        if user is None:
            print(f"{name}: no such user in this data set; skipped", file=sys.stderr)
            continue
        result.append(
            Page(name, path, cached=False, user=user, tables=REFERRAL_TABLES, second_step=True)
        )
    return result


def _member(role: str, **scope) -> int:
    """The first user holding the role there; a bench account made for it if none does."""
    from network.models import Membership, User

    found = (
        Membership.objects.filter(role=role, **scope)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    if found is None:
        email = f"bench-{role}-{'-'.join(str(v) for v in scope.values())}@example.org"
        user, _ = User.objects.get_or_create(email=email, defaults={"name": f"Bench {role}"})
        Membership.objects.create(user=user, role=role, **scope)
        found = user.pk
    return found


def with_authenticator(user) -> None:
    """Give the user an authenticator app if the data set gave them none (the referral
    pages and network administrators require one; the secret is the seed's demo secret)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from network.seed import DEMO_TOTP_SECRET

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def overview_pages() -> list[Page]:
    """The overviews (issue 12), signed in as municipality staff of the home municipality:
    its overview and its busiest network's, this year against last. After the first
    request they come from the kept overview (overviews/kept.py; a refresh of the summary
    tables renews it), so this measures serving a counted overview; with
    OVERVIEWS_KEEP_SECONDS=0 in the environment every request counts it from the summary
    tables (bench/overviews.py times that and the refresh alone)."""
    from django.db.models import Count
    from django.urls import reverse

    from network.models import Membership, Network, Role

    network = Network.objects.get(slug=HOME_NETWORK)
    municipality = network.municipality
    staff = (
        Membership.objects.filter(role=Role.MUNICIPALITY, organisation__municipality=municipality)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    if staff is None:
        print("overviews: no municipality staff in this data set; skipped", file=sys.stderr)
        return []
    busiest = (
        municipality.networks.annotate(n=Count("home_activities"))
        .order_by("-n", "pk")
        .values_list("slug", flat=True)
        .first()
    )
    tables = ("overviews_summaryparticipants", "overviews_summarydates")
    return [
        Page(
            "overview of a municipality (kept)",
            reverse("overviews:municipality", args=[municipality.slug]),
            cached=False,
            user=staff,
            tables=tables,
        ),
        Page(
            "overview of a network (kept)",
            reverse("overviews:network", args=[municipality.slug, busiest]),
            cached=False,
            user=staff,
            tables=tables,
        ),
    ]


def sign_in(pages: list[Page]) -> None:
    """A session for every signed-in page, as logging in leaves it, so the server reads a
    real session from the session store on every request (no login form). Volunteers and
    coordinators need no second step; for the referral pages the user has an authenticator
    and the session records both steps as allauth's login does (a password, then the
    code: `account_authentication_methods`)."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from network.models import User

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for page in pages:
        if page.user is None:
            continue
        user = User.objects.get(pk=page.user)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if page.second_step:
            with_authenticator(user)
            now = time.time()
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": now, "email": user.email},
                {"method": "mfa", "at": now, "type": "totp"},
            ]
            session["account_authentication_methods_user"] = str(user.pk)
        session.create()
        page.cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# The server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    """gunicorn as config/image.sh starts it, with collected static files."""
    env = {**os.environ, **SERVER_ENV}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            if get(port, "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


_connections: dict[int, http.client.HTTPConnection] = {}


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, float]:
    """One GET on a kept-alive connection: (status, body, milliseconds)."""
    connection = _connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    _connections[port] = connection
    headers = {**HEADERS, "Cookie": cookie} if cookie else HEADERS
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException):
        _connections.pop(port, None)
        connection.close()
        raise
    elapsed = (time.perf_counter() - started) * 1000
    if response.getheader("Connection", "").lower() == "close":
        _connections.pop(port, None)
        connection.close()
    return response.status, body, elapsed


# Measuring ---------------------------------------------------------------------------------


def uncached(port: int, page: Page, runs: int, result: Result) -> None:
    """First requests after a change: the public data version changes before each request
    (what any write does), for the page and, interleaved, for the floor.

    A signed-in page's floor is asked with the same session: the middleware then does for
    the floor what it does for the page (the session, the user and the two-factor check,
    three queries), so the ratio measures the page, not being signed in."""
    from network.public_cache import _new_version

    for _ in range(runs):
        _new_version()
        result.floor_samples_ms.append(get(port, "/bench/floor/", page.cookie)[2])
        if page.cookie:
            result.anonymous_floor_samples_ms.append(get(port, "/bench/floor/")[2])
        _new_version()
        status, body, elapsed = get(port, page.path, page.cookie)
        result.samples_ms.append(elapsed)
        result.status, result.bytes = status, len(body)
    result.uncached_ms = statistics.median(result.samples_ms)
    result.floor_ms = statistics.median(result.floor_samples_ms)
    result.uncached_ratio = result.uncached_ms / result.floor_ms
    if result.anonymous_floor_samples_ms:
        result.anonymous_floor_ms = statistics.median(result.anonymous_floor_samples_ms)


_WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_P50 = re.compile(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(port: int, path: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests per second, median latency in ms) of a short wrk run."""
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(_WRK_RPS.search(output)[1])
    number, unit = _WRK_P50.search(output).groups()
    p50 = float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p50


def cached(port: int, page: Page, rounds: int, seconds: int, result: Result) -> None:
    """Anonymous throughput from the cache, interleaved with the floor, several rounds."""
    get(port, page.path)  # into the cache
    page_rps, floor_rps, p50s = [], [], []
    for _ in range(rounds):
        floor_rps.append(wrk(port, "/bench/floor/", seconds, 4)[0])
        rps, p50 = wrk(port, page.path, seconds, 4)
        page_rps.append(rps)
        p50s.append(p50)
    result.cached_rps = statistics.mean(page_rps)
    result.floor_rps = statistics.mean(floor_rps)
    result.cached_ratio = result.cached_rps / result.floor_rps
    result.cached_p50_ms = statistics.median(p50s)


def plan(page: Page, result: Result) -> None:
    """Queries of the page built in-process, and the rows read by its heaviest query on the
    page's tables (EXPLAIN ANALYZE; the occurrences table unless the page says otherwise),
    to show no query walks past dates."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from network import public_cache
    from network.models import User

    original = public_cache._cacheable_request
    public_cache._cacheable_request = lambda request: False
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    if page.user is not None:
        client.force_login(User.objects.get(pk=page.user))
    try:
        # The access log's own connection (a second one to the same database) counts too.
        with (
            CaptureQueriesContext(connection) as captured,
            CaptureQueriesContext(connections["access_log"]) as logged,
        ):
            client.get(page.path)
    finally:
        public_cache._cacheable_request = original
    statements = [q["sql"] for q in captured.captured_queries]
    result.queries = len(
        [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    ) + len(logged.captured_queries)
    rows = 0
    with connection.cursor() as cursor:
        for sql in statements:
            if not sql.startswith("SELECT") or not any(t in sql for t in page.tables):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            rows = max(rows, _rows_read(cursor.fetchone()[0][0]["Plan"], page.tables))
    result.rows_read = rows


def _rows_read(node: dict, tables: tuple[str, ...]) -> int:
    """Rows the plan read from `tables` (scans, times their loops)."""
    own = 0
    index = str(node.get("Index Name", ""))
    if node.get("Relation Name") in tables or any(t in index for t in tables):
        removed = node.get("Rows Removed by Filter", 0) + node.get(
            "Rows Removed by Index Recheck", 0
        )
        own = int((node.get("Actual Rows", 0) + removed) * node.get("Actual Loops", 1))
    return own + sum(_rows_read(child, tables) for child in node.get("Plans", []))


# Report --------------------------------------------------------------------------------------


def data_set() -> dict:
    from activities.models import Activity, Occurrence
    from network.models import Network, Organisation
    from volunteers.models import Shift, SignUp

    return {
        "networks": Network.objects.count(),
        "organisations": Organisation.objects.count(),
        "activities": Activity.objects.count(),
        "dates": Occurrence.objects.count(),
        "dates_to_come": Occurrence.objects.upcoming().count(),
        "shifts": Shift.objects.count(),
        "shifts_to_come": Shift.objects.upcoming().count(),
        "sign_ups": SignUp.objects.count(),
    }


def table(results: list[Result]) -> str:
    lines = [
        "| page | uncached x floor | cached throughput ÷ floor | queries | rows read | KB |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        cached_text = f"{r.cached_ratio:.0%}" if r.cached_ratio is not None else "-"
        uncached_text = f"{r.uncached_ratio:.1f}x"
        if r.anonymous_floor_ms:
            uncached_text += f" ({r.uncached_ms / r.anonymous_floor_ms:.1f}x anonymous floor)"
        lines.append(
            f"| {r.name} | {uncached_text} | {cached_text} | {r.queries} | "
            f"{r.rows_read:,} | {r.bytes / 1024:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="uncached requests per page")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds per page")
    parser.add_argument("--seconds", type=int, default=2, help="length of a wrk round")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--only", help="measure only pages whose name contains this")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<date>.json)")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("Install wrk (Debian: apt-get install wrk) to measure throughput.")
    if "postgres" not in os.environ.get("DATABASE_URL", "") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL with the region data) and REDIS_URL.")
    setup_django()
    selection = [p for p in pages() if not options.only or options.only in p.name]
    sign_in(selection)
    port = free_port()
    server = start_server(port, options.workers)
    results = []
    try:
        for page in selection:
            result = Result(page.name, page.path)
            uncached(port, page, options.runs, result)
            if page.cached:
                cached(port, page, options.rounds, options.seconds, result)
            plan(page, result)
            results.append(result)
            cached_text = (
                f"cached {result.cached_ratio:5.0%} of floor throughput"
                if result.cached_ratio is not None
                else "not cached (signed in)"
            )
            print(
                f"{page.name:32} uncached {result.uncached_ms:7.1f} ms = "
                f"{result.uncached_ratio:5.1f}x floor | {cached_text} | "
                f"{result.queries} queries, {result.rows_read:,} rows read",
                flush=True,
            )
    finally:
        stop_server(server)
    print()
    print(table(results))
    held = {page.name for page in selection if page.latency_goal}
    worst_latency = max((r.uncached_ratio for r in results if r.name in held), default=float("nan"))
    worst_throughput = min(
        (r.cached_ratio for r in results if r.cached_ratio is not None), default=float("nan")
    )
    outside = ", ".join(f"{r.name} {r.uncached_ratio:.1f}x" for r in results if r.name not in held)
    print(
        f"\nworst uncached latency {worst_latency:.1f}x the floor (goal ≤ "
        f"{MAX_UNCACHED_LATENCY_RATIO:.0f}x){f'; not held to it: {outside}' if outside else ''}"
        f"; lowest cached throughput {worst_throughput:.0%} "
        f"of the floor (goal ≥ {MIN_CACHED_THROUGHPUT_RATIO:.0%})"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = options.output or RESULTS / f"pages-{date.today().isoformat()}.json"
    output.write_text(
        json.dumps(
            {
                "data_set": data_set(),
                "options": vars(options) | {"output": str(output)},
                "results": [asdict(r) for r in results],
            },
            indent=2,
            default=str,
        )
    )
    print(f"details: {output}")


if __name__ == "__main__":
    main()
