"""Encoded response bodies kept in process, bounded by their total size (docs/decisions/163-body-cache.md).

A *slot* names what was asked (account, resource, id, parameters, and the per-user part of the body, such
as the caller's role); an entry holds the *key* the body was built under (versions and stamps read from the
database on every request), what the key was read over (`deps`, e.g. the linked boards of a page of faces),
an optional expiry instant, and one body per *variant* (what differs between callers of one key: the linked
boards the caller can read).  A lookup answers only when the key read now equals the stored one, the entry
has not expired and the variant is present; a new key replaces the entry.

Each process has its own cache.  Correctness never depends on invalidating it: the key is read from the
database on each request, so a change committed by any process is seen by the next request everywhere.

A body is built once however many requests miss it together (`filler`, `wait_for_fill`): after a change to a
board, every open view of it misses at once, and each building the same body would take the CPU of all of
them (on the bench's largest board, 32 concurrent misses of a 200-card page held every request for over a
second).  The others wait for the builder, then read the key again and take its body.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Bookkeeping bytes charged per entry and per body on top of the body's own length.
_OVERHEAD = 256
# How long a request waits for another request building the body it needs before building it itself.
FILL_WAIT_SECONDS = 10.0


@dataclass(slots=True)
class Entry:
    key: Hashable
    deps: Any
    expires: datetime | None
    bodies: dict[Hashable, bytes] = field(default_factory=dict)
    size: int = _OVERHEAD


class BodyCache:
    """An LRU of entries whose bodies total at most `max_bytes` (a body larger than that is not kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        # slot → set when the request building that slot's body is done (event-loop side only).
        self._fills: dict[Hashable, asyncio.Event] = {}
        self._size = 0
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def deps(self, slot: Hashable) -> Any:
        """What the slot's key was read over, or None when nothing is stored."""
        entry = self._entries.get(slot)
        return None if entry is None else entry.deps

    def get(
        self, slot: Hashable, *, key: Hashable, variant: Hashable = None, now: datetime | None = None
    ) -> bytes | None:
        entry = self._entries.get(slot)
        if (
            entry is None
            or entry.key != key
            or (entry.expires is not None and now is not None and now >= entry.expires)
        ):
            self.misses += 1
            return None
        body = entry.bodies.get(variant)
        if body is None:
            self.misses += 1
            return None
        self._entries.move_to_end(slot)
        self.hits += 1
        return body

    def put(
        self,
        slot: Hashable,
        body: bytes,
        *,
        key: Hashable,
        variant: Hashable = None,
        deps: Any = None,
        expires: datetime | None = None,
    ) -> None:
        cost = len(body) + _OVERHEAD
        if cost + _OVERHEAD > self.max_bytes:
            return
        entry = self._entries.get(slot)
        if entry is not None and (entry.key != key or entry.deps != deps or entry.expires != expires):
            self._drop(slot)
            entry = None
        if entry is None:
            entry = Entry(key=key, deps=deps, expires=expires)
            self._entries[slot] = entry
            self._size += entry.size
        old = entry.bodies.get(variant)
        if old is not None:
            entry.size -= len(old) + _OVERHEAD
            self._size -= len(old) + _OVERHEAD
        entry.bodies[variant] = body
        entry.size += cost
        self._size += cost
        self._entries.move_to_end(slot)
        while self._size > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))

    def filling(self, slot: Hashable) -> bool:
        """Whether a request is building this slot's body now."""
        return slot in self._fills

    @contextmanager
    def filler(self, slot: Hashable) -> Iterator[None]:
        """Mark the block as the one request building this slot's body (check `filling` first, with no
        await in between)."""
        done = self._fills[slot] = asyncio.Event()
        try:
            yield
        finally:
            if self._fills.get(slot) is done:
                del self._fills[slot]
            done.set()

    async def wait_for_fill(self, slot: Hashable) -> None:
        """Until the request building this slot's body is done (at most FILL_WAIT_SECONDS)."""
        done = self._fills.get(slot)
        if done is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), FILL_WAIT_SECONDS)

    def _drop(self, slot: Hashable) -> None:
        entry = self._entries.pop(slot)
        self._size -= entry.size

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0


def filler(cache: BodyCache | None, slot: Hashable) -> AbstractContextManager[None]:
    """`cache.filler(slot)`, or nothing to mark when the cache is turned off."""
    return nullcontext() if cache is None else cache.filler(slot)
