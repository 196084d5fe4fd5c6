"""/io/board/access and /io/board/:boardId/user|roles: who holds which role on a board (LeanKit API: board
users)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from lanekit.domain.boards import members as board_users
from lanekit.domain.errors import Invalid
from lanekit.domain.types import BoardId, Id
from lanekit.shapes import boards as shapes
from lanekit.shapes.common import page_meta
from lanekit.web.deps import Actor, Db, PageParams, paging
from lanekit.web.fields import IdList, Int32, Text16, Text32, Text255
from lanekit.web.routing import make_router, no_content, ok

router = make_router("board users")

MAX_BOARD_USERS_LIMIT = 100


class AccessRemoval(BaseModel):
    boardIds: IdList
    userIds: IdList = []
    emails: list[Text255] = []
    teamIds: IdList = []

    def to_domain(self) -> board_users.AccessRequest:
        return board_users.AccessRequest(
            board_ids=self.boardIds, user_ids=self.userIds, emails=self.emails, team_ids=self.teamIds
        )


class AccessGrant(AccessRemoval):
    boardRole: Text32


class RoleOpBody(BaseModel):
    op: Text16
    id: Id | None = None
    userId: Id | None = None
    WIP: Int32 | None = None
    roleTypeId: Int32 | None = None

    def to_domain(self) -> board_users.RoleOp:
        return board_users.RoleOp(
            op=self.op,
            role_id=self.id,
            user_id=self.userId,
            role_type_id=self.roleTypeId,
            wip=self.WIP,
            wip_given="WIP" in self.model_fields_set,
        )


@router.post("/board/access", status_code=204, operation_id="setBoardAccess")
async def post_access(actor: Actor, db: Db, body: AccessGrant = Body()) -> Response:
    async with db.begin() as conn:
        await board_users.set_access(conn, actor=actor, request=body.to_domain(), role=body.boardRole)
    return no_content()


@router.delete("/board/access", status_code=202, operation_id="removeBoardAccess")
async def delete_access(actor: Actor, db: Db, body: AccessRemoval = Body()) -> Response:
    async with db.begin() as conn:
        await board_users.remove_access(conn, actor=actor, request=body.to_domain())
    return Response(status_code=202)


@router.get("/board/{boardId:id}/user", operation_id="listBoardUsers")
async def list_board_users(
    actor: Actor,
    db: Db,
    boardId: BoardId,
    page: PageParams = paging(25),
    search: Annotated[str | None, Query(max_length=255)] = None,
    sortBy: str | None = None,
    sortDir: str | None = None,
    roles: Annotated[list[int] | None, Query(alias="roleFilterList[]")] = None,
    roles_plain: Annotated[list[int] | None, Query(alias="roleFilterList")] = None,
    licenses: Annotated[list[int] | None, Query(alias="licenseFilterList[]")] = None,
    licenses_plain: Annotated[list[int] | None, Query(alias="licenseFilterList")] = None,
) -> JSONResponse:
    if page.limit > MAX_BOARD_USERS_LIMIT:
        raise Invalid("limit", f"must be at most {MAX_BOARD_USERS_LIMIT}")
    async with db.read() as conn:
        total, members = await board_users.list_board_users(
            conn,
            actor=actor,
            board_id=boardId,
            offset=page.offset,
            limit=page.limit,
            search=search,
            sort_by=sortBy,
            sort_dir=sortDir,
            role_filter=(roles or []) + (roles_plain or []) or None,
            license_filter=(licenses or []) + (licenses_plain or []) or None,
        )
    items: list[dict[str, Any]] = [shapes.board_user(member) for member in members]
    meta = page_meta(total=total, offset=page.offset, limit=page.limit, returned=len(items))
    return ok({"pageMeta": meta, "boardUsers": items})


@router.patch("/board/{boardId:id}/roles", operation_id="updateBoardRoles", deprecated=True)
async def patch_roles(
    actor: Actor, db: Db, boardId: BoardId, body: list[RoleOpBody] = Body()
) -> JSONResponse:
    async with db.begin() as conn:
        rows = await board_users.apply_role_ops(
            conn, actor=actor, board_id=boardId, ops=[op.to_domain() for op in body]
        )
    return ok({"boardRoles": [shapes.board_role_row(row) for row in rows]})
