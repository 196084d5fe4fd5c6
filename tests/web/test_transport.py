"""The bounded transport of `lanekit serve` (web/transport.py), over a real socket.

Each test serves the real app with the uvicorn options `lanekit serve` uses, but with small limits and
timeouts so that it runs quickly, attacks it as the issue's attacker did, and then checks that an ordinary
request on the same server is still answered.
"""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
import select
import socket
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from lanekit.app import create_app
from lanekit.settings import Settings
from lanekit.web.transport import BoundedHttpToolsProtocol, TransportLimits, uvicorn_options
from tests.e2e.server import START_TIMEOUT_SECONDS, LiveServer

MAX_HEADER_BYTES = 8192
MAX_HEADERS = 20
TIMEOUT = 0.5
MAX_CONNECTIONS = 2


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@contextmanager
def serve_bounded(settings: Settings) -> Iterator[LiveServer]:
    """Serves `create_app(settings)` with `uvicorn_options(settings)`, as `lanekit serve` does."""
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_level="error",
        access_log=False,
        ws="none",
        timeout_graceful_shutdown=5,
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []
    failure: list[BaseException] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the test thread below
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"lanekit-transport-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the Lanekit server did not start: {failure!r}")
            time.sleep(0.005)
        yield LiveServer(url=f"http://127.0.0.1:{port}", db=app.state.ctx.db, loop=loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)
        sock.close()
        if failure:
            raise RuntimeError("the Lanekit server failed") from failure[0]


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    settings = make_settings(
        max_header_bytes=MAX_HEADER_BYTES,
        max_headers=MAX_HEADERS,
        header_timeout_seconds=TIMEOUT,
        body_timeout_seconds=TIMEOUT,
    )
    with serve_bounded(settings) as live:
        yield live


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def connect(server: LiveServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port_of(server)), timeout=10)


def read_response(sock: socket.socket, pending: bytearray | None = None) -> Response:
    """One response from `sock`, by Content-Length; `pending` keeps what was read past it (pipelining)."""
    data = pending if pending is not None else bytearray()
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a response head: {bytes(data)!r}")
        data += chunk
    end = data.index(b"\r\n\r\n")
    status_line, *lines = data[:end].decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    while len(data) < end + 4 + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed inside a response body: {bytes(data)!r}")
        data += chunk
    body = bytes(data[end + 4 : end + 4 + length])
    del data[: end + 4 + length]
    return Response(int(status_line.split()[1]), headers, body)


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server ends the connection (EOF or reset) within a few seconds."""
    sock.settimeout(5)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        return False
    return True


def exchange(server: LiveServer, raw: bytes) -> Response:
    with closing(connect(server)) as sock:
        sock.sendall(raw)
        return read_response(sock)


def head_of_size(size: int, *, path: str = "/healthz") -> bytes:
    """A GET head of exactly `size` bytes (request line, fields and the blank line), padded in X-Pad."""
    start = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ".encode()
    end = b"\r\n\r\n"
    return start + b"a" * (size - len(start) - len(end)) + end


def head_with_fields(count: int) -> bytes:
    """A GET head with `count` header fields, Host included."""
    fields = "".join(f"X-Field-{i}: {i}\r\n" for i in range(count - 1))
    return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{fields}\r\n".encode()


def assert_still_serving(server: LiveServer) -> None:
    """An ordinary request, and one that reaches the app's authentication, are still answered."""
    assert exchange(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status == 200
    response = exchange(server, b"GET /io/user/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert response.status == 401
    assert response.json()["statusCode"] == 401


def assert_signs_in(server: LiveServer) -> None:
    """A user of a new account reads their profile: the database is reached through the same server."""
    tenant = server.tenant(f"tr{uuid.uuid4().hex[:10]}")
    auth = base64.b64encode(f"{tenant.admin.email}:{tenant.admin_password}".encode()).decode()
    raw = f"GET /io/user/me HTTP/1.1\r\nHost: {tenant.host}\r\nAuthorization: Basic {auth}\r\n\r\n"
    response = exchange(server, raw.encode())
    assert response.status == 200
    assert response.json()["emailAddress"] == tenant.admin.email


def assert_error(response: Response, status: int, error: str) -> None:
    assert response.status == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["connection"] == "close"
    body = response.json()
    assert body["statusCode"] == status
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]


def test_a_head_at_the_limit_is_served_and_one_byte_more_is_431(server: LiveServer) -> None:
    assert exchange(server, head_of_size(MAX_HEADER_BYTES)).status == 200

    with closing(connect(server)) as sock:
        sock.sendall(head_of_size(MAX_HEADER_BYTES + 1))
        assert_error(read_response(sock), 431, "Request Header Fields Too Large")
        assert closed_by_server(sock)

    assert_still_serving(server)


def test_a_10_mb_header_is_refused_long_before_it_is_read_and_takes_no_memory(server: LiveServer) -> None:
    chunk = b"a" * 65536
    total = 10 * 1024 * 1024
    sent = 0
    tracemalloc.start()
    try:
        with closing(connect(server)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ")
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
                if select.select([sock], [], [], 0.005)[0]:
                    break
            response = read_response(sock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_error(response, 431, "Request Header Fields Too Large")
    # Answered while most of the 10 MB was still unsent (socket buffers hold some of what was sent).
    assert sent < total // 4
    # Neither the parser nor the protocol kept the header: far less than the megabytes that were sent.
    assert peak < 2 * 1024 * 1024
    assert_still_serving(server)


def test_too_many_header_fields_is_431(server: LiveServer) -> None:
    assert exchange(server, head_with_fields(MAX_HEADERS)).status == 200

    with closing(connect(server)) as sock:
        sock.sendall(head_with_fields(MAX_HEADERS + 1))
        response = read_response(sock)
        assert_error(response, 431, "Request Header Fields Too Large")
        assert str(MAX_HEADERS) in response.json()["message"]
        assert closed_by_server(sock)

    assert_still_serving(server)


def test_a_slowloris_head_is_cut_off_with_408_in_about_the_timeout(server: LiveServer) -> None:
    with closing(connect(server)) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while not select.select([sock], [], [], 0.1)[0]:
            sock.sendall(b"a")  # one byte per 100 ms, never the end of the head
            assert time.monotonic() - started < 5, "the slow head was never cut off"
        response = read_response(sock)
        elapsed = time.monotonic() - started
        assert closed_by_server(sock)

    assert_error(response, 408, "Request Timeout")
    assert TIMEOUT * 0.8 <= elapsed < TIMEOUT + 2.5
    assert_still_serving(server)


def test_the_head_timeout_restarts_after_each_response_on_a_keep_alive_connection(server: LiveServer) -> None:
    with closing(connect(server)) as sock:
        for _ in range(3):
            time.sleep(TIMEOUT * 0.6)  # the three requests together take longer than one timeout
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_response(sock).status == 200

        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing more
        assert_error(read_response(sock), 408, "Request Timeout")


def test_an_idle_connection_is_closed_without_an_answer(server: LiveServer) -> None:
    with closing(connect(server)) as sock:
        started = time.monotonic()
        sock.settimeout(5)
        assert sock.recv(65536) == b""
        assert time.monotonic() - started < TIMEOUT + 2.5


def test_a_slow_body_is_408_and_the_connection_closes(server: LiveServer) -> None:
    with closing(connect(server)) as sock:
        started = time.monotonic()
        head = b"POST /io/card HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        sock.sendall(head + b"Content-Length: 100\r\n\r\n" + b'{"title": ')
        response = read_response(sock)
        elapsed = time.monotonic() - started
        assert closed_by_server(sock)

    assert_error(response, 408, "Request Timeout")
    assert TIMEOUT * 0.8 <= elapsed < TIMEOUT + 2.5
    assert_still_serving(server)


def test_a_body_that_keeps_coming_is_not_cut_off(server: LiveServer) -> None:
    body = b'{"title": "' + b"a" * 20 + b'"}'
    with closing(connect(server)) as sock:
        head = b"POST /io/card HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        sock.sendall(head + f"Content-Length: {len(body)}\r\n\r\n".encode())
        for byte in body[:4]:
            time.sleep(TIMEOUT * 0.5)  # four gaps shorter than the timeout, longer than it together
            sock.sendall(bytes([byte]))
        sock.sendall(body[4:])
        # Through the transport to the app, which asks who is calling.
        assert read_response(sock).status == 401


@pytest.fixture
def capped(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    """A server with the connection cap and a head timeout long enough to hold idle connections open."""
    with serve_bounded(make_settings(max_connections=MAX_CONNECTIONS, header_timeout_seconds=10)) as live:
        yield live


def test_connections_past_the_cap_get_503(capped: LiveServer) -> None:
    server = capped
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with closing(connect(server)) as first:
        assert exchange(server, request).status == 200  # two open: at the cap, served
        with closing(connect(server)):  # a second, idle
            first.sendall(request)
            assert read_response(first).status == 200
            assert exchange(server, request).status == 503  # a third: past the cap

    deadline = time.monotonic() + 5
    while exchange(server, request).status == 503:  # the server notices the two closes
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert_still_serving(server)
    assert_signs_in(server)


def test_pipelined_requests_near_the_limit_are_each_served(server: LiveServer) -> None:
    # Three heads in one write, each just under the limit but together well over it: the limit is per head.
    heads = [head_of_size(MAX_HEADER_BYTES - 1) for _ in range(3)]
    with closing(connect(server)) as sock:
        sock.sendall(b"".join(heads))
        pending = bytearray()
        assert [read_response(sock, pending).status for _ in heads] == [200, 200, 200]


def test_the_uvicorn_options_reach_worker_processes_and_follow_the_settings() -> None:
    settings = Settings.model_validate({"max_header_bytes": 1000, "max_headers": 7, "max_connections": 9})
    options = uvicorn_options(settings)
    # --workers N hands the options to spawned processes: they must pickle (by reference).
    factory = pickle.loads(pickle.dumps(options["http"]))
    assert factory.func is BoundedHttpToolsProtocol
    assert factory.keywords["limits"] == TransportLimits(
        max_header_bytes=1000, max_headers=7, header_timeout=10.0, body_timeout=30.0
    )
    assert options["limit_concurrency"] == 10


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANEKIT_MAX_HEADER_BYTES", "32768")
    monkeypatch.setenv("LANEKIT_MAX_HEADERS", "50")
    monkeypatch.setenv("LANEKIT_HEADER_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("LANEKIT_BODY_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("LANEKIT_MAX_CONNECTIONS", "200")
    settings = Settings()
    assert TransportLimits.from_settings(settings) == TransportLimits(
        max_header_bytes=32768, max_headers=50, header_timeout=2.5, body_timeout=5.0
    )
    assert settings.max_connections == 200
    monkeypatch.setenv("LANEKIT_HEADER_TIMEOUT_SECONDS", "0")
    with pytest.raises(ValueError, match="must be positive"):
        Settings()
