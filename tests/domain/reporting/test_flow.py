"""Flow metrics over a board whose history is constructed by hand (domain/reporting/flow.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lanekit.domain.errors import Invalid
from lanekit.domain.reporting.flow import (
    BoardFlow,
    CardFlow,
    Tally,
    check_offset,
    cumulative_flow,
    lane_bottlenecks,
    speed,
    throughput,
    week_starts,
    work_in_process,
)
from lanekit.domain.reporting.history import LaneVisit
from lanekit.storage.records import LaneRecord

# Wednesday 11 November 2026, noon UTC; this week began on Monday the 9th.
NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
BACKLOG, DOING, REVIEW, DONE, ARCHIVE, SHIPPED = 1, 2, 3, 4, 5, 6


def lane(
    lane_id: int, status: str, class_type: str = "active", *, connection_done: bool = False
) -> LaneRecord:
    return LaneRecord(
        id=lane_id,
        account_id=1,
        board_id=1,
        parent_lane_id=None,
        position=lane_id,
        title=f"Lane {lane_id}",
        description=None,
        lane_class_type=class_type,
        lane_type="untyped",
        card_status=status,
        orientation="vertical",
        columns=1,
        wip_limit=0,
        is_default_drop_lane=False,
        is_connection_done_lane=connection_done,
        sort_by=None,
        created_on=NOW,
    )


LANES = (
    lane(BACKLOG, "notStarted", "backlog"),
    lane(DOING, "started"),
    lane(REVIEW, "started"),
    lane(DONE, "finished"),
    lane(ARCHIVE, "finished", "archive"),
    lane(SHIPPED, "finished", connection_done=True),
)


def day(month: int, dom: int, hour: int = 9) -> datetime:
    return datetime(2026, month, dom, hour, tzinfo=UTC)


def card(card_id: int, size: int, *visits: tuple[int, datetime]) -> CardFlow:
    """Visits given as (lane, entered); each ends when the next begins, the last is open."""
    ends = [entered for _lane, entered in visits[1:]] + [None]
    return CardFlow(
        card_id, size, tuple(LaneVisit(at, e, x) for (at, e), x in zip(visits, ends, strict=True))
    )


# A: backlog, doing from last Tuesday, done this Tuesday.  B: created in doing this Tuesday.
# C: backlog only.  D: doing from two weeks ago, review since last Wednesday.
BOARD = BoardFlow(
    LANES,
    (
        card(1, 2, (BACKLOG, day(10, 20)), (DOING, day(11, 3)), (DONE, day(11, 10))),
        card(2, 1, (DOING, day(11, 10))),
        card(3, 3, (BACKLOG, day(10, 1))),
        card(4, 5, (DOING, day(10, 27)), (REVIEW, day(11, 4, 0))),
    ),
)


def test_weeks_begin_on_local_mondays() -> None:
    starts = week_starts(NOW, 0)
    assert len(starts) == 9
    assert starts[-1] == datetime(2026, 11, 9, tzinfo=UTC)
    assert starts[0] == datetime(2026, 9, 14, tzinfo=UTC)
    # Monday 02:00 UTC is still Sunday evening at UTC-5: that week began Monday the 2nd, 05:00 UTC.
    assert week_starts(datetime(2026, 11, 9, 2, tzinfo=UTC), -300)[-1] == datetime(2026, 11, 2, 5, tzinfo=UTC)
    with pytest.raises(Invalid):
        check_offset(15 * 60)


def test_throughput_counts_first_starts_and_completions_per_week() -> None:
    weeks = throughput(BOARD, now=NOW, offset_minutes=0)
    figures = [(w["started"], w["completed"]) for w in weeks]
    assert figures[-1] == (Tally(1, 1), Tally(1, 2))  # B started, A completed
    assert figures[-2] == (Tally(1, 2), Tally())  # A started
    assert figures[-3] == (Tally(1, 5), Tally())  # D started
    assert figures[:-3] == [(Tally(), Tally())] * 6


def test_wip_is_what_sits_in_started_lanes_at_each_week_end() -> None:
    weeks = [w["wip"] for w in work_in_process(BOARD, now=NOW, offset_minutes=0)]
    assert weeks[-1] == Tally(2, 6)  # B in doing, D in review (A is done)
    assert weeks[-2] == Tally(2, 7)  # A in doing, D in review on Sunday night
    assert weeks[-3] == Tally(1, 5)  # D in doing
    assert weeks[:-3] == [Tally()] * 6


def test_a_bottleneck_takes_in_more_than_one_card_more_than_it_lets_out() -> None:
    piling = BoardFlow(
        LANES,
        (
            card(10, 1, (REVIEW, day(11, 5))),
            card(11, 2, (REVIEW, day(11, 6))),
            card(12, 1, (REVIEW, day(11, 7)), (DONE, day(11, 9))),
            card(13, 4, (REVIEW, day(10, 1))),  # entered before the last seven days
            card(14, 1, (DOING, day(11, 6)), (DOING, day(11, 8))),
            # Archive and connection-done lanes never count, however much piles up there.
            *(card(20 + n, 1, (ARCHIVE, day(11, 6)), (ARCHIVE, day(11, 7))) for n in range(3)),
            *(card(30 + n, 1, (SHIPPED, day(11, 6))) for n in range(3)),
        ),
    )
    found = lane_bottlenecks(piling, now=NOW)
    assert [(lane.id, came, went) for lane, came, went in found] == [(REVIEW, Tally(3, 4), Tally(1, 1))]


def test_cumulative_flow_counts_each_lane_at_each_days_end() -> None:
    days = cumulative_flow(BOARD, first=date(2026, 11, 8), last=date(2026, 11, 10), offset_minutes=-300)
    table = {d: {lane.id: tally for lane, tally in lanes} for d, lanes in days}
    assert list(table) == [date(2026, 11, 8), date(2026, 11, 9), date(2026, 11, 10)]
    assert all(list(counts) == [lane.id for lane in LANES] for counts in table.values())
    assert table[date(2026, 11, 8)] == {
        BACKLOG: Tally(1, 3),
        DOING: Tally(1, 2),
        REVIEW: Tally(1, 5),
        DONE: Tally(),
        ARCHIVE: Tally(),
        SHIPPED: Tally(),
    }
    assert table[date(2026, 11, 10)][DOING] == Tally(1, 1)
    assert table[date(2026, 11, 10)][DONE] == Tally(1, 2)
    with pytest.raises(Invalid):
        cumulative_flow(BOARD, first=date(2026, 11, 10), last=date(2026, 11, 8), offset_minutes=0)


def test_speed_measures_cycle_and_lead_time_to_the_first_finish() -> None:
    board = BoardFlow(
        LANES,
        (
            # Created 20 Oct, started 3 Nov, finished 10 Nov.
            CardFlow(
                1,
                2,
                card(1, 2, (BACKLOG, day(10, 20)), (DOING, day(11, 3)), (DONE, day(11, 10))).visits,
                "A",
                day(10, 20),
            ),
            # Finished without passing a start lane: no cycle time, but a lead time.
            CardFlow(2, 1, card(2, 1, (BACKLOG, day(11, 2)), (DONE, day(11, 4))).visits, "B", day(11, 2)),
            # Finished before the range.
            CardFlow(3, 1, card(3, 1, (DOING, day(10, 1)), (DONE, day(10, 2))).visits, "C", day(10, 1)),
            # Not finished.
            CardFlow(4, 1, card(4, 1, (DOING, day(11, 5))).visits, "D", day(11, 5)),
        ),
    )
    found = speed(
        board,
        start_lanes=frozenset({DOING, REVIEW}),
        finish_lanes=frozenset({DONE, ARCHIVE}),
        first=date(2026, 11, 1),
        last=date(2026, 11, 10),
        offset_minutes=0,
    )
    assert [(s.card.card_id, s.started, s.finished, s.created) for s in found] == [
        (2, None, day(11, 4), day(11, 2)),
        (1, day(11, 3), day(11, 10), day(10, 20)),
    ]
