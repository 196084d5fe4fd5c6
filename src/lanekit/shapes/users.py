"""User bodies: the full user (`GET /io/user/me`, admin user endpoints) and the list item."""

from __future__ import annotations

import hashlib
from html import escape
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
    """The `avatar` of user bodies: LeanKit's `GET /io/user/:userId/avatar?s=25`, served by http/users.py."""
    return f"{base_url.rstrip('/')}/io/user/{user_id}/avatar?s=25"


AVATAR_SIZE = 25
AVATAR_SIZES = range(16, 257)
# Background colours dark enough for white initials; a user keeps the same one (chosen from the id).
AVATAR_COLORS = (
    "#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F", "#17BECF",
    "#AD494A", "#637939", "#3182BD", "#E6550D", "#31A354", "#756BB1", "#636363", "#843C39",
)  # fmt: skip


def avatar_size(value: str | None) -> int:
    """The `s` query parameter as a pixel size: clamped to 16..256; missing or not a number is 25."""
    try:
        size = int(value) if value is not None else AVATAR_SIZE
    except ValueError:
        return AVATAR_SIZE
    return min(max(size, AVATAR_SIZES.start), AVATAR_SIZES.stop - 1)


def initials(user: UserRecord) -> str:
    """Up to two letters: the first of the first and last names, else of the email address."""
    letters = [name.strip()[0] for name in (user.first_name, user.last_name) if name and name.strip()]
    if not letters and user.email:
        letters = [user.email[0]]
    return "".join(letters).upper()[:2] or "?"


def avatar_svg(user: UserRecord, *, size: int) -> str:
    """A square SVG of the user's initials on a colour derived from the id: the same image on every call.

    The initials are XML-escaped (names are user input), and the image has no script, link or external
    reference, so it is safe to serve from the API's own origin.
    """
    color = AVATAR_COLORS[hashlib.sha256(str(user.id).encode()).digest()[0] % len(AVATAR_COLORS)]
    text = escape(initials(user), quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" fill="{color}"/>'
        '<text x="50" y="50" dy=".35em" text-anchor="middle" fill="#FFFFFF" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="42">{text}</text></svg>'
    )


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
