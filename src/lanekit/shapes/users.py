"""User bodies: the full user (`GET /io/user/me`, admin user endpoints) and the list item."""

from __future__ import annotations

from typing import Any

from lanekit.domain.enums import BOARD_ROLE_LABELS, BOARD_ROLES
from lanekit.domain.people.users import BoardRoleGrant, UserView
from lanekit.shapes.common import ident, instant
from lanekit.storage.records import UserRecord

# Every settings key of LeanKit's `GET /io/user/me` example, so a client of `GET /io/user/me` finds each one.
# Values a user never set are null (joeleanOptInDate, avatarBounds) or the LeanKit default
# (docs/decisions/002).
ME_SETTINGS_DEFAULTS: dict[str, Any] = {
    "recentBoards": [],
    "favoriteBoards": [],
    "useMondayForCalendarWeekViewStart": False,
    "locale": "en-US",
    "joeleanOptInDate": None,
    "avatarBounds": None,
    "theme": "legacy",
    "cardLayout": "modern",
}


def role(key: str) -> dict[str, Any]:
    return {"key": key, "value": BOARD_ROLES.index(key), "label": BOARD_ROLE_LABELS[key]}


def board_role(grant: BoardRoleGrant) -> dict[str, Any]:
    return {"boardId": ident(grant.board_id), "WIP": grant.wip, "role": role(grant.role)}


def avatar_url(base_url: str, user_id: int) -> str:
    return f"{base_url.rstrip('/')}/avatar/show/{user_id}/?s=25"


def user_identity(user: UserRecord) -> dict[str, Any]:
    """The keys every user object starts with: id, names and email (LeanKit API: the user object, and the
    board GET's users)."""
    return {
        "id": ident(user.id),
        "username": user.username,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "fullName": f"{user.first_name} {user.last_name}",
        "emailAddress": user.email,
    }


def _common(user: UserRecord, base_url: str) -> dict[str, Any]:
    return {
        **user_identity(user),
        "lastAccess": instant(user.last_access),
        "dateFormat": user.date_format,
        "administrator": user.administrator,
        "enabled": user.enabled,
        "deleted": user.deleted,
        "organizationId": ident(user.account_id),
        "boardCreator": user.board_creator,
        "timeZone": user.time_zone,
        "licenseType": user.license_type,
        "externalUserName": user.external_user_name,
        "teamManager": user.team_manager,
        "externalUser": user.external_user,
        "planviewUserId": None,
        "avatar": avatar_url(base_url, user.id),
    }


def user_detail(view: UserView, *, base_url: str, me: bool = False) -> dict[str, Any]:
    """The user object (LeanKit API: users); `me` fills the settings a client of `GET /io/user/me` reads."""
    body = _common(view.user, base_url)
    settings = dict(view.user.settings)
    if me:
        settings = {**ME_SETTINGS_DEFAULTS, **settings}
    body["settings"] = settings
    body["boardRoles"] = [board_role(grant) for grant in view.board_roles]
    return body


def user_list_item(user: UserRecord, *, base_url: str) -> dict[str, Any]:
    body = _common(user, base_url)
    body["createdOn"] = instant(user.created_on)
    body["accountOwner"] = user.account_owner
    return body
