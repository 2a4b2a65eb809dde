"""Fetching an address a user gave us, without letting it reach what it should not.

Calendar feeds use it today; anything later that fetches a user's URL (a webhook, an image
by address) should too. The address may never reach a private network (SSRF): every
address a host name resolves to must be public, and we connect to exactly the address we
checked, on every redirect too. Only http(s), no proxies from the environment, at most a
few redirects, a timeout for connecting and each read, an overall deadline and a size cap.

Errors are typed, not worded: each caller explains them in its own users' terms.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit


class FetchError(Exception):
    """The address could not be fetched safely; the subclass says why."""


class RefusedAddress(FetchError):
    """Not an http(s) address with a host name."""


class PrivateAddress(FetchError):
    """The address points to a private, local or otherwise special network."""


class BadRedirect(FetchError):
    """A redirect to another scheme (file://, ftp://) or too many redirects."""


class TooLarge(FetchError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.max_bytes = max_bytes


class TooSlow(FetchError):
    """No answer in time, or the answer came in too slowly."""


class NoSuchHost(FetchError):
    """The host name does not resolve."""


class Unreachable(FetchError):
    """Anything else on the way: connection refused, TLS failure, a broken response."""


class HTTPStatus(FetchError):
    """The server answered with an error status (or a redirect the client refused)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Response:
    content: bytes = b""
    headers: Message | None = None
    not_modified: bool = False

    def header(self, name: str) -> str:
        return (self.headers.get(name) if self.headers is not None else None) or ""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse what is obviously not an address we may fetch (before any lookup)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(url)
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    if not allow_private and not is_public_address(str(literal)):
        raise PrivateAddress(url)


def _connector(allow_private: bool):
    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source=None):
        """socket.create_connection that refuses private addresses, and connects to exactly
        the addresses it checked, so a host name cannot resolve differently a moment later."""
        host, port = address
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        if not allow_private and not all(is_public_address(info[4][0]) for info in infos):
            raise PrivateAddress(host)
        error: OSError | None = None
        for family, kind, proto, _name, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source:
                    sock.bind(source)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        raise error or OSError("no address")

    return create_connection


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """Only http(s), no proxies from the environment, no file:// or ftp:// redirects."""
    connect = _connector(allow_private)

    class GuardedHTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class GuardedHTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class GuardedHTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(GuardedHTTPConnection, req)

    class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(GuardedHTTPSConnection, req, context=self._context)

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        max_redirections = 5

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if urlsplit(newurl).scheme not in ("http", "https"):
                raise BadRedirect(newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (
        GuardedHTTPHandler(),
        GuardedHTTPSHandler(context=ssl.create_default_context()),
        RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float,
    max_bytes: int,
    allow_private: bool = False,
) -> Response:
    """The body at the address; a FetchError when it cannot be had safely.

    `timeout` bounds connecting and each read; the whole download gets three times that,
    so a server that drips one byte at a time cannot keep a worker busy. A 304 (the
    caller sent If-None-Match) is an empty response with `not_modified`.
    """
    check_url(url, allow_private=allow_private)
    request = urllib.request.Request(url, headers=headers or {})
    deadline = time.monotonic() + 3 * timeout
    try:
        with _opener(allow_private).open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise TooLarge(max_bytes)
            chunks, size = [], 0
            while True:
                chunk = response.read1(64 * 1024)  # what has arrived: the deadline holds
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                if time.monotonic() > deadline:
                    raise TooSlow(url)
                chunks.append(chunk)
            return Response(content=b"".join(chunks), headers=response.headers)
    except FetchError:
        raise
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 304:
            return Response(headers=error.headers, not_modified=True)
        if 300 <= error.code < 400:  # the standard library refused the redirect (a loop)
            raise BadRedirect(url) from None
        raise HTTPStatus(error.code) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, FetchError):
            raise reason from None
        if isinstance(reason, TimeoutError):
            raise TooSlow(url) from None
        if isinstance(reason, socket.gaierror):
            raise NoSuchHost(url) from None
        raise Unreachable(url) from None
    except TimeoutError:
        raise TooSlow(url) from None
    except (OSError, http.client.HTTPException, ValueError):
        raise Unreachable(url) from None
