"""LANEKIT_REPORTING_DATABASE_URL: exports read their rows through a second database URL (a replica; here
a second URL to the same database, as a standby would serve the same rows) and say how old they may be."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from lanekit.settings import Settings
from tests.factories.boards import make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def test_exports_read_rows_from_the_reporting_database(
    make_settings: Callable[..., Settings], settings: Settings
) -> None:
    kit = Lanekit(make_settings(reporting_database_url=settings.database_url))
    try:
        tenant = await kit.tenant()
        async with kit.db.begin() as conn:
            board = await make_board(conn, tenant.account, creator=tenant.admin)
            card = await make_card(conn, board, by=tenant.admin, title="replicated")
        admin = kit.as_admin(tenant)
        first = await admin.get("/io/reporting/export/cards.json")
        assert first.status_code == 200, first.text
        assert [r["cardId"] for r in first.json()] == [str(card.id)]
        # A primary (and a second URL to it) is not replaying anything: the rows are current.
        assert first.headers["x-data-age"] == "0.000"

        replica = kit.app.state.reporting_db
        assert replica is not kit.db
        on_replica: list[str] = []
        on_primary: list[str] = []

        def record(into: list[str]) -> Callable[..., None]:
            def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                into.append(statement)

            return listener

        event.listen(replica.engine.sync_engine, "before_cursor_execute", record(on_replica))
        event.listen(kit.db.engine.sync_engine, "before_cursor_execute", record(on_primary))
        again = await admin.get("/io/reporting/export/cards.json")
        assert [r["cardTitle"] for r in again.json()] == ["replicated"]
        # The rows come from the reporting database; which boards may be read, from the database itself.
        assert any("FROM cards" in s for s in on_replica)
        assert not any("FROM cards" in s for s in on_primary)
        assert any("board_roles" in s for s in on_primary)
    finally:
        replica_db = getattr(kit.app.state, "reporting_db", None)
        if replica_db is not None:
            await replica_db.dispose()
        await kit.close()


async def test_without_a_reporting_database_rows_come_from_the_database(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get("/io/reporting/export/boards")
    assert response.status_code == 200
    assert response.headers["x-data-age"] == "0.000"
    assert getattr(lanekit.app.state, "reporting_db", None) is None
