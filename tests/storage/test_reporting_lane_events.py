"""`storage/queries/reporting.list_lane_events`: the lane ids of logged events, read by the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lanekit.storage.engine import Database
from lanekit.storage.queries.reporting import LaneEvent, list_lane_events
from lanekit.storage.tables import events
from tests.factories.boards import make_board
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)


async def test_lane_ids_are_read_when_the_log_wrote_strings(lanekit: Lanekit, db: Database) -> None:
    tenant = await lanekit.tenant()
    async with db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin, title="B")
        logged: list[tuple[int, str, dict[str, Any]]] = [
            (1, "cardCreated", {"lane": {"id": "10", "title": "L"}, "title": "x"}),
            (1, "cardMoved", {"fromLane": {"id": "10"}, "toLane": {"id": "11"}}),
            (1, "cardBlocked", {"lane": {"id": "10"}}),  # not a lane event: left out
            (1, "cardMoved", {"fromLane": {"id": 10}, "toLane": None}),  # not strings: None
            (2, "cardMoved", {"title": "no lanes"}),
            (3, "cardMoved", {"toLane": {"id": "99"}}),  # another card: left out
        ]
        for card_id, kind, data in logged:
            await conn.execute(
                events.insert().values(
                    account_id=tenant.account.id,
                    board_id=board.id,
                    card_id=card_id + 10_000_000 * tenant.account.id,
                    type=kind,
                    user_id=None,
                    occurred_on=T0,
                    board_version=1,
                    data=data,
                )
            )
    base = 10_000_000 * tenant.account.id
    async with db.read() as conn:
        found = await list_lane_events(
            conn, card_ids=[base + 1, base + 2], types=["cardCreated", "cardMoved"]
        )
    assert found == [
        LaneEvent(base + 1, "cardCreated", T0, "10", None, None),
        LaneEvent(base + 1, "cardMoved", T0, None, "10", "11"),
        LaneEvent(base + 1, "cardMoved", T0, None, None, None),
        LaneEvent(base + 2, "cardMoved", T0, None, None, None),
    ]
    assert all(e.occurred_on.utcoffset() is not None for e in found)
