"""Fixtures for the end-to-end tests: a live server per test, on each backend, with a tenant of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lanekit.settings import Settings
from lanekit.storage.records import UserRecord
from tests.e2e.leankit import basic_auth, install_client
from tests.e2e.server import LiveServer, serve
from tests.harness import Tenant


@dataclass
class Live:
    """A running server and the tenant its default account names (the node client connects by IP)."""

    server: LiveServer
    tenant: Tenant

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def admin_auth(self) -> dict[str, Any]:
        return basic_auth(self.tenant.admin.email, self.tenant.admin_password)

    def user(self, **overrides: Any) -> UserRecord:
        """Another user of the tenant (password DEFAULT_PASSWORD unless overridden)."""
        return self.server.user(self.tenant, **overrides)


@pytest.fixture(scope="session")
def leankit_client() -> Path:
    """The installed leankit-client package, installed once per cache (see tests/e2e/leankit.py)."""
    return install_client()


@pytest.fixture
def live(make_settings: Callable[..., Settings], leankit_client: Path) -> Iterator[Live]:
    name = f"e2e{uuid.uuid4().hex[:10]}"
    with serve(make_settings(default_account=name)) as server:
        yield Live(server, server.tenant(name))
