"""The reads a card write makes before it writes (`fetch_*`, `list_*`): the lane a card goes to, the ranks
of its new neighbours, the lanes' WIP loads and the assignees' WIP, for the limit checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, select

from lanekit.storage.executor import Connection
from lanekit.storage.queries.card_filters import live
from lanekit.storage.records import LaneRecord, UserRef
from lanekit.storage.rows import row_values
from lanekit.storage.tables import board_roles, card_assignments, cards, lanes, users


async def fetch_lane(conn: Connection, *, account_id: int, lane_id: int) -> LaneRecord | None:
    """A lane of the account, whatever its board (a move names only the lane)."""
    row = (
        await conn.execute(select(lanes).where(lanes.c.id == lane_id, lanes.c.account_id == account_id))
    ).first()
    return LaneRecord(**row_values(row, lanes)) if row else None


async def fetch_neighbour_ranks(
    conn: Connection, *, lane_id: int, index: int | None, exclude: Sequence[int]
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


async def list_lane_loads(conn: Connection, *, lane_ids: Sequence[int], by_size: bool) -> dict[int, int]:
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
    conn: Connection,
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
