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
runs at a time in a process.
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
from lanekit.domain.people.passwords import verify_password
from lanekit.storage.queries import tokens as token_queries
from lanekit.storage.queries import users as user_queries
from lanekit.storage.records import UserRecord

LAST_ACCESS_RESOLUTION = timedelta(minutes=5)
_BAD_LOGIN = "Login failed: email or password is incorrect"


class CredentialCache:
    def __init__(self, max_entries: int, *, max_parallel_verifications: int | None = None) -> None:
        self._key = secrets.token_bytes(32)
        self._max = max_entries
        self._entries: OrderedDict[bytes, tuple[int, str]] = OrderedDict()
        self._lock = Lock()
        # digest → (lock, number of requests holding or awaiting it); event-loop side only.
        self._flights: dict[bytes, tuple[asyncio.Lock, list[int]]] = {}
        self._verifications = asyncio.Semaphore(max_parallel_verifications or os.cpu_count() or 1)

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
    async def verification_slot(self) -> AsyncIterator[None]:
        """Bound the Argon2 verifications running at once (CPU and 64 MiB each)."""
        async with self._verifications:
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
    conn: AsyncConnection, *, account_id: int, login: str, password: str, cache: CredentialCache
) -> UserRecord | None:
    cached = cache.get(account_id, login, password)
    if cached is None:
        return None
    user_id, verified_hash = cached
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
    conn: AsyncConnection, *, account_id: int, login: str, password: str, cache: CredentialCache
) -> UserRecord:
    found = await _from_cache(conn, account_id=account_id, login=login, password=password, cache=cache)
    if found is not None:
        return found
    async with cache.single_flight(account_id, login, password):
        # A request with the same credentials may have verified them while this one waited.
        found = await _from_cache(conn, account_id=account_id, login=login, password=password, cache=cache)
        if found is not None:
            return found
        return await _verify_basic(conn, account_id=account_id, login=login, password=password, cache=cache)


async def _verify_basic(
    conn: AsyncConnection, *, account_id: int, login: str, password: str, cache: CredentialCache
) -> UserRecord:
    user = await user_queries.fetch_by_login(conn, account_id=account_id, login=login)
    if user is None:
        raise Unauthenticated(_BAD_LOGIN)
    async with cache.verification_slot():
        verified = await verify_password(user.password_hash, password)
    if not verified:
        raise Unauthenticated(_BAD_LOGIN)
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
