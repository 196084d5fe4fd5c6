"""What every card write shares: access to the card's board, lane rules, system dates, versions and events.

Lock order for every card write (PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE): the card rows
first (ascending id, `fetch_many_for_update`), then the board rows (ascending id, `bump_version`).  Once a
board row is locked, no other writer can place a card in any of its lanes, so ranks computed afterwards are
fresh and unique.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from lanekit.domain.cards import positions, wip
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import placement_reads
from lanekit.storage.records import BoardRecord, CardRecord, LaneRecord


async def lock_cards(conn: Connection, *, actor: Actor, card_ids: Sequence[int]) -> list[CardRecord]:
    """Live cards of the caller's account, row-locked, in the order asked (each once); a missing one is
    NotFound."""
    card_ids = list(dict.fromkeys(card_ids))
    found = {
        c.id: c
        for c in await card_queries.fetch_many_for_update(
            conn, account_id=actor.account_id, card_ids=card_ids
        )
    }
    for card_id in card_ids:
        if card_id not in found:
            raise NotFound("card", card_id)
    return [found[i] for i in card_ids]


def lanes_by_id(lanes: Iterable[LaneRecord]) -> dict[int, LaneRecord]:
    return {lane.id: lane for lane in lanes}


def is_leaf(lanes: Mapping[int, LaneRecord], lane_id: int) -> bool:
    return not any(lane.parent_lane_id == lane_id for lane in lanes.values())


def target_lane(lanes: Mapping[int, LaneRecord], lane_id: int, *, field: str) -> LaneRecord:
    """A lane of this board that can hold cards (it has no child lanes)."""
    lane = lanes.get(lane_id)
    if lane is None:
        raise Invalid(field, f"lane {lane_id} is not a lane of this board")
    if not is_leaf(lanes, lane_id):
        raise Invalid(field, f'lane "{lane.title}" has child lanes; cards go into one of them')
    return lane


def default_drop_lane(lanes: Mapping[int, LaneRecord], *, field: str) -> LaneRecord:
    """The board's default drop lane, else its first lane that can hold cards (in layout order)."""
    for lane in lanes.values():
        if lane.is_default_drop_lane and is_leaf(lanes, lane.id):
            return lane
    ordered = sorted(lanes.values(), key=lambda x: _depth_path(lanes, x))
    for lane in ordered:
        if is_leaf(lanes, lane.id):
            return lane
    raise Invalid(field, "the board has no lane that can hold cards")


def _depth_path(lanes: Mapping[int, LaneRecord], lane: LaneRecord) -> list[tuple[int, int]]:
    path: list[tuple[int, int]] = []
    current: LaneRecord | None = lane
    while current is not None and len(path) <= len(lanes):
        path.append((current.position, current.id))
        current = lanes.get(current.parent_lane_id) if current.parent_lane_id is not None else None
    return path[::-1]


def lane_entry(card: CardRecord | None, lane: LaneRecord, *, now: datetime, user_id: int) -> dict[str, Any]:
    """The system dates of entering `lane` (docs/decisions/071-card-behaviour.md); nothing when the card stays
    in its lane."""
    if card is not None and card.lane_id == lane.id:
        return {}
    values: dict[str, Any] = {"lane_id": lane.id}
    if card is not None:
        values.update(moved_on=now, moved_by=user_id)
    started = card.actual_start if card is not None else None
    if lane.card_status in ("started", "finished") and started is None:
        values["actual_start"] = now
    if lane.card_status == "finished":
        values["actual_finish"] = now
    elif card is not None and card.actual_finish is not None:
        values["actual_finish"] = None
    if lane.lane_class_type == "archive":
        values.update(archived_on=now, archived_by=user_id)
    elif card is not None and card.archived_on is not None:
        values.update(archived_on=None, archived_by=None)
    return values


def full_lane_entry(card: CardRecord, lane: LaneRecord, *, now: datetime, user_id: int) -> dict[str, Any]:
    """`lane_entry` with every column present, for executemany rows that must share one key set."""
    values = {
        "lane_id": card.lane_id,
        "moved_on": card.moved_on,
        "moved_by": card.moved_by,
        "actual_start": card.actual_start,
        "actual_finish": card.actual_finish,
        "archived_on": card.archived_on,
        "archived_by": card.archived_by,
    }
    values.update(lane_entry(card, lane, now=now, user_id=user_id))
    return values


async def ranks_at(
    conn: Connection, *, lane_id: int, index: int | None, exclude: Sequence[int], count: int = 1
) -> list[str]:
    """`count` new ranks for cards placed at `index` (None: the end) of the lane, `exclude` left out."""
    low, high = await placement_reads.fetch_neighbour_ranks(
        conn, lane_id=lane_id, index=index, exclude=exclude
    )
    if index is not None and index > 0 and low is None:
        # Past the end of the lane: append.
        low, high = await placement_reads.fetch_neighbour_ranks(
            conn, lane_id=lane_id, index=None, exclude=exclude
        )
    if low is not None and high is not None and low >= high:
        high = None
    return positions.keys_between(low, high, count)


async def check_lane_wip(
    conn: Connection,
    *,
    board: BoardRecord,
    lanes: Mapping[int, LaneRecord],
    target_lane_id: int,
    incoming: Sequence[wip.Incoming],
    comment: str | None,
    field: str,
) -> tuple[list[wip.LaneBreach], str | None]:
    """Refuse a breach without an override comment; else return the breaches and the comment to record."""
    exclude = board.exclude_completed_and_archive_violations
    limited = wip.limited_lanes(lanes, target_lane_id, exclude_completed_and_archive=exclude)
    if not limited:
        return [], None
    counted: set[int] = set()
    for lane in limited:
        counted |= wip.subtree(lanes, lane.id)
    loads = await placement_reads.list_lane_loads(
        conn, lane_ids=sorted(counted), by_size=board.base_wip_on_card_size
    )
    breaches = wip.lane_breaches(
        lanes=lanes,
        target_lane_id=target_lane_id,
        loads=loads,
        incoming=incoming,
        by_size=board.base_wip_on_card_size,
        exclude_completed_and_archive=exclude,
    )
    recorded = wip.enforce(field=field, lanes=breaches, comment=comment)
    return breaches, recorded


def excluded_wip_lanes(board: BoardRecord, lanes: Mapping[int, LaneRecord]) -> list[int]:
    """Lanes whose cards do not count toward a user's WIP on this board."""
    if not board.exclude_completed_and_archive_violations:
        return []
    return [x.id for x in lanes.values() if x.lane_type == "completed" or x.lane_class_type == "archive"]
