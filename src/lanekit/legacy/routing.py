"""The `/kanban/api` router and the one wrapper every v1 call goes through.

A call is registered with `@call("GET", path)`.  The wrapper authenticates (Basic, `Bearer <token>` or
`Token <token>`), hands the call a `Call` (the request, the caller and the caller's date rendering), and
turns its `Reply`, or the domain error it raised, into the envelope (`envelope.py`).  Paths match without
regard to case (`web/routing.LenientRoute`); ids in paths are `{x:int}` because v1 clients send lane `0`
for "the default lane".  Only GET and POST are routed: v1 deletes are POSTs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from lanekit.domain.errors import LanekitError
from lanekit.domain.types import Actor
from lanekit.legacy.envelope import Reply, error_response, reply_response
from lanekit.shapes.legacy import Dates
from lanekit.storage.engine import Database
from lanekit.storage.records import UserRecord
from lanekit.web.deps import LEGACY_TOKEN_SCHEMES, authenticate, get_base_url
from lanekit.web.handler import Handler as PlannedHandler
from lanekit.web.handler import compile_handler
from lanekit.web.routing import LenientRoute, refuse_unstorable

PREFIX = "/kanban/api"


class LegacyRoute(LenientRoute):
    """A case-insensitive route whose unstorable-input check (`refuse_unstorable`) runs inside the call's
    envelope (`call`), so that a NUL in a body is a ReplyCode 502 like any other bad input, not an /io 422."""

    def get_route_handler(self) -> Any:
        return APIRoute.get_route_handler(self)

    def planned_handler(self, route: Any) -> PlannedHandler | None:
        return compile_handler(route)


router = APIRouter(route_class=LegacyRoute, tags=["legacy"])


@dataclass(frozen=True, slots=True)
class Call:
    request: Request
    actor: Actor
    user: UserRecord
    db: Database
    dates: Dates
    base_url: str


Handler = Callable[[Call], Awaitable[Reply | Response]]


def call(method: str, path: str) -> Callable[[Handler], Handler]:
    """Route `method path` (relative to /kanban/api) to `handler`, inside the v1 envelope."""

    def register(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                await refuse_unstorable(request)
                actor = await authenticate(request, token_schemes=LEGACY_TOKEN_SCHEMES)
                user: UserRecord = request.state.user
                context = Call(
                    request=request,
                    actor=actor,
                    user=user,
                    db=request.app.state.ctx.db,
                    dates=Dates.of(user),
                    base_url=await get_base_url(request),
                )
                result = await handler(context)
            except LanekitError as exc:
                return error_response(exc)
            return result if isinstance(result, Response) else reply_response(result)

        endpoint.__name__ = f"legacy_{handler.__name__}"
        router.add_api_route(
            path, endpoint, methods=[method], include_in_schema=False, name=f"legacy_{handler.__name__}"
        )
        return handler

    return register
