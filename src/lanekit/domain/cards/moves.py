"""`POST /io/card/move` (LeanKit API): reorder in a lane, move to a lane, or to another board's drop lane.

A move rewrites only the moved cards' rows (a new rank each, one executemany), so its cost does not depend
on the lane's size: for one card on one board it is at most nine statements (lock, access, lanes, bump,
WIP load when the lane is limited, neighbour ranks, update, events).

Every card move's rule is here: to a board lane, into a taskboard (a card becomes a task, a task changes
task lane), out of one (a task becomes a card), and the move a PATCH of `/laneId` or `/index` makes
(`lanes_for`, `moved_event`).  tasks.py holds the taskboard itself; placement.py the lane, rank and WIP
helpers every placement shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, access_for_card, accesses_for_cards, require
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
from lanekit.storage.executor import Connection
from lanekit.storage.queries import card_writes, placement_reads
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.queries import tasks as task_queries
from lanekit.storage.records import BoardRecord, CardRecord, LaneRecord


@dataclass(frozen=True, slots=True)
class MoveDestination:
    lane_id: int | None = None
    board_id: int | None = None
    index: int | None = None
    # Make the cards tasks of this card (`move_to_taskboard`).
    card_id: int | None = None


async def move_cards(
    conn: Connection,
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
        return await move_to_taskboard(
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
            lane = await placement_reads.fetch_lane(
                conn, account_id=actor.account_id, lane_id=destination.lane_id
            )
            if lane is None:
                raise Invalid("destination.laneId", f"lane {destination.lane_id} not found")
            if lane.task_card_id is not None:
                # A taskboard lane: tasks move within their taskboard, cards become tasks.
                return await move_into_task_lane(
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
    task_lanes = await task_lanes_of(conn, cards=cards)

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
            new_events += moved_to_board_events(
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
        await follow_owners(conn, owner_ids=off_board, board=dest_access.board)
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


# --- tasks and taskboards ------------------------------------------------------------------------------


async def lanes_for(conn: Connection, *, account_id: int, card: CardRecord) -> dict[int, LaneRecord]:
    """The lanes a card can move between: its board's lanes, or for a task its owner's task lanes."""
    if card.containing_card_id is None:
        return lanes_by_id(
            await lane_queries.list_for_board(conn, account_id=account_id, board_id=card.board_id)
        )
    return lanes_by_id(
        await task_queries.list_lanes(conn, account_id=account_id, card_id=card.containing_card_id)
    )


async def task_lanes_of(conn: Connection, *, cards: Sequence[CardRecord]) -> dict[int, LaneRecord]:
    """The task lanes the task cards among `cards` are in (no statement when none is a task)."""
    lane_ids = sorted({c.lane_id for c in cards if c.containing_card_id is not None})
    return await task_queries.list_lanes_by_id(conn, lane_ids=lane_ids)


async def moved_event(
    conn: Connection, *, card: CardRecord, from_lane: LaneRecord, to_lane: LaneRecord
) -> events.NewEvent:
    """`cardMoved`, or for a task `taskCardMoved` (which names the owner)."""
    if card.containing_card_id is not None:
        owner = await card_queries.fetch(conn, account_id=card.account_id, card_id=card.containing_card_id)
        if owner is not None:
            return events.task_card_moved(card, from_lane, to_lane, owner)
    return events.card_moved(card, from_lane, to_lane)


def moved_to_board_events(
    card: CardRecord,
    from_board: BoardRecord,
    to_board: BoardRecord,
    from_lane: LaneRecord,
    to_lane: LaneRecord,
) -> list[events.NewEvent]:
    """A task became a card of `to_lane`: `taskCardMovedToBoard` on each board involved."""
    return [
        events.task_card_moved_to_board(
            card,
            from_lane=from_lane,
            from_board=(from_board.id, from_board.title),
            to_board=(to_board.id, to_board.title),
            to_lane=to_lane,
            board_id=board_id,
        )
        for board_id in dict.fromkeys((from_board.id, to_board.id))
    ]


async def follow_owners(conn: Connection, *, owner_ids: Sequence[int], board: BoardRecord) -> None:
    """Cards moved to `board` take their taskboards and tasks along (tasks get the board's default task
    type, lose their custom icon and custom field values, as a card moved across boards does)."""
    task_type = board.default_task_type_id or board.default_card_type_id
    moved = await task_queries.move_taskboards(
        conn, owner_ids=owner_ids, board_id=board.id, type_id=task_type
    )
    if moved:
        await card_writes.move_tags_to_board(conn, card_ids=moved, board_id=board.id)
        await card_writes.clear_field_values(conn, card_ids=moved)


async def move_into_task_lane(
    conn: Connection,
    *,
    actor: Actor,
    cards: list[CardRecord],
    accesses: dict[int, BoardAccess],
    lane: LaneRecord,
    board_lanes: dict[int, dict[int, LaneRecord]],
    index: int | None,
    comment: str | None,
) -> dict[int, int]:
    """`destination.laneId` is a task lane: tasks move within their taskboard, cards become its tasks."""
    assert lane.task_card_id is not None
    owner = await card_queries.fetch(conn, account_id=actor.account_id, card_id=lane.task_card_id)
    access = accesses.get(lane.board_id)
    if owner is None or access is None:
        raise Invalid("destination.laneId", f"lane {lane.id} is not a lane of the cards' boards")
    lanes = await task_queries.list_lanes(conn, account_id=actor.account_id, card_id=owner.id)
    return await _into_taskboard(
        conn,
        actor=actor,
        cards=cards,
        owner=owner,
        access=access,
        lanes=lanes,
        lane=lane,
        board_lanes=board_lanes.get(owner.board_id, {}),
        index=index,
        comment=comment,
        field="destination.laneId",
    )


async def move_to_taskboard(
    conn: Connection,
    *,
    actor: Actor,
    card_ids: list[int],
    owner_id: int,
    index: int | None,
    comment: str | None,
) -> dict[int, int]:
    """`destination.cardId`: the cards become tasks in the card's ToDo lane (tasks of it are moved there)."""
    if owner_id in card_ids:
        raise Invalid("destination.cardId", "a card cannot become a task of itself")
    locked = await lock_cards(conn, actor=actor, card_ids=[*card_ids, owner_id])
    cards, owner = locked[:-1], locked[-1]
    accesses = await accesses_for_cards(conn, actor=actor, cards=locked, action="card.move")
    if owner.containing_card_id is not None:
        raise Invalid("destination.cardId", f"card {owner.id} is a task; a task cannot have tasks")
    lanes = await tasks.ensure_lanes(conn, owner=owner, now=clock.now())
    todo = tasks.pick_lane(
        lanes, lane_id=None, lane_title=None, lane_type=None, lane_field="", title_field="destination.cardId"
    )
    board_lanes = lanes_by_id(
        await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=owner.board_id)
    )
    return await _into_taskboard(
        conn,
        actor=actor,
        cards=cards,
        owner=owner,
        access=accesses[owner.board_id],
        lanes=lanes,
        lane=todo,
        board_lanes=board_lanes,
        index=index,
        comment=comment,
        field="destination.cardId",
    )


async def _into_taskboard(
    conn: Connection,
    *,
    actor: Actor,
    cards: list[CardRecord],
    owner: CardRecord,
    access: BoardAccess,
    lanes: list[LaneRecord],
    lane: LaneRecord,
    board_lanes: dict[int, LaneRecord],
    index: int | None,
    comment: str | None,
    field: str,
) -> dict[int, int]:
    if owner.containing_card_id is not None:
        raise Invalid(field, f"card {owner.id} is a task; a task cannot have tasks")
    for card in cards:
        if card.id == owner.id:
            raise Invalid(field, "a card cannot become a task of itself")
        if card.containing_card_id not in (None, owner.id):
            raise Invalid(
                field,
                f"card {card.id} is a task of card {card.containing_card_id}; "
                "a task moves only between its own card's task lanes",
            )
        if card.board_id != owner.board_id:
            raise Invalid(field, f"card {card.id} is not on the board of card {owner.id}")
    owning = await task_queries.has_tasks(
        conn, card_ids=[c.id for c in cards if c.containing_card_id is None]
    )
    if owning:
        raise Invalid(field, f"card {min(owning)} has tasks of its own; a task cannot have tasks")
    versions = await bump_boards(conn, board_ids=[owner.board_id])
    now = clock.now()
    by_id = lanes_by_id(lanes)
    breaches, recorded = await check_lane_wip(
        conn,
        board=access.board,
        lanes=by_id,
        target_lane_id=lane.id,
        incoming=[wip.Incoming(c.lane_id, c.size) for c in cards],
        comment=comment,
        field=field,
    )
    ranks = await ranks_at(
        conn, lane_id=lane.id, index=index, exclude=[c.id for c in cards], count=len(cards)
    )
    rows: list[dict[str, Any]] = []
    new_events: list[events.NewEvent] = []
    for card, rank in zip(cards, ranks, strict=True):
        rows.append(
            {
                "card_id": card.id,
                "rank": rank,
                "containing_card_id": owner.id,
                "updated_on": now,
                "updated_by": actor.user_id,
                **full_lane_entry(card, lane, now=now, user_id=actor.user_id),
            }
        )
        if card.containing_card_id is None:
            new_events.append(events.card_moved_to_task_board(card, board_lanes[card.lane_id], lane, owner))
        else:
            new_events.append(events.task_card_moved(card, by_id[card.lane_id], lane, owner))
        if recorded is not None:
            new_events += [
                events.lane_wip_exceeded(card, b.lane_id, b.lane_title, recorded) for b in breaches
            ]
    await card_writes.update_many(conn, rows=rows)
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)
    return versions
