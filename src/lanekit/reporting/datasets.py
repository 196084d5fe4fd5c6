"""The columns of every export, in the documented order, with each column's type and formatting.

The column lists are LeanKit's (its Tableau web data connectors define every export's keys and types):
s = string (ids are digit strings), i = integer, b = boolean, d = date (`YYYY-MM-DD`), dt = instant (ISO 8601
UTC with milliseconds and `Z`).  The assignment dates the connectors type as "date" are instants and are
written as such.  Dates and ids are formatted by `shapes/common.py`, the one copy of those rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanekit.shapes.common import instant_ms, plain_date


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    kind: str
    # Turns the stored value into the column's value before typing (a link list into its first label…).
    source: Callable[[Any], Any] | None = None


def _first_link(part: str) -> Callable[[Any], Any]:
    def pick(links: Any) -> Any:
        if isinstance(links, list) and links and isinstance(links[0], dict):
            return links[0].get(part)
        return None

    return pick


def _field_value(value: Any) -> Any:
    """A custom field's value as text: a multi-choice field's choices separated by commas."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    return str(value)


def _columns(spec: str, sources: dict[str, Callable[[Any], Any]] | None = None) -> tuple[Column, ...]:
    """`"cardId s, cardSize i"` → columns (the notation of the contract's tables)."""
    found = sources or {}
    columns = []
    for item in spec.split(","):
        key, kind = item.split()
        columns.append(Column(key, kind, found.get(key)))
    return tuple(columns)


_CARD_LINKS = {"cardExternalLinkName": _first_link("label"), "cardExternalLinkUrl": _first_link("url")}
_TASK_LINKS = {"taskExternalLinkName": _first_link("label"), "taskExternalLinkUrl": _first_link("url")}
_CURRENT_ASSIGNMENTS = (
    "cardId s, assignedUserId s, assignedUserFullName s, assignedUserEmailAddress s, assignedByUserId s, "
    "assignedByUserFullName s, assignedByUserEmailAddress s, assignedToDate dt, cardTitle s, cardSize i, "
    "priority s, cardTypeId s, cardTypeTitle s, currentBoardId s, currentBoardTitle s"
)
_ASSIGNMENT_HISTORY = (
    "cardId s, assignedUserId s, assignedUserFullName s, assignedUserEmailAddress s, assignedByUserId s, "
    "assignedByUserFullName s, assignedByUserEmailAddress s, unassignedByUserId s, "
    "unassignedByUserFullName s, unassignedByUserEmailAddress s, assignedToDate dt, assignedFromDate dt, "
    "cardTitle s, cardSize i, priority s, cardTypeId s, cardTypeTitle s, currentBoardId s, "
    "currentBoardTitle s, totalDurationDays i, totalDurationHours i, totalDurationMinusWeekendsDays i"
)

DATASETS: dict[str, tuple[Column, ...]] = {
    "boards": _columns("boardId s, boardTitle s"),
    "lanes": _columns(
        "laneId s, laneTitle s, fullLaneTitle s, boardId s, boardTitle s, lanePolicy s, laneClass s, "
        "laneOrientation s, laneType s, creationDate dt, wipLimit i, laneWidth i, lanePosition i, "
        "parentLaneId s, isCompletedLane b, isDefaultDropLane b, isTopLevelLane b, canHoldCards b, "
        "hasChildLanes b, childLaneCount i"
    ),
    "cards": _columns(
        "cardId s, parentCardId s, externalCardId s, cardTitle s, parentCardTitle s, cardTypeId s, "
        "cardType s, cardSize i, priority s, customIconId s, customIcon s, isCardBlocked b, "
        "currentBlockedReason s, cardExternalLinkName s, cardExternalLinkUrl s, creationDate dt, "
        "plannedStartDate d, actualStartDate dt, plannedFinishDate d, actualFinishDate dt, "
        "attachmentsCount i, lastAttachmentDate dt, commentsCount i, lastCommentDate dt, "
        "lastActivityDate dt, archivedDate dt, lastMovedDate dt, currentLaneId s, currentLaneTitle s, "
        "parentLaneId s, parentLaneTitle s, currentLaneClass s, currentLaneType s, currentBoardId s, "
        "currentBoardTitle s",
        _CARD_LINKS,
    ),
    "tasks": _columns(
        "taskId s, containingCardId s, externalCardId s, taskTitle s, containingCardTitle s, taskType s, "
        "taskSize i, priority s, customIcon s, isTaskBlocked b, currentBlockedReason s, "
        "taskExternalLinkName s, taskExternalLinkUrl s, creationDate dt, plannedStartDate d, "
        "actualStartDate dt, plannedFinishDate d, actualFinishDate dt, attachmentsCount i, "
        "lastAttachmentDate dt, commentsCount i, lastCommentDate dt, lastActivityDate dt, archivedDate dt, "
        "lastMovedDate dt, currentTaskboardLaneId s, currentTaskboardLaneTitle s, currentTaskboardLaneType s",
        _TASK_LINKS,
    ),
    "tags": _columns("boardId s, cardId s, tag s"),
    "comments": _columns("cardId s, commentText s, commentDate dt, commentPostedByUserId s"),
    "connections": _columns(
        "cardId s, parentCardId s, connectionCreatedDate dt, connectionCreatedByUserId s"
    ),
    "customfields": _columns(
        "cardId s, currentBoardId s, externalCardId s, customFieldId s, label s, type s, customFieldValue s",
        {"customFieldValue": _field_value},
    ),
    "userassignments/current": _columns(_CURRENT_ASSIGNMENTS),
    "usertaskassignments/current": _columns(_CURRENT_ASSIGNMENTS),
    "cardpositions": _columns(
        "cardId s, externalCardId s, cardTitle s, laneEntryDate dt, laneExitDate dt, laneId s, laneTitle s, "
        "boardId s, boardTitle s"
    ),
    "cards/blockedhistory": _columns(
        "cardId s, cardTitle s, cardSize i, priority s, cardTypeId s, cardTypeTitle s, currentBoardId s, "
        "currentBoardTitle s, blockedStartDate dt, blockedEndDate dt, blockedByUserId s, "
        "blockedByUserFullName s, blockedByUserEmailAddress s, unblockedByUserId s, "
        "unblockedByUserFullName s, unblockedByUserEmailAddress s, totalDurationDays i, "
        "totalDurationHours i, totalDurationMinusWeekendsDays i"
    ),
    "userassignments/history": _columns(_ASSIGNMENT_HISTORY),
    "usertaskassignments/history": _columns(_ASSIGNMENT_HISTORY),
}


def _typed(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "s":
        return str(value)
    if kind == "i":
        return int(value)
    if kind == "b":
        return bool(value)
    if kind == "dt":
        return instant_ms(value)
    if kind == "d":
        return plain_date(value.date() if isinstance(value, datetime) else value)
    raise ValueError(f"unknown column kind {kind!r}")


def typed_row(columns: tuple[Column, ...], values: list[Any]) -> list[Any]:
    """The row's values as the export's types (JSON types; `format_cell` then writes them as text)."""
    return [
        _typed(column.kind, column.source(value) if column.source else value)
        for column, value in zip(columns, values, strict=True)
    ]
