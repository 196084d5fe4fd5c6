"""Engines and the transaction helpers every request uses.

The only module that knows the two dialects apart.  SQLite runs in WAL mode with `synchronous=NORMAL`,
foreign keys on and a busy timeout; a write transaction starts with `BEGIN IMMEDIATE` so that a writer waits
for the lock up front (and is queued by the busy timeout) instead of failing half-way through when a read
lock cannot be upgraded.  PostgreSQL runs at READ COMMITTED; writers that must not lose each other's updates
lock or compare-and-set in SQL.

Reads run without BEGIN/COMMIT (autocommit): at READ COMMITTED each PostgreSQL statement sees its own
snapshot anyway, and on SQLite each statement of a read then sees the latest commit too, so both databases
behave alike and a read costs its statements' round trips only.  Within one process, SQLite write
transactions queue on an asyncio lock (first come, first served) rather than spinning in SQLite's busy
handler, which sleeps in growing steps; BEGIN IMMEDIATE and the busy timeout still order writers of other
processes.

Work that must happen only once a write transaction has committed (deleting the blobs of deleted attachment
rows, and later publishing the committed events to a live change feed) is registered on the transaction's
connection with `after_commit`; `Database.begin()` runs it after the commit and drops it on a rollback.

A lost database (PostgreSQL restarting, its backends terminated, the server unreachable) costs only the
requests in flight: the PostgreSQL pool pings a connection as it hands it out (`pool_pre_ping`), so one that
died while idle is replaced instead of failing the next request, and failing to reach the database at all
raises `DatabaseUnavailable`, which the edge answers with 503 and Retry-After (docs/decisions/153).

JSON columns are decoded with orjson: a page of 200 cards decodes about a thousand of them (tags, links,
board settings), and the standard library's decoder was a visible share of the page's CPU (decision 094).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from lanekit.settings import Settings

_WRITE = "lanekit_write"
_READ = "lanekit_read"
# Key of the after-commit list in a write connection's `info`, present only inside `Database.begin()`.
_AFTER_COMMIT = "lanekit_after_commit"

log = logging.getLogger("lanekit.storage")

# How long opening a PostgreSQL connection may take before the request is answered 503 instead of waiting.
CONNECT_TIMEOUT_SECONDS = 5.0


class DatabaseUnavailable(Exception):
    """The database could not be reached: refused, restarting, or too slow to accept a connection.

    Raised by `Database.begin()` and `Database.read()` before any statement ran, so nothing was written.
    """


AfterCommit = Callable[[], object]
"""A callable run after the commit: a plain function, or one returning an awaitable (an `async def`)."""


def _json_loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # What orjson refuses but the standard encoder wrote (an integer beyond 64 bits, NaN).
        return json.loads(text)


def async_url(raw: str) -> URL:
    """Turn a plain `sqlite:///…` or `postgresql://…` URL into the async driver Lanekit uses."""
    url = make_url(raw)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL scheme: {url.drivername!r} (use sqlite:// or postgresql://)")


def make_engine(settings: Settings) -> AsyncEngine:
    url = async_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, settings)
    return create_async_engine(
        url,
        json_deserializer=_json_loads,
        # Statement errors never carry the parameters (a password hash, user text) into logs.
        hide_parameters=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # One round trip per checkout; without it the first request after a PostgreSQL restart (or after
        # its backends were terminated) would fail on a pooled connection that died while idle.
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": "lanekit"}, "timeout": CONNECT_TIMEOUT_SECONDS},
    )


def _make_sqlite_engine(url: URL, settings: Settings) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    timeout_s = settings.sqlite_busy_timeout_ms / 1000
    engine = create_async_engine(
        url,
        json_deserializer=_json_loads,
        # Statement errors never carry the parameters (a password hash, user text) into logs.
        hide_parameters=True,
        connect_args={"timeout": timeout_s, "check_same_thread": False},
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that `_on_begin` decides how to BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(_READ):
            return  # autocommit: each statement is its own implicit transaction
        mode = "IMMEDIATE" if options.get(_WRITE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def after_commit(conn: AsyncConnection, callback: AfterCommit) -> None:
    """Run `callback` once the write transaction of `conn` (a `Database.begin()` connection) has committed.

    Callbacks run in the order they were registered, after the connection went back to the pool (and, on
    SQLite, after the write lock was released), shielded from cancellation.  A rollback drops them
    unrun.  A callback that raises is logged and the next one still runs: the transaction has committed,
    so what follows it can no longer make the request fail.  Raises RuntimeError for a connection that is
    not in a write transaction (`read()` commits nothing, so nothing could ever run).
    """
    pending: list[AfterCommit] | None = conn.info.get(_AFTER_COMMIT)
    if pending is None:
        raise RuntimeError("after_commit needs the connection of a Database.begin() block")
    pending.append(callback)


@asynccontextmanager
async def _connect(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`engine.connect()`, with a failure to open the connection turned into DatabaseUnavailable.

    Only the checkout is covered: an error of a statement or of the commit propagates unchanged.
    """
    try:
        conn = await engine.connect()
    except (OSError, TimeoutError, DBAPIError) as exc:
        raise DatabaseUnavailable(f"cannot reach the database ({type(exc).__name__})") from exc
    except Exception as exc:
        # asyncpg raises its own errors while opening a connection ("the database system is starting
        # up", "... is shutting down"), which SQLAlchemy does not wrap in DBAPIError.
        if type(exc).__module__.startswith("asyncpg"):
            raise DatabaseUnavailable(f"cannot reach the database ({type(exc).__name__})") from exc
        raise
    try:
        yield conn
    finally:
        # As AsyncConnection's own `async with` closes it: shielded, so a cancelled request still returns it.
        await asyncio.shield(conn.close())


async def _run_after_commit(callbacks: list[AfterCommit]) -> None:
    with anyio.CancelScope(shield=True):
        for callback in callbacks:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("after-commit callback %r failed", callback)


class Database:
    """The one way request code gets a connection: a read or a write transaction.

    `begin()` is the request's single write transaction: it commits when the block exits normally and rolls
    back when it raises.  `read()` is a connection for reads only, without a transaction: every statement
    sees the data committed when it starts (READ COMMITTED on both databases), so a read that must see two
    tables at one instant reads them in one statement.  Domain and storage code never commit; what must
    wait for the commit is registered with `after_commit(conn, callback)`.

    On SQLite, `begin()` blocks of one process run one at a time in arrival order; never open one inside
    another (on any database that would wait for itself).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        if self.dialect == "sqlite":
            self._reader = engine.execution_options(**{_READ: True})
            self._write_lock: asyncio.Lock | None = asyncio.Lock()
        else:
            self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
            self._write_lock = None

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """The write transaction, then its after-commit callbacks (see `after_commit`)."""
        callbacks: list[AfterCommit] = []
        committed = False
        lock: contextlib.AbstractAsyncContextManager[Any] = self._write_lock or contextlib.nullcontext()
        try:
            async with lock, _connect(self.engine) as conn:
                await conn.execution_options(**{_WRITE: True})
                # `info` is the pooled DBAPI connection's and outlives this block: always remove the list.
                conn.info[_AFTER_COMMIT] = callbacks
                try:
                    async with conn.begin():
                        yield conn
                    committed = True
                finally:
                    # An invalidated connection (the database went away) has no `info` to clean: reading it
                    # would reconnect outside the driver's async context; the pool clears it on reconnect.
                    if not conn.invalidated:
                        conn.info.pop(_AFTER_COMMIT, None)
        finally:
            # Also when returning the connection failed or was cancelled: the commit has happened regardless.
            if committed:
                await _run_after_commit(callbacks)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with _connect(self._reader) as conn:
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
