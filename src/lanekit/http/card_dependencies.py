"""/io/card/dependency: create, re-time, remove, and a card's dependency list (LeanKit API: dependencies)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse, Response

from lanekit.domain.cards import dependencies
from lanekit.domain.errors import Invalid
from lanekit.domain.types import CardId
from lanekit.shapes import dependencies as shapes
from lanekit.web.deps import Actor, BaseUrl, Db
from lanekit.web.routing import make_router, no_content, ok

router = make_router("card")

JsonObject = Annotated[dict[str, Any] | None, Body()]


def _object(body: dict[str, Any] | None) -> dict[str, Any]:
    if body is None:
        raise Invalid("body", "must be a JSON object {cardIds, dependsOnCardIds}")
    return body


@router.post("/card/dependency", operation_id="createCardDependencies", status_code=201)
async def create_dependencies(actor: Actor, db: Db, body: JsonObject = None) -> Response:
    fields = _object(body)
    async with db.begin() as conn:
        await dependencies.add_dependencies(
            conn,
            actor=actor,
            card_ids=fields.get("cardIds"),
            depends_on_ids=fields.get("dependsOnCardIds"),
            timing=fields.get("timing"),
        )
    return Response(status_code=201)


@router.patch("/card/dependency", operation_id="updateCardDependencies")
async def update_dependencies(actor: Actor, db: Db, body: Annotated[Any, Body()] = None) -> Response:
    async with db.begin() as conn:
        await dependencies.retime_dependencies(conn, actor=actor, items=body)
    return Response(status_code=200)


@router.delete("/card/dependency", operation_id="deleteCardDependencies", status_code=204)
async def delete_dependencies(actor: Actor, db: Db, body: JsonObject = None) -> Response:
    fields = _object(body)
    async with db.begin() as conn:
        await dependencies.remove_dependencies(
            conn, actor=actor, card_ids=fields.get("cardIds"), depends_on_ids=fields.get("dependsOnCardIds")
        )
    return no_content()


@router.get("/card/{cardId:id}/dependency", operation_id="listCardDependencies")
async def list_dependencies(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    includeFaces: Annotated[bool, Query()] = False,
) -> JSONResponse:
    async with db.read() as conn:
        found = await dependencies.list_dependencies(
            conn, actor=actor, card_id=cardId, include_faces=includeFaces
        )
    return ok(shapes.dependencies_body(found, base_url=base_url))
