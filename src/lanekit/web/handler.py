"""Request handlers with their dependency plan worked out once per route
(docs/decisions/165-request-path.md).

FastAPI solves an endpoint's dependencies anew on every request: for each node of the tree it re-derives
the cache key (OAuth scopes, `inspect.unwrap`), re-classifies the callable (generator? coroutine?), builds
a `Response` for header injection and parses query, headers and cookies whether or not anything reads
them.  On `GET /io/user/me` that was seven recursive `solve_dependencies` calls, 15-19% of the server's
CPU, for four dependencies that take only the request.

`compile_handler` does that analysis once, when the route is built, and returns a handler that calls the
same dependencies, in the same order, with the same per-request cache (`use_cache`), validates path, query,
header and cookie parameters with FastAPI's own `request_params_to_args` (so a 422 names the same fields
with the same messages), and raises the same `RequestValidationError`.  It covers what every /io route
without a request body uses: `async def` dependencies taking the request or parameters, and `async def`
endpoints returning a `Response`.  Anything else (a body, a generator dependency, security scopes, a
response model, a stream, a thread-pool callable) gets `None`, and the route keeps FastAPI's handler; so
does every request while FastAPI's native telemetry is tracing it (its spans are FastAPI's to make) or
while `app.dependency_overrides` is set (the tests' and FastAPI's documented way to swap a dependency).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi._compat import ModelField
from fastapi.dependencies.models import (
    Dependant,
    _get_cache_key,
    _is_async_gen_callable,
    _is_coroutine_callable,
    _is_gen_callable,
    _uses_scopes,
)
from fastapi.dependencies.utils import get_typed_return_annotation, request_params_to_args
from fastapi.exceptions import EndpointContext, RequestValidationError
from fastapi.routing import _extract_endpoint_context
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Node:
    """One dependant of the tree, with what FastAPI derives from it per request derived once."""

    call: Callable[..., Awaitable[Any]]
    name: str | None
    cache_key: Any
    use_cache: bool
    children: tuple[_Node, ...]
    path_params: tuple[ModelField, ...]
    query_params: tuple[ModelField, ...]
    header_params: tuple[ModelField, ...]
    cookie_params: tuple[ModelField, ...]
    request_names: tuple[str, ...]


def _node(dependant: Dependant) -> _Node | None:
    """The plan of `dependant` and its sub-dependencies, or None when one of them needs what only
    FastAPI's solver does (generators, thread pools, concurrency limits, injected Response, background
    tasks, security scopes, WebSockets, a body)."""
    call = dependant.call
    if (
        call is None
        or dependant.body_params
        or dependant.concurrency is not None
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
        or _is_gen_callable(call)
        or _is_async_gen_callable(call)
        or not _is_coroutine_callable(call)
        or _uses_scopes(dependant=dependant)
    ):
        return None
    children: list[_Node] = []
    for sub in dependant.dependencies:
        child = _node(sub)
        if child is None:
            return None
        children.append(child)
    names = tuple(
        name for name in (dependant.http_connection_param_name, dependant.request_param_name) if name
    )
    return _Node(
        call=call,
        name=dependant.name,
        cache_key=_get_cache_key(dependant=dependant),
        use_cache=dependant.use_cache,
        children=tuple(children),
        path_params=tuple(dependant.path_params),
        query_params=tuple(dependant.query_params),
        header_params=tuple(dependant.header_params),
        cookie_params=tuple(dependant.cookie_params),
        request_names=names,
    )


async def _solve(node: _Node, request: Request, cache: dict[Any, Any], errors: list[Any]) -> dict[str, Any]:
    """The keyword arguments of `node.call`, as FastAPI's `solve_dependencies` computes them: children
    first, in declaration order, each once per request when cached; a child whose own inputs failed
    validation is not called, but its siblings still are, so one 422 lists every error."""
    values: dict[str, Any] = {}
    for child in node.children:
        before = len(errors)
        child_values = await _solve(child, request, cache, errors)
        if len(errors) != before:
            continue
        key = child.cache_key
        if child.use_cache and key in cache:
            solved = cache[key]
        else:
            solved = await child.call(**child_values)
        if child.name is not None:
            values[child.name] = solved
        if key not in cache:
            cache[key] = solved
    for fields, received in (
        (node.path_params, "path_params"),
        (node.query_params, "query_params"),
        (node.header_params, "headers"),
        (node.cookie_params, "cookies"),
    ):
        if fields:
            found, failed = request_params_to_args(list(fields), getattr(request, received))
            values.update(found)
            errors.extend(failed)
    for name in node.request_names:
        values[name] = request
    return values


def compile_handler(route: Any) -> Handler | None:
    """A handler for `route` (an APIRoute or FastAPI's effective context of an included one) that solves
    its dependencies from a plan built now, or None when the route needs FastAPI's general handler."""
    dependant: Dependant = route.dependant
    call = dependant.call
    if (
        route.body_field is not None
        or route.response_field is not None
        or getattr(route, "stream_item_field", None) is not None
        or getattr(route, "is_json_stream", False)
        or call is None
        or inspect.isgeneratorfunction(call)
        or inspect.isasyncgenfunction(call)
    ):
        return None
    returns = get_typed_return_annotation(call)
    if not (inspect.isclass(returns) and issubclass(returns, Response)):
        return None
    root = _node(dependant)
    if root is None:
        return None
    endpoint: Callable[..., Awaitable[Response]] = call
    context: EndpointContext = _extract_endpoint_context(call)
    path = dependant.path

    async def handler(request: Request) -> Response:
        errors: list[Any] = []
        values = await _solve(root, request, {}, errors)
        if errors:
            endpoint_ctx = dict(context)
            if path:
                mount_path = request.scope.get("root_path", "").rstrip("/")
                endpoint_ctx["path"] = f"{request.method} {mount_path}{path}"
            raise RequestValidationError(errors, body=None, endpoint_ctx=endpoint_ctx)  # type: ignore[arg-type]
        response = await endpoint(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{getattr(call, '__qualname__', call)} must return a Response")
        return response

    return handler
