"""v1 attachment calls: count, list, get, save (multipart, streamed), download (raw bytes, not enveloped) and
delete, over the attachment functions of /io/card/:cardId/attachment (`domain/cards/attachments.py`)."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from lanekit.domain.cards import attachments
from lanekit.domain.errors import Invalid, NotFound
from lanekit.legacy.card_input import card_on_board
from lanekit.legacy.envelope import Reply, ReplyCode
from lanekit.legacy.parsing import path_id
from lanekit.legacy.routing import PREFIX, Call, call
from lanekit.shapes import legacy as shapes
from lanekit.storage.blobs import BlobNotFound, BlobStore
from lanekit.web.uploads import content_disposition, receive_upload

log = logging.getLogger("lanekit.legacy")

# The upload route as EdgeMiddleware sees it: its body is streamed past the general body limit, like the
# /io upload's (app.py), and limited by LANEKIT_MAX_ATTACHMENT_BYTES instead.
UPLOAD_PATH = re.compile(rf"{PREFIX}/card/saveattachment/[^/]+/[^/]+", re.IGNORECASE)


def _blobs(c: Call) -> BlobStore:
    store: BlobStore = c.request.app.state.blobs
    return store


def _ids(c: Call) -> tuple[int, int]:
    return path_id(c.request, "boardId", "board"), path_id(c.request, "cardId", "card")


@call("GET", "/card/getattachmentscount/{boardId:int}/{cardId:int}")
async def get_attachments_count(c: Call) -> Reply:
    board_id, card_id = _ids(c)
    async with c.db.read() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        found = await attachments.list_attachments(conn, actor=c.actor, card_id=card_id)
    return Reply(len(found), ReplyCode.DATA_RETRIEVAL_SUCCESS, "Attachments successfully retrieved.")


@call("GET", "/card/getattachments/{boardId:int}/{cardId:int}")
async def get_attachments(c: Call) -> Reply:
    board_id, card_id = _ids(c)
    async with c.db.read() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        found = await attachments.list_attachments(conn, actor=c.actor, card_id=card_id)
    payload = [shapes.asset(item, base_url=c.base_url, dates=c.dates) for item in found]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Attachments successfully retrieved.")


@call("GET", "/card/getattachments/{boardId:int}/{cardId:int}/{attachmentId:int}")
async def get_attachment(c: Call) -> Reply:
    board_id, card_id = _ids(c)
    attachment_id = path_id(c.request, "attachmentId", "attachment")
    async with c.db.read() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        found = await attachments.get_attachment(
            conn, actor=c.actor, card_id=card_id, attachment_id=attachment_id
        )
    body = shapes.asset(found, base_url=c.base_url, dates=c.dates)
    return Reply(body, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Attachment successfully retrieved.")


@call("POST", "/card/saveattachment/{boardId:int}/{cardId:int}")
async def save_attachment(c: Call) -> Reply:
    """The node client's form: `Id` (0 for a new file), `File`, `Description`, `FileName`.  Replies 202
    with the new attachment's id, as LeanKit's suite expects."""
    board_id, card_id = _ids(c)
    if "multipart/form-data" not in c.request.headers.get("content-type", ""):
        raise Invalid("body", "must be multipart/form-data with the file in a part named File")
    async with c.db.read() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
    settings = c.request.app.state.ctx.settings
    try:
        record = await receive_upload(
            c.request, db=c.db, blobs=_blobs(c), actor=c.actor, card_id=card_id, settings=settings
        )
    except ClientDisconnect:
        raise Invalid("body", "the client went away before the upload was complete") from None
    return Reply(record.id, ReplyCode.DATA_UPDATE_SUCCESS, "The Attachment was successfully saved.")


@call("GET", "/card/downloadattachment/{boardId:int}/{attachmentId:int}")
async def download_attachment(c: Call) -> Response:
    """The raw bytes, not enveloped (what LeanKit's clients pipe to a file)."""
    board_id = path_id(c.request, "boardId", "board")
    attachment_id = path_id(c.request, "attachmentId", "attachment")
    async with c.db.read() as conn:
        record = await attachments.find_attachment(conn, actor=c.actor, attachment_id=attachment_id)
        await card_on_board(conn, c, board_id=board_id, card_id=record.card_id)
    try:
        content = await _blobs(c).open(record.storage_id)
    except BlobNotFound:
        log.error("attachment %s has no blob %s", record.id, record.storage_id)
        raise NotFound("attachment", attachment_id) from None
    headers: dict[str, Any] = {
        "Content-Type": record.content_type,
        "Content-Length": str(content.size),
        "Content-Disposition": content_disposition(record.name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
    }
    return StreamingResponse(content, headers=headers, background=BackgroundTask(content.aclose))


@call("POST", "/card/deleteattachment/{boardId:int}/{cardId:int}/{attachmentId:int}")
async def delete_attachment(c: Call) -> Reply:
    board_id, card_id = _ids(c)
    attachment_id = path_id(c.request, "attachmentId", "attachment")
    async with c.db.begin() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        await attachments.delete_attachment(
            conn, blobs=_blobs(c), actor=c.actor, card_id=card_id, attachment_id=attachment_id
        )
    return Reply(attachment_id, ReplyCode.DATA_DELETE_SUCCESS, "The Attachment was successfully deleted.")
