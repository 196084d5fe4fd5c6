"""v1 comment calls: `Card/GetComments`, `Card/SaveComment`, `Card/SaveCommentByExternalId`, over the
comment functions of /io/card/:cardId/comment (`domain/cards/comments.py`: sanitising, roles, events)."""

from __future__ import annotations

from lanekit.domain.cards import comments
from lanekit.domain.errors import NotFound
from lanekit.legacy.card_input import by_external_id, card_on_board
from lanekit.legacy.envelope import Reply, ReplyCode
from lanekit.legacy.parsing import object_body, path_id
from lanekit.legacy.routing import Call, call
from lanekit.shapes import legacy as shapes

# Every comment of a card on one page: the most a comment list returns (domain/cards/comments.py).
ALL_COMMENTS = 10_000
# LeanKit's suite expects 202 for a saved comment (not 201).
COMMENT_SAVED = "The Comment was successfully saved."


@call("GET", "/card/getcomments/{boardId:int}/{cardId:int}")
async def get_comments(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    card_id = path_id(c.request, "cardId", "card")
    async with c.db.read() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        page = await comments.list_comments(
            conn,
            actor=c.actor,
            card_id=card_id,
            sort_by="oldest",
            offset=0,
            limit=ALL_COMMENTS,
            include_children=False,
        )
    payload = [
        shapes.comment(item, dates=c.dates, base_url=c.base_url, caller_id=c.actor.user_id)
        for item in page.comments
    ]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Comments successfully retrieved.")


async def _save(c: Call, *, board_id: int, card_id: int | None, external_id: str | None) -> Reply:
    fields = await object_body(c.request)
    async with c.db.begin() as conn:
        if external_id is not None:
            found = await by_external_id(conn, c, board_id=board_id, external_id=external_id)
            if not found:
                raise NotFound("card")
            card_id = found[0].card.id
        assert card_id is not None
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        # The author is the caller: `PostedById` is ignored, as no one may post as someone else.
        created = await comments.add_comment(conn, actor=c.actor, card_id=card_id, text=fields.get("Text"))
    return Reply(created.id, ReplyCode.DATA_UPDATE_SUCCESS, COMMENT_SAVED)


@call("POST", "/card/savecomment/{boardId:int}/{cardId:int}")
async def save_comment(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    return await _save(c, board_id=board_id, card_id=path_id(c.request, "cardId", "card"), external_id=None)


@call("POST", "/card/savecommentbyexternalid/{boardId:int}/{externalId}")
async def save_comment_by_external_id(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    return await _save(c, board_id=board_id, card_id=None, external_id=c.request.path_params["externalId"])
