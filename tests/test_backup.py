"""`lanekit backup` / `lanekit restore` (storage/backup.py): an online copy of a SQLite installation taken
while the app writes cards and attachments, restored elsewhere and compared with what was committed."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import pytest

from lanekit import cli
from lanekit.storage import backup
from tests.conftest import _migrate, _settings
from tests.factories.boards import make_board
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio


@dataclass
class Site:
    """A SQLite installation: its database URL and blob directory."""

    root: Path
    url: str
    blob_dir: Path

    @property
    def db_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))


def _site(root: Path) -> Site:
    return Site(root, f"sqlite:///{root / 'lanekit.sqlite3'}", root / "blobs")


@dataclass
class Writer:
    """Creates cards with an attachment each through the API and deletes every third attachment, keeping
    what the API confirmed (a 2xx answer means the transaction committed)."""

    kit: Lanekit
    tenant: Tenant
    board_id: int
    cards: list[int] = field(default_factory=list)
    # storage id → (attachment id, sha256 of the bytes uploaded)
    attachments: dict[str, tuple[int, str]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    steps: int = 0
    # One step at a time, so the order of `cards` is the order of their commits.
    lock: anyio.Lock = field(default_factory=anyio.Lock)

    async def step(self) -> None:
        async with self.lock:
            await self._step()

    async def _step(self) -> None:
        client = self.kit.as_admin(self.tenant)
        self.steps += 1
        created = await client.post(
            "/io/card", json={"boardId": str(self.board_id), "title": f"C{self.steps}"}
        )
        assert created.status_code == 201, created.text
        card_id = int(created.json()["id"])
        self.cards.append(card_id)
        data = os.urandom(1000 + 37 * self.steps)
        uploaded = await client.post(
            f"/io/card/{card_id}/attachment",
            files={"file": (f"f{self.steps}.bin", data, "application/x-test")},
        )
        assert uploaded.status_code == 201, uploaded.text
        body = uploaded.json()
        self.attachments[body["storageId"]] = (int(body["id"]), hashlib.sha256(data).hexdigest())
        if self.steps % 3 == 0:
            await self.delete(card_id, body["storageId"])

    async def delete(self, card_id: int, storage_id: str) -> None:
        attachment_id, _ = self.attachments[storage_id]
        gone = await self.kit.as_admin(self.tenant).delete(f"/io/card/{card_id}/attachment/{attachment_id}")
        assert gone.status_code == 204, gone.text
        self.deleted.add(storage_id)

    def live(self) -> set[str]:
        return set(self.attachments) - self.deleted


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[Site, Lanekit, Writer]]:
    site = _site(tmp_path / "live")
    await _migrate(_settings(site.url))
    kit = Lanekit(_settings(site.url, blob_dir=site.blob_dir))
    try:
        tenant = await kit.tenant()
        async with kit.db.begin() as conn:
            board = await make_board(conn, tenant.account, creator=tenant.admin)
        yield site, kit, Writer(kit, tenant, board.id)
    finally:
        await kit.close()


async def lanekit_cli(site: Site, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANEKIT_")}
    env["LANEKIT_DATABASE_URL"] = site.url
    env["LANEKIT_BLOB_DIR"] = str(site.blob_dir)
    result = await anyio.run_process([sys.executable, "-m", "lanekit", *args], env=env, check=False)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`lanekit …` in this process (backup and restore are synchronous): quicker than a new interpreter."""

    def _run(site: Site, *args: str) -> tuple[int, str, str]:
        for name in os.environ:
            if name.startswith("LANEKIT_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv("LANEKIT_DATABASE_URL", site.url)
        monkeypatch.setenv("LANEKIT_BLOB_DIR", str(site.blob_dir))
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def _files(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def check_restored(
    restored: Site, writer: Writer, *, committed_before: set[int], kept_before: set[str]
) -> None:
    """The restored installation is sound, holds what was committed before the backup started, and every
    attachment row has its exact bytes."""
    db = restored.db_path
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    cards = {card_id for (card_id,) in _rows(db, f"SELECT id FROM cards WHERE board_id = {writer.board_id}")}
    assert committed_before <= cards <= set(writer.cards)
    # One snapshot: the writer is sequential, so the copy holds a prefix of its cards.
    assert cards == set(writer.cards[: len(cards)])
    rows = _rows(db, "SELECT id, card_id, storage_id, size FROM attachments")
    keys = {storage_id for _, _, storage_id, _ in rows}
    assert kept_before <= keys
    for attachment_id, card_id, storage_id, size in rows:
        assert card_id in cards
        assert writer.attachments[storage_id][0] == attachment_id
        data = (restored.blob_dir / storage_id[:2] / storage_id).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (size, writer.attachments[storage_id][1])
    # Only the referenced files come back.
    assert _files(restored.blob_dir) == keys


async def test_backup_while_the_app_writes_then_restore(
    live: tuple[Site, Lanekit, Writer], tmp_path: Path
) -> None:
    site, _kit, writer = live
    for _ in range(6):
        await writer.step()
    committed_before, kept_before = set(writer.cards), writer.live()
    steps_during: list[int] = []

    pages: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        # Called between backup steps (in the backup's thread): make the app commit while pages are copied.
        if phase == "database":
            pages.append(done)
        if phase == "database" and done < total and done % 10 == 0:
            anyio.from_thread.run(writer.step)
            steps_during.append(writer.steps)

    async def keep_writing(stop: anyio.Event) -> None:
        while not stop.is_set():
            await writer.step()

    dest = tmp_path / "backup"
    stop = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(keep_writing, stop)
        summary = await anyio.to_thread.run_sync(
            partial(
                backup.backup,
                database_url=site.url,
                blob_dir=site.blob_dir,
                dest=dest,
                progress=progress,
                pages_per_step=1,
            )
        )
        stop.set()
    assert len(steps_during) >= 3, "the app wrote during the page copy"
    # The snapshot is held across steps: the app's commits never make a copy start over (the page count
    # goes back only when a new snapshot is taken, rarely: an attachment added and deleted around it).
    assert sum(later < earlier for earlier, later in itertools.pairwise(pages)) == summary.attempts - 1
    assert writer.deleted, "attachments were deleted meanwhile"

    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert manifest["schemaRevision"] == summary.schema_revision is not None
    assert manifest["counts"]["cards"] == summary.counts["cards"] >= len(committed_before)
    assert manifest["createdAt"].endswith("Z")
    assert not (dest / "lanekit.sqlite3-wal").exists()

    restored = _site(tmp_path / "restored")
    code, out, err = await lanekit_cli(restored, "restore", str(dest))
    assert (code, err) == (0, ""), err
    assert out.startswith("lanekit restore: ") and out.count("\n") == 1 and "%" not in out
    check_restored(restored, writer, committed_before=committed_before, kept_before=kept_before)
    assert _rows(restored.db_path, "SELECT count(*) FROM cards") == [(manifest["counts"]["cards"],)]
    assert _rows(restored.db_path, "SELECT count(*) FROM attachments") == [(manifest["blobs"],)]

    # The restored installation serves: its attachments download with their bytes.
    again = Lanekit(_settings(restored.url, blob_dir=restored.blob_dir))
    try:
        [(card_id, attachment_id, storage_id)] = _rows(
            restored.db_path, "SELECT card_id, id, storage_id FROM attachments ORDER BY id LIMIT 1"
        )
        got = await again.as_admin(writer.tenant).get(
            f"/io/card/{card_id}/attachment/{attachment_id}/content"
        )
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == writer.attachments[storage_id][1]
    finally:
        await again.close()


async def test_cli_backup_of_a_running_installation(
    live: tuple[Site, Lanekit, Writer], tmp_path: Path
) -> None:
    site, _kit, writer = live
    for _ in range(4):
        await writer.step()
    committed_before, kept_before = set(writer.cards), writer.live()
    dest = tmp_path / "backup"

    async def keep_writing(stop: anyio.Event) -> None:
        while not stop.is_set():
            await writer.step()

    stop = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(keep_writing, stop)
        code, out, err = await lanekit_cli(site, "backup", str(dest))
        stop.set()
    assert (code, err) == (0, ""), err
    # Not a terminal: no progress line, one summary line.
    assert out.startswith(f"lanekit backup: wrote {dest} ") and out.count("\n") == 1 and "%" not in out

    restored = _site(tmp_path / "restored")
    assert (await lanekit_cli(restored, "restore", str(dest)))[0] == 0
    check_restored(restored, writer, committed_before=committed_before, kept_before=kept_before)


async def test_a_snapshot_missing_a_deleted_attachment_is_taken_again(
    live: tuple[Site, Lanekit, Writer], tmp_path: Path
) -> None:
    """An attachment added after the blob copy and deleted (row, then file) after the snapshot: the first
    snapshot references bytes that are gone, so the backup takes a second one."""
    site, _kit, writer = live
    await writer.step()
    stage: list[str] = []

    def progress(phase: str, done: int, total: int) -> None:
        if not stage and phase == "attachments" and done == total:
            anyio.from_thread.run(writer.step)  # after the first blob copy, before the snapshot
            stage.append("added")
        elif stage == ["added"] and phase == "database":
            storage_id = list(writer.attachments)[-1]
            anyio.from_thread.run(writer.delete, writer.cards[-1], storage_id)
            stage.append("deleted")

    dest = tmp_path / "backup"
    summary = await anyio.to_thread.run_sync(
        partial(backup.backup, database_url=site.url, blob_dir=site.blob_dir, dest=dest, progress=progress)
    )
    assert stage == ["added", "deleted"]
    assert summary.attempts == 2
    restored = _site(tmp_path / "restored")
    backup.restore(source=dest, database_url=restored.url, blob_dir=restored.blob_dir)
    check_restored(restored, writer, committed_before=set(writer.cards), kept_before=writer.live())


async def test_backup_names_attachments_whose_files_the_installation_lost(
    live: tuple[Site, Lanekit, Writer], tmp_path: Path
) -> None:
    site, _kit, writer = live
    await writer.step()
    [key] = writer.live()
    (site.blob_dir / key[:2] / key).unlink()
    with pytest.raises(backup.BackupError, match=key):
        backup.backup(database_url=site.url, blob_dir=site.blob_dir, dest=tmp_path / "backup")
    assert not (tmp_path / "backup" / "manifest.json").exists()


async def test_restore_refuses_a_non_empty_target_unless_forced(
    live: tuple[Site, Lanekit, Writer], tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    site, _kit, writer = live
    await writer.step()
    dest = tmp_path / "backup"
    assert run_cli(site, "backup", str(dest))[0] == 0

    # Restoring over the live installation (database and blobs present) is refused and changes nothing.
    before = (site.db_path.read_bytes(), _files(site.blob_dir))
    code, out, err = run_cli(site, "restore", str(dest))
    assert (code, out) == (1, "")
    assert err.startswith("lanekit restore: the target is not empty") and "--force" in err
    assert (site.db_path.read_bytes(), _files(site.blob_dir)) == before

    # A blob directory with files is enough to refuse.
    other = _site(tmp_path / "other")
    (other.blob_dir / "ab").mkdir(parents=True)
    (other.blob_dir / "ab" / "stray").write_bytes(b"x")
    assert run_cli(other, "restore", str(dest))[0] == 1
    assert not other.db_path.exists()

    # --force overwrites: the database is the backup's, blob files it does not reference are gone.
    await writer.step()
    assert len(writer.cards) == 2
    code, out, err = run_cli(site, "restore", "--force", str(dest))
    assert (code, err) == (0, ""), err
    assert _rows(site.db_path, f"SELECT id FROM cards WHERE board_id = {writer.board_id}") == [
        (writer.cards[0],)
    ]
    [(key,)] = _rows(site.db_path, "SELECT storage_id FROM attachments")
    assert _files(site.blob_dir) == {key}

    # Not a backup (no manifest): refused.
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(_site(tmp_path / "third"), "restore", str(tmp_path / "empty"))
    assert code == 1 and "not a Lanekit backup" in err


async def test_backup_into_a_non_empty_directory_is_refused(
    live: tuple[Site, Lanekit, Writer], tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    site, _kit, _writer = live
    dest = tmp_path / "backup"
    dest.mkdir()
    (dest / "something").write_text("keep me")
    code, out, err = run_cli(site, "backup", str(dest))
    assert (code, out) == (1, "")
    assert "not an empty directory" in err
    assert [p.name for p in dest.iterdir()] == ["something"]


@pytest.mark.parametrize("command", ["backup", "restore"])
async def test_postgresql_is_refused_pointing_to_the_readme(
    command: str, tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    # Refused before connecting: no server is needed at this URL.
    site = Site(tmp_path, "postgresql://lanekit@127.0.0.1:5432/lanekit", tmp_path / "blobs")
    code, out, err = run_cli(site, command, str(tmp_path / "b"))
    assert (code, out) == (1, "")
    assert "not SQLite" in err and "pg_dump -Fc" in err and "Backups" in err
    assert not (tmp_path / "b").exists()


async def test_progress_is_shown_on_a_terminal_only(
    live: tuple[Site, Lanekit, Writer],
    tmp_path: Path,
    run_cli: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site, _kit, writer = live
    await writer.step()
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    code, _, err = run_cli(site, "backup", str(tmp_path / "backup"))
    assert (code, err) == (0, "")
    shown = terminal.getvalue()
    assert "\rlanekit backup: database 100%" in shown and "\rlanekit backup: attachments 100%" in shown
    revision = backup.read_manifest(tmp_path / "backup").schema_revision
    summary = (
        f"lanekit backup: wrote {tmp_path / 'backup'} (schema {revision}; boards 1, cards 1, attachments 1"
    )
    assert shown.endswith("\x1b[K" + summary + ", 0.0 MB)\n")
