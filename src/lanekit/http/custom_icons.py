"""/io/board/:boardId/customIcon: a board's custom icons, its classes of service (LeanKit API: custom
icons)."""

from __future__ import annotations

from fastapi import Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from lanekit.domain.boards import icons as custom_icons
from lanekit.domain.types import BoardId, Id
from lanekit.shapes import custom_icons as shapes
from lanekit.web.deps import Actor, Db
from lanekit.web.fields import LongText, Text16, Text255
from lanekit.web.routing import make_router, no_content, ok

router = make_router("customIcon")


class CustomIconCreate(BaseModel):
    name: Text255
    # Looser than the stored 6 hex digits: the domain trims and drops a leading "#" before checking.
    iconColor: Text16 | None = custom_icons.DEFAULT_ICON_COLOR
    policy: LongText | None = None
    iconName: Text255 | None = custom_icons.DEFAULT_ICON_NAME

    def to_domain(self) -> custom_icons.NewCustomIcon:
        return custom_icons.NewCustomIcon(
            name=self.name, icon_color=self.iconColor, policy=self.policy, icon_name=self.iconName
        )


class CustomIconUpdate(BaseModel):
    name: Text255 | None = None
    iconColor: Text16 | None = None
    policy: LongText | None = None
    iconName: Text255 | None = None

    def to_domain(self) -> custom_icons.CustomIconChanges:
        wire = {"name": "name", "iconColor": "icon_color", "policy": "policy", "iconName": "icon_name"}
        given = self.model_dump(exclude_unset=True)
        return custom_icons.CustomIconChanges(**{wire[key]: value for key, value in given.items()})


@router.get("/board/{boardId:id}/customIcon", operation_id="listCustomIcons")
async def list_custom_icons(actor: Actor, db: Db, boardId: BoardId) -> JSONResponse:
    async with db.read() as conn:
        records = await custom_icons.list_custom_icons(conn, actor=actor, board_id=boardId)
    return ok({"customIcons": [shapes.custom_icon(r) for r in records]})


@router.get("/board/{boardId:id}/customIcon/{customIconId:id}", operation_id="getCustomIcon")
async def get_custom_icon(actor: Actor, db: Db, boardId: BoardId, customIconId: Id) -> JSONResponse:
    async with db.read() as conn:
        record = await custom_icons.get_custom_icon(conn, actor=actor, board_id=boardId, icon_id=customIconId)
    return ok(shapes.custom_icon(record))


@router.post("/board/{boardId:id}/customIcon", status_code=201, operation_id="createCustomIcon")
async def create_custom_icon(
    actor: Actor, db: Db, boardId: BoardId, body: CustomIconCreate = Body()
) -> JSONResponse:
    async with db.begin() as conn:
        record = await custom_icons.create_custom_icon(
            conn, actor=actor, board_id=boardId, new=body.to_domain()
        )
    return ok(shapes.custom_icon_written(record), status=201)


@router.patch("/board/{boardId:id}/customIcon/{customIconId:id}", operation_id="updateCustomIcon")
async def patch_custom_icon(
    actor: Actor, db: Db, boardId: BoardId, customIconId: Id, body: CustomIconUpdate = Body()
) -> JSONResponse:
    async with db.begin() as conn:
        record = await custom_icons.update_custom_icon(
            conn, actor=actor, board_id=boardId, icon_id=customIconId, changes=body.to_domain()
        )
    return ok(shapes.custom_icon_written(record))


@router.delete(
    "/board/{boardId:id}/customIcon/{customIconId:id}", status_code=204, operation_id="deleteCustomIcon"
)
async def delete_custom_icon(actor: Actor, db: Db, boardId: BoardId, customIconId: Id) -> Response:
    async with db.begin() as conn:
        await custom_icons.delete_custom_icon(conn, actor=actor, board_id=boardId, icon_id=customIconId)
    return no_content()
