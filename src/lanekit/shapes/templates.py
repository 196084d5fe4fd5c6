"""Template bodies of `/io/template` (LeanKit API: board templates): the category list and one template with
its structure.

The stored structure (domain/templates.py) holds more than the documented keys (card ranks, lane card
status, settings a copy needs); these shapes keep exactly the documented ones, in the documented order.
"""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.templates import SHOWN_SETTINGS, TemplateView
from lanekit.shapes.common import ident

OUR_BOARDS = ("1", "Our Boards")
OTHER_BOARDS = ("0", "Other Boards")

_CARD_TYPE_KEYS = ("id", "name", "colorHex", "isDefault", "isCardType", "isTaskType", "isDefaultTaskType")
_ICON_KEYS = ("id", "title", "policy", "iconPath", "customIconName", "customIconColor")
_LANE_KEYS = (
    "id",
    "index",
    "description",
    "name",
    "title",
    "cardLimit",
    "isDefaultDropLane",
    "isConnectionDoneLane",
    "cards",
    "parentLaneId",
    "columns",
    "orientation",
    "laneClassType",
    "laneType",
)
_FIELD_KEYS = ("id", "index", "type", "label", "helpText", "choiceConfiguration")
_CARD_KEYS = (
    "id",
    "title",
    "description",
    "typeId",
    "customIconId",
    "priority",
    "size",
    "tags",
    "customId",
    "externalLinks",
    "plannedStart",
    "plannedFinish",
    "isBlocked",
    "blockedReason",
    "customFields",
)


def _pick(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: item[key] for key in keys if key in item}


def _lane(item: dict[str, Any]) -> dict[str, Any]:
    lane = _pick(item, _LANE_KEYS)
    lane["cards"] = [_pick(card, _CARD_KEYS) for card in item.get("cards", [])]
    return lane


def template_structure(structure: dict[str, Any]) -> dict[str, Any]:
    settings = structure.get("settings", {})
    return {
        **{key: settings.get(key) for key in SHOWN_SETTINGS},
        "cardTypes": [_pick(t, _CARD_TYPE_KEYS) for t in structure.get("cardTypes", [])],
        "customIcons": [_pick(i, _ICON_KEYS) for i in structure.get("customIcons", [])],
        "lanes": [_lane(lane) for lane in structure.get("lanes", [])],
        "customFields": [_pick(f, _FIELD_KEYS) for f in structure.get("customFields", [])],
    }


def template_detail(view: TemplateView) -> dict[str, Any]:
    return {
        "id": ident(view.id),
        "name": view.name,
        "description": view.description,
        "template": template_structure(view.structure),
        "isDefault": view.is_builtin,
        "isUserCategory": not view.is_builtin,
    }


def _list_item(view: TemplateView) -> dict[str, Any]:
    return {
        "id": ident(view.id),
        "name": view.name,
        "description": view.description,
        "isEnabled": True,
        "isGlobal": view.is_builtin,
    }


def template_categories(own: list[TemplateView], builtin: list[TemplateView]) -> dict[str, Any]:
    return {
        "categories": [
            {"id": OUR_BOARDS[0], "name": OUR_BOARDS[1], "templates": [_list_item(v) for v in own]},
            {"id": OTHER_BOARDS[0], "name": OTHER_BOARDS[1], "templates": [_list_item(v) for v in builtin]},
        ]
    }


def template_created(template_id: int) -> dict[str, Any]:
    return {"id": ident(template_id)}
