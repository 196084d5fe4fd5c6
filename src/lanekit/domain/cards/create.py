"""`POST /io/card` (and a task, `POST /io/card/:cardId/tasks`): a new card and the checks of its body.

Reading one card is in read.py, deleting in delete.py, assigning in assignees.py, PATCH in patch.py, moves
in moves.py, lists and faces in lists.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lanekit.domain import clock, events, html
from lanekit.domain.access import (
    board_access,
    require,
)
from lanekit.domain.cards import assignees, connections, dependencies, mirrors, tasks, values, wip
from lanekit.domain.cards.assignees import wip_comment
from lanekit.domain.cards.placement import (
    check_lane_wip,
    default_drop_lane,
    lanes_by_id,
    ranks_at,
    target_lane,
)
from lanekit.domain.cards.rows import new_card_row
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.queries import card_writes, placement_reads
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import (
    CardRecord,
    CustomFieldRecord,
)


@dataclass(frozen=True, slots=True)
class NewCard:
    """A create body after syntax checks; values are checked here, naming the body field at fault."""

    title: Any
    board_id: int | None = None
    lane_id: int | None = None
    index: Any = None
    parent_card_id: int | None = None
    type_id: Any = None
    assigned_user_ids: Any = None
    description: Any = None
    size: Any = None
    block_reason: Any = None
    priority: Any = None
    custom_icon_id: Any = None
    custom_id: Any = None
    external_link: Any = None
    planned_start: Any = None
    planned_finish: Any = None
    tags: Any = None
    wip_override_comment: Any = None
    custom_fields: Any = None
    # Issue 6: the task lane (`destination.laneTitle` todo/doing/done, or the deprecated `laneType`),
    # connections `{parents, children}`, inline dependencies, mirroring and copying
    # (LeanKit API: `POST /io/card`).
    lane_title: Any = None
    lane_type: Any = None
    connections: Any = None
    dependencies: Any = None
    mirror_source_card_id: Any = None
    copied_from_card_id: Any = None
    index_field: str = "destination.index"
    lane_field: str = "destination.laneId"
    board_field: str = "destination.boardId"
    parent_field: str = "destination.cardId"
    lane_title_field: str = "destination.laneTitle"
    extra: dict[str, Any] = field(default_factory=dict)


def check_custom_fields(defs: dict[int, CustomFieldRecord], value: Any, field_name: str) -> dict[int, Any]:
    """`[{fieldId, value}]` → {field id: stored value or None}."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise Invalid(field_name, "must be an array of {fieldId, value}")
    found: dict[int, Any] = {}
    for i, item in enumerate(value):
        where = f"{field_name}/{i}"
        if not isinstance(item, dict):
            raise Invalid(where, "must be an object {fieldId, value}")
        field_id = values.check_id(item.get("fieldId"), f"{where}/fieldId")
        definition = defs.get(field_id)
        if definition is None:
            raise Invalid(f"{where}/fieldId", f"custom field {field_id} is not a field of this board")
        found[field_id] = values.check_field_value(definition, item.get("value"), f"{where}/value")
    return found


async def create_card(conn: Connection, *, actor: Actor, new: NewCard) -> CardRecord:
    # A task (`destination.cardId`) goes to a lane of its owner's taskboard, on the owner's board.
    owner: CardRecord | None = None
    if new.parent_card_id is not None:
        if new.copied_from_card_id is not None:
            raise Invalid("copiedFromCardId", "a task cannot have a taskboard of its own")
        owner, _ = await tasks.lock_owner(
            conn, actor=actor, card_id=new.parent_card_id, action="card.create", field=new.parent_field
        )
    title = values.check_title(new.title, "title")
    board_id = new.board_id if owner is None else owner.board_id
    if new.lane_id is not None and owner is None:
        lane_row = await placement_reads.fetch_lane(conn, account_id=actor.account_id, lane_id=new.lane_id)
        if lane_row is None:
            raise Invalid(new.lane_field, f"lane {new.lane_id} not found")
        if board_id is not None and lane_row.board_id != board_id:
            raise Invalid(new.lane_field, f"lane {new.lane_id} is not on board {board_id}")
        board_id = lane_row.board_id
    if board_id is None:
        raise Invalid("destination", "must give a boardId or a laneId")
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "card.create")
    board = access.board
    # First write: takes the board lock, so the WIP loads and ranks read below are current.
    versions = await bump_boards(conn, board_ids=[board.id])
    index = None if new.index is None else values.check_index(new.index, new.index_field)
    size = values.check_size(new.size, "size")
    priority = "normal" if new.priority is None else values.check_priority(new.priority, "priority")
    tags = [] if new.tags is None else values.check_tags(new.tags, "tags")
    block_reason = values.check_text(new.block_reason, "blockReason")
    description = html.check_html(new.description, "description")
    custom_id = values.check_short_text(new.custom_id, "customId")
    links = values.check_external_link(new.external_link, "externalLink")
    planned_start = values.check_date(new.planned_start, "plannedStart")
    planned_finish = values.check_date(new.planned_finish, "plannedFinish")
    user_ids = (
        [] if new.assigned_user_ids is None else values.check_ids(new.assigned_user_ids, "assignedUserIds")
    )

    if owner is not None:
        task_lanes = await tasks.ensure_lanes(conn, owner=owner, now=clock.now())
        lanes = lanes_by_id(task_lanes)
        lane = tasks.pick_lane(
            task_lanes,
            lane_id=new.lane_id,
            lane_title=new.lane_title,
            lane_type=new.lane_type,
            lane_field=new.lane_field,
            title_field=new.lane_title_field,
        )
    else:
        lanes = lanes_by_id(
            await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        )
        if new.lane_id is not None:
            lane = target_lane(lanes, new.lane_id, field=new.lane_field)
        else:
            lane = default_drop_lane(lanes, field=new.board_field)
    types = {
        t.id: t
        for t in await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
    }
    check = values.check_type if owner is None else tasks.check_task_type
    type_id = check(types, board, new.type_id, "typeId")
    icon_id = None
    if new.custom_icon_id is not None:
        icon_id = values.check_id(new.custom_icon_id, "customIconId")
        icons = await icon_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        if icon_id not in {i.id for i in icons}:
            raise Invalid("customIconId", f"custom icon {icon_id} is not an icon of this board")
    field_values: dict[int, Any] = {}
    if new.custom_fields:
        defs = {
            f.id: f
            for f in await field_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        }
        field_values = check_custom_fields(defs, new.custom_fields, "customFields")
    users = await assignees.assignable_users(
        conn, actor=actor, board=board, lanes=lanes, user_ids=user_ids, field_name="assignedUserIds"
    )
    # Task cards count toward their task lanes' WIP only, not their assignees'.
    user_breaches, user_comment = assignees.user_wip(
        users, {u: 1 if owner is None else 0 for u in user_ids}, new.wip_override_comment, "assignedUserIds"
    )
    lane_breaches, lane_comment = await check_lane_wip(
        conn,
        board=board,
        lanes=lanes,
        target_lane_id=lane.id,
        incoming=[wip.Incoming(None, size)],
        comment=wip_comment(new.wip_override_comment),
        field=new.lane_field if new.lane_id is not None else new.board_field,
    )

    [rank_key] = await ranks_at(conn, lane_id=lane.id, index=index, exclude=[])
    now = clock.now()
    reason = block_reason if block_reason and block_reason.strip() else None
    row = new_card_row(
        account_id=actor.account_id,
        board_id=board.id,
        lane=lane,
        rank=rank_key,
        title=title,
        type_id=type_id,
        user_id=actor.user_id,
        now=now,
        description=description,
        custom_icon_id=icon_id,
        priority=priority,
        size=size,
        tags=tags,
        custom_id=custom_id,
        external_links=links,
        planned_start=planned_start,
        planned_finish=planned_finish,
        is_blocked=reason is not None,
        blocked_reason=reason,
        containing_card_id=None if owner is None else owner.id,
    )
    row.update(await mirrors.columns_for_new_card(conn, actor=actor, source_id=new.mirror_source_card_id))
    card = await card_writes.insert_card(conn, **row)
    await card_writes.insert_assignments(
        conn, account_id=actor.account_id, pairs=[(card.id, u) for u in user_ids], now=now
    )
    await card_writes.insert_tags(conn, board_id=board.id, card_id=card.id, tags=tags)
    await card_writes.replace_field_values(conn, card_id=card.id, values=field_values)

    new_events = [
        events.card_created(card, lane) if owner is None else events.task_card_created(card, lane, owner)
    ]
    if new.copied_from_card_id is not None:
        new_events += await tasks.copy_taskboard(
            conn, actor=actor, source_id=new.copied_from_card_id, card=card, board=board, now=now
        )
    if card.is_blocked:
        new_events.append(events.card_blocked(card, card.blocked_reason))
    new_events += [events.user_assigned(card, users[u][0]) for u in user_ids]
    if lane_comment is not None:
        new_events += [
            events.lane_wip_exceeded(card, b.lane_id, b.lane_title, lane_comment) for b in lane_breaches
        ]
    if user_comment is not None:
        new_events += [
            events.user_wip_exceeded(card, users[b.user_id][0], user_comment) for b in user_breaches
        ]
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)
    await mirrors.record_new_mirror(conn, actor=actor, mirror=card, versions=versions, now=now)
    await dependencies.add_for_new_card(conn, actor=actor, card=card, entries=new.dependencies)
    await connections.connect_new_card(
        conn, actor=actor, card=card, connections=new.connections, versions=versions
    )
    return card
