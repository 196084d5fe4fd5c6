"""The only place where errors become `{statusCode, error, message}` bodies (docs/conventions.md §5).

Handlers are found by walking the exception's MRO, so a subclass (WipExceeded) maps like its parent
(Invalid) unless it has its own entry.  Only our own hierarchy and the framework's request errors are
mapped; anything else is a logged 500 whose body carries no detail.
"""

from __future__ import annotations

import logging
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from lanekit.domain import errors
from lanekit.shapes.common import error_body, reason_phrase
from lanekit.storage.engine import DatabaseUnavailable
from lanekit.storage.executor import is_connection_lost, sqlstate

log = logging.getLogger("lanekit.http")

WWW_AUTHENTICATE = 'Basic realm="lanekit"'

STATUS_OF: dict[type[errors.LanekitError], int] = {
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.Invalid: 422,
    errors.VersionMismatch: 428,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}


def error_response(
    status: int,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(status, reason_phrase(status), message, details)
    return JSONResponse(body, status_code=status, headers=headers)


def status_for(exc: errors.LanekitError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def lanekit_error_response(exc: errors.LanekitError) -> JSONResponse:
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = format_datetime(exc.reset_at, usegmt=True)
    if isinstance(exc, errors.Unavailable):
        headers["Retry-After"] = "1"
    details = exc.details if isinstance(exc, errors.Invalid) else None
    return error_response(status, exc.message, details=details, headers=headers or None)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        if not rest:
            return where
        return "/".join(rest) if where == "body" else f"{'.'.join(rest)} ({where})"
    return ".".join(parts)


def validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        if kind == "json_invalid":
            message = f"malformed JSON body: {err.get('ctx', {}).get('error', 'cannot parse')}"
            return message, [{"field": "body", "message": message}]
        field = _location(loc)
        text = err.get("msg", "is invalid")
        if kind == "missing":
            text = "is required"
        details.append({"field": field, "message": text})
    first = details[0] if details else {"field": "body", "message": "is invalid"}
    return f"{first['field']}: {first['message']}", details


def allowed_methods(request: Request) -> list[str]:
    """Every method some route offers at this path.

    Starlette's 405 names only the methods of the first route whose path matched, while one path is often
    served by several routes (GET and PATCH /io/user/me).
    """
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.path and route.methods and compile_path(route.path)[0].match(path):
            methods |= route.methods
    return sorted(methods)


# PostgreSQL's deadlock_detected and serialization_failure: the database rolled the transaction back so
# that another could finish; nothing was written, and the same request sent again will normally succeed.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_retryable(exc: BaseException) -> bool:
    return sqlstate(exc) in _RETRYABLE_SQLSTATES


def install(app: FastAPI) -> None:
    async def on_lanekit_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, errors.LanekitError)
        return lanekit_error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        message, details = validation_message(exc)
        return error_response(422, message, details=details)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers or {})
        if exc.status_code == 404 and message == "Not Found":
            message = "no such endpoint"
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
        return error_response(exc.status_code, message, headers=headers or None)

    async def on_database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return lanekit_error_response(errors.Unavailable("the database is unavailable; retry shortly"))

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        if is_connection_lost(exc):
            # Whether a commit in flight took effect is unknown to us too; the client retries or re-reads.
            log.warning("database connection lost during %s %s (%s)", request.method, request.url.path, exc)
            return lanekit_error_response(
                errors.Unavailable("the database connection was lost; retry shortly")
            )
        if is_retryable(exc):
            log.info("transaction rolled back by the database (%s); answered 503", type(exc).__name__)
            return lanekit_error_response(
                errors.Unavailable("a concurrent change got in the way; retry shortly")
            )
        return await on_unexpected(request, exc)

    async def on_operational_error(request: Request, exc: Exception) -> JSONResponse:
        if is_retryable(exc) or is_connection_lost(exc):
            return await on_database_error(request, exc)
        if "locked" in str(exc) or "busy" in str(exc):
            # SQLite's busy timeout ran out: the server is overloaded, the request did nothing.
            return lanekit_error_response(errors.Unavailable("the database is busy; retry shortly"))
        return await on_unexpected(request, exc)

    async def on_integrity_error(_request: Request, exc: Exception) -> JSONResponse:
        # Two writers raced past a uniqueness check; the loser's transaction was rolled back.
        log.info("integrity conflict: %s", type(exc).__name__)
        return error_response(409, "the change conflicts with a concurrent change; retry it")

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; the request was not completed")

    app.add_exception_handler(errors.LanekitError, on_lanekit_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(OperationalError, on_operational_error)
    app.add_exception_handler(IntegrityError, on_integrity_error)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(DatabaseUnavailable, on_database_unavailable)
    app.add_exception_handler(Exception, on_unexpected)
