"""Activity reads: `GET /io/card/:cardId/activity`, `GET /io/board/:boardId/activity` (LeanKit API: card
activity) and `GET /io/board/:boardId/changes?version=` (LeanKit API: board changes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import JSONResponse, Response

from lanekit.domain.boards import activity as card_activity
from lanekit.domain.inputs import INT64_MAX
from lanekit.domain.types import BoardId, CardId, Id
from lanekit.shapes import activity as shapes
from lanekit.web.deps import Actor, BaseUrl, Db
from lanekit.web.routing import make_router, ok

router = make_router("activity")

Limit = Annotated[int, Query(ge=0, le=card_activity.MAX_EVENTS)]


@router.get("/card/{cardId:id}/activity", operation_id="getCardActivity")
async def get_card_activity(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    limit: Limit = 100,
    eventId: Annotated[Id | None, Query()] = None,
    direction: Annotated[str, Query()] = "older",
) -> JSONResponse:
    async with db.read() as conn:
        records = await card_activity.card_activity(
            conn, actor=actor, card_id=cardId, cursor=eventId, direction=direction, limit=limit
        )
    return ok(shapes.events_body(records, base_url=base_url))


@router.get("/board/{boardId:id}/activity", operation_id="getBoardActivity")
async def get_board_activity(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    boardId: BoardId,
    limit: Limit = 100,
    eventId: Annotated[Id | None, Query()] = None,
    direction: Annotated[str, Query()] = "older",
) -> JSONResponse:
    async with db.read() as conn:
        records = await card_activity.board_activity(
            conn, actor=actor, board_id=boardId, cursor=eventId, direction=direction, limit=limit
        )
    return ok(shapes.events_body(records, base_url=base_url))


@router.get("/board/{boardId:id}/changes", operation_id="getBoardChanges")
async def get_board_changes(
    actor: Actor,
    db: Db,
    boardId: BoardId,
    version: Annotated[int, Query(ge=0, le=INT64_MAX)],
) -> Response:
    async with db.read() as conn:
        report = await card_activity.board_changes(conn, actor=actor, board_id=boardId, since=version)
    if report is None:
        return Response(status_code=204)
    return ok(shapes.board_changes(report))
