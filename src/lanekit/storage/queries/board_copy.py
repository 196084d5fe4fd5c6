"""What copying a board reads in bulk (its live cards and their field values) and writes in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from lanekit.storage.executor import Connection
from lanekit.storage.records import CardRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import card_field_values, card_tags, cards


async def list_live_cards(conn: Connection, *, account_id: int, board_id: int) -> list[CardRecord]:
    """Cards neither deleted nor archived, by lane and rank; task cards are not copied (decision 120)."""
    rows = (
        await conn.execute(
            select(cards)
            .where(
                cards.c.board_id == board_id,
                cards.c.account_id == account_id,
                cards.c.deleted_on.is_(None),
                cards.c.archived_on.is_(None),
                cards.c.containing_card_id.is_(None),
            )
            .order_by(cards.c.lane_id, cards.c.rank, cards.c.id)
        )
    ).all()
    return [CardRecord(**row_values(r, cards)) for r in rows]


async def list_field_values(conn: Connection, *, card_ids: Sequence[int]) -> dict[int, dict[int, Any]]:
    """card id → {field id: value} for these cards."""
    if not card_ids:
        return {}
    rows = (
        await conn.execute(
            select(
                card_field_values.c.card_id, card_field_values.c.field_id, card_field_values.c.value
            ).where(card_field_values.c.card_id.in_(list(card_ids)))
        )
    ).all()
    found: dict[int, dict[int, Any]] = {}
    for r in rows:
        found.setdefault(int(r.card_id), {})[int(r.field_id)] = r.value
    return found


async def insert_cards(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert many cards in one statement; returns their new ids in the order of `rows`."""
    if not rows:
        return []
    result = await conn.execute(insert(cards).returning(cards.c.id, sort_by_parameter_order=True), list(rows))
    return [int(i) for i in result.scalars().all()]


async def insert_tags(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of {card_id, tag, board_id} for the tag index."""
    if rows:
        await conn.execute(insert(card_tags), list(rows))


async def insert_field_values(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of {card_id, field_id, value}."""
    if rows:
        await conn.execute(insert(card_field_values), list(rows))
