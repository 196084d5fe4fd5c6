"""`POST /io/card/move` (cards.md §3.7): reorder in a lane, move to a lane, or to another board's drop lane.

A move rewrites only the moved cards' rows (a new rank each, one executemany), so its cost does not depend
on the lane's size: for one card on one board it is at most nine statements (lock, access, lanes, bump,
WIP load when the lane is limited, neighbour ranks, update, events).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.domain import clock, events
from lanekit.domain.access import access_for_card, accesses_for_cards, require
from lanekit.domain.cards import tasks, wip
from lanekit.domain.cards.placement import (
    check_lane_wip,
    default_drop_lane,
    full_lane_entry,
    lanes_by_id,
    lock_cards,
    ranks_at,
    target_lane,
)
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid
from lanekit.domain.types import Actor
from lanekit.storage.queries import card_writes
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import BoardRecord, CardRecord


@dataclass(frozen=True, slots=True)
class MoveDestination:
    lane_id: int | None = None
    board_id: int | None = None
    index: int | None = None
    # Make the cards tasks of this card (§3.7, domain/tasks.py).
    card_id: int | None = None


async def move_cards(
    conn: AsyncConnection,
    *,
    actor: Actor,
    card_ids: list[int],
    destination: MoveDestination,
    wip_override_comment: str | None,
) -> dict[int, int]:
    """Move the cards, in the order given, to one place; returns each touched board's new version."""
    if not card_ids:
        raise Invalid("cardIds", "must name at least one card")
    if destination.card_id is not None:
        return await tasks.move_to_taskboard(
            conn,
            actor=actor,
            card_ids=card_ids,
            owner_id=destination.card_id,
            index=destination.index,
            comment=wip_override_comment,
        )
    if destination.lane_id is None and destination.board_id is None:
        raise Invalid("destination", "must give a laneId, a boardId or a cardId")
    cards = await lock_cards(conn, actor=actor, card_ids=card_ids)
    accesses = await accesses_for_cards(conn, actor=actor, cards=cards, action="card.move")
    source_lanes = {
        b: lanes_by_id(await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=b))
        for b in accesses
    }

    # Find the destination board and its lanes.
    if destination.lane_id is not None:
        dest_board_id = next((b for b, lanes in source_lanes.items() if destination.lane_id in lanes), None)
        if dest_board_id is None:
            lane = await card_writes.fetch_lane(
                conn, account_id=actor.account_id, lane_id=destination.lane_id
            )
            if lane is None:
                raise Invalid("destination.laneId", f"lane {destination.lane_id} not found")
            if lane.task_card_id is not None:
                # A taskboard lane: tasks move within their taskboard, cards become tasks.
                return await tasks.move_into_task_lane(
                    conn,
                    actor=actor,
                    cards=cards,
                    accesses=accesses,
                    lane=lane,
                    board_lanes=source_lanes,
                    index=destination.index,
                    comment=wip_override_comment,
                )
            dest_board_id = lane.board_id
    else:
        assert destination.board_id is not None
        dest_board_id = destination.board_id
    if dest_board_id in accesses:
        dest_access = accesses[dest_board_id]
        dest_lanes = source_lanes[dest_board_id]
    else:
        dest_access = await access_for_card(conn, actor=actor, card_id=cards[0].id, board_id=dest_board_id)
        require(dest_access, "card.create")
        dest_lanes = lanes_by_id(
            await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=dest_board_id)
        )
    if destination.lane_id is not None:
        lane = target_lane(dest_lanes, destination.lane_id, field="destination.laneId")
    else:
        lane = default_drop_lane(dest_lanes, field="destination.boardId")
    cross_board = any(c.board_id != dest_board_id for c in cards)
    if cross_board and dest_access.board.default_card_type_id is None:
        raise Invalid("destination.boardId", "the destination board has no default card type")

    versions = await bump_boards(conn, board_ids=[*accesses, dest_board_id])
    now = clock.now()
    breaches, recorded = await check_lane_wip(
        conn,
        board=dest_access.board,
        lanes=dest_lanes,
        target_lane_id=lane.id,
        incoming=[wip.Incoming(c.lane_id if c.board_id == dest_board_id else None, c.size) for c in cards],
        comment=wip_override_comment,
        field="destination.laneId",
    )
    ranks = await ranks_at(conn, lane_id=lane.id, index=destination.index, exclude=card_ids, count=len(cards))
    # Tasks moved to a board lane become its cards (taskCardMovedToBoard).
    task_lanes = await tasks.task_lanes_of(conn, cards=cards)

    rows: list[dict[str, Any]] = []
    new_events: list[events.NewEvent] = []
    for card, rank in zip(cards, ranks, strict=True):
        row: dict[str, Any] = {
            "card_id": card.id,
            "rank": rank,
            "board_id": dest_board_id,
            "type_id": card.type_id,
            "custom_icon_id": card.custom_icon_id,
            "updated_on": now,
            "updated_by": actor.user_id,
            "containing_card_id": None,
            **full_lane_entry(card, lane, now=now, user_id=actor.user_id),
        }
        from_lane = source_lanes[card.board_id].get(card.lane_id) or task_lanes[card.lane_id]
        if card.board_id != dest_board_id:
            row.update(type_id=dest_access.board.default_card_type_id, custom_icon_id=None)
        if card.containing_card_id is not None:
            new_events += tasks.moved_to_board_events(
                card, accesses[card.board_id].board, dest_access.board, from_lane, lane
            )
        elif card.board_id != dest_board_id:
            new_events += _off_board_events(
                card, accesses[card.board_id].board, dest_access.board, from_lane, lane
            )
        else:
            new_events.append(events.card_moved(card, from_lane, lane))
        if recorded is not None:
            moved = _moved(card, dest_board_id)
            new_events += [
                events.lane_wip_exceeded(moved, b.lane_id, b.lane_title, recorded) for b in breaches
            ]
        rows.append(row)
    await card_writes.update_many(conn, rows=rows)
    off_board = [c.id for c in cards if c.board_id != dest_board_id]
    if off_board:
        await card_writes.move_tags_to_board(conn, card_ids=off_board, board_id=dest_board_id)
        await card_writes.clear_field_values(conn, card_ids=off_board)
        await tasks.follow_owners(conn, owner_ids=off_board, board=dest_access.board)
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)
    return versions


def _moved(card: CardRecord, board_id: int) -> CardRecord:
    return replace(card, board_id=board_id)


def _off_board_events(
    card: CardRecord, from_board: BoardRecord, to_board: BoardRecord, from_lane: Any, to_lane: Any
) -> list[events.NewEvent]:
    return [
        events.card_moved_off_board(
            card,
            from_lane=from_lane,
            from_board=(from_board.id, from_board.title),
            to_board=(to_board.id, to_board.title),
            to_lane=to_lane,
            board_id=board_id,
        )
        for board_id in (from_board.id, to_board.id)
    ]
