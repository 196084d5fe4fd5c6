"""Fixtures shared by the whole suite.

Every test that touches storage runs on SQLite and on PostgreSQL (the `backend` parameter).  Each test
session migrates one fresh SQLite file and one fresh PostgreSQL database of its own (so two runs on one
server never collide), and each test works in an account of its own, reached through its own Host header.
PostgreSQL being unreachable fails the suite; it never skips.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import argon2.profiles
import asyncpg
import pytest
from argon2 import PasswordHasher

from lanekit.settings import Settings
from lanekit.storage.engine import make_engine
from lanekit.storage.migrate import upgrade

PG_ADMIN_URL = os.environ.get("LANEKIT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


_TEST_BLOBS = Path(tempfile.mkdtemp(prefix="lanekit-test-blobs-"))
atexit.register(shutil.rmtree, _TEST_BLOBS, True)


def _settings(database_url: str, **overrides: object) -> Settings:
    # Built explicitly: tests never read the developer's LANEKIT_* environment.
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": None,
        "rate_limit": "100000/minute",
        "default_account": None,
        "db_pool_size": 5,
        "db_max_overflow": 40,
        # Never the working directory's var/blobs: a test that uploads without its own directory writes here.
        "blob_dir": _TEST_BLOBS,
        **overrides,
    }
    return Settings.model_validate(values)


async def _create_pg_database(name: str) -> None:
    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"PostgreSQL is unreachable at {PG_ADMIN_URL} ({exc}); the suite needs it (set LANEKIT_TEST_PG)"
        ) from exc
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _migrate(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole session."""
    pg_name = f"lanekit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_create_pg_database(pg_name))
    sqlite_path: Path = tmp_path_factory.mktemp("sqlite") / "lanekit.sqlite3"
    urls = {"sqlite": f"sqlite:///{sqlite_path}", "postgresql": _pg_url(pg_name)}
    try:
        for url in urls.values():
            asyncio.run(_migrate(_settings(url)))
        yield urls
    finally:
        asyncio.run(_drop_pg_database(pg_name))


@pytest.fixture(autouse=True)
def cheap_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process tests hash and verify with argon2-cffi's `CHEAPEST` profile (still argon2id).

    The production parameters cost ~130 ms per hash or verification on a 2-core machine, and most tests
    make a tenant, a user or two and sign in with Basic: that was about a third of the suite's time.
    Tests marked `real_argon2` (those that time sign-ins or fill the verification queue) and every test
    that starts a real server keep the production parameters.  The dummy hash an unknown login is checked
    against is made once per process: it is remade for each test, with that test's parameters.
    """
    from lanekit.domain.people import passwords

    if request.node.get_closest_marker("real_argon2") is None:
        monkeypatch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, database_urls: dict[str, str]) -> Settings:
    return _settings(database_urls[backend])


@pytest.fixture
def make_settings(backend: str, database_urls: dict[str, str]):  # type: ignore[no-untyped-def]
    """Settings for this backend with some values changed (rate limits, body limits…)."""

    def _make(**overrides: object) -> Settings:
        return _settings(database_urls[backend], **overrides)

    return _make


@pytest.fixture
async def lanekit(settings: Settings) -> AsyncIterator[Lanekit]:
    from tests.harness import Lanekit

    kit = Lanekit(settings)
    try:
        yield kit
    finally:
        await kit.close()


from tests.harness import Lanekit  # noqa: E402  (re-exported for type hints in tests)

__all__ = ["Lanekit"]
