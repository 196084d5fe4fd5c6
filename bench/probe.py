"""What a scenario costs on the data path, measured from outside the server while wrk runs.

`Probe` watches one server process tree and, on PostgreSQL, the bench database, for the length of one wrk
run (`async with Probe(...) as probe: ...; probe.costs`).  Nothing in Lanekit is instrumented: the figures
come from `/proc`, from PostgreSQL's statistics views and from its log.

- **Connections opened**: the growth of `pg_stat_database.sessions` for the bench database (every session
  PostgreSQL established to it, however short-lived).  PostgreSQL publishes that counter up to a second
  late, so the final reading waits `SETTLE` seconds after the run.  The probe itself connects to the admin
  database, not the bench one, so it is not counted.
- **Statements executed**: lines the bench database's sessions wrote to the PostgreSQL log while
  `log_statement = 'all'` was set for that database (`enable_statement_log`): one `statement:` line per
  simple query (`BEGIN`, `COMMIT`, …) and one `execute …:` line per extended-protocol execution, which is
  what asyncpg sends for everything else.  Needs the log file to be readable (the postmaster's stderr, or
  `BENCH_PG_LOG`); `pg_stat_statements` would be cheaper but only loads at server start.
- **CPU**: `utime + stime` from `/proc/<pid>/stat` of every process of the server and of every PostgreSQL
  backend connected to the bench database, sampled every `INTERVAL` seconds.  A backend that starts during
  the run counts from zero (its start-up is part of the churn); one that exits counts up to its last sample,
  so a backend that lives less than `INTERVAL` is missed (the connection count still shows it).
- **Peak RSS per worker**: `VmHWM` of each worker process (the server's children, or the server itself when
  it has none) at the end of the run.

SQLite has no server to ask: its connections and statements live inside the worker, where only an
instrumented engine could count them, so they are `None` ("n/a"); its CPU is the worker's own.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.databases import PG_ADMIN_URL
from bench.driver import Server, _children, _status_kb, process_tree

INTERVAL = 0.5  # seconds between samples
SETTLE = 1.2  # seconds PostgreSQL may take to publish a session's counters
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Costs:
    """What one run cost; per-request figures divide by the requests wrk saw complete."""

    requests: int = 0
    server_cpu_s: float = 0.0
    db_cpu_s: float | None = None  # None on SQLite
    connections: int | None = None  # None where it cannot be counted (SQLite)
    statements: int | None = None
    worker_rss_mb: list[float] = field(default_factory=list)

    def _per(self, value: float | None, scale: float = 1.0) -> float | None:
        if value is None or not self.requests:
            return None
        return value * scale / self.requests

    @property
    def connections_per_request(self) -> float | None:
        return self._per(self.connections)

    @property
    def statements_per_request(self) -> float | None:
        return self._per(self.statements)

    @property
    def cpu_ms_per_request(self) -> float | None:
        return self._per(self.server_cpu_s + (self.db_cpu_s or 0.0), 1000)

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        return self._per(self.server_cpu_s, 1000)

    @property
    def db_cpu_ms_per_request(self) -> float | None:
        return self._per(self.db_cpu_s, 1000)


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


class _CpuLedger:
    """CPU seconds of a changing set of processes between a start and the last sample."""

    def __init__(self) -> None:
        self._base: dict[int, float] = {}
        self._last: dict[int, float] = {}

    def sample(self, pids: dict[int, bool]) -> None:
        """`pids` maps each live pid to whether it started after the run began (then it counts from 0)."""
        for pid, new in pids.items():
            cpu = _cpu_seconds(pid)
            if cpu is None:
                continue
            self._base.setdefault(pid, 0.0 if new else cpu)
            self._last[pid] = cpu

    @property
    def seconds(self) -> float:
        return sum(self._last[p] - self._base[p] for p in self._last)


def _admin_dsn() -> str:
    """The admin database: the probe's own queries are then neither logged nor counted as bench sessions."""
    return make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)


def _is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() != "sqlite"


async def postgres_log(conn: asyncpg.Connection) -> Path | None:
    """The file the PostgreSQL server logs to, when this process can read it."""
    if os.environ.get("BENCH_PG_LOG"):
        path = Path(os.environ["BENCH_PG_LOG"])
        return path if os.access(path, os.R_OK) else None
    current = await conn.fetchval("SELECT pg_current_logfile()")
    data_dir = Path(str(await conn.fetchval("SHOW data_directory")))
    try:
        if current:
            path = Path(current) if Path(current).is_absolute() else data_dir / current
        else:  # no logging collector: the postmaster's stderr is the log
            postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
            path = Path(os.readlink(f"/proc/{postmaster}/fd/2"))
    except (OSError, ValueError, IndexError):
        return None
    return path if path.is_file() and os.access(path, os.R_OK) else None


async def enable_statement_log(database_url: str, *, on: bool) -> bool:
    """Log every statement of the bench database's new sessions (or stop); False if the log is unreadable.

    Only sessions that start afterwards follow the setting, so this runs before the floor and Lanekit start.
    Parameters are not logged (`log_parameter_max_length = 0`): they would only cost log volume.
    """
    if not _is_postgres(database_url):
        return False
    database = make_url(database_url).database
    conn = await asyncpg.connect(_admin_dsn())
    try:
        if on and await postgres_log(conn) is None:
            return False
        if on:
            await conn.execute(f"ALTER DATABASE \"{database}\" SET log_statement = 'all'")
            await conn.execute(f'ALTER DATABASE "{database}" SET log_parameter_max_length = 0')
        else:
            await conn.execute(f'ALTER DATABASE "{database}" RESET log_statement')
            await conn.execute(f'ALTER DATABASE "{database}" RESET log_parameter_max_length')
        return on
    finally:
        await conn.close()


class Probe:
    """Samples a server, and on PostgreSQL its database, while a run lasts; `costs` holds the result."""

    def __init__(self, server: Server, database_url: str, *, statements: bool) -> None:
        self.server = server
        self.postgres = _is_postgres(database_url)
        self.database = make_url(database_url).database or ""
        self.database_url = database_url
        self.count_statements = statements and self.postgres
        self.costs = Costs()
        self._server_cpu = _CpuLedger()
        self._db_cpu = _CpuLedger()
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._started_at: Any = None
        self._sessions = 0
        self._log: Path | None = None
        self._log_offset = 0

    async def __aenter__(self) -> Probe:
        if self.postgres:
            self._conn = await asyncpg.connect(_admin_dsn())
            self._started_at = await self._conn.fetchval("SELECT clock_timestamp()")
            self._sessions = await self._session_count()
            if self.count_statements:
                self._log = await postgres_log(self._conn)
                if self._log is not None:
                    self._log_offset = self._log.stat().st_size
        await self._sample(first=True)
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        try:
            if kind is None:
                await self._sample(first=False)
                self.costs.server_cpu_s = round(self._server_cpu.seconds, 3)
                self.costs.worker_rss_mb = self._worker_rss()
                if self._conn is not None:
                    self.costs.db_cpu_s = round(self._db_cpu.seconds, 3)
                    await asyncio.sleep(SETTLE)
                    self.costs.connections = await self._session_count() - self._sessions
                    if self._log is not None:
                        self.costs.statements = self._count_log_lines()
        finally:
            if self._conn is not None:
                await self._conn.close()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL)
            await self._sample(first=False)

    async def _sample(self, *, first: bool) -> None:
        assert self.server.process is not None
        self._server_cpu.sample({pid: not first for pid in process_tree(self.server.process.pid)})
        if self._conn is None:
            return
        rows = await self._conn.fetch(
            "SELECT pid, backend_start >= $2 AS new FROM pg_stat_activity "
            "WHERE datname = $1 AND backend_type = 'client backend'",
            self.database,
            self._started_at,
        )
        self._db_cpu.sample({int(r["pid"]): bool(r["new"]) for r in rows})

    async def _session_count(self) -> int:
        assert self._conn is not None
        await self._conn.execute("SELECT pg_stat_clear_snapshot()")
        value = await self._conn.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1", self.database
        )
        return int(value or 0)

    def _count_log_lines(self) -> int:
        assert self._log is not None
        with self._log.open("rb") as f:
            f.seek(self._log_offset)
            text = f.read()
        tag = f"@{self.database} LOG:  ".encode()
        return text.count(tag + b"statement: ") + text.count(tag + b"execute ")

    def _worker_rss(self) -> list[float]:
        assert self.server.process is not None
        root = self.server.process.pid
        workers = _children(root) or [root]
        return [round(_status_kb(pid, "VmHWM") / 1024, 1) for pid in sorted(workers)]
