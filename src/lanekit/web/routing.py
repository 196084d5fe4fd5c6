"""Router and response helpers shared by every API surface."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute


class LenientRoute(APIRoute):
    """Matches paths case-insensitively: LeanKit clients differ (`/customField` vs `/customfield`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.IGNORECASE)


def make_router(tag: str) -> APIRouter:
    return APIRouter(route_class=LenientRoute, tags=[tag])


class JsonBody(JSONResponse):
    """JSON rendered by orjson: a board or a page of 200 cards is a 200-250 KB body, and the standard
    library's encoder spent milliseconds of the request's CPU on it (decision 094).  The bodies are
    shapes/ output: str keys except the faces' custom-field maps, whose int keys become strings."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:
            # What orjson refuses (an integer beyond 64 bits) the standard encoder still writes.
            return super().render(content)


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JsonBody(body, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)
