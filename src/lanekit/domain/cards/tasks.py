"""Taskboards and task cards (LeanKit API: taskboards; docs/decisions/120).

A card's taskboard is three lanes (ToDo, Doing, Done) that sit on the card's board outside its layout; they
are created the first time something needs them.  Task cards are ordinary cards with `containing_card_id`
set, in one of their owner's task lanes, read and changed with the ordinary card endpoints; access to a task
is access to its owner's board.  A task cannot own tasks.  Task events (`taskCardCreated`, `taskCardMoved`,
`taskCardMovedToBoard`, `cardMovedToTaskBoard`) go to the owner's board in the same transaction.  Moving
cards into, within and out of a taskboard is a move: domain/cards/moves.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, access_for_card, readable_card, require
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards import values
from lanekit.domain.cards.placement import (
    lanes_by_id,
    lock_cards,
)
from lanekit.domain.cards.rows import new_card_row
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_copy as copy_queries
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.queries import card_writes
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.queries import tasks as task_queries
from lanekit.storage.queries.lanes import LaneCounts
from lanekit.storage.records import BoardRecord, CardReadRecord, CardRecord, CardTypeRecord, LaneRecord


@dataclass(frozen=True, slots=True)
class TaskLaneSpec:
    title: str
    lane_type: str
    card_status: str
    columns: int


# The default taskboard (LeanKit API: taskboards, with the documented example's column counts).
DEFAULT_LANES = (
    TaskLaneSpec("ToDo", "ready", "notStarted", 2),
    TaskLaneSpec("Doing", "inProcess", "started", 1),
    TaskLaneSpec("Done", "completed", "finished", 2),
)
# `destination.laneTitle` and the deprecated `laneType` name a task lane by its lane type.
LANE_TITLES = {"todo": "ready", "doing": "inProcess", "done": "completed"}
LANE_TYPES = {"ready": "ready", "inprocess": "inProcess", "completed": "completed"}


@dataclass(frozen=True, slots=True)
class TaskBoard:
    owner: CardRecord
    lanes: list[LaneRecord]
    counts: dict[int, LaneCounts]


# --- the taskboard ---------------------------------------------------------------------------------------


async def lock_owner(
    conn: Connection, *, actor: Actor, card_id: int, action: str, field: str
) -> tuple[CardRecord, BoardAccess]:
    """The card that gets tasks, row-locked, with the caller's access to its board.

    A missing, deleted or unreadable card is NotFound (a 404, as for any card); a task is Invalid.
    """
    [owner] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    access = await access_for_card(conn, actor=actor, card_id=owner.id, board_id=owner.board_id)
    require(access, action)
    if owner.containing_card_id is not None:
        raise Invalid(field, f"card {owner.id} is a task; a task cannot have tasks")
    return owner, access


def _lane_row(owner: CardRecord, position: int, now: datetime, **values: Any) -> dict[str, Any]:
    return {
        "account_id": owner.account_id,
        "board_id": owner.board_id,
        "parent_lane_id": None,
        "position": position,
        "description": None,
        "lane_class_type": "active",
        "orientation": "vertical",
        "wip_limit": 0,
        "is_default_drop_lane": False,
        "is_connection_done_lane": False,
        "sort_by": None,
        "created_on": now,
        "task_card_id": owner.id,
        **values,
    }


async def ensure_lanes(conn: Connection, *, owner: CardRecord, now: datetime) -> list[LaneRecord]:
    """The owner's taskboard lanes, creating the default three first if it has none (the caller holds the
    owner's row lock, so two writers never both create them)."""
    found = await task_queries.list_lanes(conn, account_id=owner.account_id, card_id=owner.id)
    if found:
        return found
    rows = [
        _lane_row(
            owner, n, now, title=s.title, lane_type=s.lane_type, card_status=s.card_status, columns=s.columns
        )
        for n, s in enumerate(DEFAULT_LANES)
    ]
    return await task_queries.insert_lanes(conn, rows=rows)


async def read_taskboard(conn: Connection, *, actor: Actor, card_id: int) -> TaskBoard | None:
    """`GET /io/card/:cardId/taskboard` as a read; None when the lanes must be created first
    (`open_taskboard`).  A task has no taskboard: its lanes are empty."""
    owner, _ = await readable_card(conn, actor=actor, card_id=card_id)
    lanes = await task_queries.list_lanes(conn, account_id=actor.account_id, card_id=owner.id)
    if not lanes and owner.containing_card_id is None:
        return None
    counts = await lane_queries.card_counts(conn, lane_ids=[x.id for x in lanes], unsized_weight=1)
    return TaskBoard(owner, lanes, counts)


async def open_taskboard(conn: Connection, *, actor: Actor, card_id: int) -> TaskBoard:
    """Create a card's default taskboard lanes (a write; any reader of the card may cause it) and read it."""
    [owner] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    access = await access_for_card(conn, actor=actor, card_id=owner.id, board_id=owner.board_id)
    require(access, "card.read")
    if owner.containing_card_id is not None:
        return TaskBoard(owner, [], {})
    lanes = await ensure_lanes(conn, owner=owner, now=clock.now())
    counts = await lane_queries.card_counts(conn, lane_ids=[x.id for x in lanes], unsized_weight=1)
    return TaskBoard(owner, lanes, counts)


def pick_lane(
    lanes: Sequence[LaneRecord],
    *,
    lane_id: int | None,
    lane_title: Any,
    lane_type: Any,
    lane_field: str,
    title_field: str,
) -> LaneRecord:
    """The task lane a new task goes to: a named lane id, else `laneTitle` (todo|doing|done), else the
    deprecated `laneType` (ready|inProcess|completed), else ToDo.  Both names are case-insensitive."""
    if lane_id is not None:
        for lane in lanes:
            if lane.id == lane_id:
                return lane
        raise Invalid(lane_field, f"lane {lane_id} is not a lane of this card's taskboard")
    wanted = "ready"
    if lane_title is not None:
        key = lane_title.strip().lower() if isinstance(lane_title, str) else None
        if key not in LANE_TITLES:
            raise Invalid(title_field, "must be todo, doing or done")
        wanted = LANE_TITLES[key]
    elif lane_type is not None:
        key = lane_type.strip().lower() if isinstance(lane_type, str) else None
        if key not in LANE_TYPES:
            raise Invalid("laneType", "must be ready, inProcess or completed")
        wanted = LANE_TYPES[key]
    for lane in lanes:
        if lane.lane_type == wanted:
            return lane
    return lanes[0]


def check_task_type(types: dict[int, CardTypeRecord], board: BoardRecord, value: Any, field: str) -> int:
    """A task's type: the one given (any type of the board), else the board's default task type, else its
    first task type, else the card default."""
    if value is not None:
        return values.check_type(types, board, value, field)
    if board.default_task_type_id is not None and board.default_task_type_id in types:
        return board.default_task_type_id
    for type_id, card_type in types.items():
        if card_type.is_task_type:
            return type_id
    return values.check_type(types, board, None, field)


# --- reads -----------------------------------------------------------------------------------------------


async def list_tasks(
    conn: Connection, *, actor: Actor, card_id: int, offset: int, limit: int
) -> tuple[int, list[CardReadRecord]]:
    owner, _ = await readable_card(conn, actor=actor, card_id=card_id)
    return await card_queries.list_tasks_read(
        conn, account_id=actor.account_id, owner_id=owner.id, offset=offset, limit=limit
    )


async def get_task(conn: Connection, *, actor: Actor, card_id: int, task_id: int) -> CardReadRecord:
    """The full card of one of the card's tasks; a card that is not its task is not found."""
    read = await card_read.get_card(conn, actor=actor, card_id=task_id)
    if read.card.containing_card_id != card_id:
        raise NotFound("task", task_id)
    return read


# --- copying --------------------------------------------------------------------------------------------


async def copy_taskboard(
    conn: Connection,
    *,
    actor: Actor,
    source_id: Any,
    card: CardRecord,
    board: BoardRecord,
    now: datetime,
) -> list[events.NewEvent]:
    """Give the new `card` a copy of the source card's taskboard lanes and live task cards (their fields,
    tags, assignees and, on the same board, custom field values; not their history).  The source must be
    readable.  Returns the `taskCardCreated` events of the copies."""
    source_card_id = values.check_id(source_id, "copiedFromCardId")
    source, _ = await readable_card(conn, actor=actor, card_id=source_card_id)
    source_lanes = await task_queries.list_lanes(conn, account_id=actor.account_id, card_id=source.id)
    if not source_lanes:
        return []
    copied_lanes = await task_queries.insert_lanes(
        conn,
        rows=[
            _lane_row(
                card,
                lane.position,
                now,
                title=lane.title,
                description=lane.description,
                lane_class_type=lane.lane_class_type,
                lane_type=lane.lane_type,
                card_status=lane.card_status,
                orientation=lane.orientation,
                columns=lane.columns,
                wip_limit=lane.wip_limit,
            )
            for lane in source_lanes
        ],
    )
    lane_map = {old.id: new for old, new in zip(source_lanes, copied_lanes, strict=True)}
    originals = [
        t
        for t in await task_queries.list_live_tasks(conn, account_id=actor.account_id, owner_id=source.id)
        if t.lane_id in lane_map
    ]
    if not originals:
        return []
    same_board = source.board_id == card.board_id
    task_type = None
    if not same_board:
        types = {
            t.id: t
            for t in await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        }
        task_type = check_task_type(types, board, None, "copiedFromCardId")
    rows = []
    for task in originals:
        lane = lane_map[task.lane_id]
        row = new_card_row(
            account_id=actor.account_id,
            board_id=card.board_id,
            lane=lane,
            rank=task.rank,
            title=task.title,
            type_id=task.type_id if task_type is None else task_type,
            user_id=actor.user_id,
            now=now,
            description=task.description,
            custom_icon_id=task.custom_icon_id if same_board else None,
            priority=task.priority,
            size=task.size,
            tags=task.tags,
            custom_id=task.custom_id,
            external_links=task.external_links,
            planned_start=task.planned_start,
            planned_finish=task.planned_finish,
            is_blocked=task.is_blocked,
            blocked_reason=task.blocked_reason,
            containing_card_id=card.id,
        )
        rows.append(row)
    new_ids = await copy_queries.insert_cards(conn, rows=rows)
    copies = [CardRecord(id=i, **row) for i, row in zip(new_ids, rows, strict=True)]
    new_of = {old.id: new.id for old, new in zip(originals, copies, strict=True)}
    await copy_queries.insert_tags(
        conn,
        rows=[
            {"card_id": c.id, "tag": tag, "board_id": c.board_id}
            for c in copies
            for tag in dict.fromkeys(c.tags)
        ],
    )
    held = await card_queries.list_assignees(conn, card_ids=list(new_of))
    await card_writes.insert_assignments(
        conn,
        account_id=actor.account_id,
        pairs=[(new_of[old], u.id) for old, refs in held.items() for u in refs],
        now=now,
    )
    if same_board:
        field_values = await copy_queries.list_field_values(conn, card_ids=list(new_of))
        await copy_queries.insert_field_values(
            conn,
            rows=[
                {"card_id": new_of[old], "field_id": field_id, "value": value}
                for old, by_field in field_values.items()
                for field_id, value in by_field.items()
            ],
        )
    lane_of = lanes_by_id(copied_lanes)
    return [events.task_card_created(c, lane_of[c.lane_id], card) for c in copies]
