"""Single lanes: changing one lane, card counts per lane and the leaf lanes (LeanKit API: lanes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lanekit.domain import html
from lanekit.domain.access import BoardAccess, board_access, require
from lanekit.domain.boards.layout import MAX_TITLE, bump_layout, choice, tree_order
from lanekit.domain.enums import CARD_STATUSES
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import UNSET, Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.queries.lanes import LaneCounts
from lanekit.storage.records import LaneRecord


@dataclass(frozen=True, slots=True)
class LaneChanges:
    """`PATCH /io/board/:boardId/lane/:laneId`; UNSET fields are left alone (`type` is ignored)."""

    title: Any = UNSET
    description: Any = UNSET
    wip_limit: Any = UNSET
    is_default_drop_lane: Any = UNSET
    is_connection_done_lane: Any = UNSET
    card_status: Any = UNSET
    sort_by: Any = UNSET


async def update_lane(
    conn: Connection, *, actor: Actor, board_id: int, lane_id: int, changes: LaneChanges
) -> LaneRecord:
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, "lane.update")
    board = await board_queries.fetch_for_update(conn, account_id=actor.account_id, board_id=board_id)
    if board is None:
        raise NotFound("board", board_id)
    lanes = await lane_queries.list_for_board(conn, account_id=board.account_id, board_id=board.id)
    lane = next((candidate for candidate in lanes if candidate.id == lane_id), None)
    if lane is None:
        raise NotFound("lane", lane_id)
    values: dict[str, Any] = {}
    if changes.title is not UNSET:
        if changes.title is None or not changes.title.strip():
            raise Invalid("title", "must not be empty")
        if len(changes.title.strip()) > MAX_TITLE:
            raise Invalid("title", f"must be at most {MAX_TITLE} characters")
        values["title"] = changes.title.strip()
    if changes.description is not UNSET:
        values["description"] = html.check_html(changes.description, "description")
    if changes.wip_limit is not UNSET:
        if changes.wip_limit is None or changes.wip_limit < 0:
            raise Invalid("wipLimit", "must be 0 (no limit) or more")
        values["wip_limit"] = changes.wip_limit
    if changes.sort_by is not UNSET:
        values["sort_by"] = changes.sort_by
    if changes.card_status is not UNSET:
        status = choice(changes.card_status, CARD_STATUSES, "cardStatus", lane.card_status)
        if lane.lane_class_type != "active" and status != lane.card_status:
            raise Invalid(
                "cardStatus", f"a {lane.lane_class_type} lane always holds {lane.card_status} cards"
            )
        values["card_status"] = status
    has_children = any(candidate.parent_lane_id == lane.id for candidate in lanes)
    if changes.is_default_drop_lane is not UNSET:
        if changes.is_default_drop_lane is True:
            if has_children:
                raise Invalid("isDefaultDropLane", "the default drop lane must be a lane without children")
            await lane_queries.clear_default_drop_lane(conn, board_id=board.id, except_lane=lane.id)
        elif changes.is_default_drop_lane is False and lane.is_default_drop_lane:
            raise Invalid("isDefaultDropLane", "a board needs a default drop lane; mark another lane instead")
        values["is_default_drop_lane"] = bool(changes.is_default_drop_lane)
    if changes.is_connection_done_lane is not UNSET:
        if changes.is_connection_done_lane is True:
            await lane_queries.clear_connection_done_lane(conn, board_id=board.id, except_lane=lane.id)
        values["is_connection_done_lane"] = bool(changes.is_connection_done_lane)
    if values:
        lane = await lane_queries.update_lane(conn, account_id=board.account_id, lane_id=lane.id, **values)
        await bump_layout(conn, board)
    return lane


# --- lane reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeafLane:
    lane: LaneRecord
    expanded_title: str


async def leaf_lanes(conn: Connection, *, actor: Actor, board_id: int) -> list[LeafLane]:
    """Lanes that can hold cards (no children), depth-first, with their `Parent:Child` titles."""
    found = await _readable(conn, actor=actor, board_id=board_id)
    lanes = await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=found.board.id)
    by_id = {lane.id: lane for lane in lanes}
    parents = {lane.parent_lane_id for lane in lanes}
    result = []
    for lane in tree_order(lanes):
        if lane.id in parents:
            continue
        titles = [lane.title]
        up = lane.parent_lane_id
        while up is not None and up in by_id:
            titles.append(by_id[up].title)
            up = by_id[up].parent_lane_id
        result.append(LeafLane(lane, ":".join(reversed(titles))))
    return result


async def lane_counts(
    conn: Connection, *, actor: Actor, board_id: int, lane_ids: list[int] | None
) -> dict[int, LaneCounts]:
    """Card count and size per lane (all lanes, or the ones named), zeros included."""
    found = await _readable(conn, actor=actor, board_id=board_id)
    lanes = await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=found.board.id)
    known = [lane.id for lane in tree_order(lanes)]
    if lane_ids is not None:
        unknown = [str(lane_id) for lane_id in lane_ids if lane_id not in set(known)]
        if unknown:
            raise Invalid("lanes", f"not lanes of this board: {', '.join(unknown)}")
        known = list(dict.fromkeys(lane_ids))
    counts = await lane_queries.card_counts(conn, board_id=found.board.id, lane_ids=known)
    empty = LaneCounts(card_count=0, card_size=0, archive_card_count=0)
    return {lane_id: counts.get(lane_id, empty) for lane_id in known}


async def _readable(conn: Connection, *, actor: Actor, board_id: int) -> BoardAccess:
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, "board.read")
    return found
