"""Board layout: the lane tree, its checksum and replacing it whole (`PUT /io/board/:boardId/layout`); single
lanes are in lanes.py.

The layout PUT is planned in full (`plan_layout`, pure) before anything is written, so an invalid tree
changes nothing.  Concurrent PUTs are serialised on the board row (`fetch_for_update`) and the checksum is
compared after the lock is held, so of two PUTs sent with the same checksum exactly one succeeds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lanekit.domain import clock, html
from lanekit.domain.access import board_access, require
from lanekit.domain.boards.defaults import LAYOUT_REVISION
from lanekit.domain.enums import CARD_STATUSES, LANE_CLASS_TYPES, LANE_ORIENTATIONS, LANE_TYPES
from lanekit.domain.errors import Conflict, Invalid, NotFound
from lanekit.domain.types import UNSET, Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import BoardRecord, LaneRecord

MAX_TITLE = 255
MAX_LANES = 500
MAX_DEPTH = 8
MAX_COLUMNS = 100


def layout_checksum(board: BoardRecord, lanes: list[LaneRecord]) -> str:
    """32 hex digits over the board's lanes and its layout revision (decision 032).

    The revision grows with every layout change, so a PUT of an unchanged tree still yields a new checksum
    and a client holding the old one is told someone changed the layout.
    """
    revision = board.settings.get(LAYOUT_REVISION, 0)
    items = sorted(
        [
            lane.id,
            lane.parent_lane_id or 0,
            lane.position,
            lane.title,
            lane.description or "",
            lane.lane_class_type,
            lane.lane_type,
            lane.card_status,
            lane.orientation,
            lane.columns,
            lane.wip_limit,
            lane.is_default_drop_lane,
            lane.is_connection_done_lane,
        ]
        for lane in lanes
    )
    canonical = json.dumps([board.id, revision, items], separators=(",", ":"), ensure_ascii=True)
    return hashlib.md5(canonical.encode(), usedforsecurity=False).hexdigest()


def tree_order(lanes: list[LaneRecord]) -> list[LaneRecord]:
    """Lanes depth-first: each parent before its children, siblings by position."""
    children: dict[int | None, list[LaneRecord]] = {}
    for lane in lanes:
        children.setdefault(lane.parent_lane_id, []).append(lane)
    for group in children.values():
        group.sort(key=lambda lane: (lane.position, lane.id))
    ordered: list[LaneRecord] = []

    def walk(parent: int | None) -> None:
        for lane in children.get(parent, []):
            ordered.append(lane)
            walk(lane.id)

    walk(None)
    return ordered


def children_of(lanes: list[LaneRecord]) -> dict[int | None, list[LaneRecord]]:
    result: dict[int | None, list[LaneRecord]] = {}
    for lane in tree_order(lanes):
        result.setdefault(lane.parent_lane_id, []).append(lane)
    return result


def derive_card_status(class_type: str, *, is_connection_done_lane: bool, wanted: str | None) -> str:
    """Backlog lanes hold not-started cards, archive lanes finished ones, active lanes started unless told."""
    if class_type == "backlog":
        return "notStarted"
    if class_type == "archive":
        return "finished"
    if wanted is not None:
        return wanted
    return "finished" if is_connection_done_lane else "started"


# --- the layout PUT ---------------------------------------------------------------------------------------


@dataclass
class LayoutLaneIn:
    """One lane of the nested layout body; `None` means not sent (the current value or a default is used)."""

    id: int | None
    title: str
    lane_type: str | None = None
    class_type: str | None = None
    index: int | None = None
    columns: int | None = None
    orientation: str | None = None
    is_connection_done_lane: bool = False
    is_default_drop_lane: bool = False
    wip_limit: int | None = None
    description: Any = UNSET
    card_status: str | None = None
    children: list[LayoutLaneIn] = field(default_factory=list)


@dataclass
class PlannedLane:
    """A lane as the layout will hold it; `key` links children to parents before new lanes have ids."""

    key: int
    id: int | None
    parent_key: int | None
    values: dict[str, Any]
    children: list[PlannedLane] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LayoutPlan:
    roots: list[PlannedLane]
    # Depth-first, parents first: the order to write in.
    ordered: list[PlannedLane]
    removed: list[LaneRecord]


def choice(value: str | None, allowed: Any, path: str, fallback: str) -> str:
    if value is None:
        return fallback
    if value not in allowed:
        raise Invalid(path, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def plan_layout(existing: list[LaneRecord], lanes: list[LayoutLaneIn]) -> LayoutPlan:
    """Check a whole new tree against the board's lanes; raise Invalid naming the first fault."""
    if not lanes:
        raise Invalid("lanes", "a layout needs at least one lane")
    current = {lane.id: lane for lane in existing}
    seen: set[int] = set()
    ordered: list[PlannedLane] = []
    counter = iter(range(1, 1_000_000))

    def plan_level(
        items: list[LayoutLaneIn], *, parent: PlannedLane | None, area: str | None, path: str, depth: int
    ) -> list[PlannedLane]:
        if depth > MAX_DEPTH:
            raise Invalid(path, f"lanes may be nested at most {MAX_DEPTH} levels deep")
        # Siblings sort by the index they were sent with (array position when absent), then get 0..n-1.
        indexed = sorted(
            enumerate(items),
            key=lambda pair: (pair[1].index if pair[1].index is not None else pair[0], pair[0]),
        )
        planned_level: list[PlannedLane] = []
        for position, (array_index, item) in enumerate(indexed):
            here = f"{path}/{array_index}"
            old: LaneRecord | None = None
            if item.id is not None:
                if item.id in seen:
                    raise Invalid(
                        f"{here}/id",
                        f"lane {item.id} appears more than once; a lane has one place in the tree",
                    )
                old = current.get(item.id)
                if old is None:
                    raise Invalid(f"{here}/id", f"{item.id} is not a lane of this board")
                seen.add(item.id)
            if len(ordered) >= MAX_LANES:
                raise Invalid("lanes", f"a board may have at most {MAX_LANES} lanes")
            title = item.title.strip()
            if not title:
                raise Invalid(f"{here}/title", "must not be empty")
            if len(title) > MAX_TITLE:
                raise Invalid(f"{here}/title", f"must be at most {MAX_TITLE} characters")
            own_class = choice(
                item.class_type,
                LANE_CLASS_TYPES,
                f"{here}/classType",
                old.lane_class_type if old else "active",
            )
            class_type = area or own_class  # sub-lanes take their top-level area's class
            lane_type = choice(
                item.lane_type, LANE_TYPES, f"{here}/type", old.lane_type if old else "untyped"
            )
            orientation = choice(
                item.orientation,
                LANE_ORIENTATIONS,
                f"{here}/orientation",
                old.orientation if old else "vertical",
            )
            wanted_status = choice(item.card_status, CARD_STATUSES, f"{here}/cardStatus", "") or None
            if wanted_status is None and old is not None and old.lane_class_type == class_type == "active":
                wanted_status = old.card_status
            columns = item.columns if item.columns is not None else (old.columns if old else 1)
            if not 1 <= columns <= MAX_COLUMNS:
                raise Invalid(f"{here}/columns", f"must be from 1 to {MAX_COLUMNS}")
            wip_limit = item.wip_limit if item.wip_limit is not None else (old.wip_limit if old else 0)
            if wip_limit < 0:
                raise Invalid(f"{here}/wipLimit", "must be 0 (no limit) or more")
            if item.description is UNSET:
                description = old.description if old else None
            else:
                description = html.check_html(item.description, f"{here}/description")
            planned = PlannedLane(
                key=next(counter),
                id=item.id,
                parent_key=parent.key if parent else None,
                values={
                    "position": position,
                    "title": title,
                    "description": description,
                    "lane_class_type": class_type,
                    "lane_type": lane_type,
                    "card_status": derive_card_status(
                        class_type, is_connection_done_lane=item.is_connection_done_lane, wanted=wanted_status
                    ),
                    "orientation": orientation,
                    "columns": columns,
                    "wip_limit": wip_limit,
                    "is_default_drop_lane": item.is_default_drop_lane,
                    "is_connection_done_lane": item.is_connection_done_lane,
                },
            )
            ordered.append(planned)
            planned.children = plan_level(
                item.children, parent=planned, area=class_type, path=f"{here}/children", depth=depth + 1
            )
            if item.is_default_drop_lane and planned.children:
                raise Invalid(
                    f"{here}/isDefaultDropLane", "the default drop lane must be a lane without children"
                )
            planned_level.append(planned)
        return planned_level

    roots = plan_level(lanes, parent=None, area=None, path="lanes", depth=1)
    drops = [p for p in ordered if p.values["is_default_drop_lane"]]
    if len(drops) > 1:
        names = ", ".join(repr(p.values["title"]) for p in drops)
        raise Invalid(
            "lanes", f"only one lane may be the default drop lane; {len(drops)} are marked: {names}"
        )
    if not drops:
        # Keep a board usable: the first lane without children becomes the default drop lane (decision 032).
        first_leaf = next(p for p in ordered if not p.children)
        first_leaf.values["is_default_drop_lane"] = True
    done = [p for p in ordered if p.values["is_connection_done_lane"]]
    if len(done) > 1:
        names = ", ".join(repr(p.values["title"]) for p in done)
        raise Invalid(
            "lanes", f"only one lane may be the connection done lane; {len(done)} are marked: {names}"
        )
    removed = [lane for lane in existing if lane.id not in seen]
    return LayoutPlan(roots=roots, ordered=ordered, removed=removed)


@dataclass(frozen=True, slots=True)
class LayoutResult:
    lanes: list[LaneRecord]
    checksum: str


async def replace_layout(
    conn: Connection, *, actor: Actor, board_id: int, lanes: list[LayoutLaneIn], checksum: str
) -> LayoutResult:
    """`PUT /io/board/:boardId/layout`: lanes with an id updated, without one created, left out removed."""
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, "board.layout")
    board = await board_queries.fetch_for_update(conn, account_id=actor.account_id, board_id=board_id)
    if board is None:
        raise NotFound("board", board_id)
    existing = await lane_queries.list_for_board(conn, account_id=board.account_id, board_id=board.id)
    if checksum != layout_checksum(board, existing):
        raise Conflict("layoutChecksum is stale: the layout changed since it was read; read the board again")
    plan = plan_layout(existing, lanes)
    # Cards live only in leaf lanes: a removed lane, or a lane that gains children, must hold none.
    by_id = {lane.id: lane for lane in existing}
    new_parents = [by_id[p.id] for p in plan.ordered if p.id is not None and p.children]
    checked = plan.removed + new_parents
    if checked:
        counts = await lane_queries.card_counts(
            conn, board_id=board.id, lane_ids=[lane.id for lane in checked]
        )
        for lane in checked:
            held = counts.get(lane.id)
            if held is not None and held.card_count:
                fate = "removing the lane" if lane in plan.removed else "giving it child lanes"
                raise Invalid(
                    "lanes",
                    f"lane {lane.title!r} ({lane.id}) still holds {held.card_count} card(s); "
                    f"move them out before {fate}",
                )
    ids: dict[int, int] = {}
    moment = clock.now()
    for planned in plan.ordered:
        parent_id = ids[planned.parent_key] if planned.parent_key is not None else None
        if planned.id is None:
            lane = await lane_queries.insert_lane(
                conn,
                account_id=board.account_id,
                board_id=board.id,
                parent_lane_id=parent_id,
                sort_by=None,
                created_on=moment,
                **planned.values,
            )
        else:
            lane = await lane_queries.update_lane(
                conn,
                account_id=board.account_id,
                lane_id=planned.id,
                parent_lane_id=parent_id,
                **planned.values,
            )
        ids[planned.key] = lane.id
    if plan.removed:
        drop = next(ids[p.key] for p in plan.ordered if p.values["is_default_drop_lane"])
        removed_ids = [lane.id for lane in plan.removed]
        await lane_queries.move_deleted_cards(conn, board_id=board.id, from_lanes=removed_ids, to_lane=drop)
        await lane_queries.delete_lanes(conn, board_id=board.id, lane_ids=removed_ids)
    board = await bump_layout(conn, board)
    new_lanes = await lane_queries.list_for_board(conn, account_id=board.account_id, board_id=board.id)
    return LayoutResult(lanes=new_lanes, checksum=layout_checksum(board, new_lanes))


async def bump_layout(conn: Connection, board: BoardRecord) -> BoardRecord:
    """Grow the layout revision (a new checksum) and the board version, in one statement."""
    settings = {**board.settings, LAYOUT_REVISION: int(board.settings.get(LAYOUT_REVISION, 0)) + 1}
    return await board_queries.update_board(
        conn, account_id=board.account_id, board_id=board.id, settings=settings
    )
