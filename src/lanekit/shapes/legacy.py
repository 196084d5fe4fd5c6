"""The legacy v1 (`/kanban/api`) bodies: PascalCase, numeric ids, dates in the caller's date format.

Field lists follow LeanKit's v1 transfer objects (LeanKit's C# client `LeanKit.API.Client`,
`TransferObjects/*.cs`: Board, Lane, CardView, Card, Comment, CardEvent, BoardHistoryEvent, BoardUpdates) and
the recorded board-event payloads of LeanKit's `leankit-node-events` (`spec/test-files/*.json`).  Values
come from the same records the /io shapes read; `shapes/common.py`'s rules are not restated here, only the
v1 ones (date formats, integer enums) that differ from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lanekit.domain.cards.connections import Statistics
from lanekit.domain.enums import PRIORITIES
from lanekit.shapes.cards import progress
from lanekit.shapes.users import avatar_url
from lanekit.storage.records import (
    AttachmentRecord,
    CardReadRecord,
    CardTypeRecord,
    CommentRecord,
    UserRecord,
    UserRef,
)

# The user's date format → strftime (LeanKit's three date formats).
_DAY_PATTERNS = {"MM/dd/yyyy": "%m/%d/%Y", "dd/MM/yyyy": "%d/%m/%Y", "yyyy/MM/dd": "%Y/%m/%d"}
PRIORITY_TEXT = {value: name.capitalize() for name, value in PRIORITIES.items()}


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


def full_name(user: UserRef | UserRecord) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def priority_of(value: str) -> int:
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
        "FullName": full_name(user),
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
    priority = priority_of(card.priority)
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
        "PriorityText": PRIORITY_TEXT.get(priority, "Normal"),
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
        "AssignedUserName": full_name(first) if first else None,
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


# --- comments ----------------------------------------------------------------------------------------------


def comment(item: CommentRecord, *, dates: Dates, base_url: str, caller_id: int) -> dict[str, Any]:
    author = item.created_by
    return {
        "Id": item.id,
        "Text": item.text,
        "PostDate": dates.stamp(item.created_on),
        "PostedByGravatarLink": avatar_url(base_url, author.id) if author else None,
        "PostedById": author.id if author else 0,
        "PostedByFullName": full_name(author) if author else "",
        "Editable": author is not None and author.id == caller_id,
    }


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
        "Priority": priority_of(c.priority),
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
        "CreatedByFullName": full_name(creator) if creator else "",
        "LastModifiedById": changer.id if changer else 0,
        "LastModifiedByFullName": full_name(changer) if changer else "",
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
