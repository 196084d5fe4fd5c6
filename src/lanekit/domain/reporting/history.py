"""History exports from the activity log: lane visits (`cardpositions`), blocked periods
(`cards/blockedhistory`) and assignment periods (`userassignments/history`, `usertaskassignments/history`).

docs/decisions/172-reporting-history.md.  The events moves, blocks and assignments already record carry
everything these need (who, when, which lane or user); a card's history is folded from its events oldest
first.  What the log cannot say is filled from the card's current state: a card with no lane event was in
its current lane since it was created, and a current assignment with no `userAssigned` event began at its
`assigned_on` (by someone unknown).

Cards are read in batches by id (live cards on the chosen boards; growing batches), then their events in
one statement per batch; rows come out per card in time order, so the order is stable and `offset`/`limit`
count those rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from lanekit.domain import clock, events
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection
from lanekit.storage.queries import reporting as reporting_queries
from lanekit.storage.queries.reporting import HistoryCard, LaneEvent, LoggedEvent

HISTORY_EXPORTS = (
    "cardpositions",
    "cards/blockedhistory",
    "userassignments/history",
    "usertaskassignments/history",
)
# Cards read per batch: the first batch FIRST_CARD_BATCH (a short page stays cheap), each next one twice the
# last, up to CARD_BATCH.  A card's events are scattered through the log, so one statement over many cards
# reads each page of the log once where many small ones read it again and again: on the bench's full data
# set, 1,000 cards cost PostgreSQL 20 µs each, 5,000 cards 11 µs (docs/decisions/175).
FIRST_CARD_BATCH = 200
CARD_BATCH = 5000

# Events that put a card into a board lane (`toLane`, or `lane` on creation) or take it out of one.
LANE_EVENTS = (
    events.CARD_CREATED,
    events.CARD_MOVED,
    events.CARD_MOVED_OFF_BOARD,
    events.CARD_MOVED_TO_TASK_BOARD,
    events.TASK_CARD_MOVED_TO_BOARD,
)
_BLOCK_EVENTS = (events.CARD_BLOCKED, events.CARD_UNBLOCKED)
_ASSIGN_EVENTS = (events.USER_ASSIGNED, events.USER_UNASSIGNED)


@dataclass(frozen=True, slots=True)
class LaneVisit:
    lane_id: int
    entered: datetime
    left: datetime | None


@dataclass(frozen=True, slots=True)
class Period:
    """A blocked or assigned stretch: who started and who ended it (None: unknown or still open)."""

    started: datetime
    ended: datetime | None
    started_by: int | None
    ended_by: int | None
    subject: int | None = None  # the assigned user, for assignments


def _lane_id(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def lane_visits(card: HistoryCard, logged: Sequence[LaneEvent]) -> list[LaneVisit]:
    """The card's board-lane visits, oldest first; the last is open while the card is still in its lane."""
    visits: list[LaneVisit] = []
    current: tuple[int, datetime] | None = None
    seen_any = False

    def leave(at: datetime) -> None:
        nonlocal current
        if current is not None:
            visits.append(LaneVisit(current[0], current[1], at))
            current = None

    for event in logged:
        at = event.occurred_on
        if event.type == events.CARD_CREATED:
            lane = _lane_id(event.lane)
            if lane is not None:
                leave(at)
                current = (lane, at)
        elif event.type == events.CARD_MOVED_TO_TASK_BOARD:
            leave(at)
        else:
            to_lane, from_lane = _lane_id(event.to_lane), _lane_id(event.from_lane)
            from_board_lane = event.type != events.TASK_CARD_MOVED_TO_BOARD  # else a taskboard lane
            if current is None and not seen_any and from_lane is not None and from_board_lane:
                # History from before the log: the card was in `fromLane` since it was created.
                current = (from_lane, card.created_on)
            if current is not None and current[0] == to_lane:
                continue  # a move off the board is logged on both boards: the second copy changes nothing
            leave(at)
            if to_lane is not None:
                current = (to_lane, at)
        seen_any = True
    if not seen_any:
        current = (card.lane_id, card.created_on)
    if current is not None:
        visits.append(LaneVisit(current[0], current[1], None))
    return visits


def blocked_periods(logged: Sequence[LoggedEvent]) -> list[Period]:
    periods: list[Period] = []
    open_since: tuple[datetime, int | None] | None = None
    for event in logged:
        if event.type == events.CARD_BLOCKED and open_since is None:
            open_since = (event.occurred_on, event.user_id)
        elif event.type == events.CARD_UNBLOCKED and open_since is not None:
            periods.append(Period(open_since[0], event.occurred_on, open_since[1], event.user_id))
            open_since = None
    if open_since is not None:
        periods.append(Period(open_since[0], None, open_since[1], None))
    return periods


def _user_id(data: dict[str, Any]) -> int | None:
    value = (data.get("user") or {}).get("id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def assignment_periods(logged: Sequence[LoggedEvent], current: dict[int, datetime]) -> list[Period]:
    """Per assigned user, each stretch of assignment, in the order they began."""
    periods: list[Period] = []
    open_ones: dict[int, tuple[datetime, int | None]] = {}
    for event in logged:
        user = _user_id(event.data)
        if user is None:
            continue
        if event.type == events.USER_ASSIGNED and user not in open_ones:
            open_ones[user] = (event.occurred_on, event.user_id)
        elif event.type == events.USER_UNASSIGNED and user in open_ones:
            started, by = open_ones.pop(user)
            periods.append(Period(started, event.occurred_on, by, event.user_id, user))
    for user, (started, by) in open_ones.items():
        periods.append(Period(started, None, by, None, user))
    for user, assigned_on in current.items():
        if user not in open_ones:
            periods.append(Period(assigned_on, None, None, None, user))
    periods.sort(key=lambda p: (p.started, p.subject or 0))
    return periods


def durations(started: datetime, ended: datetime | None, *, now: datetime) -> tuple[int, int, int]:
    """Whole days, whole hours, and whole days leaving out Saturdays and Sundays (UTC), from `started` to
    `ended` (to `now` while open)."""
    end = ended or now
    if end <= started:
        return 0, 0, 0
    elapsed = end - started
    working = timedelta()
    cursor = started
    while cursor < end:
        next_midnight = datetime.combine(
            cursor.date() + timedelta(days=1), datetime.min.time(), cursor.tzinfo
        )
        stop = min(next_midnight, end)
        if cursor.weekday() < 5:
            working += stop - cursor
        cursor = stop
    day = timedelta(days=1)
    return elapsed // day, elapsed // timedelta(hours=1), working // day


async def _card_rows(
    conn: Connection, export: str, cards: list[HistoryCard], board_ids: frozenset[int]
) -> list[list[Any]]:
    ids = [c.id for c in cards]
    if export == "cardpositions":
        moves = _grouped(await reporting_queries.list_lane_events(conn, card_ids=ids, types=LANE_EVENTS))
        visits = {c.id: lane_visits(c, moves.get(c.id, [])) for c in cards}
        places = await reporting_queries.list_lane_places(
            conn, lane_ids=[v.lane_id for vs in visits.values() for v in vs]
        )
        rows = []
        for card in cards:
            for visit in visits[card.id]:
                place = places.get(visit.lane_id)
                if place is None or place[1] not in board_ids:
                    continue  # a deleted lane, or a lane of a board the export does not read
                rows.append(
                    [card.id, card.custom_id, card.title, visit.entered, visit.left, visit.lane_id, *place]
                )
        return rows
    now = clock.now()
    if export == "cards/blockedhistory":
        by_card = _grouped(await reporting_queries.list_card_events(conn, card_ids=ids, types=_BLOCK_EVENTS))
        found = {c.id: blocked_periods(by_card.get(c.id, [])) for c in cards}
        people = await _people(conn, found)
        return [
            [
                card.id,
                card.title,
                card.size,
                card.priority,
                card.type_id,
                card.type_name,
                card.board_id,
                card.board_title,
                period.started,
                period.ended,
                *_person(people, period.started_by),
                *_person(people, period.ended_by),
                *durations(period.started, period.ended, now=now),
            ]
            for card in cards
            for period in found[card.id]
        ]
    by_card = _grouped(await reporting_queries.list_card_events(conn, card_ids=ids, types=_ASSIGN_EVENTS))
    current = await reporting_queries.list_assignments(conn, card_ids=ids)
    found = {c.id: assignment_periods(by_card.get(c.id, []), current.get(c.id, {})) for c in cards}
    people = await _people(conn, found, with_subjects=True)
    return [
        [
            card.id,
            *_person(people, period.subject),
            *_person(people, period.started_by),
            *_person(people, period.ended_by),
            period.started,
            period.ended,
            card.title,
            card.size,
            card.priority,
            card.type_id,
            card.type_name,
            card.board_id,
            card.board_title,
            *durations(period.started, period.ended, now=now),
        ]
        for card in cards
        for period in found[card.id]
    ]


_E = TypeVar("_E", LoggedEvent, LaneEvent)


def _grouped(logged: list[_E]) -> dict[int, list[_E]]:
    grouped: dict[int, list[_E]] = {}
    for event in logged:
        grouped.setdefault(event.card_id, []).append(event)
    return grouped


async def _people(
    conn: Connection, found: dict[int, list[Period]], *, with_subjects: bool = False
) -> dict[int, tuple[str, str]]:
    ids = {
        u
        for periods in found.values()
        for p in periods
        for u in (p.started_by, p.ended_by, p.subject if with_subjects else None)
        if u is not None
    }
    return await reporting_queries.list_user_refs(conn, user_ids=sorted(ids))


def _person(people: dict[int, tuple[str, str]], user_id: int | None) -> list[Any]:
    """[id, full name, email] of a user (nulls when unknown)."""
    if user_id is None:
        return [None, None, None]
    name, email = people.get(user_id, (None, None))
    return [user_id, name, email]


async def history_rows(
    db: Database, *, export: str, board_ids: Sequence[int], offset: int, limit: int | None
) -> AsyncIterator[list[list[Any]]]:
    """The export's rows, a batch of cards at a time; `offset` rows skipped, at most `limit` produced."""
    chosen = frozenset(board_ids)
    tasks = export == "usertaskassignments/history"
    after = 0
    skip, remaining = offset, limit
    size = min(FIRST_CARD_BATCH, CARD_BATCH)
    while remaining is None or remaining > 0:
        async with db.read() as conn:
            cards = await reporting_queries.list_history_cards(
                conn, board_ids=board_ids, tasks=tasks, after=after, size=size
            )
            rows = await _card_rows(conn, export, cards, chosen) if cards else []
        await db.release()
        if skip:
            dropped = min(skip, len(rows))
            rows, skip = rows[dropped:], skip - dropped
        if remaining is not None:
            rows = rows[:remaining]
            remaining -= len(rows)
        if rows:
            yield rows
        if len(cards) < size:
            return
        after = cards[-1].id
        size = min(size * 2, CARD_BATCH)
