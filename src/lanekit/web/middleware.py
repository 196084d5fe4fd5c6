"""Pure ASGI middleware: transport leniency, body limits, tenancy, rate-limit headers.

Each one applies a rule every endpoint follows; docs/conventions.md writes them down.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanekit.domain.people.accounts import AccountResolver
from lanekit.shapes.common import error_body, reason_phrase

OVERRIDABLE = {"PUT", "PATCH", "DELETE", "GET"}


async def _send_json(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(status, reason_phrase(status), message)).encode()
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


class TransportMiddleware:
    """Method override on POST, trailing slashes, path case, a request id, and the request-body size limit.

    A body over the limit is refused with 413 before the handler runs: by its Content-Length when given,
    else while it streams in (it is buffered up to the limit, which is small).  POSTs to a path that
    `streamed_uploads` matches (attachment uploads) are passed on unbuffered and unlimited: their handler
    streams the body and enforces its own, larger limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        unlimited_prefixes: tuple[str, ...] = (),
        streamed_uploads: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.unlimited_prefixes = unlimited_prefixes
        self.streamed_uploads = streamed_uploads
        self.path_case = PathCase()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        scope = dict(scope)
        override = headers.get(b"x-http-method-override")
        if scope["method"] == "POST" and override:
            method = override.decode("latin-1").strip().upper()
            if method in OVERRIDABLE:
                scope["method"] = method
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        if "app" in scope:
            path = self.path_case.canonical(scope["app"], path)
        if path != scope["path"]:
            scope["path"] = path
            scope["raw_path"] = quote(path).encode("ascii")
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})
        scope["state"] = {**scope["state"], "request_id": request_id}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        if scope["path"].lower().startswith(self.unlimited_prefixes) if self.unlimited_prefixes else False:
            await self.app(scope, receive, send_with_id)
            return
        uploads = self.streamed_uploads
        if uploads is not None and scope["method"] == "POST" and uploads.fullmatch(scope["path"]):
            await self.app(scope, receive, send_with_id)
            return

        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send_with_id, 400, "Content-Length is not a number")
                return
            if declared > self.max_body_bytes:
                await _send_json(send_with_id, 413, self._too_large())
                return
            await self.app(scope, receive, send_with_id)
            return
        if headers.get(b"transfer-encoding", b"").lower() != b"chunked":
            await self.app(scope, receive, send_with_id)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _send_json(send_with_id, 413, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_id)

    def _too_large(self) -> str:
        return f"request body is larger than the limit of {self.max_body_bytes} bytes"


class TenancyMiddleware:
    """Hands the request the means to find the account chosen by its Host header (docs/conventions.md §7).

    The lookup itself is lazy (`deps.account_of`): probes, the OpenAPI document and unknown routes never
    touch the database, so `/readyz` can report an unmigrated or unreachable database instead of failing.
    """

    def __init__(self, app: ASGIApp, *, resolver: AccountResolver) -> None:
        self.app = app
        self.resolver = resolver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
            scope["state"] = {**scope.get("state", {}), "host": host, "account_resolver": self.resolver}
        await self.app(scope, receive, send)


class RateLimitHeadersMiddleware:
    """Adds the X-RateLimit-* headers that authentication computed to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                window = state.get("rate_limit")
                if window is not None:
                    limit, remaining, reset = window
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"x-ratelimit-limit", str(limit).encode()),
                        (b"x-ratelimit-remaining", str(remaining).encode()),
                        (b"x-ratelimit-reset", str(reset).encode()),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
