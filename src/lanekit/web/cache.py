"""The app's body cache as the surfaces reach it (docs/decisions/163-body-cache.md): the /io board GET, card
faces and card lists, and the legacy board (docs/decisions/192-legacy-board-cache.md)."""

from __future__ import annotations

from collections.abc import Hashable

from starlette.requests import Request
from starlette.responses import Response

from lanekit.domain.body_cache import BodyCache
from lanekit.storage.engine import Database
from lanekit.web.routing import EncodedJson


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
    return EncodedJson(content=body)


# How many times a request that missed the cache waits for another request building the same body, then
# reads the key again, before it builds the body itself (each wait means a newer change came meanwhile).
FILL_WAITS = 2


def must_wait(cache: BodyCache | None, slot: Hashable, body: bytes | None, waits: int) -> bool:
    """Whether a request that found no body should wait for the one building it instead of building it too
    (docs/decisions/169-single-fill.md)."""
    return body is None and cache is not None and waits < FILL_WAITS and cache.filling(slot)


async def wait_for_builder(db: Database, cache: BodyCache | None, slot: Hashable) -> None:
    """Give the request's connection back while another request builds the body, and wait for it."""
    assert cache is not None
    await db.release()
    await cache.wait_for_fill(slot)
