"""Router and response helpers shared by every /io module."""

from __future__ import annotations

import re
from typing import Any

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


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)
