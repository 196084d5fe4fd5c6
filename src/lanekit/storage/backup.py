"""Online backup and restore of a SQLite installation: the database and its attachment files together.

A backup is a directory::

    manifest.json        format version, Lanekit version, schema revision, row counts, created-at
    lanekit.sqlite3      the database, one self-contained file (rollback journal mode)
    blobs/<k[:2]>/<k>    the attachment bytes, laid out as `storage/blobs.py` keeps them

The manifest is written last, so a directory without one is an interrupted backup and `restore` refuses it.

The database is copied with SQLite's online backup API (`sqlite3.Connection.backup`), a few pages per step
with a progress callback, never by copying the file: a file copy taken while the server writes can tear a
page or miss the WAL.  The source connection opens one read transaction before the first step and keeps it
until the last, so every step reads the same WAL snapshot: the copy is the database as of one commit, and
writers (which append to the WAL) neither wait for the backup nor make it restart.

Why every attachment row of the copy has its bytes.  The server keeps two orderings (`http/attachments.py`,
`storage/blobs.py`): a blob file appears under its key, complete (written, fsynced, renamed), before the
transaction inserting its row commits; and a blob file is deleted only after the transaction deleting its
row has committed.  Keys are random and files are never rewritten.  So for a row R of the snapshot S, R's
file existed at the instant S was taken and stays until some transaction deleting R commits, after S.
`backup` therefore:

1. copies every blob file present now (files that vanish while being listed are skipped);
2. takes the snapshot S;
3. copies the blobs S references that step 1 did not see (rows inserted between 1 and 2).

A blob of S missing in step 3 means its row was deleted (and the deletion committed, then the file was
removed) after S: S is then older than the blobs it needs, so the backup takes a newer snapshot and repeats
from step 1 (already copied files are kept, being immutable), up to `max_attempts` times.  The one other
way a file can be missing (the row still in the live database, its file gone) is an installation that has
already lost bytes; the backup stops and names the keys rather than retry.  Files copied but not referenced
by the final snapshot (attachments deleted meanwhile, orphans) are removed from the backup.

`restore` copies the blobs into `LANEKIT_BLOB_DIR` first and the database second, so an interrupted restore
never leaves a row without its bytes.  It refuses a non-empty target unless forced; forced, it replaces the
database and removes blob files the restored database does not reference.

PostgreSQL installations are backed up with `pg_dump` and a copy of the blob directory (README.md,
"Backups"); these functions raise `NotSqlite` for them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from lanekit import __version__
from lanekit.storage.blobs import TEMP_PREFIX, is_key

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILE = "lanekit.sqlite3"
BLOBS_DIR = "blobs"
PAGES_PER_STEP = 256
MAX_ATTEMPTS = 5
BUSY_TIMEOUT_MS = 30_000

# (phase, done, total): phase is "attachments" or "database"; called often, so keep it cheap.
Progress = Callable[[str, int, int], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


class NotSqlite(BackupError):
    """The installation's database is not SQLite."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup holds (read back from its manifest for a restore)."""

    path: Path
    created_at: str
    lanekit_version: str
    schema_revision: str | None
    counts: dict[str, int]
    blobs: int
    blob_bytes: int
    attempts: int = 1
    removed_blobs: int = field(default=0)


def sqlite_path(database_url: str) -> Path:
    """The database file of a `sqlite:///path` URL; NotSqlite for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise NotSqlite(
            f"the database is {url.get_backend_name()}, not SQLite: back it up with pg_dump -Fc and a copy "
            'of the blob directory (LANEKIT_BLOB_DIR), as the README\'s "Backups" section describes'
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"cannot back up the SQLite database {url.database!r}: it is not a plain file")
    return Path(url.database)


def backup(
    *,
    database_url: str,
    blob_dir: Path,
    dest: Path,
    progress: Progress | None = None,
    pages_per_step: int = PAGES_PER_STEP,
    max_attempts: int = MAX_ATTEMPTS,
) -> Summary:
    """Write a consistent backup of the installation to `dest`, a new or empty directory, while the server
    may keep reading and writing.  The ordering argument is in the module docstring."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty directory; back up into a new one")
    live_blobs = Path(blob_dir)
    dest_blobs = dest / BLOBS_DIR
    dest_blobs.mkdir(parents=True, exist_ok=True)
    copy = dest / DATABASE_FILE
    copied: set[str] = set()
    attempts = 0
    while True:
        attempts += 1
        present = sorted(_blob_keys(live_blobs))
        _copy_blobs(live_blobs, dest_blobs, [k for k in present if k not in copied], copied, progress)
        _snapshot(source, copy, pages_per_step=pages_per_step, progress=progress)
        referenced = _referenced_blobs(copy)
        late = sorted(set(referenced) - copied)
        missing = _copy_blobs(live_blobs, dest_blobs, late, copied, progress)
        if not missing:
            break
        lost = _still_referenced(source, missing)
        if lost:
            raise BackupError(
                f"the installation has attachment rows whose files are missing from {live_blobs}: "
                + ", ".join(lost)
            )
        if attempts == max_attempts:
            raise BackupError(
                f"attachments kept being deleted during the backup ({max_attempts} snapshots were each "
                "missing a deleted file); run it again"
            )
    for key in copied - set(referenced):
        _blob_path(dest_blobs, key).unlink(missing_ok=True)
    wrong = [k for k, size in referenced.items() if _blob_path(dest_blobs, k).stat().st_size != size]
    if wrong:
        raise BackupError("attachment files whose size differs from their rows: " + ", ".join(sorted(wrong)))
    _check_integrity(copy)
    summary = Summary(
        path=dest,
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        lanekit_version=__version__,
        schema_revision=_schema_revision(copy),
        counts=_row_counts(copy),
        blobs=len(referenced),
        blob_bytes=sum(referenced.values()),
        attempts=attempts,
    )
    _write_manifest(dest, summary)
    _fsync_directory(dest)
    return summary


def restore(
    *,
    source: Path,
    database_url: str,
    blob_dir: Path,
    force: bool = False,
    progress: Progress | None = None,
    pages_per_step: int = PAGES_PER_STEP,
) -> Summary:
    """Bring the backup at `source` back as the installation's database and blob directory.

    Refuses (BackupError) a backup without a manifest or of an unknown format, a backup missing attachment
    files, and a target that already holds a database or blob files, unless `force`.  Run it with the
    server stopped.
    """
    target = sqlite_path(database_url)
    summary = read_manifest(source)
    backup_db = source / DATABASE_FILE
    backup_blobs = source / BLOBS_DIR
    referenced = _referenced_blobs(backup_db)
    absent = [k for k, size in referenced.items() if not _is_blob_of_size(_blob_path(backup_blobs, k), size)]
    if absent:
        raise BackupError(
            f"the backup at {source} is incomplete: attachment files missing: " + ", ".join(absent)
        )
    live_blobs = Path(blob_dir)
    if not force:
        occupied = [str(p) for p in (target, _wal(target)) if p.is_file() and p.stat().st_size > 0]
        if any(True for _ in _files_under(live_blobs)):
            occupied.append(str(live_blobs))
        if occupied:
            raise BackupError(
                f"the target is not empty ({', '.join(occupied)}); restore into a new location or pass "
                "--force to overwrite it"
            )
    live_blobs.mkdir(parents=True, exist_ok=True)
    todo = [k for k, size in referenced.items() if not _is_blob_of_size(_blob_path(live_blobs, k), size)]
    _copy_blobs(backup_blobs, live_blobs, sorted(todo), set(), progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    _restore_database(backup_db, target, pages_per_step=pages_per_step, progress=progress)
    removed = 0
    if force:
        keep = set(referenced)
        for key in list(_blob_keys(live_blobs)):
            if key not in keep:
                _blob_path(live_blobs, key).unlink(missing_ok=True)
                removed += 1
    return Summary(
        path=source,
        created_at=summary.created_at,
        lanekit_version=summary.lanekit_version,
        schema_revision=summary.schema_revision,
        counts=summary.counts,
        blobs=summary.blobs,
        blob_bytes=summary.blob_bytes,
        removed_blobs=removed,
    )


def read_manifest(source: Path) -> Summary:
    path = source / MANIFEST
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{source} is not a Lanekit backup (no {MANIFEST}; an interrupted backup?)"
        ) from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    if data.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is of backup format {data.get('format')!r}; this Lanekit reads {FORMAT_VERSION}"
        )
    if not (source / DATABASE_FILE).is_file():
        raise BackupError(f"the backup at {source} has no {DATABASE_FILE}")
    return Summary(
        path=source,
        created_at=str(data["createdAt"]),
        lanekit_version=str(data["lanekitVersion"]),
        schema_revision=data["schemaRevision"],
        counts={str(k): int(v) for k, v in data["counts"].items()},
        blobs=int(data["blobs"]),
        blob_bytes=int(data["blobBytes"]),
    )


# -- the database -----------------------------------------------------------------------------------------


def _connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(
        f"file:{path}?mode={mode}", uri=True, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _pages_progress(progress: Progress | None) -> Callable[[int, int, int], object] | None:
    if progress is None:
        return None

    def report(_status: int, remaining: int, total: int) -> None:
        progress("database", total - remaining, total)

    return report


def _snapshot(source: Path, copy: Path, *, pages_per_step: int, progress: Progress | None) -> None:
    """Copy the database as of one commit into `copy` (replacing it): one self-contained file in rollback
    journal mode."""
    src = _connect(source)
    try:
        # The read transaction starts with the first read and pins this WAL snapshot for every step below.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        dst = _connect(copy, create=True)
        try:
            src.backup(dst, pages=pages_per_step, progress=_pages_progress(progress))
            src.execute("COMMIT")
            # The copied header says WAL; one file without -wal/-shm is what a backup should be.
            dst.execute("PRAGMA journal_mode=DELETE").fetchone()
        finally:
            dst.close()
    finally:
        src.close()


def _restore_database(
    backup_db: Path, target: Path, *, pages_per_step: int, progress: Progress | None
) -> None:
    src = _connect(backup_db)
    try:
        dst = _connect(target, create=True)
        try:
            src.backup(dst, pages=pages_per_step, progress=_pages_progress(progress))
            # The mode `storage/engine.py` runs the database in.
            dst.execute("PRAGMA journal_mode=WAL").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    _check_integrity(target)


def _check_integrity(path: Path) -> None:
    conn = _connect(path)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if result != ["ok"]:
        raise BackupError(f"{path} fails PRAGMA integrity_check: " + "; ".join(map(str, result[:5])))


def _referenced_blobs(database: Path) -> dict[str, int]:
    """storage_id → size of every attachment row."""
    conn = _connect(database)
    try:
        if not _has_table(conn, "attachments"):
            return {}
        return {str(key): int(size) for key, size in conn.execute("SELECT storage_id, size FROM attachments")}
    finally:
        conn.close()


def _still_referenced(database: Path, keys: list[str]) -> list[str]:
    conn = _connect(database)
    try:
        marks = ",".join("?" * len(keys))
        rows = conn.execute(f"SELECT storage_id FROM attachments WHERE storage_id IN ({marks})", keys)
        return sorted(str(row[0]) for row in rows)
    finally:
        conn.close()


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def _row_counts(database: Path) -> dict[str, int]:
    conn = _connect(database)
    try:
        names = [
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version' ORDER BY name"
            )
        ]
        return {name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names}
    finally:
        conn.close()


def _schema_revision(database: Path) -> str | None:
    conn = _connect(database)
    try:
        if not _has_table(conn, "alembic_version"):
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


# -- the blobs --------------------------------------------------------------------------------------------


def _blob_path(root: Path, key: str) -> Path:
    return root / key[:2] / key


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in root.rglob("*") if p.is_file())


def _blob_keys(root: Path) -> Iterator[str]:
    """The keys of the blob files under `root` (temporary files and anything else left aside)."""
    if not root.is_dir():
        return
    for shard in root.iterdir():
        if len(shard.name) != 2 or not shard.is_dir():
            continue
        for entry in shard.iterdir():
            if is_key(entry.name) and entry.name[:2] == shard.name and not entry.name.startswith(TEMP_PREFIX):
                yield entry.name


def _is_blob_of_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _copy_blobs(
    source: Path, dest: Path, keys: list[str], copied: set[str], progress: Progress | None
) -> list[str]:
    """Copy blobs `keys` from `source` to `dest` (each to a temporary file, fsynced, then renamed), adding
    them to `copied`; the keys that had no file."""
    missing: list[str] = []
    for done, key in enumerate(keys, start=1):
        final = _blob_path(dest, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            with _blob_path(source, key).open("rb") as reader, temp.open("xb") as writer:
                shutil.copyfileobj(reader, writer, 1024 * 1024)
                writer.flush()
                os.fsync(writer.fileno())
        except FileNotFoundError:
            temp.unlink(missing_ok=True)
            missing.append(key)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        else:
            os.replace(temp, final)
            copied.add(key)
        if progress is not None:
            progress("attachments", done, len(keys))
    for shard in {_blob_path(dest, k).parent for k in keys}:
        _fsync_directory(shard)
    return missing


def _fsync_directory(directory: Path) -> None:
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


def _write_manifest(dest: Path, summary: Summary) -> None:
    body = {
        "format": FORMAT_VERSION,
        "lanekitVersion": summary.lanekit_version,
        "schemaRevision": summary.schema_revision,
        "createdAt": summary.created_at,
        "counts": summary.counts,
        "blobs": summary.blobs,
        "blobBytes": summary.blob_bytes,
    }
    temp = dest / f"{TEMP_PREFIX}{MANIFEST}"
    with temp.open("w") as file:
        json.dump(body, file, indent=2, sort_keys=True)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temp, dest / MANIFEST)
