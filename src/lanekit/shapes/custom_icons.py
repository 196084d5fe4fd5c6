"""Custom icon bodies of `/io/board/:boardId/customIcon` (LeanKit API: custom icons)."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.defaults import icon_path
from lanekit.shapes.common import ident
from lanekit.storage.records import CustomIconRecord


def custom_icon(record: CustomIconRecord) -> dict[str, Any]:
    """The full icon, as the list and the single GET show it."""
    return {
        "id": ident(record.id),
        "name": record.name,
        "policy": record.policy,
        "iconPath": icon_path(record.icon_color, record.icon_name),
        "iconColor": record.icon_color,
        "iconName": record.icon_name,
    }


def custom_icon_written(record: CustomIconRecord) -> dict[str, Any]:
    """The POST (201) and PATCH (200) reply."""
    return {
        "id": ident(record.id),
        "name": record.name,
        "iconColor": record.icon_color,
        "policy": record.policy,
        "iconName": record.icon_name,
    }
