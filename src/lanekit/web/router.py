"""A precompiled route table in front of FastAPI's matching (docs/decisions/162-route-table.md).

FastAPI tries an app's routes in order, and an included router's routes again, level by level, once to
match and once more to dispatch: with ~150 /io routes a request ran a few hundred regexes before its
handler.  `RouteTable` indexes the routes once, by method, number of path segments and the literal
segments before the first parameter, and tries only the few routes of the request's bucket, in their
original order.  It picks the same route FastAPI would, because a route outside the bucket cannot match:

- every indexed route's parameters are single-segment convertors (`{x:id}`, `{x:int}`, `{x}`), so it
  matches only paths of its own segment count, that begin with its literal prefix (compared lower-cased:
  a superset of what a case-insensitive or case-sensitive route accepts);
- routes it cannot reason about (mounts, hosts, websockets, `{x:path}`, included routers with form
  limits) are tried in every bucket, through FastAPI's own `matches`/`handle`.

Only a full match (path and method) is served from the table.  Anything else (a 405, a slash redirect, a
404) goes to FastAPI's full scan unchanged, so those answers are FastAPI's own.

FastAPI (0.16x) keeps included routers nested and dispatches an /io route through private helpers; the
few it needs are imported below, from the one module that defines them, so an upgrade that moves them
fails at import, not at request time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import (
    _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY,
    _FASTAPI_INCLUDED_ROUTER_KEY,
    APIRoute,
    APIRouter,
    _get_fastapi_scope,
    _IncludedRouter,
    _update_scope,
)
from fastapi.telemetry._api import _route_selected
from starlette._utils import get_route_path
from starlette.convertors import IntegerConvertor, StringConvertor
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from lanekit.web.handler import Handler
from lanekit.web.routing import IdConvertor, LenientRoute, uses_fastapi_handler

# Convertors that match exactly one non-empty path segment (no "/"), the premise of the index.
SINGLE_SEGMENT = (IdConvertor, IntegerConvertor, StringConvertor)

Key = tuple[str, int, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Entry:
    """One route of the table, in FastAPI's order (`order`).

    `context` is an included APIRoute's effective context (its full path, dependencies and app) and
    `branch` the innermost included router holding it; with no context, `route` is a top-level route
    matched and handled as FastAPI's own loop does.  `planned` is the route's handler with a dependency
    plan (web/handler.py), called directly, when it has one.
    """

    order: int
    route: BaseRoute
    context: Any = None
    branch: Any = None
    planned: Handler | None = None


def _key_parts(path_format: str, convertors: dict[str, Any]) -> tuple[int, tuple[str, ...]] | None:
    """(segment count, lower-cased literal prefix) of a route path, or None when a parameter can span
    segments or share one with literal text (`/file.{ext}`), which the index does not reason about."""
    if not all(isinstance(c, SINGLE_SEGMENT) for c in convertors.values()):
        return None
    segments = path_format.split("/")
    prefix: list[str] = []
    for segment in segments:
        if "{" in segment:
            if not (segment.startswith("{") and segment.endswith("}") and segment.count("{") == 1):
                return None
            break
        prefix.append(segment.lower())
    return len(segments), tuple(prefix)


def _walk(route: BaseRoute) -> Iterator[tuple[Any, Any]] | None:
    """The (effective context, innermost branch) pairs of an included router, depth first as FastAPI
    tries them, or None when one of them is not a plain APIRoute without form limits."""
    if not isinstance(route, _IncludedRouter) or route.include_context.form_limits:
        return None
    found: list[tuple[Any, Any]] = []
    for candidate in route.effective_candidates():
        if isinstance(candidate, _IncludedRouter):
            inner = _walk(candidate)
            if inner is None:
                return None
            found.extend(inner)
        elif isinstance(candidate.original_route, APIRoute) and candidate.starlette_route is None:
            found.append((candidate, route))
        else:
            return None
    return iter(found)


class RouteTable(APIRouter):
    """The app's router, with `app` served from an index built on the first request.

    Installed over the router FastAPI built (`install`), so the routes, the OpenAPI document, the
    lifespan and every answer that is not a full match stay FastAPI's.  Routes must all be added before
    the first request (create_app does); `rebuild()` re-reads them.
    """

    _buckets: dict[Key, list[Entry]] | None = None
    _prefix_lengths: dict[tuple[str, int], tuple[int, ...]]
    _anywhere: list[Entry]

    def rebuild(self) -> None:
        buckets: dict[Key, list[Entry]] = {}
        anywhere: list[Entry] = []
        order = 0

        def put(entry: Entry, methods: set[str] | None, path_format: str, convertors: dict[str, Any]) -> None:
            parts = _key_parts(path_format, convertors)
            if parts is None or not methods:
                anywhere.append(entry)
                return
            for method in methods:
                buckets.setdefault((method, *parts), []).append(entry)

        for route in self.routes:
            walked = _walk(route)
            if walked is not None:
                for context, branch in walked:
                    original = context.original_route
                    planned = (
                        original.planned_handler(context) if isinstance(original, LenientRoute) else None
                    )
                    put(
                        Entry(order, original, context, branch, planned),
                        context.methods,
                        context.path_format,
                        context.param_convertors,
                    )
                    order += 1
            elif type(route) in (Route, APIRoute):
                assert isinstance(route, Route)
                put(Entry(order, route), route.methods, route.path_format, route.param_convertors)
                order += 1
            else:
                anywhere.append(Entry(order, route))
                order += 1
        lengths: dict[tuple[str, int], set[int]] = {}
        for method, count, prefix in buckets:
            lengths.setdefault((method, count), set()).add(len(prefix))
        self._prefix_lengths = {key: tuple(sorted(found)) for key, found in lengths.items()}
        self._anywhere = anywhere
        self._buckets = buckets

    def candidates(self, method: str, path: str) -> list[Entry]:
        """The routes that can fully match `method` `path`, in FastAPI's order: a superset of those that
        do."""
        if self._buckets is None:
            self.rebuild()
        assert self._buckets is not None
        segments = path.split("/")
        count = len(segments)
        found: list[Entry] = []
        lowered = [segment.lower() for segment in segments]
        merged = 0
        for length in self._prefix_lengths.get((method, count), ()):
            bucket = self._buckets.get((method, count, tuple(lowered[:length])))
            if bucket:
                found.extend(bucket)
                merged += 1
        if self._anywhere:
            found.extend(self._anywhere)
            merged += 1
        if merged > 1:
            found.sort(key=lambda entry: entry.order)
        return found

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.form_limits:
            await super().app(scope, receive, send)
            return
        for entry in self.candidates(scope["method"], get_route_path(scope)):
            if entry.context is None:
                match, child_scope = entry.route.matches(scope)
                if match is not Match.FULL:
                    continue
                scope.setdefault("router", self)
                _update_scope(scope, child_scope)
                _route_selected(scope=scope, path=getattr(entry.route, "path_format", None))
                await entry.route.handle(scope, receive, send)
                return
            match, child_scope = entry.context.matches(scope)
            if match is not Match.FULL:
                continue
            # What FastAPI's nested dispatch (_IncludedRouter._handle_selected) leaves in the scope.
            scope.setdefault("router", self)
            child_scope["route"] = entry.route
            _update_scope(scope, child_scope)
            fastapi_scope = _get_fastapi_scope(scope)
            fastapi_scope[_FASTAPI_INCLUDED_ROUTER_KEY] = entry.branch
            _route_selected(scope=scope, path=entry.context.path_format)
            fastapi_scope[_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY] = entry.context
            planned = entry.planned
            if planned is None or uses_fastapi_handler(scope, entry.context.dependency_overrides_provider):
                await entry.route.handle(scope, receive, send)
                return
            # What APIRoute.handle → request_response would do, less what a planned handler does not use
            # (the per-request exit stacks for yield dependencies and uploaded files, the method check a
            # full match has passed).  An exception goes to the app's ExceptionMiddleware, which holds
            # the same handlers the route's own wrapper would have used.
            response = await planned(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        await super().app(scope, receive, send)


def install(router: APIRouter) -> RouteTable:
    """Turn the router FastAPI built into a `RouteTable`, in place.

    FastAPI constructs its router inside `FastAPI.__init__` with no hook for the class, and the app,
    its OpenAPI document and its middleware stack all hold that one object; changing its class (a
    subclass that adds no state of its own) keeps every reference valid.  Starlette's router calls the
    `app` it bound at construction (`middleware_stack`), so that is re-bound too; a router wrapped in
    router-level middleware (or a body limit) is refused rather than silently unwrapped.
    """
    stack = router.middleware_stack
    if (
        getattr(stack, "__self__", None) is not router
        or getattr(stack, "__func__", None) is not APIRouter.app
    ):
        raise RuntimeError("the route table expects a router without router-level middleware")
    router.__class__ = RouteTable
    assert isinstance(router, RouteTable)
    router.middleware_stack = router.app
    return router
