"""Fresh, empty databases for tests that must start from nothing (migrations, readiness, the CLI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import _create_pg_database, _drop_pg_database, _pg_url


@asynccontextmanager
async def scratch_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """The URL of a new empty database: a SQLite file in `directory`, or a PostgreSQL database that is
    dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'scratch-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"lanekit_scratch_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await _create_pg_database(name)
    try:
        yield _pg_url(name)
    finally:
        await _drop_pg_database(name)
