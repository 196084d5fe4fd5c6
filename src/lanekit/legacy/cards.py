"""v1 card reads and adds: get (by id, by external id), history, drill-through statistics, add (one, many).

Each calls the domain function its /io endpoint calls: `get_card`, `list_cards` (GET /io/card?customId=),
`card_activity` (GET /io/card/:cardId/activity), `statistics` (GET /io/card/:cardId/statistics) and
`create_card` (POST /io/card).  Moves, updates and deletes are in `card_writes.py`.
"""

from __future__ import annotations

from lanekit.domain.boards import activity
from lanekit.domain.boards import reads as board_reads
from lanekit.domain.cards import connections, create
from lanekit.domain.cards import read as card_read
from lanekit.domain.errors import Invalid, NotFound
from lanekit.legacy.boards import cards_by_lane
from lanekit.legacy.card_input import (
    by_external_id,
    card_on_board,
    comment_of,
    lane_of,
    new_card,
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
from lanekit.shapes import legacy_boards as board_shapes
from lanekit.shapes import legacy_events as event_shapes

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
        event_shapes.card_event(
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
        tree = board_shapes.LaneTree(lanes)
        lane = tree.by_id[read.card.lane_id]
        cards = await cards_by_lane(conn, c, board_id=board_id, lanes=[lane])
    payload = {
        "BoardVersion": read.board.version,
        "Lane": board_shapes.lane(lane, tree, cards.get(lane.id, [])),
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
