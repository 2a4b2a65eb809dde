"""A real HTTP server on 127.0.0.1 that serves calendar feeds to the importer in tests.

Each path answers as told: given bytes (with an ETag that If-None-Match honours), an
HTTP error, a pause longer than the importer's timeout, a huge body with or without
Content-Length, a slow drip of the body or of the whole answer from its status line on,
or a redirect. It records what it was asked, so a test can prove that
a refused address was never even contacted.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CRLF = "\r\n"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    etag: str = ""
    delay: float = 0.0
    #: Send this many bytes of filler instead of `body`.
    huge: int = 0
    with_length: bool = True
    #: Seconds between single bytes of the body (a server that drips).
    drip: float = 0.0
    #: Seconds between single bytes of the whole answer, status line and headers first.
    drip_headers: float = 0.0
    #: Answer 302 with this Location.
    location: str = ""


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server.requests.append(
                    {"path": self.path, "if_none_match": self.headers.get("If-None-Match")}
                )
                route = server.routes.get(self.path, Route(status=404))
                # The importer may give up halfway, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(route)

            def _answer(self, route: Route) -> None:
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                if route.drip_headers:
                    self._drip_everything(route)
                    return
                if route.location:
                    self.send_response(302)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.huge:
                    if route.with_length:
                        self.send_header("Content-Length", str(route.huge))
                    self.end_headers()
                    chunk = b"X" * 65536
                    for _ in range(route.huge // len(chunk) + 1):
                        self.wfile.write(chunk)
                    return
                if route.drip:
                    self.end_headers()
                    for byte in route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.drip)
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def _drip_everything(self, route: Route) -> None:
                head = (
                    f"HTTP/1.1 {route.status} OK{CRLF}"
                    f"Content-Type: text/calendar{CRLF}"
                    f"X-Padding: {'x' * 200}{CRLF}"
                    f"Content-Length: {len(route.body)}{CRLF}{CRLF}"
                )
                for byte in head.encode() + route.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(route.drip_headers)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/agenda.ics") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str = "/agenda.ics", body: bytes | str = b"", **options) -> str:
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(body=body, **options)
        return self.url(path)


def running_server(settings):
    """A running FeedServer for a fixture; the importer may reach 127.0.0.1 and gives up
    after 1 s. Use as: `yield from running_server(settings)`."""
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS = True
    settings.CALENDAR_IMPORT_TIMEOUT = 1
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


# Writing feeds -------------------------------------------------------------------------


def stamp(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def vevent(uid: str, summary: str, *lines: str) -> str:
    """A VEVENT with UID and SUMMARY and the given property lines."""
    head = ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{summary}", "DTSTAMP:20250101T000000Z"]
    return CRLF.join([*head, *lines, "END:VEVENT"])


def timed(name: str, when: datetime) -> str:
    """DTSTART;TZID=Europe/Amsterdam:... for a local wall-clock time."""
    return f"{name};TZID=Europe/Amsterdam:{stamp(when)}"


def ics(*events: str) -> str:
    return (
        CRLF.join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//Omzien tests//NL",
                *events,
                "END:VCALENDAR",
            ]
        )
        + CRLF
    )
