"""The app's body cache as the surfaces reach it (docs/decisions/163-body-cache.md): the /io board GET, card
faces and card lists, and the legacy board (docs/decisions/192-legacy-board-cache.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lanekit.domain.body_cache import BodyCache


def body_cache(request: Request) -> BodyCache | None:
    """The app's cache of encoded board bodies and face pages (one per process; None when turned off)."""
    state = request.app.state
    try:
        cache: BodyCache | None = state.body_cache
    except AttributeError:
        size = state.ctx.settings.body_cache_bytes
        cache = BodyCache(size) if size > 0 else None
        state.body_cache = cache
    return cache


def cached_json(body: bytes) -> Response:
    """A remembered body, with the headers `ok` gives the same body."""
    return Response(content=body, media_type="application/json")
