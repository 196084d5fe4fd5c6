"""Flow metrics of one board from its cards' lane history: weekly throughput and WIP, lane bottlenecks, and a
daily cumulative flow series.

docs/decisions/174-flow-metrics.md.  Every figure is computed from the lane visits of
`domain/reporting/history.lane_visits` and each lane's card status (`notStarted`, `started`, `finished`,
LeanKit API: lanes):

- a card *starts* when it first enters a `started` or `finished` lane, and *completes* when it first enters
  a `finished` lane;
- it is *in process* at an instant while it sits in a `started` lane.

Weeks start on Monday at 00:00 in the caller's time (`timeOffset`: minutes added to UTC, so -300 is UTC-5);
sizes are the cards' current sizes.  The pure functions take the board's lanes and card flows and the
current instant, so tests construct a history by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lanekit.domain.access import board_access, require
from lanekit.domain.errors import Invalid
from lanekit.domain.reporting.history import LANE_EVENTS, LaneVisit, lane_visits
from lanekit.domain.types import Actor
from lanekit.storage.engine import Database
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.queries import reporting as reporting_queries
from lanekit.storage.records import LaneRecord

WEEKS = 9  # the current week and the eight before it
BOTTLENECK_WINDOW = timedelta(days=7)
MAX_FLOW_DAYS = 366
MAX_OFFSET_MINUTES = 14 * 60
_CARD_BATCH = 500


@dataclass(frozen=True, slots=True)
class CardFlow:
    card_id: int
    size: int
    visits: tuple[LaneVisit, ...]
    title: str = ""
    created_on: datetime | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    card_count: int = 0
    card_size: int = 0

    def add(self, size: int) -> Tally:
        return Tally(self.card_count + 1, self.card_size + size)


@dataclass(frozen=True, slots=True)
class BoardFlow:
    lanes: tuple[LaneRecord, ...]
    cards: tuple[CardFlow, ...]


def check_offset(value: int) -> int:
    if abs(value) > MAX_OFFSET_MINUTES:
        raise Invalid("timeOffset", f"must be between -{MAX_OFFSET_MINUTES} and {MAX_OFFSET_MINUTES} minutes")
    return value


def week_starts(now: datetime, offset_minutes: int, weeks: int = WEEKS) -> list[datetime]:
    """The UTC instants at which the last `weeks` local weeks began (Monday 00:00 local), oldest first."""
    shift = timedelta(minutes=offset_minutes)
    local = now + shift
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [monday - timedelta(weeks=back) - shift for back in range(weeks - 1, -1, -1)]


def _first_entry(card: CardFlow, statuses: dict[int, str], wanted: frozenset[str]) -> datetime | None:
    for visit in card.visits:
        if statuses.get(visit.lane_id) in wanted:
            return visit.entered
    return None


_STARTED = frozenset({"started", "finished"})
_FINISHED = frozenset({"finished"})


def _statuses(lanes: Sequence[LaneRecord]) -> dict[int, str]:
    return {lane.id: lane.card_status for lane in lanes}


def throughput(flow: BoardFlow, *, now: datetime, offset_minutes: int) -> list[dict[str, Any]]:
    """Per week: the cards that started and the cards that completed in it."""
    starts = week_starts(now, offset_minutes)
    bounds = [*starts[1:], now]
    statuses = _statuses(flow.lanes)
    weeks = []
    for begin, end in zip(starts, bounds, strict=True):
        started, completed = Tally(), Tally()
        for card in flow.cards:
            at = _first_entry(card, statuses, _STARTED)
            if at is not None and begin <= at < end:
                started = started.add(card.size)
            at = _first_entry(card, statuses, _FINISHED)
            if at is not None and begin <= at < end:
                completed = completed.add(card.size)
        weeks.append({"start": begin, "started": started, "completed": completed})
    return weeks


def _lane_at(card: CardFlow, moment: datetime) -> int | None:
    for visit in card.visits:
        if visit.entered <= moment and (visit.left is None or moment < visit.left):
            return visit.lane_id
    return None


def work_in_process(flow: BoardFlow, *, now: datetime, offset_minutes: int) -> list[dict[str, Any]]:
    """Per week: the cards in a `started` lane at the week's end (now, for the current week)."""
    starts = week_starts(now, offset_minutes)
    ends = [*starts[1:], now]
    statuses = _statuses(flow.lanes)
    weeks = []
    for begin, end in zip(starts, ends, strict=True):
        # The instant just before the next week begins; `now` itself for the current week.
        moment = end if end == now else end - timedelta(microseconds=1)
        tally = Tally()
        for card in flow.cards:
            lane = _lane_at(card, moment)
            if lane is not None and statuses.get(lane) == "started":
                tally = tally.add(card.size)
        weeks.append({"start": begin, "wip": tally})
    return weeks


def lane_bottlenecks(flow: BoardFlow, *, now: datetime) -> list[tuple[LaneRecord, Tally, Tally]]:
    """Lanes that took in more than one card more than they let out over the last seven days; archive,
    taskboard and connection-done lanes are left out."""
    since = now - BOTTLENECK_WINDOW
    found = []
    for lane in flow.lanes:
        if lane.lane_class_type == "archive" or lane.task_card_id is not None or lane.is_connection_done_lane:
            continue
        came, went = Tally(), Tally()
        for card in flow.cards:
            for visit in card.visits:
                if visit.lane_id != lane.id:
                    continue
                if since <= visit.entered <= now:
                    came = came.add(card.size)
                if visit.left is not None and since <= visit.left <= now:
                    went = went.add(card.size)
        if came.card_count - went.card_count > 1:
            found.append((lane, came, went))
    return found


def check_range(first: date, last: date) -> None:
    if last < first:
        raise Invalid("endDate", "must not be before startDate")
    if (last - first).days >= MAX_FLOW_DAYS:
        raise Invalid("endDate", f"the range may span at most {MAX_FLOW_DAYS} days")


def cumulative_flow(
    flow: BoardFlow, *, first: date, last: date, offset_minutes: int
) -> list[tuple[date, list[tuple[LaneRecord, Tally]]]]:
    """Per local day, the cards in each lane at the day's end (each lane of the board's layout)."""
    check_range(first, last)
    shift = timedelta(minutes=offset_minutes)
    days = []
    day = first
    while day <= last:
        moment = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) - shift
        moment -= timedelta(microseconds=1)
        counts: dict[int, Tally] = {}
        for card in flow.cards:
            lane = _lane_at(card, moment)
            if lane is not None:
                counts[lane] = counts.get(lane, Tally()).add(card.size)
        days.append((day, [(lane, counts.get(lane.id, Tally())) for lane in flow.lanes]))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class CardSpeed:
    card: CardFlow
    started: datetime | None
    finished: datetime
    created: datetime


def check_lanes(flow: BoardFlow, lane_ids: Sequence[int], field: str) -> frozenset[int]:
    if not lane_ids:
        raise Invalid(field, "must name at least one lane")
    known = {lane.id for lane in flow.lanes}
    for lane_id in lane_ids:
        if lane_id not in known:
            raise Invalid(field, f"lane {lane_id} is not a lane of this board")
    return frozenset(lane_ids)


def speed(
    flow: BoardFlow,
    *,
    start_lanes: frozenset[int],
    finish_lanes: frozenset[int],
    first: date,
    last: date,
    offset_minutes: int,
) -> list[CardSpeed]:
    """The cards that first reached a finish lane during the local days `first` to `last`, with when they
    first entered a start lane before that (None if they never did) and when they were created.  Cycle
    time runs from the start, lead time from creation, to the finish."""
    check_range(first, last)
    shift = timedelta(minutes=offset_minutes)
    begin = datetime.combine(first, datetime.min.time(), UTC) - shift
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC) - shift
    found = []
    for card in flow.cards:
        finished = next((v.entered for v in card.visits if v.lane_id in finish_lanes), None)
        if finished is None or not begin <= finished < end:
            continue
        started = next(
            (v.entered for v in card.visits if v.lane_id in start_lanes and v.entered <= finished), None
        )
        created = card.created_on or (card.visits[0].entered if card.visits else finished)
        found.append(CardSpeed(card, started, finished, created))
    return sorted(found, key=lambda s: (s.finished, s.card.card_id))


async def board_flow(db: Database, *, actor: Actor, board_id: int) -> BoardFlow:
    """The board's lanes (its layout, without taskboard lanes) and the lane history of its live cards, for a
    caller who can read the board (NotFound otherwise)."""
    async with db.read() as conn:
        access = await board_access(conn, actor=actor, board_id=board_id)
        require(access, "board.read")
        lanes = [
            lane
            for lane in await lane_queries.list_for_board(
                conn, account_id=actor.account_id, board_id=board_id
            )
            if lane.task_card_id is None
        ]
    cards: list[CardFlow] = []
    after = 0
    while True:
        async with db.read() as conn:
            batch = await reporting_queries.list_history_cards(
                conn, board_ids=[board_id], tasks=False, after=after, size=_CARD_BATCH
            )
            logged = await reporting_queries.list_lane_events(
                conn, card_ids=[c.id for c in batch], types=LANE_EVENTS
            )
        by_card: dict[int, list[reporting_queries.LaneEvent]] = {}
        for event in logged:
            by_card.setdefault(event.card_id, []).append(event)
        cards += [
            CardFlow(c.id, c.size, tuple(lane_visits(c, by_card.get(c.id, []))), c.title, c.created_on)
            for c in batch
        ]
        if len(batch) < _CARD_BATCH:
            return BoardFlow(tuple(lanes), tuple(cards))
        after = batch[-1].id
