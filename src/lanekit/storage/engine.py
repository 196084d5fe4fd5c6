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

A request holds at most one pooled connection (docs/decisions/161-request-connection.md): inside
`Database.request_scope()` (opened per HTTP request by `web/connection.py`), `read()` and `begin()` use the
request's connection, checked out on first use and returned when the request ends or when `release()` is
called before a long wait (a client's upload, a streamed download, an Argon2 verification).  Outside a
scope (the CLI, tests, background work) each block checks out a connection of its own.  The pool does not
overflow (`LANEKIT_DB_MAX_OVERFLOW=0` by default): a burst queues for a connection instead of opening and
closing connections, and a wait longer than `LANEKIT_DB_POOL_TIMEOUT_SECONDS` is `DatabaseUnavailable`.

A lost database (PostgreSQL restarting, its backends terminated, the server unreachable) costs only the
requests in flight: a reused PostgreSQL connection is checked as it is handed out, for free when the driver
already saw the server close it and otherwise with one empty round trip (`_on_checkout`), and a dead one
is replaced instead of failing the request.  Failing to reach the database at all raises
`DatabaseUnavailable`, which the edge answers with 503 and Retry-After (docs/decisions/153).

JSON columns are decoded with orjson: a page of 200 cards decodes about a thousand of them (tags, links,
board settings), and the standard library's decoder was a visible share of the page's CPU (decision 094).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import anyio
import orjson
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_, greenlet_spawn

from lanekit.settings import Settings
from lanekit.storage.executor import (
    UNPROVEN,
    Compiler,
    Connection,
    PgConnection,
    SqliteConnection,
    make_threads,
)

_WRITE = "lanekit_write"
_READ = "lanekit_read"
# Key of the after-commit list in a write connection's `info`, present only inside `Database.begin()`.
_AFTER_COMMIT = "lanekit_after_commit"
# Key, in a pooled connection's record, of the monotonic time it was last returned to the pool.
_CHECKED_IN_AT = "lanekit_checked_in_at"

# How long a pooled PostgreSQL connection may take to answer the checkout ping before it is replaced.
PING_TIMEOUT_SECONDS = 2.0
# A pooled PostgreSQL connection returned less than this long ago is not pinged at checkout (`_on_checkout`).
UNPINGED_IDLE_SECONDS = 1.0

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
    connect_args: dict[str, Any] = {
        "server_settings": {"application_name": "lanekit"},
        "timeout": CONNECT_TIMEOUT_SECONDS,
    }
    dialect_args: dict[str, str] = {}
    if not settings.db_statement_cache:
        # Behind PgBouncer in transaction pooling (before 1.21, or without max_prepared_statements) a
        # statement prepared on one server connection is not there on the next: prepare nothing by name.
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
        dialect_args["prepared_statement_cache_size"] = "0"
    engine = create_async_engine(
        url.update_query_dict(dialect_args),
        json_deserializer=_json_loads,
        # Statement errors never carry the parameters (a password hash, user text) into logs.
        hide_parameters=True,
        **_pool_args(settings),
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine.pool, "checkout", _on_checkout)
    event.listen(engine.sync_engine.pool, "checkin", _on_checkin)
    return engine


def _unique_statement_name() -> str:
    return f"__lanekit_{uuid.uuid4().hex}__"


def _pool_args(settings: Settings) -> dict[str, Any]:
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }


def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_CHECKED_IN_AT] = time.monotonic()


def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Replace a pooled PostgreSQL connection that died while idle instead of handing it to a request.

    Decision 153's guarantee (a restart costs only the requests in flight) at one round trip per request
    where `pool_pre_ping` took three per checkout (asyncpg pings inside BEGIN … ROLLBACK): a connection
    asyncpg already knows closed (the server's goodbye was read while it sat in the pool) is dropped with
    no round trip.  A connection returned less than `UNPINGED_IDLE_SECONDS` ago is handed out unpinged and
    marked UNPROVEN: if its first statement (a read or BEGIN) finds the backend gone, the executor
    replaces it and runs that statement again on a new connection (`PgConnection._proving`), so a
    restart still costs only the requests in flight and a busy server pays no ping
    (docs/decisions/167-first-statement-proof.md).  Any other reused connection answers `SELECT 1` as a
    simple query (no transaction around it, nothing prepared) within `PING_TIMEOUT_SECONDS`, which also
    bounds the wait on a connection whose server vanished without closing it.  A connection opened for
    this checkout is not pinged.  Raising DisconnectionError makes the pool discard the connection and
    hand out a new one.
    """
    raw = getattr(dbapi_connection, "_connection", None)
    if raw is None or _CHECKED_IN_AT not in record.info:
        return
    if raw.is_closed():
        raise sa_exc.DisconnectionError("the server closed this pooled connection")
    if time.monotonic() - record.info[_CHECKED_IN_AT] < UNPINGED_IDLE_SECONDS:
        # Returned a moment ago: under load every checkout is one of these, and a ping would be one round
        # trip per request.  The request's first statement is the proof instead (`executor.UNPROVEN`).
        record.info[UNPROVEN] = True
        return
    try:
        await_(raw.execute("SELECT 1", timeout=PING_TIMEOUT_SECONDS))
    except Exception as exc:
        log.warning("replacing a pooled connection that failed its ping (%s)", type(exc).__name__)
        raise sa_exc.DisconnectionError("a pooled connection did not answer a ping") from exc


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
        # Requests end their transactions themselves (`storage/executor.py`); a reset would be one more
        # hop to the aiosqlite thread per checkin.
        pool_reset_on_return=None,
        **_pool_args(settings),
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


def after_commit(conn: Connection, callback: AfterCommit) -> None:
    """Run `callback` once the write transaction of `conn` (a `Database.begin()` connection) has committed.

    Callbacks run in the order they were registered, after the block's end (on SQLite, after the write
    lock was released; the connection is back in the pool, or, inside a request scope, free for the
    request's next block), shielded from cancellation.  A rollback drops them
    unrun.  A callback that raises is logged and the next one still runs: the transaction has committed,
    so what follows it can no longer make the request fail.  Raises RuntimeError for a connection that is
    not in a write transaction (`read()` commits nothing, so nothing could ever run).
    """
    pending: list[AfterCommit] | None = conn.info.get(_AFTER_COMMIT)
    if pending is None:
        raise RuntimeError("after_commit needs the connection of a Database.begin() block")
    pending.append(callback)


def _unreachable(exc: BaseException, dbapi: Any) -> bool:
    if isinstance(exc, (OSError, TimeoutError, DBAPIError)):
        return True
    if dbapi is not None and isinstance(exc, dbapi.Error):
        return True
    # asyncpg raises its own errors while opening a connection ("the database system is starting up",
    # "... is shutting down").
    return type(exc).__module__.startswith("asyncpg")


async def _checkout(db: Database) -> Connection:
    """A pooled connection, with a failure to get one turned into DatabaseUnavailable.

    That is: the database refusing or not answering, or the pool having no connection to spare within
    its timeout (every connection busy for `LANEKIT_DB_POOL_TIMEOUT_SECONDS`).
    """
    try:
        fairy = await greenlet_spawn(db.engine.sync_engine.pool.connect)
    except sa_exc.TimeoutError as exc:
        log.warning("no pooled database connection became free in time: %s", exc)
        raise DatabaseUnavailable("every database connection is busy") from exc
    except Exception as exc:
        if _unreachable(exc, db.engine.dialect.loaded_dbapi):
            raise DatabaseUnavailable(f"cannot reach the database ({type(exc).__name__})") from exc
        raise
    return db._connection_class(db, fairy)


async def _close(conn: Connection) -> None:
    # Shielded, so a cancelled request still returns its connection.
    await asyncio.shield(conn._checkin())


@asynccontextmanager
async def _connect(db: Database) -> AsyncIterator[Connection]:
    """A connection of its own for one block; only the checkout's failures become DatabaseUnavailable."""
    conn = await _checkout(db)
    try:
        yield conn
    finally:
        await _close(conn)


class _RequestSlot:
    """The connection of one request scope: None until a block needs it, and again once released."""

    __slots__ = ("busy", "conn")

    def __init__(self) -> None:
        self.conn: Connection | None = None
        # A block is using `conn` (a nested or concurrent block then takes a connection of its own).
        self.busy = False


async def _run_after_commit(callbacks: list[AfterCommit]) -> None:
    with anyio.CancelScope(shield=True):
        for callback in callbacks:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("after-commit callback %r failed", callback)


@asynccontextmanager
async def _transaction(conn: Connection, callbacks: list[AfterCommit]) -> AsyncIterator[Connection]:
    """BEGIN, the block, COMMIT; ROLLBACK when the block raises.  The after-commit list lives meanwhile."""
    conn.info[_AFTER_COMMIT] = callbacks
    try:
        await conn._begin()
        try:
            yield conn
        except BaseException:
            try:
                await asyncio.shield(conn._rollback())
            except Exception:
                # The block's own error is the one to raise; a connection that could not roll back is
                # not returned to the pool.
                log.warning("rollback failed; dropping the connection", exc_info=True)
                conn.invalidated = True
            raise
        await conn._commit()
    finally:
        conn.info.pop(_AFTER_COMMIT, None)


class Database:
    """The one way request code gets a connection: a read or a write transaction.

    `begin()` is the request's single write transaction: it commits when the block exits normally and rolls
    back when it raises.  `read()` is a connection for reads only, without a transaction: every statement
    sees the data committed when it starts (READ COMMITTED on both databases), so a read that must see two
    tables at one instant reads them in one statement.  Domain and storage code never commit; what must
    wait for the commit is registered with `after_commit(conn, callback)`.

    Statements run through `storage/executor.py` on the pooled driver connection (decision 164); the
    engine is kept for its pool, for migrations and for tools.

    Inside `request_scope()` every block uses the scope's one connection (see the module docstring); a
    block opened while another is still open on it takes a connection of its own, as outside a scope.

    On SQLite, `begin()` blocks of one process run one at a time in arrival order; never open one inside
    another (on any database that would wait for itself).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._compiler = Compiler(engine.dialect)
        self._writer, self._readers = make_threads(self.dialect)
        # Per Database, so that two apps (or a test's second Database) in one process never share a slot.
        self._slot: ContextVar[_RequestSlot | None] = ContextVar(f"lanekit_request_{id(self)}", default=None)
        self._connection_class: type[Connection]
        if self.dialect == "sqlite":
            self._connection_class = SqliteConnection
            self._write_lock: asyncio.Lock | None = asyncio.Lock()
        else:
            self._connection_class = PgConnection
            self._write_lock = None

    @asynccontextmanager
    async def request_scope(self) -> AsyncIterator[None]:
        """One request's span: its blocks share one connection, checked out on first use, returned at exit."""
        slot = _RequestSlot()
        token = self._slot.set(slot)
        try:
            yield
        finally:
            self._slot.reset(token)
            conn, slot.conn = slot.conn, None
            if conn is not None:
                await _close(conn)

    async def release(self) -> None:
        """Return the request's connection to the pool now, if no block is using it.

        For a request about to wait on something other than the database (reading a client's upload,
        streaming a download, an Argon2 verification): the connection serves other requests meanwhile and
        the next block checks one out again.  Outside a request scope there is nothing to release.
        """
        slot = self._slot.get()
        if slot is None or slot.busy or slot.conn is None:
            return
        conn, slot.conn = slot.conn, None
        await _close(conn)

    async def _slot_connection(self, slot: _RequestSlot) -> Connection:
        if slot.conn is None:
            slot.conn = await _checkout(self)
        return slot.conn

    async def _drop(self, slot: _RequestSlot) -> None:
        """Give up the slot's connection after a block failed: its state is not known to be clean."""
        conn, slot.conn = slot.conn, None
        if conn is not None:
            await _close(conn)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Connection]:
        """The write transaction, then its after-commit callbacks (see `after_commit`)."""
        slot = self._slot.get()
        if slot is None or slot.busy:
            async with self._own_write() as conn:
                yield conn
            return
        # The connection before the lock: a writer holding the SQLite lock never waits for the pool, which
        # with no overflow could be emptied by requests waiting for that lock.
        conn = await self._slot_connection(slot)
        callbacks: list[AfterCommit] = []
        committed = False
        lock: contextlib.AbstractAsyncContextManager[Any] = self._write_lock or contextlib.nullcontext()
        slot.busy = True
        try:
            async with lock, _transaction(conn, callbacks):
                yield conn
            committed = True
        except BaseException:
            slot.busy = False
            await self._drop(slot)
            raise
        finally:
            slot.busy = False
            if committed:
                await _run_after_commit(callbacks)

    @asynccontextmanager
    async def _own_write(self) -> AsyncIterator[Connection]:
        callbacks: list[AfterCommit] = []
        committed = False
        lock: contextlib.AbstractAsyncContextManager[Any] = self._write_lock or contextlib.nullcontext()
        try:
            async with lock, _connect(self) as conn, _transaction(conn, callbacks):
                yield conn
            committed = True
        finally:
            # Also when returning the connection failed or was cancelled: the commit has happened regardless.
            if committed:
                await _run_after_commit(callbacks)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        slot = self._slot.get()
        if slot is None or slot.busy:
            async with _connect(self) as own:
                yield own
            return
        conn = await self._slot_connection(slot)
        slot.busy = True
        try:
            yield conn
        except BaseException:
            slot.busy = False
            await self._drop(slot)
            raise
        finally:
            slot.busy = False

    async def dispose(self) -> None:
        await self.engine.dispose()
        for threads in (self._writer, self._readers):
            if threads is not None:
                threads.shutdown(wait=False)
