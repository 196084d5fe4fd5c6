"""Card types of a board (LeanKit API: card types): list, read, create, change, delete.

Invariants every change keeps (decision 050):

- a board has at least one card type (`isCardType`) and at least one task type (`isTaskType`);
- `defaultCardTypeId` names a card type and `defaultTaskTypeId` a task type of the board, so the board
  defaults can neither be deleted nor lose that flag (change the default first, `PATCH /io/board/:id`);
- deleting a type that cards still use moves those cards to the board's default card type (or default task
  type when the deleted type was only a task type), so no card points at nothing; each moved card gets a
  new version and a `cardChanged` event (`typeId`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, board_access, require
from lanekit.domain.changes import save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import UNSET, Actor, given_fields
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.records import BoardRecord, CardTypeRecord

MAX_NAME = 255
_COLOR_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True, slots=True)
class CardTypeView:
    """A card type with the board defaults that decide `isDefault` / `isDefaultTaskType`."""

    card_type: CardTypeRecord
    is_default: bool
    is_default_task_type: bool


@dataclass(frozen=True, slots=True)
class NewCardType:
    name: str
    color_hex: str
    is_card_type: bool = False
    is_task_type: bool = False


@dataclass(frozen=True, slots=True)
class CardTypeChanges:
    """A partial update; UNSET fields are left alone."""

    name: Any = UNSET
    color_hex: Any = UNSET
    is_card_type: Any = UNSET
    is_task_type: Any = UNSET

    def given(self) -> dict[str, Any]:
        return given_fields(self)


_WIRE = {"name": "name", "color_hex": "colorHex", "is_card_type": "isCardType", "is_task_type": "isTaskType"}


def check_name(value: Any, field_name: str = "name") -> str:
    if not isinstance(value, str):
        raise Invalid(field_name, "must be a string")
    text = value.strip()
    if not text:
        raise Invalid(field_name, "must not be empty")
    if len(text) > MAX_NAME:
        raise Invalid(field_name, f"must be at most {MAX_NAME} characters")
    return text


def check_color_hex(value: Any, field_name: str = "colorHex") -> str:
    """`#RRGGBB`, stored and returned upper-case as LeanKit shows it."""
    if not isinstance(value, str) or not _COLOR_HEX.match(value.strip()):
        raise Invalid(field_name, f"must be a colour as #RRGGBB, got {value!r}")
    return value.strip().upper()


def view(record: CardTypeRecord, board: BoardRecord) -> CardTypeView:
    return CardTypeView(
        card_type=record,
        is_default=record.id == board.default_card_type_id,
        is_default_task_type=record.id == board.default_task_type_id,
    )


def check_remaining(types: list[CardTypeRecord], *, field_name: str) -> None:
    """Refuse a change that would leave the board without a card type or without a task type."""
    if not any(t.is_card_type for t in types):
        raise Invalid(field_name, "a board must keep at least one card type")
    if not any(t.is_task_type for t in types):
        raise Invalid(field_name, "a board must keep at least one task type")


async def _open(conn: Connection, *, actor: Actor, board_id: int, action: str) -> BoardAccess:
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, action)
    return found


async def _fetch(conn: Connection, *, found: BoardAccess, card_type_id: int) -> CardTypeRecord:
    record = await type_queries.fetch(
        conn, account_id=found.board.account_id, board_id=found.board.id, card_type_id=card_type_id
    )
    if record is None:
        raise NotFound("card type", card_type_id)
    return record


async def list_card_types(conn: Connection, *, actor: Actor, board_id: int) -> list[CardTypeView]:
    found = await _open(conn, actor=actor, board_id=board_id, action="cardType.read")
    records = await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
    return [view(r, found.board) for r in records]


async def get_card_type(conn: Connection, *, actor: Actor, board_id: int, card_type_id: int) -> CardTypeView:
    found = await _open(conn, actor=actor, board_id=board_id, action="cardType.read")
    return view(await _fetch(conn, found=found, card_type_id=card_type_id), found.board)


async def create_card_type(
    conn: Connection, *, actor: Actor, board_id: int, new: NewCardType
) -> CardTypeView:
    found = await _open(conn, actor=actor, board_id=board_id, action="cardType.manage")
    record = await type_queries.insert_card_type(
        conn,
        account_id=actor.account_id,
        board_id=board_id,
        position=await type_queries.next_position(conn, board_id=board_id),
        name=check_name(new.name),
        color_hex=check_color_hex(new.color_hex),
        is_card_type=new.is_card_type,
        is_task_type=new.is_task_type,
    )
    await board_queries.bump_version(conn, board_id=board_id)
    return view(record, found.board)


async def update_card_type(
    conn: Connection, *, actor: Actor, board_id: int, card_type_id: int, changes: CardTypeChanges
) -> CardTypeView:
    found = await _open(conn, actor=actor, board_id=board_id, action="cardType.manage")
    current = await _fetch(conn, found=found, card_type_id=card_type_id)
    given = changes.given()
    for key, value in given.items():
        if value is None:
            raise Invalid(_WIRE[key], "must not be null")
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = check_name(given["name"])
    if "color_hex" in given:
        values["color_hex"] = check_color_hex(given["color_hex"])
    for flag in ("is_card_type", "is_task_type"):
        if flag in given:
            values[flag] = bool(given[flag])
    if values.get("is_card_type") is False and current.id == found.board.default_card_type_id:
        raise Invalid("isCardType", "this is the board's default card type; choose another default first")
    if values.get("is_task_type") is False and current.id == found.board.default_task_type_id:
        raise Invalid("isTaskType", "this is the board's default task type; choose another default first")
    if "is_card_type" in values or "is_task_type" in values:
        types = await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
        after = [replace(t, **values) if t.id == current.id else t for t in types]
        check_remaining(
            after, field_name="isCardType" if values.get("is_card_type") is False else "isTaskType"
        )
    if not values:
        return view(current, found.board)
    record = await type_queries.update_card_type(
        conn, account_id=actor.account_id, board_id=board_id, card_type_id=card_type_id, **values
    )
    await board_queries.bump_version(conn, board_id=board_id)
    return view(record, found.board)


async def delete_card_type(conn: Connection, *, actor: Actor, board_id: int, card_type_id: int) -> None:
    found = await _open(conn, actor=actor, board_id=board_id, action="cardType.manage")
    current = await _fetch(conn, found=found, card_type_id=card_type_id)
    board = found.board
    if current.id == board.default_card_type_id:
        raise Invalid("cardTypeId", "this is the board's default card type; choose another default first")
    if current.id == board.default_task_type_id:
        raise Invalid("cardTypeId", "this is the board's default task type; choose another default first")
    types = await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
    check_remaining([t for t in types if t.id != current.id], field_name="cardTypeId")
    # A type that is only a task type hands its cards to the default task type; any other to the default
    # card type.  Both defaults exist on every board (the create path sets them and they cannot be deleted).
    heir = board.default_task_type_id if current.is_task_type and not current.is_card_type else None
    heir = heir or board.default_card_type_id
    if heir is None:
        raise Invalid("cardTypeId", "the board has no default card type to move this type's cards to")
    now = clock.now()
    moved = await type_queries.reassign_cards(
        conn, board_id=board_id, from_type_id=current.id, to_type_id=heir, moment=now, user_id=actor.user_id
    )
    await type_queries.delete_card_type(conn, board_id=board_id, card_type_id=current.id)
    version = await board_queries.bump_version(conn, board_id=board_id)
    change = [events.FieldChange("typeId", str(current.id), str(heir))]
    await save_events(
        conn,
        actor=actor,
        now=now,
        versions={board_id: version},
        events=[events.card_changed(card, change) for card in moved if card.deleted_on is None],
    )
