"""The legacy v1 (`/kanban/api`) bodies: PascalCase, numeric ids, dates in the caller's date format.

Field lists follow LeanKit's v1 transfer objects (LeanKit's C# client `LeanKit.API.Client`,
`TransferObjects/*.cs`: Board, Lane, CardView, Card, Comment, CardEvent, BoardHistoryEvent, BoardUpdates) and
the recorded board-event payloads of LeanKit's `leankit-node-events` (`spec/test-files/*.json`).  Values
come from the same records the /io shapes read; `shapes/common.py`'s rules are not restated here, only the
v1 ones (date formats, integer enums) that differ from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lanekit.domain.boards.layout import tree_order
from lanekit.domain.cards.connections import Statistics
from lanekit.domain.enums import BOARD_ROLE_LABELS, BOARD_ROLES, LANE_CLASS_TYPES, LANE_TYPES, PRIORITIES
from lanekit.shapes.cards import progress
from lanekit.shapes.users import avatar_url
from lanekit.storage.records import (
    AttachmentRecord,
    BoardRecord,
    CardReadRecord,
    CardTypeRecord,
    CommentRecord,
    CustomIconRecord,
    EventRecord,
    LaneRecord,
    UserRecord,
    UserRef,
)

# The user's date format → strftime (LeanKit's three date formats).
_DAY_PATTERNS = {"MM/dd/yyyy": "%m/%d/%Y", "dd/MM/yyyy": "%d/%m/%Y", "yyyy/MM/dd": "%Y/%m/%d"}
_PRIORITY_TEXT = {value: name.capitalize() for name, value in PRIORITIES.items()}
# .NET ticks (100 ns since 0001-01-01) of the Unix epoch: card history's `LastDate`.
_EPOCH_TICKS = 621355968000000000


@dataclass(frozen=True, slots=True)
class Dates:
    """The caller's date rendering: `day` is date-only, `stamp` adds ` hh:mm:ss tt` (LeanKit's clients
    parse `DateFormat + " hh:mm:ss tt"`), `history` is card history's `… at hh:mm:ss tt`; instants are shown
    in the caller's time zone."""

    day_pattern: str
    zone: Any

    @classmethod
    def of(cls, user: UserRecord) -> Dates:
        try:
            zone: Any = ZoneInfo(user.time_zone) if user.time_zone else UTC
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        return cls(_DAY_PATTERNS.get(user.date_format, "%m/%d/%Y"), zone)

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def day(self, value: date | datetime | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            value = self._local(value)
        return value.strftime(self.day_pattern)

    def stamp(self, value: datetime | None) -> str | None:
        return None if value is None else self._local(value).strftime(f"{self.day_pattern} %I:%M:%S %p")

    def history(self, value: datetime) -> str:
        return self._local(value).strftime(f"{self.day_pattern} at %I:%M:%S %p")


def _name(user: UserRef | UserRecord) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def _lane_class(lane: LaneRecord) -> int:
    return LANE_CLASS_TYPES.get(lane.lane_class_type, 0)


def _lane_type(lane: LaneRecord) -> int:
    return LANE_TYPES.get(lane.lane_type, 99)


def _priority(value: str) -> int:
    return PRIORITIES.get(value, 1)


# --- cards -------------------------------------------------------------------------------------------------


def card_type(t: CardTypeRecord, *, default_type_id: int | None) -> dict[str, Any]:
    return {
        "Id": t.id,
        "Name": t.name,
        "ColorHex": t.color_hex,
        "IsDefault": t.id == default_type_id,
        "IconPath": None,
    }


def assigned_user(user: UserRef, *, base_url: str) -> dict[str, Any]:
    link = avatar_url(base_url, user.id)
    return {
        "Id": user.id,
        "AssignedUserId": user.id,
        "AssignedUserName": user.email,
        "FullName": _name(user),
        "EmailAddress": user.email,
        "GravatarLink": link,
        "SmallGravatarLink": link,
    }


def card_view(
    read: CardReadRecord,
    *,
    dates: Dates,
    base_url: str,
    in_lane: bool,
    last_event: datetime | None = None,
) -> dict[str, Any]:
    """CardView: the card read shape of lanes, GetCard and CardDTO.  Empty dates are `""` inside a board's
    lanes and null elsewhere, as LeanKit answers.

    `LastActivity` is the card's last change, or `last_event` (the newest event of its history, which a
    comment or an attachment adds without changing the card) when that is later: GetCard reads it, so that
    LastActivity is the DateTime of the history's first item."""
    card, kind, icon = read.card, read.card_type, read.icon
    empty = "" if in_lane else None
    link = card.external_links[0] if card.external_links else {}
    first = read.assignees[0] if read.assignees else None
    tasks = read.task_stats
    stats = read.connected_stats
    parent = read.parent_cards[0] if read.parent_cards else None
    priority = _priority(card.priority)
    done = stats.completed_count if stats else 0
    total = stats.total_count if stats else 0
    return {
        "SystemType": "Card",
        "Id": card.id,
        "LaneId": card.lane_id,
        "Title": card.title,
        "Description": card.description or "",
        "Type": card_type(kind, default_type_id=read.board.default_card_type_id),
        "TypeId": card.type_id,
        "Priority": priority,
        "PriorityText": _PRIORITY_TEXT.get(priority, "Normal"),
        "TypeName": kind.name,
        "TypeIconPath": None,
        "TypeColorHex": kind.color_hex,
        "Size": card.size,
        "Active": card.archived_on is None,
        "Color": kind.color_hex,
        "Version": card.version,
        "IsBlocked": card.is_blocked,
        "BlockReason": card.blocked_reason or "",
        "Index": read.index,
        "StartDate": dates.day(card.planned_start) or empty,
        "DueDate": dates.day(card.planned_finish) or empty,
        "ExternalSystemName": link.get("label") or "",
        "ExternalSystemUrl": link.get("url") or "",
        "ExternalCardID": card.custom_id or "",
        "ExternalCardIdPrefix": None,
        "Tags": ",".join(card.tags),
        "ClassOfServiceId": icon.id if icon else None,
        "ClassOfServiceTitle": icon.name if icon else None,
        "ClassOfServiceIconPath": None,
        "ClassOfServiceColorHex": icon.icon_color if icon else None,
        "CountOfOldCards": 0,
        "LastMove": dates.stamp(card.moved_on or card.created_on),
        "LastActivity": dates.stamp(max(card.updated_on, last_event or card.updated_on)),
        "DateArchived": dates.day(card.archived_on) or empty,
        "LastComment": dates.day(read.comments[-1].created_on) if read.comments else empty,
        "CommentsCount": read.comments_count,
        "LastAttachment": empty,
        "AttachmentsCount": read.attachment_count,
        "AssignedUserId": first.id if first else None,
        "AssignedUserIds": [u.id for u in read.assignees],
        "AssignedUsers": [assigned_user(u, base_url=base_url) for u in read.assignees],
        "AssignedUserName": _name(first) if first else None,
        "DrillThroughBoardId": None,
        "Comments": [],
        "HistoryEvents": [],
        "ParentCardId": parent.card_id if parent else None,
        "ParentBoardId": parent.board_id if parent else None,
        "ActualStartDate": dates.stamp(card.actual_start) or empty,
        "ActualFinishDate": dates.stamp(card.actual_finish) or empty,
        "BlockStateChangeDate": dates.stamp(card.blocked_on) or empty,
        "BoardId": card.board_id,
        "BoardTitle": read.board.title,
        "LaneTitle": read.lane.title,
        "CardContexts": [],
        "CardTypeIconColor": kind.color_hex,
        "CardTypeIconName": None,
        "ClassOfServiceCustomIconColor": icon.icon_color if icon else None,
        "ClassOfServiceCustomIconName": icon.icon_name if icon else None,
        "CreateDate": dates.day(card.created_on),
        "CurrentContext": None,
        "CurrentTaskBoardId": None,
        "DrillThroughCompletionPercent": round(100 * done / total) if total else 0,
        "DrillThroughProgressTotal": total,
        "DrillThroughProgressComplete": done,
        "DrillThroughProgressSizeComplete": stats.completed_size if stats else 0,
        "DrillThroughProgressSizeTotal": stats.total_size if stats else 0,
        "GravatarLink": avatar_url(base_url, first.id) if first else None,
        "SmallGravatarLink": avatar_url(base_url, first.id) if first else None,
        "Icon": None,
        "IsOlderThanXDays": False,
        "ParentTaskboardId": None,
        "TaskBoardCompletionPercent": (
            round(100 * tasks.completed_count / tasks.total_count) if tasks and tasks.total_count else 0
        ),
        "TaskBoardCompletedCardCount": tasks.completed_count if tasks else 0,
        "TaskBoardCompletedCardSize": tasks.completed_size if tasks else 0,
        "TaskBoardTotalCards": tasks.total_count if tasks else 0,
        "TaskBoardTotalSize": tasks.total_size if tasks else 0,
    }


# The keys of LeanKit's Card (the write shape), in its order; the values it shares with CardView are
# CardView's.
CARD_KEYS = tuple(
    """
Id LaneId Title Description CreatedOn TypeName TypeId Priority Size Active Color Version IsBlocked
BlockReason Index StartDate DueDate UserWipOverrideComment ExternalSystemName ExternalSystemUrl
Tags ClassOfServiceId ExternalCardID ExternalCardIdPrefix AssignedUserIds LastMove LastActivity
DateArchived LastComment CommentsCount Comments HistoryEvents CardContexts ParentCardId
ParentBoardId ActualFinishDate ActualStartDate AssignedUserName BlockStateChangeDate BoardId
BoardTitle CardTypeIconColor CardTypeIconName ClassOfServiceCustomIconColor
ClassOfServiceCustomIconName CreateDate CurrentContext CurrentTaskBoardId
DrillThroughCompletionPercent DrillThroughProgressTotal DrillThroughProgressComplete
DrillThroughProgressSizeComplete DrillThroughProgressSizeTotal GravatarLink Icon IsOlderThanXDays
LaneTitle ParentTaskboardId SmallGravatarLink TaskBoardCompletionPercent
TaskBoardCompletedCardCount TaskBoardCompletedCardSize TaskBoardTotalCards TaskBoardTotalSize
""".split()
)


def card(read: CardReadRecord, *, dates: Dates, base_url: str) -> dict[str, Any]:
    """Card: the write shape, which GetCardByExternalId and AddCards answer with."""
    view = card_view(read, dates=dates, base_url=base_url, in_lane=False)
    view["CreatedOn"] = dates.day(read.card.created_on)
    view["UserWipOverrideComment"] = None
    return {key: view[key] for key in CARD_KEYS}


# --- lanes and boards --------------------------------------------------------------------------------------


class LaneTree:
    """Parent, children and siblings of a board's lanes, for the v1 lane fields that name them."""

    def __init__(self, lanes: Sequence[LaneRecord]) -> None:
        self.ordered = tree_order(list(lanes))
        self.by_id = {lane.id: lane for lane in self.ordered}
        self.children: dict[int | None, list[int]] = {}
        for lane in self.ordered:
            self.children.setdefault(lane.parent_lane_id, []).append(lane.id)

    def top_level(self, class_type: str) -> list[LaneRecord]:
        return [
            self.by_id[i] for i in self.children.get(None, []) if self.by_id[i].lane_class_type == class_type
        ]

    def of_class(self, class_type: str) -> list[LaneRecord]:
        return [lane for lane in self.ordered if lane.lane_class_type == class_type]


def _lane_state(lane: LaneRecord, tree: LaneTree) -> str:
    has_children = bool(tree.children.get(lane.id))
    if lane.parent_lane_id is None:
        return "parent" if has_children else "lane"
    return "childParent" if has_children else "child"


def lane(lane: LaneRecord, tree: LaneTree, cards: list[dict[str, Any]]) -> dict[str, Any]:
    siblings = tree.children.get(lane.parent_lane_id, [])
    return {
        "Id": lane.id,
        "Index": lane.position,
        "Active": True,
        "Title": lane.title,
        "Description": lane.description or "",
        "ClassType": _lane_class(lane),
        "Type": _lane_type(lane),
        "ActivityId": None,
        "ActivityName": None,
        "CardContextId": None,
        "Width": lane.columns,
        "ParentLaneId": lane.parent_lane_id or 0,
        "Cards": cards,
        "Orientation": 1 if lane.orientation == "horizontal" else 0,
        "ChildLaneIds": list(tree.children.get(lane.id, [])),
        "SiblingLaneIds": [i for i in siblings if i != lane.id],
        "TaskBoardId": None,
        "CardLimit": lane.wip_limit,
        "LaneState": _lane_state(lane, tree),
    }


def lanes_with_cards(
    lanes: Iterable[LaneRecord], tree: LaneTree, cards_by_lane: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    return [lane(item, tree, cards_by_lane.get(item.id, [])) for item in lanes]


def board_user(user: UserRecord, role: str, wip: int | None, *, base_url: str) -> dict[str, Any]:
    link = avatar_url(base_url, user.id)
    return {
        "Id": user.id,
        "FullName": _name(user),
        "UserName": user.username,
        "EmailAddress": user.email,
        "Role": BOARD_ROLES.index(role) if role in BOARD_ROLES else 0,
        "RoleName": BOARD_ROLE_LABELS.get(role, role),
        "WIP": wip or 0,
        "Enabled": user.enabled,
        "IsAccountOwner": user.account_owner,
        "IsDeleted": user.deleted,
        "GravatarFeed": None,
        "GravatarLink": link,
        "DateFormat": user.date_format,
        "Settings": {},
    }


def class_of_service(icon: CustomIconRecord) -> dict[str, Any]:
    return {
        "Id": icon.id,
        "BoardId": icon.board_id,
        "Title": icon.name,
        "Policy": icon.policy or "",
        "IconPath": None,
        "ColorHex": icon.icon_color,
        "UseColor": True,
    }


def board_listing(board: BoardRecord, *, dates: Dates) -> dict[str, Any]:
    return {
        "Id": board.id,
        "Title": board.title,
        "IsArchived": board.is_archived,
        "CreationDate": dates.day(board.created_on),
    }


@dataclass(frozen=True, slots=True)
class BoardParts:
    """What a v1 Board shows, as the domain read it: the board view's records and the live cards of the
    board's active and backlog lanes, already shaped (archive lanes carry no cards in a Board)."""

    board: BoardRecord
    lanes: list[LaneRecord]
    members: list[tuple[UserRecord, str, int | None]]
    card_types: list[CardTypeRecord]
    icons: list[CustomIconRecord]
    cards_by_lane: dict[int, list[dict[str, Any]]]


def board(parts: BoardParts, *, base_url: str) -> dict[str, Any]:
    b = parts.board
    tree = LaneTree(parts.lanes)
    settings = b.settings
    backlog_top = tree.top_level("backlog")
    archive_top = tree.top_level("archive")
    return {
        "Id": b.id,
        "Title": b.title,
        "Description": b.description or "",
        "Version": b.version,
        "Active": not b.is_archived,
        "OrganizationId": b.account_id,
        "OrganizationActivities": [],
        "Lanes": lanes_with_cards(tree.of_class("active"), tree, parts.cards_by_lane),
        "BoardUsers": [board_user(u, role, wip, base_url=base_url) for u, role, wip in parts.members],
        "Backlog": lanes_with_cards(tree.of_class("backlog"), tree, parts.cards_by_lane),
        "Archive": lanes_with_cards(tree.of_class("archive"), tree, {}),
        "ClassesOfService": [class_of_service(i) for i in parts.icons],
        "CardTypes": [card_type(t, default_type_id=b.default_card_type_id) for t in parts.card_types],
        "ClassOfServiceEnabled": bool(settings.get("classOfServiceEnabled", True)),
        "CardColorField": settings.get("cardColorField", 1),
        "IsCardIdEnabled": bool(settings.get("isCardIdEnabled", True)),
        "IsHeaderEnabled": bool(settings.get("isHeaderEnabled", True)),
        "IsPrefixEnabled": bool(settings.get("isPrefixEnabled", False)),
        "IsPrefixIncludedInHyperlink": bool(settings.get("isPrefixIncludedInHyperlink", False)),
        "Prefix": settings.get("prefix"),
        "IsHyperlinkEnabled": bool(settings.get("isHyperlinkEnabled", False)),
        "Format": settings.get("format"),
        "AllowMultiUserAssignments": True,
        "BaseWipOnCardSize": b.base_wip_on_card_size,
        "ExcludeFromOrgAnalytics": False,
        "ExcludeCompletedAndArchiveViolations": b.exclude_completed_and_archive_violations,
        "TopLevelLaneIds": [item.id for item in tree.top_level("active")],
        "BacklogTopLevelLaneId": backlog_top[0].id if backlog_top else 0,
        "ArchiveTopLevelLaneId": archive_top[0].id if archive_top else 0,
        "CardContexts": [],
        "ParentCards": [],
    }


def _top_parent(lane: LaneRecord, tree: LaneTree) -> int:
    while lane.parent_lane_id is not None and lane.parent_lane_id in tree.by_id:
        lane = tree.by_id[lane.parent_lane_id]
    return lane.id


def board_identifiers(parts: BoardParts) -> dict[str, Any]:
    b = parts.board
    tree = LaneTree(parts.lanes)
    # Index is the lane's place among all lanes of its class, as LeanKit's suite finds the first lanes
    # by `{LaneClassType: 0, Index: 0}` and `{…, Index: 1}`.
    lanes: list[dict[str, Any]] = []
    for class_type in ("active", "backlog", "archive"):
        for index, item in enumerate(tree.of_class(class_type)):
            lanes.append(
                {
                    "Id": item.id,
                    "Name": item.title,
                    "ActivityId": None,
                    "LaneClassType": _lane_class(item),
                    "LaneType": _lane_type(item),
                    "ClassType": _lane_class(item),
                    "Type": _lane_type(item),
                    "ParentLaneId": item.parent_lane_id or 0,
                    "TopLevelParentLaneId": _top_parent(item, tree),
                    "CardLimit": item.wip_limit,
                    "Index": index,
                }
            )
    return {
        "BoardId": b.id,
        "CardTypes": [{"Id": t.id, "Name": t.name} for t in parts.card_types],
        "BoardUsers": [{"Id": u.id, "Name": _name(u)} for u, _, _ in parts.members],
        "Lanes": lanes,
        "ClassesOfService": [{"Id": i.id, "Name": i.name} for i in parts.icons],
        "Priorities": [{"Id": v, "Name": _PRIORITY_TEXT[v]} for v in sorted(_PRIORITY_TEXT, reverse=True)],
        "TaskboardCategories": [],
    }


def hierarchical_lane(item: LaneRecord, tree: LaneTree, cards: list[dict[str, Any]]) -> dict[str, Any]:
    """An item of `Board/{b}/Archive`: the lane, its parent and its children (each with its cards)."""
    parent = tree.by_id.get(item.parent_lane_id) if item.parent_lane_id is not None else None
    return {
        "Lane": lane(item, tree, cards),
        "ParentLane": lane(parent, tree, []) if parent is not None else None,
        "ChildLanes": [lane(tree.by_id[i], tree, []) for i in tree.children.get(item.id, [])],
        "Dom": None,
    }


# --- comments ----------------------------------------------------------------------------------------------


def comment(item: CommentRecord, *, dates: Dates, base_url: str, caller_id: int) -> dict[str, Any]:
    author = item.created_by
    return {
        "Id": item.id,
        "Text": item.text,
        "PostDate": dates.stamp(item.created_on),
        "PostedByGravatarLink": avatar_url(base_url, author.id) if author else None,
        "PostedById": author.id if author else 0,
        "PostedByFullName": _name(author) if author else "",
        "Editable": author is not None and author.id == caller_id,
    }


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
    who = _name(record.user) if record.user else "Someone"
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


def taskboard(
    owner: CardReadRecord, lanes: Sequence[LaneRecord], cards_by_lane: dict[int, list[dict[str, Any]]]
) -> dict[str, Any]:
    """Taskboard: a card's task lanes with their tasks."""
    tree = LaneTree(lanes)
    done = sum(1 for lane in lanes if lane.lane_type == "completed" for _ in cards_by_lane.get(lane.id, []))
    total = sum(len(cards) for cards in cards_by_lane.values())
    return {
        "Id": owner.card.id,
        "Title": owner.card.title,
        "Version": owner.card.version,
        "Active": True,
        "Lanes": lanes_with_cards(tree.ordered, tree, cards_by_lane),
        "TopLevelLaneIds": list(tree.children.get(None, [])),
        "CardContext": {"Id": owner.card.id, "Name": owner.card.title, "IsDefault": True},
        "ProgressPercentage": round(100 * done / total) if total else 0,
        "BoardVersion": owner.board.version,
    }


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
        "UserFullName": _name(user) if user else None,
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
        body["UserToOverrideWipName"] = _name(overrider) if overrider else None
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


def card_list_item(read: CardReadRecord, *, dates: Dates) -> dict[str, Any]:
    """CardList: an item of ListNewCards."""
    c = read.card
    link = c.external_links[0] if c.external_links else {}
    return {
        "Id": c.id,
        "LaneId": c.lane_id,
        "Title": c.title,
        "Description": c.description or "",
        "CreatedOn": dates.day(c.created_on),
        "TypeName": read.card_type.name,
        "TypeId": c.type_id,
        "Priority": _priority(c.priority),
        "Size": c.size,
        "Index": read.index,
        "DueDate": dates.day(c.planned_finish),
        "ExternalSystemName": link.get("label") or "",
        "ExternalSystemUrl": link.get("url") or "",
        "Tags": ",".join(c.tags),
        "ClassOfServiceId": c.custom_icon_id,
        "ExternalCardID": c.custom_id or "",
        "DrillThroughBoardId": None,
        "ParentCardId": read.parent_cards[0].card_id if read.parent_cards else None,
    }


def asset(item: AttachmentRecord, *, base_url: str, dates: Dates) -> dict[str, Any]:
    """Asset: a card attachment."""
    creator, changer = item.created_by, item.changed_by or item.created_by
    return {
        "Id": item.id,
        "FileName": item.name,
        "Description": item.description,
        "CreatedOn": dates.stamp(item.created_on),
        "LastModified": dates.stamp(item.updated_on),
        "StorageId": item.storage_id,
        "AttachmentSize": item.size,
        "CardId": item.card_id,
        "CreatedById": creator.id if creator else 0,
        "CreatedByFullName": _name(creator) if creator else "",
        "LastModifiedById": changer.id if changer else 0,
        "LastModifiedByFullName": _name(changer) if changer else "",
        "GravatarLink": avatar_url(base_url, creator.id) if creator else None,
    }


def drill_through_statistics(result: Statistics, *, dates: Dates) -> dict[str, Any]:
    """DrillThroughStatistics: the roll-up of a card's children (GET /io/card/:cardId/statistics's)."""
    card, total = result.card, result.total
    return {
        "ParentCard": {
            "Id": card.id,
            "IsBlocked": card.is_blocked,
            "Size": card.size,
            "PlannedStartDate": dates.day(card.planned_start),
            "PlannedFinishDate": dates.day(card.planned_finish),
            "ActualStartDate": dates.stamp(card.actual_start),
            "ActualFinishDate": dates.stamp(card.actual_finish),
        },
        "IsDeleted": card.deleted_on is not None,
        "TotalNumberOfCards": total.total_count,
        "NumberOfCardsNotStarted": total.not_started_count,
        "NumberOfCardsStarted": total.started_count,
        "NumberOfCardsCompleted": total.completed_count,
        "BlockedCards": total.blocked_count,
        "NumberOfCardsPastDue": total.past_due_count,
        "ProjectedStartDate": dates.day(total.planned_start),
        "ProjectedFinishDate": dates.day(total.planned_finish),
        "ActualStartDate": dates.stamp(total.actual_start),
        "ActualFinishDate": dates.stamp(total.actual_finish),
        "IsAnyCardProjectedFinishDatePastParentCardProjectedFinishedDate": total.projected_late_count > 0,
        "TotalSizeOfCards": total.total_size,
        "TotalSizeOfCardsNotStarted": total.not_started_size,
        "TotalSizeOfCardsStarted": total.started_size,
        "TotalSizeOfCardsCompleted": total.completed_size,
        "TotalProgressPercentage": progress(total.completed_size, total.total_size),
    }
