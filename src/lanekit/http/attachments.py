"""/io/card/:cardId/attachment: upload (multipart, streamed), list, download, delete (LeanKit API: card
attachments).

An upload is parsed as a stream (web/multipart.py): the file part's bytes go to
`domain.cards.attachments.upload_attachment`, which writes them to the blob store, stops at
`LANEKIT_MAX_ATTACHMENT_BYTES` and keeps row and blob together; the general body limit does not apply to
it (`UPLOAD_PATH`, matched by `EdgeMiddleware`).  Deleting an attachment (or its card) deletes its blob
after the commit, in the domain; no handler here deletes a blob.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from lanekit.domain.cards import attachments
from lanekit.domain.errors import Invalid, NotFound, PayloadTooLarge
from lanekit.domain.types import CardId, Id
from lanekit.http.errors import error_response
from lanekit.shapes import attachments as shapes
from lanekit.storage.blobs import BlobNotFound, BlobStore
from lanekit.web.deps import Actor, BaseUrl, Ctx, Db
from lanekit.web.multipart import BodyTooLarge, MultipartReader, PartHeader
from lanekit.web.routing import make_router, no_content, ok

log = logging.getLogger("lanekit.http")

router = make_router("attachment")

AttachmentId = Id

# The upload route, as EdgeMiddleware sees the path (after its trailing-slash and case fixes).
UPLOAD_PATH = re.compile(r"/io/card/[^/]+/attachment", re.IGNORECASE)

# Form fields, by lower-cased name: the documented `file`/`description` and the node client's
# `File`/`Description`/`FileName`/`Id` (the LeanKit node client's `card.attachment.create`).
FILE_FIELD = "file"
TEXT_FIELDS = frozenset({"description", "filename", "id"})


async def get_blobs(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


Blobs = Annotated[BlobStore, Depends(get_blobs)]


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


class UploadForm:
    """An upload's multipart body, read in order: first the file part's bytes (`file_chunks`), then the
    rest of the form (`details`).  Text fields may come before or after the file, up to `field_limit`
    bytes in all; the body is not read at all until `file_chunks` is iterated."""

    def __init__(self, request: Request, *, field_limit: int, body_limit: int) -> None:
        self._request = request
        self._field_limit = field_limit
        self._body_limit = body_limit
        self._reader: MultipartReader | None = None
        self._file: PartHeader | None = None
        self._texts: dict[str, tuple[str, str]] = {}  # lower-cased name → (name as sent, value)
        self._text_bytes = 0

    async def file_chunks(self) -> AsyncIterator[bytes]:
        """The bytes of the part named `file`; Invalid when the body has none."""
        self._reader = MultipartReader(
            self._request.stream(),
            content_type=self._request.headers.get("content-type", ""),
            max_bytes=self._body_limit,
        )
        while (part := await self._reader.next_part()) is not None:
            if part.name.lower() == FILE_FIELD:
                self._file = part
                async for chunk in self._reader.data():
                    yield chunk
                return
            await self._other_part(part)
        raise Invalid("file", "is required: send the file as a multipart part named file")

    async def details(self) -> attachments.FileDetails:
        """The rest of the form, read to its end: the file's name (its part's filename unless a non-blank
        FileName field overrides it), description and declared type."""
        assert self._reader is not None and self._file is not None, "file_chunks comes first"
        while (part := await self._reader.next_part()) is not None:
            if part.name.lower() == FILE_FIELD:
                raise Invalid(part.name, "send one file per upload")
            await self._other_part(part)
        name_field, name = self._file.name, self._file.filename
        given = self._texts.get("filename")
        if given is not None and given[1].strip():
            name_field, name = given
        description_field, description = self._texts.get("description", ("description", None))
        return attachments.FileDetails(
            name=name,
            description=description,
            content_type=self._file.content_type,
            name_field=name_field,
            description_field=description_field,
        )

    async def _other_part(self, part: PartHeader) -> None:
        key = part.name.lower()
        if key in TEXT_FIELDS:
            assert self._reader is not None
            value = await self._reader.read_text(field=part.name, limit=self._field_limit - self._text_bytes)
            self._text_bytes += len(value.encode())
            self._texts[key] = (part.name, value)
        # Any other part is skipped by the next `next_part()`; its bytes still count toward the body.


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
    form = UploadForm(request, field_limit=settings.max_body_bytes, body_limit=body_limit)
    try:
        record = await attachments.upload_attachment(
            db,
            blobs=blobs,
            actor=actor,
            card_id=cardId,
            chunks=form.file_chunks(),
            details=form.details,
            max_bytes=file_limit,
        )
    except BodyTooLarge as exc:
        raise PayloadTooLarge(limit=exc.limit) from None
    except ClientDisconnect:
        return error_response(400, "the client went away before the upload was complete")
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
        # Opened directly (a link, a new tab), an HTML or SVG upload runs in a sandbox: no scripts, no
        # same-origin access to the API with the reader's session.
        "Content-Security-Policy": "sandbox",
    }
    return StreamingResponse(content, headers=headers, background=BackgroundTask(content.aclose))


@router.delete(
    "/card/{cardId:id}/attachment/{attachmentId:id}", operation_id="deleteCardAttachment", status_code=204
)
async def delete_attachment(
    actor: Actor, db: Db, blobs: Blobs, cardId: CardId, attachmentId: AttachmentId
) -> Response:
    async with db.begin() as conn:
        await attachments.delete_attachment(
            conn, blobs=blobs, actor=actor, card_id=cardId, attachment_id=attachmentId
        )
    return no_content()
