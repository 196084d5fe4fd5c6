"""WIP limits (docs/conventions.md §9, docs/decisions/071): pure rules, no I/O.

A lane's limit covers the cards of the lane and of every lane below it.  The load is a card count, or the sum
of card sizes when the board sets `baseWipOnCardSize` (a card of size 0 weighs 1, as an unsized card still
takes a slot).  With `excludeCompletedAndArchiveViolations`, completed and archive lanes are never checked.
An action is refused only when it *adds* load to a lane (or a user) and the result is over the limit; moving a
card inside one limited subtree, or taking load away, is always allowed.  A non-empty `wipOverrideComment`
lets the action through, and the breaches are returned so that the caller can record them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lanekit.domain.errors import WipExceeded
from lanekit.storage.records import LaneRecord


@dataclass(frozen=True, slots=True)
class Incoming:
    """A card the action puts into the target lane: where it is now (None for a new card) and its size."""

    from_lane_id: int | None
    size: int


@dataclass(frozen=True, slots=True)
class LaneBreach:
    lane_id: int
    lane_title: str
    limit: int
    load: int


@dataclass(frozen=True, slots=True)
class UserLoad:
    user_id: int
    full_name: str
    limit: int | None
    assigned: int
    # Cards this action assigns the user to.
    adding: int = 1


@dataclass(frozen=True, slots=True)
class UserBreach:
    user_id: int
    full_name: str
    limit: int
    load: int


def weight(size: int, *, by_size: bool) -> int:
    return max(size, 1) if by_size else 1


def is_checked(lane: LaneRecord, *, exclude_completed_and_archive: bool) -> bool:
    if lane.wip_limit <= 0:
        return False
    if exclude_completed_and_archive and (lane.lane_type == "completed" or lane.lane_class_type == "archive"):
        return False
    return True


def ancestors(lanes: Mapping[int, LaneRecord], lane_id: int) -> list[LaneRecord]:
    """The lane itself, then its parent, up to the top level."""
    chain: list[LaneRecord] = []
    current = lanes.get(lane_id)
    while current is not None and len(chain) <= len(lanes):
        chain.append(current)
        current = lanes.get(current.parent_lane_id) if current.parent_lane_id is not None else None
    return chain


def subtree(lanes: Mapping[int, LaneRecord], lane_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for lane in lanes.values():
        if lane.parent_lane_id is not None:
            children.setdefault(lane.parent_lane_id, []).append(lane.id)
    found, pending = set(), [lane_id]
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(children.get(current, []))
    return found


def limited_lanes(
    lanes: Mapping[int, LaneRecord], target_lane_id: int, *, exclude_completed_and_archive: bool
) -> list[LaneRecord]:
    """The lanes whose limit a card entering `target_lane_id` counts against (empty: no count needed)."""
    return [
        lane
        for lane in ancestors(lanes, target_lane_id)
        if is_checked(lane, exclude_completed_and_archive=exclude_completed_and_archive)
    ]


def lane_breaches(
    *,
    lanes: Mapping[int, LaneRecord],
    target_lane_id: int,
    loads: Mapping[int, int],
    incoming: Sequence[Incoming],
    by_size: bool,
    exclude_completed_and_archive: bool,
) -> list[LaneBreach]:
    """Limits the incoming cards would push over; `loads` is each lane's weighted load before the action."""
    breaches: list[LaneBreach] = []
    for lane in limited_lanes(
        lanes, target_lane_id, exclude_completed_and_archive=exclude_completed_and_archive
    ):
        inside = subtree(lanes, lane.id)
        before = sum(loads.get(lane_id, 0) for lane_id in inside)
        added = sum(weight(c.size, by_size=by_size) for c in incoming if c.from_lane_id not in inside)
        if added > 0 and before + added > lane.wip_limit:
            breaches.append(LaneBreach(lane.id, lane.title, lane.wip_limit, before + added))
    return breaches


def user_breaches(users: Iterable[UserLoad]) -> list[UserBreach]:
    """Users who would hold more cards than their board WIP limit after this action's assignments."""
    return [
        UserBreach(u.user_id, u.full_name, u.limit, u.assigned + u.adding)
        for u in users
        if u.limit is not None and u.limit > 0 and u.adding > 0 and u.assigned + u.adding > u.limit
    ]


def enforce(
    *, field: str, lanes: Sequence[LaneBreach] = (), users: Sequence[UserBreach] = (), comment: str | None
) -> str | None:
    """Refuse the breaches unless a non-empty override comment was given; return the comment to record."""
    has_comment = bool(comment and comment.strip())
    if not has_comment:
        if lanes:
            raise WipExceeded(field, subject=f'lane "{lanes[0].lane_title}"', limit=lanes[0].limit)
        if users:
            raise WipExceeded(field, subject=f'user "{users[0].full_name}"', limit=users[0].limit)
        return None
    return comment.strip() if comment and (lanes or users) else None


def shown_load(lanes: Mapping[int, LaneRecord], lane_id: int, loads: Mapping[int, int]) -> int:
    """The load a lane's header shows: its own cards and those of every lane below it (what its limit
    covers)."""
    return sum(loads.get(inside, 0) for inside in subtree(lanes, lane_id))


def is_over(lane: LaneRecord, load: int) -> bool:
    return lane.wip_limit > 0 and load > lane.wip_limit
