"""Running SQLAlchemy Core statements on the driver itself: asyncpg on PostgreSQL, `sqlite3` on SQLite.

docs/decisions/164-executor.md.  Statements are still written with SQLAlchemy Core and compiled by
SQLAlchemy, once per statement shape and dialect; this module keeps, per compiled statement, what running
it needs (the SQL text in the driver's parameter style, the order of its binds, each bind's and each result
column's processor, a row class) and then talks to the driver directly: no greenlet per statement, no
execution context, no cursor adaptor.  `Connection.execute(stmt, params)` has the signature of
SQLAlchemy's and returns a `Result` with the methods Lanekit's queries use; its rows are tuples that also
answer `row.name` and `row._mapping["name"]`.

Connections still come from the engine's pool (`Database` checks one out per request, decision 161), so
its size, timeout, the checkout ping and the `connect`/`checkout`/`checkin` events are unchanged; only the
statements bypass the engine.  Every statement is announced to the engine's `before_cursor_execute`
listeners when there are any (the tests' statement counters), as SQLAlchemy would.

Driver errors are wrapped in SQLAlchemy's exception types (`IntegrityError`, `OperationalError`, ...,
with the parameters hidden) exactly as SQLAlchemy wraps them, and a connection the driver reports lost is
invalidated, so the error mapping of `http/errors.py` is unchanged.

On SQLite, a read statement runs inline on the event loop while it is fast (an indexed lookup costs tens
of microseconds of CPU, a hop to a thread several times that); one whose CPU time averages more than
`INLINE_LIMIT_SECONDS` runs on a reader thread until it averages less again.  Every statement of a write
transaction (BEGIN IMMEDIATE to COMMIT) runs on the one writer thread: writers are serialized anyway, and a
BEGIN may wait for another process's lock for up to the busy timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.sql.compiler import NO_LINTING
from sqlalchemy.util.concurrency import greenlet_spawn

# Key, in a pooled connection's record, set by the checkout when it skipped the ping (engine._on_checkout).
UNPROVEN = "lanekit_unproven"

_T = TypeVar("_T")
log = logging.getLogger("lanekit.storage")

# A SQLite read whose CPU time averages more than this runs on a reader thread, not on the event loop.
INLINE_LIMIT_SECONDS = 0.0005

_EMPTY: dict[str, Any] = {}


class Row(tuple):  # type: ignore[type-arg]
    """A result row: a tuple whose columns are also attributes, and `_mapping` by column name."""

    __slots__ = ()
    _keys: tuple[str, ...] = ()

    if TYPE_CHECKING:
        # Columns are properties of each statement's own row class.
        def __getattr__(self, name: str) -> Any: ...

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._keys, self, strict=False))

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._keys, self, strict=False))

    @property
    def _fields(self) -> tuple[str, ...]:
        return self._keys

    @property
    def _t(self) -> tuple[Any, ...]:
        return tuple(self)


def _row_class(keys: Sequence[str]) -> type[Row]:
    namespace: dict[str, Any] = {"__slots__": (), "_keys": tuple(keys)}
    for index, key in enumerate(keys):
        if key.isidentifier() and not hasattr(Row, key) and key not in namespace:
            namespace[key] = property(itemgetter(index))
    return type("Row", (Row,), namespace)


class ScalarResult:
    __slots__ = ("_values",)

    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def all(self) -> list[Any]:
        return self._values

    def first(self) -> Any:
        return self._values[0] if self._values else None

    def one(self) -> Any:
        return _one(self._values)

    def one_or_none(self) -> Any:
        return _one_or_none(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)


def _one(rows: list[Any]) -> Any:
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise sa_exc.NoResultFound("No row was found when one was required")
    raise sa_exc.MultipleResultsFound("Multiple rows were found when exactly one was required")


def _one_or_none(rows: list[Any]) -> Any:
    if len(rows) > 1:
        raise sa_exc.MultipleResultsFound("Multiple rows were found when one or none was required")
    return rows[0] if rows else None


class Result:
    """The rows of one statement, fetched in full, and its row count (for UPDATE and DELETE)."""

    __slots__ = ("_pos", "_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self._pos = 0
        self.rowcount = rowcount

    def _rest(self) -> list[Row]:
        if self._pos:
            rows = self._rows[self._pos :]
        else:
            rows = self._rows
        self._pos = len(self._rows)
        return rows

    def all(self) -> list[Row]:
        return self._rest()

    fetchall = all

    def fetchone(self) -> Row | None:
        if self._pos < len(self._rows):
            row = self._rows[self._pos]
            self._pos += 1
            return row
        return None

    def first(self) -> Row | None:
        rows = self._rest()
        return rows[0] if rows else None

    def one(self) -> Row:
        return _one(self._rest())  # type: ignore[no-any-return]

    def one_or_none(self) -> Row | None:
        return _one_or_none(self._rest())  # type: ignore[no-any-return]

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self) -> ScalarResult:
        return ScalarResult([row[0] for row in self._rest()])

    def mappings(self) -> ScalarResult:
        return ScalarResult([row._mapping for row in self._rest()])

    def keys(self) -> tuple[str, ...]:
        return self._rows[0]._keys if self._rows else ()

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rest())


class Entry:
    """What running one compiled statement needs, built once per compiled statement."""

    __slots__ = (
        "compiled",
        "cost",
        "expands",
        "is_dml",
        "many",
        "positional",
        "procs",
        "result_procs",
        "row_class",
        "slow",
        "sql",
    )

    def __init__(self, compiled: Any, many: bool) -> None:
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.schema_translate_map:
            # No table has them (a test would fail on the first statement using one): refused loudly, as a
            # statement this executor cannot run as SQLAlchemy would.
            raise TypeError("a statement with Python-side column defaults or schema translation")
        self.compiled = compiled
        self.many = many
        self.sql: str = compiled.string
        self.positional: Sequence[str] | None = compiled.positiontup if compiled.positional else None
        self.procs: Mapping[str, Callable[[Any], Any]] = compiled._bind_processors
        self.expands = bool(compiled.literal_execute_params or compiled.post_compile_params)
        self.is_dml = bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)
        self.slow = False
        self.cost = 0.0
        columns = compiled._result_columns
        dialect = compiled.dialect
        if columns:
            keys = [c[0] for c in columns]
            procs = [(i, c[3]._cached_result_processor(dialect, None)) for i, c in enumerate(columns)]
            self.result_procs: tuple[tuple[int, Callable[[Any], Any]], ...] | None = tuple(
                (i, p) for i, p in procs if p is not None
            )
            self.row_class: type[Row] | None = _row_class(keys)
        else:
            self.result_procs = None
            self.row_class = None

    def bind(self, params: Any, extracted: Any, collected: Any) -> tuple[str, Any]:
        """The SQL text and the driver's parameters for one execution (a list of them for executemany)."""
        compiled = self.compiled
        if self.many:
            return self.sql, [self._one(compiled, p, extracted, collected)[1] for p in params]
        if isinstance(params, list):
            params = params[0] if params else None
        return self._one(compiled, params, extracted, collected)

    def _one(self, compiled: Any, params: Any, extracted: Any, collected: Any) -> tuple[str, Any]:
        values = compiled.construct_params(
            params or None, escape_names=False, extracted_parameters=extracted, _collected_params=collected
        )
        procs = self.procs
        sql = self.sql
        order = self.positional
        if self.expands:
            state = compiled._process_parameters_for_postcompile(values)
            sql = state.statement
            procs = dict(procs)
            procs.update(state.processors)
            values = state.parameters
            order = state.positiontup
        if order is not None:
            return sql, [procs[k](values[k]) if k in procs else values[k] for k in order]
        escaped = compiled.escaped_bind_names
        return sql, {escaped.get(k, k): (procs[k](v) if k in procs else v) for k, v in values.items()}

    def rows(self, raw_rows: Sequence[Any], description: Any) -> list[Row]:
        cls = self.row_class
        if cls is None:
            if not raw_rows:
                return []
            cls = _row_class([d[0] for d in description] if description else [])
            return [cls(r) for r in raw_rows]
        procs = self.result_procs
        if not procs:
            return [cls(r) for r in raw_rows]
        out = []
        for r in raw_rows:
            values = list(r)
            for i, p in procs:
                values[i] = p(values[i])
            out.append(cls(values))
        return out


def sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of a wrapped driver error, if it carries one."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def is_connection_lost(exc: BaseException) -> bool:
    """The database went away under the statement: SQLAlchemy's dialect saw a disconnect, or PostgreSQL
    said so: class 08 (connection exception) or 57P01 to 57P03 (administrator or crash shutdown, cannot
    connect now; what `pg_terminate_backend` and a restart send)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    code = sqlstate(exc) or ""
    return code.startswith("08") or code in ("57P01", "57P02", "57P03")


def _raw_entry() -> Entry:
    entry = Entry.__new__(Entry)
    entry.compiled = None
    entry.many = False
    entry.is_dml = True
    entry.slow = True
    entry.cost = 1.0
    entry.row_class = None
    entry.result_procs = None
    return entry


class Compiler:
    """Compiled statements of one dialect: by statement identity first, then by SQLAlchemy's cache key."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        # SQLAlchemy's own cache of compiled statements, keyed by its cache key.
        self._compiled: dict[Any, Any] = {}
        # id(statement) -> (weak reference, {(keys, many): (entry, extracted, collected)}).
        self._by_id: dict[int, tuple[weakref.ref[Any], dict[Any, Any]]] = {}

    def entry(self, stmt: Any, params: Any) -> tuple[Entry, Any, Any]:
        """The statement's entry, its extracted bind parameters and collected values (see `bind`)."""
        many = isinstance(params, list) and len(params) > 1
        if isinstance(params, list):
            first = params[0] if params else _EMPTY
        else:
            first = params or _EMPTY
        keys = tuple(sorted(first)) if first else ()
        sid = id(stmt)
        slot = self._by_id.get(sid)
        if slot is not None and slot[0]() is stmt:
            found = slot[1].get((keys, many))
            if found is not None:
                return found  # type: ignore[no-any-return]
        compiled, extracted, collected, _hit = stmt._compile_w_cache(
            self.dialect,
            compiled_cache=self._compiled,
            column_keys=list(keys),
            for_executemany=many,
            linting=NO_LINTING,
        )
        entry = getattr(compiled, "_lanekit_entry", None)
        if entry is None or entry.many != many:
            entry = Entry(compiled, many)
            compiled._lanekit_entry = entry
        found = (entry, extracted, collected)
        if slot is None or slot[0]() is not stmt:
            slot = (weakref.ref(stmt, self._forget(sid)), {})
            self._by_id[sid] = slot
        slot[1][(keys, many)] = found
        if len(self._compiled) > 2000:
            self._compiled.clear()
        return found

    def _forget(self, sid: int) -> Callable[[Any], None]:
        by_id = self._by_id

        def forget(ref: Any) -> None:
            slot = by_id.get(sid)
            if slot is not None and slot[0] is ref:
                del by_id[sid]

        return forget


def _announce(engine: Engine, conn: Any, sql: str, args: Any, many: bool) -> None:
    listeners = engine.dispatch.before_cursor_execute
    if listeners:
        for listener in listeners:
            listener(conn, None, sql, args, None, many)


class Connection(ABC):
    """One pooled connection, running statements on its driver connection.  See the module docstring."""

    __slots__ = (
        "_compiler",
        "_db",
        "_engine",
        "_fairy",
        "_raw",
        "_writing",
        "dialect",
        "info",
        "invalidated",
    )

    def __init__(self, db: Any, fairy: Any) -> None:
        self._db = db
        self._engine: Engine = db.engine.sync_engine
        self._compiler: Compiler = db._compiler
        self.dialect = self._engine.dialect
        self._fairy = fairy
        self.info: dict[str, Any] = {}
        self.invalidated = False
        self._writing = False

    @property
    def sync_engine(self) -> Engine:
        return self._engine

    async def execute(self, statement: Any, parameters: Any = None) -> Result:
        entry, extracted, collected = self._compiler.entry(statement, parameters)
        if entry.many and entry.compiled.effective_returning:
            # INSERT … RETURNING of many rows: one multi-row VALUES statement, whose rows both databases
            # return in the order of the VALUES (ids are assigned in that order), as SQLAlchemy's
            # "insertmanyvalues" sends it.
            multi = statement.values(list(parameters))
            multi._sort_by_parameter_order = False  # the VALUES order is the order (above)
            return await self.execute(multi)
        sql, args = entry.bind(parameters, extracted, collected)
        _announce(self._engine, self, sql, args, entry.many)
        return await self._run(entry, sql, args)

    async def exec_driver_sql(self, sql: str, parameters: Any = ()) -> Result:
        """Plain SQL in the driver's own parameter style, with no type processing (tools and tests)."""
        entry = _raw_entry()
        _announce(self._engine, self, sql, parameters, False)
        return await self._run(entry, sql, list(parameters or ()))

    @abstractmethod
    async def _run(self, entry: Entry, sql: str, args: Any) -> Result:
        """Per driver: `PgConnection` (asyncpg) and `SqliteConnection` (sqlite3)."""

    @abstractmethod
    async def _begin(self) -> None:
        """Per driver: `PgConnection` (asyncpg) and `SqliteConnection` (sqlite3)."""

    @abstractmethod
    async def _commit(self) -> None:
        """Per driver: `PgConnection` (asyncpg) and `SqliteConnection` (sqlite3)."""

    @abstractmethod
    async def _rollback(self) -> None:
        """Per driver: `PgConnection` (asyncpg) and `SqliteConnection` (sqlite3)."""

    def _wrap(self, error: Exception, sql: str | None, disconnect_check: Any) -> BaseException:
        dialect = self.dialect
        dbapi = dialect.loaded_dbapi
        invalidated = False
        if isinstance(error, dbapi.Error):
            try:
                invalidated = dialect.is_disconnect(error, disconnect_check, None)
            except Exception:
                invalidated = False
        if invalidated:
            self.invalidated = True
        return sa_exc.DBAPIError.instance(
            sql,
            None,
            error,
            dbapi.Error,
            hide_parameters=True,
            connection_invalidated=invalidated,
            dialect=dialect,
        )

    async def _checkin(self) -> None:
        fairy, self._fairy = self._fairy, None
        if fairy is None:
            return
        if self.invalidated:
            await greenlet_spawn(fairy.invalidate)
        await greenlet_spawn(fairy.close)


class PgConnection(Connection):
    __slots__ = ("_adapter", "_in_tx", "_unproven")

    def __init__(self, db: Any, fairy: Any) -> None:
        super().__init__(db, fairy)
        self._adapter = fairy.dbapi_connection
        self._raw = self._adapter._connection
        self._in_tx = False
        # Handed out without the checkout ping (engine._on_checkout): the first statement proves it.
        self._unproven: bool = fairy.info.pop(UNPROVEN, False)

    async def _proving(self, run: Callable[[], Awaitable[_T]], *, repeatable: bool) -> _T:
        """Run the statement; when it is the first on a connection that was not pinged and the backend
        turns out to be gone, replace the connection and run it once more.

        Only a statement that cannot have changed anything is run again (`repeatable`: a read, or the
        BEGIN that opens a write), so nothing is ever done twice.  As SQLAlchemy does on a disconnect, every
        pooled connection opened before this one is reopened at its next checkout: after a restart they
        are all dead, and each would otherwise cost a request.
        """
        if not self._unproven:
            return await run()
        self._unproven = False
        try:
            return await run()
        except sa_exc.DBAPIError as error:
            if not (repeatable and is_connection_lost(error)):
                raise
            log.warning("a pooled connection's backend was gone at its first statement; reconnecting")
            pool = self._engine.pool
            fairy, self._fairy = self._fairy, None
            await greenlet_spawn(pool._invalidate, fairy, error.orig)
            self.invalidated = False
            try:
                self._fairy = await greenlet_spawn(pool.connect)
            except Exception:
                raise error from None
            self._adapter = self._fairy.dbapi_connection
            self._raw = self._adapter._connection
            return await run()

    def _translate(self, error: Exception, sql: str | None) -> BaseException:
        adapter = self._adapter
        try:
            adapter._handle_exception_no_connection(self.dialect.loaded_dbapi, error)
        except Exception as translated:
            error = translated
        if not isinstance(error, self.dialect.loaded_dbapi.Error):
            return error
        return self._wrap(error, sql, adapter)

    async def _run(self, entry: Entry, sql: str, args: Any) -> Result:
        if self._unproven:
            return await self._proving(lambda: self._run_once(entry, sql, args), repeatable=not entry.is_dml)
        return await self._run_once(entry, sql, args)

    async def _run_once(self, entry: Entry, sql: str, args: Any) -> Result:
        adapter = self._adapter
        try:
            if entry.many:
                await self._raw.executemany(sql, args)
                return Result([], -1)
            prepared, attributes = await adapter._prepare(sql, adapter._invalidate_schema_cache_asof)
            records = await prepared.fetch(*args)
        except Exception as error:
            raise self._translate(error, sql) from error
        rowcount = -1
        if entry.is_dml:
            status = prepared.get_statusmsg() or ""
            tail = status.rpartition(" ")[2]
            if tail.isdigit():
                rowcount = int(tail)
        return Result(entry.rows(records, [(a.name,) for a in attributes] if attributes else None), rowcount)

    async def _simple(self, sql: str) -> None:
        try:
            await self._raw.execute(sql)
        except Exception as error:
            raise self._translate(error, sql) from error

    async def _begin(self) -> None:
        await self._proving(lambda: self._simple("BEGIN"), repeatable=True)
        self._in_tx = True

    async def _commit(self) -> None:
        self._in_tx = False
        await self._simple("COMMIT")

    async def _rollback(self) -> None:
        if self._in_tx and not self.invalidated:
            self._in_tx = False
            if self._raw.is_closed():
                self.invalidated = True
                return
            try:
                await self._simple("ROLLBACK")
            except BaseException:
                self.invalidated = True
                raise


def _sqlite_run(raw: Any, sql: str, args: Any, many: bool) -> tuple[list[Any], int, Any, float]:
    """Run one statement and fetch its rows; also the CPU time it took on this thread."""
    started = time.thread_time()
    cursor = raw.cursor()
    try:
        if many:
            cursor.executemany(sql, args)
        else:
            cursor.execute(sql, args)
        rows = cursor.fetchall()
        return rows, cursor.rowcount, cursor.description, time.thread_time() - started
    finally:
        cursor.close()


class SqliteConnection(Connection):
    __slots__ = ("_in_tx",)

    def __init__(self, db: Any, fairy: Any) -> None:
        super().__init__(db, fairy)
        # The pool's aiosqlite connection opened it; its `sqlite3.Connection` is used directly.
        self._raw = fairy.dbapi_connection._connection._conn
        self._in_tx = False

    async def _call(self, sql: str, args: Any, many: bool, entry: Entry | None) -> tuple[list[Any], int, Any]:
        try:
            if self._writing:
                out = await asyncio.get_running_loop().run_in_executor(
                    self._db._writer, _sqlite_run, self._raw, sql, args, many
                )
            elif entry is not None and not entry.slow:
                out = _sqlite_run(self._raw, sql, args, many)
            else:
                out = await asyncio.get_running_loop().run_in_executor(
                    self._db._readers, _sqlite_run, self._raw, sql, args, many
                )
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrap(error, sql, self._raw) from error
        if entry is not None:
            # A moving average of the statement's CPU time (preemption and GIL waits do not count), so
            # that one slow run under load does not send a statement to a thread for good.
            entry.cost += (out[3] - entry.cost) * 0.25
            entry.slow = entry.cost > INLINE_LIMIT_SECONDS
        return out[0], out[1], out[2]

    async def _run(self, entry: Entry, sql: str, args: Any) -> Result:
        rows, rowcount, description = await self._call(sql, args, entry.many, entry)
        return Result(entry.rows(rows, description), rowcount)

    async def _begin(self) -> None:
        self._writing = True
        sql = "BEGIN IMMEDIATE"
        _announce(self._engine, self, sql, (), False)
        await self._call(sql, (), False, None)
        self._in_tx = True

    async def _commit(self) -> None:
        self._in_tx = False
        try:
            await self._call("COMMIT", (), False, None)
        finally:
            self._writing = False

    async def _rollback(self) -> None:
        try:
            if self._in_tx and not self.invalidated:
                self._in_tx = False
                if self._raw.in_transaction:
                    await self._call("ROLLBACK", (), False, None)
        finally:
            self._writing = False


def make_threads(dialect: str) -> tuple[ThreadPoolExecutor | None, ThreadPoolExecutor | None]:
    """The writer thread and the reader threads of a SQLite database (none for PostgreSQL)."""
    if dialect != "sqlite":
        return None, None
    return (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="lanekit-sqlite-writer"),
        ThreadPoolExecutor(max_workers=4, thread_name_prefix="lanekit-sqlite-reader"),
    )
