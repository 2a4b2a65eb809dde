"""Public pages served from a cache that every relevant write invalidates.

Residents browse the agenda anonymously, and nearly every request asks for the same few
pages; building them at region scale costs far more than serving them. So anonymous GETs
of public pages (`@public_page`, applied in the URLconfs) are kept in the cache under the
*public data version*: one value that every write able to change a public page replaces
(`changed()`, called by the services after their commit). The next request after a write
therefore always sees it, while between writes every request is a cache hit.

- Only anonymous requests without a session or a pending flash message are served from
  or stored in the cache, and only 200 answers without cookies or `private`/`no-store`.
- The key holds the version, the language, the full path with its query string, whether
  htmx asked, and a 5-minute time slot, because "from now on" pages change with the clock.
- An ETag follows from the key alone, so a conditional request is answered 304 before
  anything is built or read. Bodies are stored gzip-compressed and sent so to clients that
  accept it.
- Each process also keeps the entries it served last (`_recent`, up to RECENT_BYTES): a
  hit then costs one small read of the version from the cache, not the body (a region's
  calendar feed is 330 KB compressed). The version in the key keeps them exact.
- A cache that is down never breaks a page: the page is built as if uncached.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

VERSION_KEY = "public:version"
#: Pages of a version are kept this long at most (a day), whatever happens.
TIMEOUT = 24 * 60 * 60
#: "From now on" pages are rebuilt at least this often (seconds).
SLOT_SECONDS = 5 * 60
#: Smaller bodies are not worth compressing.
MIN_GZIP_BYTES = 1024
#: Larger bodies (a network's calendar feed: 2.4 MB) are compressed at the fastest level:
#: level 6 took 53 ms for that feed and level 1 17 ms, for 40% more bytes (376 KB).
FAST_GZIP_BYTES = 256 * 1024
_TEXT_TYPES = ("text/", "application/json", "application/rss", "application/atom")
#: Bodies each process keeps of the entries it served last (see RecentEntries).
RECENT_BYTES = 16 * 1024 * 1024


class RecentEntries:
    """The entries this process served last, by key, up to `limit` bytes of bodies; the
    least recently served go first. Keys hold the data version, so an entry is never
    stale: after a write the key changes and the old entries age out unused."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # for a server with threads

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        size = len(entry["body"])
        if size > self.limit // 4:  # one huge body would push out everything else
            return
        with self._lock:
            if key in self._entries:
                self._size -= len(self._entries.pop(key)["body"])
            self._entries[key] = entry
            self._size += size
            while self._size > self.limit:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped["body"])


_recent = RecentEntries(RECENT_BYTES)


#: Version of what the agenda's filter form offers (networks, organisations, places):
#: the form is kept apart from the pages, since most writes do not change its choices.
CHOICES_KEY = "public:choices"


def changed(*, choices: bool = False) -> None:
    """A write changed something a public page may show: every cached page is stale.
    Call it from the service that writes, inside its transaction; `choices` when it
    changes what the agenda's filters offer (an organisation, network or place).

    The version changes now and again after the commit: a page built in between (from
    data not yet committed, under the new version) is dropped by the second change.
    """
    keys = (VERSION_KEY, CHOICES_KEY) if choices else (VERSION_KEY,)

    def renew() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)

    try:
        renew()
    except Exception:
        logger.warning("public page cache unavailable", exc_info=True)
    transaction.on_commit(renew, robust=True)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def current_version(key: str = VERSION_KEY) -> str:
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    return version


def choices_version() -> str:
    """For the cache key of the agenda's filter form; "" when the cache is down (then the
    fragment cache misses too, and the form is built)."""
    try:
        return current_version(CHOICES_KEY)
    except Exception:
        return uuid.uuid4().hex


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's anonymous answers from the cache (see the module docstring)."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        try:
            key = _key(request, current_version())
            etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
            if etag in _if_none_match(request):
                return _not_modified(etag)
            entry = _recent.get(key)
            if entry is not None:
                return _response(request, entry, etag)
            entry = cache.get(key)
        except Exception:  # the cache is down: build the page as if uncached
            logger.warning("public page cache unavailable", exc_info=True)
            return view(request, *args, **kwargs)
        if entry is None:
            response = view(request, *args, **kwargs)
            if not _cacheable_response(response):
                return response
            entry = _entry(response)
            try:
                cache.set(key, entry, TIMEOUT)
            except Exception:
                logger.warning("public page cache unavailable", exc_info=True)
        _recent.put(key, entry)
        return _response(request, entry, etag)

    # Public pages only read: without ATOMIC_REQUESTS' transaction a cache hit costs no
    # database round trip at all.
    return transaction.non_atomic_requests(cached_view)


#: A flash message waits in this cookie (or in the session): the page is personal then.
MESSAGES_COOKIE = "messages"


def _cacheable_request(request: HttpRequest) -> bool:
    """Anonymous, without a session (signed-in people and flash messages live there)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and not request.user.is_authenticated
    )


def _key(request: HttpRequest, version: str) -> str:
    slot = int(timezone.now().timestamp()) // SLOT_SECONDS
    htmx = request.headers.get("HX-Request") == "true"
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"public:{version}:{translation.get_language()}:{int(htmx)}:{slot}:{path}"


def _if_none_match(request: HttpRequest) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _cacheable_response(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


#: Headers a cached answer keeps; everything else is set again by the middleware.
_KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Language",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Frame-Options",
    "Link",
)


#: Marks decorators leave on a response for the middleware (the embed may be framed).
_KEPT_ATTRIBUTES = ("xframe_options_exempt", "_csp_exempt", "_csp_replace", "_csp_update")


def _entry(response: HttpResponse) -> dict:
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    marks = {name: getattr(response, name) for name in _KEPT_ATTRIBUTES if hasattr(response, name)}
    body = response.content
    if response.get("Content-Encoding") == "gzip":  # compressed by the view already
        return {"body": body, "gzip": True, "headers": headers, "marks": marks}
    zipped = len(body) >= MIN_GZIP_BYTES and headers.get("Content-Type", "").startswith(_TEXT_TYPES)
    return {
        "body": gzip.compress(body, compresslevel=_level(len(body))) if zipped else body,
        "gzip": zipped,
        "headers": headers,
        "marks": marks,
    }


def _level(size: int) -> int:
    return 1 if size >= FAST_GZIP_BYTES else 6


def _response(request: HttpRequest, entry: dict, etag: str) -> HttpResponse:
    body = entry["body"]
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    if entry["gzip"] and not accepts_gzip:
        body = gzip.decompress(body)
    response = HttpResponse(body)
    for name, value in entry["headers"].items():
        response[name] = value
    for name, value in entry["marks"].items():
        setattr(response, name, value)
    if entry["gzip"]:
        patch_vary_headers(response, ["Accept-Encoding"])
        if accepts_gzip:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    if not response.has_header("Cache-Control"):
        # A proxy may keep the page but asks every time: the answer is a cheap 304.
        response["Cache-Control"] = "public, no-cache"
    return response


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response
