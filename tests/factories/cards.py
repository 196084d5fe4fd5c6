"""Cards built through the domain, as `POST /io/card` builds them."""

from __future__ import annotations

import uuid
from typing import Any

from lanekit.domain.cards.create import NewCard, create_card
from lanekit.storage.executor import Connection
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import BoardRecord, CardRecord, LaneRecord, UserRecord
from tests.factories.boards import actor_of


async def make_card(conn: Connection, board: BoardRecord, *, by: UserRecord, **overrides: Any) -> CardRecord:
    """A card on `board` (its drop lane unless `lane_id` is given); NewCard fields may be overridden."""
    values: dict[str, Any] = {"title": f"Card {uuid.uuid4().hex[:8]}", "board_id": board.id}
    values.update(overrides)
    return await create_card(conn, actor=actor_of(by), new=NewCard(**values))


async def board_lanes(conn: Connection, board: BoardRecord) -> dict[str, LaneRecord]:
    """The board's lanes by title (the default layout's titles are unique)."""
    lanes = await lane_queries.list_for_board(conn, account_id=board.account_id, board_id=board.id)
    return {lane.title: lane for lane in lanes}
