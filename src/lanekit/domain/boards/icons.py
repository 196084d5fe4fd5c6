"""Custom icons, shown as "Class of Service" (LeanKit API: custom icons): list, read, create, change, delete.

`iconColor` is accepted as `#212121` or `212121` and stored as six lower-case hex digits without `#`.
`iconName` names the picture (`blank_icon`, `lk_icons_final_01-03`); `iconPath` is derived from both.
Deleting an icon that cards still use clears it from those cards first, each getting a new version and a
`cardChanged` event (decision 050).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, board_access, require
from lanekit.domain.boards.card_types import check_name
from lanekit.domain.changes import save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import UNSET, Actor, given_fields
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.records import CustomIconRecord

MAX_POLICY = 20_000
DEFAULT_ICON_COLOR = "212121"
DEFAULT_ICON_NAME = "blank_icon"
_ICON_COLOR = re.compile(r"^#?([0-9A-Fa-f]{6})$")
# It becomes part of a path, so only plain file-name characters.
_ICON_NAME = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


@dataclass(frozen=True, slots=True)
class NewCustomIcon:
    name: str
    icon_color: str | None = DEFAULT_ICON_COLOR
    policy: str | None = None
    icon_name: str | None = DEFAULT_ICON_NAME


@dataclass(frozen=True, slots=True)
class CustomIconChanges:
    """A partial update; UNSET fields are left alone.  Null colour or picture goes back to the default."""

    name: Any = UNSET
    icon_color: Any = UNSET
    policy: Any = UNSET
    icon_name: Any = UNSET

    def given(self) -> dict[str, Any]:
        return given_fields(self)


def check_icon_color(value: Any, field_name: str = "iconColor") -> str:
    if value is None:
        return DEFAULT_ICON_COLOR
    match = _ICON_COLOR.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise Invalid(field_name, f"must be a colour as #RRGGBB or RRGGBB, got {value!r}")
    return match.group(1).lower()


def check_icon_name(value: Any, field_name: str = "iconName") -> str:
    if value is None:
        return DEFAULT_ICON_NAME
    if not isinstance(value, str):
        raise Invalid(field_name, "must be a string")
    name = value.strip().removesuffix(".png")
    if not _ICON_NAME.match(name):
        raise Invalid(field_name, "must be an icon name of letters, digits, '_' or '-'")
    return name


def check_policy(value: Any, field_name: str = "policy") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field_name, "must be a string or null")
    if len(value) > MAX_POLICY:
        raise Invalid(field_name, f"must be at most {MAX_POLICY} characters")
    return value


async def _open(conn: Connection, *, actor: Actor, board_id: int, action: str) -> BoardAccess:
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, action)
    return found


async def _fetch(conn: Connection, *, actor: Actor, board_id: int, icon_id: int) -> CustomIconRecord:
    record = await icon_queries.fetch(conn, account_id=actor.account_id, board_id=board_id, icon_id=icon_id)
    if record is None:
        raise NotFound("custom icon", icon_id)
    return record


async def list_custom_icons(conn: Connection, *, actor: Actor, board_id: int) -> list[CustomIconRecord]:
    await _open(conn, actor=actor, board_id=board_id, action="customIcon.read")
    return await icon_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)


async def get_custom_icon(conn: Connection, *, actor: Actor, board_id: int, icon_id: int) -> CustomIconRecord:
    await _open(conn, actor=actor, board_id=board_id, action="customIcon.read")
    return await _fetch(conn, actor=actor, board_id=board_id, icon_id=icon_id)


async def create_custom_icon(
    conn: Connection, *, actor: Actor, board_id: int, new: NewCustomIcon
) -> CustomIconRecord:
    await _open(conn, actor=actor, board_id=board_id, action="customIcon.manage")
    record = await icon_queries.insert_custom_icon(
        conn,
        account_id=actor.account_id,
        board_id=board_id,
        position=await icon_queries.next_position(conn, board_id=board_id),
        name=check_name(new.name),
        policy=check_policy(new.policy),
        icon_color=check_icon_color(new.icon_color),
        icon_name=check_icon_name(new.icon_name),
    )
    await board_queries.bump_version(conn, board_id=board_id)
    return record


async def update_custom_icon(
    conn: Connection, *, actor: Actor, board_id: int, icon_id: int, changes: CustomIconChanges
) -> CustomIconRecord:
    await _open(conn, actor=actor, board_id=board_id, action="customIcon.manage")
    current = await _fetch(conn, actor=actor, board_id=board_id, icon_id=icon_id)
    given = changes.given()
    values: dict[str, Any] = {}
    if "name" in given:
        if given["name"] is None:
            raise Invalid("name", "must not be null")
        values["name"] = check_name(given["name"])
    if "icon_color" in given:
        values["icon_color"] = check_icon_color(given["icon_color"])
    if "icon_name" in given:
        values["icon_name"] = check_icon_name(given["icon_name"])
    if "policy" in given:
        values["policy"] = check_policy(given["policy"])
    if not values:
        return current
    record = await icon_queries.update_custom_icon(
        conn, account_id=actor.account_id, board_id=board_id, icon_id=icon_id, **values
    )
    await board_queries.bump_version(conn, board_id=board_id)
    return record


async def delete_custom_icon(conn: Connection, *, actor: Actor, board_id: int, icon_id: int) -> None:
    await _open(conn, actor=actor, board_id=board_id, action="customIcon.manage")
    current = await _fetch(conn, actor=actor, board_id=board_id, icon_id=icon_id)
    now = clock.now()
    cleared = await icon_queries.clear_from_cards(
        conn, board_id=board_id, icon_id=current.id, moment=now, user_id=actor.user_id
    )
    await icon_queries.delete_custom_icon(conn, board_id=board_id, icon_id=current.id)
    version = await board_queries.bump_version(conn, board_id=board_id)
    change = [events.FieldChange("customIconId", str(current.id), None)]
    await save_events(
        conn,
        actor=actor,
        now=now,
        versions={board_id: version},
        events=[events.card_changed(card, change) for card in cleared if card.deleted_on is None],
    )
