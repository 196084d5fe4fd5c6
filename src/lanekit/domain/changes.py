"""What every change to a board shares: the board-version bump and saving the activity events it produced.

Every write to a board or anything on it bumps `boards.version` once per transaction (ascending board id, the
lock order) and saves its events stamped with that version, in the same transaction as the change; this is
what `GET /io/board/:boardId/changes` and the activity endpoints read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from lanekit.domain.events import NewEvent
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import activity as activity_queries
from lanekit.storage.queries import boards as board_queries


async def bump_boards(conn: Connection, *, board_ids: Iterable[int]) -> dict[int, int]:
    """Grow each board's version once (ascending id: the lock order) and return the new versions."""
    return {b: await board_queries.bump_version(conn, board_id=b) for b in sorted(set(board_ids))}


async def save_events(
    conn: Connection,
    *,
    actor: Actor,
    now: datetime,
    versions: Mapping[int, int],
    events: Sequence[NewEvent],
) -> None:
    await activity_queries.insert_events(
        conn,
        rows=activity_queries.stamp(
            account_id=actor.account_id,
            user_id=actor.user_id,
            now=now,
            versions=dict(versions),
            new_events=events,
        ),
    )
