"""Card type bodies of `/io/board/:boardId/cardType` (§7)."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.card_types import CardTypeView
from lanekit.shapes.common import ident


def card_type(view: CardTypeView) -> dict[str, Any]:
    """The full card type, as the list and the single GET show it."""
    record = view.card_type
    return {
        "id": ident(record.id),
        "name": record.name,
        "colorHex": record.color_hex,
        "isDefault": view.is_default,
        "isCardType": record.is_card_type,
        "isTaskType": record.is_task_type,
        "isDefaultTaskType": view.is_default_task_type,
    }


def card_type_written(view: CardTypeView) -> dict[str, Any]:
    """The POST (201) and PATCH (200) reply: the card type without `isDefault`."""
    body = card_type(view)
    del body["isDefault"]
    return body
