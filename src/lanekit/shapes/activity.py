"""Activity bodies: the event of `/activity` (LeanKit API: card activity) and the `/changes` report
(LeanKit API: `GET /io/board/:boardId/changes`)."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.activity import BoardChangeReport
from lanekit.shapes.common import ident, instant
from lanekit.shapes.users import avatar_url
from lanekit.storage.records import EventRecord


def _with_avatar(data: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    user = data.get("user")
    if isinstance(user, dict) and str(user.get("id", "")).isdigit():
        return {**data, "user": {**user, "avatar": avatar_url(base_url, int(user["id"]))}}
    return data


def event(record: EventRecord, *, base_url: str) -> dict[str, Any]:
    user = None
    if record.user is not None:
        user = {
            "id": ident(record.user.id),
            "fullName": record.user.full_name,
            "avatar": avatar_url(base_url, record.user.id),
        }
    return {
        "id": ident(record.id),
        "type": record.type,
        "timestamp": instant(record.occurred_on),
        "user": user,
        "data": _with_avatar(record.data, base_url=base_url),
    }


def events_body(records: list[EventRecord], *, base_url: str) -> dict[str, Any]:
    return {"events": [event(r, base_url=base_url) for r in records]}


def board_changes(report: BoardChangeReport) -> dict[str, Any]:
    changes = report.changes
    update_count = report.version - report.since
    return {
        "boardId": ident(report.board_id),
        "version": str(report.version),
        "updateCount": update_count,
        # Versions without any card event come from board-level changes (settings, layout, users).
        "boardUpdated": update_count > changes.event_versions,
        "boardUsersUpdated": False,
        "updatedCardIds": [ident(c) for c in changes.updated],
        "createdCardIds": [ident(c) for c in changes.created],
        "deletedCardIds": [ident(c) for c in changes.deleted],
        "affectedLanes": [ident(x) for x in changes.affected_lanes],
        "parentCardsUpdated": False,
        "assignmentChanged": changes.assignment_changed,
        "updatedParentCardIds": [],
        "updatedChildCardIds": [],
        "affectedLaneCounts": [
            {"laneId": ident(lane_id), "cardCount": count, "cardSize": size}
            for lane_id, (count, size) in report.lane_counts.items()
        ],
    }
