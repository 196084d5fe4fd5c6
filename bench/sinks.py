"""Where the generator's rows go: asyncpg binary COPY on PostgreSQL, big `executemany` batches on SQLite.

Values arrive as the Python values the SQLAlchemy column types take (aware datetimes, dates, bools, JSON-able
objects) and are converted here for each raw driver, by the column types of `lanekit.storage.tables`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any, Protocol

import asyncpg
from sqlalchemy import JSON, Boolean, Date, Table
from sqlalchemy.engine import make_url

from lanekit.storage.types import UtcDateTime

BATCH = 20_000


class Sink(Protocol):
    async def set_board_versions(self, versions: dict[int, int]) -> None: ...

    async def max_id(self, table: Table) -> int: ...

    async def load(self, table: Table, rows: Iterable[dict[str, Any]]) -> int: ...

    async def finish(self) -> None: ...

    async def close(self) -> None: ...


def _chunks(rows: Iterable[dict[str, Any]], columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(row[c] for c in columns))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class PostgresSink(Sink):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.loaded: list[Table] = []

    @classmethod
    async def open(cls, url: str) -> PostgresSink:
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        sink = cls(conn)
        await conn.execute("BEGIN")
        try:
            # Skip the per-row foreign-key triggers during the load (needs a superuser; else they just run).
            await conn.execute("SET LOCAL session_replication_role = replica")
        except asyncpg.InsufficientPrivilegeError:
            await conn.execute("ROLLBACK")
            await conn.execute("BEGIN")
        return sink

    async def set_board_versions(self, versions: dict[int, int]) -> None:
        await self.conn.executemany(
            "UPDATE boards SET version = $1 WHERE id = $2", [(v, b) for b, v in versions.items()]
        )

    async def max_id(self, table: Table) -> int:
        return int(await self.conn.fetchval(f"SELECT coalesce(max(id), 0) FROM {table.name}"))

    async def load(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        columns = [c.name for c in table.c]
        json_columns = {i for i, c in enumerate(table.c) if isinstance(c.type, JSON)}
        count = 0
        for batch in _chunks(rows, columns):
            if json_columns:
                batch = [
                    tuple(
                        json.dumps(v) if i in json_columns and v is not None else v for i, v in enumerate(r)
                    )
                    for r in batch
                ]
            await self.conn.copy_records_to_table(table.name, records=batch, columns=columns)
            count += len(batch)
        if "id" in table.c and table not in self.loaded:
            self.loaded.append(table)
        return count

    async def finish(self) -> None:
        for table in self.loaded:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
            )
        await self.conn.execute("COMMIT")
        # A production database has had autovacuum at work; a fresh bulk load has not, so set the
        # visibility map now or index-only scans keep visiting the heap.
        await self.conn.execute("VACUUM ANALYZE")

    async def close(self) -> None:
        await self.conn.close()


def _sqlite_value(column_type: Any) -> Any:
    if isinstance(column_type, UtcDateTime):
        return lambda v: None if v is None else v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(column_type, JSON):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else v.isoformat()
    return None


class SqliteSink(Sink):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    async def open(cls, url: str) -> SqliteSink:
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-200000")
        conn.execute("BEGIN IMMEDIATE")
        return cls(conn)

    async def set_board_versions(self, versions: dict[int, int]) -> None:
        self.conn.executemany(
            "UPDATE boards SET version = ? WHERE id = ?", [(v, b) for b, v in versions.items()]
        )

    async def max_id(self, table: Table) -> int:
        return int(self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table.name}").fetchone()[0])

    async def load(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        columns = [c.name for c in table.c]
        converters = [(i, conv) for i, c in enumerate(table.c) if (conv := _sqlite_value(c.type)) is not None]
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        count = 0
        for batch in _chunks(rows, columns):
            if converters:
                converted = []
                for r in batch:
                    values = list(r)
                    for i, conv in converters:
                        values[i] = conv(values[i])
                    converted.append(values)
                self.conn.executemany(sql, converted)
            else:
                self.conn.executemany(sql, batch)
            count += len(batch)
        return count

    async def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")

    async def close(self) -> None:
        self.conn.close()


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def open_sink(url: str) -> Sink:
    if make_url(url).get_backend_name() == "sqlite":
        return await SqliteSink.open(url)
    return await PostgresSink.open(url)
