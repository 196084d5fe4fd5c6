"""Custom card fields of a board."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.storage.records import CustomFieldRecord
from lanekit.storage.tables import custom_fields


def _field(row: Any) -> CustomFieldRecord:
    return CustomFieldRecord(**{c.name: row._mapping[c.name] for c in custom_fields.c})


async def list_for_board(conn: AsyncConnection, *, account_id: int, board_id: int) -> list[CustomFieldRecord]:
    rows = (
        await conn.execute(
            select(custom_fields)
            .where(custom_fields.c.board_id == board_id, custom_fields.c.account_id == account_id)
            .order_by(custom_fields.c.position, custom_fields.c.id)
        )
    ).all()
    return [_field(r) for r in rows]


async def insert_custom_field(conn: AsyncConnection, **values: Any) -> CustomFieldRecord:
    row = (await conn.execute(insert(custom_fields).values(**values).returning(*custom_fields.c))).one()
    return _field(row)
