"""Taskboards and task cards (cards.md §3.16, §3.7, §4.5; decision 120).

A card's taskboard is three lanes (ToDo, Doing, Done) that sit on the card's board outside its layout; they
are created the first time something needs them.  Task cards are ordinary cards with `containing_card_id`
set, in one of their owner's task lanes, read and changed with the ordinary card endpoints; access to a task
is access to its owner's board.  A task cannot own tasks.  Task events (`taskCardCreated`, `taskCardMoved`,
`taskCardMovedToBoard`, `cardMovedToTaskBoard`) go to the owner's board in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, access_for_card, accesses_for_cards, require
from lanekit.domain.cards import create as card_domain
from lanekit.domain.cards import values, wip
from lanekit.domain.cards.placement import (
    check_lane_wip,
    full_lane_entry,
    lane_entry,
    lanes_by_id,
    lock_cards,
    ranks_at,
)
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
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


# The default taskboard (§3.16, with the documented example's column counts).
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


async def _readable_card(conn: AsyncConnection, *, actor: Actor, card_id: int) -> CardRecord:
    card = await card_queries.fetch(conn, account_id=actor.account_id, card_id=card_id)
    if card is None:
        raise NotFound("card", card_id)
    access = await access_for_card(conn, actor=actor, card_id=card_id, board_id=card.board_id)
    require(access, "card.read")
    return card


async def lock_owner(
    conn: AsyncConnection, *, actor: Actor, card_id: int, action: str, field: str
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


async def ensure_lanes(conn: AsyncConnection, *, owner: CardRecord, now: datetime) -> list[LaneRecord]:
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


async def read_taskboard(conn: AsyncConnection, *, actor: Actor, card_id: int) -> TaskBoard | None:
    """`GET /io/card/:cardId/taskboard` as a read; None when the lanes must be created first
    (`open_taskboard`).  A task has no taskboard: its lanes are empty."""
    owner = await _readable_card(conn, actor=actor, card_id=card_id)
    lanes = await task_queries.list_lanes(conn, account_id=actor.account_id, card_id=owner.id)
    if not lanes and owner.containing_card_id is None:
        return None
    counts = await lane_queries.card_counts(conn, lane_ids=[x.id for x in lanes], unsized_weight=1)
    return TaskBoard(owner, lanes, counts)


async def open_taskboard(conn: AsyncConnection, *, actor: Actor, card_id: int) -> TaskBoard:
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
        return card_domain.check_type(types, board, value, field)
    if board.default_task_type_id is not None and board.default_task_type_id in types:
        return board.default_task_type_id
    for type_id, card_type in types.items():
        if card_type.is_task_type:
            return type_id
    return card_domain.check_type(types, board, None, field)


# --- reads -----------------------------------------------------------------------------------------------


async def list_tasks(
    conn: AsyncConnection, *, actor: Actor, card_id: int, offset: int, limit: int
) -> tuple[int, list[CardReadRecord]]:
    owner = await _readable_card(conn, actor=actor, card_id=card_id)
    return await card_queries.list_tasks_read(
        conn, account_id=actor.account_id, owner_id=owner.id, offset=offset, limit=limit
    )


async def get_task(conn: AsyncConnection, *, actor: Actor, card_id: int, task_id: int) -> CardReadRecord:
    """The full card of one of the card's tasks; a card that is not its task is not found."""
    read = await card_domain.get_card(conn, actor=actor, card_id=task_id)
    if read.card.containing_card_id != card_id:
        raise NotFound("task", task_id)
    return read


# --- copying (§4.5) --------------------------------------------------------------------------------------


async def copy_taskboard(
    conn: AsyncConnection,
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
    source = await _readable_card(conn, actor=actor, card_id=source_card_id)
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
        row: dict[str, Any] = {
            "account_id": actor.account_id,
            "board_id": card.board_id,
            "lane_id": lane.id,
            "rank": task.rank,
            "title": task.title,
            "description": task.description,
            "type_id": task.type_id if same_board else task_type,
            "custom_icon_id": task.custom_icon_id if same_board else None,
            "priority": task.priority,
            "size": task.size,
            "tags": list(task.tags),
            "custom_id": task.custom_id,
            "external_links": list(task.external_links),
            "planned_start": task.planned_start,
            "planned_finish": task.planned_finish,
            "actual_start": None,
            "actual_finish": None,
            "is_blocked": task.is_blocked,
            "blocked_reason": task.blocked_reason,
            "blocked_on": now if task.is_blocked else None,
            "created_on": now,
            "created_by": actor.user_id,
            "updated_on": now,
            "updated_by": actor.user_id,
            "moved_on": None,
            "moved_by": None,
            "archived_on": None,
            "archived_by": None,
            "deleted_on": None,
            "version": 1,
            "containing_card_id": card.id,
            "mirror_source_card_id": None,
        }
        row.update(lane_entry(None, lane, now=now, user_id=actor.user_id))
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


# --- moves (§3.7) ----------------------------------------------------------------------------------------


async def lanes_for(conn: AsyncConnection, *, account_id: int, card: CardRecord) -> dict[int, LaneRecord]:
    """The lanes a card can move between: its board's lanes, or for a task its owner's task lanes."""
    if card.containing_card_id is None:
        return lanes_by_id(
            await lane_queries.list_for_board(conn, account_id=account_id, board_id=card.board_id)
        )
    return lanes_by_id(
        await task_queries.list_lanes(conn, account_id=account_id, card_id=card.containing_card_id)
    )


async def task_lanes_of(conn: AsyncConnection, *, cards: Sequence[CardRecord]) -> dict[int, LaneRecord]:
    """The task lanes the task cards among `cards` are in (no statement when none is a task)."""
    lane_ids = sorted({c.lane_id for c in cards if c.containing_card_id is not None})
    return await task_queries.list_lanes_by_id(conn, lane_ids=lane_ids)


async def moved_event(
    conn: AsyncConnection, *, card: CardRecord, from_lane: LaneRecord, to_lane: LaneRecord
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


async def follow_owners(conn: AsyncConnection, *, owner_ids: Sequence[int], board: BoardRecord) -> None:
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
    conn: AsyncConnection,
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
    conn: AsyncConnection,
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
    lanes = await ensure_lanes(conn, owner=owner, now=clock.now())
    todo = pick_lane(
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
    conn: AsyncConnection,
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
