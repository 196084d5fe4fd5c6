"""WIP rules as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lanekit.domain.cards.wip import (
    Incoming,
    LaneBreach,
    UserLoad,
    enforce,
    lane_breaches,
    user_breaches,
    weight,
)
from lanekit.domain.errors import WipExceeded
from lanekit.storage.records import LaneRecord


def lane(
    lane_id: int,
    *,
    limit: int = 0,
    parent: int | None = None,
    lane_type: str = "inProcess",
    class_type: str = "active",
    title: str | None = None,
) -> LaneRecord:
    return LaneRecord(
        id=lane_id,
        account_id=1,
        board_id=1,
        parent_lane_id=parent,
        position=0,
        title=title or f"L{lane_id}",
        description=None,
        lane_class_type=class_type,
        lane_type=lane_type,
        card_status="started",
        orientation="vertical",
        columns=1,
        wip_limit=limit,
        is_default_drop_lane=False,
        is_connection_done_lane=False,
        sort_by=None,
        created_on=datetime(2024, 1, 1, tzinfo=UTC),
    )


def board(*lanes: LaneRecord) -> dict[int, LaneRecord]:
    return {x.id: x for x in lanes}


def check(
    lanes: dict[int, LaneRecord], target: int, loads: dict[int, int], incoming: list[Incoming], **kw: bool
) -> list[LaneBreach]:
    return lane_breaches(
        lanes=lanes,
        target_lane_id=target,
        loads=loads,
        incoming=incoming,
        by_size=kw.get("by_size", False),
        exclude_completed_and_archive=kw.get("exclude", False),
    )


def test_under_and_at_the_limit_pass_over_it_breaks() -> None:
    lanes = board(lane(1, limit=3, title="Doing"))
    assert check(lanes, 1, {1: 1}, [Incoming(None, 1)]) == []
    assert check(lanes, 1, {1: 2}, [Incoming(None, 1)]) == []
    [breach] = check(lanes, 1, {1: 3}, [Incoming(None, 1)])
    assert (breach.lane_id, breach.lane_title, breach.limit, breach.load) == (1, "Doing", 3, 4)


def test_zero_limit_means_none() -> None:
    assert check(board(lane(1)), 1, {1: 100}, [Incoming(None, 1)]) == []


def test_reordering_inside_the_lane_adds_nothing() -> None:
    assert check(board(lane(1, limit=1)), 1, {1: 5}, [Incoming(1, 1)]) == []


def test_size_based_counting_and_size_zero_weighs_one() -> None:
    lanes = board(lane(1, limit=5))
    assert weight(0, by_size=True) == 1
    assert weight(4, by_size=False) == 1
    assert check(lanes, 1, {1: 3}, [Incoming(None, 2)], by_size=True) == []
    assert len(check(lanes, 1, {1: 3}, [Incoming(None, 3)], by_size=True)) == 1
    assert check(lanes, 1, {1: 3}, [Incoming(None, 3)], by_size=False) == []


def test_parent_limit_counts_children_but_not_moves_between_them() -> None:
    lanes = board(lane(1, limit=2, title="Parent"), lane(2, parent=1), lane(3, parent=1), lane(4))
    [breach] = check(lanes, 2, {2: 1, 3: 1}, [Incoming(4, 1)])
    assert breach.lane_id == 1
    assert check(lanes, 2, {2: 1, 3: 1}, [Incoming(3, 1)]) == []


def test_excluded_lane_kinds() -> None:
    done = board(lane(1, limit=1, lane_type="completed"), lane(2, limit=1, class_type="archive"))
    assert check(done, 1, {1: 1}, [Incoming(None, 1)], exclude=True) == []
    assert check(done, 2, {2: 1}, [Incoming(None, 1)], exclude=True) == []
    assert len(check(done, 1, {1: 1}, [Incoming(None, 1)], exclude=False)) == 1


def test_user_limits() -> None:
    loads = [UserLoad(1, "Ann A", 2, 1), UserLoad(2, "Bob B", 2, 2), UserLoad(3, "Cy C", None, 50)]
    [breach] = user_breaches(loads)
    assert (breach.user_id, breach.limit, breach.load) == (2, 2, 3)
    [many] = user_breaches([UserLoad(1, "Ann A", 3, 1, adding=3)])
    assert many.load == 4
    assert user_breaches([UserLoad(1, "Ann A", 3, 1, adding=2), UserLoad(2, "Bob B", 1, 5, adding=0)]) == []


def test_enforce_refuses_without_comment_and_names_lane_and_limit() -> None:
    breaches = check(board(lane(7, limit=1, title="Doing Now")), 7, {7: 1}, [Incoming(None, 1)])
    with pytest.raises(WipExceeded) as caught:
        enforce(field="destination.laneId", lanes=breaches, comment="  ")
    assert caught.value.message.startswith('destination.laneId: lane "Doing Now" has a WIP limit of 1')
    assert enforce(field="x", lanes=breaches, comment=" urgent ") == "urgent"
    assert enforce(field="x", comment=None) is None
    assert enforce(field="x", comment="not needed") is None


def test_enforce_user_breach_message() -> None:
    [breach] = user_breaches([UserLoad(2, "Bob B", 1, 1)])
    with pytest.raises(WipExceeded) as caught:
        enforce(field="userIdsToAssign", users=[breach], comment=None)
    assert 'user "Bob B" has a WIP limit of 1' in caught.value.message
