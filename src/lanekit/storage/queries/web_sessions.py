"""Signed-in browser sessions of the web board: the row holds the token's SHA-256, never the token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, false, insert, select

from lanekit.storage.executor import Connection
from lanekit.storage.records import UserRecord
from lanekit.storage.tables import users, web_sessions

# Built once: every signed-in page runs it when the credential cache has no fresh answer.
_USER_BY_SESSION = (
    select(users)
    .join(web_sessions, web_sessions.c.user_id == users.c.id)
    .where(
        web_sessions.c.token_hash == bindparam("token_hash"),
        web_sessions.c.account_id == bindparam("account_id"),
        web_sessions.c.expires_on > bindparam("now"),
        users.c.account_id == bindparam("account_id"),
        users.c.deleted == false(),
    )
)


async def fetch_user_by_session_hash(
    conn: Connection, *, account_id: int, token_hash: str, now: datetime
) -> UserRecord | None:
    """The (not deleted) owner of an unexpired session, in one round trip."""
    row = (
        await conn.execute(_USER_BY_SESSION, {"token_hash": token_hash, "account_id": account_id, "now": now})
    ).first()
    return UserRecord(**row._mapping) if row else None


async def insert_session(
    conn: Connection, *, account_id: int, user_id: int, token_hash: str, now: datetime, expires_on: datetime
) -> None:
    await conn.execute(
        insert(web_sessions).values(
            account_id=account_id,
            user_id=user_id,
            token_hash=token_hash,
            created_on=now,
            expires_on=expires_on,
        )
    )


async def delete_session(conn: Connection, *, account_id: int, token_hash: str) -> int | None:
    """Delete one session; returns its user's id, or None when there was no such session."""
    row = (
        await conn.execute(
            delete(web_sessions)
            .where(web_sessions.c.account_id == account_id, web_sessions.c.token_hash == token_hash)
            .returning(web_sessions.c.user_id)
        )
    ).first()
    return int(row.user_id) if row else None


async def delete_expired(conn: Connection, *, user_id: int, now: datetime) -> None:
    await conn.execute(
        delete(web_sessions).where(web_sessions.c.user_id == user_id, web_sessions.c.expires_on <= now)
    )
