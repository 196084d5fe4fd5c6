"""Custom icons (classes of service) of a board."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.storage.records import CustomIconRecord
from lanekit.storage.tables import custom_icons


def _icon(row: Any) -> CustomIconRecord:
    return CustomIconRecord(**{c.name: row._mapping[c.name] for c in custom_icons.c})


async def list_for_board(conn: AsyncConnection, *, account_id: int, board_id: int) -> list[CustomIconRecord]:
    rows = (
        await conn.execute(
            select(custom_icons)
            .where(custom_icons.c.board_id == board_id, custom_icons.c.account_id == account_id)
            .order_by(custom_icons.c.position, custom_icons.c.id)
        )
    ).all()
    return [_icon(r) for r in rows]


async def insert_custom_icon(conn: AsyncConnection, **values: Any) -> CustomIconRecord:
    row = (await conn.execute(insert(custom_icons).values(**values).returning(*custom_icons.c))).one()
    return _icon(row)
