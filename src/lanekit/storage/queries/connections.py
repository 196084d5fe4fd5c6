"""Parent/child card connections: reads (`fetch_*`, `list_*`, `count_*`), writes (`insert_*`, `delete_*`)
and the account's connection lock.

A row `(parent_card_id, child_card_id)` says the child is connected under the parent.  Rows of deleted cards
are removed with the card (domain/cards.delete_cards); reads still join the cards and skip deleted ones and
those of deleted boards, so a row left behind by a race shows nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, false, func, insert, or_, select, true

from lanekit.storage.executor import Connection
from lanekit.storage.records import CardRecord, ConnectedCardStats, ParentCardRef
from lanekit.storage.rows import row_values
from lanekit.storage.tables import accounts, boards, card_connections, cards, lanes

_parent_card = cards.alias("cc_parent")
_up = card_connections.alias("cc_up")


def parent_flag(card_id: Any) -> Any:
    """True when a connection row names the card as a child (a correlated EXISTS for the card reads)."""
    return exists().where(card_connections.c.child_card_id == card_id)


def child_flag(card_id: Any) -> Any:
    """True when a connection row names the card as a parent."""
    return exists().where(card_connections.c.parent_card_id == card_id)


def _live_child() -> list[ColumnElement[bool]]:
    return [cards.c.deleted_on.is_(None), boards.c.is_deleted == false()]


# --- writes ------------------------------------------------------------------------------------------------


async def lock_graph(conn: Connection, *, account_id: int) -> None:
    """Serialise connection writers of one account (the account row, FOR UPDATE on PostgreSQL; SQLite
    writers are serial already), so that two concurrent links cannot close a cycle that neither saw.

    Taken after the card and board locks, and by nothing else, so it adds no lock-order cycle.
    """
    await conn.execute(select(accounts.c.id).where(accounts.c.id == account_id).with_for_update())


async def list_existing(
    conn: Connection, *, account_id: int, pairs: Sequence[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Which of these (parent, child) pairs are connected already."""
    if not pairs:
        return set()
    rows = (
        await conn.execute(
            select(card_connections.c.parent_card_id, card_connections.c.child_card_id).where(
                card_connections.c.account_id == account_id,
                card_connections.c.parent_card_id.in_(sorted({p for p, _ in pairs})),
                card_connections.c.child_card_id.in_(sorted({c for _, c in pairs})),
            )
        )
    ).all()
    wanted = set(pairs)
    return {(int(r[0]), int(r[1])) for r in rows} & wanted


async def list_edges_above(
    conn: Connection, *, account_id: int, card_ids: Sequence[int]
) -> list[tuple[int, int]]:
    """Every (parent, child) row on the way up from these cards: their parents, the parents' parents, and
    so on, in one recursive statement.  UNION (not UNION ALL) ends the walk even on a cyclic graph."""
    if not card_ids:
        return []
    ids = sorted(set(card_ids))
    start = (
        select(card_connections.c.parent_card_id.label("id"))
        .where(card_connections.c.account_id == account_id, card_connections.c.child_card_id.in_(ids))
        .cte("ancestors", recursive=True)
    )
    ancestors = start.union(
        select(_up.c.parent_card_id).select_from(_up.join(start, _up.c.child_card_id == start.c.id))
    )
    rows = (
        await conn.execute(
            select(card_connections.c.parent_card_id, card_connections.c.child_card_id).where(
                card_connections.c.account_id == account_id,
                or_(
                    card_connections.c.child_card_id.in_(ids),
                    card_connections.c.child_card_id.in_(select(ancestors.c.id)),
                ),
            )
        )
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


async def insert_connections(
    conn: Connection, *, account_id: int, pairs: Sequence[tuple[int, int]], now: datetime
) -> None:
    if pairs:
        await conn.execute(
            insert(card_connections),
            [
                {"parent_card_id": p, "child_card_id": c, "account_id": account_id, "created_on": now}
                for p, c in pairs
            ],
        )


async def delete_connections(conn: Connection, *, account_id: int, pairs: Sequence[tuple[int, int]]) -> None:
    if pairs:
        await conn.execute(
            delete(card_connections).where(
                card_connections.c.account_id == account_id,
                or_(
                    *(
                        and_(card_connections.c.parent_card_id == p, card_connections.c.child_card_id == c)
                        for p, c in pairs
                    )
                ),
            )
        )


async def delete_for_cards(conn: Connection, *, card_ids: Sequence[int]) -> None:
    """Remove every connection of these cards, as parent and as child."""
    if card_ids:
        ids = list(card_ids)
        await conn.execute(
            delete(card_connections).where(
                or_(card_connections.c.parent_card_id.in_(ids), card_connections.c.child_card_id.in_(ids))
            )
        )


# --- reads -------------------------------------------------------------------------------------------------


async def list_cards(conn: Connection, *, account_id: int, card_ids: Sequence[int]) -> list[CardRecord]:
    """Live cards of the account by id, without locking them (the cards a new or patched card links to)."""
    if not card_ids:
        return []
    rows = (
        await conn.execute(
            select(cards).where(
                cards.c.account_id == account_id,
                cards.c.id.in_(sorted(set(card_ids))),
                cards.c.deleted_on.is_(None),
            )
        )
    ).all()
    return [CardRecord(**row_values(r, cards)) for r in rows]


async def list_parent_ids(conn: Connection, *, account_id: int, card_id: int) -> list[int]:
    """The ids every connection row names as this card's parents, live or not."""
    rows = (
        await conn.execute(
            select(card_connections.c.parent_card_id)
            .where(card_connections.c.account_id == account_id, card_connections.c.child_card_id == card_id)
            .order_by(card_connections.c.created_on, card_connections.c.parent_card_id)
        )
    ).all()
    return [int(r[0]) for r in rows]


async def list_parent_refs(conn: Connection, *, card_ids: Sequence[int]) -> dict[int, list[ParentCardRef]]:
    """The live parents of many cards in one statement, in the order they were connected."""
    if not card_ids:
        return {}
    rows = (
        await conn.execute(
            select(card_connections.c.child_card_id, cards.c.id, cards.c.board_id, cards.c.title)
            .select_from(
                card_connections.join(cards, cards.c.id == card_connections.c.parent_card_id).join(
                    boards, boards.c.id == cards.c.board_id
                )
            )
            .where(card_connections.c.child_card_id.in_(list(card_ids)), *_live_child())
            .order_by(card_connections.c.child_card_id, card_connections.c.created_on, cards.c.id)
        )
    ).all()
    found: dict[int, list[ParentCardRef]] = {}
    for r in rows:
        found.setdefault(int(r[0]), []).append(ParentCardRef(int(r[1]), int(r[2]), r[3]))
    return found


def _children_of() -> Any:
    return card_connections.join(cards, cards.c.id == card_connections.c.child_card_id).join(
        boards, boards.c.id == cards.c.board_id
    )


def _parents_of() -> Any:
    return card_connections.join(cards, cards.c.id == card_connections.c.parent_card_id).join(
        boards, boards.c.id == cards.c.board_id
    )


async def list_child_board_ids(conn: Connection, *, card_id: int) -> list[int]:
    """The boards the card's live children are on."""
    rows = (
        await conn.execute(
            select(cards.c.board_id)
            .distinct()
            .select_from(_children_of())
            .where(card_connections.c.parent_card_id == card_id, *_live_child())
        )
    ).all()
    return [int(r[0]) for r in rows]


async def list_parent_board_ids(conn: Connection, *, card_id: int) -> list[int]:
    """The boards the card's live parents are on."""
    rows = (
        await conn.execute(
            select(cards.c.board_id)
            .distinct()
            .select_from(_parents_of())
            .where(card_connections.c.child_card_id == card_id, *_live_child())
        )
    ).all()
    return [int(r[0]) for r in rows]


@dataclass(frozen=True, slots=True)
class CardPage:
    """One page of connected card ids, how many the filters match among readable boards, and how many they
    match on the others."""

    total: int
    redacted: int
    ids: list[int]


async def list_children_page(
    conn: Connection,
    *,
    card_id: int,
    readable_board_ids: Sequence[int],
    board_id: int | None,
    statuses: Sequence[str] | None,
    offset: int,
    limit: int,
) -> CardPage:
    """The card's live children on readable boards, in the order they were connected."""
    where: list[Any] = [card_connections.c.parent_card_id == card_id, *_live_child()]
    joined = _children_of()
    if board_id is not None:
        where.append(cards.c.board_id == board_id)
    if statuses is not None:
        joined = joined.join(lanes, lanes.c.id == cards.c.lane_id)
        where.append(lanes.c.card_status.in_(list(statuses)))
    return await _page(
        conn, joined=joined, where=where, readable=readable_board_ids, offset=offset, limit=limit
    )


async def list_parents_page(
    conn: Connection,
    *,
    card_id: int,
    readable_board_ids: Sequence[int],
    board_id: int | None,
    offset: int,
    limit: int,
) -> CardPage:
    """The card's live parents on readable boards, in the order they were connected."""
    where: list[Any] = [card_connections.c.child_card_id == card_id, *_live_child()]
    if board_id is not None:
        where.append(cards.c.board_id == board_id)
    return await _page(
        conn, joined=_parents_of(), where=where, readable=readable_board_ids, offset=offset, limit=limit
    )


async def _page(
    conn: Connection,
    *,
    joined: Any,
    where: list[Any],
    readable: Sequence[int],
    offset: int,
    limit: int,
) -> CardPage:
    shown = cards.c.board_id.in_(list(readable))
    counts = (
        await conn.execute(
            select(
                func.coalesce(func.sum(case((shown, 1), else_=0)), 0),
                func.coalesce(func.sum(case((shown, 0), else_=1)), 0),
            )
            .select_from(joined)
            .where(*where)
        )
    ).one()
    ids: list[int] = []
    if limit > 0 and int(counts[0]) > offset:
        rows = (
            await conn.execute(
                select(cards.c.id)
                .select_from(joined)
                .where(*where, shown)
                .order_by(card_connections.c.created_on, cards.c.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
        ids = [int(r[0]) for r in rows]
    return CardPage(int(counts[0]), int(counts[1]), ids)


@dataclass(frozen=True, slots=True)
class ConnectedBoard:
    id: int
    title: str
    is_archived: bool


async def list_boards(conn: Connection, *, board_ids: Sequence[int]) -> list[ConnectedBoard]:
    """These live boards, by title then id."""
    if not board_ids:
        return []
    rows = (
        await conn.execute(
            select(boards.c.id, boards.c.title, boards.c.is_archived)
            .where(boards.c.id.in_(list(board_ids)), boards.c.is_deleted == false())
            .order_by(boards.c.title, boards.c.id)
        )
    ).all()
    return [ConnectedBoard(int(r[0]), r[1], bool(r[2])) for r in rows]


async def list_child_ids_on_board(conn: Connection, *, card_id: int, board_id: int) -> list[int]:
    """The card's live children on one board."""
    rows = (
        await conn.execute(
            select(cards.c.id)
            .select_from(_children_of())
            .where(card_connections.c.parent_card_id == card_id, cards.c.board_id == board_id, *_live_child())
            .order_by(card_connections.c.created_on, cards.c.id)
        )
    ).all()
    return [int(r[0]) for r in rows]


# --- statistics --------------------------------------------------------------------------------------------


def _stats_columns(today: date) -> list[Any]:
    status = lanes.c.card_status
    finished = status == "finished"

    # A child of size 0 weighs 1, as in LeanKit's documented examples (decision 130).
    size = case((cards.c.size > 0, cards.c.size), else_=1)

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def size_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, size), else_=0)), 0)

    unfinished_due = and_(~finished, cards.c.planned_finish.is_not(None))
    return [
        count_if(status == "started"),
        size_if(status == "started"),
        count_if(status == "notStarted"),
        size_if(status == "notStarted"),
        count_if(finished),
        size_if(finished),
        count_if(cards.c.is_blocked == true()),
        func.count(),
        func.coalesce(func.sum(size), 0),
        func.min(cards.c.planned_start),
        func.max(cards.c.planned_finish),
        func.min(cards.c.actual_start),
        func.max(cards.c.actual_finish),
        # Past due: not finished and its planned finish is before today.
        count_if(and_(unfinished_due, cards.c.planned_finish < today)),
        # Projected late: not finished, not yet due, but planned to finish after the parent's planned finish.
        count_if(
            and_(
                unfinished_due,
                cards.c.planned_finish >= today,
                _parent_card.c.planned_finish.is_not(None),
                cards.c.planned_finish > _parent_card.c.planned_finish,
            )
        ),
    ]


def _stats(values: Sequence[Any]) -> ConnectedCardStats:
    """A roll-up from the columns of `_stats_columns`, in their order."""
    counts = [int(v) for v in values[:9]]
    return ConnectedCardStats(
        started_count=counts[0],
        started_size=counts[1],
        not_started_count=counts[2],
        not_started_size=counts[3],
        completed_count=counts[4],
        completed_size=counts[5],
        blocked_count=counts[6],
        total_count=counts[7],
        total_size=counts[8],
        planned_start=values[9],
        planned_finish=values[10],
        actual_start=values[11],
        actual_finish=values[12],
        past_due_count=int(values[13]),
        projected_late_count=int(values[14]),
    )


async def list_stats(
    conn: Connection, *, card_ids: Sequence[int], today: date, by_board: bool = False
) -> dict[tuple[int, int | None], ConnectedCardStats]:
    """The roll-up of each card's live children, in one statement: keyed (card id, None), or with
    `by_board` (card id, child board id)."""
    if not card_ids:
        return {}
    keys: list[Any] = [card_connections.c.parent_card_id]
    if by_board:
        keys.append(cards.c.board_id)
    rows = (
        await conn.execute(
            select(*keys, *_stats_columns(today))
            .select_from(
                _children_of()
                .join(lanes, lanes.c.id == cards.c.lane_id)
                .join(_parent_card, _parent_card.c.id == card_connections.c.parent_card_id)
            )
            .where(card_connections.c.parent_card_id.in_(list(card_ids)), *_live_child())
            .group_by(*keys)
            .order_by(*keys)
        )
    ).all()
    found: dict[tuple[int, int | None], ConnectedCardStats] = {}
    for r in rows:
        key = (int(r[0]), int(r[1]) if by_board else None)
        found[key] = _stats(r[len(keys) :])
    return found


async def list_linked_board_ids(conn: Connection, *, card_ids: Sequence[int]) -> set[int]:
    """The boards of every card connected to one of these, as parent or child, live or not (one statement;
    what a cached page of faces shows from other boards comes from these boards' cards)."""
    if not card_ids:
        return set()
    ids = list(card_ids)
    far = case(
        (card_connections.c.parent_card_id.in_(ids), card_connections.c.child_card_id),
        else_=card_connections.c.parent_card_id,
    )
    links = (
        select(far.label("card_id"))
        .where(or_(card_connections.c.parent_card_id.in_(ids), card_connections.c.child_card_id.in_(ids)))
        .subquery("links")
    )
    rows = (
        await conn.execute(
            select(cards.c.board_id).distinct().select_from(links.join(cards, cards.c.id == links.c.card_id))
        )
    ).all()
    return {int(r[0]) for r in rows}
