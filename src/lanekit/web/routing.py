"""Router and response helpers shared by every API surface."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, _effective_route_context_var
from starlette.convertors import Convertor, register_url_convertor
from starlette.types import Receive, Scope, Send

from lanekit.domain.inputs import check_storable
from lanekit.domain.types import MAX_ID
from lanekit.web.handler import Handler, compile_handler


def at_most(bound: int) -> str:
    """A regex matching the decimal spellings, without leading zeros, of 1 to `bound`.

    Shorter numbers are any digits; one of `bound`'s length is, at its first digit below `bound`'s, any
    lower digit followed by anything, which is one alternative per position of `bound`.
    """
    digits = str(bound)
    alternatives = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        low = 1 if position == 0 else 0
        if int(digit) > low:
            rest = len(digits) - position - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            alternatives.append(f"{digits[:position]}[{low}-{int(digit) - 1}]{tail}")
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class IdConvertor(Convertor[int]):
    """`{cardId:id}`: a path segment that is an id, `1` to 2**63-1 spelt plainly (no sign, point, underscore
    or leading zero), else no route matches and the answer is 404.

    Being numeric is part of the route, not of the handler's validation, so a literal path such as
    `/card/connections` can never be taken by `/card/{cardId:id}`, whatever order the routers are
    included in.  Every id in an /io path uses it.
    """

    regex = at_most(MAX_ID)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


# A JSON body can only hold a NUL or a surrogate as a `\\u` escape, and an integer beyond 64 bits as a run of
# 19 or more digits; a body without either (nearly all of them) is not parsed a second time.
_SUSPECT_BODY = re.compile(rb"\\u|[0-9]{19}")


async def refuse_unstorable(request: Request) -> None:
    """Raises Invalid if any query string value or any value of a JSON body holds text the databases cannot
    store (NUL, a lone surrogate) or an integer beyond 64 bits (`domain/inputs.py`), whatever the field."""
    for key, value in request.query_params.multi_items():
        check_storable(key, "query")
        check_storable(value, f"{key} (query)")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if "json" not in request.headers.get("content-type", "json"):
        return
    body = await request.body()
    if not _SUSPECT_BODY.search(body):
        return
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return  # malformed: the route's own parse reports it
    # A top-level array is a JSON Patch document: its fields are named as the patch's errors are (#/0/value).
    check_storable(parsed, "#" if isinstance(parsed, list) else "")


class LenientRoute(APIRoute):
    """Matches paths case-insensitively: LeanKit clients differ (`/customField` vs `/customfield`), and
    refuses unstorable input before the handler runs (`refuse_unstorable`).

    Its handler solves the dependencies from a plan made when the route is built (`web/handler.py`) where
    the route allows it, and is FastAPI's own otherwise, and for every request FastAPI's telemetry traces
    or that runs while `dependency_overrides` are set.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.IGNORECASE)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # The route as included (full path, router dependencies), as FastAPI's own handler sees it.
        route: Any = self
        effective = _effective_route_context_var.get()
        if effective is not None and effective.original_route is self:
            route = effective
        planned = self.planned_handler(route)

        async def guarded(request: Request) -> Response:
            await refuse_unstorable(request)
            return await handler(request)

        if planned is None:
            return guarded
        overrides = route.dependency_overrides_provider

        async def guarded_planned(request: Request) -> Response:
            if uses_fastapi_handler(request.scope, overrides):
                return await guarded(request)
            return await planned(request)

        return guarded_planned

    def planned_handler(self, route: Any) -> Handler | None:
        """The handler solving `route`'s dependencies from a plan (web/handler.py), guarded like FastAPI's;
        None when the route needs FastAPI's.  `route` is this route or its effective context as included."""
        compiled = compile_handler(route)
        if compiled is None:
            return None

        async def planned(request: Request) -> Response:
            await refuse_unstorable(request)
            return await compiled(request)

        return planned


def uses_fastapi_handler(scope: Scope, overrides: Any) -> bool:
    """Whether this request must take FastAPI's general handler although the route has a planned one:
    FastAPI's telemetry traces it (the spans are FastAPI's to make), or `dependency_overrides` are set."""
    return "fastapi.telemetry" in scope or bool(overrides is not None and overrides.dependency_overrides)


def make_router(tag: str) -> APIRouter:
    return APIRouter(route_class=LenientRoute, tags=[tag])


# A body larger than this goes to the server in pieces of this size.  The server writes each piece and waits
# while the client is slow to read it, so a slow reader holds one piece, not the whole body: asyncio keeps a
# copy of whatever the socket has not taken yet, and 32 readers of a 26 MB legacy board held about 1 GB.
BODY_PIECE_BYTES = 256 * 1024


class PiecewiseBody(Response):
    """A response whose large body is sent in pieces of BODY_PIECE_BYTES (same bytes, same headers)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = self.body
        if len(body) <= BODY_PIECE_BYTES or scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        for start in range(0, len(body), BODY_PIECE_BYTES):
            end = start + BODY_PIECE_BYTES
            await send({"type": "http.response.body", "body": body[start:end], "more_body": end < len(body)})
        if self.background is not None:
            await self.background()


class EncodedJson(PiecewiseBody):
    """JSON already encoded (a body kept in the body cache)."""

    media_type = "application/json"


class JsonBody(PiecewiseBody, JSONResponse):
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
