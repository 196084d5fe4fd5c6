"""/io/scim/v1: user provisioning by an identity provider (LeanKit's "User Provisioning API", SCIM 1.1).

Parse → call domain/people/provisioning.py → shape (scim/shapes.py); errors in SCIM's body (scim/errors.py).
Paths match in any case (`/users` as leankit-client sends it, `/Users` as the docs write it).  Input that
is read-only or unknown here (`id`, `meta`, `schemas`, `groups`, `emails`, `displayName`, `locale`,
`lastAccess`…) is ignored, because identity providers send the whole resource back.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.routing import compile_path

from lanekit.domain.enums import DATE_FORMATS
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.inputs import INT32_MAX
from lanekit.domain.people import provisioning
from lanekit.domain.people.users import UserChanges
from lanekit.domain.types import UNSET, UserId
from lanekit.scim import filters, shapes
from lanekit.scim.errors import ScimRoute, error_response
from lanekit.web.deps import Actor, BaseUrl, Db
from lanekit.web.fields import Text16, Text64, Text255
from lanekit.web.routing import ok

router = APIRouter(route_class=ScimRoute, tags=["scim"], include_in_schema=False)

EXT = shapes.EXTENSION_URN
_DATE_FORMATS = {spelling.lower(): spelling for spelling in DATE_FORMATS}


class ScimName(BaseModel):
    givenName: Text255 | None = None
    familyName: Text255 | None = None


class ScimExtension(BaseModel):
    licenseType: Text16 | None = None
    administrator: StrictBool | None = None
    boardCreator: StrictBool | None = None
    dateFormat: Text16 | None = None


class ScimUser(BaseModel):
    """A user resource as identity providers send it; what is not named here is ignored."""

    model_config = ConfigDict(extra="ignore")

    userName: Text255 | None = None
    name: ScimName | None = None
    externalId: Text255 | None = None
    timezone: Text64 | None = None
    active: StrictBool | None = None
    password: Text255 | None = None
    extension: ScimExtension | None = Field(default=None, alias=EXT)


def _date_format(value: str | None) -> str | None:
    if value is None:
        return None
    spelling = _DATE_FORMATS.get(value.lower())
    if spelling is None:
        raise Invalid(f"{EXT}.dateFormat", f"{value!r} is not one of mm/dd/yyyy, dd/mm/yyyy, yyyy/mm/dd")
    return spelling


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise Invalid(name, "is required")
    return value


def _values(body: ScimUser) -> provisioning.UserValues:
    """Every value of a create or replace; what the body leaves out takes its default."""
    name = body.name or ScimName()
    extension = body.extension or ScimExtension()
    return provisioning.UserValues(
        user_name=_required(body.userName, "userName"),
        given_name=_required(name.givenName, "name.givenName"),
        family_name=_required(name.familyName, "name.familyName"),
        external_id=body.externalId,
        time_zone=body.timezone or provisioning.DEFAULT_TIME_ZONE,
        enabled=body.active is not False,
        administrator=extension.administrator is True,
        board_creator=extension.boardCreator is True,
        date_format=_date_format(extension.dateFormat) or provisioning.DEFAULT_DATE_FORMAT,
        license_type=extension.licenseType or provisioning.DEFAULT_LICENSE_TYPE,
    )


def _changes(body: ScimUser) -> UserChanges:
    """A sparse SCIM 1.1 PATCH: only what the body carries changes (an explicit null too, where the value
    may be empty: externalId)."""
    given = body.model_fields_set
    name = body.name if "name" in given and body.name is not None else None
    extension = body.extension if "extension" in given and body.extension is not None else None
    named = name.model_fields_set if name is not None else set()
    extended = extension.model_fields_set if extension is not None else set()

    def pick(present: bool, value: Any) -> Any:
        return value if present else UNSET

    return UserChanges(
        email=pick("userName" in given, body.userName),
        first_name=pick("givenName" in named, name.givenName if name else None),
        last_name=pick("familyName" in named, name.familyName if name else None),
        external_user_name=pick("externalId" in given, body.externalId),
        time_zone=pick("timezone" in given, body.timezone),
        enabled=pick("active" in given, body.active),
        administrator=pick("administrator" in extended, extension.administrator if extension else None),
        board_creator=pick("boardCreator" in extended, extension.boardCreator if extension else None),
        date_format=(_date_format(extension.dateFormat) if extension and "dateFormat" in extended else UNSET),
        license_type=pick("licenseType" in extended, extension.licenseType if extension else None),
    )


def _sort_descending(order: str | None) -> bool:
    if order is None or order.lower() == "ascending":
        return False
    if order.lower() == "descending":
        return True
    raise Invalid("sortOrder", f"must be ascending or descending, not {order!r}")


StartIndex = Annotated[int, Query(ge=-INT32_MAX, le=INT32_MAX)]
Count = Annotated[int | None, Query(ge=-INT32_MAX, le=INT32_MAX)]


def _page(start_index: int, count: int | None) -> tuple[int, int, int]:
    """(1-based start index echoed, offset, limit): startIndex below 1 counts as 1 (LeanKit's page calls
    the first one 0), count is capped at maxResults and a negative one is 0."""
    start = max(start_index, 1)
    limit = shapes.MAX_RESULTS if count is None else min(max(count, 0), shapes.MAX_RESULTS)
    return start, start - 1, limit


@router.get("/scim/v1/Users")
async def list_users(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    filter: Annotated[str | None, Query()] = None,
    startIndex: StartIndex = 1,
    count: Count = None,
    sortBy: Annotated[str | None, Query(max_length=255)] = None,
    sortOrder: Annotated[str | None, Query(max_length=32)] = None,
) -> JSONResponse:
    where = filters.parse_filter(filter)
    sort_field = filters.sort_field(sortBy)
    descending = _sort_descending(sortOrder)
    start, offset, limit = _page(startIndex, count)
    async with db.read() as conn:
        total, records = await provisioning.search_users(
            conn,
            actor=actor,
            where=where,
            sort_field=sort_field,
            descending=descending,
            offset=offset,
            limit=limit,
        )
    resources = [shapes.user_resource(user, base_url=base_url) for user in records]
    return ok(shapes.list_response(resources, total=total, start_index=start, schemas=shapes.USER_SCHEMAS))


@router.post("/scim/v1/Users")
async def create_user(actor: Actor, db: Db, base_url: BaseUrl, body: ScimUser = Body()) -> JSONResponse:
    values = _values(body)
    async with db.begin() as conn:
        user = await provisioning.create_user(conn, actor=actor, values=values, password=body.password)
    response = ok(shapes.user_resource(user, base_url=base_url), status=201)
    response.headers["Location"] = shapes.user_location(user.id, base_url=base_url)
    return response


@router.get("/scim/v1/Users/{userId:id}")
async def get_user(actor: Actor, db: Db, base_url: BaseUrl, userId: UserId) -> JSONResponse:
    async with db.read() as conn:
        user = await provisioning.get_user(conn, actor=actor, user_id=userId)
    return ok(shapes.user_resource(user, base_url=base_url))


@router.put("/scim/v1/Users/{userId:id}")
async def replace_user(
    actor: Actor, db: Db, base_url: BaseUrl, userId: UserId, body: ScimUser = Body()
) -> JSONResponse:
    values = _values(body)
    async with db.begin() as conn:
        user = await provisioning.replace_user(
            conn, actor=actor, user_id=userId, values=values, password=body.password
        )
    return ok(shapes.user_resource(user, base_url=base_url))


@router.patch("/scim/v1/Users/{userId:id}")
async def patch_user(
    actor: Actor, db: Db, base_url: BaseUrl, userId: UserId, body: ScimUser = Body()
) -> JSONResponse:
    changes = _changes(body)
    async with db.begin() as conn:
        user = await provisioning.update_user(
            conn, actor=actor, user_id=userId, changes=changes, password=body.password
        )
    return ok(shapes.user_resource(user, base_url=base_url))


@router.delete("/scim/v1/Users/{userId:id}")
async def delete_user(actor: Actor, db: Db, userId: UserId) -> Response:
    async with db.begin() as conn:
        await provisioning.delete_user(conn, actor=actor, user_id=userId)
    # SCIM 1.1 (protocol, "Deleting Resources"): a deleted resource is answered 200 OK, with no body.
    return Response(status_code=200)


@router.get("/scim/v1/Groups")
async def list_groups(actor: Actor, startIndex: StartIndex = 1, count: Count = None) -> JSONResponse:
    """Lanekit has no groups; identity providers' connection tests still ask (Okta: `/Groups?count=100`)."""
    provisioning.require_provisioner(actor)
    start, _offset, _limit = _page(startIndex, count)
    return ok(shapes.list_response([], total=0, start_index=start, schemas=[shapes.CORE_SCHEMA]))


@router.get("/scim/v1/ServiceProviderConfigs")
async def get_service_provider_configs(actor: Actor) -> JSONResponse:
    provisioning.require_provisioner(actor)
    return ok(shapes.service_provider_config())


@router.get("/scim/v1/Schemas")
async def list_schemas(actor: Actor) -> JSONResponse:
    provisioning.require_provisioner(actor)
    found = shapes.schemas()
    return ok(shapes.list_response(found, total=len(found), start_index=1, schemas=[shapes.CORE_SCHEMA]))


_EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _methods_at(path: str) -> list[str]:
    """The methods the SCIM routes above serve at `path` (any case)."""
    methods: set[str] = set()
    for route in router.routes:
        if isinstance(route, APIRoute) and route.endpoint is not _no_such_endpoint:
            if re.fullmatch(compile_path("/io" + route.path)[0].pattern, path, flags=re.IGNORECASE):
                methods |= route.methods or set()
    return sorted(methods)


async def _no_such_endpoint(request: Request) -> JSONResponse:
    allowed = _methods_at(request.url.path)
    if allowed:
        return error_response(
            405,
            f"{request.method} is not allowed here; use {' or '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    raise NotFound("SCIM endpoint", request.url.path)


# Unknown paths under /io/scim/v1 (one to three segments deep) answer in SCIM's error body too.  Declared
# last, so every route above is tried first; plain segments, so the route table indexes them by prefix.
for _depth, _path in enumerate(("/scim/v1/{a}", "/scim/v1/{a}/{b}", "/scim/v1/{a}/{b}/{c}")):
    router.add_api_route(_path, _no_such_endpoint, methods=_EVERY_METHOD, name=f"scim_not_found_{_depth}")
