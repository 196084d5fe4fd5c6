"""Board bodies: the full board, list items, recent boards and board users (LeanKit API:
`GET /io/board/:boardId`, `GET /io/board`, `GET /io/user/me/board/recent`, board users)."""

from __future__ import annotations

from typing import Any

from lanekit.domain import access
from lanekit.domain.boards.defaults import icon_path
from lanekit.domain.boards.members import BoardUser
from lanekit.domain.boards.reads import (
    BoardListing,
    BoardMember,
    BoardPage,
    BoardView,
    InaccessibleBoard,
    RecentBoard,
)
from lanekit.domain.boards.templates import leankit_settings
from lanekit.domain.enums import LANE_CLASS_TYPES, LANE_TYPES, PRIORITIES
from lanekit.shapes.common import ident, instant
from lanekit.shapes.lanes import board_lanes
from lanekit.shapes.users import avatar_url, role, user_identity
from lanekit.storage.records import BoardRoleRecord, CardTypeRecord, CustomFieldRecord, CustomIconRecord

# The display settings the board object carries, in the order of LeanKit's `GET /io/board/:boardId` example
# (from boards.settings, over defaults).
_SETTINGS_HEAD = ("classOfServiceEnabled", "customIconFieldLabel")
_SETTINGS_CARD = (
    "cardColorField",
    "isCardIdEnabled",
    "isHeaderEnabled",
    "isHyperlinkEnabled",
    "isPrefixEnabled",
    "prefix",
    "format",
    "isPrefixIncludedInHyperlink",
)
_LANE_CLASS_ORDER = ("active", "archive", "backlog")
_LANE_TYPE_ORDER = ("completed", "untyped", "ready", "inProcess")


def class_of_service(icon: CustomIconRecord) -> dict[str, Any]:
    return {
        "id": ident(icon.id),
        "name": icon.name,
        "iconPath": icon_path(icon.icon_color, icon.icon_name),
        "policy": icon.policy if icon.policy is not None else "",
    }


def board_card_type(card_type: CardTypeRecord) -> dict[str, Any]:
    return {
        "id": ident(card_type.id),
        "name": card_type.name,
        "colorHex": card_type.color_hex,
        "isCardType": card_type.is_card_type,
        "isTaskType": card_type.is_task_type,
    }


def board_custom_field(field: CustomFieldRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": ident(field.id),
        "index": field.position,
        "type": field.type,
        "label": field.label,
        "helpText": field.help_text,
    }
    if field.type in ("choice", "multi"):
        body["choiceConfiguration"] = field.choice_configuration or {"choices": []}
    return body


def board_member(member: BoardMember, *, board_id: int, base_url: str) -> dict[str, Any]:
    user = member.user
    return {
        **user_identity(user),
        "gravatarLink": None,
        "avatar": avatar_url(base_url, user.id),
        "lastAccess": instant(user.last_access),
        "dateFormat": user.date_format,
        "organizationId": ident(user.account_id),
        "boardId": ident(board_id),
        "wip": member.role.wip or 0,
        "roleTypeId": access.rank(member.role.role),
        "settings": {},
        "boardRoles": [],
    }


def caller_roles(found: access.BoardAccess) -> tuple[str, str]:
    """(boardRole, effectiveBoardRole): the explicit role, else the effective one (decision 030)."""
    return (found.explicit_role or found.effective_role), found.effective_role


def board_detail(view: BoardView, *, base_url: str) -> dict[str, Any]:
    """The full board object of `GET /io/board/:boardId`, field for field as LeanKit's example."""
    board = view.board
    settings = leankit_settings(
        board.settings,
        base_wip=board.base_wip_on_card_size,
        exclude=board.exclude_completed_and_archive_violations,
        allow_delete=board.allow_users_to_delete_cards,
    )
    board_role, effective = caller_roles(view.access)
    body: dict[str, Any] = {
        "id": ident(board.id),
        "title": board.title,
        "description": board.description,
        "creationDate": instant(board.created_on),
    }
    body.update({key: settings[key] for key in _SETTINGS_HEAD})
    body["organizationId"] = ident(board.account_id)
    body["version"] = str(board.version)
    body.update({key: settings[key] for key in _SETTINGS_CARD})
    body.update(
        {
            "baseWipOnCardSize": settings["baseWipOnCardSize"],
            "excludeCompletedAndArchiveViolations": settings["excludeCompletedAndArchiveViolations"],
            "isDuplicateCardIdAllowed": settings["isDuplicateCardIdAllowed"],
            "isAutoIncrementCardIdEnabled": settings["isAutoIncrementCardIdEnabled"],
            "currentExternalCardId": str(settings["currentExternalCardId"]),
            "isWelcome": board.is_welcome,
            "isShared": board.is_shared,
            "isArchived": board.is_archived,
            "sharedBoardRole": str(access.rank(board.shared_board_role)),
            "customBoardMoniker": settings["customBoardMoniker"],
            "isPermalinkEnabled": settings["isPermalinkEnabled"],
            "isExternalUrlEnabled": settings["isExternalUrlEnabled"],
            "allowUsersToDeleteCards": settings["allowUsersToDeleteCards"],
            "allowPlanviewIntegration": settings["allowPlanviewIntegration"],
            "subscriptionId": None,
            "boardRole": board_role,
            "effectiveBoardRole": effective,
            "users": [board_member(m, board_id=board.id, base_url=base_url) for m in view.members],
            "classesOfService": [class_of_service(icon) for icon in view.custom_icons],
            "tags": list(view.tags),
            "customFields": [board_custom_field(f) for f in view.custom_fields],
            "cardTypes": [board_card_type(t) for t in view.card_types],
            "laneClassTypes": [{"id": LANE_CLASS_TYPES[name], "name": name} for name in _LANE_CLASS_ORDER],
            "lanes": board_lanes(view.lanes, view.counts),
            "laneTypes": [{"id": LANE_TYPES[name], "name": name} for name in _LANE_TYPE_ORDER],
            "userSettings": {},
            "priorities": [
                {"id": PRIORITIES[name], "name": name}
                for name in sorted(PRIORITIES, key=PRIORITIES.__getitem__, reverse=True)
            ],
            "planningSeries": [],
            "layoutChecksum": view.layout_checksum,
            "defaultCardTypeId": ident(board.default_card_type_id),
            "defaultTaskTypeId": ident(board.default_task_type_id),
        }
    )
    return body


LIST_FIELDS = ("id", "title", "description", "boardRoleId", "isWelcome", "boardRole")


def board_list_item(item: BoardListing) -> dict[str, Any]:
    board = item.board
    return {
        "id": ident(board.id),
        "title": board.title,
        "description": board.description or None,
        "boardRoleId": access.rank(item.role),
        "isWelcome": board.is_welcome,
        "boardRole": item.role,
    }


def inaccessible_board(item: InaccessibleBoard) -> dict[str, Any]:
    return {
        "id": ident(item.id),
        "isDeleted": item.is_deleted,
        "isArchived": item.is_archived,
        "hasAccess": item.has_access,
    }


def board_list(page: BoardPage, *, page_meta: dict[str, int], only: list[str] | None) -> dict[str, Any]:
    items = [board_list_item(item) for item in page.boards]
    if only:
        items = [{key: value for key, value in item.items() if key in only} for item in items]
    body: dict[str, Any] = {"pageMeta": page_meta, "boards": items}
    if page.inaccessible is not None:
        body["inaccessibleBoards"] = [inaccessible_board(item) for item in page.inaccessible]
    return body


def recent_board(item: RecentBoard) -> dict[str, Any]:
    board = item.board
    return {
        "id": ident(board.id),
        "title": board.title,
        "description": board.description or None,
        "isWelcome": board.is_welcome,
        "isArchived": board.is_archived,
        "isFavorite": item.is_favorite,
        "boardRole": item.role,
    }


def board_user(member: BoardUser) -> dict[str, Any]:
    """An item of `GET /io/board/:boardId/user`; `id` is the role row's (null for an inherited role)."""
    user = member.user
    return {
        "userId": ident(user.id),
        "firstName": user.first_name,
        "lastName": user.last_name,
        "emailAddress": user.email,
        "boardId": ident(member.board_id),
        "administrator": user.administrator,
        "WIP": (member.role_row.wip if member.role_row else None) or 0,
        "id": ident(member.role_row.id) if member.role_row else None,
        "licenseType": user.license_type,
        "role": role(member.role),
    }


def board_role_row(row: BoardRoleRecord) -> dict[str, Any]:
    return {
        "userId": ident(row.user_id),
        "WIP": row.wip,
        "roleTypeId": access.rank(row.role),
        "id": ident(row.id),
        "boardId": ident(row.board_id),
    }
