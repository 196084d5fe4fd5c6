"""The blob store: attachment bytes behind a small interface, apart from the database rows that name them.

A blob is named by a key the store makes up (a random UUID), never by anything a client sent: file names are
shown and offered for download, never used as paths.  The interface is asynchronous and streaming, so no
blob is ever held whole in memory, and another store (S3, a shared volume) can replace the local one.

`LocalBlobStore` keeps blob `k` in the file `<root>/<k[:2]>/<k>`.  A write streams into a temporary file
`.tmp-<uuid>` in that same directory, flushes and fsyncs it, then `os.replace`s it to its key (and fsyncs
the directory): a crash or an error mid-write leaves at worst a temporary file, never a half blob under a
real key.  All file IO runs in worker threads, off the event loop.

Rows and blobs are kept apart by one rule: a blob is written before the row that names it is inserted, and
deleted (`delete_blobs`) only after the transaction that deleted its row has committed
(`storage.engine.after_commit`).  A crash in between leaves an orphan file, never a row without bytes.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO, Protocol

import anyio
import anyio.to_thread

TEMP_PREFIX = ".tmp-"
READ_CHUNK_BYTES = 256 * 1024
# Received chunks are gathered up to this size and written in one worker-thread call.
WRITE_BATCH_BYTES = 1024 * 1024

log = logging.getLogger("lanekit.storage")

_KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class BlobTooLarge(Exception):
    """The stream carried more than `limit` bytes; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"blob is larger than the limit of {limit} bytes")
        self.limit = limit


class BlobNotFound(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"no blob {key!r}")
        self.key = key


@dataclass(frozen=True, slots=True)
class StoredBlob:
    key: str
    size: int


class BlobContent(Protocol):
    """An opened blob: its size, and its bytes in chunks.  Iterate it once; it closes itself at the end
    (or call `aclose` when giving up early)."""

    @property
    def size(self) -> int: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class BlobStore(Protocol):
    async def write(self, chunks: AsyncIterable[bytes], *, limit: int) -> StoredBlob:
        """Store the bytes of `chunks` under a new key.

        Raises BlobTooLarge as soon as more than `limit` bytes arrive.  Any error (including one raised by
        `chunks` itself, or cancellation) leaves nothing stored.
        """
        ...

    async def open(self, key: str) -> BlobContent:
        """The blob's content for streaming; BlobNotFound when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...


async def delete_blobs(store: BlobStore, keys: Iterable[str]) -> None:
    """Delete the blobs whose rows are gone (or were never committed), shielded from cancellation.

    A blob that cannot be deleted is logged and left as an orphan file, and the others still go: it is not
    the client's error, so it never fails a request.
    """
    with anyio.CancelScope(shield=True):
        for key in keys:
            try:
                await store.delete(key)
            except OSError:
                log.exception("could not delete blob %s; it is orphaned", key)


def is_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


def _sync_and_close(file: BinaryIO) -> None:
    try:
        file.flush()
        os.fsync(file.fileno())
    finally:
        file.close()


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); where directories cannot be opened this is a no-op."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create(path: Path) -> BinaryIO:
    return path.open("xb")


async def _copy(chunks: AsyncIterable[bytes], file: BinaryIO, *, limit: int) -> int:
    """Write `chunks` to `file` in batches (one worker-thread call per batch); the byte count."""
    size = 0
    batch: list[bytes] = []
    batched = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BlobTooLarge(limit)
        batch.append(chunk)
        batched += len(chunk)
        if batched >= WRITE_BATCH_BYTES:
            await anyio.to_thread.run_sync(file.writelines, batch)
            batch, batched = [], 0
    if batch:
        await anyio.to_thread.run_sync(file.writelines, batch)
    return size


def _discard(file: BinaryIO, *paths: Path) -> None:
    file.close()
    for path in paths:
        path.unlink(missing_ok=True)


def _open_for_read(path: Path) -> tuple[BinaryIO, int]:
    file = path.open("rb")
    try:
        return file, os.fstat(file.fileno()).st_size
    except BaseException:
        file.close()
        raise


class LocalBlob:
    """A blob file opened for reading, read in chunks in worker threads."""

    def __init__(self, file: BinaryIO, size: int, *, chunk_bytes: int = READ_CHUNK_BYTES) -> None:
        self._file = file
        self._size = size
        self._chunk_bytes = chunk_bytes

    @property
    def size(self) -> int:
        return self._size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while True:
                chunk = await anyio.to_thread.run_sync(self._file.read, self._chunk_bytes)
                if not chunk:
                    return
                yield chunk
        finally:
            self._file.close()

    async def aclose(self) -> None:
        self._file.close()


class LocalBlobStore:
    """Blobs as files under `root` (created on first write)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def path_of(self, key: str) -> Path:
        """The file of blob `key`; BlobNotFound for anything that is not a key this store makes."""
        if not is_key(key):
            raise BlobNotFound(key)
        return self.root / key[:2] / key

    async def write(self, chunks: AsyncIterable[bytes], *, limit: int) -> StoredBlob:
        key = str(uuid.uuid4())
        final = self.path_of(key)
        directory = final.parent
        temp = directory / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        await anyio.to_thread.run_sync(partial(directory.mkdir, parents=True, exist_ok=True))
        with anyio.CancelScope(shield=True):
            file = await anyio.to_thread.run_sync(_create, temp)
        placed = False
        try:
            size = await _copy(chunks, file, limit=limit)
            await anyio.to_thread.run_sync(_sync_and_close, file)
            await anyio.to_thread.run_sync(os.replace, temp, final)
            placed = True
            await anyio.to_thread.run_sync(_fsync_directory, directory)
        except BaseException:
            # Shielded: a cancelled upload must still remove what it wrote.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(partial(_discard, file, temp, *([final] if placed else [])))
            raise
        return StoredBlob(key=key, size=size)

    async def open(self, key: str) -> LocalBlob:
        path = self.path_of(key)
        try:
            file, size = await anyio.to_thread.run_sync(_open_for_read, path)
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        return LocalBlob(file, size)

    async def delete(self, key: str) -> None:
        try:
            path = self.path_of(key)
        except BlobNotFound:
            return
        await anyio.to_thread.run_sync(partial(path.unlink, missing_ok=True))

    async def exists(self, key: str) -> bool:
        try:
            path = self.path_of(key)
        except BlobNotFound:
            return False
        return await anyio.to_thread.run_sync(path.is_file)
