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

from fastapi import Request
from fastapi.responses import Response

from lanekit.domain.errors import LanekitError
from lanekit.domain.types import Actor
from lanekit.legacy.envelope import Reply, error_response, reply_response
from lanekit.shapes.legacy import Dates
from lanekit.storage.engine import Database
from lanekit.storage.records import UserRecord
from lanekit.web.deps import LEGACY_TOKEN_SCHEMES, authenticate, get_base_url
from lanekit.web.routing import make_router

PREFIX = "/kanban/api"

router = make_router("legacy")


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
