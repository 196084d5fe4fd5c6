"""Per-user request budget (docs/conventions.md §6) with the `limits` library.

One fixed 60-second-style window per user, shared by all of their credentials.  Counters live in process
memory, or in Redis when `LANEKIT_REDIS_URL` is set so that several processes share one budget.

While Redis cannot be reached the counters fall back to process memory (`FallbackStorage`): each process
then enforces the budget on its own, which is weaker than one shared budget but refuses nobody for an
outage of a store that only counts (docs/decisions/153, replacing the fail-closed rule of decision 004).
The sign-in throttle counts in the same store, so it falls back with it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from lanekit.domain.errors import RateLimited

log = logging.getLogger("lanekit.ratelimit")

T = TypeVar("T")

# After a failure, Redis is tried again by one request this long later; the others count in memory meanwhile.
RETRY_SECONDS = 2.0
# Socket timeouts of the Redis client: a Redis that stops answering (rather than refusing connections)
# delays a request by at most this much before it is counted in memory.
REDIS_TIMEOUT_SECONDS = 2.0


class FallbackStorage(Storage):
    """A `limits` storage that uses `primary` (Redis) and, while it fails, process memory.

    The first failure is logged once (and recovery once); `degraded` says whether memory is in use now.
    While degraded, one call every `retry_seconds` tries the primary again; when it answers, it is used
    again from that call on and the memory counters are dropped.  Counts made during the outage are not
    copied to Redis: a user may get up to one extra window's worth of requests across an outage.
    """

    STORAGE_SCHEME = None

    def __init__(
        self,
        primary: Storage,
        *,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(wrap_exceptions=True)
        self.primary = primary
        self.memory = MemoryStorage()
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._retry_at: float | None = None  # None: the primary is in use

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        # Failures of the primary are absorbed below; the memory store raises nothing worth wrapping.
        return ()

    @property
    def degraded(self) -> bool:
        """Whether counts go to process memory because the primary failed."""
        return self._retry_at is not None

    async def _use(self, call: Callable[[Storage], Awaitable[T]]) -> T:
        if self._retry_at is not None:
            now = self.clock()
            if now < self._retry_at:
                return await call(self.memory)
            # This call probes the primary; the calls arriving meanwhile keep counting in memory.
            self._retry_at = now + self.retry_seconds
        try:
            result = await call(self.primary)
        except StorageError as exc:
            if self._retry_at is None:
                log.warning(
                    "rate-limit store unreachable (%s): counting requests in process memory until it answers",
                    type(exc.storage_error).__name__,
                )
            self._retry_at = self.clock() + self.retry_seconds
            return await call(self.memory)
        if self._retry_at is not None:
            log.warning("rate-limit store reachable again: counting requests in it again")
            self._retry_at = None
            await self.memory.reset()
        return result

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return await self._use(lambda s: s.incr(key, expiry, amount))

    async def get(self, key: str) -> int:
        return await self._use(lambda s: s.get(key))

    async def get_expiry(self, key: str) -> float:
        return await self._use(lambda s: s.get_expiry(key))

    async def check(self) -> bool:
        """Whether the primary answers now (a readiness probe; changes nothing)."""
        try:
            return await self.primary.check()
        except StorageError:
            return False

    async def reset(self) -> int | None:
        await self.memory.reset()
        try:
            return await self.primary.reset()
        except StorageError:
            return None

    async def clear(self, key: str) -> None:
        await self._use(lambda s: s.clear(key))


class PreciseRedisStorage(RedisStorage):
    """`limits`' Redis storage, with a window's end read to the millisecond.

    The library reads it with TTL, which Redis rounds to whole seconds, so `X-RateLimit-Reset` (now + TTL,
    rounded up) moved by a second between two requests of one window; PTTL keeps it the same for the
    whole window, as it is in memory.
    """

    # Not registered under the library's URI schemes: it is built here only.
    STORAGE_SCHEME = None  # type: ignore[assignment]

    async def get_expiry(self, key: str) -> float:
        connection = self.bridge.get_connection()  # type: ignore[attr-defined]
        milliseconds: int = await connection.pttl(self.bridge.prefixed_key(key))
        return max(milliseconds, 0) / 1000 + time.time()


def redis_storage(redis_url: str, *, key_prefix: str) -> FallbackStorage:
    """The store for a configured Redis: Redis, falling back to process memory while it is unreachable."""
    primary = PreciseRedisStorage(
        f"async+{redis_url}",
        implementation="redispy",
        key_prefix=key_prefix,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return FallbackStorage(primary)


class Window(NamedTuple):
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def refusal(self) -> RateLimited:
        return RateLimited(reset_at=datetime.fromtimestamp(self.reset, UTC))


class RateLimiter:
    """`key_prefix` keeps installations (or test runs) that share one Redis apart; the in-memory store is
    private to its process and ignores it."""

    def __init__(self, rate: str, *, redis_url: str | None = None, key_prefix: str = "lanekit") -> None:
        self.item = parse(rate)
        self.storage: Storage = (
            redis_storage(redis_url, key_prefix=key_prefix) if redis_url else MemoryStorage()
        )
        self.limiter = FixedWindowRateLimiter(self.storage)

    @property
    def redis_configured(self) -> bool:
        return isinstance(self.storage, FallbackStorage)

    @property
    def degraded(self) -> bool:
        """Whether a configured Redis failed and the counters are in process memory for now."""
        return isinstance(self.storage, FallbackStorage) and self.storage.degraded

    async def redis_answers(self) -> bool:
        """Whether the configured Redis answers a ping now (False when none is configured)."""
        return isinstance(self.storage, FallbackStorage) and await self.storage.check()

    async def charge(self, account_id: int, user_id: int, *, cost: int = 1) -> Window:
        """Spend `cost` points (one for most requests) of the user's window and report what is left."""
        key = (str(account_id), str(user_id))
        allowed = await self.limiter.hit(self.item, *key, cost=cost)
        stats = await self.limiter.get_window_stats(self.item, *key)
        reset = math.ceil(stats.reset_time)
        return Window(allowed, self.item.amount, stats.remaining, reset)

    async def reset(self) -> None:
        await self.storage.reset()
