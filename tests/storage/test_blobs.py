"""storage/blobs.py: the local blob store keeps whole blobs under random keys, or nothing at all.

No database is involved, so these run once.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import anyio
import pytest

from lanekit.storage import blobs
from lanekit.storage.blobs import BlobNotFound, BlobTooLarge, LocalBlobStore

pytestmark = pytest.mark.anyio


async def _chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def _read(store: LocalBlobStore, key: str) -> bytes:
    content = await store.open(key)
    return b"".join([chunk async for chunk in content])


async def test_round_trip_under_a_random_key(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    parts = [b"a" * 700_000, b"", b"b" * 700_000, b"c"]  # crosses a write batch
    stored = await store.write(_chunks(parts), limit=10_000_000)
    assert stored.size == 1_400_001
    assert str(uuid.UUID(stored.key)) == stored.key
    assert _files(tmp_path / "blobs") == [tmp_path / "blobs" / stored.key[:2] / stored.key]
    assert await store.exists(stored.key)
    content = await store.open(stored.key)
    assert content.size == 1_400_001
    assert await _read(store, stored.key) == b"".join(parts)

    other = await store.write(_chunks([b"x"]), limit=1)
    assert other.key != stored.key
    empty = await store.write(_chunks([]), limit=1)
    assert (empty.size, await _read(store, empty.key)) == (0, b"")

    await store.delete(stored.key)
    assert not await store.exists(stored.key)
    await store.delete(stored.key)  # already gone: not an error
    with pytest.raises(BlobNotFound):
        await store.open(stored.key)
    assert len(_files(tmp_path / "blobs")) == 2


async def test_keys_are_never_paths(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    secret = tmp_path / "secret"
    secret.write_bytes(b"do not serve")
    for key in ("../secret", "..", "", str(secret), "ABCDEF00-0000-0000-0000-000000000000"):
        assert not await store.exists(key)
        with pytest.raises(BlobNotFound):
            await store.open(key)
        await store.delete(key)
    assert secret.read_bytes() == b"do not serve"


async def test_over_the_limit_nothing_is_stored(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    at_limit = await store.write(_chunks([b"12345", b"67890"]), limit=10)
    assert at_limit.size == 10
    with pytest.raises(BlobTooLarge) as refused:
        await store.write(_chunks([b"12345", b"67890", b"1"]), limit=10)
    assert refused.value.limit == 10
    assert _files(tmp_path) == [tmp_path / at_limit.key[:2] / at_limit.key]


async def test_a_failing_source_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield b"half of it"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        await store.write(broken(), limit=1000)
    assert _files(tmp_path) == []


async def test_a_cancelled_write_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first_chunk_written = anyio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"x" * 2_000_000  # one full batch, written to the temporary file
        first_chunk_written.set()
        await anyio.sleep_forever()
        yield b""

    async def write() -> None:
        await store.write(slow(), limit=10_000_000)

    async with anyio.create_task_group() as group:
        group.start_soon(write)
        await first_chunk_written.wait()
        assert len(_files(tmp_path)) == 1  # the temporary file
        assert _files(tmp_path)[0].name.startswith(blobs.TEMP_PREFIX)
        group.cancel_scope.cancel()
    assert _files(tmp_path) == []


async def test_a_failed_rename_leaves_no_half_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path)

    def crash(_src: object, _dst: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        await store.write(_chunks([b"data"] * 10), limit=1000)
    assert _files(tmp_path) == []


async def test_reading_closes_the_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    stored = await store.write(_chunks([b"z" * 600_000]), limit=1_000_000)
    content = await store.open(stored.key)
    chunks = [chunk async for chunk in content]
    assert [len(c) for c in chunks] == [262_144, 262_144, 75_712]
    assert content._file.closed
    early = await store.open(stored.key)
    await early.aclose()
    assert early._file.closed
