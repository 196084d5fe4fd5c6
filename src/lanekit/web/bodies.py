"""Request bodies a client may send as JSON or as an HTML form (`application/x-www-form-urlencoded`).

Some LeanKit clients post token requests (`POST /io/auth/token`, and the reporting API's
`POST /io/reporting/auth`) form-encoded; FastAPI's `Body()` reads JSON only.  `json_or_form(Model)` is a
dependency that reads either and validates the result with `Model`, raising the same
`RequestValidationError` (locations under `body`) that `Body()` raises, so errors read the same whichever
encoding was sent.  `request_body(Model)` is the matching `openapi_extra` that documents both encodings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

M = TypeVar("M", bound=BaseModel)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_json_or_form(request: Request) -> Any:
    """The body: a form's fields as a dict of strings (a repeated name keeps its last value), else the JSON
    value; None when there is no body.

    As with `Body()`, a body without a content type, or with a JSON one (`application/json`, `…+json`), is
    parsed as JSON; any other content type is handed to validation as bytes, which a model refuses.
    """
    raw = await request.body()
    media_type = _media_type(request)
    if media_type == FORM:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if not raw:
        return None
    if media_type and media_type != JSON and not media_type.endswith("+json"):
        return raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None


def json_or_form(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency giving the request body, JSON or form-encoded, validated as `model`."""

    async def dependency(request: Request) -> M:
        data = await read_json_or_form(request)
        if data is None:
            raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
            raise RequestValidationError(errors) from None

    return dependency


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting a required body of `model`, as JSON or as a form."""
    schema = model.model_json_schema()
    return {
        "requestBody": {"required": True, "content": {JSON: {"schema": schema}, FORM: {"schema": schema}}}
    }
