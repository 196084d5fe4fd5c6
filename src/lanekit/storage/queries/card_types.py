"""Card types of a board."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.storage.records import CardTypeRecord
from lanekit.storage.tables import card_types


def _card_type(row: Any) -> CardTypeRecord:
    return CardTypeRecord(**{c.name: row._mapping[c.name] for c in card_types.c})


async def list_for_board(conn: AsyncConnection, *, account_id: int, board_id: int) -> list[CardTypeRecord]:
    rows = (
        await conn.execute(
            select(card_types)
            .where(card_types.c.board_id == board_id, card_types.c.account_id == account_id)
            .order_by(card_types.c.position, card_types.c.id)
        )
    ).all()
    return [_card_type(r) for r in rows]


async def insert_card_type(conn: AsyncConnection, **values: Any) -> CardTypeRecord:
    row = (await conn.execute(insert(card_types).values(**values).returning(*card_types.c))).one()
    return _card_type(row)
