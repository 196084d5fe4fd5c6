"""Card writes (`insert_*`, `update_*`, `replace_*`, `mark_*`) and the reads a write makes first: the lane a
card goes to, its neighbours' ranks, the lane loads and the assignees' WIP for the limit checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.storage.queries.card_filters import live
from lanekit.storage.queries.cards import card_record
from lanekit.storage.records import CardRecord, LaneRecord, UserRef
from lanekit.storage.rows import row_values
from lanekit.storage.tables import (
    board_roles,
    card_assignments,
    card_field_values,
    card_tags,
    cards,
    lanes,
    users,
)


async def fetch_neighbour_ranks(
    conn: AsyncConnection, *, lane_id: int, index: int | None, exclude: Sequence[int]
) -> tuple[str | None, str | None]:
    """The ranks a card placed at `index` (None = the end) goes between, the moving cards left out."""
    where: list[Any] = [cards.c.lane_id == lane_id, live()]
    if exclude:
        where.append(cards.c.id.not_in(list(exclude)))
    if index is None:
        last = (await conn.execute(select(func.max(cards.c.rank)).where(*where))).scalar_one()
        return last, None
    start = max(index - 1, 0)
    rows = (
        await conn.execute(
            select(cards.c.rank).where(*where).order_by(cards.c.rank, cards.c.id).offset(start).limit(2)
        )
    ).all()
    ranks = [r[0] for r in rows]
    if index == 0:
        return None, ranks[0] if ranks else None
    low = ranks[0] if ranks else None
    high = ranks[1] if len(ranks) > 1 else None
    return low, high


async def lane_loads(conn: AsyncConnection, *, lane_ids: Sequence[int], by_size: bool) -> dict[int, int]:
    """Each lane's live WIP load: a card count, or the sum of sizes with size 0 weighing 1."""
    if not lane_ids:
        return {}
    weight = func.sum(case((cards.c.size < 1, 1), else_=cards.c.size)) if by_size else func.count()
    rows = (
        await conn.execute(
            select(cards.c.lane_id, weight)
            .where(cards.c.lane_id.in_(list(lane_ids)), live())
            .group_by(cards.c.lane_id)
        )
    ).all()
    return {int(r[0]): int(r[1] or 0) for r in rows}


async def fetch_assignable_users(
    conn: AsyncConnection,
    *,
    account_id: int,
    board_id: int,
    user_ids: Sequence[int],
    excluded_lane_ids: Sequence[int],
) -> list[tuple[UserRef, int | None, int]]:
    """Live users of the account with their WIP limit on the board and how many of its cards they hold."""
    if not user_ids:
        return []
    held_where: list[Any] = [
        card_assignments.c.user_id == users.c.id,
        cards.c.board_id == board_id,
        live(),
        # Task cards count toward their task lanes' WIP only.
        cards.c.containing_card_id.is_(None),
    ]
    if excluded_lane_ids:
        held_where.append(cards.c.lane_id.not_in(list(excluded_lane_ids)))
    held = (
        select(func.count())
        .select_from(card_assignments.join(cards, cards.c.id == card_assignments.c.card_id))
        .where(*held_where)
        .scalar_subquery()
    )
    rows = (
        await conn.execute(
            select(
                users.c.id,
                users.c.email,
                users.c.first_name,
                users.c.last_name,
                board_roles.c.wip,
                held.label("held"),
            )
            .select_from(
                users.outerjoin(
                    board_roles, and_(board_roles.c.user_id == users.c.id, board_roles.c.board_id == board_id)
                )
            )
            .where(
                users.c.id.in_(list(user_ids)),
                users.c.account_id == account_id,
                users.c.deleted.is_(False),
            )
        )
    ).all()
    return [(UserRef(r.id, r.email, r.first_name, r.last_name), r.wip, int(r.held)) for r in rows]


async def insert_card(conn: AsyncConnection, **values: Any) -> CardRecord:
    row = (await conn.execute(insert(cards).values(**values).returning(*cards.c))).one()
    return card_record(row)


async def update_card(
    conn: AsyncConnection, *, account_id: int, card_id: int, expected_version: int | None, **values: Any
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


async def update_many(conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
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
    conn: AsyncConnection, *, account_id: int, pairs: Sequence[tuple[int, int]], now: datetime
) -> None:
    if pairs:
        await conn.execute(
            insert(card_assignments),
            [{"card_id": c, "user_id": u, "account_id": account_id, "assigned_on": now} for c, u in pairs],
        )


async def delete_assignments(conn: AsyncConnection, *, pairs: Sequence[tuple[int, int]]) -> None:
    if pairs:
        await conn.execute(
            delete(card_assignments).where(
                tuple_(card_assignments.c.card_id, card_assignments.c.user_id).in_(list(pairs))
            )
        )


async def replace_tags(conn: AsyncConnection, *, board_id: int, card_id: int, tags: Sequence[str]) -> None:
    """Rewrite the card's rows in the tag index (the card row keeps the ordered list)."""
    await conn.execute(delete(card_tags).where(card_tags.c.card_id == card_id))
    unique = list(dict.fromkeys(tags))
    if unique:
        await conn.execute(
            insert(card_tags), [{"card_id": card_id, "tag": t, "board_id": board_id} for t in unique]
        )


async def insert_tags(conn: AsyncConnection, *, board_id: int, card_id: int, tags: Sequence[str]) -> None:
    unique = list(dict.fromkeys(tags))
    if unique:
        await conn.execute(
            insert(card_tags), [{"card_id": card_id, "tag": t, "board_id": board_id} for t in unique]
        )


async def move_tags_to_board(conn: AsyncConnection, *, card_ids: Sequence[int], board_id: int) -> None:
    await conn.execute(
        update(card_tags).where(card_tags.c.card_id.in_(list(card_ids))).values(board_id=board_id)
    )


async def replace_field_values(conn: AsyncConnection, *, card_id: int, values: dict[int, Any]) -> None:
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


async def clear_field_values(conn: AsyncConnection, *, card_ids: Sequence[int]) -> None:
    await conn.execute(delete(card_field_values).where(card_field_values.c.card_id.in_(list(card_ids))))


async def mark_deleted(
    conn: AsyncConnection, *, card_ids: Sequence[int], now: datetime, user_id: int
) -> None:
    await conn.execute(
        update(cards)
        .where(cards.c.id.in_(list(card_ids)), live())
        .values(deleted_on=now, updated_on=now, updated_by=user_id, version=cards.c.version + 1)
    )


async def fetch_lane(conn: AsyncConnection, *, account_id: int, lane_id: int) -> LaneRecord | None:
    """A lane of the account, whatever its board (a move names only the lane)."""
    row = (
        await conn.execute(select(lanes).where(lanes.c.id == lane_id, lanes.c.account_id == account_id))
    ).first()
    return LaneRecord(**row_values(row, lanes)) if row else None
