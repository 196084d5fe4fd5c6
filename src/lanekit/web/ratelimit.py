"""Per-user request budget (docs/conventions.md §6) with the `limits` library.

One fixed 60-second-style window per user, shared by all of their credentials.  Counters live in process
memory, or in Redis when `LANEKIT_REDIS_URL` is set so that several processes share one budget.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import NamedTuple

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from lanekit.domain.errors import RateLimited, Unavailable

log = logging.getLogger("lanekit.ratelimit")


class Window(NamedTuple):
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def refusal(self) -> RateLimited:
        return RateLimited(reset_at=datetime.fromtimestamp(self.reset, UTC))


class RateLimiter:
    """`key_prefix` keeps installations (or test runs) that share one Redis apart; the in-memory store is
    private to its process and ignores it.  An unreachable Redis fails closed: the request is refused with
    Unavailable (503) rather than served without a limit (docs/decisions/004)."""

    def __init__(self, rate: str, *, redis_url: str | None = None, key_prefix: str = "lanekit") -> None:
        self.item = parse(rate)
        storage: Storage
        if redis_url:
            storage = RedisStorage(
                f"async+{redis_url}", implementation="redispy", key_prefix=key_prefix, wrap_exceptions=True
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)

    async def charge(self, account_id: int, user_id: int) -> Window:
        """Spend one point of the user's window and report what is left."""
        key = (str(account_id), str(user_id))
        try:
            allowed = await self.limiter.hit(self.item, *key)
            stats = await self.limiter.get_window_stats(self.item, *key)
        except StorageError as exc:
            log.error("rate-limit store failed: %s", type(exc.storage_error).__name__)
            raise Unavailable("the rate-limit store is unreachable; retry shortly") from None
        reset = math.ceil(stats.reset_time)
        return Window(allowed, self.item.amount, stats.remaining, reset)

    async def reset(self) -> None:
        await self.storage.reset()
