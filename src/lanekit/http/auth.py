"""/io/auth/token: the caller's API tokens (LeanKit API: authentication tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, StrictStr

from lanekit.domain.people import tokens
from lanekit.domain.types import TokenId
from lanekit.shapes import tokens as shapes
from lanekit.web.bodies import json_or_form, request_body
from lanekit.web.deps import Actor, Db
from lanekit.web.routing import make_router, no_content, ok

router = make_router("auth")


class TokenCreate(BaseModel):
    description: StrictStr


# JSON as documented, or form-encoded as some LeanKit clients send it.
TokenRequest = Annotated[TokenCreate, Depends(json_or_form(TokenCreate))]


@router.get("/auth/token", operation_id="listTokens")
async def list_tokens(actor: Actor, db: Db) -> JSONResponse:
    async with db.read() as conn:
        records = await tokens.list_tokens(conn, actor=actor)
    return ok({"tokens": [shapes.token_item(r) for r in records]})


@router.post(
    "/auth/token", status_code=201, operation_id="createToken", openapi_extra=request_body(TokenCreate)
)
async def create_token(actor: Actor, db: Db, body: TokenRequest) -> JSONResponse:
    async with db.begin() as conn:
        record, token = await tokens.create_token(conn, actor=actor, description=body.description)
    return ok(shapes.token_created(record, token), status=201)


@router.delete("/auth/token/{tokenId:id}", status_code=204, operation_id="revokeToken")
async def revoke_token(actor: Actor, db: Db, tokenId: TokenId) -> Response:
    async with db.begin() as conn:
        await tokens.revoke_token(conn, actor=actor, token_id=tokenId)
    return no_content()
