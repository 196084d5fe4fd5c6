"""The bench's own databases: one fresh, migrated database per backend and run."""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from lanekit.settings import Settings
from lanekit.storage.engine import make_engine
from lanekit.storage.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "lanekit_bench"
SQLITE_PATH = REPO / "var" / "bench" / "lanekit-bench.sqlite3"


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    return make_url(PG_ADMIN_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)


def _remove_sqlite_files() -> None:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


async def fresh_database(backend: str) -> str:
    """Drop and recreate the bench database of `backend`, migrate it, and return its URL."""
    if backend == "sqlite":
        _remove_sqlite_files()
    else:
        conn = await asyncpg.connect(make_url(PG_ADMIN_URL).render_as_string(hide_password=False))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        finally:
            await conn.close()
    url = database_url(backend)
    engine = make_engine(Settings(database_url=url))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


async def cancel_queries(url: str) -> None:
    """Cancel what a stopped server left running in the bench's PostgreSQL database.

    PostgreSQL notices a vanished client only when it next writes to it, so the queries of a killed server run
    on; only sessions named `lanekit` (the server's application_name) in the bench database are touched.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    conn = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND application_name = 'lanekit' AND pid <> pg_backend_pid()",
            parsed.database,
        )
    finally:
        await conn.close()


async def active_queries(url: str) -> int:
    """Statements the server is running in the bench's PostgreSQL database (always 0 on SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return 0
    conn = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'lanekit' "
                "AND state = 'active' AND pid <> pg_backend_pid()",
                parsed.database,
            )
        )
    finally:
        await conn.close()
