"""Fetching an address a user gave us, without letting it reach what it should not.

Calendar feeds use it today; anything later that fetches a user's URL (a webhook, an image
by address) should too. The address may never reach a private network (SSRF): every
address a host name resolves to must be public, and we connect to exactly the address we
checked, on every redirect too. Only http(s), no proxies from the environment, at most a
few redirects, a timeout for connecting and each read, an overall deadline and a size cap.

"Public" is an explicit list, not Python's `is_global` alone: that one calls NAT64
(64:ff9b::/96), 6to4 (2002::/16), IPv4-mapped and several other forms that can lead back
into a private network "global". IPv6 must lie in global unicast (2000::/3), and every
special-purpose block of the IANA registries is refused (`DENIED_NETWORKS`), also the
blocks that only translate to IPv4: no public calendar is served from them.

The overall deadline (three times the timeout) holds from the first connection to the
last byte of the body, redirects, TLS handshake and response headers included: a
watchdog shuts the connection's socket down when it passes, so a server that answers one
byte a second gets nowhere. Looking up the host name is the only step outside it (the
system resolver has its own limits).

Errors are typed, not worded: each caller explains them in its own users' terms.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
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


#: Special-purpose blocks (IANA IPv4 and IPv6 special-purpose address registries) that a
#: URL we fetch may never reach, whatever `ipaddress` thinks of them.
DENIED_NETWORKS = tuple(
    ipaddress.ip_network(block)
    for block in (
        # IPv4
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        # IPv6
        "::/96",  # unspecified, loopback, IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID, ...
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing (SRv6) identifiers
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
#: All public IPv6 unicast lies here; anything outside is special by definition.
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")


def is_public_address(address: str) -> bool:
    """Whether we may connect to this address: public unicast, in no special-purpose block.

    IPv4 in IPv6 clothing (mapped, compatible, NAT64, 6to4, Teredo) is refused outright
    rather than unwrapped: a resolver never needs it to reach a public calendar.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip not in _GLOBAL_UNICAST:
        return False
    if any(ip in network for network in DENIED_NETWORKS if network.version == ip.version):
        return False
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


class _Watchdog:
    """The overall deadline: when it passes, the socket in use is shut down, so whatever
    step is waiting on it (connecting, the TLS handshake, headers, body) fails at once
    instead of waiting out one read timeout per byte."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        with self._lock:
            self._socket = None

    def watch(self, sock: socket.socket) -> None:
        """The socket the fetch now waits on (a new one per redirect, a TLS one per
        handshake)."""
        with self._lock:
            self._socket = sock
            expired = self.expired
        if expired:
            self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self._socket
        if sock is not None:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # The plain socket's shutdown, also for a TLS socket: it wakes a blocked read in
        # another thread, and a socket closed meanwhile (fd -1) merely raises.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _connector(allow_private: bool, watchdog: _Watchdog):
    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source=None):
        """socket.create_connection that refuses private addresses, and connects to exactly
        the addresses it checked, so a host name cannot resolve differently a moment later."""
        host, port = address
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        if not allow_private and not all(is_public_address(info[4][0]) for info in infos):
            raise PrivateAddress(host)
        error: OSError | None = None
        for family, kind, proto, _name, sockaddr in infos:
            if watchdog.expired:
                break
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source:
                    sock.bind(source)
                watchdog.watch(sock)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        raise error or TimeoutError("deadline passed")

    return create_connection


def _opener(allow_private: bool, watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """Only http(s), no proxies from the environment, no file:// or ftp:// redirects; every
    socket watched by the deadline."""
    connect = _connector(allow_private, watchdog)

    class GuardedHTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class GuardedHTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

        def connect(self) -> None:
            # HTTPSConnection.connect, with the handshake done on a socket the watchdog
            # can shut down (wrapping detaches the plain socket it watched). No proxy
            # tunnels: the opener has no ProxyHandler.
            http.client.HTTPConnection.connect(self)
            self.sock = self._context.wrap_socket(
                self.sock, server_hostname=self.host, do_handshake_on_connect=False
            )
            watchdog.watch(self.sock)
            self.sock.do_handshake()

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

    `timeout` bounds connecting and each read; the whole fetch, from connecting to the
    last byte (redirects, TLS and headers included), gets three times that, so a server
    that drips one byte at a time cannot keep a worker busy. A 304 (the caller sent
    If-None-Match) is an empty response with `not_modified`.
    """
    check_url(url, allow_private=allow_private)
    request = urllib.request.Request(url, headers=headers or {})
    with _Watchdog(3 * timeout) as watchdog:
        try:
            response = _download(
                _opener(allow_private, watchdog),
                request,
                timeout=timeout,
                max_bytes=max_bytes,
                deadline=time.monotonic() + 3 * timeout,
            )
        except FetchError:
            if watchdog.expired:  # whatever broke, it broke because we cut it off
                raise TooSlow(url) from None
            raise
        if watchdog.expired:  # a body cut off mid-way can look complete
            raise TooSlow(url)
        return response


def _download(
    opener: urllib.request.OpenerDirector,
    request: urllib.request.Request,
    *,
    timeout: float,
    max_bytes: int,
    deadline: float,
) -> Response:
    url = request.full_url
    try:
        with opener.open(request, timeout=timeout) as response:
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
