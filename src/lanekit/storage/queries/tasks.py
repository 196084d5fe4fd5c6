"""Task boards (LeanKit API: taskboards): the lanes of a card's taskboard, its task cards and their roll-up.

Taskboard lanes are rows of `lanes` on the owner's board with `task_card_id` set; task cards are rows of
`cards` with `containing_card_id` set, always in one of their owner's task lanes.  Board-lane reads
(`queries/lanes.py`) leave these lanes out.  In the sizes of this module a card of size 0 weighs 1 (the
documented taskboard example counts an unsized task as size 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import CardRecord, LaneRecord, TaskBoardStats
from lanekit.storage.rows import row_values
from lanekit.storage.tables import cards, lanes


def _lane(row: Any) -> LaneRecord:
    return LaneRecord(**row_values(row, lanes))


def _weight() -> Any:
    return case((cards.c.size < 1, 1), else_=cards.c.size)


async def list_lanes(conn: Connection, *, account_id: int, card_id: int) -> list[LaneRecord]:
    """The card's taskboard lanes in board order (empty: the card has no taskboard yet)."""
    rows = (
        await conn.execute(
            select(lanes)
            .where(lanes.c.task_card_id == card_id, lanes.c.account_id == account_id)
            .order_by(lanes.c.position, lanes.c.id)
        )
    ).all()
    return [_lane(r) for r in rows]


async def list_lanes_by_id(conn: Connection, *, lane_ids: Sequence[int]) -> dict[int, LaneRecord]:
    if not lane_ids:
        return {}
    rows = (await conn.execute(select(lanes).where(lanes.c.id.in_(list(lane_ids))))).all()
    return {int(r.id): _lane(r) for r in rows}


async def insert_lanes(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[LaneRecord]:
    """Insert taskboard lanes in one statement; returns them in the order of `rows`."""
    result = await conn.execute(
        insert(lanes).returning(*lanes.c, sort_by_parameter_order=True), [dict(r) for r in rows]
    )
    return [_lane(r) for r in result.all()]


def task_count_expression(owner_id: Any) -> Any:
    """How many live tasks the card `owner_id` (a column) has: a correlated count for the card reads."""
    tasks = cards.alias("c_task")
    return (
        select(func.count())
        .select_from(tasks)
        .where(tasks.c.containing_card_id == owner_id, tasks.c.deleted_on.is_(None))
        .scalar_subquery()
    )


async def fetch_stats(conn: Connection, *, owner_ids: Sequence[int]) -> dict[int, TaskBoardStats]:
    """`taskBoardStats` of many cards in one aggregate; cards without live tasks are absent."""
    if not owner_ids:
        return {}
    done = lanes.c.card_status == "finished"
    rows = (
        await conn.execute(
            select(
                cards.c.containing_card_id,
                func.count().label("total"),
                func.sum(case((done, 1), else_=0)).label("completed"),
                func.sum(_weight()).label("total_size"),
                func.sum(case((done, _weight()), else_=0)).label("completed_size"),
            )
            .select_from(cards.join(lanes, lanes.c.id == cards.c.lane_id))
            .where(cards.c.containing_card_id.in_(list(owner_ids)), cards.c.deleted_on.is_(None))
            .group_by(cards.c.containing_card_id)
        )
    ).all()
    return {
        int(r[0]): TaskBoardStats(
            total_count=int(r.total),
            completed_count=int(r.completed or 0),
            total_size=int(r.total_size or 0),
            completed_size=int(r.completed_size or 0),
        )
        for r in rows
    }


async def list_live_tasks(conn: Connection, *, account_id: int, owner_id: int) -> list[CardRecord]:
    """The card's live task cards, by lane and rank."""
    rows = (
        await conn.execute(
            select(cards)
            .where(
                cards.c.containing_card_id == owner_id,
                cards.c.account_id == account_id,
                cards.c.deleted_on.is_(None),
            )
            .order_by(cards.c.lane_id, cards.c.rank, cards.c.id)
        )
    ).all()
    return [CardRecord(**row_values(r, cards)) for r in rows]


async def has_tasks(conn: Connection, *, card_ids: Sequence[int]) -> set[int]:
    """Which of these cards own at least one live task."""
    if not card_ids:
        return set()
    rows = (
        await conn.execute(
            select(cards.c.containing_card_id)
            .where(cards.c.containing_card_id.in_(list(card_ids)), cards.c.deleted_on.is_(None))
            .distinct()
        )
    ).all()
    return {int(r[0]) for r in rows}


async def mark_deleted_for_owners(
    conn: Connection, *, owner_ids: Sequence[int], now: datetime, user_id: int
) -> None:
    """Soft-delete the live tasks of these cards, in one statement."""
    if owner_ids:
        await conn.execute(
            update(cards)
            .where(cards.c.containing_card_id.in_(list(owner_ids)), cards.c.deleted_on.is_(None))
            .values(deleted_on=now, updated_on=now, updated_by=user_id, version=cards.c.version + 1)
        )


async def move_taskboards(
    conn: Connection, *, owner_ids: Sequence[int], board_id: int, type_id: int | None
) -> list[int]:
    """Put these cards' taskboard lanes and task cards (deleted ones too) on another board; returns the
    tasks' ids.  The tasks take `type_id` and lose their custom icon."""
    if not owner_ids:
        return []
    await conn.execute(
        update(lanes).where(lanes.c.task_card_id.in_(list(owner_ids))).values(board_id=board_id)
    )
    values: dict[str, Any] = {"board_id": board_id, "custom_icon_id": None}
    if type_id is not None:
        values["type_id"] = type_id
    rows = (
        await conn.execute(
            update(cards)
            .where(cards.c.containing_card_id.in_(list(owner_ids)))
            .values(**values)
            .returning(cards.c.id)
        )
    ).all()
    return [int(r[0]) for r in rows]
