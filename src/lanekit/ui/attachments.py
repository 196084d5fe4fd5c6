"""The card panel's attachments: upload (streamed, as `POST /io/card/:cardId/attachment` is), download,
delete.  The bytes go through `web/uploads.receive_upload` and the blob store, the rules through
`domain/cards/attachments`, exactly as for the API (decision 110)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from lanekit.domain.cards import attachments
from lanekit.domain.errors import LanekitError, NotFound
from lanekit.storage.blobs import BlobNotFound, BlobStore
from lanekit.ui.cards import panel
from lanekit.ui.pages import refused, secure
from lanekit.ui.session import Session, ctx_of, current_session
from lanekit.web.uploads import content_disposition, receive_upload

router = APIRouter(include_in_schema=False)
UiSession = Annotated[Session, Depends(current_session)]

# The upload route as EdgeMiddleware sees the path: its body is streamed past the general body limit.
UPLOAD_PATH = re.compile(r"/card/[^/]+/attachment", re.IGNORECASE)


def _blobs(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


@router.post("/card/{cardId:id}/attachment")
async def upload(request: Request, session: UiSession, cardId: int) -> Response:
    """A multipart form with `file` (htmx sends the CSRF token as a header: the body is never buffered)."""
    ctx = ctx_of(request)
    try:
        await receive_upload(
            request,
            db=ctx.db,
            blobs=_blobs(request),
            actor=session.actor,
            card_id=cardId,
            settings=ctx.settings,
        )
        return await panel(request, session, cardId)
    except ClientDisconnect:
        return secure(Response(status_code=400))
    except LanekitError as exc:
        return refused(exc)


@router.get("/card/{cardId:id}/attachment/{attachmentId:id}")
async def download(request: Request, session: UiSession, cardId: int, attachmentId: int) -> Response:
    try:
        async with ctx_of(request).db.read() as conn:
            record = await attachments.get_attachment(
                conn, actor=session.actor, card_id=cardId, attachment_id=attachmentId
            )
        try:
            content = await _blobs(request).open(record.storage_id)
        except BlobNotFound:
            raise NotFound("attachment content", attachmentId) from None
    except LanekitError as exc:
        return refused(exc)
    headers = {
        "Content-Type": record.content_type,
        "Content-Length": str(content.size),
        "Content-Disposition": content_disposition(record.name),
        "X-Content-Type-Options": "nosniff",
        # As for the API's download: an HTML or SVG file opened directly runs in a sandbox.
        "Content-Security-Policy": "sandbox",
    }
    return StreamingResponse(content, headers=headers, background=BackgroundTask(content.aclose))


@router.post("/card/{cardId:id}/attachment/{attachmentId:id}/delete")
async def delete(request: Request, session: UiSession, cardId: int, attachmentId: int) -> Response:
    try:
        async with ctx_of(request).db.begin() as conn:
            await attachments.delete_attachment(
                conn, blobs=_blobs(request), actor=session.actor, card_id=cardId, attachment_id=attachmentId
            )
        return await panel(request, session, cardId)
    except LanekitError as exc:
        return refused(exc)
