"""Account bodies: `GET /io/account` (flat settings) and the different `PATCH /io/account` reply."""

from __future__ import annotations

from typing import Any

from lanekit.domain.people.accounts import AccountView
from lanekit.domain.reporting.tokens import DEFAULT_EXPIRATION_MINUTES, expiration_minutes
from lanekit.shapes.common import ident

# Features Lanekit has or reports as on; LeanKit's `GET /io/account` lists them as flags.
_FEATURE_FLAGS: dict[str, Any] = {
    "userLimit": 10000,
    "country": "",
    "region": "",
    "enableCumulativeFlowDiagram": True,
    "enableCycleTimeDiagram": True,
    "enableCardDistributionDiagram": True,
    "enableEfficiencyDiagram": True,
    "enableProcessControlDiagram": True,
    "enableAdvancedRoleSecurity": True,
    "enableTaskBoards": True,
    "enableDrillThroughBoards": True,
    "enableMultipleDrillThroughBoards": True,
    "enableQuickConnectionsUI": True,
    "enableCustomCardFields": True,
    "defaultRoleId": 4,
    "numberOfDaysToRetrieveAnalyticsEventsFor": 90,
    "enableSharedBoards": True,
    "allowMultiUserAssignments": True,
    "enableNodeCardCreate": True,
    "enableConnectedCardsGallery": True,
    "disableCalendarView": False,
    "allowBoardTemplatesCreate": True,
    "allowBoardTemplatesImportExport": True,
    "allowAllTemplates": True,
    "allowCardsInBoardTemplates": True,
    "allowBoardCreationFromTemplates": True,
    "expiresOn": None,
    # The default; account_settings shows the account's own value.
    "reportingApiTokenExpirationInMinutes": DEFAULT_EXPIRATION_MINUTES,
    "reportingApiResponseCacheDurationInMinutes": 1440,
    "enableReportingApiCardExport": True,
    "enableReportingApiCardLaneHistory": True,
    "enableReportingApiCurrentUserAssignments": True,
    "enableReportingApiHistoricalUserAssignments": True,
    "enableReportingApiLanes": True,
    "enableReportingApiTags": True,
    "enableReportingApiTasks": True,
    "enableReportingApiTaskLanes": True,
    "enableReportingApiCustomFields": True,
    "enableReportingApiBlockedHistory": True,
    "enableReportingApiComments": True,
    "enableReportingApiConnections": True,
    "enableExportBoardHistory": True,
    "enableReportTimelineActualDate": True,
    "enableCardHistoryHealthTab": True,
    "accountType": "leanKitForEnterprise",
    "accountStatus": "active",
}


def account_settings(view: AccountView) -> dict[str, Any]:
    """The flat `GET /io/account` object.  `defaultNewBoardRole` is the role's number here, as documented."""
    from lanekit.domain.enums import BOARD_ROLES

    return {
        "id": ident(view.account.id),
        **_FEATURE_FLAGS,
        # What POST /io/reporting/auth gives its tokens (docs/decisions/170-reporting-tokens.md).
        "reportingApiTokenExpirationInMinutes": expiration_minutes(view.account),
        "defaultNewBoardRole": BOARD_ROLES.index(view.settings["defaultNewBoardRole"]),
    }


def account_updated(view: AccountView) -> dict[str, Any]:
    return {
        "id": ident(view.account.id),
        "title": view.account.title,
        "defaultNewBoardRole": view.settings["defaultNewBoardRole"],
        "subscribeUsersToAssignedCardsByDefault": view.settings["subscribeUsersToAssignedCardsByDefault"],
        "enableOKRs": view.settings["enableOKRs"],
        "advancedSecurity": dict(view.advanced_security),
    }
