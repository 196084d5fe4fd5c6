"""/io/card/:cardId/comment: list, add, edit, delete a card's comments (LeanKit API: card comments)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from lanekit.domain.cards import comments
from lanekit.domain.types import CardId, CommentId
from lanekit.shapes import comments as shapes
from lanekit.web.deps import Actor, BaseUrl, Db, PageParams, paging
from lanekit.web.routing import make_router, no_content, ok

router = make_router("comment")


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # Checked in the domain, so a missing, blank or non-string text is a 422 naming `text`.
    text: Any = None


@router.get("/card/{cardId:id}/comment", operation_id="listCardComments")
async def list_comments(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    page: PageParams = paging(400),
    sortBy: Annotated[str, Query()] = "oldest",
    includeChildComments: Annotated[bool, Query()] = False,
) -> JSONResponse:
    async with db.read() as conn:
        found = await comments.list_comments(
            conn,
            actor=actor,
            card_id=cardId,
            sort_by=sortBy,
            offset=page.offset,
            limit=page.limit,
            include_children=includeChildComments,
        )
    return ok(shapes.comment_list(found, offset=page.offset, limit=page.limit, base_url=base_url))


@router.post("/card/{cardId:id}/comment", operation_id="createCardComment", status_code=201)
async def create_comment(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    body: Annotated[CommentBody | None, Body()] = None,
) -> JSONResponse:
    async with db.begin() as conn:
        created = await comments.add_comment(
            conn, actor=actor, card_id=cardId, text=body.text if body else None
        )
    return ok(shapes.comment(created, base_url=base_url), 201)


@router.put("/card/{cardId:id}/comment/{commentId:id}", operation_id="updateCardComment")
async def update_comment(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    commentId: CommentId,
    body: Annotated[CommentBody | None, Body()] = None,
) -> JSONResponse:
    async with db.begin() as conn:
        changed = await comments.edit_comment(
            conn, actor=actor, card_id=cardId, comment_id=commentId, text=body.text if body else None
        )
    return ok(shapes.comment(changed, base_url=base_url))


@router.delete("/card/{cardId:id}/comment/{commentId:id}", operation_id="deleteCardComment", status_code=204)
async def delete_comment(actor: Actor, db: Db, cardId: CardId, commentId: CommentId) -> Response:
    async with db.begin() as conn:
        await comments.delete_comment(conn, actor=actor, card_id=cardId, comment_id=commentId)
    return no_content()
