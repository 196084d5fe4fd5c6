"""Who is calling: Basic credentials or a Bearer token, resolved to a live user of the account.

Authentication is on every request, so its answers are remembered in process (`CredentialCache`):

* A verified Basic (account, login, password) triple or Bearer token maps to the user's record as it was
  read, under an HMAC digest (per-process random key), so no secret is held.  While the entry is fresh, a
  request with those credentials makes no database round trip to authenticate.
* Freshness lasts `ttl_seconds` at most and only while the database's notices are being received
  (`storage.notify.Notifier.live`): every change that could refuse or reshape a caller (a revoked token,
  a changed password, login, role, licence or profile, a disabled or deleted user) publishes
  `user:<id>` on `AUTH_CHANNEL` in its transaction (`announce_user_change`), and each process marks that
  user's entries stale when it arrives (at once in the writing process, on commit).  A stale entry costs
  one read to refresh; the TTL bounds the harm of a lost notice.  Before the app started its listener,
  every entry is stale, which is the behaviour without the cache.
* A stale Basic entry still remembers the password hash it was verified against, so refreshing it is one
  indexed user read, never another Argon2 verification; a changed hash or login forgets it.
* A read that started before an invalidation must not make its stale answer fresh again: entries are
  stored fresh only if no invalidation arrived since the read began (`epoch`).

A cold cache must not turn a burst of sign-ins into a burst of Argon2 runs (each takes tens of milliseconds
and 64 MiB): concurrent requests with the same credentials wait for the first one's verification and then
use its cache entry (single flight, keyed by the cache digest), and at most about one verification per CPU
runs at a time in a process, handed out fairly across client addresses (`throttle.FairScheduler`), so
a flood of wrong passwords from a few addresses cannot make everyone else's first sign-in wait for it.

Failed sign-ins are throttled per login and per client address (`throttle.SignInThrottle`): a blocked
login is refused before any Argon2 work, and an unknown login is verified against a dummy hash, so it
costs what a known one costs and the answer's timing does not tell which logins exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from threading import Lock

from lanekit.domain import clock
from lanekit.domain.errors import Unauthenticated
from lanekit.domain.people.accounts import view as account_view
from lanekit.domain.people.passwords import dummy_hash, verify_password
from lanekit.domain.people.throttle import AccountLock, FairScheduler, SignInThrottle
from lanekit.storage import notify
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import tokens as token_queries
from lanekit.storage.queries import users as user_queries
from lanekit.storage.records import UserRecord

LAST_ACCESS_RESOLUTION = timedelta(minutes=5)
AUTH_CHANNEL = "lanekit_auth"
_BAD_LOGIN = "Login failed: email or password is incorrect"
_STALE = float("-inf")


@dataclass(slots=True)
class _Entry:
    user: UserRecord
    # Basic: the password hash the credentials were verified against; Bearer: "".
    verified_hash: str
    # `time.monotonic()` until which `user` may be used without reading it again; _STALE when it may not.
    fresh_until: float


class CredentialCache:
    """Remembered credentials, plus the process's sign-in throttle and verification schedule (one object
    built at start-up and shared by requests).

    Without a `notifier`, or while it is not `live`, nothing is ever fresh: every request reads the user
    (Basic credentials are still verified only once).
    """

    def __init__(
        self,
        max_entries: int,
        *,
        ttl_seconds: float = 60.0,
        notifier: notify.Notifier | None = None,
        max_parallel_verifications: int | None = None,
        throttle: SignInThrottle | None = None,
    ) -> None:
        self._key = secrets.token_bytes(32)
        self._max = max_entries
        self._ttl = ttl_seconds
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._lock = Lock()
        self._epoch = 0
        self._notifier = notifier
        if notifier is not None:
            notifier.subscribe(AUTH_CHANNEL, self._on_notice)
        # digest → (lock, number of requests holding or awaiting it); event-loop side only.
        self._flights: dict[bytes, tuple[asyncio.Lock, list[int]]] = {}
        self.scheduler = FairScheduler(parallel=max_parallel_verifications or os.cpu_count() or 1)
        self.throttle = throttle or SignInThrottle()

    def basic_digest(self, account_id: int, login: str, password: str) -> bytes:
        message = b"\0".join([b"basic", str(account_id).encode(), login.lower().encode(), password.encode()])
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def bearer_digest(self, account_id: int, token: str) -> bytes:
        message = b"\0".join([b"bearer", str(account_id).encode(), token.encode()])
        return hmac.new(self._key, message, hashlib.sha256).digest()

    @asynccontextmanager
    async def single_flight(self, digest: bytes) -> AsyncIterator[None]:
        """Run the block for these credentials one request at a time (the others wait their turn)."""
        flight = self._flights.get(digest)
        if flight is None:
            flight = self._flights[digest] = (asyncio.Lock(), [0])
        lock, holders = flight
        holders[0] += 1
        try:
            async with lock:
                yield
        finally:
            holders[0] -= 1
            if holders[0] == 0:
                del self._flights[digest]

    @asynccontextmanager
    async def verification_slot(self, address: str) -> AsyncIterator[None]:
        """Bound the Argon2 verifications running at once (CPU and 64 MiB each), fairly per address."""
        async with self.scheduler.slot(address):
            yield

    @property
    def epoch(self) -> int:
        """Take it before reading what `store` will remember: it changes with every invalidation."""
        return self._epoch

    def _trusted(self) -> bool:
        notifier = self._notifier
        if notifier is None or not notifier.live:
            return False
        notifier.poll()
        return True

    def get(self, digest: bytes) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def fresh(self, digest: bytes) -> UserRecord | None:
        """The remembered user, if it may be used without reading it again."""
        if not self._trusted():
            return None
        entry = self.get(digest)
        if entry is None or entry.fresh_until < time.monotonic():
            return None
        return entry.user

    def store(self, digest: bytes, user: UserRecord, *, verified_hash: str = "", epoch: int) -> None:
        """Remember `user` (read after `epoch` was taken) for these credentials; fresh only if nothing was
        invalidated since."""
        trusted = self._trusted()  # outside the lock: polling may deliver a notice, which takes it
        with self._lock:
            fresh = trusted and epoch == self._epoch
            self._entries[digest] = _Entry(
                user, verified_hash, time.monotonic() + self._ttl if fresh else _STALE
            )
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, digest: bytes) -> None:
        with self._lock:
            self._entries.pop(digest, None)

    def accessed(self, user_id: int, moment: datetime) -> None:
        """The user's `lastAccess` was stamped: remembered records carry it, so the next stamp waits."""
        with self._lock:
            for entry in self._entries.values():
                if entry.user.id == user_id:
                    entry.user = replace(entry.user, last_access=moment)

    def user_changed(self, user_id: int) -> None:
        """Read the user again before the next use of any of their credentials."""
        with self._lock:
            self._epoch += 1
            for entry in self._entries.values():
                if entry.user.id == user_id:
                    entry.fresh_until = _STALE

    def reset(self) -> None:
        """Read every user again before use (notices may have been missed)."""
        with self._lock:
            self._epoch += 1
            for entry in self._entries.values():
                entry.fresh_until = _STALE

    def _on_notice(self, payload: str | None) -> None:
        kind, _, value = (payload or "").partition(":")
        if kind == "user" and value.isdigit():
            self.user_changed(int(value))
        else:
            self.reset()

    def __len__(self) -> int:
        return len(self._entries)


async def announce_user_change(conn: Connection, *, user_id: int) -> None:
    """Every process must read this user again before trusting remembered credentials of theirs.

    Call it in the write transaction (`Database.begin()`) that changes anything authentication answers
    from: tokens, password hash, login, enabled/deleted, roles, licence, or any field of the record a
    request carries (`GET /io/user/me` shows it).  It takes effect when the transaction commits.
    """
    await notify.publish(conn, AUTH_CHANNEL, f"user:{user_id}")


def token_digest(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe one-way index for them."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _from_cache(
    db: Database, *, digest: bytes, account_id: int, login: str, cache: CredentialCache
) -> UserRecord | None:
    found = cache.fresh(digest)
    if found is not None:
        return found
    entry = cache.get(digest)
    if entry is None:
        return None
    epoch = cache.epoch
    async with db.read() as conn:
        user = await user_queries.fetch(conn, account_id=account_id, user_id=entry.user.id)
    key = login.strip().lower()
    if (
        user is not None
        and user.password_hash == entry.verified_hash
        and key in (user.email_key, user.username_key)
    ):
        if not user.can_sign_in:
            raise Unauthenticated("user is disabled")
        cache.store(digest, user, verified_hash=entry.verified_hash, epoch=epoch)
        return user
    cache.forget(digest)
    return None


async def authenticate_basic(
    db: Database, *, account_id: int, login: str, password: str, address: str, cache: CredentialCache
) -> UserRecord:
    """The user these Basic credentials sign in, from client `address`.

    Remembered credentials are answered at once (without a round trip while fresh), even for a login that
    is currently blocked: they were verified before, so the caller is not the one guessing.  Otherwise a
    blocked login or address is refused with SignInThrottled (429) before any Argon2 work.  No database
    connection is held while Argon2 runs or waits for its turn.
    """
    digest = cache.basic_digest(account_id, login, password)
    found = await _from_cache(db, digest=digest, account_id=account_id, login=login, cache=cache)
    if found is not None:
        return found
    await cache.throttle.check(account_id=account_id, login=login, address=address)
    async with cache.single_flight(digest):
        # A request with the same credentials may have verified them while this one waited.
        found = await _from_cache(db, digest=digest, account_id=account_id, login=login, cache=cache)
        if found is not None:
            return found
        return await _verify_basic(
            db,
            digest=digest,
            account_id=account_id,
            login=login,
            password=password,
            address=address,
            cache=cache,
        )


async def _verify_basic(
    db: Database,
    *,
    digest: bytes,
    account_id: int,
    login: str,
    password: str,
    address: str,
    cache: CredentialCache,
) -> UserRecord:
    # The same reads and the same Argon2 work whether or not the login exists (see the module docstring).
    epoch = cache.epoch
    async with db.read() as conn:
        user = await user_queries.fetch_by_login(conn, account_id=account_id, login=login)
        account = await account_queries.fetch(conn, account_id)
    # Within a request the connection would otherwise stay checked out through the Argon2 queue and run.
    await db.release()
    security = account_view(account).advanced_security if account is not None else {}
    async with cache.verification_slot(address):
        if user is None:
            await verify_password(await dummy_hash(), password)
            verified = False
        else:
            verified = await verify_password(user.password_hash, password)
    if user is None or not verified:
        await cache.throttle.failed(
            account_id=account_id, login=login, address=address, lock=AccountLock.from_settings(security)
        )
        raise Unauthenticated(_BAD_LOGIN)
    await cache.throttle.succeeded(account_id=account_id, login=login)
    if not user.can_sign_in:
        raise Unauthenticated("user is disabled")
    cache.store(digest, user, verified_hash=user.password_hash, epoch=epoch)
    return user


async def authenticate_bearer(
    db: Database, *, account_id: int, token: str, cache: CredentialCache
) -> UserRecord:
    """The live user this Bearer token belongs to; no round trip while the cache's answer is fresh."""
    digest = cache.bearer_digest(account_id, token)
    found = cache.fresh(digest)
    if found is not None:
        return found
    epoch = cache.epoch
    async with db.read() as conn:
        user = await token_queries.fetch_user_by_token_hash(
            conn, account_id=account_id, token_hash=token_digest(token)
        )
    if user is None:
        cache.forget(digest)
        raise Unauthenticated("token is not valid")
    if not user.can_sign_in:
        raise Unauthenticated("user is disabled")
    cache.store(digest, user, epoch=epoch)
    return user


def needs_last_access_update(user: UserRecord) -> bool:
    return user.last_access is None or user.last_access < clock.now() - LAST_ACCESS_RESOLUTION


async def record_access(conn: Connection, *, user_id: int) -> datetime:
    """Stamp the user's last access (at most once per resolution window) and return the stamp."""
    moment = clock.now()
    await user_queries.touch_last_access(
        conn, user_id=user_id, now=moment, stale_before=moment - LAST_ACCESS_RESOLUTION
    )
    return moment
