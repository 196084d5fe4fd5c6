"""/io/board/:boardId/cardType: a board's card types (LeanKit API: card types)."""

from __future__ import annotations

from fastapi import Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, StrictBool

from lanekit.domain.boards import card_types
from lanekit.domain.types import BoardId, Id
from lanekit.shapes import card_types as shapes
from lanekit.web.deps import Actor, Db
from lanekit.web.fields import Text7, Text255
from lanekit.web.routing import make_router, no_content, ok

router = make_router("cardType")


class CardTypeCreate(BaseModel):
    name: Text255
    colorHex: Text7
    isCardType: StrictBool = False
    isTaskType: StrictBool = False

    def to_domain(self) -> card_types.NewCardType:
        return card_types.NewCardType(
            name=self.name,
            color_hex=self.colorHex,
            is_card_type=self.isCardType,
            is_task_type=self.isTaskType,
        )


class CardTypeUpdate(BaseModel):
    name: Text255 | None = None
    colorHex: Text7 | None = None
    isCardType: StrictBool | None = None
    isTaskType: StrictBool | None = None

    def to_domain(self) -> card_types.CardTypeChanges:
        wire = {
            "name": "name",
            "colorHex": "color_hex",
            "isCardType": "is_card_type",
            "isTaskType": "is_task_type",
        }
        given = self.model_dump(exclude_unset=True)
        return card_types.CardTypeChanges(**{wire[key]: value for key, value in given.items()})


@router.get("/board/{boardId:id}/cardType", operation_id="listCardTypes")
async def list_card_types(actor: Actor, db: Db, boardId: BoardId) -> JSONResponse:
    async with db.read() as conn:
        views = await card_types.list_card_types(conn, actor=actor, board_id=boardId)
    return ok({"cardTypes": [shapes.card_type(v) for v in views]})


@router.get("/board/{boardId:id}/cardType/{cardTypeId:id}", operation_id="getCardType")
async def get_card_type(actor: Actor, db: Db, boardId: BoardId, cardTypeId: Id) -> JSONResponse:
    async with db.read() as conn:
        view = await card_types.get_card_type(conn, actor=actor, board_id=boardId, card_type_id=cardTypeId)
    return ok(shapes.card_type(view))


@router.post("/board/{boardId:id}/cardType", status_code=201, operation_id="createCardType")
async def create_card_type(
    actor: Actor, db: Db, boardId: BoardId, body: CardTypeCreate = Body()
) -> JSONResponse:
    async with db.begin() as conn:
        view = await card_types.create_card_type(conn, actor=actor, board_id=boardId, new=body.to_domain())
    return ok(shapes.card_type_written(view), status=201)


@router.patch("/board/{boardId:id}/cardType/{cardTypeId:id}", operation_id="updateCardType")
async def patch_card_type(
    actor: Actor, db: Db, boardId: BoardId, cardTypeId: Id, body: CardTypeUpdate = Body()
) -> JSONResponse:
    async with db.begin() as conn:
        view = await card_types.update_card_type(
            conn, actor=actor, board_id=boardId, card_type_id=cardTypeId, changes=body.to_domain()
        )
    return ok(shapes.card_type_written(view))


@router.delete("/board/{boardId:id}/cardType/{cardTypeId:id}", status_code=204, operation_id="deleteCardType")
async def delete_card_type(actor: Actor, db: Db, boardId: BoardId, cardTypeId: Id) -> Response:
    async with db.begin() as conn:
        await card_types.delete_card_type(conn, actor=actor, board_id=boardId, card_type_id=cardTypeId)
    return no_content()
