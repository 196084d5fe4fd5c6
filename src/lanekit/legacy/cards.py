"""v1 card calls: get (by id and by external id), add, move, move to another board, update, delete, history.

Each calls the domain function its /io endpoint calls: `create_card` (POST /io/card), `move_cards`
(POST /io/card/move), `update_card` (what PATCH /io/card/:cardId applies, given the fields directly rather
than as a JSON Patch), `delete_cards` (DELETE /io/card), `get_card`, `list_cards` (GET /io/card?customId=)
and `card_activity` (GET /io/card/:cardId/activity).
"""

from __future__ import annotations

from typing import Any

from lanekit.domain.access import board_access
from lanekit.domain.boards import activity
from lanekit.domain.boards import reads as board_reads
from lanekit.domain.cards import connections, create, delete, moves
from lanekit.domain.cards import lists as card_lists
from lanekit.domain.cards import patch as card_patch
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards.patch_ops import check_scalar
from lanekit.domain.cards.values import check_external_link, check_ids, check_tags
from lanekit.domain.enums import PRIORITIES
from lanekit.domain.errors import Invalid, NotFound
from lanekit.legacy.boards import cards_by_lane
from lanekit.legacy.envelope import Reply, ReplyCode
from lanekit.legacy.parsing import (
    Fields,
    array_body,
    object_body,
    optional_id,
    path_id,
    query,
    tags,
    user_date,
)
from lanekit.legacy.routing import Call, call
from lanekit.shapes import legacy as shapes
from lanekit.storage.executor import Connection
from lanekit.storage.records import CardReadRecord

# LeanKit's default override comment, which v1 clients send when they have none of their own.
CARD_MOVED = "The Card was moved successfully."
CARD_UPDATED = "The Card was successfully updated."
CARD_DELETED = "The Card was deleted successfully."
_PRIORITY_NAMES = {value: name for name, value in PRIORITIES.items()}


# --- reading v1 card bodies --------------------------------------------------------------------------------


def _priority(value: Any) -> str:
    """v1 priorities are 0-3 (Low, Normal, High, Critical); names are taken too."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in _PRIORITY_NAMES:
        return _PRIORITY_NAMES[value]
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return value.strip().lower()
    raise Invalid("Priority", "must be 0 (Low), 1 (Normal), 2 (High) or 3 (Critical)")


def _blocked(fields: Fields) -> bool:
    value = fields.get("IsBlocked")
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid("IsBlocked", "must be true or false")


def _link(fields: Fields) -> dict[str, Any] | None:
    name, url = fields.get("ExternalSystemName"), fields.get("ExternalSystemUrl")
    if not name and not url:
        return None
    return {"label": name or None, "url": url or None}


def _iso(fields: Fields, name: str, c: Call) -> str | None:
    day = user_date(fields.get(name), name, date_format=c.user.date_format)
    return None if day is None else day.isoformat()


def new_card(
    fields: Fields, c: Call, *, board_id: int, lane_id: int | None, index: int | None, comment: str | None
) -> create.NewCard:
    """A v1 Card body as the create of POST /io/card takes it."""
    blocked = _blocked(fields)
    reason = fields.get("BlockReason")
    if blocked and not (isinstance(reason, str) and reason.strip()):
        raise Invalid("BlockReason", "is required when IsBlocked is true")
    priority = fields.get("Priority")
    assigned = fields.get("AssignedUserIds")
    if assigned is None and optional_id(fields.get("AssignedUserId"), "AssignedUserId") is not None:
        assigned = [fields.get("AssignedUserId")]
    return create.NewCard(
        title=fields.get("Title"),
        board_id=board_id,
        lane_id=lane_id,
        index=index,
        type_id=optional_id(fields.get("TypeId"), "TypeId"),
        assigned_user_ids=assigned or None,
        description=fields.get("Description"),
        size=fields.get("Size"),
        block_reason=reason if blocked else None,
        priority=None if priority is None else _priority(priority),
        custom_icon_id=optional_id(fields.get("ClassOfServiceId"), "ClassOfServiceId"),
        custom_id=fields.get("ExternalCardID") or None,
        external_link=_link(fields),
        planned_start=_iso(fields, "StartDate", c),
        planned_finish=_iso(fields, "DueDate", c),
        tags=tags(fields.get("Tags"), "Tags") or None,
        wip_override_comment=comment,
        index_field="Position",
        lane_field="LaneId",
        board_field="BoardId",
    )


def card_changes(fields: Fields, c: Call, *, comment: str | None) -> card_patch.CardChanges:
    """The fields a v1 Card body gives, as the changes PATCH /io/card/:cardId applies; a field not sent
    stays as it is."""
    given: dict[str, Any] = {}
    where: dict[str, str] = {}

    def put(attribute: str, wire: str, v1_name: str, value: Any) -> None:
        given[attribute] = value
        where[wire] = v1_name

    if fields.given("Title"):
        put("title", "title", "Title", check_scalar("title", fields.get("Title"), "Title"))
    if fields.given("Description"):
        put(
            "description",
            "description",
            "Description",
            check_scalar("description", fields.get("Description") or "", "Description"),
        )
    if fields.given("TypeId") and optional_id(fields.get("TypeId"), "TypeId") is not None:
        put("type_id", "typeId", "TypeId", optional_id(fields.get("TypeId"), "TypeId"))
    if fields.given("Priority") and fields.get("Priority") is not None:
        put("priority", "priority", "Priority", _priority(fields.get("Priority")))
    if fields.given("Size") and fields.get("Size") is not None:
        put("size", "size", "Size", check_scalar("size", fields.get("Size"), "Size"))
    if fields.given("IsBlocked"):
        put("is_blocked", "isBlocked", "IsBlocked", _blocked(fields))
    if fields.given("BlockReason"):
        put(
            "block_reason",
            "blockReason",
            "BlockReason",
            check_scalar("blockReason", fields.get("BlockReason"), "BlockReason"),
        )
    if fields.given("StartDate"):
        put(
            "planned_start",
            "plannedStart",
            "StartDate",
            check_scalar("plannedStart", _iso(fields, "StartDate", c), "StartDate"),
        )
    if fields.given("DueDate"):
        put(
            "planned_finish",
            "plannedFinish",
            "DueDate",
            check_scalar("plannedFinish", _iso(fields, "DueDate", c), "DueDate"),
        )
    if fields.given("ExternalCardID"):
        put(
            "custom_id",
            "customId",
            "ExternalCardID",
            check_scalar("customId", fields.get("ExternalCardID") or None, "ExternalCardID"),
        )
    if fields.given("ExternalSystemName") or fields.given("ExternalSystemUrl"):
        put(
            "external_links",
            "externalLink",
            "ExternalSystemUrl",
            check_external_link(_link(fields), "ExternalSystemUrl"),
        )
    if fields.given("Tags"):
        put("tags", "tags", "Tags", check_tags(tags(fields.get("Tags"), "Tags"), "Tags"))
    if fields.given("ClassOfServiceId"):
        put(
            "custom_icon_id",
            "customIconId",
            "ClassOfServiceId",
            optional_id(fields.get("ClassOfServiceId"), "ClassOfServiceId"),
        )
    if fields.given("AssignedUserIds") and fields.get("AssignedUserIds") is not None:
        put(
            "assigned_user_ids",
            "assignedUserIds",
            "AssignedUserIds",
            check_ids(fields.get("AssignedUserIds"), "AssignedUserIds"),
        )
    lane_id = optional_id(fields.get("LaneId"), "LaneId")
    if lane_id is not None:
        put("lane_id", "laneId", "LaneId", lane_id)
    return card_patch.CardChanges(**given, wip_override_comment=comment, where=where)


def comment_of(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    return value


def position_of(c: Call) -> int | None:
    """A v1 position: past the lane's end (9999, documented as the optimal value) is the end."""
    return int(c.request.path_params["position"])


def lane_of(c: Call) -> int | None:
    """Lane 0 is the board's default drop lane (what v1 clients send when they name none)."""
    value = int(c.request.path_params["laneId"])
    return None if value == 0 else path_id(c.request, "laneId", "lane")


async def card_on_board(conn: Connection, c: Call, *, board_id: int, card_id: int) -> CardReadRecord:
    read = await card_read.get_card(conn, actor=c.actor, card_id=card_id)
    if read.card.board_id != board_id:
        raise NotFound("card", card_id)
    return read


async def by_external_id(
    conn: Connection, c: Call, *, board_id: int, external_id: str
) -> list[CardReadRecord]:
    page = await card_lists.list_cards(
        conn,
        actor=c.actor,
        query=card_lists.CardQuery(board_id=board_id, custom_ids=[external_id], limit=card_lists.MAX_LIMIT),
    )
    return page.cards


async def board_version(conn: Connection, c: Call, board_id: int) -> int:
    return (await board_access(conn, actor=c.actor, board_id=board_id)).board.version


# --- reads -------------------------------------------------------------------------------------------------


@call("GET", "/board/{boardId:int}/getcard/{cardId:int}")
async def get_card(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    card_id = path_id(c.request, "cardId", "card")
    async with c.db.read() as conn:
        read = await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        newest = await activity.card_activity(
            conn, actor=c.actor, card_id=card_id, cursor=None, direction="older", limit=1
        )
    body = shapes.card_view(
        read,
        dates=c.dates,
        base_url=c.base_url,
        in_lane=False,
        last_event=newest[0].occurred_on if newest else None,
    )
    return Reply(body, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Card successfully retrieved.")


@call("GET", "/board/{boardId:int}/getcardbyexternalid/{externalId}")
async def get_card_by_external_id(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    async with c.db.read() as conn:
        found = await by_external_id(
            conn, c, board_id=board_id, external_id=c.request.path_params["externalId"]
        )
    if not found:
        raise NotFound("card")
    payload = [shapes.card(read, dates=c.dates, base_url=c.base_url) for read in found]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Card successfully retrieved.")


@call("GET", "/card/history/{boardId:int}/{cardId:int}")
async def get_card_history(c: Call) -> Reply:
    """Newest first, as LeanKit answers (`LastMove`/`LastActivity` are read against it)."""
    card_id = path_id(c.request, "cardId", "card")
    async with c.db.read() as conn:
        records = await activity.card_activity(
            conn, actor=c.actor, card_id=card_id, cursor=None, direction="older", limit=activity.MAX_EVENTS
        )
    payload = [
        shapes.card_event(
            record, records[i + 1] if i + 1 < len(records) else None, dates=c.dates, base_url=c.base_url
        )
        for i, record in enumerate(records)
    ]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Card history successfully retrieved.")


# --- adds --------------------------------------------------------------------------------------------------


async def _add_card(c: Call, *, comment: str | None) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    fields = await object_body(c.request)
    lane_id = lane_of(c)
    async with c.db.begin() as conn:
        created = await create.create_card(
            conn,
            actor=c.actor,
            new=new_card(
                fields, c, board_id=board_id, lane_id=lane_id, index=position_of(c), comment=comment
            ),
        )
        read = await card_read.get_card(conn, actor=c.actor, card_id=created.id)
        view = await board_reads.get_board(conn, actor=c.actor, board_id=board_id)
        lanes = [lane for lane in view.lanes if lane.task_card_id is None]
        tree = shapes.LaneTree(lanes)
        lane = tree.by_id[read.card.lane_id]
        cards = await cards_by_lane(conn, c, board_id=board_id, lanes=[lane])
    payload = {
        "BoardVersion": read.board.version,
        "Lane": shapes.lane(lane, tree, cards.get(lane.id, [])),
        "CardId": created.id,
    }
    return Reply(payload, ReplyCode.DATA_INSERT_SUCCESS, "The Card was successfully added.")


@call("POST", "/board/{boardId:int}/addcard/lane/{laneId:int}/position/{position:int}")
async def add_card(c: Call) -> Reply:
    return await _add_card(c, comment=None)


@call("POST", "/board/{boardId:int}/addcardwithwipoverride/lane/{laneId:int}/position/{position:int}")
async def add_card_with_wip_override(c: Call) -> Reply:
    fields = await object_body(c.request)
    return await _add_card(
        c, comment=comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment")
    )


@call("POST", "/board/{boardId:int}/addcards")
async def add_cards(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    body = await array_body(c.request, "cards")
    comment = comment_of(query(c.request).get("wipOverrideComment"), "wipOverrideComment")
    async with c.db.begin() as conn:
        created = []
        for i, raw in enumerate(body):
            if not isinstance(raw, dict):
                raise Invalid(f"body/{i}", "must be a Card object")
            fields = Fields(raw)
            new = new_card(
                fields,
                c,
                board_id=board_id,
                lane_id=optional_id(fields.get("LaneId"), "LaneId"),
                index=None,
                comment=comment_of(fields.get("UserWipOverrideComment"), "UserWipOverrideComment") or comment,
            )
            card = await create.create_card(conn, actor=c.actor, new=new)
            created.append(await card_read.get_card(conn, actor=c.actor, card_id=card.id))
    payload = [shapes.card(read, dates=c.dates, base_url=c.base_url) for read in created]
    return Reply(payload, ReplyCode.DATA_INSERT_SUCCESS, "The Cards were successfully added.")


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


@call("GET", "/card/{boardId:int}/getdrillthroughstatistics/{cardId:int}")
async def get_drill_through_statistics(c: Call) -> Reply:
    """The roll-up of the card's connected children, as GET /io/card/:cardId/statistics computes it."""
    board_id = path_id(c.request, "boardId", "board")
    card_id = path_id(c.request, "cardId", "card")
    async with c.db.read() as conn:
        await card_on_board(conn, c, board_id=board_id, card_id=card_id)
        result = await connections.statistics(conn, actor=c.actor, card_id=card_id)
    body = shapes.drill_through_statistics(result, dates=c.dates)
    return Reply(body, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Drill-through statistics successfully retrieved.")
