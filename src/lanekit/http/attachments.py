"""/io/card/:cardId/attachment: upload (multipart, streamed), list, download, delete (cards.md §3.15).

An upload is streamed part by part (web/multipart.py) into the blob store, which stops at
`LANEKIT_MAX_ATTACHMENT_BYTES`; the general body limit does not apply to it (`UPLOAD_PATH`, matched by
`TransportMiddleware`).  Row and blob go together: the blob is written first (temporary file, then renamed),
the row is inserted in the request's transaction, and the blob is deleted again if anything fails before
that transaction commits.  Deleting goes the other way: the row goes in the transaction, the blob after it
has committed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from lanekit.domain.cards import attachments
from lanekit.domain.errors import Invalid, NotFound, PayloadTooLarge
from lanekit.domain.types import CardId, Id
from lanekit.http.errors import error_response
from lanekit.shapes import attachments as shapes
from lanekit.storage.blobs import BlobNotFound, BlobStore, BlobTooLarge
from lanekit.web.deps import Actor, BaseUrl, Ctx, Db
from lanekit.web.multipart import BodyTooLarge, MultipartReader
from lanekit.web.routing import make_router, no_content, ok

log = logging.getLogger("lanekit.http")

router = make_router("attachment")

AttachmentId = Id

# The upload route, as TransportMiddleware sees the path (after its trailing-slash and case fixes).
UPLOAD_PATH = re.compile(r"/io/card/[^/]+/attachment", re.IGNORECASE)

# Form fields, by lower-cased name: the documented `file`/`description` and the node client's
# `File`/`Description`/`FileName`/`Id` (cards.md §3.15).
FILE_FIELD = "file"
TEXT_FIELDS = frozenset({"description", "filename", "id"})


async def get_blobs(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


Blobs = Annotated[BlobStore, Depends(get_blobs)]


async def discard_blobs(blobs: BlobStore, keys: Iterable[str]) -> None:
    """Delete blobs whose rows are gone (or were never committed).  A failure leaves an orphan file, which
    is logged; it is not the client's error, so it never fails the request."""
    with anyio.CancelScope(shield=True):
        for key in keys:
            try:
                await blobs.delete(key)
            except OSError:
                log.exception("could not delete blob %s; it is orphaned", key)


def content_disposition(name: str) -> str:
    """`attachment` with the name: plain when it is safe ASCII, else an ASCII stand-in plus the exact name
    in RFC 5987 form (`filename*=UTF-8''…`), which every current browser prefers."""
    safe = all(0x20 <= ord(ch) < 0x7F and ch not in '"\\%' for ch in name)
    if safe:
        return f'attachment; filename="{name}"'
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None


async def _receive_upload(
    request: Request, blobs: BlobStore, *, file_limit: int, field_limit: int, body_limit: int
) -> attachments.NewAttachment:
    """Stream the body: the file part into the blob store, the text fields into memory (up to
    `field_limit` bytes in all).  On any failure, nothing stays stored."""
    reader = MultipartReader(
        request.stream(), content_type=request.headers.get("content-type", ""), max_bytes=body_limit
    )
    texts: dict[str, tuple[str, str]] = {}  # lower-cased name → (name as sent, value)
    text_bytes = 0
    stored = None
    file_part = None
    try:
        while (part := await reader.next_part()) is not None:
            key = part.name.lower()
            if key == FILE_FIELD:
                if stored is not None:
                    raise Invalid(part.name, "send one file per upload")
                file_part = part
                stored = await blobs.write(reader.data(), limit=file_limit)
            elif key in TEXT_FIELDS:
                value = await reader.read_text(field=part.name, limit=field_limit - text_bytes)
                text_bytes += len(value.encode())
                texts[key] = (part.name, value)
            # Any other part is skipped by the next `next_part()`; its bytes still count toward the body.
        if stored is None or file_part is None:
            raise Invalid("file", "is required: send the file as a multipart part named file")
    except BaseException:
        if stored is not None:
            await discard_blobs(blobs, [stored.key])
        raise
    name_field, name = file_part.name, file_part.filename
    given = texts.get("filename")
    if given is not None and given[1].strip():
        name_field, name = given
    description_field, description = texts.get("description", ("description", None))
    return attachments.NewAttachment(
        name=name,
        description=description,
        content_type=file_part.content_type,
        size=stored.size,
        storage_id=stored.key,
        name_field=name_field,
        description_field=description_field,
    )


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "description": {"type": "string"},
                        "FileName": {"type": "string", "description": "overrides the file part's filename"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/card/{cardId:id}/attachment",
    operation_id="createCardAttachment",
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
)
async def create_attachment(
    actor: Actor, db: Db, ctx: Ctx, blobs: Blobs, base_url: BaseUrl, cardId: CardId, request: Request
) -> Response:
    settings = ctx.settings
    file_limit = settings.max_attachment_bytes
    # Room for the text fields and the multipart framing on top of the largest file.
    body_limit = file_limit + settings.max_body_bytes
    declared = _declared_length(request)
    if declared is not None and declared > body_limit:
        raise PayloadTooLarge(limit=body_limit)
    async with db.read() as conn:
        # Refuse before accepting a byte; add_attachment checks again in its transaction.
        await attachments.check_can_attach(conn, actor=actor, card_id=cardId)
    try:
        upload = await _receive_upload(
            request,
            blobs,
            file_limit=file_limit,
            field_limit=settings.max_body_bytes,
            body_limit=body_limit,
        )
    except BlobTooLarge:
        raise PayloadTooLarge(limit=file_limit, what="attachment") from None
    except BodyTooLarge as exc:
        raise PayloadTooLarge(limit=exc.limit) from None
    except ClientDisconnect:
        return error_response(400, "the client went away before the upload was complete")
    try:
        async with db.begin() as conn:
            record = await attachments.add_attachment(conn, actor=actor, card_id=cardId, new=upload)
    except BaseException:
        await discard_blobs(blobs, [upload.storage_id])
        raise
    return ok(shapes.attachment(record, base_url=base_url), 201)


@router.get("/card/{cardId:id}/attachment", operation_id="listCardAttachments")
async def list_attachments(actor: Actor, db: Db, base_url: BaseUrl, cardId: CardId) -> JSONResponse:
    async with db.read() as conn:
        records = await attachments.list_attachments(conn, actor=actor, card_id=cardId)
    return ok(shapes.attachments_body(records, base_url=base_url))


@router.get(
    "/card/{cardId:id}/attachment/{attachmentId:id}/content",
    operation_id="downloadCardAttachment",
    response_class=StreamingResponse,
)
async def download_attachment(
    actor: Actor, db: Db, blobs: Blobs, cardId: CardId, attachmentId: AttachmentId
) -> StreamingResponse:
    async with db.read() as conn:
        record = await attachments.get_attachment(
            conn, actor=actor, card_id=cardId, attachment_id=attachmentId
        )
    try:
        content = await blobs.open(record.storage_id)
    except BlobNotFound:
        log.error("attachment %s has no blob %s", record.id, record.storage_id)
        raise NotFound("attachment content", attachmentId) from None
    headers = {
        # Set as given: `media_type` would append a charset to text/* types.
        "Content-Type": record.content_type,
        "Content-Length": str(content.size),
        "Content-Disposition": content_disposition(record.name),
        # Never rendered as something else than its declared type (an uploaded page stays a download).
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(content, headers=headers, background=BackgroundTask(content.aclose))


@router.delete(
    "/card/{cardId:id}/attachment/{attachmentId:id}", operation_id="deleteCardAttachment", status_code=204
)
async def delete_attachment(
    actor: Actor, db: Db, blobs: Blobs, cardId: CardId, attachmentId: AttachmentId
) -> Response:
    async with db.begin() as conn:
        key = await attachments.delete_attachment(
            conn, actor=actor, card_id=cardId, attachment_id=attachmentId
        )
    await discard_blobs(blobs, [key])
    return no_content()
