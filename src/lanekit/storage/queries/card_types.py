"""Card types of a board."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import CardRecord, CardTypeRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import card_types, cards


def _card_type(row: Any) -> CardTypeRecord:
    return CardTypeRecord(**row_values(row, card_types))


async def list_for_board(conn: Connection, *, account_id: int, board_id: int) -> list[CardTypeRecord]:
    rows = (
        await conn.execute(
            select(card_types)
            .where(card_types.c.board_id == board_id, card_types.c.account_id == account_id)
            .order_by(card_types.c.position, card_types.c.id)
        )
    ).all()
    return [_card_type(r) for r in rows]


async def insert_card_type(conn: Connection, **values: Any) -> CardTypeRecord:
    row = (await conn.execute(insert(card_types).values(**values).returning(*card_types.c))).one()
    return _card_type(row)


async def fetch(
    conn: Connection, *, account_id: int, board_id: int, card_type_id: int
) -> CardTypeRecord | None:
    row = (
        await conn.execute(
            select(card_types).where(
                card_types.c.id == card_type_id,
                card_types.c.board_id == board_id,
                card_types.c.account_id == account_id,
            )
        )
    ).first()
    return _card_type(row) if row else None


async def next_position(conn: Connection, *, board_id: int) -> int:
    """One past the board's last card type."""
    top = (
        await conn.execute(select(func.max(card_types.c.position)).where(card_types.c.board_id == board_id))
    ).scalar_one()
    return 0 if top is None else int(top) + 1


async def update_card_type(
    conn: Connection, *, account_id: int, board_id: int, card_type_id: int, **values: Any
) -> CardTypeRecord:
    row = (
        await conn.execute(
            update(card_types)
            .where(
                card_types.c.id == card_type_id,
                card_types.c.board_id == board_id,
                card_types.c.account_id == account_id,
            )
            .values(**values)
            .returning(*card_types.c)
        )
    ).one()
    return _card_type(row)


async def reassign_cards(
    conn: Connection,
    *,
    board_id: int,
    from_type_id: int,
    to_type_id: int,
    moment: datetime,
    user_id: int,
) -> list[CardRecord]:
    """Give every card of one type (deleted ones too) another type, each card's version growing by one."""
    rows = (
        await conn.execute(
            update(cards)
            .where(cards.c.board_id == board_id, cards.c.type_id == from_type_id)
            .values(type_id=to_type_id, version=cards.c.version + 1, updated_on=moment, updated_by=user_id)
            .returning(*cards.c)
        )
    ).all()
    return [CardRecord(**row_values(r, cards)) for r in rows]


async def delete_card_type(conn: Connection, *, board_id: int, card_type_id: int) -> None:
    await conn.execute(
        delete(card_types).where(card_types.c.id == card_type_id, card_types.c.board_id == board_id)
    )
