"""Custom field bodies of `/io/board/:boardId/customfield` (LeanKit API: custom fields)."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.custom_fields import CHOICE_TYPES
from lanekit.shapes.common import ident, instant
from lanekit.storage.records import CustomFieldRecord


def custom_field(record: CustomFieldRecord) -> dict[str, Any]:
    """One field; `choiceConfiguration` only for choice and multi fields.  `index` is its place, 0-based."""
    body: dict[str, Any] = {
        "id": ident(record.id),
        "index": record.position,
        "type": record.type,
        "label": record.label,
        "helpText": record.help_text or "",
        "createdOn": instant(record.created_on),
        "createdBy": ident(record.created_by),
    }
    if record.type in CHOICE_TYPES:
        choices = (record.choice_configuration or {}).get("choices", [])
        body["choiceConfiguration"] = {"choices": list(choices)}
    return body


def custom_field_list(limit: int, records: list[CustomFieldRecord]) -> dict[str, Any]:
    return {"limit": limit, "customFields": [custom_field(r) for r in records]}


def custom_fields_changed(records: list[CustomFieldRecord]) -> dict[str, Any]:
    return {"customFields": [custom_field(r) for r in records]}
