"""A `Database` of its own for the storage tests, on the session's migrated database of each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lanekit.settings import Settings
from lanekit.storage.engine import Database, make_engine


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(make_engine(settings))
    try:
        yield database
    finally:
        await database.dispose()
        # The fixture's frame outlives the test (see tests.harness.Lanekit.close): let the engine go.
        del database
