"""Custom card fields of a board."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import CardRecord, CustomFieldRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import card_field_values, cards, custom_fields


def _field(row: Any) -> CustomFieldRecord:
    return CustomFieldRecord(**row_values(row, custom_fields))


async def list_for_board(conn: Connection, *, account_id: int, board_id: int) -> list[CustomFieldRecord]:
    rows = (
        await conn.execute(
            select(custom_fields)
            .where(custom_fields.c.board_id == board_id, custom_fields.c.account_id == account_id)
            .order_by(custom_fields.c.position, custom_fields.c.id)
        )
    ).all()
    return [_field(r) for r in rows]


async def insert_custom_field(conn: Connection, **values: Any) -> CustomFieldRecord:
    row = (await conn.execute(insert(custom_fields).values(**values).returning(*custom_fields.c))).one()
    return _field(row)


async def update_field(conn: Connection, *, board_id: int, field_id: int, **values: Any) -> None:
    await conn.execute(
        update(custom_fields)
        .where(custom_fields.c.id == field_id, custom_fields.c.board_id == board_id)
        .values(**values)
    )


async def touch_cards_with_values(
    conn: Connection, *, field_ids: list[int], moment: datetime, user_id: int
) -> list[CardRecord]:
    """Grow the version of every card holding a value of these fields (call it before the fields go)."""
    holders = select(card_field_values.c.card_id).where(card_field_values.c.field_id.in_(field_ids))
    rows = (
        await conn.execute(
            update(cards)
            .where(cards.c.id.in_(holders))
            .values(version=cards.c.version + 1, updated_on=moment, updated_by=user_id)
            .returning(*cards.c)
        )
    ).all()
    return [CardRecord(**row_values(r, cards)) for r in rows]


async def delete_fields(conn: Connection, *, board_id: int, field_ids: list[int]) -> None:
    """Remove fields; their card values go with them (ON DELETE CASCADE)."""
    await conn.execute(
        delete(custom_fields).where(custom_fields.c.board_id == board_id, custom_fields.c.id.in_(field_ids))
    )
