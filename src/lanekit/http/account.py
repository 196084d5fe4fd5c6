"""/io/account: the account's settings (LeanKit API: account)."""

from __future__ import annotations

from typing import Any

from fastapi import Body
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StrictBool

from lanekit.domain.people import accounts
from lanekit.shapes import account as shapes
from lanekit.web.deps import Actor, Db
from lanekit.web.fields import Int32, LongText, Text32, Text255
from lanekit.web.routing import make_router, ok

router = make_router("account")


class AdvancedSecurity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strongPasswordEnabled: StrictBool | None = None
    minimumLengthEnabled: StrictBool | None = None
    requireUppercaseEnabled: StrictBool | None = None
    requireNumericEnabled: StrictBool | None = None
    requireSpecialCharacterEnabled: StrictBool | None = None
    lengthOfPassword: Int32 | None = None
    accountLockEnabled: StrictBool | None = None
    accountLockInterval: Int32 | None = None
    maxFailedLoginAttempts: Int32 | None = None
    preferencesEnabled: StrictBool | None = None
    disallowedFileExtensions: LongText | None = None
    disableRssFeeds: StrictBool | None = None
    disableGenericLogin: StrictBool | None = None
    disableRememberMe: StrictBool | None = None


class AccountUpdate(BaseModel):
    title: Text255 | None = None
    defaultNewBoardRole: Text32 | None = None
    subscribeUsersToAssignedCardsByDefault: StrictBool | None = None
    enableOKRs: StrictBool | None = None
    advancedSecurity: AdvancedSecurity | None = None

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True, exclude_none=False)
        if self.advancedSecurity is not None:
            given["advancedSecurity"] = self.advancedSecurity.model_dump(exclude_unset=True)
        return given


@router.get("/account", operation_id="getAccount")
async def get_account(actor: Actor, db: Db) -> JSONResponse:
    async with db.read() as conn:
        view = await accounts.get_account(conn, actor=actor)
    return ok(shapes.account_settings(view))


@router.get("/account/me", operation_id="getAccountMe", deprecated=True)
async def get_account_me(actor: Actor, db: Db) -> JSONResponse:
    return await get_account(actor, db)


@router.patch("/account", operation_id="updateAccount")
async def patch_account(actor: Actor, db: Db, body: AccountUpdate = Body()) -> JSONResponse:
    async with db.begin() as conn:
        view = await accounts.update_account(conn, actor=actor, changes=body.changes())
    return ok(shapes.account_updated(view))
