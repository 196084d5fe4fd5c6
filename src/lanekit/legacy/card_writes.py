"""v1 card writes: move (by id, by external id, to another board), update (by `Id`, `Card/Update` by `CardId`,
many) and delete (one, many), over `move_cards` (POST /io/card/move), `update_card` (what
PATCH /io/card/:cardId applies, given the fields directly rather than as a JSON Patch) and `delete_cards`
(DELETE /io/card)."""

from __future__ import annotations

from lanekit.domain.cards import delete, moves
from lanekit.domain.cards import patch as card_patch
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards.values import check_ids
from lanekit.domain.errors import Invalid, NotFound
from lanekit.legacy.card_input import (
    board_version,
    by_external_id,
    card_changes,
    card_on_board,
    comment_of,
    lane_of,
    position_of,
)
from lanekit.legacy.envelope import Reply, ReplyCode
from lanekit.legacy.parsing import (
    Fields,
    array_body,
    object_body,
    optional_id,
    path_id,
    query,
)
from lanekit.legacy.routing import Call, call
from lanekit.shapes import legacy as shapes

CARD_MOVED = "The Card was moved successfully."
CARD_UPDATED = "The Card was successfully updated."
CARD_DELETED = "The Card was deleted successfully."

# --- moves -------------------------------------------------------------------------------------------------


async def _move(c: Call, *, card_id: int, comment: str | None) -> Reply:
    lane_id = lane_of(c)
    if lane_id is None:
        raise Invalid("LaneId", "must name a lane")
    async with c.db.begin() as conn:
        versions = await moves.move_cards(
            conn,
            actor=c.actor,
            card_ids=[card_id],
            destination=moves.MoveDestination(lane_id=lane_id, index=position_of(c)),
            wip_override_comment=comment,
        )
    return Reply(max(versions.values()), ReplyCode.DATA_UPDATE_SUCCESS, CARD_MOVED)


@call("POST", "/board/{boardId:int}/movecard/{cardId:int}/lane/{laneId:int}/position/{position:int}")
async def move_card(c: Call) -> Reply:
    return await _move(c, card_id=path_id(c.request, "cardId", "card"), comment=None)


@call(
    "POST",
    "/board/{boardId:int}/movecardwithwipoverride/{cardId:int}/lane/{laneId:int}/position/{position:int}",
)
async def move_card_with_wip_override(c: Call) -> Reply:
    fields = await object_body(c.request)
    comment = comment_of(fields.get("Comment"), "Comment")
    return await _move(c, card_id=path_id(c.request, "cardId", "card"), comment=comment)


@call(
    "POST", "/board/{boardId:int}/movecardbyexternalid/{externalId}/lane/{laneId:int}/position/{position:int}"
)
async def move_card_by_external_id(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    fields = await object_body(c.request)
    async with c.db.read() as conn:
        found = await by_external_id(
            conn, c, board_id=board_id, external_id=c.request.path_params["externalId"]
        )
    if not found:
        raise NotFound("card")
    return await _move(c, card_id=found[0].card.id, comment=comment_of(fields.get("Comment"), "Comment"))


@call("POST", "/card/movecardtoanotherboard/{cardId:int}/{destBoardId:int}")
async def move_card_to_another_board(c: Call) -> Reply:
    card_id = path_id(c.request, "cardId", "card")
    destination = path_id(c.request, "destBoardId", "board")
    async with c.db.begin() as conn:
        source = (await card_read.get_card(conn, actor=c.actor, card_id=card_id)).card.board_id
        versions = await moves.move_cards(
            conn,
            actor=c.actor,
            card_ids=[card_id],
            destination=moves.MoveDestination(board_id=destination),
            wip_override_comment=None,
        )
        moved = await card_read.get_card(conn, actor=c.actor, card_id=card_id)
    payload = {
        "BoardVersion": versions.get(destination, moved.board.version),
        "DestinationLaneName": moved.lane.title,
        "DestinationLaneId": moved.lane.id,
        "SourceBoardId": source,
        "DestinationBoardId": destination,
    }
    return Reply(payload, ReplyCode.DATA_UPDATE_SUCCESS, CARD_MOVED)


# --- updates -----------------------------------------------------------------------------------------------


async def _update(
    c: Call, *, fields: Fields, card_id: int, comment: str | None, board_id: int | None
) -> Reply:
    async with c.db.begin() as conn:
        if board_id is not None:
            await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        await card_patch.update_card(
            conn, actor=c.actor, card_id=card_id, changes=card_changes(fields, c, comment=comment)
        )
        read = await card_read.get_card(conn, actor=c.actor, card_id=card_id)
    payload = {
        "BoardVersion": read.board.version,
        "CardDTO": shapes.card_view(read, dates=c.dates, base_url=c.base_url, in_lane=False),
    }
    return Reply(payload, ReplyCode.DATA_UPDATE_SUCCESS, CARD_UPDATED)


def _card_id(fields: Fields, name: str) -> int:
    card_id = optional_id(fields.get(name), name)
    if card_id is None:
        raise Invalid(name, "is required: the id of the card to update")
    return card_id


@call("POST", "/board/{boardId:int}/updatecard")
async def update_card(c: Call) -> Reply:
    fields = await object_body(c.request)
    board_id = path_id(c.request, "boardId", "board")
    return await _update(c, fields=fields, card_id=_card_id(fields, "Id"), comment=None, board_id=board_id)


@call("POST", "/board/{boardId:int}/updatecardwithwipoverride")
async def update_card_with_wip_override(c: Call) -> Reply:
    fields = await object_body(c.request)
    board_id = path_id(c.request, "boardId", "board")
    comment = comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment")
    return await _update(c, fields=fields, card_id=_card_id(fields, "Id"), comment=comment, board_id=board_id)


@call("POST", "/card/update")
async def update_card_fields(c: Call) -> Reply:
    """`Card/Update`: a dictionary of fields; the card is named by `CardId` (live-verified by LeanKit)."""
    fields = await object_body(c.request)
    comment = comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment")
    return await _update(c, fields=fields, card_id=_card_id(fields, "CardId"), comment=comment, board_id=None)


@call("POST", "/board/{boardId:int}/updatecards")
async def update_cards(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    body = await array_body(c.request, "cards")
    comment = comment_of(query(c.request).get("wipOverrideComment"), "wipOverrideComment")
    async with c.db.begin() as conn:
        for i, raw in enumerate(body):
            if not isinstance(raw, dict):
                raise Invalid(f"body/{i}", "must be a Card object")
            fields = Fields(raw)
            card_id = _card_id(fields, "Id")
            await card_on_board(conn, c, board_id=board_id, card_id=card_id)
            own = comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment")
            await card_patch.update_card(
                conn, actor=c.actor, card_id=card_id, changes=card_changes(fields, c, comment=own or comment)
            )
    # LeanKit's suite expects a 200/201 here (the client unwraps only those).
    return Reply(
        {"UpdatedCardsCount": len(body)},
        ReplyCode.DATA_INSERT_SUCCESS,
        "The Cards were successfully updated.",
    )


# --- deletes -----------------------------------------------------------------------------------------------


@call("POST", "/board/{boardId:int}/deletecard/{cardId:int}")
async def delete_card(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    card_id = path_id(c.request, "cardId", "card")
    async with c.db.begin() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        await delete.delete_cards(conn, actor=c.actor, card_ids=[card_id], blobs=c.request.app.state.blobs)
        version = await board_version(conn, c, board_id)
    return Reply(version, ReplyCode.DATA_DELETE_SUCCESS, CARD_DELETED)


@call("POST", "/board/{boardId:int}/deletecards")
async def delete_cards(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    card_ids = check_ids(await array_body(c.request, "card ids"), "body")
    async with c.db.begin() as conn:
        for card_id in card_ids:
            await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        await delete.delete_cards(conn, actor=c.actor, card_ids=card_ids, blobs=c.request.app.state.blobs)
        version = await board_version(conn, c, board_id)
    return Reply(
        {"BoardVersion": version}, ReplyCode.DATA_DELETE_SUCCESS, "The Cards were deleted successfully."
    )
