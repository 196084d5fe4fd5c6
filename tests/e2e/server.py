"""A real Lanekit server on a free 127.0.0.1 port, in a background thread (after httpx's `serve_in_thread`).

The server's event loop owns the app's database engine, so anything a test sets up in the database runs
on that loop through `LiveServer.run(fn)`: `fn(conn)` inside one transaction.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn

from lanekit.app import create_app
from lanekit.settings import Settings
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection
from lanekit.storage.records import UserRecord
from tests.factories.accounts import make_account
from tests.factories.users import DEFAULT_PASSWORD, make_user
from tests.harness import Tenant

T = TypeVar("T")
START_TIMEOUT_SECONDS = 20.0
SETUP_TIMEOUT_SECONDS = 30.0


@dataclass
class LiveServer:
    url: str
    db: Database
    loop: asyncio.AbstractEventLoop

    def run(self, fn: Callable[[Connection], Awaitable[T]]) -> T:
        """`fn(conn)` in one transaction on the server's loop; its result."""

        async def in_transaction() -> T:
            async with self.db.begin() as conn:
                return await fn(conn)

        future = asyncio.run_coroutine_threadsafe(in_transaction(), self.loop)
        return future.result(timeout=SETUP_TIMEOUT_SECONDS)

    def tenant(self, name: str) -> Tenant:
        """Creates account `name` with an administrator."""

        async def create(conn: Connection) -> Tenant:
            account = await make_account(conn, name=name)
            admin = await make_user(conn, account, administrator=True, email=f"admin@{name}.example")
            return Tenant(account, admin, DEFAULT_PASSWORD, f"{name}.lanekit.test")

        return self.run(create)

    def user(self, tenant: Tenant, **overrides: Any) -> UserRecord:
        """A user of `tenant` (password DEFAULT_PASSWORD unless overridden)."""
        return self.run(lambda conn: make_user(conn, tenant.account, **overrides))


@contextmanager
def serve(settings: Settings) -> Iterator[LiveServer]:
    """Serves `create_app(settings)` until the block exits."""
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", access_log=False, ws="none", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []
    failure: list[BaseException] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the test thread below
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"lanekit-e2e-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the Lanekit server did not start: {failure!r}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Lanekit server did not start within {START_TIMEOUT_SECONDS}s")
            time.sleep(0.005)
        yield LiveServer(url=f"http://127.0.0.1:{port}", db=app.state.ctx.db, loop=loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)
        sock.close()
        if failure:
            raise RuntimeError("the Lanekit server failed") from failure[0]
