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
    # How PostgreSQL writes the column as CSV/TSV text (`storage/queries/reporting_text.py`): the kind, or
    # for a column with a `source` the name of the same rule in SQL; None when only Python can.
    text_kind: str | None = None


def _first_link(part: str) -> tuple[Callable[[Any], Any], str]:
    def pick(links: Any) -> Any:
        if isinstance(links, list) and links and isinstance(links[0], dict):
            return links[0].get(part)
        return None

    return pick, f"link.{part}"


def _field_value(value: Any) -> Any:
    """A custom field's value as text: a multi-choice field's choices separated by commas."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    return str(value)


_Source = tuple[Callable[[Any], Any], str | None]


def _columns(spec: str, sources: dict[str, _Source] | None = None) -> tuple[Column, ...]:
    """`"cardId s, cardSize i"` → columns (the notation of the contract's tables); `sources` maps a key to
    its Python source and that source's text kind (None: no SQL equivalent)."""
    found = sources or {}
    columns = []
    for item in spec.split(","):
        key, kind = item.split()
        source, text_kind = found.get(key, (None, kind))
        columns.append(Column(key, kind, source, text_kind))
    return tuple(columns)


_CARD_LINKS: dict[str, _Source] = {
    "cardExternalLinkName": _first_link("label"),
    "cardExternalLinkUrl": _first_link("url"),
}
_TASK_LINKS: dict[str, _Source] = {
    "taskExternalLinkName": _first_link("label"),
    "taskExternalLinkUrl": _first_link("url"),
}
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
        {"customFieldValue": (_field_value, None)},
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


def text_kinds(columns: tuple[Column, ...]) -> tuple[str, ...] | None:
    """The columns' text kinds, or None when a column can only be written by Python."""
    kinds = tuple(c.text_kind for c in columns if c.text_kind is not None)
    return kinds if len(kinds) == len(columns) else None


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
