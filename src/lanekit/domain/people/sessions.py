"""Web board sessions (docs/decisions/200-web-board.md): sign in with e-mail and password, a random session
token in a cookie, its SHA-256 in `web_sessions`.

Signing in is Basic sign-in's own path (`auth.authenticate_basic`): the same Argon2 verification off the
event loop, the same per-login and per-address throttle (decision 150), the same account lock.  A session
is then authenticated like a Bearer token (decision 160): a fresh `CredentialCache` entry answers with no
statement, and every change that refuses or reshapes a user (`announce_user_change`: disabled through SCIM
or `PATCH /io/user/:id`, deleted, new password) marks it stale, so the next request reads the user again
and a deactivated user is refused there.  Signing out deletes the row and announces the change too, so no
process keeps trusting the token from memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from lanekit.domain import clock
from lanekit.domain.errors import Unauthenticated
from lanekit.domain.people import auth
from lanekit.domain.people.auth import CredentialCache
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection
from lanekit.storage.queries import web_sessions as session_queries
from lanekit.storage.records import UserRecord

# Absolute lifetime of a session: a working week plus a weekend, then sign in again.
SESSION_LIFETIME = timedelta(days=7)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The token every state-changing request of this session must carry (form field or header).

    Derived from the session token, which only the browser's HttpOnly cookie holds: a page on another site
    can make the browser send the cookie, but cannot read it, so it cannot compute this value.
    """
    return hmac.new(session_token.encode(), b"lanekit-csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, offered: str | None) -> bool:
    return bool(offered) and hmac.compare_digest(csrf_token(session_token), offered or "")


async def sign_in(
    db: Database, *, account_id: int, login: str, password: str, address: str, cache: CredentialCache
) -> UserRecord:
    """The user these credentials sign in, through Basic sign-in's throttle and verification; raises
    Unauthenticated or SignInThrottled."""
    return await auth.authenticate_basic(
        db, account_id=account_id, login=login, password=password, address=address, cache=cache
    )


async def start_session(conn: Connection, *, user: UserRecord) -> str:
    """A new session for `user`; returns the token for the cookie (stored only as its hash)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await session_queries.delete_expired(conn, user_id=user.id, now=now)
    await session_queries.insert_session(
        conn,
        account_id=user.account_id,
        user_id=user.id,
        token_hash=_digest(token),
        now=now,
        expires_on=now + SESSION_LIFETIME,
    )
    return token


async def session_user(db: Database, *, account_id: int, token: str, cache: CredentialCache) -> UserRecord:
    """The live user of this session token; no round trip while the cache's answer is fresh."""
    digest = cache.bearer_digest(account_id, "session\0" + token)
    found = cache.fresh(digest)
    if found is not None:
        return found
    epoch = cache.epoch
    async with db.read() as conn:
        user = await session_queries.fetch_user_by_session_hash(
            conn, account_id=account_id, token_hash=_digest(token), now=clock.now()
        )
    if user is None:
        cache.forget(digest)
        raise Unauthenticated("the session has ended; sign in again")
    if not user.can_sign_in:
        cache.forget(digest)
        raise Unauthenticated("user is disabled")
    cache.store(digest, user, epoch=epoch)
    return user


async def end_session(conn: Connection, *, account_id: int, token: str, cache: CredentialCache) -> None:
    """Sign out: the session's row goes, and every process reads the user again before trusting it."""
    cache.forget(cache.bearer_digest(account_id, "session\0" + token))
    user_id = await session_queries.delete_session(conn, account_id=account_id, token_hash=_digest(token))
    if user_id is not None:
        await auth.announce_user_change(conn, user_id=user_id)
