"""Malformed HTTP on the wire, sent to `carnet serve` as in production (uvicorn with its C parser,
httptools): every one is refused with a 4xx, and the server keeps answering.

The requests are raw bytes on a socket: an HTTP client library would refuse to send them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live_server import Target, cli, server_env, serving

pytestmark = pytest.mark.slow

HOST = b"Host: localhost\r\n"
SYNC = b"POST /api/v1/sync HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
SESSION = b"GET /api/v1/session HTTP/1.1\r\n" + HOST

MALFORMED = {
    "not an HTTP request line": b"HELLO\r\n\r\n",
    "a TLS handshake on the plain port": bytes.fromhex("16030100a5010000a10303") + bytes(40),
    "a space in a header name": SESSION + b"Bad Header: x\r\n\r\n",
    "a header line without a colon": SESSION + b"NoColon\r\n\r\n",
    "a NUL byte in a header value": SESSION + b"X-A: a\x00b\r\n\r\n",
    "a bare CR in a header value": SESSION + b"X-A: a\rb\r\n\r\n",
    "an obsolete folded header line": SESSION + b"X-A: a\r\n b\r\n\r\n",
    "a space in the path": b"GET /api/v1/ses sion HTTP/1.1\r\n" + HOST + b"\r\n",
    "a non-ASCII byte in the path": b"GET /api/v1/s\xc3\xa9ssion HTTP/1.1\r\n" + HOST + b"\r\n",
    "a 100 KB path": b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
    # Request smuggling: two lengths a proxy and the server could read differently.
    "Content-Length and Transfer-Encoding together": SYNC
    + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two different Content-Lengths": SYNC + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x",
    "a Content-Length that is not a number": SYNC + b"Content-Length: abc\r\n\r\n{}",
    "a negative Content-Length": SYNC + b"Content-Length: -1\r\n\r\n{}",
    "a Content-Length past any integer": SYNC + b"Content-Length: " + b"9" * 30 + b"\r\n\r\n",
    "a chunk size that is not hexadecimal": SYNC
    + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "an unknown transfer coding": SYNC + b"Transfer-Encoding: gzip\r\n\r\n{}",
}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    workdir: Path = tmp_path_factory.mktemp("wire")
    env = server_env(workdir)
    cli(env, "migrate")
    with serving(env, workdir) as running:
        yield running


def _port(target: Target) -> int:
    port = urlsplit(target.origin).port
    assert port is not None
    return port


def _send(target: Target, data: bytes) -> tuple[int, bytes]:
    """Send raw bytes; the answer's status and body."""
    sock = socket.create_connection(("127.0.0.1", _port(target)), timeout=10)
    sock.sendall(data)
    response = http.client.HTTPResponse(sock)
    try:
        response.begin()
        return response.status, response.read()
    finally:
        sock.close()


def _answers(target: Target) -> bool:
    status, _ = _send(target, SESSION + b"Connection: close\r\n\r\n")
    return status == 200


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_http_is_refused_with_a_4xx_and_the_server_keeps_answering(
    target: Target, data: bytes
) -> None:
    """Make sure a request the HTTP parser cannot read gets a 4xx (never a 500, never a
    dropped connection without an answer) and that the next request is served."""
    status, _ = _send(target, data)
    assert 400 <= status < 500, status
    assert _answers(target)


TWO_HOSTS = HOST + b"Host: other.example\r\n"


@pytest.mark.parametrize(("hosts", "code"), [(b"", "missing_host"), (TWO_HOSTS, "several_hosts")])
def test_an_api_request_without_exactly_one_host_is_refused_naming_the_host(
    target: Target, hosts: bytes, code: str
) -> None:
    """Make sure an HTTP/1.1 API request with no Host, or two (which could name two firms: one
    to a proxy, another to us), is refused with a problem naming the Host header (RFC 9112
    §3.2; the C parser leaves this check to the application)."""
    request = b"GET /api/v1/session HTTP/1.1\r\n" + hosts + b"Connection: close\r\n\r\n"
    status, body = _send(target, request)
    assert status == 422
    assert json.loads(body)["errors"] == [
        {"field": "Host", "code": code, "message": json.loads(body)["detail"]}
    ]


def test_one_connection_serves_several_requests(target: Target) -> None:
    """Make sure keep-alive works: three requests on one connection, each answered in full."""
    connection = http.client.HTTPConnection("127.0.0.1", _port(target), timeout=10)
    statuses, sockets = [], set()
    try:
        for _ in range(3):
            connection.request("GET", "/api/v1/session", headers={"Host": "localhost"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            sockets.add(id(connection.sock))
    finally:
        connection.close()
    assert statuses == [200, 200, 200]
    assert len(sockets) == 1


@pytest.mark.parametrize(
    "start", [SESSION + b"X-Endless: ", b"GET /"], ids=["an endless header", "an endless path"]
)
def test_a_request_head_that_never_ends_is_refused_before_it_fills_the_memory(
    target: Target, start: bytes
) -> None:
    """Make sure a request line or header sent without end, in many reads, is answered with
    a 400 once past the bound (h11's 16 KB) and the connection closed: httptools alone keeps
    whatever comes."""
    sock = socket.create_connection(("127.0.0.1", _port(target)), timeout=10)
    try:
        sock.sendall(start)
        sent = 0
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < 4 * 2**20:
                sock.sendall(b"a" * 4096)
                sent += 4096
                time.sleep(0.001)  # separate reads, as a slow sender's
        answer = sock.recv(200)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert sent < 2**20
    assert _answers(target)
