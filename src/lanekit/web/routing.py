"""Router and response helpers shared by every API surface."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor

from lanekit.domain.types import MAX_ID


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
