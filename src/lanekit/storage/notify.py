"""Change notices: "this changed" messages from a committed write transaction to every process of the install.

A writer calls `publish(conn, channel, payload)` inside its `Database.begin()` block.  The notice is
delivered only if the transaction commits:

* in the writing process, to the handlers subscribed on that database's `Notifier`, right after the commit
  (`engine.after_commit`), so the next request of that process already sees it;
* on PostgreSQL, to every other process through `NOTIFY` (`SELECT pg_notify(...)` in the transaction,
  which PostgreSQL delivers at commit); each process runs one `Notifier.run()` task holding a `LISTEN`
  connection of its own, reconnecting with backoff;
* on SQLite (one machine, possibly several worker processes), through an "epoch file" next to the
  database: the writer appends one byte after the commit, and `Notifier.poll()` (one `stat`) tells every
  reader whose file size changed that anything may have changed.

A handler receives the payload, or None when messages may have been missed (the listener connected or
reconnected, or the epoch file moved): it must then forget everything it remembers.  `Notifier.live` says
whether notices from other processes are being received at the moment; a cache must not trust what it
remembers while it is false.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from weakref import WeakKeyDictionary

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from lanekit.storage.engine import after_commit
from lanekit.storage.executor import Connection

log = logging.getLogger("lanekit.storage.notify")

Handler = Callable[[str | None], None]
"""Called with a notice's payload, or with None: "messages may have been missed, forget everything"."""

# How often an idle LISTEN connection is checked (a half-open TCP connection would otherwise go unnoticed).
KEEPALIVE_SECONDS = 15.0
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0

_NOTIFIERS: WeakKeyDictionary[Engine, Notifier] = WeakKeyDictionary()


class Notifier:
    """The notices of one database, for one process: subscriptions, local delivery, the listener."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.dialect.name
        self._url = engine.url
        self._handlers: dict[str, list[Handler]] = {}
        self.live = False
        self._connected = False
        self._epoch_files: dict[str, tuple[str, int]] = {}
        _NOTIFIERS[engine.sync_engine] = self

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers.setdefault(channel, []).append(handler)

    def deliver(self, channel: str, payload: str | None) -> None:
        for handler in self._handlers.get(channel, ()):
            try:
                handler(payload)
            except Exception:
                log.exception("notice handler %r failed on %s", handler, channel)

    def _deliver_all(self) -> None:
        for channel in list(self._handlers):
            self.deliver(channel, None)

    # SQLite: the epoch file.

    def poll(self) -> None:
        """On SQLite, deliver "anything may have changed" if another process published since the last poll.

        One `stat` per subscribed channel (about a microsecond); nothing on PostgreSQL.
        """
        for channel, (path, seen) in list(self._epoch_files.items()):
            size = _file_size(path)
            if size != seen:
                self._epoch_files[channel] = (path, size)
                self.deliver(channel, None)

    # The listener.

    async def run(self) -> None:
        """Receive other processes' notices until cancelled; `live` is true while they are received.

        On SQLite this marks the epoch files and returns at once (there is no connection to hold).  On
        PostgreSQL it holds one `LISTEN` connection, reconnects with exponential backoff when it is lost,
        and tells every handler to forget everything each time it (re)connects, since notices sent while it
        was not listening are lost.
        """
        if self.dialect == "sqlite":
            for channel in self._handlers:
                path = _epoch_file(self._url.database, channel)
                if path is not None:
                    self._epoch_files[channel] = (path, _file_size(path))
            # An in-memory database has no other process; a file database is polled from here on.
            self.live = True
            return
        if self.dialect != "postgresql":
            return
        delay = FIRST_RETRY_SECONDS
        while True:
            self._connected = False
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("notice listener: %s", exc)
            except Exception:
                # Whatever it was, keep listening: without the listener the cache trusts nothing.
                log.exception("notice listener failed")
            if self._connected:
                delay = FIRST_RETRY_SECONDS  # a lost connection starts the backoff again
            log.info("notice listener reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _listen_once(self) -> None:
        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn, timeout=10, server_settings={"application_name": "lanekit-notify"})
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            for channel in self._handlers:
                await conn.add_listener(channel, self._on_notice)
            # Listening from here on: what was published before may have been missed.
            self._deliver_all()
            self.live = self._connected = True
            log.info("notice listener connected")
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    await conn.execute("SELECT 1", timeout=KEEPALIVE_SECONDS)
            log.warning("notice listener lost its connection")
        finally:
            self.live = False
            conn.terminate()

    def _on_notice(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        self.deliver(channel, payload)


def _epoch_file(database: str | None, channel: str) -> str | None:
    """The SQLite epoch file of `channel`, next to the database file; None for an in-memory database."""
    if not database or database == ":memory:":
        return None
    return f"{database}-{channel}"


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _bump_epoch_file(path: str) -> None:
    # One byte appended: the size only grows, so no two states of the file look alike.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b".")
    finally:
        os.close(fd)


async def publish(conn: Connection, channel: str, payload: str) -> None:
    """Tell every process, once this write transaction commits, that `payload` happened on `channel`.

    `conn` must be a `Database.begin()` connection.  `channel` is an SQL identifier-like name and `payload`
    a short text (PostgreSQL caps it under 8000 bytes).
    """
    sync_engine = conn.sync_engine
    dialect = sync_engine.dialect.name

    def deliver_here() -> None:
        notifier = _NOTIFIERS.get(sync_engine)
        if notifier is not None:
            notifier.deliver(channel, payload)

    # Registered first, so that a failure to reach the other processes cannot keep this one uninformed.
    after_commit(conn, deliver_here)
    if dialect == "postgresql":
        await conn.execute(select(func.pg_notify(channel, payload)))
    elif dialect == "sqlite":
        path = _epoch_file(sync_engine.url.database, channel)
        if path is not None:
            after_commit(conn, lambda: _bump_epoch_file(path))


async def stop(task: asyncio.Task[None]) -> None:
    """Cancel a `Notifier.run()` task and wait for it to end."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
