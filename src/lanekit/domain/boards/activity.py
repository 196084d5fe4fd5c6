"""Reading the activity log: a card's history, a board's history, and a board's changes since a version."""

from __future__ import annotations

from dataclasses import dataclass

from lanekit.domain import events
from lanekit.domain.access import BoardAccess, access_for_card, board_access, require
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import activity as activity_queries
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import EventRecord

DIRECTIONS = ("older", "newer")
MAX_EVENTS = 1000


def _check(direction: str, limit: int) -> bool:
    if direction not in DIRECTIONS:
        raise Invalid("direction", "must be older or newer")
    if not 0 <= limit <= MAX_EVENTS:
        raise Invalid("limit", f"must be between 0 and {MAX_EVENTS}")
    return direction == "newer"


async def card_activity(
    conn: Connection, *, actor: Actor, card_id: int, cursor: int | None, direction: str, limit: int
) -> list[EventRecord]:
    """Newest first.  A deleted card's history stays readable to those who can read its board."""
    newer = _check(direction, limit)
    states = await card_queries.list_states(conn, account_id=actor.account_id, card_ids=[card_id])
    if not states:
        raise NotFound("card", card_id)
    access = await access_for_card(conn, actor=actor, card_id=card_id, board_id=states[0][1])
    require(access, "card.read")
    return await activity_queries.list_for_card(
        conn, account_id=actor.account_id, card_id=card_id, cursor=cursor, newer=newer, limit=limit
    )


async def board_activity(
    conn: Connection, *, actor: Actor, board_id: int, cursor: int | None, direction: str, limit: int
) -> list[EventRecord]:
    newer = _check(direction, limit)
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "card.read")
    return await activity_queries.list_for_board(
        conn, account_id=actor.account_id, board_id=board_id, cursor=cursor, newer=newer, limit=limit
    )


@dataclass(frozen=True, slots=True)
class BoardChangeReport:
    board_id: int
    version: int
    since: int
    changes: events.BoardChanges
    # Live cards per affected lane: lane id → (count, total size).
    lane_counts: dict[int, tuple[int, int]]


async def board_changes(
    conn: Connection, *, actor: Actor, board_id: int, since: int
) -> BoardChangeReport | None:
    """None when `since` is ahead of the board (the endpoint answers 204)."""
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "card.read")
    current = access.board.version
    if since > current:
        return None
    rows = await activity_queries.list_since_version(conn, board_id=board_id, version=since)
    summary = events.summarize(rows)
    counts = await lane_queries.card_counts(conn, board_id=board_id, lane_ids=summary.affected_lanes)
    lane_counts = {
        lane_id: (counts[lane_id].card_count, counts[lane_id].card_size) if lane_id in counts else (0, 0)
        for lane_id in summary.affected_lanes
    }
    return BoardChangeReport(board_id, current, since, summary, lane_counts)


@dataclass(frozen=True, slots=True)
class BoardHistory:
    """A board's events after a version, oldest first, with the board as it is now.

    `silent_versions` counts the versions after `since` that no event describes: changes to the board
    itself (its layout, settings, card types, icons), which bump the version without a card event."""

    access: BoardAccess
    since: int
    events: list[EventRecord]
    silent_versions: int

    @property
    def version(self) -> int:
        return self.access.board.version


async def board_history_since(conn: Connection, *, actor: Actor, board_id: int, since: int) -> BoardHistory:
    """What changed on the board after version `since` (the legacy board-event feed).  With nothing newer it
    costs the one statement that authorises the caller."""
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "card.read")
    current = access.board.version
    if since >= current:
        return BoardHistory(access, since, [], 0)
    records = await activity_queries.list_records_since_version(
        conn, account_id=actor.account_id, board_id=board_id, version=since, limit=MAX_EVENTS
    )
    described = {r.board_version for r in records}
    # When the page is cut at MAX_EVENTS the versions past it are not known to be silent.
    last = max(described) if len(records) == MAX_EVENTS else current
    silent = sum(1 for v in range(since + 1, last + 1) if v not in described)
    return BoardHistory(access, since, records, silent)
