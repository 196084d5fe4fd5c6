from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import AccountRecord
from lanekit.storage.tables import accounts


async def fetch_by_name(conn: Connection, name: str) -> AccountRecord | None:
    row = (await conn.execute(select(accounts).where(accounts.c.name == name))).first()
    return AccountRecord(**row._mapping) if row else None


async def fetch(conn: Connection, account_id: int) -> AccountRecord | None:
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
    return AccountRecord(**row._mapping) if row else None


async def fetch_oldest(conn: Connection) -> AccountRecord | None:
    row = (await conn.execute(select(accounts).order_by(accounts.c.id).limit(1))).first()
    return AccountRecord(**row._mapping) if row else None


async def count_all(conn: Connection) -> int:
    return int((await conn.execute(select(func.count()).select_from(accounts))).scalar_one())


async def insert_account(conn: Connection, *, name: str, title: str, created_on: datetime) -> AccountRecord:
    row = (
        await conn.execute(
            insert(accounts)
            .values(name=name, title=title, settings={}, created_on=created_on)
            .returning(*accounts.c)
        )
    ).one()
    return AccountRecord(**row._mapping)


async def update_account(
    conn: Connection, account_id: int, *, title: str, settings: dict[str, Any]
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
