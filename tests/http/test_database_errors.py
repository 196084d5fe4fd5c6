"""A transaction the database rolls back to break a deadlock is a 503 the client may retry, not a 500.

Writers lock boards in ascending id order, but a few multi-board writes (a mirror and its source, a
connection across boards) cannot always know every board up front; PostgreSQL then breaks the rare
deadlock by aborting one transaction, and the caller must hear "retry", with nothing written.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.conftest import _settings
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def test_a_deadlock_victim_gets_503_with_retry_after(database_urls: dict[str, str]) -> None:
    kit = Lanekit(_settings(database_urls["postgresql"]))
    try:
        engine = kit.db.engine
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS deadlock_probe (id int PRIMARY KEY, n int)"))
            await conn.execute(text("DELETE FROM deadlock_probe"))
            await conn.execute(text("INSERT INTO deadlock_probe VALUES (1, 0), (2, 0)"))

        async def lock_both(first: int, second: int, ready: asyncio.Event, other: asyncio.Event) -> None:
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE deadlock_probe SET n = n + 1 WHERE id = :id"), {"id": first})
                ready.set()
                await other.wait()
                await conn.execute(text("UPDATE deadlock_probe SET n = n + 1 WHERE id = :id"), {"id": second})

        async def two_writers() -> None:
            a, b = asyncio.Event(), asyncio.Event()
            await asyncio.gather(lock_both(1, 2, a, b), lock_both(2, 1, b, a))

        kit.app.add_api_route("/deadlock-probe", two_writers, methods=["POST"])
        response = await kit.client().post("/deadlock-probe")

        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json() == {
            "statusCode": 503,
            "error": "Service Unavailable",
            "message": "a concurrent change got in the way; retry shortly",
        }
        async with engine.begin() as conn:
            counts = (await conn.execute(text("SELECT n FROM deadlock_probe ORDER BY id"))).scalars().all()
            await conn.execute(text("DROP TABLE deadlock_probe"))
        # The victim's update was rolled back; the survivor's two updates stand.
        assert sorted(counts) == [1, 1]
    finally:
        await kit.close()
