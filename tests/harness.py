"""The in-process test harness: one app per test, clients per account and per user."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from lanekit.app import create_app
from lanekit.domain.people.auth import CredentialCache
from lanekit.settings import Settings
from lanekit.storage.engine import Database
from lanekit.storage.records import AccountRecord, UserRecord
from tests.factories.accounts import make_account
from tests.factories.users import DEFAULT_PASSWORD, make_user


@dataclass
class Tenant:
    """An account with its administrator, as a test sees it."""

    account: AccountRecord
    admin: UserRecord
    admin_password: str
    host: str


def basic(login: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Lanekit:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: FastAPI = create_app(settings)
        self.db: Database = self.app.state.ctx.db
        self._clients: list[httpx.AsyncClient] = []

    async def tenant(self, name: str | None = None) -> Tenant:
        name = name or f"t{uuid.uuid4().hex[:12]}"
        async with self.db.begin() as conn:
            account = await make_account(conn, name=name)
            admin = await make_user(conn, account, administrator=True, email=f"admin@{name}.example")
        return Tenant(account, admin, DEFAULT_PASSWORD, f"{name}.lanekit.test")

    async def user(self, tenant: Tenant, **overrides: Any) -> UserRecord:
        async with self.db.begin() as conn:
            return await make_user(conn, tenant.account, **overrides)

    def client(
        self,
        tenant: Tenant | None = None,
        *,
        headers: dict[str, str] | None = None,
        address: str = "127.0.0.1",
    ) -> httpx.AsyncClient:
        """A client of the app; `address` is the client address the app sees (sign-in throttling and the
        fair verification queue are per address)."""
        host = tenant.host if tenant else "unknown.lanekit.test"
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False, client=(address, 40000)),
            base_url=f"http://{host}",
            headers=headers or {},
        )
        self._clients.append(client)
        return client

    def as_user(
        self,
        tenant: Tenant,
        user: UserRecord,
        password: str = DEFAULT_PASSWORD,
        *,
        address: str = "127.0.0.1",
    ) -> httpx.AsyncClient:
        return self.client(tenant, headers=basic(user.email, password), address=address)

    def as_admin(self, tenant: Tenant) -> httpx.AsyncClient:
        return self.as_user(tenant, tenant.admin, tenant.admin_password)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()
        await self.db.dispose()
        # anyio's pytest runner keeps the frame of every async generator fixture alive after its teardown
        # (the traceback of the fixture's StopAsyncIteration stays reachable from the cancelled runner
        # task), and that frame holds this harness.  Dropping what the harness holds lets each test's app
        # and engine go (about 7 MB a test; the whole suite grew to 13 GB before).
        self._clients.clear()
        del self.app, self.db


@asynccontextmanager
async def running(kit: Lanekit) -> AsyncIterator[Lanekit]:
    """`kit` with its lifespan started and its notice listener connected (bounded wait)."""
    app = kit.app
    async with app.router.lifespan_context(app):
        credentials: CredentialCache = app.state.ctx.credentials
        notifier = credentials._notifier
        assert notifier is not None
        deadline = time.monotonic() + 10
        while not notifier.live:
            assert time.monotonic() < deadline, "the notice listener did not connect"
            await asyncio.sleep(0.02)
        yield kit
