"""v1 taskboard calls (`v1/Board/{b}/Card/{c}/…`): the taskboard, its updates since a board version, and
task add, update, move and delete, over the task functions of /io/card/:cardId/tasks and the card functions
a task shares with any card (`domain/cards/tasks.py`, `create.py`, `patch.py`, `delete.py`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lanekit.domain.boards import activity
from lanekit.domain.cards import create, delete, tasks
from lanekit.domain.cards import patch as card_patch
from lanekit.domain.cards import read as card_read
from lanekit.domain.inputs import INT32_MAX
from lanekit.legacy.card_input import (
    board_version,
    card_changes,
    card_on_board,
    comment_of,
    lane_of,
    new_card,
    position_of,
)
from lanekit.legacy.envelope import Reply, ReplyCode
from lanekit.legacy.parsing import object_body, path_id
from lanekit.legacy.routing import Call, call
from lanekit.shapes import legacy as shapes
from lanekit.shapes import legacy_boards as board_shapes
from lanekit.shapes import legacy_events as event_shapes
from lanekit.storage.executor import Connection
from lanekit.storage.records import CardReadRecord


def _ids(c: Call) -> tuple[int, int]:
    return path_id(c.request, "boardId", "board"), path_id(c.request, "cardId", "card")


async def _task_lanes(
    conn: Connection, c: Call, *, card_id: int
) -> tuple[tasks.TaskBoard, dict[int, list[dict[str, Any]]]]:
    """The card's taskboard (its default lanes made on first use, as GET /io/card/:cardId/taskboard does)
    and its tasks, shaped, by lane."""
    board = await tasks.read_taskboard(conn, actor=c.actor, card_id=card_id)
    if board is None:
        board = await tasks.open_taskboard(conn, actor=c.actor, card_id=card_id)
    _, reads = await tasks.list_tasks(conn, actor=c.actor, card_id=card_id, offset=0, limit=INT32_MAX)
    by_lane: dict[int, list[dict[str, Any]]] = {}
    for read in reads:
        by_lane.setdefault(read.card.lane_id, []).append(
            shapes.card_view(read, dates=c.dates, base_url=c.base_url, in_lane=True)
        )
    return board, by_lane


@call("GET", "/v1/board/{boardId:int}/card/{cardId:int}/taskboard")
async def get_taskboard(c: Call) -> Reply:
    board_id, card_id = _ids(c)
    # A write: the first read of a card's taskboard creates its lanes.
    async with c.db.begin() as conn:
        owner = await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        taskboard, by_lane = await _task_lanes(conn, c, card_id=card_id)
    return Reply(
        board_shapes.taskboard(owner, taskboard.lanes, by_lane),
        ReplyCode.DATA_RETRIEVAL_SUCCESS,
        "Taskboard retrieved.",
    )


@call("GET", "/v1/board/{boardId:int}/card/{cardId:int}/tasks/boardversion/{version:int}")
async def get_taskboard_updates(c: Call) -> Reply:
    """BoardUpdates of the card's taskboard: the board's events after the version that concern its tasks."""
    board_id, card_id = _ids(c)
    since = min(int(c.request.path_params["version"]), 2**63 - 1)
    async with c.db.begin() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        history = await activity.board_history_since(conn, actor=c.actor, board_id=board_id, since=since)
        taskboard, by_lane = await _task_lanes(conn, c, card_id=card_id)
    task_lane_ids = {lane.id for lane in taskboard.lanes}
    task_ids = {card["Id"] for cards in by_lane.values() for card in cards}
    mine = [record for record in history.events if event_shapes.task_event_of(record, card_id, task_ids)]
    affected = set(event_shapes.affected_lane_ids(mine, include_task_lanes=True)) & task_lane_ids
    tree = board_shapes.LaneTree(taskboard.lanes)
    payload = {
        "HasUpdates": bool(mine),
        "CurrentBoardVersion": history.version,
        "AffectedLanes": [
            board_shapes.lane(lane, tree, by_lane.get(lane.id, []))
            for lane in tree.ordered
            if lane.id in affected
        ],
        "Events": [event_shapes.board_event(record, dates=c.dates) for record in mine],
        "NewPayload": None,
    }
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Taskboard updates successfully retrieved.")


@call("POST", "/v1/board/{boardId:int}/card/{cardId:int}/tasks/lane/{laneId:int}/position/{position:int}")
async def add_task(c: Call) -> Reply:
    board_id, card_id = _ids(c)
    fields = await object_body(c.request)
    new = new_card(
        fields,
        c,
        board_id=board_id,
        lane_id=lane_of(c),
        index=position_of(c),
        comment=comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment"),
    )
    async with c.db.begin() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        task = await create.create_card(conn, actor=c.actor, new=_as_task(new, card_id))
        read = await card_read.get_card(conn, actor=c.actor, card_id=task.id)
        taskboard, by_lane = await _task_lanes(conn, c, card_id=card_id)
    tree = board_shapes.LaneTree(taskboard.lanes)
    payload = {
        "BoardVersion": read.board.version,
        "Lane": board_shapes.lane(tree.by_id[read.card.lane_id], tree, by_lane.get(read.card.lane_id, [])),
        "CardId": task.id,
    }
    return Reply(payload, ReplyCode.DATA_INSERT_SUCCESS, "The Task was successfully added.")


def _as_task(new: create.NewCard, card_id: int) -> create.NewCard:
    return replace(new, board_id=None, parent_card_id=card_id, parent_field="CardId")


async def _task(conn: Connection, c: Call) -> CardReadRecord:
    board_id, card_id = _ids(c)
    await card_on_board(conn, c, board_id=board_id, card_id=card_id)
    return await tasks.get_task(
        conn, actor=c.actor, card_id=card_id, task_id=path_id(c.request, "taskId", "task")
    )


@call("POST", "/v1/board/{boardId:int}/update/card/{cardId:int}/tasks/{taskId:int}")
async def update_task(c: Call) -> Reply:
    fields = await object_body(c.request)
    comment = comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment")
    async with c.db.begin() as conn:
        task = await _task(conn, c)
        await card_patch.update_card(
            conn, actor=c.actor, card_id=task.card.id, changes=card_changes(fields, c, comment=comment)
        )
        read = await card_read.get_card(conn, actor=c.actor, card_id=task.card.id)
    payload = {
        "BoardVersion": read.board.version,
        "CardDTO": shapes.card_view(read, dates=c.dates, base_url=c.base_url, in_lane=False),
    }
    return Reply(payload, ReplyCode.DATA_UPDATE_SUCCESS, "The Task was successfully updated.")


@call(
    "POST",
    "/v1/board/{boardId:int}/move/card/{cardId:int}/tasks/{taskId:int}/lane/{laneId:int}/position/{position:int}",
)
async def move_task(c: Call) -> Reply:
    """Between the owner's task lanes, as a PATCH of a task's laneId moves it."""
    fields = await object_body(c.request)
    lane_id = lane_of(c)
    async with c.db.begin() as conn:
        task = await _task(conn, c)
        changes = card_patch.CardChanges(
            lane_id=task.card.lane_id if lane_id is None else lane_id,
            index=position_of(c),
            wip_override_comment=comment_of(fields.get("Comment"), "Comment"),
            where={"laneId": "LaneId", "index": "Position"},
        )
        await card_patch.update_card(conn, actor=c.actor, card_id=task.card.id, changes=changes)
        read = await card_read.get_card(conn, actor=c.actor, card_id=task.card.id)
    return Reply(
        {"BoardVersion": read.board.version},
        ReplyCode.DATA_UPDATE_SUCCESS,
        "The Task was moved successfully.",
    )


@call("POST", "/v1/board/{boardId:int}/delete/card/{cardId:int}/tasks/{taskId:int}")
async def delete_task(c: Call) -> Reply:
    async with c.db.begin() as conn:
        task = await _task(conn, c)
        await delete.delete_cards(
            conn, actor=c.actor, card_ids=[task.card.id], blobs=c.request.app.state.blobs
        )
        version = await board_version(conn, c, task.card.board_id)
    return Reply(version, ReplyCode.DATA_DELETE_SUCCESS, "The Task was deleted successfully.")
