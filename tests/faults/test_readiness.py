"""`/readyz` checks every configured dependency and names the ones that failed: the database (503 when
unreachable or not migrated; tests/storage/test_migrations.py), Redis (tests/faults/test_redis_lost.py)
and the blob directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lanekit.settings import Settings
from lanekit.storage.migrate import head_revision
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def test_a_blob_directory_that_cannot_be_written_is_degraded_not_down(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    # A directory that cannot be made (its parent is a file): unwritable even for root.
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    kit = Lanekit(make_settings(blob_dir=occupied / "blobs"))
    try:
        response = await kit.client().get("/readyz")
    finally:
        await kit.close()
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["revision"], body["failed"]) == ("degraded", head_revision(), ["blobs"])
    assert body["checks"]["blobs"]["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "ok", "revision": head_revision()}
    assert "redis" not in body["checks"]  # not configured, so not checked


async def test_a_writable_blob_directory_is_left_as_it_was(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    blobs = tmp_path / "blobs"
    kit = Lanekit(make_settings(blob_dir=blobs))
    try:
        response = await kit.client().get("/readyz")
    finally:
        await kit.close()
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    assert list(blobs.iterdir()) == []
