"""Lane bodies: the board GET's flat lane, the nested layout of the layout PUT, lane PATCH, counts, leaves."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.lanes import LeafLane
from lanekit.domain.boards.layout import tree_order
from lanekit.shapes.common import ident, instant
from lanekit.storage.queries.lanes import LaneCounts
from lanekit.storage.records import LaneRecord

# A lane no count row names holds no cards.
NO_CARDS = LaneCounts(card_count=0, card_size=0, archive_card_count=0)


def board_lane(lane: LaneRecord, counts: LaneCounts | None) -> dict[str, Any]:
    """One item of the board GET's flat `lanes` array."""
    held = counts or NO_CARDS
    return {
        "id": ident(lane.id),
        "name": lane.title,
        "description": lane.description,
        "cardStatus": lane.card_status,
        "active": True,
        "cardLimit": 0,
        "creationDate": instant(lane.created_on),
        "index": lane.position,
        "parentLaneId": ident(lane.parent_lane_id),
        "activityId": None,
        "orientation": lane.orientation,
        "isConnectionDoneLane": lane.is_connection_done_lane,
        "isDefaultDropLane": lane.is_default_drop_lane,
        "columns": lane.columns,
        "wipLimit": lane.wip_limit,
        "cardCount": held.card_count,
        "cardSize": held.card_size,
        "archiveCardCount": held.archive_card_count,
        "subscriptionId": None,
        "laneClassType": lane.lane_class_type,
        "laneType": lane.lane_type,
        "isCollapsed": False,
    }


def board_lanes(lanes: list[LaneRecord], counts: dict[int, LaneCounts]) -> list[dict[str, Any]]:
    """All lanes, flat, parents before their children."""
    return [board_lane(lane, counts.get(lane.id)) for lane in tree_order(lanes)]


def _layout_lane(lane: LaneRecord, children: dict[int | None, list[LaneRecord]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": ident(lane.id),
        "title": lane.title,
        "wipLimit": lane.wip_limit,
        "columns": lane.columns,
        "orientation": lane.orientation,
        "index": lane.position,
        "type": lane.lane_type,
        "classType": lane.lane_class_type,
        "cardStatus": lane.card_status,
        "description": lane.description,
        "isConnectionDoneLane": lane.is_connection_done_lane,
        "isDefaultDropLane": lane.is_default_drop_lane,
    }
    kids = children.get(lane.id, [])
    if kids:
        body["children"] = [_layout_lane(kid, children) for kid in kids]
    return body


def layout(lanes: list[LaneRecord], checksum: str) -> dict[str, Any]:
    """The layout PUT reply: the nested tree (`children` left out of leaves) and the new checksum."""
    children: dict[int | None, list[LaneRecord]] = {}
    for lane in tree_order(lanes):
        children.setdefault(lane.parent_lane_id, []).append(lane)
    return {
        "lanes": [_layout_lane(lane, children) for lane in children.get(None, [])],
        "layoutChecksum": checksum,
    }


def lane_patched(lane: LaneRecord) -> dict[str, Any]:
    return {
        "id": ident(lane.id),
        "boardId": ident(lane.board_id),
        "title": lane.title,
        "type": lane.lane_type,
        "cardStatus": lane.card_status,
        "description": lane.description,
        "wipLimit": lane.wip_limit,
        "isDefaultDropLane": lane.is_default_drop_lane,
        "isConnectionDoneLane": lane.is_connection_done_lane,
        "sortBy": lane.sort_by,
    }


def lane_counts(counts: dict[int, LaneCounts]) -> dict[str, Any]:
    """`laneCount`: note `cardSize` is a string here (DOC)."""
    return {
        "lanes": {
            str(lane_id): {"cardCount": held.card_count, "cardSize": str(held.card_size)}
            for lane_id, held in counts.items()
        }
    }


def leaf_lanes(leaves: list[LeafLane]) -> dict[str, Any]:
    return {
        "lanes": [
            {"id": ident(leaf.lane.id), "title": leaf.lane.title, "expandedTitle": leaf.expanded_title}
            for leaf in leaves
        ]
    }
