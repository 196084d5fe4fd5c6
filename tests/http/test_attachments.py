"""/io/card/:cardId/attachment: upload, list, download, delete; what is stored; limits."""

from __future__ import annotations

import hashlib
import json
import logging
import tracemalloc
from collections.abc import AsyncIterator, Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from lanekit.domain.cards import attachments as attachment_domain
from lanekit.domain.cards import delete as card_delete
from lanekit.domain.cards import read as card_read
from lanekit.domain.errors import Forbidden, Invalid
from lanekit.settings import Settings
from lanekit.storage.blobs import LocalBlobStore
from lanekit.storage.queries import attachments as attachment_queries
from lanekit.storage.records import BoardRecord, CardRecord
from lanekit.storage.tables import attachments
from tests.factories.boards import actor_of, grant_role, make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit, Tenant
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio

BOUNDARY = "lanekit-test-boundary"
UPLOAD_KEYS = {
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


@pytest.fixture
def blob_dir(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
async def kit_with(
    make_settings: Callable[..., Settings], blob_dir: Path
) -> AsyncIterator[Callable[..., Lanekit]]:
    """Lanekit apps storing blobs under this test's `blob_dir`, with other settings overridden."""
    made: list[Lanekit] = []

    def _make(**overrides: Any) -> Lanekit:
        made.append(Lanekit(make_settings(blob_dir=blob_dir, **overrides)))
        return made[-1]

    yield _make
    for kit in made:
        await kit.close()


@pytest.fixture
def kit(kit_with: Callable[..., Lanekit]) -> Lanekit:
    return kit_with()


async def _card(kit: Lanekit, tenant: Tenant | None = None) -> tuple[Tenant, BoardRecord, CardRecord]:
    tenant = tenant or await kit.tenant()
    async with kit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        card = await make_card(conn, board, by=tenant.admin, title="Holder")
    return tenant, board, card


def _multipart(*parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    """A multipart body from (name, filename, content type, data) parts."""
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def _stored(kit: Lanekit, blob_dir: Path, tenant: Tenant) -> tuple[list[Any], list[Path]]:
    """The tenant's attachment rows, and every file under the blob directory (temporary files included)."""
    async with kit.db.read() as conn:
        rows = (
            await conn.execute(
                select(attachments)
                .where(attachments.c.account_id == tenant.account.id)
                .order_by(attachments.c.id)
            )
        ).all()
    return rows, _files(blob_dir)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def _upload(client: Any, card_id: int, data: bytes = b"hello, world\n", **kwargs: Any) -> Any:
    files = {"file": (kwargs.pop("filename", "hello.txt"), data, kwargs.pop("content_type", "text/plain"))}
    return await client.post(
        f"/io/card/{card_id}/attachment", files=files, data=kwargs.pop("data", {"description": "greeting"})
    )


async def test_upload_list_download_delete_round_trip(kit: Lanekit, blob_dir: Path) -> None:
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)

    created = await _upload(admin, card.id)
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == UPLOAD_KEYS
    assert body["attachmentSize"] == 13
    assert (body["name"], body["description"]) == ("hello.txt", "greeting")
    assert body["createdBy"] == {
        "id": str(tenant.admin.id),
        "emailAddress": tenant.admin.email,
        "fullName": f"{tenant.admin.first_name} {tenant.admin.last_name}",
        "avatar": f"http://{tenant.host}/io/user/{tenant.admin.id}/avatar?s=25",
    }
    assert body["changedBy"] is None
    assert body["createdOn"] == body["updatedOn"] and body["createdOn"].endswith("Z")
    key = body["storageId"]
    rows, files = await _stored(kit, blob_dir, tenant)
    assert [(r.id, r.card_id, r.name, r.content_type, r.size, r.storage_id) for r in rows] == [
        (int(body["id"]), card.id, "hello.txt", "text/plain", 13, key)
    ]
    assert files == [blob_dir / key[:2] / key]
    assert files[0].read_bytes() == b"hello, world\n"

    listed = await admin.get(f"/io/card/{card.id}/attachment")
    assert listed.status_code == 200
    assert listed.json() == {"attachments": [body]}
    full = (await admin.get(f"/io/card/{card.id}")).json()
    assert full["attachments"] == [body]

    content = await admin.get(f"/io/card/{card.id}/attachment/{body['id']}/content")
    assert content.status_code == 200
    assert content.content == b"hello, world\n"
    assert content.headers["content-type"] == "text/plain"
    assert content.headers["content-length"] == "13"
    assert content.headers["content-disposition"] == 'attachment; filename="hello.txt"'
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-security-policy"] == "sandbox"

    deleted = await admin.delete(f"/io/card/{card.id}/attachment/{body['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert await _stored(kit, blob_dir, tenant) == ([], [])
    assert (await admin.get(f"/io/card/{card.id}/attachment")).json() == {"attachments": []}
    assert (await admin.get(f"/io/card/{card.id}")).json()["attachments"] == []
    gone = await admin.get(f"/io/card/{card.id}/attachment/{body['id']}/content")
    assert gone.status_code == 404
    assert (await admin.delete(f"/io/card/{card.id}/attachment/{body['id']}")).status_code == 404

    events = (await admin.get(f"/io/card/{card.id}/activity")).json()["events"]
    assert [(e["type"], e["data"]) for e in events[:2]] == [
        (
            "attachmentDeleted",
            {"card": {"id": str(card.id), "title": "Holder"}, "fileName": "hello.txt", "comment": "greeting"},
        ),
        (
            "attachmentAdded",
            {"card": {"id": str(card.id), "title": "Holder"}, "fileName": "hello.txt", "comment": "greeting"},
        ),
    ]


async def test_node_client_fields_and_file_name_override(kit: Lanekit, blob_dir: Path) -> None:
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)
    body = _multipart(
        ("Id", None, None, b"0"),
        ("File", "upload.bin", "application/pdf", b"%PDF-1.4 not really"),
        ("Description", None, None, "Spec r\u00e9sum\u00e9".encode()),
        ("FileName", None, None, b"spec.pdf"),
    )
    created = await admin.post(f"/io/card/{card.id}/attachment", content=body, headers=MULTIPART)
    assert created.status_code == 201, created.text
    assert (created.json()["name"], created.json()["description"]) == ("spec.pdf", "Spec r\u00e9sum\u00e9")
    assert created.json()["attachmentSize"] == 19
    rows, _files = await _stored(kit, blob_dir, tenant)
    assert [(r.name, r.content_type) for r in rows] == [("spec.pdf", "application/pdf")]
    # Without a description the attachment has an empty one.
    bare = await admin.post(
        f"/io/card/{card.id}/attachment",
        content=_multipart(("file", "notes.md", None, b"# notes")),
        headers=MULTIPART,
    )
    assert (bare.status_code, bare.json()["description"]) == (201, "")


@pytest.mark.parametrize(
    ("filename", "declared", "stored"),
    [
        ("photo.png", None, "image/png"),
        ("data.unknownext", None, "application/octet-stream"),
        ("page.html", "text/html; charset=iso-8859-1", "text/html; charset=iso-8859-1"),
        ("x.txt", "not a type", "text/plain"),
    ],
)
async def test_content_type_is_the_parts_else_guessed(
    kit: Lanekit, filename: str, declared: str | None, stored: str
) -> None:
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)
    created = await admin.post(
        f"/io/card/{card.id}/attachment",
        content=_multipart(("file", filename, declared, b"bytes")),
        headers=MULTIPART,
    )
    assert created.status_code == 201, created.text
    content = await admin.get(f"/io/card/{card.id}/attachment/{created.json()['id']}/content")
    assert content.headers["content-type"] == stored


async def test_file_names_are_cleaned_and_offered_safely(kit: Lanekit, blob_dir: Path) -> None:
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)
    name = 'C:\\fakepath\\r\u00e9sum\u00e9 "final"\u202e.txt'
    created = await admin.post(
        f"/io/card/{card.id}/attachment",
        content=_multipart(("file", "x", "text/plain", b"cv"), ("FileName", None, None, name.encode())),
        headers=MULTIPART,
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == 'r\u00e9sum\u00e9 "final".txt'
    content = await admin.get(f"/io/card/{card.id}/attachment/{created.json()['id']}/content")
    assert content.headers["content-disposition"] == (
        "attachment; filename=\"r_sum_ _final_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.txt"
    )
    # The key, never the name, is the path.
    _rows, files = await _stored(kit, blob_dir, tenant)
    assert [f.name for f in files] == [created.json()["storageId"]]


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        (_multipart(("description", None, None, b"no file")), MULTIPART, "file"),
        (b'{"description": "json"}', {"Content-Type": "application/json"}, "Content-Type"),
        (b"--x--", {"Content-Type": "multipart/form-data"}, "Content-Type"),
        (_multipart(("file", None, None, b"data")), MULTIPART, "file"),
        (
            _multipart(("file", "a.txt", None, b"data"), ("FileName", None, None, b"../")),
            MULTIPART,
            "FileName",
        ),
        (
            _multipart(("file", "a.txt", None, b"one"), ("file", "b.txt", None, b"two")),
            MULTIPART,
            "file",
        ),
        (_multipart(("file", "a.txt", None, b"data"))[:-30], MULTIPART, "body"),
        (
            _multipart(("file", "a.txt", None, b"data"), ("description", None, None, b"\xff\xfe")),
            MULTIPART,
            "description",
        ),
    ],
    ids=[
        "no-file",
        "json",
        "no-boundary",
        "no-filename",
        "bad-FileName",
        "two-files",
        "truncated",
        "bad-utf8",
    ],
)
async def test_bad_uploads_are_422_naming_the_field_and_store_nothing(
    kit: Lanekit, blob_dir: Path, body: bytes, headers: dict[str, str], field: str
) -> None:
    tenant, _board, card = await _card(kit)
    refused = await kit.as_admin(tenant).post(f"/io/card/{card.id}/attachment", content=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["message"].startswith(f"{field}: ")
    assert await _stored(kit, blob_dir, tenant) == ([], [])


async def test_cards_the_caller_cannot_write_to(kit: Lanekit, blob_dir: Path) -> None:
    tenant, board, card = await _card(kit)
    reader = await kit.user(tenant)
    member = await kit.user(tenant)
    outsider = await kit.user(tenant)
    async with kit.db.begin() as conn:
        await grant_role(conn, board, reader, "boardReader")
        await grant_role(conn, board, member, "boardUser")
    other, _other_board, foreign = await _card(kit)
    admin = kit.as_admin(tenant)
    kept = (await _upload(admin, card.id)).json()

    as_reader = kit.as_user(tenant, reader)
    refused = await _upload(as_reader, card.id)
    assert refused.status_code == 403, refused.text
    assert (await as_reader.delete(f"/io/card/{card.id}/attachment/{kept['id']}")).status_code == 403
    assert (await as_reader.get(f"/io/card/{card.id}/attachment")).json() == {"attachments": [kept]}
    download = await as_reader.get(f"/io/card/{card.id}/attachment/{kept['id']}/content")
    assert download.content == b"hello, world\n"

    as_outsider = kit.as_user(tenant, outsider)
    for response in (
        await _upload(as_outsider, card.id),
        await as_outsider.get(f"/io/card/{card.id}/attachment"),
        await as_outsider.get(f"/io/card/{card.id}/attachment/{kept['id']}/content"),
        await as_outsider.delete(f"/io/card/{card.id}/attachment/{kept['id']}"),
        await _upload(admin, foreign.id),
        await admin.get(f"/io/card/{foreign.id}/attachment"),
        await _upload(admin, 987654321),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["message"].startswith("card ")

    # An attachment is reached only through its own card.
    elsewhere = (await _upload(kit.as_admin(other), foreign.id)).json()
    for path in (
        f"/io/card/{card.id}/attachment/{elsewhere['id']}",
        f"/io/card/{card.id}/attachment/99999999",
    ):
        assert (await admin.get(f"{path}/content")).status_code == 404
        assert (await admin.delete(path)).status_code == 404

    as_member = kit.as_user(tenant, member)
    assert (await _upload(as_member, card.id)).status_code == 201
    rows, files = await _stored(kit, blob_dir, tenant)
    # Two here, one on the other account's card; nothing from the refused uploads.
    assert (len(rows), len(files)) == (2, 3)

    async with kit.db.begin() as conn:
        await card_delete.delete_cards(
            conn, actor=actor_of(tenant.admin), card_ids=[card.id], blobs=kit.app.state.blobs
        )
    assert (await _upload(admin, card.id)).status_code == 404


async def test_the_attachment_limit_holds_and_stores_nothing(
    kit_with: Callable[..., Lanekit], blob_dir: Path
) -> None:
    kit = kit_with(max_attachment_bytes=1000, max_body_bytes=300)
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)
    # The general body limit (300 bytes here) does not apply to uploads.
    exact = await _upload(admin, card.id, b"x" * 1000)
    assert exact.status_code == 201, exact.text
    rows, files = await _stored(kit, blob_dir, tenant)
    assert len(rows) == len(files) == 1

    over = await _upload(admin, card.id, b"x" * 1001)
    assert over.status_code == 413
    assert over.json()["message"] == "attachment is larger than the limit of 1000 bytes"

    async def chunked() -> AsyncIterator[bytes]:
        body = _multipart(("file", "big.bin", None, b"y" * 5000))
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    streamed = await admin.post(f"/io/card/{card.id}/attachment", content=chunked(), headers=MULTIPART)
    assert streamed.status_code == 413

    declared = await admin.post(
        f"/io/card/{card.id}/attachment",
        content=b"z" * 1301,
        headers={**MULTIPART, "Content-Length": "1301"},
    )
    assert declared.status_code == 413
    assert declared.json()["message"] == "request body is larger than the limit of 1300 bytes"
    fields_too_big = await admin.post(
        f"/io/card/{card.id}/attachment",
        content=_multipart(("file", "a.txt", None, b"a"), ("description", None, None, b"d" * 400)),
        headers=MULTIPART,
    )
    assert fields_too_big.status_code == 413
    assert await _stored(kit, blob_dir, tenant) == (rows, files)
    # Everything else keeps the general limit.
    too_big_json = await admin.post("/io/card", json={"title": "t" * 400, "boardId": "1"})
    assert too_big_json.status_code == 413


async def test_a_failed_insert_leaves_no_row_and_no_file(
    kit: Lanekit, blob_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, _board, card = await _card(kit)

    async def broken_insert(*_args: Any, **_kwargs: Any) -> int:
        raise RuntimeError("the database went away mid-insert")

    monkeypatch.setattr(attachment_queries, "insert_attachment", broken_insert)
    failed = await _upload(kit.as_admin(tenant), card.id, b"q" * 300_000)
    assert failed.status_code == 500
    assert await _stored(kit, blob_dir, tenant) == ([], [])


async def test_deleting_cards_deletes_their_attachments(kit: Lanekit, blob_dir: Path) -> None:
    tenant, board, one = await _card(kit)
    async with kit.db.begin() as conn:
        two = await make_card(conn, board, by=tenant.admin)
        three = await make_card(conn, board, by=tenant.admin)
    admin = kit.as_admin(tenant)
    made = {
        card.id: [(await _upload(admin, card.id, f"{card.id}-{n}".encode())).json() for n in range(2)]
        for card in (one, two, three)
    }
    assert len((await _stored(kit, blob_dir, tenant))[1]) == 6

    assert (await admin.delete(f"/io/card/{one.id}")).status_code == 204
    rows, files = await _stored(kit, blob_dir, tenant)
    assert sorted(r.storage_id for r in rows) == sorted(
        a["storageId"] for c in (two, three) for a in made[c.id]
    )
    assert sorted(f.name for f in files) == sorted(r.storage_id for r in rows)

    many = await admin.request("DELETE", "/io/card", json={"cardIds": [str(two.id), str(three.id)]})
    assert many.status_code == 204
    assert await _stored(kit, blob_dir, tenant) == ([], [])


async def test_deleting_a_card_deletes_its_tasks_attachments(kit: Lanekit, blob_dir: Path) -> None:
    tenant, _board, owner = await _card(kit)
    admin = kit.as_admin(tenant)
    task = await admin.post("/io/card", json={"title": "Sub", "destination": {"cardId": str(owner.id)}})
    assert task.status_code == 201, task.text
    assert (await _upload(admin, int(task.json()["id"]))).status_code == 201
    assert (await _upload(admin, owner.id)).status_code == 201
    assert len((await _stored(kit, blob_dir, tenant))[1]) == 2
    assert (await admin.delete(f"/io/card/{owner.id}")).status_code == 204
    assert await _stored(kit, blob_dir, tenant) == ([], [])


async def test_a_rolled_back_deletion_keeps_rows_and_blobs(kit: Lanekit, blob_dir: Path) -> None:
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)
    made = [(await _upload(admin, card.id, f"{n}".encode())).json() for n in range(2)]
    before = await _stored(kit, blob_dir, tenant)
    assert len(before[1]) == 2

    class Abandoned(Exception):
        pass

    blobs = kit.app.state.blobs
    actor = actor_of(tenant.admin)
    with pytest.raises(Abandoned):
        async with kit.db.begin() as conn:
            await attachment_domain.delete_attachment(
                conn, blobs=blobs, actor=actor, card_id=card.id, attachment_id=int(made[0]["id"])
            )
            await card_delete.delete_cards(conn, actor=actor, card_ids=[card.id], blobs=blobs)
            raise Abandoned
    # The blob deletions were registered for after the commit, which never came.
    assert await _stored(kit, blob_dir, tenant) == before


async def test_a_blob_that_cannot_be_deleted_is_logged_and_the_delete_still_succeeds(
    kit: Lanekit, blob_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tenant, _board, card = await _card(kit)
    admin = kit.as_admin(tenant)
    made = [(await _upload(admin, card.id, f"{n}".encode())).json() for n in range(2)]
    real_delete = LocalBlobStore.delete

    async def flaky_delete(self: LocalBlobStore, key: str) -> None:
        if key == made[0]["storageId"]:
            raise PermissionError("read-only volume")
        await real_delete(self, key)

    monkeypatch.setattr(LocalBlobStore, "delete", flaky_delete)
    with caplog.at_level(logging.ERROR, logger="lanekit.storage"):
        assert (await admin.delete(f"/io/card/{card.id}")).status_code == 204
    rows, files = await _stored(kit, blob_dir, tenant)
    # The rows went with the card; the one blob that could not go is an orphan, the other one went.
    assert rows == []
    assert [f.name for f in files] == [made[0]["storageId"]]
    assert any("orphaned" in r.getMessage() for r in caplog.records)


async def test_upload_checks_access_before_reading_a_byte_and_cleans_up_after_a_late_failure(
    kit: Lanekit, blob_dir: Path
) -> None:
    tenant, board, card = await _card(kit)
    reader = await kit.user(tenant)
    async with kit.db.begin() as conn:
        await grant_role(conn, board, reader, "boardReader")
    blobs = kit.app.state.blobs
    read: list[bytes] = []

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b"a" * 1000, b"b" * 1000):
            read.append(chunk)
            yield chunk

    async def details() -> attachment_domain.FileDetails:
        return attachment_domain.FileDetails(name="notes.txt", description=None, content_type=None)

    with pytest.raises(Forbidden):
        await attachment_domain.upload_attachment(
            kit.db,
            blobs=blobs,
            actor=actor_of(reader),
            card_id=card.id,
            chunks=chunks(),
            details=details,
            max_bytes=10_000,
        )
    assert read == []

    # The form's trailing fields turn out invalid once the bytes are stored: the blob goes again.
    async def bad_details() -> attachment_domain.FileDetails:
        return attachment_domain.FileDetails(name="..", description=None, content_type=None)

    with pytest.raises(Invalid):
        await attachment_domain.upload_attachment(
            kit.db,
            blobs=blobs,
            actor=actor_of(tenant.admin),
            card_id=card.id,
            chunks=chunks(),
            details=bad_details,
            max_bytes=10_000,
        )
    assert len(read) == 2
    assert await _stored(kit, blob_dir, tenant) == ([], [])

    record = await attachment_domain.upload_attachment(
        kit.db,
        blobs=blobs,
        actor=actor_of(tenant.admin),
        card_id=card.id,
        chunks=chunks(),
        details=details,
        max_bytes=10_000,
    )
    assert (record.name, record.size, record.content_type) == ("notes.txt", 2000, "text/plain")
    rows, files = await _stored(kit, blob_dir, tenant)
    assert [r.storage_id for r in rows] == [f.name for f in files] == [record.storage_id]


async def test_the_card_read_fetches_attachments_only_when_there_are_some(kit: Lanekit) -> None:
    tenant, _board, card = await _card(kit)
    actor = actor_of(tenant.admin)

    async def read() -> tuple[int, Any]:
        with StatementCounter(kit) as counter:
            async with kit.db.read() as conn:
                found = await card_read.get_card(conn, actor=actor, card_id=card.id)
        return len(counter.statements), found

    without, bare = await read()
    assert (bare.attachment_count, bare.attachments) == (0, ())
    await _upload(kit.as_admin(tenant), card.id, b"a")
    await _upload(kit.as_admin(tenant), card.id, b"bb")
    with_two, full = await read()
    assert without <= 3
    assert with_two == without + 1
    assert full.attachment_count == 2
    assert [a.size for a in full.attachments] == [1, 2]


# --- a large upload and download stay streamed ----------------------------------------------------------

CHUNK = bytes(range(256)) * 256  # 64 KiB
LARGE_CHUNKS = 800  # 50 MiB
MEMORY_CEILING = 8 * 1024 * 1024


async def _asgi(
    kit: Lanekit, tenant: Tenant, method: str, path: str, body: AsyncIterator[bytes], headers: dict[str, str]
) -> tuple[int, dict[str, str], int, str, bytes]:
    """One request straight through the app's ASGI interface, the body streamed in from `body` and the
    response counted and hashed as it streams out (nothing kept, unlike an HTTP client's buffer).

    Returns status, headers, body size, body SHA-256 and the first 4 KiB of the body.
    """
    admin = kit.as_admin(tenant)
    raw_headers = [(b"host", tenant.host.encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in {**admin.headers, **headers}.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": (tenant.host, 80),
    }
    finished = anyio.Event()
    started: dict[str, Any] = {}
    digest = hashlib.sha256()
    size = 0
    head = b""

    pending: bytes | None = await anext(body, b"")
    # Starlette's StreamingResponse listens for a disconnect while it streams: answered once it is done.

    async def receive() -> MutableMapping[str, Any]:
        nonlocal pending
        if pending is None:
            await finished.wait()
            return {"type": "http.disconnect"}
        chunk = pending
        pending = await anext(body, None)
        return {"type": "http.request", "body": chunk, "more_body": pending is not None}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal size, head
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            size += len(chunk)
            digest.update(chunk)
            if len(head) < 4096:
                head += chunk[: 4096 - len(head)]
            if not message.get("more_body", False):
                finished.set()

    await kit.app(scope, receive, send)
    headers_out = {k.decode(): v.decode() for k, v in started.get("headers", [])}
    return started["status"], headers_out, size, digest.hexdigest(), head


async def test_fifty_megabytes_stream_in_and_out_in_little_memory(kit: Lanekit, blob_dir: Path) -> None:
    tenant, _board, card = await _card(kit)
    sent = hashlib.sha256()

    async def upload_body() -> AsyncIterator[bytes]:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        for _ in range(LARGE_CHUNKS):
            sent.update(CHUNK)
            # A new object each time, as a server receives them (buffering would keep each one).
            yield bytes(memoryview(CHUNK))
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async def no_body() -> AsyncIterator[bytes]:
        return
        yield b""

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        status, _headers, _size, _digest, head = await _asgi(
            kit, tenant, "POST", f"/io/card/{card.id}/attachment", upload_body(), MULTIPART
        )
        upload_peak = tracemalloc.get_traced_memory()[1]
        assert status == 201, head
        created = json.loads(head)
        tracemalloc.reset_peak()
        status, headers, size, digest, _head = await _asgi(
            kit, tenant, "GET", f"/io/card/{card.id}/attachment/{created['id']}/content", no_body(), {}
        )
        download_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    total = LARGE_CHUNKS * len(CHUNK)
    assert created["attachmentSize"] == total
    assert (status, size, digest) == (200, total, sent.hexdigest())
    assert headers["content-length"] == str(total)
    _rows, files = await _stored(kit, blob_dir, tenant)
    assert [f.stat().st_size for f in files] == [total]
    assert upload_peak < MEMORY_CEILING, upload_peak
    assert download_peak < MEMORY_CEILING, download_peak
