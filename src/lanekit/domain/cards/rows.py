"""The one builder of a new card's row: every column an insert into `cards` gives, `version` 1 included.

A card is created (`POST /io/card`, a task), copied with a taskboard, or written onto a board made from a
template or another board (domain/boards/copy.py); each fills in what it knows and gets the same defaults
for the rest, so a new column or a new default is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from lanekit.domain.cards.placement import lane_entry
from lanekit.storage.records import LaneRecord


def new_card_row(
    *,
    account_id: int,
    board_id: int,
    lane: LaneRecord,
    rank: str,
    title: str,
    type_id: int,
    user_id: int,
    now: datetime,
    description: str | None = None,
    custom_icon_id: int | None = None,
    priority: str = "normal",
    size: int = 0,
    tags: Sequence[str] = (),
    custom_id: str | None = None,
    external_links: Sequence[dict[str, Any]] = (),
    planned_start: date | None = None,
    planned_finish: date | None = None,
    is_blocked: bool = False,
    blocked_reason: str | None = None,
    containing_card_id: int | None = None,
    mirror_source_card_id: int | None = None,
    system_dates: bool = True,
) -> dict[str, Any]:
    """The row of a card new in `lane` at `rank`, created by `user_id` at `now`, at version 1.

    It has never moved and is not deleted; a blocked card is blocked since `now`; entering `lane` sets the
    system dates the lane's status implies (`placement.lane_entry`: started, finished, archived), unless
    `system_dates` is False: the cards of a board made from a template or another board start without them
    (docs/decisions/053-board-from-source.md).
    """
    row: dict[str, Any] = {
        "account_id": account_id,
        "board_id": board_id,
        "lane_id": lane.id,
        "rank": rank,
        "title": title,
        "description": description,
        "type_id": type_id,
        "custom_icon_id": custom_icon_id,
        "priority": priority,
        "size": size,
        "tags": list(tags),
        "custom_id": custom_id,
        "external_links": list(external_links),
        "planned_start": planned_start,
        "planned_finish": planned_finish,
        "actual_start": None,
        "actual_finish": None,
        "is_blocked": is_blocked,
        "blocked_reason": blocked_reason,
        "blocked_on": now if is_blocked else None,
        "created_on": now,
        "created_by": user_id,
        "updated_on": now,
        "updated_by": user_id,
        "moved_on": None,
        "moved_by": None,
        "archived_on": None,
        "archived_by": None,
        "deleted_on": None,
        "version": 1,
        "containing_card_id": containing_card_id,
        "mirror_source_card_id": mirror_source_card_id,
    }
    if system_dates:
        row.update(lane_entry(None, lane, now=now, user_id=user_id))
    return row
