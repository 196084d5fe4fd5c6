"""Boards: creating (blank, or from a source), reading, listing, changing settings, archiving, deleting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lanekit.domain import access, clock, html
from lanekit.domain.access import BoardAccess, board_access, require, require_board_creator
from lanekit.domain.boards import copy as board_copy
from lanekit.domain.boards import defaults as board_defaults
from lanekit.domain.boards.defaults import LaneSpec
from lanekit.domain.enums import BOARD_ROLES
from lanekit.domain.errors import Invalid
from lanekit.domain.types import UNSET, Actor, given_fields
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_roles as role_queries
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import card_types as card_type_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import (
    BoardRecord,
)

MAX_TITLE = 255


@dataclass(frozen=True, slots=True)
class NewBoard:
    """`POST /io/board`.  With `template_id` or `from_board_id` the board is built from that source."""

    title: str
    description: str = ""
    is_shared: bool = False
    shared_board_role: str = "none"
    base_wip_on_card_size: bool = False
    exclude_completed_and_archive_violations: bool = False
    template_id: int | None = None
    from_board_id: int | None = None
    include_cards: bool = False
    include_existing_users: bool = False
    level: int | None = None
    custom_board_url: str | None = None


def check_title(value: str, field_name: str = "title") -> str:
    value = value.strip()
    if not value:
        raise Invalid(field_name, "must not be empty")
    if len(value) > MAX_TITLE:
        raise Invalid(field_name, f"must be at most {MAX_TITLE} characters")
    return value


def check_role_key(value: str, field_name: str) -> str:
    if value not in BOARD_ROLES:
        raise Invalid(field_name, f"{value!r} is not one of {', '.join(BOARD_ROLES)}")
    return value


def check_level(value: int | None, field_name: str = "level") -> int | None:
    if value is not None and not 1 <= value <= 4:
        raise Invalid(field_name, "must be a board level depth from 1 to 4")
    return value


def _initial_settings(new: NewBoard) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if new.level is not None:
        settings["level"] = check_level(new.level)
    if new.custom_board_url is not None:
        settings["customBoardMoniker"] = new.custom_board_url.strip() or None
    return settings


async def create_board(conn: Connection, *, actor: Actor, new: NewBoard) -> BoardRecord:
    """Create a board; its creator becomes its administrator.

    A blank board gets the default layout, card types and custom icons (board_defaults).  With a
    `template_id` or `from_board_id`, `populate_from_source` fills it instead.
    """
    require_board_creator(actor)
    title = check_title(new.title)
    shared_role = check_role_key(new.shared_board_role, "sharedBoardRole")
    if new.template_id is not None and new.from_board_id is not None:
        raise Invalid("templateId", "send either templateId or fromBoardId, not both")
    board = await board_queries.insert_board(
        conn,
        account_id=actor.account_id,
        title=title,
        description=html.check_html(new.description, "description") or "",
        created_on=clock.now(),
        created_by=actor.user_id,
        version=0,
        is_archived=False,
        is_deleted=False,
        is_welcome=False,
        is_shared=new.is_shared,
        shared_board_role=shared_role,
        base_wip_on_card_size=new.base_wip_on_card_size,
        exclude_completed_and_archive_violations=new.exclude_completed_and_archive_violations,
        allow_users_to_delete_cards=True,
        default_card_type_id=None,
        default_task_type_id=None,
        settings=_initial_settings(new),
    )
    await role_queries.insert_role(
        conn, account_id=actor.account_id, board_id=board.id, user_id=actor.user_id, role=access.ADMINISTRATOR
    )
    if new.template_id is not None or new.from_board_id is not None:
        return await populate_from_source(conn, actor=actor, board=board, new=new)
    return await populate_blank(conn, board=board)


async def populate_from_source(
    conn: Connection, *, actor: Actor, board: BoardRecord, new: NewBoard
) -> BoardRecord:
    """Fill a freshly inserted board from `new.template_id` or `new.from_board_id` (domain/board_copy.py).

    Receives the board row (title, sharing and WIP settings already stored, creator already its
    administrator) and returns it after filling layout, card types, icons, custom fields, and, when asked,
    cards and users.
    """
    return await board_copy.populate_from_source(
        conn,
        actor=actor,
        board=board,
        template_id=new.template_id,
        from_board_id=new.from_board_id,
        include_cards=new.include_cards,
        include_existing_users=new.include_existing_users,
    )


async def insert_lane_tree(
    conn: Connection, *, board: BoardRecord, specs: tuple[LaneSpec, ...], parent_id: int | None = None
) -> None:
    moment = clock.now()
    for position, spec in enumerate(specs):
        lane = await lane_queries.insert_lane(
            conn,
            account_id=board.account_id,
            board_id=board.id,
            parent_lane_id=parent_id,
            position=position,
            title=spec.title,
            description=None,
            lane_class_type=spec.class_type,
            lane_type=spec.lane_type,
            card_status=spec.card_status,
            orientation=spec.orientation,
            columns=spec.columns,
            wip_limit=0,
            is_default_drop_lane=spec.is_default_drop_lane,
            is_connection_done_lane=spec.is_connection_done_lane,
            sort_by=None,
            created_on=moment,
        )
        if spec.children:
            await insert_lane_tree(conn, board=board, specs=spec.children, parent_id=lane.id)


async def populate_blank(conn: Connection, *, board: BoardRecord) -> BoardRecord:
    """The default layout, card types and custom icons of a blank board."""
    await insert_lane_tree(conn, board=board, specs=board_defaults.LAYOUT)
    defaults: dict[str, int] = {}
    for position, type_spec in enumerate(board_defaults.CARD_TYPES):
        card_type = await card_type_queries.insert_card_type(
            conn,
            account_id=board.account_id,
            board_id=board.id,
            position=position,
            name=type_spec.name,
            color_hex=type_spec.color_hex,
            is_card_type=type_spec.is_card_type,
            is_task_type=type_spec.is_task_type,
        )
        defaults[card_type.name] = card_type.id
    for position, icon_spec in enumerate(board_defaults.CUSTOM_ICONS):
        await icon_queries.insert_custom_icon(
            conn,
            account_id=board.account_id,
            board_id=board.id,
            position=position,
            name=icon_spec.name,
            policy=icon_spec.policy,
            icon_color=icon_spec.icon_color,
            icon_name=icon_spec.icon_name,
        )
    return await board_queries.update_board(
        conn,
        account_id=board.account_id,
        board_id=board.id,
        default_card_type_id=defaults[board_defaults.DEFAULT_CARD_TYPE],
        default_task_type_id=defaults[board_defaults.DEFAULT_TASK_TYPE],
    )


async def open_board(
    conn: Connection, *, actor: Actor, board_id: int, action: str = "board.read"
) -> BoardAccess:
    """The board with the caller's role, after checking `action` is allowed."""
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, action)
    return found


@dataclass(frozen=True, slots=True)
class BoardChanges:
    """`PATCH /io/board/:boardId`; UNSET fields are left alone."""

    title: Any = UNSET
    description: Any = UNSET
    is_shared: Any = UNSET
    shared_board_role: Any = UNSET
    base_wip_on_card_size: Any = UNSET
    exclude_completed_and_archive_violations: Any = UNSET
    custom_board_url: Any = UNSET
    enable_custom_icon: Any = UNSET
    custom_icon_field_label: Any = UNSET
    allow_users_to_delete_cards: Any = UNSET
    default_card_type: Any = UNSET
    default_task_type: Any = UNSET
    allow_planview_integration: Any = UNSET
    level: Any = UNSET

    def given(self) -> dict[str, Any]:
        return given_fields(self)


# --- changing ---------------------------------------------------------------------------------------------


async def update_board(
    conn: Connection, *, actor: Actor, board_id: int, changes: BoardChanges
) -> BoardRecord:
    """`PATCH /io/board/:boardId`; needs the board administrator role (decision 030)."""
    found = await open_board(conn, actor=actor, board_id=board_id, action="board.configure")
    board = found.board
    given = changes.given()
    if not given:
        raise Invalid("body", "send at least one setting to change")
    values: dict[str, Any] = {}
    settings = dict(board.settings)
    for key, value in given.items():
        if value is None and key not in _NULLABLE:
            raise Invalid(_WIRE[key], "must not be null")
    if "title" in given:
        values["title"] = check_title(given["title"])
    if "description" in given:
        values["description"] = html.check_html(given["description"], "description") or ""
    if "shared_board_role" in given:
        values["shared_board_role"] = check_role_key(given["shared_board_role"], "sharedBoardRole")
    for key in (
        "is_shared",
        "base_wip_on_card_size",
        "exclude_completed_and_archive_violations",
        "allow_users_to_delete_cards",
    ):
        if key in given:
            values[key] = given[key]
    if "custom_board_url" in given:
        url = given["custom_board_url"]
        settings["customBoardMoniker"] = url.strip() or None if url is not None else None
    if "enable_custom_icon" in given:
        settings["classOfServiceEnabled"] = given["enable_custom_icon"]
    if "custom_icon_field_label" in given:
        settings["customIconFieldLabel"] = given["custom_icon_field_label"]
    if "allow_planview_integration" in given:
        settings["allowPlanviewIntegration"] = given["allow_planview_integration"]
    if "level" in given:
        settings["level"] = check_level(given["level"])
    if "default_card_type" in given or "default_task_type" in given:
        types = {
            t.id: t
            for t in await card_type_queries.list_for_board(
                conn, account_id=board.account_id, board_id=board.id
            )
        }
        if "default_card_type" in given:
            chosen = types.get(given["default_card_type"])
            if chosen is None or not chosen.is_card_type:
                raise Invalid(
                    "defaultCardType", f"{given['default_card_type']} is not a card type of this board"
                )
            values["default_card_type_id"] = chosen.id
        if "default_task_type" in given:
            chosen = types.get(given["default_task_type"])
            if chosen is None or not chosen.is_task_type:
                raise Invalid(
                    "defaultTaskType", f"{given['default_task_type']} is not a task type of this board"
                )
            values["default_task_type_id"] = chosen.id
    if settings != board.settings:
        values["settings"] = settings
    return await board_queries.update_board(conn, account_id=board.account_id, board_id=board.id, **values)


_NULLABLE = frozenset({"custom_board_url", "level"})
_WIRE = {
    "title": "title",
    "description": "description",
    "is_shared": "isShared",
    "shared_board_role": "sharedBoardRole",
    "base_wip_on_card_size": "baseWipOnCardSize",
    "exclude_completed_and_archive_violations": "excludeCompletedAndArchiveViolations",
    "custom_board_url": "customBoardUrl",
    "enable_custom_icon": "enableCustomIcon",
    "custom_icon_field_label": "customIconFieldLabel",
    "allow_users_to_delete_cards": "allowUsersToDeleteCards",
    "default_card_type": "defaultCardType",
    "default_task_type": "defaultTaskType",
    "allow_planview_integration": "allowPlanviewIntegration",
    "level": "level",
}


async def delete_board(conn: Connection, *, actor: Actor, board_id: int) -> None:
    """A soft delete: the board and everything on it disappear from every read."""
    found = await open_board(conn, actor=actor, board_id=board_id, action="board.delete")
    await board_queries.update_board(
        conn, account_id=actor.account_id, board_id=found.board.id, is_deleted=True
    )


async def archive_board(conn: Connection, *, actor: Actor, board_id: int) -> None:
    found = await open_board(conn, actor=actor, board_id=board_id, action="board.archive")
    if not found.board.is_archived:
        await board_queries.update_board(
            conn, account_id=actor.account_id, board_id=board_id, is_archived=True
        )


async def unarchive_board(conn: Connection, *, actor: Actor, board_id: int) -> None:
    found = await open_board(conn, actor=actor, board_id=board_id, action="board.unarchive")
    if found.board.is_archived:
        await board_queries.update_board(
            conn, account_id=actor.account_id, board_id=board_id, is_archived=False
        )
