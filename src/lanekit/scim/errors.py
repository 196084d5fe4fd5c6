"""The one place where errors on /io/scim/v1 become SCIM 1.1 error bodies:
`{"Errors": [{"description": "…", "code": "404"}]}` (SCIM 1.1 protocol, "HTTP Response Codes"; `code` is
the HTTP status as a string), with the matching status.

The same domain hierarchy as /io (domain/errors.py), mapped here instead of in http/errors.py: SCIM routes
are `ScimRoute`s, whose handler turns any error raised while the request is handled (authentication and rate
limiting included, which run as route dependencies) into this body before the app's /io map sees it.  Field
names in messages are the SCIM attribute names, not /io's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from email.utils import format_datetime
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lanekit.domain import errors
from lanekit.storage.engine import DatabaseUnavailable
from lanekit.storage.executor import is_connection_lost
from lanekit.web.handler import Handler
from lanekit.web.routing import LenientRoute

log = logging.getLogger("lanekit.scim")

SCIM_CONTENT_TYPE = "application/json"

STATUS_OF: dict[type[errors.LanekitError], int] = {
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.VersionMismatch: 412,
    errors.PayloadTooLarge: 413,
    errors.Invalid: 400,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}

EXTENSION_URN = "urn:scim:schemas:extension:leankit:user:1.0"

# /io field names the user rules use (domain/people/users.py) → the SCIM attribute they come from.
SCIM_FIELDS = {
    "emailAddress": "userName",
    "firstName": "name.givenName",
    "lastName": "name.familyName",
    "timeZone": "timezone",
    "enabled": "active",
    "externalUserName": "externalId",
    "administrator": f"{EXTENSION_URN}.administrator",
    "boardCreator": f"{EXTENSION_URN}.boardCreator",
    "dateFormat": f"{EXTENSION_URN}.dateFormat",
    "licenseType": f"{EXTENSION_URN}.licenseType",
    "userId": "id",
}


def error_body(status: int, description: str) -> dict[str, Any]:
    return {"Errors": [{"description": description, "code": str(status)}]}


def error_response(status: int, description: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
    body = error_body(status, description)
    return JSONResponse(body, status_code=status, headers=headers, media_type=SCIM_CONTENT_TYPE)


def _status_for(exc: errors.LanekitError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def _description(exc: errors.LanekitError) -> str:
    if isinstance(exc, errors.Invalid) and exc.field:
        return f"{SCIM_FIELDS.get(exc.field, exc.field)}: {exc.why}"
    if isinstance(exc, errors.NotFound) and exc.what == "user" and exc.ident is not None:
        return f"Resource {exc.ident} not found"
    return exc.message


def domain_error_response(exc: errors.LanekitError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = 'Basic realm="lanekit"'
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = format_datetime(exc.reset_at, usegmt=True)
    if isinstance(exc, errors.Unavailable):
        headers["Retry-After"] = "1"
    return error_response(_status_for(exc), _description(exc), headers=headers or None)


def _validation_description(exc: RequestValidationError) -> str:
    for err in exc.errors():
        kind = err.get("type", "")
        if kind == "json_invalid":
            return "malformed JSON body"
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        where = ".".join(loc) or "body"
        if loc and loc[0] in ("query", "path", "header"):
            where = ".".join(loc[1:]) or loc[0]
        why = "is required" if kind == "missing" else str(err.get("msg", "is invalid"))
        return f"{where}: {why}"
    return "the request is invalid"


def scim_error_response(request: Request, exc: Exception) -> JSONResponse:
    """The SCIM answer to anything a SCIM handler raised; unknown exceptions are a logged 500."""
    if isinstance(exc, errors.LanekitError):
        return domain_error_response(exc)
    if isinstance(exc, RequestValidationError):
        return error_response(400, _validation_description(exc))
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "the request failed"
        return error_response(exc.status_code, detail, headers=dict(exc.headers or {}) or None)
    if isinstance(exc, IntegrityError):
        # Two writers raced past the uniqueness check (same userName); the loser was rolled back.
        return error_response(409, "the change conflicts with a concurrent change (userName taken?)")
    if isinstance(exc, DatabaseUnavailable) or (
        isinstance(exc, (OperationalError, DBAPIError)) and is_connection_lost(exc)
    ):
        log.warning("database unavailable during %s %s: %s", request.method, request.url.path, exc)
        return domain_error_response(errors.Unavailable("the database is unavailable; retry shortly"))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error; the request was not completed")


def _answering_in_scim(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def scim_handler(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:  # every error of a SCIM request is answered in SCIM's body
            return scim_error_response(request, exc)

    return scim_handler


class ScimRoute(LenientRoute):
    """A route of /io/scim/v1: matched like every /io route (any case), answering errors in SCIM's body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return _answering_in_scim(super().get_route_handler())

    def planned_handler(self, route: Any) -> Handler | None:
        planned = super().planned_handler(route)
        return None if planned is None else _answering_in_scim(planned)
