"""PostgreSQL dropping every connection under load (what a restart does to its clients) costs only the
requests in flight: they are answered 503 with Retry-After, never 500, and the same server process serves
the next requests without being restarted.

The backends are ended with `pg_terminate_backend` from another connection: to the server it is the same as
a restart (every connection is closed with SQLSTATE 57P01, the pool holds only dead ones), without stopping
a PostgreSQL that other test runs share.  SQLite has no server to lose, so this runs on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from lanekit.storage import engine
from lanekit.storage.migrate import upgrade
from tests.conftest import PG_ADMIN_URL, _settings
from tests.harness import Lanekit
from tests.scratch_db import scratch_database

pytestmark = pytest.mark.anyio

CLIENTS = 8


async def _terminate_backends(database: str) -> int:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await conn.close()
    return len(rows)


async def _load(
    client: httpx.AsyncClient, board_id: str, stop: asyncio.Event, seen: list[httpx.Response]
) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        if n % 2:
            response = await client.post("/io/card", json={"boardId": board_id, "title": f"load {n}"})
        else:
            response = await client.get(f"/io/board/{board_id}/card")
        seen.append(response)


async def test_lost_database_connections_fail_only_requests_in_flight(tmp_path: Path) -> None:
    async with scratch_database("postgresql", tmp_path) as url:
        kit = Lanekit(_settings(url))
        try:
            await upgrade(kit.db.engine)
            tenant = await kit.tenant()
            admin = kit.as_admin(tenant)
            created = await admin.post("/io/board", json={"title": "Load"})
            assert created.status_code == 200, created.text
            board_id = created.json()["id"]
            database = url.rsplit("/", 1)[1]

            refused_in_flight = 0
            for _round in range(3):
                stop = asyncio.Event()
                seen: list[httpx.Response] = []
                workers = [
                    asyncio.create_task(_load(kit.as_admin(tenant), board_id, stop, seen))
                    for _ in range(CLIENTS)
                ]
                await asyncio.sleep(0.3)
                assert await _terminate_backends(database) > 0
                await asyncio.sleep(0.5)
                stop.set()
                await asyncio.wait_for(asyncio.gather(*workers), timeout=30)

                statuses = {r.status_code for r in seen}
                assert statuses <= {200, 201, 503}, [
                    (r.status_code, r.text) for r in seen if r.status_code >= 500 and r.status_code != 503
                ]
                for refused in (r for r in seen if r.status_code == 503):
                    refused_in_flight += 1
                    assert refused.headers["retry-after"] == "1"
                    assert refused.json()["statusCode"] == 503

                # Idle now: every pooled connection is terminated while unused; the next requests succeed.
                assert await _terminate_backends(database) >= 0
                for _ in range(CLIENTS):
                    after = await admin.get(f"/io/board/{board_id}/card")
                    assert after.status_code == 200, after.text
                assert (
                    await admin.post("/io/card", json={"boardId": board_id, "title": "after"})
                ).status_code == 201
                assert (await kit.client().get("/readyz")).status_code == 200
            # The fault did hit requests (or this test would prove nothing).
            assert refused_in_flight > 0
        finally:
            await kit.close()


class _PingCounter:
    """Counts the checkout pings (`SELECT 1` as a simple query on the raw asyncpg connection)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pings = 0
        original = asyncpg.Connection.execute

        async def execute(conn: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            if query == "SELECT 1":
                self.pings += 1
            return await original(conn, query, *args, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, "execute", execute)


@asynccontextmanager
async def _served_board(tmp_path: Path, title: str) -> AsyncIterator[tuple[str, httpx.AsyncClient, str]]:
    """A scratch PostgreSQL database served by an app: its name, an administrator's client, a board's id."""
    async with scratch_database("postgresql", tmp_path) as url:
        kit = Lanekit(_settings(url))
        try:
            await upgrade(kit.db.engine)
            admin = kit.as_admin(await kit.tenant())
            created = await admin.post("/io/board", json={"title": title})
            assert created.status_code == 200, created.text
            yield url.rsplit("/", 1)[1], admin, created.json()["id"]
        finally:
            await kit.close()


async def test_a_connection_returned_a_moment_ago_is_not_pinged_and_one_idle_longer_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _served_board(tmp_path, "Pings") as (_database, admin, board_id):
        path = f"/io/board/{board_id}/card"
        counter = _PingCounter(monkeypatch)
        for _ in range(5):
            assert (await admin.get(path)).status_code == 200
        assert counter.pings == 0

        monkeypatch.setattr(engine, "UNPINGED_IDLE_SECONDS", 0.0)
        assert (await admin.get(path)).status_code == 200
        assert counter.pings == 1


async def test_dead_connections_handed_out_unpinged_are_replaced_at_their_first_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every reused connection counts as returned a moment ago, so none is pinged: each request's first
    # statement (a read, or the BEGIN of a write) meets the terminated backend and must be run again on a
    # new connection rather than fail.
    monkeypatch.setattr(engine, "UNPINGED_IDLE_SECONDS", 3600.0)
    async with _served_board(tmp_path, "Unpinged") as (database, admin, board_id):
        counter = _PingCounter(monkeypatch)
        for send in (
            lambda: admin.get(f"/io/board/{board_id}/card"),
            lambda: admin.post("/io/card", json={"boardId": board_id, "title": "after"}),
        ):
            assert (await admin.get(f"/io/board/{board_id}")).status_code == 200  # a pooled connection
            assert await _terminate_backends(database) > 0
            response = await send()
            assert response.status_code in (200, 201), response.text
        assert counter.pings == 0
        titles = [c["title"] for c in (await admin.get(f"/io/board/{board_id}/card")).json()["cards"]]
        assert titles == ["after"]  # written once
