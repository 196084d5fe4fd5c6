"""Taskboard bodies (LeanKit API: taskboards): the lanes of `GET /io/card/:cardId/taskboard` and the
deprecated task create's `taskBoard`.  Task cards themselves use the card shapes of shapes/cards.py."""

from __future__ import annotations

from typing import Any

from lanekit.domain.cards.tasks import TaskBoard
from lanekit.shapes.common import ident, instant_ms
from lanekit.shapes.lanes import NO_CARDS
from lanekit.storage.queries.lanes import LaneCounts
from lanekit.storage.records import CardReadRecord, LaneRecord


def task_lane(lane: LaneRecord, counts: LaneCounts | None) -> dict[str, Any]:
    held = counts or NO_CARDS
    return {
        "id": ident(lane.id),
        "name": lane.title,
        "description": lane.description,
        "cardLimit": lane.wip_limit,
        "creationDate": instant_ms(lane.created_on),
        "index": lane.position,
        "boardId": ident(lane.board_id),
        "parentLaneId": ident(lane.parent_lane_id),
        "activityId": None,
        "orientation": lane.orientation,
        "columns": lane.columns,
        "cardCount": held.card_count,
        "cardSize": held.card_size,
        "laneClassType": lane.lane_class_type,
        "laneType": lane.lane_type,
        "cardStatus": lane.card_status,
        "wipLimit": lane.wip_limit,
        "isConnectionDoneLane": lane.is_connection_done_lane,
        "isDefaultDropLane": lane.is_default_drop_lane,
        "isCollapsed": False,
        "archiveCardCount": held.archive_card_count,
        "subscriptionId": None,
    }


def taskboard(board: TaskBoard) -> dict[str, Any]:
    return {"lanes": [task_lane(lane, board.counts.get(lane.id)) for lane in board.lanes]}


def task_board_of(read: CardReadRecord) -> dict[str, Any]:
    """The deprecated create's `taskBoard` (decision 120): the owner card's id and the board version."""
    return {"id": ident(read.card.containing_card_id), "version": str(read.board.version)}
