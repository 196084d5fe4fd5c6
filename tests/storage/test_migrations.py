"""Migrations round-trip on both databases and leave exactly the schema of `storage/tables.py`;
`/readyz` reports whether the database is reachable and migrated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from lanekit.storage.engine import make_engine
from lanekit.storage.migrate import current_revision, downgrade, head_revision, upgrade
from lanekit.storage.tables import metadata
from tests.conftest import _settings
from tests.harness import Lanekit
from tests.scratch_db import scratch_database

pytestmark = pytest.mark.anyio


def _schema_differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, metadata))


def _table_names(sync: Connection) -> set[str]:
    return set(inspect(sync).get_table_names())


async def test_upgrade_downgrade_upgrade_matches_the_tables(backend: str, tmp_path: Path) -> None:
    async with scratch_database(backend, tmp_path) as url:
        engine = make_engine(_settings(url))
        try:
            assert await current_revision(engine) is None
            await upgrade(engine)
            assert await current_revision(engine) == head_revision()

            await downgrade(engine, "base")
            assert await current_revision(engine) is None
            async with engine.connect() as conn:
                assert await conn.run_sync(_table_names) <= {"alembic_version"}

            await upgrade(engine)
            assert await current_revision(engine) == head_revision()
            async with engine.connect() as conn:
                assert await conn.run_sync(_table_names) == set(metadata.tables) | {"alembic_version"}
                assert await conn.run_sync(_schema_differences) == []
        finally:
            await engine.dispose()


async def test_each_revision_downgrades_one_step(backend: str, tmp_path: Path) -> None:
    """Walk down one revision at a time from head, and back up, so every downgrade is exercised alone."""
    async with scratch_database(backend, tmp_path) as url:
        engine = make_engine(_settings(url))
        try:
            await upgrade(engine)
            seen = []
            while (revision := await current_revision(engine)) is not None:
                seen.append(revision)
                await downgrade(engine, "-1")
            assert seen[0] == head_revision()
            for revision in reversed(seen):
                await upgrade(engine, revision)
                assert await current_revision(engine) == revision
        finally:
            await engine.dispose()


# --- /healthz and /readyz --------------------------------------------------------------------------------


async def test_healthz_and_readyz_on_a_migrated_database(lanekit: Lanekit) -> None:
    client = lanekit.client()
    health = await client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "revision": head_revision(),
        "failed": [],
        "checks": {"database": {"status": "ok", "revision": head_revision()}, "blobs": {"status": "ok"}},
    }


async def test_readyz_is_503_until_the_database_is_migrated(backend: str, tmp_path: Path) -> None:
    async with scratch_database(backend, tmp_path) as url:
        kit = Lanekit(_settings(url))
        try:
            client = kit.client()
            empty = await client.get("/readyz")
            assert empty.status_code == 503
            unmigrated = {"status": "unmigrated", "revision": None, "head": head_revision()}
            assert empty.json() == {
                **unmigrated,
                "failed": ["database"],
                "checks": {"database": unmigrated, "blobs": {"status": "ok"}},
            }
            assert (await client.get("/healthz")).status_code == 200

            await upgrade(kit.db.engine, "0001")
            behind = await client.get("/readyz")
            assert behind.status_code == 503
            assert {k: behind.json()[k] for k in ("status", "revision", "head", "failed")} == {
                "status": "unmigrated",
                "revision": "0001",
                "head": head_revision(),
                "failed": ["database"],
            }

            await upgrade(kit.db.engine)
            assert (await client.get("/readyz")).status_code == 200
        finally:
            await kit.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_readyz_is_503_when_the_database_is_unreachable(backend: str, tmp_path: Path) -> None:
    # A port nobody listens on; a file that is not a SQLite database.
    garbage = tmp_path / "not-a-database.sqlite3"
    garbage.write_bytes(b"this is not a database file" * 200)
    url = "postgresql://postgres@127.0.0.1:1/nothing" if backend == "postgresql" else f"sqlite:///{garbage}"
    kit = Lanekit(_settings(url))
    try:
        response = await kit.client().get("/readyz")
    finally:
        await kit.close()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["failed"] == ["database"]
