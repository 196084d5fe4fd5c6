"""/io/user: the caller's profile and the administrator's user management (LeanKit API: users)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, StrictBool

from lanekit.domain.boards import reads as board_reads
from lanekit.domain.people import users
from lanekit.domain.types import UserId
from lanekit.shapes import boards as board_shapes
from lanekit.shapes import users as shapes
from lanekit.shapes.common import page_meta
from lanekit.web.deps import Actor, BaseUrl, Ctx, CurrentUser, Db, PageParams, paging
from lanekit.web.fields import Text16, Text32, Text64, Text255
from lanekit.web.routing import make_router, no_content, ok

router = make_router("user")

# Wire name → domain field, for both PATCH bodies.
_FIELDS = {
    "emailAddress": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "timeZone": "time_zone",
    "dateFormat": "date_format",
    "enabled": "enabled",
    "administrator": "administrator",
    "boardCreator": "board_creator",
    "licenseType": "license_type",
    "externalUserName": "external_user_name",
    "locale": "locale",
    "useMondayForStartOfWeek": "use_monday_for_start_of_week",
}


def _changes(model: BaseModel) -> users.UserChanges:
    given = model.model_dump(exclude_unset=True)
    return users.UserChanges(**{_FIELDS[key]: value for key, value in given.items()})


class MeUpdate(BaseModel):
    firstName: Text255 | None = None
    lastName: Text255 | None = None
    timeZone: Text64 | None = None
    dateFormat: Text16 | None = None
    locale: Text32 | None = None
    useMondayForStartOfWeek: StrictBool | None = None


class UserUpdate(BaseModel):
    emailAddress: Text255 | None = None
    firstName: Text255 | None = None
    lastName: Text255 | None = None
    timeZone: Text64 | None = None
    enabled: StrictBool | None = None
    administrator: StrictBool | None = None
    boardCreator: StrictBool | None = None
    dateFormat: Text16 | None = None
    licenseType: Text16 | None = None
    externalUserName: Text255 | None = None


class UserCreate(BaseModel):
    emailAddress: Text255
    firstName: Text255
    lastName: Text255
    password: Text255
    timeZone: Text64 = "Etc/GMT"
    enabled: StrictBool = True
    administrator: StrictBool = False
    boardCreator: StrictBool = False
    dateFormat: Text16 = "MM/dd/yyyy"
    licenseType: Text16 = "full"
    externalUserName: Text255 | None = None

    def to_domain(self) -> users.NewUser:
        return users.NewUser(
            email=self.emailAddress,
            first_name=self.firstName,
            last_name=self.lastName,
            password=self.password,
            time_zone=self.timeZone,
            enabled=self.enabled,
            administrator=self.administrator,
            board_creator=self.boardCreator,
            date_format=self.dateFormat,
            license_type=self.licenseType,
            external_user_name=self.externalUserName,
        )


class PasswordChange(BaseModel):
    password: Text255


@router.get("/user/me", operation_id="getCurrentUser")
async def get_me(actor: Actor, user: CurrentUser, db: Db, base_url: BaseUrl) -> JSONResponse:
    async with db.read() as conn:
        view = await users.get_me(conn, actor=actor, user=user)
    return ok(shapes.user_detail(view, base_url=base_url, me=True))


@router.patch("/user/me", operation_id="updateCurrentUser")
async def patch_me(actor: Actor, db: Db, base_url: BaseUrl, body: MeUpdate = Body()) -> JSONResponse:
    async with db.begin() as conn:
        view = await users.update_me(conn, actor=actor, changes=_changes(body))
    return ok(shapes.user_detail(view, base_url=base_url, me=True))


@router.get("/user/me/board/recent", operation_id="listRecentBoards")
async def list_recent_boards(actor: Actor, db: Db) -> JSONResponse:
    async with db.read() as conn:
        recent = await board_reads.recent_boards(conn, actor=actor)
    return ok({"boards": [board_shapes.recent_board(item) for item in recent]})


@router.get("/user", operation_id="listUsers")
async def list_users(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    page: PageParams = paging(100),
    sortBy: Annotated[str, Query()] = "lastName",
    search: Annotated[str | None, Query(max_length=255)] = None,
) -> JSONResponse:
    async with db.read() as conn:
        total, records = await users.list_users(
            conn, actor=actor, offset=page.offset, limit=page.limit, sort_by=sortBy, search=search
        )
    items: list[dict[str, Any]] = [shapes.user_list_item(u, base_url=base_url) for u in records]
    return ok(
        {
            "pageMeta": page_meta(total=total, offset=page.offset, limit=page.limit, returned=len(items)),
            "users": items,
        }
    )


@router.post("/user", operation_id="createUser")
async def create_user(actor: Actor, db: Db, base_url: BaseUrl, body: UserCreate = Body()) -> JSONResponse:
    async with db.begin() as conn:
        view = await users.create_user(conn, actor=actor, new=body.to_domain())
    return ok(shapes.user_detail(view, base_url=base_url))


@router.get("/user/{userId:id}", operation_id="getUser")
async def get_user(actor: Actor, db: Db, base_url: BaseUrl, userId: UserId) -> JSONResponse:
    async with db.read() as conn:
        view = await users.get_user(conn, actor=actor, user_id=userId)
    return ok(shapes.user_detail(view, base_url=base_url))


@router.get(
    "/user/{userId:id}/avatar",
    operation_id="getUserAvatar",
    response_class=Response,
)
async def get_avatar(
    actor: Actor,
    db: Db,
    userId: UserId,
    s: Annotated[str | None, Query(description="Size in pixels, 16 to 256 (default 25).")] = None,
) -> Response:
    async with db.read() as conn:
        user = await users.avatar_user(conn, actor=actor, user_id=userId)
    return Response(
        shapes.avatar_svg(user, size=shapes.avatar_size(s)),
        media_type="image/svg+xml",
        headers={
            # Per user, behind authentication: browsers may keep it, shared caches may not.
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            # Opened on its own, the image may not run or load anything.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )


@router.patch("/user/{userId:id}", operation_id="updateUser")
async def patch_user(
    actor: Actor, ctx: Ctx, base_url: BaseUrl, userId: UserId, body: UserUpdate = Body()
) -> JSONResponse:
    async with ctx.db.begin() as conn:
        view = await users.update_user(conn, actor=actor, user_id=userId, changes=_changes(body))
    return ok(shapes.user_detail(view, base_url=base_url))


@router.patch("/user/{userId:id}/password", operation_id="updateUserPassword")
async def patch_password(
    actor: Actor, ctx: Ctx, base_url: BaseUrl, userId: UserId, body: PasswordChange = Body()
) -> JSONResponse:
    async with ctx.db.begin() as conn:
        view = await users.set_password(conn, actor=actor, user_id=userId, password=body.password)
    return ok(shapes.user_detail(view, base_url=base_url))


@router.delete("/user/{userId:id}", status_code=204, operation_id="deleteUser")
async def delete_user(actor: Actor, ctx: Ctx, userId: UserId) -> Response:
    async with ctx.db.begin() as conn:
        await users.delete_user(conn, actor=actor, user_id=userId)
    return no_content()
