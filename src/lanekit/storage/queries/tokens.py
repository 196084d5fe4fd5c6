from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, false, insert, select

from lanekit.storage.executor import Connection
from lanekit.storage.records import TokenRecord, UserRecord
from lanekit.storage.tables import api_tokens, users

# Built once: every Bearer request runs it, and building a statement costs more than executing it.
_USER_BY_TOKEN = (
    select(users)
    .join(api_tokens, api_tokens.c.user_id == users.c.id)
    .where(
        api_tokens.c.token_hash == bindparam("token_hash"),
        api_tokens.c.account_id == bindparam("account_id"),
        users.c.account_id == bindparam("account_id"),
        users.c.deleted == false(),
    )
)


async def fetch_user_by_token_hash(
    conn: Connection, *, account_id: int, token_hash: str
) -> UserRecord | None:
    """The live owner of a token, in one round trip."""
    row = (await conn.execute(_USER_BY_TOKEN, {"token_hash": token_hash, "account_id": account_id})).first()
    return UserRecord(**row._mapping) if row else None


async def list_for_user(conn: Connection, *, account_id: int, user_id: int) -> list[TokenRecord]:
    rows = (
        await conn.execute(
            select(api_tokens)
            .where(api_tokens.c.account_id == account_id, api_tokens.c.user_id == user_id)
            .order_by(api_tokens.c.created_on, api_tokens.c.id)
        )
    ).all()
    return [TokenRecord(**r._mapping) for r in rows]


async def insert_token(
    conn: Connection,
    *,
    account_id: int,
    user_id: int,
    description: str,
    token_hash: str,
    created_on: datetime,
) -> TokenRecord:
    row = (
        await conn.execute(
            insert(api_tokens)
            .values(
                account_id=account_id,
                user_id=user_id,
                description=description,
                token_hash=token_hash,
                created_on=created_on,
            )
            .returning(*api_tokens.c)
        )
    ).one()
    return TokenRecord(**row._mapping)


async def delete_token(conn: Connection, *, account_id: int, user_id: int, token_id: int) -> bool:
    result = await conn.execute(
        delete(api_tokens).where(
            api_tokens.c.id == token_id,
            api_tokens.c.account_id == account_id,
            api_tokens.c.user_id == user_id,
        )
    )
    return result.rowcount > 0
