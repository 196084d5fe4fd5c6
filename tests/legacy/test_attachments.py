"""v1 attachment calls: the node client's multipart form, count, list, get, raw download, delete."""

from __future__ import annotations

import pytest

from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, failure, legacy_board, payload

pytestmark = pytest.mark.anyio


async def test_save_list_download_and_delete_an_attachment(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin)
    base = f"{API}/card"
    # Larger than the general body limit (1 MiB): an upload is streamed past it, as on /io.
    content = b"test file\n" * 120_000
    saved = await s.admin.post(
        f"{base}/SaveAttachment/{s.board.id}/{card.id}",
        data={"Id": "0", "Description": "the spec", "FileName": "spec.txt"},
        files={"File": ("upload.bin", content, "text/plain")},
    )
    attachment_id = payload(saved, 202)
    assert isinstance(attachment_id, int)
    assert payload(await s.admin.get(f"{base}/GetAttachmentsCount/{s.board.id}/{card.id}")) == 1
    [listed] = payload(await s.admin.get(f"{base}/GetAttachments/{s.board.id}/{card.id}"))
    assert (listed["Id"], listed["FileName"], listed["Description"]) == (
        attachment_id,
        "spec.txt",
        "the spec",
    )
    assert listed["AttachmentSize"] == len(content) and listed["CardId"] == card.id
    assert listed["CreatedById"] == s.tenant.admin.id
    one = payload(await s.admin.get(f"{base}/GetAttachments/{s.board.id}/{card.id}/{attachment_id}"))
    assert one == listed
    download = await s.admin.get(f"{base}/DownloadAttachment/{s.board.id}/{attachment_id}")
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"].startswith("text/plain")
    io = (await s.admin.get(f"/io/card/{card.id}/attachment")).json()
    assert [a["id"] for a in io["attachments"]] == [str(attachment_id)]
    deleted = await s.admin.post(f"{base}/DeleteAttachment/{s.board.id}/{card.id}/{attachment_id}")
    assert payload(deleted, 203) == attachment_id
    assert payload(await s.admin.get(f"{base}/GetAttachmentsCount/{s.board.id}/{card.id}")) == 0
    missing = await s.admin.get(f"{base}/DownloadAttachment/{s.board.id}/{attachment_id}")
    assert failure(missing, 100) == "Attachment not Found."
    events = (await s.admin.get(f"/io/card/{card.id}/activity")).json()["events"]
    assert [e["type"] for e in events[:2]] == ["attachmentDeleted", "attachmentAdded"]


async def test_save_attachment_needs_a_file_on_a_card_of_the_board(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin)
    path = f"{API}/card/SaveAttachment/{s.board.id}/{card.id}"
    assert "File" in failure(await s.admin.post(path, json={"Id": 0}), 502)
    no_file = await s.admin.post(path, data={"Id": "0"}, files={"Other": ("x.txt", b"x", "text/plain")})
    assert "file" in failure(no_file, 502)
    wrong_board = await s.admin.post(
        f"{API}/card/SaveAttachment/999999/{card.id}", files={"File": ("x.txt", b"x", "text/plain")}
    )
    assert failure(wrong_board, 100) == "Card not Found."
