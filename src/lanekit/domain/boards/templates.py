"""Board templates (LeanKit API: board templates): the structure format, the built-in Default Template, and
the account's templates.

A template's structure is one JSON document (decision 052), stored in `templates.structure` and shaped for
`GET /io/template/:id` by `shapes/templates.py`, which keeps only the documented keys:

    {"settings":    {<board display settings under their LeanKit names>, "boardLevelId", ...extras},
     "cardTypes":   [{id, name, colorHex, isDefault, isCardType, isTaskType, isDefaultTaskType}],
     "customIcons": [{id, title, policy, iconPath, customIconName, customIconColor}],
     "lanes":       [{id, index, description, name, title, cardLimit, isDefaultDropLane, isConnectionDoneLane,
                      cards: [card...], parentLaneId (absent on top-level lanes), columns, orientation,
                      laneClassType, laneType, cardStatus, sortBy}],
     "customFields": [{id, index, type, label, helpText, choiceConfiguration?}]}

Every id inside a structure is a negative digit string local to it (`"-1"`, `"-2"`…); cards refer to their
type, icon and fields by those ids.  Lanes are listed parents first.  A card is
`{id, title, description, typeId, customIconId, priority, size, tags, customId, externalLinks, plannedStart,
plannedFinish, isBlocked, blockedReason, customFields: [{fieldId, value}], rank}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from lanekit.domain import clock
from lanekit.domain.access import board_access, require
from lanekit.domain.boards import defaults as board_defaults
from lanekit.domain.boards.defaults import LaneSpec
from lanekit.domain.errors import Forbidden, Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_copy as copy_queries
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.queries import templates as template_queries
from lanekit.storage.records import (
    BoardRecord,
    CardRecord,
    CardTypeRecord,
    CustomFieldRecord,
    CustomIconRecord,
    LaneRecord,
)

DEFAULT_TEMPLATE_ID = 108
DEFAULT_TEMPLATE_NAME = "Default Template"
DEFAULT_TEMPLATE_DESCRIPTION = "A basic process flow of not started, started, finished."
MAX_NAME = 255
MAX_DESCRIPTION = 20_000

# Board settings a template carries, under their LeanKit names; the first group is what GET shows.
SHOWN_SETTINGS = (
    "classOfServiceEnabled",
    "customIconFieldLabel",
    "cardColorField",
    "baseWipOnCardSize",
    "format",
    "isCardIdEnabled",
    "isDuplicateCardIdAllowed",
    "isHeaderEnabled",
    "isHyperlinkEnabled",
    "isPrefixEnabled",
    "isPrefixIncludedInHyperlink",
    "prefix",
    "boardLevelId",
)
EXTRA_SETTINGS = (
    "excludeCompletedAndArchiveViolations",
    "allowUsersToDeleteCards",
    "isAutoIncrementCardIdEnabled",
    "isPermalinkEnabled",
    "isExternalUrlEnabled",
    "allowPlanviewIntegration",
    "level",
)
# The keys of `boards.settings` a structure sets on a new board (the rest are board columns or per board).
STORED_SETTINGS = (
    "classOfServiceEnabled",
    "customIconFieldLabel",
    "cardColorField",
    "format",
    "isCardIdEnabled",
    "isDuplicateCardIdAllowed",
    "isHeaderEnabled",
    "isHyperlinkEnabled",
    "isPrefixEnabled",
    "isPrefixIncludedInHyperlink",
    "prefix",
    "isAutoIncrementCardIdEnabled",
    "isPermalinkEnabled",
    "isExternalUrlEnabled",
    "allowPlanviewIntegration",
)


@dataclass(frozen=True, slots=True)
class TemplateView:
    """A template as `GET /io/template/:id` shows it."""

    id: int
    name: str
    description: str
    structure: dict[str, Any]
    is_builtin: bool


def _ids() -> Iterator[str]:
    n = 0
    while True:
        n -= 1
        yield str(n)


def leankit_settings(
    stored: dict[str, Any], *, base_wip: bool, exclude: bool, allow_delete: bool
) -> dict[str, Any]:
    """A board's settings under their LeanKit names, as the board object (`GET /io/board/:boardId`,
    `shapes/boards.py`) and a template structure show them: `boards.settings` over the defaults, plus the
    three settings that are board columns."""
    return {
        **board_defaults.board_settings(stored),
        "baseWipOnCardSize": base_wip,
        "excludeCompletedAndArchiveViolations": exclude,
        "allowUsersToDeleteCards": allow_delete,
    }


def _settings(
    board_settings: dict[str, Any], *, base_wip: bool, exclude: bool, allow_delete: bool
) -> dict[str, Any]:
    merged = leankit_settings(board_settings, base_wip=base_wip, exclude=exclude, allow_delete=allow_delete)
    settings = {key: merged.get(key) for key in STORED_SETTINGS}
    settings["baseWipOnCardSize"] = merged["baseWipOnCardSize"]
    settings["boardLevelId"] = None
    for key in ("excludeCompletedAndArchiveViolations", "allowUsersToDeleteCards", "level"):
        settings[key] = merged.get(key)
    return settings


class CardTypeFields(Protocol):
    """What a card type's JSON is made of: a stored `CardTypeRecord` or a built-in `CardTypeSpec`."""

    @property
    def name(self) -> str: ...
    @property
    def color_hex(self) -> str: ...
    @property
    def is_card_type(self) -> bool: ...
    @property
    def is_task_type(self) -> bool: ...


def card_type_json(
    type_id: str | None, card_type: CardTypeFields, *, is_default: bool, is_default_task_type: bool
) -> dict[str, Any]:
    """The one JSON of a card type: in a template structure (a template-local id) and in the bodies of
    `/io/board/:boardId/cardType` (`shapes/card_types.py`, the stored id), key for key the same."""
    return {
        "id": type_id,
        "name": card_type.name,
        "colorHex": card_type.color_hex,
        "isDefault": is_default,
        "isCardType": card_type.is_card_type,
        "isTaskType": card_type.is_task_type,
        "isDefaultTaskType": is_default_task_type,
    }


def _card_type(tid: str, record: CardTypeRecord, board: BoardRecord) -> dict[str, Any]:
    return card_type_json(
        tid,
        record,
        is_default=record.id == board.default_card_type_id,
        is_default_task_type=record.id == board.default_task_type_id,
    )


def _icon(tid: str, name: str, policy: str | None, color: str, icon_name: str) -> dict[str, Any]:
    return {
        "id": tid,
        "title": name,
        "policy": policy,
        "iconPath": board_defaults.icon_path(color, icon_name),
        "customIconName": icon_name,
        "customIconColor": color,
    }


def _field(tid: str, record: CustomFieldRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": tid,
        "index": record.position,
        "type": record.type,
        "label": record.label,
        "helpText": record.help_text or "",
    }
    if record.choice_configuration is not None:
        body["choiceConfiguration"] = {"choices": list(record.choice_configuration.get("choices", []))}
    return body


def _lane(
    tid: str,
    parent: str | None,
    index: int,
    *,
    title: str,
    description: str | None,
    wip_limit: int,
    is_default_drop_lane: bool,
    is_connection_done_lane: bool,
    columns: int,
    orientation: str,
    lane_class_type: str,
    lane_type: str,
    card_status: str,
    sort_by: str | None,
) -> dict[str, Any]:
    lane: dict[str, Any] = {
        "id": tid,
        "index": index,
        "description": description,
        "name": title,
        "title": title,
        "cardLimit": wip_limit,
        "isDefaultDropLane": is_default_drop_lane,
        "isConnectionDoneLane": is_connection_done_lane,
        "cards": [],
    }
    if parent is not None:
        lane["parentLaneId"] = parent
    lane.update(
        columns=columns,
        orientation=orientation,
        laneClassType=lane_class_type,
        laneType=lane_type,
        cardStatus=card_status,
        sortBy=sort_by,
    )
    return lane


def _lane_of(record: LaneRecord, tid: str, parent: str | None) -> dict[str, Any]:
    return _lane(
        tid,
        parent,
        record.position,
        title=record.title,
        description=record.description,
        wip_limit=record.wip_limit,
        is_default_drop_lane=record.is_default_drop_lane,
        is_connection_done_lane=record.is_connection_done_lane,
        columns=record.columns,
        orientation=record.orientation,
        lane_class_type=record.lane_class_type,
        lane_type=record.lane_type,
        card_status=record.card_status,
        sort_by=record.sort_by,
    )


def _card(
    tid: str,
    card: CardRecord,
    *,
    types: dict[int, str],
    icons: dict[int, str],
    fields: dict[int, str],
    values: dict[int, Any],
) -> dict[str, Any]:
    return {
        "id": tid,
        "title": card.title,
        "description": card.description,
        "typeId": types.get(card.type_id),
        "customIconId": icons.get(card.custom_icon_id) if card.custom_icon_id is not None else None,
        "priority": card.priority,
        "size": card.size,
        "tags": list(card.tags),
        "customId": card.custom_id,
        "externalLinks": list(card.external_links),
        "plannedStart": clock.iso_date(card.planned_start),
        "plannedFinish": clock.iso_date(card.planned_finish),
        "isBlocked": card.is_blocked,
        "blockedReason": card.blocked_reason,
        "customFields": [
            {"fieldId": fields[field_id], "value": value}
            for field_id, value in values.items()
            if field_id in fields
        ],
        "rank": card.rank,
    }


def _lanes_parents_first(lanes: list[LaneRecord]) -> list[LaneRecord]:
    children: dict[int | None, list[LaneRecord]] = {}
    for lane in lanes:
        children.setdefault(lane.parent_lane_id, []).append(lane)
    ordered: list[LaneRecord] = []

    def walk(parent: int | None) -> None:
        for lane in sorted(children.get(parent, []), key=lambda x: (x.position, x.id)):
            ordered.append(lane)
            walk(lane.id)

    walk(None)
    return ordered


def build_structure(
    *,
    board: BoardRecord,
    lanes: list[LaneRecord],
    card_types: list[CardTypeRecord],
    icons: list[CustomIconRecord],
    fields: list[CustomFieldRecord],
    cards: list[CardRecord] | None = None,
    field_values: dict[int, dict[int, Any]] | None = None,
) -> dict[str, Any]:
    """The structure of a board (with its live cards when `cards` is given), every id made template-local."""
    ids = _ids()
    type_ids = {t.id: next(ids) for t in card_types}
    icon_ids = {i.id: next(ids) for i in icons}
    field_ids = {f.id: next(ids) for f in fields}
    ordered = _lanes_parents_first(lanes)
    lane_ids = {lane.id: next(ids) for lane in ordered}
    lane_items: list[dict[str, Any]] = []
    by_lane: dict[int, dict[str, Any]] = {}
    for lane in ordered:
        parent = lane_ids[lane.parent_lane_id] if lane.parent_lane_id is not None else None
        item = _lane_of(lane, lane_ids[lane.id], parent)
        lane_items.append(item)
        by_lane[lane.id] = item
    for card in cards or []:
        if card.lane_id in by_lane:
            by_lane[card.lane_id]["cards"].append(
                _card(
                    next(ids),
                    card,
                    types=type_ids,
                    icons=icon_ids,
                    fields=field_ids,
                    values=(field_values or {}).get(card.id, {}),
                )
            )
    return {
        "settings": _settings(
            board.settings,
            base_wip=board.base_wip_on_card_size,
            exclude=board.exclude_completed_and_archive_violations,
            allow_delete=board.allow_users_to_delete_cards,
        ),
        "cardTypes": [_card_type(type_ids[t.id], t, board) for t in card_types],
        "customIcons": [_icon(icon_ids[i.id], i.name, i.policy, i.icon_color, i.icon_name) for i in icons],
        "lanes": lane_items,
        "customFields": [_field(field_ids[f.id], f) for f in fields],
    }


def default_structure() -> dict[str, Any]:
    """Built-in template 108: the blank board of board_defaults."""
    ids = _ids()
    lanes: list[dict[str, Any]] = []

    def add_lanes(specs: tuple[LaneSpec, ...], parent: str | None) -> None:
        for index, spec in enumerate(specs):
            tid = next(ids)
            lanes.append(
                _lane(
                    tid,
                    parent,
                    index,
                    description=None,
                    title=spec.title,
                    wip_limit=0,
                    is_default_drop_lane=spec.is_default_drop_lane,
                    is_connection_done_lane=spec.is_connection_done_lane,
                    columns=spec.columns,
                    orientation=spec.orientation,
                    lane_class_type=spec.class_type,
                    lane_type=spec.lane_type,
                    card_status=spec.card_status,
                    sort_by=None,
                )
            )
            add_lanes(spec.children, tid)

    card_types = [
        card_type_json(
            next(ids),
            spec,
            is_default=spec.name == board_defaults.DEFAULT_CARD_TYPE,
            is_default_task_type=spec.name == board_defaults.DEFAULT_TASK_TYPE,
        )
        for spec in board_defaults.CARD_TYPES
    ]
    icons = [
        _icon(next(ids), spec.name, spec.policy, spec.icon_color, spec.icon_name)
        for spec in board_defaults.CUSTOM_ICONS
    ]
    add_lanes(board_defaults.LAYOUT, None)
    return {
        "settings": _settings({}, base_wip=False, exclude=False, allow_delete=True),
        "cardTypes": card_types,
        "customIcons": icons,
        "lanes": lanes,
        "customFields": [],
    }


# --- Use cases -------------------------------------------------------------------------------------------


def _default_view() -> TemplateView:
    return TemplateView(
        id=DEFAULT_TEMPLATE_ID,
        name=DEFAULT_TEMPLATE_NAME,
        description=DEFAULT_TEMPLATE_DESCRIPTION,
        structure=default_structure(),
        is_builtin=True,
    )


async def list_templates(conn: Connection, *, actor: Actor) -> tuple[list[TemplateView], list[TemplateView]]:
    """(the account's templates, the built-in ones); list views carry no structure."""
    records = await template_queries.list_for_account(conn, account_id=actor.account_id)
    own = [TemplateView(r.id, r.name, r.description or "", {}, False) for r in records]
    builtin = _default_view()
    return own, [TemplateView(builtin.id, builtin.name, builtin.description, {}, True)]


async def get_template(conn: Connection, *, actor: Actor, template_id: int) -> TemplateView:
    if template_id == DEFAULT_TEMPLATE_ID:
        return _default_view()
    record = await template_queries.fetch(conn, account_id=actor.account_id, template_id=template_id)
    if record is None:
        raise NotFound("template", template_id)
    return TemplateView(record.id, record.name, record.description or "", record.structure, False)


async def snapshot_board(conn: Connection, *, board: BoardRecord, include_cards: bool) -> dict[str, Any]:
    """Read a board's structure (and live cards) into the template format."""
    account_id, board_id = board.account_id, board.id
    cards: list[CardRecord] | None = None
    values: dict[int, dict[int, Any]] = {}
    if include_cards:
        cards = await copy_queries.list_live_cards(conn, account_id=account_id, board_id=board_id)
        values = await copy_queries.list_field_values(conn, card_ids=[c.id for c in cards])
    return build_structure(
        board=board,
        lanes=await lane_queries.list_for_board(conn, account_id=account_id, board_id=board_id),
        card_types=await type_queries.list_for_board(conn, account_id=account_id, board_id=board_id),
        icons=await icon_queries.list_for_board(conn, account_id=account_id, board_id=board_id),
        fields=await field_queries.list_for_board(conn, account_id=account_id, board_id=board_id),
        cards=cards,
        field_values=values,
    )


def check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise Invalid("templateName", "must not be empty")
    if len(name) > MAX_NAME:
        raise Invalid("templateName", f"must be at most {MAX_NAME} characters")
    return name


async def create_template(
    conn: Connection,
    *,
    actor: Actor,
    board_id: int,
    name: str,
    description: str | None,
    include_cards: bool,
) -> int:
    """Store the structure of a board the caller administers as a template of the account; returns its id."""
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, "template.create")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise Invalid("templateDescription", f"must be at most {MAX_DESCRIPTION} characters")
    record = await template_queries.insert_template(
        conn,
        account_id=actor.account_id,
        name=check_name(name),
        description=description,
        structure=await snapshot_board(conn, board=found.board, include_cards=include_cards),
        created_on=clock.now(),
        created_by=actor.user_id,
    )
    return record.id


async def delete_template(conn: Connection, *, actor: Actor, template_id: int) -> None:
    """Account administrators delete any of the account's templates; others only the ones they made."""
    if template_id == DEFAULT_TEMPLATE_ID:
        raise Forbidden("built-in templates cannot be deleted")
    record = await template_queries.fetch(conn, account_id=actor.account_id, template_id=template_id)
    if record is None:
        raise NotFound("template", template_id)
    if not actor.administrator and record.created_by != actor.user_id:
        raise Forbidden("only an account administrator or the template's creator may delete it")
    await template_queries.delete_template(conn, account_id=actor.account_id, template_id=template_id)


async def load_structure(conn: Connection, *, actor: Actor, template_id: int) -> dict[str, Any]:
    return (await get_template(conn, actor=actor, template_id=template_id)).structure
