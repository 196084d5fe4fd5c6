"""Card writes, each named by its verb (`insert_*`, `update_*`, `replace_*`, `delete_*`, `move_*`, `clear_*`,
`mark_*`).  The reads a write makes first (the lane, the neighbours' ranks, the WIP loads) are in
placement_reads.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, tuple_, update

from lanekit.storage.executor import Connection
from lanekit.storage.queries.card_filters import live
from lanekit.storage.queries.cards import card_record
from lanekit.storage.records import CardRecord
from lanekit.storage.tables import (
    card_assignments,
    card_field_values,
    card_tags,
    cards,
)


async def insert_card(conn: Connection, **values: Any) -> CardRecord:
    row = (await conn.execute(insert(cards).values(**values).returning(*cards.c))).one()
    return card_record(row)


async def update_card(
    conn: Connection, *, account_id: int, card_id: int, expected_version: int | None, **values: Any
) -> CardRecord | None:
    """Change columns and grow the version by one; None when the card is gone or its version moved on.

    `expected_version` is the compare-and-set: the UPDATE only matches the row at that version.
    """
    where: list[Any] = [cards.c.id == card_id, cards.c.account_id == account_id, live()]
    if expected_version is not None:
        where.append(cards.c.version == expected_version)
    row = (
        await conn.execute(
            update(cards).where(*where).values(version=cards.c.version + 1, **values).returning(*cards.c)
        )
    ).first()
    return card_record(row) if row else None


async def update_many(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany: each row gives `card_id` and the same columns to change; versions grow by one."""
    if not rows:
        return
    keys = [k for k in rows[0] if k != "card_id"]
    stmt = (
        update(cards)
        .where(cards.c.id == bindparam("card_id"))
        .values(version=cards.c.version + 1, **{k: bindparam(f"v_{k}") for k in keys})
    )
    await conn.execute(stmt, [{"card_id": r["card_id"], **{f"v_{k}": r[k] for k in keys}} for r in rows])


async def insert_assignments(
    conn: Connection, *, account_id: int, pairs: Sequence[tuple[int, int]], now: datetime
) -> None:
    if pairs:
        await conn.execute(
            insert(card_assignments),
            [{"card_id": c, "user_id": u, "account_id": account_id, "assigned_on": now} for c, u in pairs],
        )


async def delete_assignments(conn: Connection, *, pairs: Sequence[tuple[int, int]]) -> None:
    if pairs:
        await conn.execute(
            delete(card_assignments).where(
                tuple_(card_assignments.c.card_id, card_assignments.c.user_id).in_(list(pairs))
            )
        )


async def replace_tags(conn: Connection, *, board_id: int, card_id: int, tags: Sequence[str]) -> None:
    """Rewrite the card's rows in the tag index (the card row keeps the ordered list)."""
    await conn.execute(delete(card_tags).where(card_tags.c.card_id == card_id))
    unique = list(dict.fromkeys(tags))
    if unique:
        await conn.execute(
            insert(card_tags), [{"card_id": card_id, "tag": t, "board_id": board_id} for t in unique]
        )


async def insert_tags(conn: Connection, *, board_id: int, card_id: int, tags: Sequence[str]) -> None:
    unique = list(dict.fromkeys(tags))
    if unique:
        await conn.execute(
            insert(card_tags), [{"card_id": card_id, "tag": t, "board_id": board_id} for t in unique]
        )


async def move_tags_to_board(conn: Connection, *, card_ids: Sequence[int], board_id: int) -> None:
    await conn.execute(
        update(card_tags).where(card_tags.c.card_id.in_(list(card_ids))).values(board_id=board_id)
    )


async def replace_field_values(conn: Connection, *, card_id: int, values: dict[int, Any]) -> None:
    """Set these fields' values on the card (None clears a field)."""
    if not values:
        return
    await conn.execute(
        delete(card_field_values).where(
            card_field_values.c.card_id == card_id, card_field_values.c.field_id.in_(list(values))
        )
    )
    kept = [{"card_id": card_id, "field_id": f, "value": v} for f, v in values.items() if v is not None]
    if kept:
        await conn.execute(insert(card_field_values), kept)


async def clear_field_values(conn: Connection, *, card_ids: Sequence[int]) -> None:
    await conn.execute(delete(card_field_values).where(card_field_values.c.card_id.in_(list(card_ids))))


async def mark_deleted(conn: Connection, *, card_ids: Sequence[int], now: datetime, user_id: int) -> None:
    await conn.execute(
        update(cards)
        .where(cards.c.id.in_(list(card_ids)), live())
        .values(deleted_on=now, updated_on=now, updated_by=user_id, version=cards.c.version + 1)
    )
