"""The card list filters of `GET /io/card` as SQL conditions (used by card lists and comment lists alike)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from lanekit.storage.tables import card_assignments, cards, lanes


def live(table: Any = cards) -> ColumnElement[bool]:
    """Not soft-deleted: every read of cards but `deleted=true` lists filters on it."""
    return table.c.deleted_on.is_(None)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class CardFilter:
    """The card list filters of `GET /io/card`, already checked (None = not filtered)."""

    account_id: int
    board_ids: Sequence[int]
    deleted: bool = False
    lane_ids: Sequence[int] | None = None
    card_ids: Sequence[int] | None = None
    search: str | None = None
    custom_ids: Sequence[str] | None = None
    type_ids: Sequence[int] | None = None
    assigned_user_ids: Sequence[int] | None = None
    custom_icon_id: int | None = None
    lane_class_types: Sequence[str] | None = None
    since: datetime | None = None
    # Created at or after / before these instants (the legacy SearchOptions' AddedAfter and AddedBefore).
    created_from: datetime | None = None
    created_before: datetime | None = None
    # `select`: board cards (`cards`), task cards (`taskCards`) or `both`.
    select: str = "cards"


def filter_where(f: CardFilter) -> list[ColumnElement[bool]]:
    where: list[Any] = [
        cards.c.account_id == f.account_id,
        cards.c.board_id.in_(list(f.board_ids)),
        cards.c.deleted_on.is_not(None) if f.deleted else live(),
    ]
    if f.select == "cards":
        where.append(cards.c.containing_card_id.is_(None))
    elif f.select == "taskCards":
        where.append(cards.c.containing_card_id.is_not(None))
    if f.lane_ids is not None:
        where.append(cards.c.lane_id.in_(list(f.lane_ids)))
    if f.card_ids is not None:
        where.append(cards.c.id.in_(list(f.card_ids)))
    if f.search:
        pattern = "%" + f.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                func.lower(cards.c.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(cards.c.custom_id, "")).like(pattern, escape="\\"),
            )
        )
    if f.custom_ids is not None:
        where.append(cards.c.custom_id.in_(list(f.custom_ids)))
    if f.type_ids is not None:
        where.append(cards.c.type_id.in_(list(f.type_ids)))
    if f.assigned_user_ids is not None:
        where.append(
            cards.c.id.in_(
                select(card_assignments.c.card_id).where(
                    card_assignments.c.user_id.in_(list(f.assigned_user_ids))
                )
            )
        )
    if f.custom_icon_id is not None:
        where.append(cards.c.custom_icon_id == f.custom_icon_id)
    if f.lane_class_types is not None:
        where.append(
            cards.c.lane_id.in_(
                select(lanes.c.id).where(lanes.c.lane_class_type.in_(list(f.lane_class_types)))
            )
        )
    if f.since is not None:
        where.append(cards.c.updated_on > f.since)
    if f.created_from is not None:
        where.append(cards.c.created_on >= f.created_from)
    if f.created_before is not None:
        where.append(cards.c.created_on < f.created_before)
    return where
