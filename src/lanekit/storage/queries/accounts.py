from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.storage.records import AccountRecord
from lanekit.storage.tables import accounts


async def fetch_by_name(conn: AsyncConnection, name: str) -> AccountRecord | None:
    row = (await conn.execute(select(accounts).where(accounts.c.name == name))).first()
    return AccountRecord(**row._mapping) if row else None


async def fetch(conn: AsyncConnection, account_id: int) -> AccountRecord | None:
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
    return AccountRecord(**row._mapping) if row else None


async def fetch_oldest(conn: AsyncConnection) -> AccountRecord | None:
    row = (await conn.execute(select(accounts).order_by(accounts.c.id).limit(1))).first()
    return AccountRecord(**row._mapping) if row else None


async def count_all(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(accounts))).scalar_one())


async def insert_account(
    conn: AsyncConnection, *, name: str, title: str, created_on: datetime
) -> AccountRecord:
    row = (
        await conn.execute(
            insert(accounts)
            .values(name=name, title=title, settings={}, created_on=created_on)
            .returning(*accounts.c)
        )
    ).one()
    return AccountRecord(**row._mapping)


async def update_account(
    conn: AsyncConnection, account_id: int, *, title: str, settings: dict[str, Any]
) -> AccountRecord:
    row = (
        await conn.execute(
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(title=title, settings=settings)
            .returning(*accounts.c)
        )
    ).one()
    return AccountRecord(**row._mapping)
