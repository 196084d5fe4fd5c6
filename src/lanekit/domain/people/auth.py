"""Who is calling: Basic credentials or a Bearer token, resolved to a live user of the account.

LeanKit clients send Basic credentials on every request, and an Argon2 verification costs tens of
milliseconds, so a verified (account, login, password) triple is remembered in a small bounded in-process
cache.  The cache key is an HMAC of the triple under a per-process random key, so the password is never
held.  An entry remembers the password hash it was verified against; the user's row is read on every
request anyway, so a changed password (a new hash), a disabled or deleted user, or a changed login makes the
entry useless at once, in every process, without any cross-process signalling.

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
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from threading import Lock

from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.domain import clock
from lanekit.domain.errors import Unauthenticated
from lanekit.domain.people.accounts import view as account_view
from lanekit.domain.people.passwords import dummy_hash, verify_password
from lanekit.domain.people.throttle import AccountLock, FairScheduler, SignInThrottle
from lanekit.storage.engine import Database
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import tokens as token_queries
from lanekit.storage.queries import users as user_queries
from lanekit.storage.records import UserRecord

LAST_ACCESS_RESOLUTION = timedelta(minutes=5)
_BAD_LOGIN = "Login failed: email or password is incorrect"


class CredentialCache:
    """Remembered credentials, plus the process's sign-in throttle and verification schedule (one object
    built at start-up and shared by requests)."""

    def __init__(
        self,
        max_entries: int,
        *,
        max_parallel_verifications: int | None = None,
        throttle: SignInThrottle | None = None,
    ) -> None:
        self._key = secrets.token_bytes(32)
        self._max = max_entries
        self._entries: OrderedDict[bytes, tuple[int, str]] = OrderedDict()
        self._lock = Lock()
        # digest → (lock, number of requests holding or awaiting it); event-loop side only.
        self._flights: dict[bytes, tuple[asyncio.Lock, list[int]]] = {}
        self.scheduler = FairScheduler(parallel=max_parallel_verifications or os.cpu_count() or 1)
        self.throttle = throttle or SignInThrottle()

    def _digest(self, account_id: int, login: str, password: str) -> bytes:
        message = b"\0".join([str(account_id).encode(), login.lower().encode(), password.encode()])
        return hmac.new(self._key, message, hashlib.sha256).digest()

    @asynccontextmanager
    async def single_flight(self, account_id: int, login: str, password: str) -> AsyncIterator[None]:
        """Run the block for these credentials one request at a time (the others wait their turn)."""
        digest = self._digest(account_id, login, password)
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

    def get(self, account_id: int, login: str, password: str) -> tuple[int, str] | None:
        digest = self._digest(account_id, login, password)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def put(self, account_id: int, login: str, password: str, *, user_id: int, password_hash: str) -> None:
        digest = self._digest(account_id, login, password)
        with self._lock:
            self._entries[digest] = (user_id, password_hash)
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, account_id: int, login: str, password: str) -> None:
        with self._lock:
            self._entries.pop(self._digest(account_id, login, password), None)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            for digest in [d for d, (uid, _) in self._entries.items() if uid == user_id]:
                del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)


def token_digest(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe one-way index for them."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _from_cache(
    db: Database, *, account_id: int, login: str, password: str, cache: CredentialCache
) -> UserRecord | None:
    cached = cache.get(account_id, login, password)
    if cached is None:
        return None
    user_id, verified_hash = cached
    async with db.read() as conn:
        user = await user_queries.fetch(conn, account_id=account_id, user_id=user_id)
    key = login.strip().lower()
    if (
        user is not None
        and user.password_hash == verified_hash
        and key in (user.email_key, user.username_key)
    ):
        if not user.can_sign_in:
            raise Unauthenticated("user is disabled")
        return user
    cache.forget(account_id, login, password)
    return None


async def authenticate_basic(
    db: Database, *, account_id: int, login: str, password: str, address: str, cache: CredentialCache
) -> UserRecord:
    """The user these Basic credentials sign in, from client `address`.

    Remembered credentials are answered at once, even for a login that is currently blocked: they were
    verified before, so the caller is not the one guessing.  Otherwise a blocked login or address is
    refused with SignInThrottled (429) before any Argon2 work.  No database connection is held while
    Argon2 runs or waits for its turn.
    """
    found = await _from_cache(db, account_id=account_id, login=login, password=password, cache=cache)
    if found is not None:
        return found
    await cache.throttle.check(account_id=account_id, login=login, address=address)
    async with cache.single_flight(account_id, login, password):
        # A request with the same credentials may have verified them while this one waited.
        found = await _from_cache(db, account_id=account_id, login=login, password=password, cache=cache)
        if found is not None:
            return found
        return await _verify_basic(
            db, account_id=account_id, login=login, password=password, address=address, cache=cache
        )


async def _verify_basic(
    db: Database, *, account_id: int, login: str, password: str, address: str, cache: CredentialCache
) -> UserRecord:
    # The same reads and the same Argon2 work whether or not the login exists (see the module docstring).
    async with db.read() as conn:
        user = await user_queries.fetch_by_login(conn, account_id=account_id, login=login)
        account = await account_queries.fetch(conn, account_id)
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
    cache.put(account_id, login, password, user_id=user.id, password_hash=user.password_hash)
    return user


async def authenticate_bearer(conn: AsyncConnection, *, account_id: int, token: str) -> UserRecord:
    user = await token_queries.fetch_user_by_token_hash(
        conn, account_id=account_id, token_hash=token_digest(token)
    )
    if user is None:
        raise Unauthenticated("token is not valid")
    if not user.can_sign_in:
        raise Unauthenticated("user is disabled")
    return user


def needs_last_access_update(user: UserRecord) -> bool:
    return user.last_access is None or user.last_access < clock.now() - LAST_ACCESS_RESOLUTION


async def record_access(conn: AsyncConnection, *, user_id: int) -> datetime:
    """Stamp the user's last access (at most once per resolution window) and return the stamp."""
    moment = clock.now()
    await user_queries.touch_last_access(
        conn, user_id=user_id, now=moment, stale_before=moment - LAST_ACCESS_RESOLUTION
    )
    return moment
