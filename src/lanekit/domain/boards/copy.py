"""Filling a new board from a template or another board (`POST /io/board` with templateId/fromBoardId).

Both sources go through one path: a board is first read into the template structure of domain/templates.py
(`snapshot_board`), and a structure is then written onto the new board (`apply_structure`), mapping every
structure-local id to the new row's id.  So a copy and a template round trip carry exactly the same things:
settings, layout, card types (with the defaults), custom icons, custom fields and, with `includeCards`, the
live cards with their tags and custom field values.  Decision 053 lists what is not copied.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lanekit.domain import clock
from lanekit.domain.access import board_access, require
from lanekit.domain.boards import templates
from lanekit.domain.cards.rows import new_card_row
from lanekit.domain.errors import Invalid
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_copy as copy_queries
from lanekit.storage.queries import board_roles as role_queries
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import BoardRecord, LaneRecord


async def populate_from_source(
    conn: Connection,
    *,
    actor: Actor,
    board: BoardRecord,
    template_id: int | None,
    from_board_id: int | None,
    include_cards: bool,
    include_existing_users: bool,
) -> BoardRecord:
    """Fill a freshly inserted, empty board (its creator already its administrator) from one source.

    A template of another account, or a board the caller cannot read, is not found (NotFound).
    """
    if template_id is not None and from_board_id is not None:
        raise Invalid("templateId", "send either templateId or fromBoardId, not both")
    if template_id is not None:
        structure = await templates.load_structure(conn, actor=actor, template_id=template_id)
        return await apply_structure(
            conn, actor=actor, board=board, structure=structure, include_cards=include_cards
        )
    if from_board_id is None:
        raise Invalid("fromBoardId", "a source board or template is required")
    source = await board_access(conn, actor=actor, board_id=from_board_id)
    require(source, "board.copy")
    structure = await templates.snapshot_board(conn, board=source.board, include_cards=include_cards)
    board = await apply_structure(
        conn, actor=actor, board=board, structure=structure, include_cards=include_cards
    )
    if include_existing_users:
        await _copy_users(conn, source_board_id=source.board.id, board=board, creator_id=actor.user_id)
    return board


async def _copy_users(conn: Connection, *, source_board_id: int, board: BoardRecord, creator_id: int) -> None:
    """Give the source board's users the same role and WIP on the new board (the creator keeps admin)."""
    for role in await role_queries.fetch_for_board(conn, board_id=source_board_id):
        if role.user_id == creator_id:
            continue
        await role_queries.insert_role(
            conn,
            account_id=board.account_id,
            board_id=board.id,
            user_id=role.user_id,
            role=role.role,
            wip=role.wip,
        )


def _pick_default(items: list[dict[str, Any]], flag: str, kind: str, ids: dict[str, int]) -> int | None:
    for item in items:
        if item.get(flag):
            return ids[item["id"]]
    for item in items:
        if item.get(kind):
            return ids[item["id"]]
    return None


async def apply_structure(
    conn: Connection, *, actor: Actor, board: BoardRecord, structure: dict[str, Any], include_cards: bool
) -> BoardRecord:
    """Write a template structure onto an empty board; returns the board with its settings and defaults."""
    account_id, board_id = board.account_id, board.id
    now = clock.now()

    type_ids: dict[str, int] = {}
    type_items: list[dict[str, Any]] = structure.get("cardTypes", [])
    for position, item in enumerate(type_items):
        record = await type_queries.insert_card_type(
            conn,
            account_id=account_id,
            board_id=board_id,
            position=position,
            name=item["name"],
            color_hex=item["colorHex"],
            is_card_type=bool(item["isCardType"]),
            is_task_type=bool(item["isTaskType"]),
        )
        type_ids[item["id"]] = record.id

    icon_ids: dict[str, int] = {}
    for position, item in enumerate(structure.get("customIcons", [])):
        record_icon = await icon_queries.insert_custom_icon(
            conn,
            account_id=account_id,
            board_id=board_id,
            position=position,
            name=item["title"],
            policy=item.get("policy"),
            icon_color=item["customIconColor"],
            icon_name=item["customIconName"],
        )
        icon_ids[item["id"]] = record_icon.id

    field_ids: dict[str, int] = {}
    for position, item in enumerate(structure.get("customFields", [])):
        record_field = await field_queries.insert_custom_field(
            conn,
            account_id=account_id,
            board_id=board_id,
            position=position,
            type=item["type"],
            label=item["label"],
            help_text=item.get("helpText") or "",
            choice_configuration=item.get("choiceConfiguration"),
            created_on=now,
            created_by=actor.user_id,
        )
        field_ids[item["id"]] = record_field.id

    lane_ids: dict[str, int] = {}
    lane_records: dict[str, LaneRecord] = {}
    lane_items: list[dict[str, Any]] = structure.get("lanes", [])
    for item in lane_items:  # parents come before their children (the structure's guarantee)
        lane = await lane_queries.insert_lane(
            conn,
            account_id=account_id,
            board_id=board_id,
            parent_lane_id=lane_ids[item["parentLaneId"]] if item.get("parentLaneId") else None,
            position=item["index"],
            title=item["title"],
            description=item.get("description"),
            lane_class_type=item["laneClassType"],
            lane_type=item["laneType"],
            card_status=item["cardStatus"],
            orientation=item["orientation"],
            columns=item["columns"],
            wip_limit=item.get("cardLimit", 0),
            is_default_drop_lane=bool(item["isDefaultDropLane"]),
            is_connection_done_lane=bool(item["isConnectionDoneLane"]),
            sort_by=item.get("sortBy"),
            created_on=now,
        )
        lane_ids[item["id"]] = lane.id
        lane_records[item["id"]] = lane

    default_card_type = _pick_default(type_items, "isDefault", "isCardType", type_ids)
    default_task_type = _pick_default(type_items, "isDefaultTaskType", "isTaskType", type_ids)
    board = await board_queries.update_board(
        conn,
        account_id=account_id,
        board_id=board_id,
        **_board_values(board, structure.get("settings", {})),
        default_card_type_id=default_card_type,
        default_task_type_id=default_task_type,
    )

    if include_cards and default_card_type is not None:
        await _insert_cards(
            conn,
            actor=actor,
            board=board,
            lane_items=lane_items,
            lanes=lane_records,
            ids={"lane": lane_ids, "type": type_ids, "icon": icon_ids, "field": field_ids},
            fallback_type=default_card_type,
        )
    return board


def _board_values(board: BoardRecord, settings: dict[str, Any]) -> dict[str, Any]:
    """The new board's columns and settings from the structure's; what the request set itself stays."""
    stored = dict(board.settings)
    for key in templates.STORED_SETTINGS:
        if key in settings:
            stored[key] = settings[key]
    if stored.get("level") is None and settings.get("level") is not None:
        stored["level"] = settings["level"]
    return {
        "settings": stored,
        # A request that turns these on wins; otherwise the source's value is kept (decision 053).
        "base_wip_on_card_size": board.base_wip_on_card_size or bool(settings.get("baseWipOnCardSize")),
        "exclude_completed_and_archive_violations": board.exclude_completed_and_archive_violations
        or bool(settings.get("excludeCompletedAndArchiveViolations")),
        "allow_users_to_delete_cards": bool(settings.get("allowUsersToDeleteCards", True)),
    }


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


async def _insert_cards(
    conn: Connection,
    *,
    actor: Actor,
    board: BoardRecord,
    lane_items: list[dict[str, Any]],
    lanes: dict[str, LaneRecord],
    ids: dict[str, dict[str, int]],
    fallback_type: int,
) -> None:
    now = clock.now()
    rows: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for lane in lane_items:
        for card in lane.get("cards", []):
            blocked = bool(card.get("isBlocked"))
            rows.append(
                new_card_row(
                    account_id=board.account_id,
                    board_id=board.id,
                    lane=lanes[lane["id"]],
                    rank=card["rank"],
                    title=card["title"],
                    type_id=ids["type"].get(card.get("typeId") or "", fallback_type),
                    user_id=actor.user_id,
                    now=now,
                    description=card.get("description"),
                    custom_icon_id=ids["icon"].get(card.get("customIconId") or ""),
                    priority=card.get("priority", "normal"),
                    size=card.get("size", 0),
                    tags=card.get("tags", []),
                    custom_id=card.get("customId"),
                    external_links=card.get("externalLinks", []),
                    planned_start=_day(card.get("plannedStart")),
                    planned_finish=_day(card.get("plannedFinish")),
                    is_blocked=blocked,
                    blocked_reason=card.get("blockedReason") if blocked else None,
                    system_dates=False,
                )
            )
            sources.append(card)
    new_ids = await copy_queries.insert_cards(conn, rows=rows)
    tag_rows: list[dict[str, Any]] = []
    value_rows: list[dict[str, Any]] = []
    for card_id, card in zip(new_ids, sources, strict=True):
        for tag in dict.fromkeys(card.get("tags", [])):
            tag_rows.append({"card_id": card_id, "tag": tag, "board_id": board.id})
        for entry in card.get("customFields", []):
            field_id = ids["field"].get(entry.get("fieldId") or "")
            if field_id is not None and entry.get("value") is not None:
                value_rows.append({"card_id": card_id, "field_id": field_id, "value": entry["value"]})
    await copy_queries.insert_tags(conn, rows=tag_rows)
    await copy_queries.insert_field_values(conn, rows=value_rows)
