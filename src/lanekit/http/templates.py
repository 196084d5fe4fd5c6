"""/io/template: board templates of the account and the built-in Default Template (LeanKit API: board
templates)."""

from __future__ import annotations

from fastapi import Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from lanekit.domain.boards import templates
from lanekit.domain.types import BoardId, Id
from lanekit.shapes import templates as shapes
from lanekit.web.deps import Actor, Db
from lanekit.web.fields import LongText, Text255
from lanekit.web.routing import make_router, no_content, ok

router = make_router("template")


class TemplateCreate(BaseModel):
    boardId: BoardId
    templateName: Text255
    templateDescription: LongText | None = None
    # The doc types it as a string; "true"/"false" are accepted as well as booleans.
    includeCards: bool = False


@router.get("/template", operation_id="listTemplates")
async def list_templates(actor: Actor, db: Db) -> JSONResponse:
    async with db.read() as conn:
        own, builtin = await templates.list_templates(conn, actor=actor)
    return ok(shapes.template_categories(own, builtin))


@router.get("/template/{templateId:id}", operation_id="getTemplate")
async def get_template(actor: Actor, db: Db, templateId: Id) -> JSONResponse:
    async with db.read() as conn:
        view = await templates.get_template(conn, actor=actor, template_id=templateId)
    return ok(shapes.template_detail(view))


@router.post("/template", status_code=201, operation_id="createTemplate")
async def create_template(actor: Actor, db: Db, body: TemplateCreate = Body()) -> JSONResponse:
    async with db.begin() as conn:
        template_id = await templates.create_template(
            conn,
            actor=actor,
            board_id=body.boardId,
            name=body.templateName,
            description=body.templateDescription,
            include_cards=body.includeCards,
        )
    return ok(shapes.template_created(template_id), status=201)


@router.delete("/template/{templateId:id}", status_code=204, operation_id="deleteTemplate")
async def delete_template(actor: Actor, db: Db, templateId: Id) -> Response:
    async with db.begin() as conn:
        await templates.delete_template(conn, actor=actor, template_id=templateId)
    return no_content()
