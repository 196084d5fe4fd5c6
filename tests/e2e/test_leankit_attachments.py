"""The official LeanKit node client's attachment calls (card.attachment.create/list/download/destroy) on a
live server: the client's own multipart form (`Id`, `File`, `Description`, `FileName`) and its streamed
download, compared byte for byte."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lanekit.settings import Settings
from tests.e2e.conftest import Live
from tests.e2e.leankit import call, read_stream, ref, run_leankit, write_stream
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def blob_dir(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def live_with_blobs(
    make_settings: Callable[..., Settings], leankit_client: Path, blob_dir: Path
) -> Iterator[Live]:
    name = f"e2e{uuid.uuid4().hex[:10]}"
    with serve(make_settings(default_account=name, blob_dir=blob_dir)) as server:
        yield Live(server, server.tenant(name))


def _blob_files(blob_dir: Path) -> list[Path]:
    return sorted(p for p in blob_dir.rglob("*") if p.is_file()) if blob_dir.exists() else []


def test_attachment_workflow_with_the_node_client(
    live_with_blobs: Live, blob_dir: Path, tmp_path: Path
) -> None:
    live = live_with_blobs
    # Over the general 1 MB body limit, which uploads are exempt from.
    original = os.urandom(1_500_000) + "\u00e9t\u00e9\n".encode()
    upload = tmp_path / "upload-source.bin"
    upload.write_bytes(original)
    downloaded = tmp_path / "downloaded.bin"
    after_delete = tmp_path / "after-delete.bin"

    [board] = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E attachments"})])
    assert board.ok, board.data
    card, created, listed, full, fetched, destroyed, emptied, missing = run_leankit(
        live,
        live.admin_auth,
        [
            call("card.create", {"boardId": board.data["id"], "title": "With files"}),
            call(
                "card.attachment.create",
                ref("0.data.id"),
                {"name": "Quarterly report.bin", "description": "Q3 numbers", "file": read_stream(upload)},
            ),
            call("card.attachment.list", ref("0.data.id")),
            call("card.get", ref("0.data.id")),
            call("card.attachment.download", ref("0.data.id"), ref("1.data.id"), write_stream(downloaded)),
            call("card.attachment.destroy", ref("0.data.id"), ref("1.data.id")),
            call("card.attachment.list", ref("0.data.id")),
            call("card.attachment.download", ref("0.data.id"), ref("1.data.id"), write_stream(after_delete)),
        ],
    )
    assert card.status == 201, card.data
    assert created.status == 201, created.data
    attachment = created.data
    assert set(attachment) == {
        "id",
        "attachmentSize",
        "createdBy",
        "changedBy",
        "createdOn",
        "updatedOn",
        "description",
        "name",
        "storageId",
    }
    assert (attachment["name"], attachment["description"]) == ("Quarterly report.bin", "Q3 numbers")
    assert attachment["attachmentSize"] == len(original)
    assert attachment["createdBy"]["emailAddress"] == live.tenant.admin.email
    assert (listed.status, listed.data) == (200, {"attachments": [attachment]})
    assert full.data["attachments"] == [attachment]
    assert fetched.status == 200
    assert downloaded.read_bytes() == original
    assert (destroyed.status, emptied.data) == (204, {"attachments": []})
    assert (missing.ok, missing.status) == (False, 404)
    assert _blob_files(blob_dir) == []


def test_deleting_a_card_with_the_node_client_deletes_its_files(
    live_with_blobs: Live, blob_dir: Path, tmp_path: Path
) -> None:
    live = live_with_blobs
    upload = tmp_path / "notes.txt"
    upload.write_text("remember the milk\n")
    [board] = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E card delete"})])
    card, first, second, unreadable, destroyed, gone = run_leankit(
        live,
        live.admin_auth,
        [
            call("card.create", {"boardId": board.data["id"], "title": "Short-lived"}),
            call(
                "card.attachment.create",
                ref("0.data.id"),
                {"name": "a.txt", "description": "", "file": read_stream(upload)},
            ),
            call(
                "card.attachment.create",
                ref("0.data.id"),
                {"name": "b.txt", "description": "", "file": read_stream(upload)},
            ),
            call(
                "card.attachment.create",
                ref("0.data.id"),
                {"name": "c.txt", "description": "", "file": read_stream(tmp_path / "absent.txt")},
            ),
            call("card.destroy", ref("0.data.id")),
            call("card.attachment.list", ref("0.data.id")),
        ],
    )
    assert (card.status, first.status, second.status) == (201, 201, 201)
    assert first.data["attachmentSize"] == len("remember the milk\n")
    assert (unreadable.ok, unreadable.status) == (False, None)
    assert unreadable.message == f"$file: no file at '{tmp_path / 'absent.txt'}'"
    assert destroyed.status == 204
    assert gone.status == 404
    assert _blob_files(blob_dir) == []
