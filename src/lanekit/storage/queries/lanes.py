"""Lanes of a board and the card counts the board GET shows per lane."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import LaneRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import cards, lanes


def _lane(row: Any) -> LaneRecord:
    return LaneRecord(**row_values(row, lanes))


# Built once (decision 094): every card write and board read lists the board's lanes.
_OF_BOARD = (
    select(lanes)
    .where(
        lanes.c.board_id == bindparam("board_id"),
        lanes.c.account_id == bindparam("account_id"),
        lanes.c.task_card_id.is_(None),
    )
    .order_by(lanes.c.parent_lane_id, lanes.c.position, lanes.c.id)
)


async def list_for_board(conn: Connection, *, account_id: int, board_id: int) -> list[LaneRecord]:
    """Every lane of the board, ordered by parent and position (rebuild the tree from parent_lane_id).

    Taskboard lanes (`task_card_id` set, queries/tasks.py) share the board id but are not the board's lanes.
    """
    rows = (await conn.execute(_OF_BOARD, {"board_id": board_id, "account_id": account_id})).all()
    return [_lane(r) for r in rows]


async def fetch(conn: Connection, *, account_id: int, board_id: int, lane_id: int) -> LaneRecord | None:
    row = (
        await conn.execute(
            select(lanes).where(
                lanes.c.id == lane_id,
                lanes.c.board_id == board_id,
                lanes.c.account_id == account_id,
                lanes.c.task_card_id.is_(None),
            )
        )
    ).first()
    return _lane(row) if row else None


async def insert_lane(conn: Connection, **values: Any) -> LaneRecord:
    row = (await conn.execute(insert(lanes).values(**values).returning(*lanes.c))).one()
    return _lane(row)


async def update_lane(conn: Connection, *, account_id: int, lane_id: int, **values: Any) -> LaneRecord:
    row = (
        await conn.execute(
            update(lanes)
            .where(lanes.c.id == lane_id, lanes.c.account_id == account_id)
            .values(**values)
            .returning(*lanes.c)
        )
    ).one()
    return _lane(row)


async def clear_default_drop_lane(conn: Connection, *, board_id: int, except_lane: int) -> None:
    await conn.execute(
        update(lanes)
        .where(lanes.c.board_id == board_id, lanes.c.id != except_lane, lanes.c.is_default_drop_lane)
        .values(is_default_drop_lane=False)
    )


async def clear_connection_done_lane(conn: Connection, *, board_id: int, except_lane: int) -> None:
    await conn.execute(
        update(lanes)
        .where(lanes.c.board_id == board_id, lanes.c.id != except_lane, lanes.c.is_connection_done_lane)
        .values(is_connection_done_lane=False)
    )


async def delete_lanes(conn: Connection, *, board_id: int, lane_ids: list[int]) -> None:
    if lane_ids:
        await conn.execute(delete(lanes).where(lanes.c.board_id == board_id, lanes.c.id.in_(lane_ids)))


async def move_deleted_cards(conn: Connection, *, board_id: int, from_lanes: list[int], to_lane: int) -> None:
    """Re-home soft-deleted cards of lanes about to be removed, so the lane rows can go."""
    if from_lanes:
        await conn.execute(
            update(cards)
            .where(
                cards.c.board_id == board_id, cards.c.lane_id.in_(from_lanes), cards.c.deleted_on.is_not(None)
            )
            .values(lane_id=to_lane)
        )


@dataclass(frozen=True, slots=True)
class LaneCounts:
    card_count: int
    card_size: int
    archive_card_count: int


async def card_counts(
    conn: Connection,
    *,
    board_id: int | None = None,
    lane_ids: Sequence[int] | None = None,
    unsized_weight: int = 0,
) -> dict[int, LaneCounts]:
    """Live cards per lane in one aggregate (lanes without cards are absent), of a board or of these lanes.

    `unsized_weight` is what a card of size 0 adds to `card_size` (taskboards count it as 1, decision 120).
    """
    where: list[Any] = [cards.c.deleted_on.is_(None)]
    if board_id is not None:
        where.append(cards.c.board_id == board_id)
    if lane_ids is not None:
        where.append(cards.c.lane_id.in_(list(lane_ids)))
    size: Any = cards.c.size
    if unsized_weight:
        size = case((cards.c.size < 1, unsized_weight), else_=cards.c.size)
    rows = (
        await conn.execute(
            select(
                cards.c.lane_id,
                func.count().label("n"),
                func.coalesce(func.sum(size), 0).label("size"),
                func.sum(case((cards.c.archived_on.is_not(None), 1), else_=0)).label("archived"),
            )
            .where(*where)
            .group_by(cards.c.lane_id)
        )
    ).all()
    return {
        int(r.lane_id): LaneCounts(
            card_count=int(r.n), card_size=int(r.size), archive_card_count=int(r.archived or 0)
        )
        for r in rows
    }
