"""Folding a card's events into lane visits, blocked and assigned periods, and their durations
(domain/reporting/history.py).  Pure rules: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lanekit.domain import events
from lanekit.domain.reporting.history import (
    LaneVisit,
    Period,
    assignment_periods,
    blocked_periods,
    durations,
    lane_visits,
)
from lanekit.storage.queries.reporting import HistoryCard, LaneEvent, LoggedEvent

# A Monday.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def card(lane_id: int = 10) -> HistoryCard:
    return HistoryCard(1, None, "Card", 1, "normal", 5, "Task", 7, "Board", lane_id, T0)


def logged(kind: str, hours: float, *, user: int | None = 100, **data: Any) -> LoggedEvent:
    return LoggedEvent(1, kind, user, at(hours), data)


def moved(kind: str, hours: float, **lanes: dict[str, Any]) -> LaneEvent:
    """A lane event as `list_lane_events` reads it from the logged `lane`, `fromLane` and `toLane`."""
    ids = [lanes.get(key, {}).get("id") for key in ("lane", "fromLane", "toLane")]
    return LaneEvent(1, kind, at(hours), *(i if isinstance(i, str) else None for i in ids))


def lane(lane_id: int) -> dict[str, str]:
    return {"id": str(lane_id), "title": f"Lane {lane_id}"}


def test_visits_follow_creation_and_moves_and_the_last_is_open() -> None:
    history = [
        moved(events.CARD_CREATED, 0, lane=lane(10)),
        moved(events.CARD_MOVED, 5, fromLane=lane(10), toLane=lane(11)),
        moved(events.CARD_MOVED, 30, fromLane=lane(11), toLane=lane(12)),
    ]
    assert lane_visits(card(12), history) == [
        LaneVisit(10, at(0), at(5)),
        LaneVisit(11, at(5), at(30)),
        LaneVisit(12, at(30), None),
    ]


def test_a_move_off_the_board_logged_on_both_boards_is_one_visit_change() -> None:
    history = [
        moved(events.CARD_CREATED, 0, lane=lane(10)),
        moved(events.CARD_MOVED_OFF_BOARD, 2, fromLane=lane(10), toLane=lane(20)),
        moved(events.CARD_MOVED_OFF_BOARD, 2, fromLane=lane(10), toLane=lane(20)),
    ]
    assert lane_visits(card(20), history) == [LaneVisit(10, at(0), at(2)), LaneVisit(20, at(2), None)]


def test_a_card_without_lane_events_has_been_in_its_lane_since_it_was_created() -> None:
    assert lane_visits(card(10), []) == [LaneVisit(10, T0, None)]
    # A log that starts with a move: the card was in the move's `fromLane` since creation.
    history = [moved(events.CARD_MOVED, 3, fromLane=lane(9), toLane=lane(10))]
    assert lane_visits(card(10), history) == [LaneVisit(9, T0, at(3)), LaneVisit(10, at(3), None)]


def test_becoming_a_task_closes_the_visit_and_leaving_the_taskboard_opens_one() -> None:
    history = [
        moved(events.CARD_CREATED, 0, lane=lane(10)),
        moved(events.CARD_MOVED_TO_TASK_BOARD, 1, fromLane=lane(10), toLane=lane(90)),
        moved(events.TASK_CARD_MOVED_TO_BOARD, 4, fromLane=lane(90), toLane=lane(11)),
    ]
    assert lane_visits(card(11), history) == [LaneVisit(10, at(0), at(1)), LaneVisit(11, at(4), None)]


def test_blocked_periods_pair_blocks_with_unblocks() -> None:
    history = [
        logged(events.CARD_BLOCKED, 1, user=100),
        logged(events.CARD_UNBLOCKED, 3, user=200),
        logged(events.CARD_BLOCKED, 6, user=300),
    ]
    assert blocked_periods(history) == [Period(at(1), at(3), 100, 200), Period(at(6), None, 300, None)]


def test_assignment_periods_per_user_with_who_assigned_and_unassigned() -> None:
    history = [
        LoggedEvent(1, events.USER_ASSIGNED, 100, at(1), {"user": {"id": "7"}}),
        LoggedEvent(1, events.USER_ASSIGNED, 100, at(2), {"user": {"id": "8"}}),
        LoggedEvent(1, events.USER_UNASSIGNED, 200, at(5), {"user": {"id": "7"}}),
    ]
    current = {8: at(2), 9: at(3)}  # 9 was assigned with no event (before the log)
    assert assignment_periods(history, current) == [
        Period(at(1), at(5), 100, 200, 7),
        Period(at(2), None, 100, None, 8),
        Period(at(3), None, None, None, 9),
    ]


def test_durations_in_days_hours_and_weekdays() -> None:
    # Monday 09:00 to the next Monday 09:00: 7 days, 168 hours, 5 working days.
    assert durations(T0, T0 + timedelta(days=7), now=T0) == (7, 168, 5)
    # Friday 12:00 to Monday 12:00: 3 days, 72 hours, 1 working day (Friday's and Monday's halves).
    friday = T0 + timedelta(days=4, hours=3)
    assert durations(friday, friday + timedelta(days=3), now=T0) == (3, 72, 1)
    # An open period runs to now; a period that has not started yet counts nothing.
    assert durations(T0, None, now=T0 + timedelta(hours=30)) == (1, 30, 1)
    assert durations(T0, T0 - timedelta(hours=1), now=T0) == (0, 0, 0)
