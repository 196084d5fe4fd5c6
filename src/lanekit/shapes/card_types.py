"""Card type bodies of `/io/board/:boardId/cardType` (LeanKit API: card types)."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.card_types import CardTypeView
from lanekit.domain.boards.templates import card_type_json
from lanekit.shapes.common import ident


def card_type(view: CardTypeView) -> dict[str, Any]:
    """The full card type, as the list and the single GET show it."""
    return card_type_json(
        ident(view.card_type.id),
        view.card_type,
        is_default=view.is_default,
        is_default_task_type=view.is_default_task_type,
    )


def card_type_written(view: CardTypeView) -> dict[str, Any]:
    """The POST (201) and PATCH (200) reply: the card type without `isDefault`."""
    body = card_type(view)
    del body["isDefault"]
    return body
