"""Bounded HTTP/1.1 transport for `lanekit serve`: header size and count, header and body timeouts.

uvicorn's httptools protocol accepts request heads of any size (httptools concatenates a header value in
memory until it ends, so one 85 MB `Authorization` header costs 85 MB, quadratically copied) and waits for
slow heads and slow bodies indefinitely.  `BoundedHttpToolsProtocol` closes those doors before the ASGI app
sees the request; the limits, their defaults and the reasons are in docs/decisions/151-transport-limits.md.

- A request head (request line and header fields) larger than `max_header_bytes`, or with more than
  `max_headers` fields, is answered 431 and the connection closed.  The parser is never fed more than
  `max_header_bytes` of a head, so no more than that is ever held for one.
- A head not complete `header_timeout` seconds after the connection opened, or after the previous response
  on a keep-alive connection, is answered 408 and the connection closed (an idle connection that sent
  nothing is closed without an answer).
- While the app waits for body bytes, a gap of `body_timeout` seconds ends the request with 408 and closes
  the connection.

Error bodies have the `{statusCode, error, message}` shape of every other Lanekit error.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import httptools
from uvicorn._types import ASGIReceiveEvent
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from lanekit.settings import Settings
from lanekit.shapes.common import error_body, reason_phrase

# How long a rejected connection keeps reading (and discarding) what the client still sends before it is
# closed.  Closing a socket with unread input makes the kernel answer with a reset, and a reset can destroy
# the 431/408 before the client has read it; draining a little first lets the answer arrive.
LINGER_SECONDS = 1.0


@dataclass(frozen=True)
class TransportLimits:
    """The limits of one server; sizes in bytes, timeouts in seconds."""

    max_header_bytes: int
    max_headers: int
    header_timeout: float
    body_timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> TransportLimits:
        return cls(
            max_header_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
            header_timeout=settings.header_timeout_seconds,
            body_timeout=settings.body_timeout_seconds,
        )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run`/`uvicorn.Config` that bound the transport.

    `http` is a partial of `BoundedHttpToolsProtocol` with the limits bound in: picklable by reference, so it
    reaches every worker process of `--workers N`.  uvicorn counts the connection asking among the open ones
    (`len(connections) >= limit_concurrency` answers 503), so the limit is one above the number of
    connections to serve.
    """
    return {
        "http": bounded_protocol(TransportLimits.from_settings(settings)),
        "limit_concurrency": settings.max_connections + 1,
        # The kernel queues at most this many accepted-but-not-yet-served connections (it also caps it at
        # net.core.somaxconn); uvicorn's default, stated here so that it sits next to the cap it backs.
        "backlog": 2048,
    }


def bounded_protocol(limits: TransportLimits) -> type[asyncio.Protocol]:
    """The protocol factory uvicorn's `http=` takes: `BoundedHttpToolsProtocol` with `limits`."""
    return cast("type[asyncio.Protocol]", partial(BoundedHttpToolsProtocol, limits=limits))


def _error_bytes(status: int, message: str) -> bytes:
    return json.dumps(error_body(status, reason_phrase(status), message)).encode()


class _Rejected(Exception):
    """Raised from a parser callback to stop parsing at once; the rejection itself is on the protocol."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of `TransportLimits` (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: TransportLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        # True while the parser is between requests or inside a request head.
        self._in_head = True
        # Bytes of the current head fed to the parser; never more than limits.max_header_bytes.
        self._head_bytes = 0
        self._header_count = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._rejection: tuple[int, str] | None = None
        self._rejected = False

    # Connection lifetime

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._rejected:
            return  # lingering: read and dropped
        self._unset_keepalive_if_required()
        while data and not self._rejected and not self.transport.is_closing():
            if self._in_head:
                room = self.limits.max_header_bytes - self._head_bytes
                piece, data = data[:room], data[room:]
                self._head_bytes += len(piece)
            else:
                piece, data = data, b""
            if not self._feed(piece):
                return
            if self._in_head and self._head_bytes >= self.limits.max_header_bytes:
                limit = self.limits.max_header_bytes
                self._reject(
                    431, f"request line and header fields are larger than the limit of {limit} bytes"
                )

    def _feed(self, piece: bytes) -> bool:
        """Feeds `piece` to the parser like uvicorn's `data_received`; False once the connection is done."""
        try:
            self.parser.feed_data(piece)
        except httptools.HttpParserError:
            if self._rejection is not None:
                self._reject(*self._rejection)
                return False
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return False
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return False
        return True

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._rejection = (431, f"more than {self.limits.max_headers} header fields")
            raise _Rejected
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._in_head = False
        previous = self.cycle
        super().on_headers_complete()
        if self.cycle is not previous:
            cycle = self.cycle
            cycle.receive = partial(self._receive_within_timeout, cycle, cycle.receive)  # type: ignore[method-assign]

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Not while a pipelined request is being served: its head is complete, and the timer is armed again
        # when its response is.
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm_head_timer()

    # Slow heads

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
            return
        if self._in_head and self._head_bytes:
            self._reject(
                408, f"the request headers did not arrive within {self.limits.header_timeout:g} seconds"
            )
        else:
            self.transport.close()  # idle, or still sending a body nobody reads: nothing to answer

    # Rejections

    def _reject(self, status: int, message: str) -> None:
        """Answers `status` with an error body, stops parsing, and closes after a short linger."""
        self._rejected = True
        self._cancel_head_timer()
        self.logger.warning("%s: %s", status, message)
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head behind a response still being written: an answer now would corrupt that one.
            self.cycle.keep_alive = False
            self.transport.close()
            return
        body = _error_bytes(status, message)
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    # Slow bodies

    async def _receive_within_timeout(self, cycle: RequestResponseCycle, receive: Any) -> ASGIReceiveEvent:
        """`cycle.receive`, except that waiting `body_timeout` for body bytes ends the request with 408."""
        if not cycle.more_body or cycle.disconnected or cycle.response_complete:
            return cast(ASGIReceiveEvent, await receive())
        try:
            return cast(ASGIReceiveEvent, await asyncio.wait_for(receive(), self.limits.body_timeout))
        except TimeoutError:
            pass
        timeout = self.limits.body_timeout
        self.logger.warning("408: no request body bytes for %g seconds", timeout)
        cycle.keep_alive = False
        if not cycle.response_started:
            body = _error_bytes(408, f"no request body bytes arrived for {timeout:g} seconds")
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await cycle.send({"type": "http.response.start", "status": 408, "headers": headers})
            await cycle.send({"type": "http.response.body", "body": body, "more_body": False})
        # The app sees a disconnect, and whatever it still sends goes nowhere.
        cycle.disconnected = True
        if not self.transport.is_closing():
            self.transport.close()
        return {"type": "http.disconnect"}
