"""The legacy v1 (`/kanban/api`) event bodies: BoardHistoryEvent (GetBoardHistorySince, CheckForUpdates) and
card history's CardEvent, from the activity log's records (docs/decisions/191-legacy-board-events.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lanekit.shapes.legacy import Dates, full_name
from lanekit.shapes.users import avatar_url
from lanekit.storage.records import BoardRecord, EventRecord

# .NET ticks (100 ns since 0001-01-01) of the Unix epoch: card history's `LastDate`.
_EPOCH_TICKS = 621355968000000000


# --- events ------------------------------------------------------------------------------------------------

# The activity log's event types → v1 event names (LeanKit's recorded board-event payloads carry no
# `LeanKit.Core.Events.` prefix).  Block and unblock are both CardBlockedEvent (see IsBlocked).  Events with
# no v1 counterpart (connections, mirroring) are reported as field changes of the card.
_EVENT_NAMES = {
    "cardCreated": "CardCreationEvent",
    "taskCardCreated": "CardCreationEvent",
    "cardChanged": "CardFieldsChangedEvent",
    "cardBlocked": "CardBlockedEvent",
    "cardUnblocked": "CardBlockedEvent",
    "cardMoved": "CardMoveEvent",
    "taskCardMoved": "CardMoveEvent",
    "taskCardMovedToBoard": "CardMoveEvent",
    "cardMovedToTaskBoard": "CardMoveEvent",
    "cardDeleted": "CardDeletedEvent",
    "attachmentAdded": "AttachmentChangeEvent",
    "attachmentDeleted": "AttachmentChangeEvent",
    "userAssigned": "UserAssignmentEvent",
    "userUnassigned": "UserAssignmentEvent",
    "laneWipExceeded": "WipOverrideEvent",
    "userWipExceeded": "UserWipOverrideEvent",
    "commentAdded": "CommentPostEvent",
}
BOARD_EDIT_EVENT = "BoardEditEvent"


def _lane_id(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, dict) and str(value.get("id", "")).isdigit():
        return int(value["id"])
    return 0


def _lane_title(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value.get("title") if isinstance(value, dict) else None


def event_name(record: EventRecord) -> str:
    if record.type == "cardMovedOffBoard":
        # Logged on both boards: on the board the card left it moved to another board, and vice versa.
        from_board = record.data.get("fromBoard") or {}
        return (
            "CardMoveToBoardEvent"
            if str(from_board.get("id")) == str(record.board_id)
            else "CardMoveFromBoardEvent"
        )
    return _EVENT_NAMES.get(record.type, "CardFieldsChangedEvent")


def _message(record: EventRecord, name: str) -> str:
    who = full_name(record.user) if record.user else "Someone"
    data = record.data
    title = (data.get("card") or {}).get("title", "")
    if name == "CardMoveEvent":
        return (
            f"{who} moved the Card [{title}] from Lane [{_lane_title(data, 'fromLane')}] "
            f"to Lane [{_lane_title(data, 'toLane')}]."
        )
    if name == "CardCreationEvent":
        return f"{who} created the Card [{title}] in Lane [{_lane_title(data, 'lane')}]."
    if name == "CardBlockedEvent":
        verb = "blocked" if record.type == "cardBlocked" else "unblocked"
        return f"{who} {verb} the Card [{title}]."
    if name == "CommentPostEvent":
        return f"{who} commented on the Card [{title}]."
    if name == "UserAssignmentEvent":
        user = data.get("user") or {}
        verb = "unassigned" if record.type == "userUnassigned" else "assigned"
        return f"{who} {verb} {user.get('fullName', '')} to the Card [{title}]."
    if name == "CardDeletedEvent":
        return f"{who} deleted the Card [{title}]."
    if name == "AttachmentChangeEvent":
        verb = "removed" if record.type == "attachmentDeleted" else "attached"
        return f"{who} {verb} the file [{data.get('fileName', '')}] on the Card [{title}]."
    if name in ("WipOverrideEvent", "UserWipOverrideEvent"):
        return f"{who} overrode a WIP limit on the Card [{title}]: {data.get('comment', '')}"
    if name in ("CardMoveToBoardEvent", "CardMoveFromBoardEvent"):
        target = (data.get("toBoard") or {}).get("title", "")
        return f"{who} moved the Card [{title}] to the Board [{target}]."
    return f"{who} changed the Card [{title}]."


def _user_id(data: dict[str, Any]) -> int:
    user = data.get("user")
    if isinstance(user, dict) and str(user.get("id", "")).isdigit():
        return int(user["id"])
    return 0


def board_event(record: EventRecord, *, dates: Dates) -> dict[str, Any]:
    """BoardHistoryEvent: an item of GetBoardHistorySince and of CheckForUpdates' `Events`."""
    data = record.data
    name = event_name(record)
    parent = data.get("parentCard")
    parent_id = (
        int(parent["id"]) if isinstance(parent, dict) and str(parent.get("id", "")).isdigit() else None
    )
    to_lane = _lane_id(data, "toLane") or _lane_id(data, "lane")
    wip = name in ("WipOverrideEvent", "UserWipOverrideEvent")
    return {
        "CardId": record.card_id or 0,
        "EventType": name,
        "EventDateTime": dates.stamp(record.occurred_on),
        "Message": _message(record, name),
        "ToLaneId": to_lane,
        "FromLaneId": _lane_id(data, "fromLane") or None,
        "RequiresBoardRefresh": name in ("CardMoveToBoardEvent", "CardMoveFromBoardEvent"),
        "IsBlocked": record.type == "cardBlocked",
        "BlockedComment": data.get("comment") if name == "CardBlockedEvent" else None,
        "UserId": record.user_id or 0,
        "AssignedUserId": _user_id(data),
        "IsUnassigning": record.type == "userUnassigned",
        "CommentText": data.get("comment") if name == "CommentPostEvent" else None,
        "WipOverrideComment": data.get("comment") if wip else None,
        "WipOverrideLane": _lane_id(data, "lane") if name == "WipOverrideEvent" else 0,
        "WipOverrideUser": _user_id(data) if name == "UserWipOverrideEvent" else 0,
        "FileName": data.get("fileName") if name == "AttachmentChangeEvent" else None,
        "IsFileBeingDeleted": record.type == "attachmentDeleted",
        "TaskboardParentCardId": parent_id,
        "TaskboardId": parent_id,
    }


def board_edit_event(board: BoardRecord, *, dates: Dates, at: datetime) -> dict[str, Any]:
    """The BoardEditEvent for versions no card event describes (the board itself changed)."""
    return {
        "CardId": 0,
        "EventType": BOARD_EDIT_EVENT,
        "EventDateTime": dates.stamp(at),
        "Message": f"The Board [{board.title}] was changed.",
        "ToLaneId": 0,
        "FromLaneId": None,
        "RequiresBoardRefresh": True,
        "IsBlocked": False,
        "BlockedComment": None,
        "UserId": 0,
        "AssignedUserId": 0,
        "IsUnassigning": False,
        "CommentText": None,
        "WipOverrideComment": None,
        "WipOverrideLane": 0,
        "WipOverrideUser": 0,
        "FileName": None,
        "IsFileBeingDeleted": False,
        "TaskboardParentCardId": None,
        "TaskboardId": None,
    }


def affected_lane_ids(records: Iterable[EventRecord], *, include_task_lanes: bool = False) -> list[int]:
    """The lanes the events put cards in or took them from: board lanes, or with `include_task_lanes` the
    taskboard lanes of task events too."""
    skipped = (
        {"laneWipExceeded"} if include_task_lanes else {"laneWipExceeded", "taskCardCreated", "taskCardMoved"}
    )
    found: dict[int, None] = {}
    for record in records:
        for key in ("lane", "fromLane", "toLane"):
            lane_id = _lane_id(record.data, key)
            if lane_id and record.type not in skipped:
                found[lane_id] = None
    return list(found)


def task_event_of(record: EventRecord, card_id: int, task_ids: set[int]) -> bool:
    """Whether the event concerns a task of card `card_id`: a task event names the task's owner; any other
    event of one of its `task_ids` (a change, a block) concerns it too."""
    parent = record.data.get("parentCard")
    if isinstance(parent, dict) and str(parent.get("id")) == str(card_id):
        return True
    return record.card_id is not None and record.card_id in task_ids


def _ticks(value: datetime) -> int:
    return _EPOCH_TICKS + int(value.timestamp() * 10_000_000)


def card_event(
    record: EventRecord, previous: EventRecord | None, *, dates: Dates, base_url: str
) -> dict[str, Any]:
    """CardEvent: an item of `Card/History`, newest first; `previous` is the next older event (for
    `TimeDifference`)."""
    data = record.data
    name = event_name(record)
    user = record.user
    body: dict[str, Any] = {
        "CardId": record.card_id or 0,
        "CardTitle": (data.get("card") or {}).get("title"),
        "ToLaneId": _lane_id(data, "toLane") or _lane_id(data, "lane"),
        "ToLaneTitle": _lane_title(data, "toLane") or _lane_title(data, "lane"),
        "Type": f"{name}DTO",
        "UserId": str(record.user_id or 0),
        "UserName": user.email if user else None,
        "UserFullName": full_name(user) if user else None,
        "GravatarLink": avatar_url(base_url, user.id) if user else None,
        "DateTime": dates.history(record.occurred_on),
        "TimeDifference": _difference(record, previous),
        "LastDate": _ticks(record.occurred_on),
        "OverrideType": None,
        "TaskboardContainingCardId": None,
        "TaskboardContainingCardTitle": None,
    }
    if name == "CardMoveEvent":
        body["FromLaneId"] = _lane_id(data, "fromLane")
        body["FromLaneTitle"] = _lane_title(data, "fromLane")
    elif name == "UserAssignmentEvent":
        assigned = data.get("user") or {}
        body["AssignedUserId"] = _user_id(data)
        body["AssignedUserFullName"] = assigned.get("fullName")
        body["AssignedUserEmailAddres"] = assigned.get("emailAddress")  # sic: LeanKit's spelling
        body["IsUnassigning"] = record.type == "userUnassigned"
    elif name == "CardFieldsChangedEvent":
        body["Changes"] = [
            {
                "FieldName": change.get("name"),
                "OldValue": change.get("oldValue"),
                "NewValue": change.get("newValue"),
                "OldDueDate": None,
                "NewDueDate": None,
            }
            for change in data.get("fields") or []
        ]
    elif name == "CommentPostEvent":
        body["CommentText"] = data.get("comment")
        body["ToLaneId"] = 0
        body["ToLaneTitle"] = None
    elif name == "CardBlockedEvent":
        body["IsBlocked"] = record.type == "cardBlocked"
        body["Comment"] = data.get("comment")
    elif name in ("WipOverrideEvent", "UserWipOverrideEvent"):
        overrider = user
        body["UserToOverrideWipId"] = overrider.id if overrider else 0
        body["UserToOverrideWipName"] = full_name(overrider) if overrider else None
        body["UserToOverrideWipEmail"] = overrider.email if overrider else None
        body["WipOverrideComment"] = data.get("comment")
        body["LaneToOverrideWipId"] = _lane_id(data, "lane")
        body["LaneToOverrideWipTitle"] = _lane_title(data, "lane")
    elif name == "AttachmentChangeEvent":
        body["FileName"] = data.get("fileName")
        body["IsDelete"] = record.type == "attachmentDeleted"
    return body


def _difference(record: EventRecord, previous: EventRecord | None) -> str:
    """LeanKit's prose gap to the previous event ("" at the same instant)."""
    if previous is None:
        return ""
    seconds = int((record.occurred_on - previous.occurred_on).total_seconds())
    if seconds <= 0:
        return ""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} later"
    return ""
