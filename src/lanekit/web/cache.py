"""The app's body cache as the surfaces reach it (docs/decisions/163-body-cache.md): the /io board GET, card
faces and card lists, and the legacy board (docs/decisions/192-legacy-board-cache.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from lanekit.domain.body_cache import BodyCache, filler
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection
from lanekit.web.routing import EncodedJson

S = TypeVar("S")
R = TypeVar("R")


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


@dataclass(frozen=True, slots=True)
class Lookup(Generic[S]):
    """What a request read before building a body: its slot in the cache (None: this body is not kept), the
    body when the cache still holds it under the current key, and what building it needs."""

    slot: Hashable | None
    body: bytes | None
    state: S


async def fill_once(
    db: Database,
    cache: BodyCache | None,
    look: Callable[[Connection], Awaitable[Lookup[S]]],
    build: Callable[[Connection, Lookup[S]], Awaitable[R]],
    served: Callable[[bytes], R],
) -> tuple[Lookup[S], R]:
    """A body from the cache (as `served` wraps it), or built by `build` on the connection `look` read from,
    with one request building each slot while the others asking for it wait and read the cache again
    (docs/decisions/169-single-fill.md).  Returns the last lookup and the response."""
    for waits in range(FILL_WAITS + 1):
        async with db.read() as conn:
            found = await look(conn)
            if found.body is not None:
                return found, served(found.body)
            if found.slot is None or cache is None:
                return found, await build(conn, found)
            # No await between this check and `filler`: two requests cannot both decide to build.
            if waits == FILL_WAITS or not cache.filling(found.slot):
                with filler(cache, found.slot):
                    return found, await build(conn, found)
        # Give the connection back while another request builds the body, and wait for it.
        await db.release()
        await cache.wait_for_fill(found.slot)
    raise AssertionError("unreachable: the last round builds the body")
