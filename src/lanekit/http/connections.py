"""/io/card connections (LeanKit API: card connections) and drill-through statistics
(LeanKit API: `GET /io/card/:cardId/statistics`).

The deprecated, non-public drill-through board links (`PUT /card/:cardId/connection/:boardId` and
`/connection/same`) are not served (decision 130).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from lanekit.domain.cards import connections
from lanekit.domain.cards.values import check_id
from lanekit.domain.types import BoardId, CardId
from lanekit.shapes import cards as card_shapes
from lanekit.shapes import connections as shapes
from lanekit.shapes.common import ident, page_meta
from lanekit.web.deps import Actor, BaseUrl, Db, PageParams, paging
from lanekit.web.routing import make_router, no_content, ok

router = make_router("connection")

_LENIENT = ConfigDict(extra="ignore")


class ConnectionsBody(BaseModel):
    model_config = _LENIENT
    # Checked in the domain, so that a missing or empty list is a 422 naming it.
    cardIds: Any = None
    connections: Any = None


class ConnectMany(BaseModel):
    model_config = _LENIENT
    connectedCardIds: Any = None


def _optional_id(value: str | None, field: str) -> int | None:
    return None if value is None or not value.strip() else check_id(value, field)


@router.post("/card/connections", operation_id="createCardConnections", status_code=201)
async def create_connections(actor: Actor, db: Db, body: ConnectionsBody = Body()) -> JSONResponse:
    async with db.begin() as conn:
        await connections.connect_cards(
            conn, actor=actor, card_ids=body.cardIds, connections=body.connections
        )
    # LeanKit documents no body; `{}` keeps clients that parse every body as JSON working.
    return ok({}, 201)


@router.delete("/card/connections", operation_id="deleteCardConnections", status_code=204)
async def delete_connections(actor: Actor, db: Db, body: ConnectionsBody = Body()) -> Response:
    async with db.begin() as conn:
        await connections.disconnect_cards(
            conn, actor=actor, card_ids=body.cardIds, connections=body.connections
        )
    return no_content()


@router.get("/card/{cardId:id}/connection/children", operation_id="listCardChildren")
async def list_children(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    page: PageParams = paging(25),
    boardId: Annotated[str | None, Query()] = None,
    cardStatus: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    statuses = connections.parse_statuses(cardStatus)
    async with db.read() as conn:
        found = await connections.list_children(
            conn,
            actor=actor,
            card_id=cardId,
            board_id=_optional_id(boardId, "boardId"),
            statuses=statuses,
            offset=page.offset,
            limit=page.limit,
        )
    items = [shapes.child_card(r, base_url=base_url) for r in found.cards]
    return ok(
        {
            "pageMeta": page_meta(
                total=found.total, offset=page.offset, limit=page.limit, returned=len(items)
            ),
            "cards": items,
            "redactedCount": found.redacted,
        }
    )


@router.get("/card/{cardId:id}/connection/children/ids", operation_id="listCardChildIds")
async def list_child_ids(
    actor: Actor, db: Db, cardId: CardId, page: PageParams = paging(200)
) -> JSONResponse:
    async with db.read() as conn:
        found = await connections.list_children(
            conn,
            actor=actor,
            card_id=cardId,
            board_id=None,
            statuses=None,
            offset=page.offset,
            limit=page.limit,
            ids_only=True,
        )
    return ok(
        {
            "pageMeta": page_meta(
                total=found.total, offset=page.offset, limit=page.limit, returned=len(found.ids)
            ),
            "ids": [ident(i) for i in found.ids],
        }
    )


@router.get("/card/{cardId:id}/connection/parents", operation_id="listCardParents")
async def list_parents(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    page: PageParams = paging(200),
    board: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    async with db.read() as conn:
        found = await connections.list_parents(
            conn,
            actor=actor,
            card_id=cardId,
            board_id=_optional_id(board, "board"),
            offset=page.offset,
            limit=page.limit,
        )
    faces = [card_shapes.card_face(r, base_url=base_url) for r in found.cards]
    return ok(
        {
            "pageMeta": page_meta(
                total=found.total, offset=page.offset, limit=page.limit, returned=len(faces)
            ),
            "cards": faces,
        }
    )


@router.get("/card/{cardId:id}/connection", operation_id="listCardChildBoards")
async def list_child_boards(actor: Actor, db: Db, cardId: CardId) -> JSONResponse:
    async with db.read() as conn:
        card, removable, links = await connections.list_child_boards(conn, actor=actor, card_id=cardId)
    return ok({"connections": [shapes.child_board(card.id, link, removable=removable) for link in links]})


@router.get("/card/{cardId:id}/connection/parent-boards", operation_id="listCardParentBoards")
async def list_parent_boards(
    actor: Actor, db: Db, cardId: CardId, page: PageParams = paging(25)
) -> JSONResponse:
    async with db.read() as conn:
        links = await connections.list_parent_boards(conn, actor=actor, card_id=cardId)
    shown = links[page.offset : page.offset + page.limit]
    return ok(
        {
            "pageMeta": page_meta(
                total=len(links), offset=page.offset, limit=page.limit, returned=len(shown)
            ),
            "boards": [shapes.parent_board(link) for link in shown],
        }
    )


@router.post("/card/{cardId:id}/connection/many", operation_id="connectManyCards", deprecated=True)
async def connect_many(actor: Actor, db: Db, cardId: CardId, body: ConnectMany = Body()) -> JSONResponse:
    async with db.begin() as conn:
        change, child_ids = await connections.connect_many(
            conn, actor=actor, card_id=cardId, connected_card_ids=body.connectedCardIds
        )

    def connected(card_id: int) -> dict[str, Any]:
        card = change.cards[card_id]
        return shapes.connected_card(
            card,
            board_title=change.accesses[card.board_id].board.title,
            board_version=change.versions[card.board_id],
        )

    return ok(
        {
            "card": connected(cardId),
            "connections": [
                {"connectedCard": connected(child), "connectionType": "child"} for child in child_ids
            ],
        }
    )


@router.delete("/card/{cardId:id}/connection/{boardId:id}", operation_id="deleteCardBoardConnections")
async def delete_board_connections(actor: Actor, db: Db, cardId: CardId, boardId: BoardId) -> JSONResponse:
    async with db.begin() as conn:
        parent_version, board_version = await connections.disconnect_board(
            conn, actor=actor, card_id=cardId, board_id=boardId
        )
    return ok({"parentBoardVersion": str(parent_version), "boardVersion": str(board_version)})


@router.get("/card/{cardId:id}/statistics", operation_id="getCardStatistics")
async def get_statistics(actor: Actor, db: Db, cardId: CardId) -> JSONResponse:
    async with db.read() as conn:
        result = await connections.statistics(conn, actor=actor, card_id=cardId)
    return ok(shapes.statistics(result))
