"""/io/board/:boardId/customfield: a board's custom card fields and their PATCH operation array (LeanKit API:
custom fields).

Routing is case-insensitive, so `/customField` (Pipedream's spelling) reaches the same handlers.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lanekit.domain.boards import custom_fields
from lanekit.domain.types import BoardId
from lanekit.shapes import custom_fields as shapes
from lanekit.web.deps import Actor, Db
from lanekit.web.fields import Text16, Text255
from lanekit.web.routing import make_router, ok

router = make_router("customField")


class FieldOperation(BaseModel):
    """One RFC 6902-style operation; what `path` and `value` must hold per `op` is checked in the domain."""

    op: Text16
    path: Text255
    value: Any = None


@router.get("/board/{boardId:id}/customfield", operation_id="listCustomFields")
async def list_custom_fields(actor: Actor, db: Db, boardId: BoardId) -> JSONResponse:
    async with db.read() as conn:
        found = await custom_fields.list_fields(conn, actor=actor, board_id=boardId)
    return ok(shapes.custom_field_list(found.limit, found.fields))


@router.patch("/board/{boardId:id}/customfield", operation_id="updateCustomFields")
async def patch_custom_fields(
    actor: Actor, db: Db, boardId: BoardId, body: list[FieldOperation] = Body()
) -> JSONResponse:
    ops: list[dict[str, Any]] = [op.model_dump() for op in body]
    async with db.begin() as conn:
        records = await custom_fields.apply_operations(conn, actor=actor, board_id=boardId, ops=ops)
    return ok(shapes.custom_fields_changed(records))
