"""Custom icons (classes of service) of a board."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import CardRecord, CustomIconRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import cards, custom_icons


def _icon(row: Any) -> CustomIconRecord:
    return CustomIconRecord(**row_values(row, custom_icons))


async def list_for_board(conn: Connection, *, account_id: int, board_id: int) -> list[CustomIconRecord]:
    rows = (
        await conn.execute(
            select(custom_icons)
            .where(custom_icons.c.board_id == board_id, custom_icons.c.account_id == account_id)
            .order_by(custom_icons.c.position, custom_icons.c.id)
        )
    ).all()
    return [_icon(r) for r in rows]


async def insert_custom_icon(conn: Connection, **values: Any) -> CustomIconRecord:
    row = (await conn.execute(insert(custom_icons).values(**values).returning(*custom_icons.c))).one()
    return _icon(row)


async def fetch(conn: Connection, *, account_id: int, board_id: int, icon_id: int) -> CustomIconRecord | None:
    row = (
        await conn.execute(
            select(custom_icons).where(
                custom_icons.c.id == icon_id,
                custom_icons.c.board_id == board_id,
                custom_icons.c.account_id == account_id,
            )
        )
    ).first()
    return _icon(row) if row else None


async def next_position(conn: Connection, *, board_id: int) -> int:
    """One past the board's last custom icon."""
    last = select(func.max(custom_icons.c.position)).where(custom_icons.c.board_id == board_id)
    top = (await conn.execute(last)).scalar_one()
    return 0 if top is None else int(top) + 1


async def update_custom_icon(
    conn: Connection, *, account_id: int, board_id: int, icon_id: int, **values: Any
) -> CustomIconRecord:
    row = (
        await conn.execute(
            update(custom_icons)
            .where(
                custom_icons.c.id == icon_id,
                custom_icons.c.board_id == board_id,
                custom_icons.c.account_id == account_id,
            )
            .values(**values)
            .returning(*custom_icons.c)
        )
    ).one()
    return _icon(row)


async def clear_from_cards(
    conn: Connection, *, board_id: int, icon_id: int, moment: datetime, user_id: int
) -> list[CardRecord]:
    """Take the icon off every card that shows it, each card's version growing by one."""
    rows = (
        await conn.execute(
            update(cards)
            .where(cards.c.board_id == board_id, cards.c.custom_icon_id == icon_id)
            .values(custom_icon_id=None, version=cards.c.version + 1, updated_on=moment, updated_by=user_id)
            .returning(*cards.c)
        )
    ).all()
    return [CardRecord(**row_values(r, cards)) for r in rows]


async def delete_custom_icon(conn: Connection, *, board_id: int, icon_id: int) -> None:
    await conn.execute(
        delete(custom_icons).where(custom_icons.c.id == icon_id, custom_icons.c.board_id == board_id)
    )
