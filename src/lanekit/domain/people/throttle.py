"""Failed sign-ins: growing delays and temporary locks per login and per client address, and a fair
schedule for the Argon2 verifications themselves.

Counters live in a `limits` storage: process memory, or Redis when `LANEKIT_REDIS_URL` is set, so several
processes share one view of an attack.  Only three storage operations are used (`incr` with an expiry set
on first increment, `get`, `get_expiry`, `clear`), and every decision is "is there a live block key, and
when does it expire": the storage's own clock decides, so the answer is the same in every process.

The numbers and why they were chosen: docs/decisions/150-login-throttling.md.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError

from lanekit.domain.errors import RateLimited, Unavailable

log = logging.getLogger("lanekit.signin")


class SignInThrottled(RateLimited):
    """Sign-ins for this login or from this address are paused until `reset_at` (429 with Retry-After)."""

    def __init__(self, *, reset_at: datetime, why: str) -> None:
        super().__init__(reset_at=reset_at)
        self.message = f"{why}; retry after the time in Retry-After"


@dataclass(frozen=True, slots=True)
class Steps:
    """How a run of consecutive failures is answered.

    The first `free` failures cost nothing.  Each failure after them blocks further attempts for a delay
    that doubles from `first_delay` up to `max_delay` seconds; from failure `lock_after` on, each failure
    blocks for `lock_seconds`.  The run is forgotten `memory_seconds` after its first failure.
    """

    free: int
    first_delay: int
    max_delay: int
    lock_after: int
    lock_seconds: int
    memory_seconds: int

    def block_after(self, failures: int) -> int:
        """Seconds to block once `failures` consecutive failures have been seen (0: none)."""
        if failures >= self.lock_after:
            return self.lock_seconds
        if failures <= self.free:
            return 0
        delay: int = self.first_delay * 2 ** (failures - self.free - 1)
        return min(delay, self.max_delay)


# Per login: a person mistyping gets three tries free, then waits 1, 2, 4, 8, 16, 30 s; ten failures in a
# row lock the login for 15 minutes (and again after every further failure).
LOGIN_STEPS = Steps(
    free=3, first_delay=1, max_delay=30, lock_after=10, lock_seconds=15 * 60, memory_seconds=86_400
)
# Per client address: an office behind one NAT shares it, so it starts later; it catches one address
# trying many logins (password spraying), which the per-login steps cannot see.
ADDRESS_STEPS = Steps(
    free=20, first_delay=1, max_delay=30, lock_after=100, lock_seconds=15 * 60, memory_seconds=3600
)


@dataclass(frozen=True, slots=True)
class AccountLock:
    """An account's `advancedSecurity` lock: `max_failures` consecutive failures lock the login for
    `minutes` (AgilePlace's accountLockEnabled / maxFailedLoginAttempts / accountLockInterval)."""

    max_failures: int
    minutes: int

    @classmethod
    def from_settings(cls, security: Mapping[str, Any]) -> AccountLock | None:
        if not security.get("accountLockEnabled"):
            return None
        max_failures = int(security.get("maxFailedLoginAttempts") or 0)
        minutes = int(security.get("accountLockInterval") or 0)
        if max_failures <= 0 or minutes <= 0:
            return None
        return cls(max_failures, minutes)


class SignInThrottle:
    """`clock` must tell the same time as the storage (time.time for both the memory store and Redis);
    tests replace both together."""

    def __init__(
        self,
        *,
        redis_url: str | None = None,
        key_prefix: str = "lanekit",
        storage: Storage | None = None,
        clock: Callable[[], float] = time.time,
        login_steps: Steps = LOGIN_STEPS,
        address_steps: Steps = ADDRESS_STEPS,
    ) -> None:
        if storage is None:
            if redis_url:
                storage = RedisStorage(
                    f"async+{redis_url}",
                    implementation="redispy",
                    key_prefix=key_prefix,
                    wrap_exceptions=True,
                )
            else:
                storage = MemoryStorage()
        self.storage = storage
        self.clock = clock
        self.login_steps = login_steps
        self.address_steps = address_steps

    @staticmethod
    def _login_key(account_id: int, login: str) -> str:
        return f"signin/login/{account_id}/{login.strip().lower()}"

    @staticmethod
    def _address_key(address: str) -> str:
        return f"signin/address/{address}"

    async def check(self, *, account_id: int, login: str, address: str) -> None:
        """Raise SignInThrottled when this login or this address is blocked; cheap, no Argon2."""
        try:
            for key, why in (
                (self._login_key(account_id, login), "too many failed sign-ins for this login"),
                (self._address_key(address), "too many failed sign-ins from this address"),
            ):
                if await self.storage.get(f"{key}/block") > 0:
                    until = await self.storage.get_expiry(f"{key}/block")
                    raise SignInThrottled(reset_at=self._reset_at(until), why=why)
        except StorageError as exc:
            raise self._unavailable(exc) from None

    async def failed(self, *, account_id: int, login: str, address: str, lock: AccountLock | None) -> None:
        """Count one failed sign-in and start the block it earns."""
        try:
            key = self._login_key(account_id, login)
            failures = await self.storage.incr(f"{key}/failures", self.login_steps.memory_seconds)
            seconds = self.login_steps.block_after(failures)
            if lock is not None and failures >= lock.max_failures:
                seconds = max(seconds, lock.minutes * 60)
            await self._block(key, seconds)
            key = self._address_key(address)
            failures = await self.storage.incr(f"{key}/failures", self.address_steps.memory_seconds)
            await self._block(key, self.address_steps.block_after(failures))
        except StorageError as exc:
            raise self._unavailable(exc) from None

    async def succeeded(self, *, account_id: int, login: str) -> None:
        """A correct password ends the login's run of failures (the address keeps its count: one valid
        account must not reset an address that is spraying others)."""
        key = self._login_key(account_id, login)
        try:
            await self.storage.clear(f"{key}/failures")
            await self.storage.clear(f"{key}/block")
        except StorageError as exc:
            raise self._unavailable(exc) from None

    async def _block(self, key: str, seconds: int) -> None:
        # The expiry is set by the first increment only, so concurrent failures do not stretch a block.
        if seconds > 0:
            await self.storage.incr(f"{key}/block", seconds)

    def _reset_at(self, until: float) -> datetime:
        # Retry-After has a resolution of one second; round up so a client retrying on time is let in.
        return datetime.fromtimestamp(math.ceil(max(until, self.clock())), UTC)

    @staticmethod
    def _unavailable(exc: StorageError) -> Unavailable:
        log.error("sign-in throttle store failed: %s", type(exc.storage_error).__name__)
        # The same store (and the same words) as the request budget's: it is one Redis to the operator.
        return Unavailable("the rate-limit store is unreachable; retry shortly")

    async def reset(self) -> None:
        await self.storage.reset()


class FairScheduler:
    """Runs at most `parallel` Argon2 verifications at once and at most one per client address.

    When a slot frees, the waiting address that has been served least so far goes next, then the one
    with the fewest requests waiting, then the one waiting longest.  An address flooding sign-ins has
    been served often or has a queue, so an address that has neither (a person signing in) is verified
    next, whatever the flood has queued.  An address may have
    `queue_per_address` requests waiting; more are refused at once with SignInThrottled.  The served
    counts are forgotten whenever nothing waits or runs, and when `MAX_ADDRESSES` are remembered.
    """

    RETRY_SECONDS = 1
    MAX_ADDRESSES = 10_000

    def __init__(self, *, parallel: int, queue_per_address: int = 8) -> None:
        self.parallel = parallel
        self.queue_per_address = queue_per_address
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self._busy: set[str] = set()
        self._served: dict[str, int] = {}
        self._running = 0

    @asynccontextmanager
    async def slot(self, address: str) -> AsyncIterator[None]:
        queue = self._waiting.get(address)
        if queue is not None and len(queue) >= self.queue_per_address:
            raise SignInThrottled(
                reset_at=datetime.fromtimestamp(math.ceil(time.time()) + self.RETRY_SECONDS, UTC),
                why="too many sign-ins in progress from this address",
            )
        if queue is None:
            queue = self._waiting[address] = deque()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(turn)
        self._dispatch()
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release(address)  # granted just as the waiter was cancelled
            else:
                self._drop(address, turn)
            raise
        try:
            yield
        finally:
            self._release(address)

    def _drop(self, address: str, turn: asyncio.Future[None]) -> None:
        queue = self._waiting.get(address)
        if queue is not None and turn in queue:
            queue.remove(turn)
            if not queue:
                del self._waiting[address]

    def _release(self, address: str) -> None:
        self._running -= 1
        self._busy.discard(address)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._running < self.parallel:
            # dicts keep insertion order, so min() breaks ties in favour of the address waiting longest.
            ready = [a for a in self._waiting if a not in self._busy]
            if not ready:
                break
            address = min(ready, key=lambda a: (self._served.get(a, 0), len(self._waiting[a])))
            queue = self._waiting[address]
            turn = queue.popleft()
            if not queue:
                del self._waiting[address]
            if turn.done():
                continue  # cancelled while waiting
            self._running += 1
            self._busy.add(address)
            if len(self._served) >= self.MAX_ADDRESSES:
                self._served.clear()
            self._served[address] = self._served.get(address, 0) + 1
            turn.set_result(None)
        if self._running == 0 and not self._waiting:
            self._served.clear()
