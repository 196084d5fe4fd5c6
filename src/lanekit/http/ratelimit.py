"""Per-user request budget (house rule 5) with the `limits` library.

One fixed 60-second-style window per user, shared by all of their credentials.  Counters live in process
memory, or in Redis when `LANEKIT_REDIS_URL` is set so that several processes share one budget.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import NamedTuple

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from lanekit.domain.errors import RateLimited


class Window(NamedTuple):
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def refusal(self) -> RateLimited:
        return RateLimited(reset_at=datetime.fromtimestamp(self.reset, UTC))


class RateLimiter:
    def __init__(self, rate: str, *, redis_url: str | None = None) -> None:
        self.item = parse(rate)
        storage: Storage
        if redis_url:
            storage = RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix="lanekit")
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)

    async def charge(self, account_id: int, user_id: int) -> Window:
        """Spend one point of the user's window and report what is left."""
        key = (str(account_id), str(user_id))
        allowed = await self.limiter.hit(self.item, *key)
        stats = await self.limiter.get_window_stats(self.item, *key)
        reset = math.ceil(stats.reset_time)
        return Window(allowed, self.item.amount, stats.remaining, reset)

    async def reset(self) -> None:
        await self.storage.reset()
