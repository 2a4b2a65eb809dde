"""The guarded HTTP client (network/guarded_http.py): special-purpose addresses are refused
whether written in the URL or hidden behind a host name, and the overall deadline holds
from connecting to the last byte, also while TLS is set up and headers come in."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from network import guarded_http
from tests.activities.ics_server import FeedServer

#: One address inside every block we refuse; the comment names the block.
SPECIAL_ADDRESSES = [
    "0.0.0.0",  # this network
    "0.1.2.3",
    "10.0.0.1",  # private
    "100.64.0.1",  # shared address space
    "100.127.255.254",
    "127.0.0.1",  # loopback
    "127.255.255.254",
    "169.254.169.254",  # link-local (cloud metadata)
    "172.16.0.1",  # private
    "172.31.255.254",
    "192.0.0.1",  # IETF protocol assignments
    "192.0.0.170",
    "192.0.2.1",  # documentation
    "192.88.99.1",  # 6to4 relay anycast
    "192.168.1.1",  # private
    "198.18.0.1",  # benchmarking
    "198.19.255.254",
    "198.51.100.1",  # documentation
    "203.0.113.1",  # documentation
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "::",  # unspecified
    "::1",  # loopback
    "::127.0.0.1",  # IPv4-compatible
    "::8.8.8.8",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:8.8.8.8",
    "::ffff:0:10.0.0.1",  # IPv4-translated
    "64:ff9b::a00:1",  # NAT64 well-known prefix (10.0.0.1)
    "64:ff9b::808:808",  # NAT64 of a public address: still refused
    "64:ff9b:1::1",  # NAT64 local use
    "100::1",  # discard-only
    "2001::1",  # Teredo
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:2::1",  # benchmarking
    "2001:10::1",  # ORCHID
    "2001:db8::1",  # documentation
    "2002:a00:1::1",  # 6to4 (10.0.0.1)
    "2002:808:808::1",
    "3fff::1",  # documentation
    "5f00::1",  # SRv6
    "fc00::1",  # unique local
    "fd12:3456:789a::1",
    "fe80::1",  # link-local
    "fe80::1%1",
    "fec0::1",  # site-local
    "ff02::1",  # multicast
    "ff0e::1",
    "4000::1",  # outside global unicast
]

PUBLIC_ADDRESSES = ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:2800:21f:cb07::1", "2a00::1"]


def literal_url(address: str) -> str:
    host = f"[{address.replace('%', '%25')}]" if ":" in address else address
    return f"http://{host}/agenda.ics"


@pytest.mark.parametrize("address", SPECIAL_ADDRESSES)
def test_a_special_address_in_the_url_is_refused(address):
    assert not guarded_http.is_public_address(address)
    with pytest.raises(guarded_http.PrivateAddress):
        guarded_http.check_url(literal_url(address))
    with pytest.raises(guarded_http.PrivateAddress):
        guarded_http.fetch(literal_url(address), timeout=1, max_bytes=1000)


@pytest.fixture
def resolving_to(monkeypatch):
    """Make calendar.example resolve to the given addresses; record connection attempts."""
    attempts: list = []
    real_connect = socket.socket.connect

    def use(*addresses: str) -> list:
        def resolve(host, port, *args, **kwargs):
            assert host == "calendar.example"
            infos = []
            for address in addresses:
                if ":" in address:
                    sockaddr = (address, port, 0, 0)
                    infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", sockaddr))
                else:
                    infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
            return infos

        def connect(sock, address):
            attempts.append(address)
            return real_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        monkeypatch.setattr(socket.socket, "connect", connect)
        return attempts

    return use


@pytest.mark.parametrize("address", SPECIAL_ADDRESSES)
def test_a_name_resolving_to_a_special_address_is_refused_before_connecting(address, resolving_to):
    attempts = resolving_to(address)
    guarded_http.check_url("http://calendar.example/agenda.ics")  # a name: checked later
    with pytest.raises(guarded_http.PrivateAddress):
        guarded_http.fetch("http://calendar.example/agenda.ics", timeout=1, max_bytes=1000)
    assert attempts == []


def test_one_special_address_among_public_ones_refuses_the_name(resolving_to):
    attempts = resolving_to("93.184.215.14", "64:ff9b::a00:1")
    with pytest.raises(guarded_http.PrivateAddress):
        guarded_http.fetch("http://calendar.example/agenda.ics", timeout=1, max_bytes=1000)
    assert attempts == []


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address):
    assert guarded_http.is_public_address(address)
    guarded_http.check_url(literal_url(address))


def test_every_denied_block_is_tested():
    """A block added to the deny list gets an address in SPECIAL_ADDRESSES too."""
    import ipaddress

    for network in guarded_http.DENIED_NETWORKS:
        assert any(
            ipaddress.ip_address(address.split("%")[0]) in network for address in SPECIAL_ADDRESSES
        ), network


# The overall deadline -----------------------------------------------------------------


@pytest.fixture
def feed_server():
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def timed_fetch(url: str, *, timeout: float, **options) -> tuple[type, float]:
    started = time.monotonic()
    with pytest.raises(guarded_http.FetchError) as caught:
        guarded_http.fetch(url, timeout=timeout, max_bytes=1_000_000, allow_private=True, **options)
    return type(caught.value), time.monotonic() - started


def test_headers_dripped_one_byte_at_a_time_are_given_up_on_at_the_deadline(feed_server):
    # Each byte comes well within the read timeout, so only the overall deadline helps:
    # without it the answer's ~300 bytes would take a minute.
    url = feed_server.serve(body=b"BEGIN:VCALENDAR", drip_headers=0.2)
    kind, seconds = timed_fetch(url, timeout=0.5)
    assert kind is guarded_http.TooSlow
    assert 1.4 <= seconds < 2.5  # the deadline is 3 x 0.5 s


def test_a_dripped_body_is_given_up_on_at_the_deadline(feed_server):
    url = feed_server.serve(body=b"BEGIN:VCALENDAR" * 100, drip=0.1)
    kind, seconds = timed_fetch(url, timeout=0.5)
    assert kind is guarded_http.TooSlow and seconds < 2.5


@contextlib.contextmanager
def dripping_tls_server():
    """A TCP server that answers a TLS ClientHello with a record header announcing 16 KB,
    then sends its bytes one by one: a handshake that never ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"\x16\x03\x03\x40\x00")
                while not stop.is_set():
                    connection.sendall(b"\x02")
                    time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def test_a_tls_handshake_that_never_ends_is_given_up_on_in_time():
    # Python bounds one handshake call by the timeout already; the watchdog watches the
    # TLS socket too, so neither can stretch the fetch beyond the deadline.
    with dripping_tls_server() as port:
        kind, seconds = timed_fetch(f"https://127.0.0.1:{port}/agenda.ics", timeout=0.5)
    assert kind is guarded_http.TooSlow
    assert seconds < 2.5


def test_a_fast_answer_is_not_cut_off(feed_server):
    url = feed_server.serve(body=b"BEGIN:VCALENDAR")
    response = guarded_http.fetch(url, timeout=0.5, max_bytes=1000, allow_private=True)
    assert response.content == b"BEGIN:VCALENDAR"
    # The watchdog is stopped with the fetch, not left to fire later.
    deadline = time.monotonic() + 1
    while any(isinstance(t, threading.Timer) for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
