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
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from lanekit.domain.cards import attachments
from lanekit.domain.errors import NotFound
from lanekit.domain.types import CardId, Id
from lanekit.http.errors import error_response
from lanekit.shapes import attachments as shapes
from lanekit.storage.blobs import BlobNotFound, BlobStore
from lanekit.web.deps import Actor, BaseUrl, Ctx, Db
from lanekit.web.routing import make_router, no_content, ok
from lanekit.web.uploads import content_disposition, receive_upload

log = logging.getLogger("lanekit.http")

router = make_router("attachment")

AttachmentId = Id

# The upload route, as EdgeMiddleware sees the path (after its trailing-slash and case fixes).
UPLOAD_PATH = re.compile(r"/io/card/[^/]+/attachment", re.IGNORECASE)


async def get_blobs(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


Blobs = Annotated[BlobStore, Depends(get_blobs)]


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
    try:
        record = await receive_upload(
            request, db=db, blobs=blobs, actor=actor, card_id=cardId, settings=ctx.settings
        )
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
