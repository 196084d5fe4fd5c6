"""The edge: one pure ASGI layer for transport leniency, the request id, body limits, tenancy, the
X-RateLimit-* headers and the request's database connection.

Each applies a rule every endpoint follows; docs/conventions.md writes them down.  They were four
middlewares, each wrapping `send` again and scanning the headers on its own; as one layer they read the
headers once and wrap `receive` and `send` once (docs/decisions/165-request-path.md).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanekit.domain.people.accounts import AccountResolver
from lanekit.shapes.common import error_body, reason_phrase
from lanekit.storage.engine import Database

OVERRIDABLE = {"PUT", "PATCH", "DELETE", "GET"}


# A surface whose errors have another body than /io's: (lower-cased path prefix, body builder).
ErrorBodies = tuple[tuple[str, Callable[[int, str], dict[str, Any]]], ...]


def _io_error_body(status: int, message: str) -> dict[str, Any]:
    return error_body(status, reason_phrase(status), message)


async def _send_json(send: Send, status: int, message: str, build: Callable[[int, str], Any]) -> None:
    body = json.dumps(build(status, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class PathCase:
    """Respells path segments in the case the routes use (docs/conventions.md §8): `/io/USER/me` →
    `/io/user/me`.

    LeanKit clients differ in case (`/customField` vs `/customfield`).  Every literal segment of every
    route is learnt, lower-cased, on the first request; a request segment that is not itself a literal of
    some route but equals one ignoring case is replaced by that literal.  Path parameters (numeric ids) are
    left alone, and where two routes spell a literal differently each spelling still reaches its own route.
    """

    def __init__(self) -> None:
        self._exact: set[str] | None = None
        self._by_lower: dict[str, str] = {}

    def _learn(self, app: Any) -> set[str]:
        exact: set[str] = set()
        for route in iter_route_contexts(getattr(app, "routes", [])):
            for segment in (route.path or "").split("/"):
                if segment and not segment.startswith("{"):
                    exact.add(segment)
                    self._by_lower.setdefault(segment.lower(), segment)
        self._exact = exact
        return exact

    def canonical(self, app: Any, path: str) -> str:
        exact = self._exact if self._exact is not None else self._learn(app)
        segments = path.split("/")
        changed = False
        for index, segment in enumerate(segments):
            if segment in exact:
                continue
            spelling = self._by_lower.get(segment.lower())
            if spelling is not None:
                segments[index] = spelling
                changed = True
        return "/".join(segments) if changed else path


class EdgeMiddleware:
    """Every HTTP request's way in and out, in this order:

    1. **Transport** (docs/conventions.md §8): `X-HTTP-Method-Override` on a POST, a trailing slash
       stripped, path segments respelt in the routes' case (`PathCase`), and a request id: the client's
       `X-Request-ID` (its first 64 characters) or a new one, echoed on the response.
    2. **Body limit**: a body over `max_body_bytes` is refused with 413 before the app runs: by its
       Content-Length when given (a malformed one is a 400), else while it streams in (it is buffered up to
       the limit, which is small).  POSTs to a path that `streamed_uploads` matches (attachment uploads)
       are passed on unbuffered and unlimited: their handler streams the body and enforces its own, larger
       limit.  These refusals use /io's error body, or the body `error_bodies` gives for the path's surface
       (SCIM's `Errors` under /io/scim).
    3. **Tenancy** (docs/conventions.md §7): the request's state receives its Host header and the
       `AccountResolver`; the account is looked up lazily (`deps.account_of`), so probes, the OpenAPI
       document and unknown routes never touch the database and `/readyz` can report an unmigrated or
       unreachable one.
    4. **The request's database connection** (docs/decisions/161-request-connection.md): the app runs
       inside `Database.request_scope()`, and the connection goes back to the pool whenever the app reads
       the request body and when the response starts.
    5. **Rate-limit headers**: the X-RateLimit-* values authentication computed (`request.state.rate_limit`)
       are added to the response, then `X-Request-ID`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        resolver: AccountResolver,
        max_body_bytes: int,
        streamed_uploads: re.Pattern[str] | None = None,
        error_bodies: ErrorBodies = (),
    ) -> None:
        self.app = app
        self.db = db
        self.resolver = resolver
        self.max_body_bytes = max_body_bytes
        self.streamed_uploads = streamed_uploads
        self.error_bodies = error_bodies
        self.path_case = PathCase()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = override = request_id = length = encoding = None
        # ASGI header names are lower-case.  Host: the first one; the others: the last one.
        for name, value in scope["headers"]:
            if name == b"host":
                if host is None:
                    host = value
            elif name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                encoding = value
            elif name == b"x-request-id":
                request_id = value
            elif name == b"x-http-method-override":
                override = value

        # A copy: the server's own scope keeps what the client sent (uvicorn's access log prints it).
        scope = dict(scope)
        method: str = scope["method"]
        if override and method == "POST":
            overridden = override.decode("latin-1").strip().upper()
            if overridden in OVERRIDABLE:
                scope["method"] = method = overridden
        original: str = scope["path"]
        path = original
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        if "app" in scope:
            path = self.path_case.canonical(scope["app"], path)
        if path != original:
            scope["path"] = path
            scope["raw_path"] = quote(path).encode("ascii")
        rid = (request_id.decode("latin-1")[:64] if request_id else "") or uuid.uuid4().hex
        state: dict[str, Any] = dict(scope.get("state") or ())
        state["request_id"] = rid
        state["host"] = host.decode("latin-1") if host is not None else None
        state["account_resolver"] = self.resolver
        scope["state"] = state
        db = self.db
        rid_header = (b"x-request-id", rid.encode())

        async def send_out(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The response no longer needs the database (a no-op while a block is open).
                await db.release()
                headers = list(message.get("headers", ()))
                window = state.get("rate_limit")
                if window is not None:
                    limit, remaining, reset = window
                    headers.append((b"x-ratelimit-limit", str(limit).encode()))
                    headers.append((b"x-ratelimit-remaining", str(remaining).encode()))
                    headers.append((b"x-ratelimit-reset", str(reset).encode()))
                headers.append(rid_header)
                message["headers"] = headers
            await send(message)

        uploads = self.streamed_uploads
        streamed = uploads is not None and method == "POST" and uploads.fullmatch(path) is not None
        if streamed:
            pass  # an attachment upload: its handler streams the body and enforces its own limit
        elif length is None and encoding is not None and encoding.lower() == b"chunked":
            # No declared length: buffer the body up to the limit, then replay it.
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body_bytes:
                    await _send_json(send_out, 413, self._too_large(), self._error_body_for(path))
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            receive = _replay(b"".join(chunks), receive)
        elif length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send_out, 400, "Content-Length is not a number", self._error_body_for(path))
                return
            if declared > self.max_body_bytes:
                await _send_json(send_out, 413, self._too_large(), self._error_body_for(path))
                return
        inner_receive = receive

        async def receive_in() -> Message:
            # The client may be slow: the request's connection goes back to the pool meanwhile (a no-op
            # unless the request holds an idle one).
            await db.release()
            return await inner_receive()

        async with db.request_scope():
            await self.app(scope, receive_in, send_out)

    def _error_body_for(self, path: str) -> Callable[[int, str], Any]:
        """The error body of the surface serving `path`: /io's unless `error_bodies` names another."""
        lowered = path.lower()
        for prefix, build in self.error_bodies:
            if lowered.startswith(prefix):
                return build
        return _io_error_body

    def _too_large(self) -> str:
        return f"request body is larger than the limit of {self.max_body_bytes} bytes"


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that first returns the buffered `body` whole, then defers to the client's."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
