"""/io/account: the flat settings object of GET and the differently shaped PATCH reply."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lanekit.storage.tables import accounts as accounts_table
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

_REPORTING = (
    "CardExport CardLaneHistory CurrentUserAssignments HistoricalUserAssignments Lanes Tags Tasks TaskLanes "
    "CustomFields BlockedHistory Comments Connections"
).split()
# GET /io/account, every field with its JSON type.
ACCOUNT_KEYS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "userLimit": (int,),
    "country": (str,),
    "region": (str,),
    **{
        name: (bool,)
        for name in (
            "enableCumulativeFlowDiagram enableCycleTimeDiagram enableCardDistributionDiagram "
            "enableEfficiencyDiagram enableProcessControlDiagram enableAdvancedRoleSecurity enableTaskBoards "
            "enableDrillThroughBoards enableMultipleDrillThroughBoards enableQuickConnectionsUI "
            "enableCustomCardFields enableSharedBoards allowMultiUserAssignments enableNodeCardCreate "
            "enableConnectedCardsGallery disableCalendarView allowBoardTemplatesCreate "
            "allowBoardTemplatesImportExport allowAllTemplates allowCardsInBoardTemplates "
            "allowBoardCreationFromTemplates enableExportBoardHistory enableReportTimelineActualDate "
            "enableCardHistoryHealthTab"
        ).split()
    },
    **{f"enableReportingApi{name}": (bool,) for name in _REPORTING},
    "defaultRoleId": (int,),
    "numberOfDaysToRetrieveAnalyticsEventsFor": (int,),
    "defaultNewBoardRole": (int,),
    "expiresOn": (str, type(None)),
    "reportingApiTokenExpirationInMinutes": (int,),
    "reportingApiResponseCacheDurationInMinutes": (int,),
    "accountType": (str,),
    "accountStatus": (str,),
}
SECURITY_DEFAULTS: dict[str, Any] = {
    "strongPasswordEnabled": False,
    "minimumLengthEnabled": False,
    "requireUppercaseEnabled": False,
    "requireNumericEnabled": False,
    "requireSpecialCharacterEnabled": False,
    "lengthOfPassword": 8,
    "accountLockEnabled": False,
    "accountLockInterval": 30,
    "maxFailedLoginAttempts": 5,
    "preferencesEnabled": False,
    "disallowedFileExtensions": "",
    "disableRssFeeds": False,
    "disableGenericLogin": False,
    "disableRememberMe": False,
}


def assert_account_shape(body: dict[str, Any]) -> None:
    assert set(body) == set(ACCOUNT_KEYS)
    for key, types in ACCOUNT_KEYS.items():
        assert isinstance(body[key], types), (key, body[key])
        if types == (int,):
            assert not isinstance(body[key], bool), key


async def stored_account(lanekit: Lanekit, account_id: int) -> dict[str, Any]:
    async with lanekit.db.read() as conn:
        query = select(accounts_table).where(accounts_table.c.id == account_id)
        return dict((await conn.execute(query)).mappings().one())


@pytest.mark.parametrize("path", ["/io/account", "/io/account/me"])
async def test_get_account_shape(lanekit: Lanekit, path: str) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    # Every user of the account may read it, not only administrators.
    response = await lanekit.as_user(tenant, user).get(path)
    assert response.status_code == 200
    body = response.json()
    assert_account_shape(body)
    assert body["id"] == str(tenant.account.id)
    assert body["defaultNewBoardRole"] == 0
    assert body["accountStatus"] == "active"
    assert body["accountType"] in ("selectEdition", "leanKitForScaledTeams", "leanKitForEnterprise")


async def test_get_account_is_authenticated(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.client(tenant).get("/io/account")
    assert response.status_code == 401


async def test_account_me_is_marked_deprecated_in_openapi(lanekit: Lanekit) -> None:
    document = (await lanekit.client().get("/io/openapi.json")).json()
    assert document["paths"]["/io/account/me"]["get"]["deprecated"] is True
    assert "deprecated" not in document["paths"]["/io/account"]["get"]


async def test_patch_account_replies_with_the_update_shape_and_stores_it(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    response = await admin.patch(
        "/io/account",
        json={
            "title": "Acme Widgets",
            "defaultNewBoardRole": "boardUser",
            "enableOKRs": True,
            "advancedSecurity": {"lengthOfPassword": 12, "disableRssFeeds": True},
        },
    )
    assert response.status_code == 200
    expected = {
        "id": str(tenant.account.id),
        "title": "Acme Widgets",
        "defaultNewBoardRole": "boardUser",
        "subscribeUsersToAssignedCardsByDefault": False,
        "enableOKRs": True,
        "advancedSecurity": {**SECURITY_DEFAULTS, "lengthOfPassword": 12, "disableRssFeeds": True},
    }
    assert response.json() == expected

    # The GET body shows the role as its number.
    assert (await admin.get("/io/account")).json()["defaultNewBoardRole"] == 2
    # A later PATCH starts from what was stored.
    again = await admin.patch(
        "/io/account",
        json={
            "subscribeUsersToAssignedCardsByDefault": True,
            "advancedSecurity": {"accountLockEnabled": True},
        },
    )
    assert again.json() == {
        **expected,
        "subscribeUsersToAssignedCardsByDefault": True,
        "advancedSecurity": {**expected["advancedSecurity"], "accountLockEnabled": True},
    }
    stored = await stored_account(lanekit, tenant.account.id)
    assert stored["title"] == "Acme Widgets"
    assert stored["settings"]["defaultNewBoardRole"] == "boardUser"
    assert stored["settings"]["advancedSecurity"] == {
        "lengthOfPassword": 12,
        "disableRssFeeds": True,
        "accountLockEnabled": True,
    }


async def test_patch_account_with_an_empty_body_changes_nothing(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    before = await stored_account(lanekit, tenant.account.id)
    response = await lanekit.as_admin(tenant).patch("/io/account", json={})
    assert response.status_code == 200
    assert response.json() == {
        "id": str(tenant.account.id),
        "title": tenant.account.title,
        "defaultNewBoardRole": "none",
        "subscribeUsersToAssignedCardsByDefault": False,
        "enableOKRs": False,
        "advancedSecurity": SECURITY_DEFAULTS,
    }
    assert await stored_account(lanekit, tenant.account.id) == before


async def test_patch_account_null_resets_to_the_default(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    await admin.patch(
        "/io/account",
        json={
            "enableOKRs": True,
            "defaultNewBoardRole": "boardReader",
            "advancedSecurity": {"lengthOfPassword": 12, "disableRssFeeds": True},
        },
    )
    one = await admin.patch("/io/account", json={"advancedSecurity": {"lengthOfPassword": None}})
    assert one.status_code == 200
    assert one.json()["advancedSecurity"] == {**SECURITY_DEFAULTS, "disableRssFeeds": True}
    everything = await admin.patch(
        "/io/account", json={"advancedSecurity": None, "enableOKRs": None, "defaultNewBoardRole": None}
    )
    assert everything.status_code == 200
    assert everything.json()["advancedSecurity"] == SECURITY_DEFAULTS
    assert everything.json()["enableOKRs"] is False
    assert everything.json()["defaultNewBoardRole"] == "none"
    assert (await stored_account(lanekit, tenant.account.id))["settings"] == {}


async def test_patch_account_requires_an_administrator(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    before = await stored_account(lanekit, tenant.account.id)
    response = await lanekit.as_user(tenant, user).patch("/io/account", json={"title": "Mine now"})
    assert response.status_code == 403
    assert response.json()["statusCode"] == 403
    assert await stored_account(lanekit, tenant.account.id) == before


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"defaultNewBoardRole": "boardOverlord"}, "defaultNewBoardRole"),
        ({"defaultNewBoardRole": 2}, "defaultNewBoardRole"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"enableOKRs": "yes"}, "enableOKRs"),
        ({"advancedSecurity": {"lengthOfPassword": -1}}, "advancedSecurity/lengthOfPassword"),
        ({"advancedSecurity": {"lengthOfPassword": "8"}}, "advancedSecurity/lengthOfPassword"),
        ({"advancedSecurity": {"selfDestruct": True}}, "advancedSecurity/selfDestruct"),
        ({"advancedSecurity": "on"}, "advancedSecurity"),
    ],
)
async def test_patch_account_rejects_bad_values(lanekit: Lanekit, sent: dict[str, Any], field: str) -> None:
    tenant = await lanekit.tenant()
    before = await stored_account(lanekit, tenant.account.id)
    response = await lanekit.as_admin(tenant).patch("/io/account", json=sent)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{field}:"), response.json()
    assert await stored_account(lanekit, tenant.account.id) == before


async def test_patch_account_touches_only_the_callers_account(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    before = await stored_account(lanekit, other.account.id)
    assert (await lanekit.as_admin(tenant).patch("/io/account", json={"title": "Ours"})).status_code == 200
    assert await stored_account(lanekit, other.account.id) == before
