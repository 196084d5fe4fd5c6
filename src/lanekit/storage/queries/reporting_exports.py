"""Reporting exports: one select per export, read in batches (docs/decisions/171-reporting-exports.md).

Each export is a select whose columns are the export's columns in the documented order, labelled with their
keys, followed by its paging key (`_k0`, `_k1`: a unique, stable order).  `list_export_batch` reads one batch
in that order: the first batch skips `skip` rows, the next ones start after the last key read (keyset), so a
long export is many short statements and never one whole result in memory.  Every statement is limited to
the boards bound as `board_ids` (the boards the caller chose and can read), and a row that points at another
card (a parent) to the boards bound as `readable_ids` (every board the caller can read).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Text, bindparam, case, cast, func, literal, select, true, tuple_
from sqlalchemy.sql.elements import ColumnElement

from lanekit.storage.executor import Connection, Row
from lanekit.storage.rows import PerDialect, any_of
from lanekit.storage.tables import (
    attachments,
    boards,
    card_assignments,
    card_connections,
    card_field_values,
    card_tags,
    card_types,
    cards,
    comments,
    custom_fields,
    custom_icons,
    lanes,
    users,
)


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """An export's select (built per dialect) and the number of its paging key columns (at its end)."""

    build: Callable[[str], Select[Any]]
    key_width: int


def _live_card(table: Any = cards) -> ColumnElement[bool]:
    return table.c.deleted_on.is_(None)  # type: ignore[no-any-return]


def _boards(dialect: str) -> Select[Any]:
    return select(
        boards.c.id.label("boardId"),
        boards.c.title.label("boardTitle"),
        boards.c.id.label("_k0"),
    ).where(any_of(dialect, boards.c.id, "board_ids"))


def _lanes(dialect: str) -> Select[Any]:
    # Each lane's title with its ancestors', from the top: "Doing - Review - Waiting".
    top = (
        select(lanes.c.id, cast(lanes.c.title, Text).label("full_title"))
        .where(
            any_of(dialect, lanes.c.board_id, "board_ids"),
            lanes.c.parent_lane_id.is_(None),
            lanes.c.task_card_id.is_(None),
        )
        .cte("lane_paths", recursive=True)
    )
    child = lanes.alias("child_lane")
    paths = top.union_all(
        select(child.c.id, top.c.full_title + literal(" - ") + child.c.title).where(
            child.c.parent_lane_id == top.c.id
        )
    )
    children = lanes.alias("sub_lane")
    child_count = select(func.count()).where(children.c.parent_lane_id == lanes.c.id).scalar_subquery()
    return (
        select(
            lanes.c.id.label("laneId"),
            lanes.c.title.label("laneTitle"),
            paths.c.full_title.label("fullLaneTitle"),
            lanes.c.board_id.label("boardId"),
            boards.c.title.label("boardTitle"),
            lanes.c.description.label("lanePolicy"),
            lanes.c.lane_class_type.label("laneClass"),
            lanes.c.orientation.label("laneOrientation"),
            lanes.c.lane_type.label("laneType"),
            lanes.c.created_on.label("creationDate"),
            lanes.c.wip_limit.label("wipLimit"),
            lanes.c.columns.label("laneWidth"),
            lanes.c.position.label("lanePosition"),
            lanes.c.parent_lane_id.label("parentLaneId"),
            (lanes.c.lane_type == "completed").label("isCompletedLane"),
            lanes.c.is_default_drop_lane.label("isDefaultDropLane"),
            lanes.c.parent_lane_id.is_(None).label("isTopLevelLane"),
            (child_count == 0).label("canHoldCards"),
            (child_count > 0).label("hasChildLanes"),
            child_count.label("childLaneCount"),
            lanes.c.id.label("_k0"),
        )
        .select_from(
            lanes.join(paths, paths.c.id == lanes.c.id).join(boards, boards.c.id == lanes.c.board_id)
        )
        .where(any_of(dialect, lanes.c.board_id, "board_ids"))
    )


def _first_parent(dialect: str, child_id: Any) -> Any:
    """The lowest id among the card's live parents on a readable board (a card may have several)."""
    parent = cards.alias("parent_card")
    return (
        select(func.min(card_connections.c.parent_card_id))
        .select_from(card_connections.join(parent, parent.c.id == card_connections.c.parent_card_id))
        .where(
            card_connections.c.child_card_id == child_id,
            _live_card(parent),
            any_of(dialect, parent.c.board_id, "readable_ids"),
        )
        # Explicitly: nested in `parentCardTitle`'s subquery, auto-correlation stops at that subquery and
        # the outer `cards` would become a FROM of its own (every card then named the same parent).
        .correlate(cards)
        .scalar_subquery()
    )


def _count_and_last(table: Any, card_id: Any) -> tuple[Any, Any]:
    count = select(func.count()).where(table.c.card_id == card_id).scalar_subquery()
    last = select(func.max(table.c.created_on)).where(table.c.card_id == card_id).scalar_subquery()
    return count, last


def _blocked_reason(table: Any) -> Any:
    return case((table.c.is_blocked == true(), table.c.blocked_reason), else_=None)


def _cards(dialect: str) -> Select[Any]:
    parent_lane = lanes.alias("parent_lane")
    titled = cards.alias("titled_parent")
    parent_id = _first_parent(dialect, cards.c.id)
    parent_title = select(titled.c.title).where(titled.c.id == parent_id).scalar_subquery()
    attachment_count, last_attachment = _count_and_last(attachments, cards.c.id)
    comment_count, last_comment = _count_and_last(comments, cards.c.id)
    return (
        select(
            cards.c.id.label("cardId"),
            parent_id.label("parentCardId"),
            cards.c.custom_id.label("externalCardId"),
            cards.c.title.label("cardTitle"),
            parent_title.label("parentCardTitle"),
            cards.c.type_id.label("cardTypeId"),
            card_types.c.name.label("cardType"),
            cards.c.size.label("cardSize"),
            cards.c.priority.label("priority"),
            cards.c.custom_icon_id.label("customIconId"),
            custom_icons.c.name.label("customIcon"),
            cards.c.is_blocked.label("isCardBlocked"),
            _blocked_reason(cards).label("currentBlockedReason"),
            cards.c.external_links.label("cardExternalLinkName"),
            cards.c.external_links.label("cardExternalLinkUrl"),
            cards.c.created_on.label("creationDate"),
            cards.c.planned_start.label("plannedStartDate"),
            cards.c.actual_start.label("actualStartDate"),
            cards.c.planned_finish.label("plannedFinishDate"),
            cards.c.actual_finish.label("actualFinishDate"),
            attachment_count.label("attachmentsCount"),
            last_attachment.label("lastAttachmentDate"),
            comment_count.label("commentsCount"),
            last_comment.label("lastCommentDate"),
            cards.c.updated_on.label("lastActivityDate"),
            cards.c.archived_on.label("archivedDate"),
            cards.c.moved_on.label("lastMovedDate"),
            cards.c.lane_id.label("currentLaneId"),
            lanes.c.title.label("currentLaneTitle"),
            lanes.c.parent_lane_id.label("parentLaneId"),
            parent_lane.c.title.label("parentLaneTitle"),
            lanes.c.lane_class_type.label("currentLaneClass"),
            lanes.c.lane_type.label("currentLaneType"),
            cards.c.board_id.label("currentBoardId"),
            boards.c.title.label("currentBoardTitle"),
            cards.c.id.label("_k0"),
        )
        .select_from(
            cards.join(lanes, lanes.c.id == cards.c.lane_id)
            .outerjoin(parent_lane, parent_lane.c.id == lanes.c.parent_lane_id)
            .join(boards, boards.c.id == cards.c.board_id)
            .join(card_types, card_types.c.id == cards.c.type_id)
            .outerjoin(custom_icons, custom_icons.c.id == cards.c.custom_icon_id)
        )
        .where(
            any_of(dialect, cards.c.board_id, "board_ids"),
            _live_card(),
            cards.c.containing_card_id.is_(None),
        )
    )


def _tasks(dialect: str) -> Select[Any]:
    owner = cards.alias("containing_card")
    attachment_count, last_attachment = _count_and_last(attachments, cards.c.id)
    comment_count, last_comment = _count_and_last(comments, cards.c.id)
    return (
        select(
            cards.c.id.label("taskId"),
            cards.c.containing_card_id.label("containingCardId"),
            cards.c.custom_id.label("externalCardId"),
            cards.c.title.label("taskTitle"),
            owner.c.title.label("containingCardTitle"),
            card_types.c.name.label("taskType"),
            cards.c.size.label("taskSize"),
            cards.c.priority.label("priority"),
            custom_icons.c.name.label("customIcon"),
            cards.c.is_blocked.label("isTaskBlocked"),
            _blocked_reason(cards).label("currentBlockedReason"),
            cards.c.external_links.label("taskExternalLinkName"),
            cards.c.external_links.label("taskExternalLinkUrl"),
            cards.c.created_on.label("creationDate"),
            cards.c.planned_start.label("plannedStartDate"),
            cards.c.actual_start.label("actualStartDate"),
            cards.c.planned_finish.label("plannedFinishDate"),
            cards.c.actual_finish.label("actualFinishDate"),
            attachment_count.label("attachmentsCount"),
            last_attachment.label("lastAttachmentDate"),
            comment_count.label("commentsCount"),
            last_comment.label("lastCommentDate"),
            cards.c.updated_on.label("lastActivityDate"),
            cards.c.archived_on.label("archivedDate"),
            cards.c.moved_on.label("lastMovedDate"),
            cards.c.lane_id.label("currentTaskboardLaneId"),
            lanes.c.title.label("currentTaskboardLaneTitle"),
            lanes.c.lane_type.label("currentTaskboardLaneType"),
            cards.c.id.label("_k0"),
        )
        .select_from(
            cards.join(owner, owner.c.id == cards.c.containing_card_id)
            .join(lanes, lanes.c.id == cards.c.lane_id)
            .join(card_types, card_types.c.id == cards.c.type_id)
            .outerjoin(custom_icons, custom_icons.c.id == cards.c.custom_icon_id)
        )
        .where(any_of(dialect, cards.c.board_id, "board_ids"), _live_card(), _live_card(owner))
    )


def _tags(dialect: str) -> Select[Any]:
    return (
        select(
            card_tags.c.board_id.label("boardId"),
            card_tags.c.card_id.label("cardId"),
            card_tags.c.tag.label("tag"),
            card_tags.c.card_id.label("_k0"),
            card_tags.c.tag.label("_k1"),
        )
        .select_from(card_tags.join(cards, cards.c.id == card_tags.c.card_id))
        .where(
            any_of(dialect, card_tags.c.board_id, "board_ids"),
            _live_card(),
            cards.c.containing_card_id.is_(None),
        )
    )


def _comments(dialect: str) -> Select[Any]:
    return (
        select(
            comments.c.card_id.label("cardId"),
            comments.c.text.label("commentText"),
            comments.c.created_on.label("commentDate"),
            comments.c.created_by.label("commentPostedByUserId"),
            comments.c.id.label("_k0"),
        )
        .select_from(comments.join(cards, cards.c.id == comments.c.card_id))
        .where(any_of(dialect, cards.c.board_id, "board_ids"), _live_card())
    )


def _connections(dialect: str) -> Select[Any]:
    parent = cards.alias("parent_card")
    return (
        select(
            card_connections.c.child_card_id.label("cardId"),
            card_connections.c.parent_card_id.label("parentCardId"),
            card_connections.c.created_on.label("connectionCreatedDate"),
            # Filled from the connection events by the domain (storage has no column for it).
            literal(None).label("connectionCreatedByUserId"),
            card_connections.c.child_card_id.label("_k0"),
            card_connections.c.parent_card_id.label("_k1"),
        )
        .select_from(
            card_connections.join(cards, cards.c.id == card_connections.c.child_card_id).join(
                parent, parent.c.id == card_connections.c.parent_card_id
            )
        )
        .where(
            any_of(dialect, cards.c.board_id, "board_ids"),
            any_of(dialect, parent.c.board_id, "readable_ids"),
            _live_card(),
            _live_card(parent),
        )
    )


def _custom_fields(dialect: str) -> Select[Any]:
    return (
        select(
            card_field_values.c.card_id.label("cardId"),
            cards.c.board_id.label("currentBoardId"),
            cards.c.custom_id.label("externalCardId"),
            card_field_values.c.field_id.label("customFieldId"),
            custom_fields.c.label.label("label"),
            custom_fields.c.type.label("type"),
            card_field_values.c.value.label("customFieldValue"),
            card_field_values.c.card_id.label("_k0"),
            card_field_values.c.field_id.label("_k1"),
        )
        .select_from(
            card_field_values.join(cards, cards.c.id == card_field_values.c.card_id).join(
                custom_fields, custom_fields.c.id == card_field_values.c.field_id
            )
        )
        .where(
            any_of(dialect, cards.c.board_id, "board_ids"),
            _live_card(),
            card_field_values.c.value.is_not(None),
        )
    )


def _current_assignments(*, tasks: bool) -> Callable[[str], Select[Any]]:
    def build(dialect: str) -> Select[Any]:
        full_name = users.c.first_name + literal(" ") + users.c.last_name
        return (
            select(
                card_assignments.c.card_id.label("cardId"),
                card_assignments.c.user_id.label("assignedUserId"),
                full_name.label("assignedUserFullName"),
                users.c.email.label("assignedUserEmailAddress"),
                # The three assignedBy* columns come from the assignment events (the domain fills them).
                literal(None).label("assignedByUserId"),
                literal(None).label("assignedByUserFullName"),
                literal(None).label("assignedByUserEmailAddress"),
                card_assignments.c.assigned_on.label("assignedToDate"),
                cards.c.title.label("cardTitle"),
                cards.c.size.label("cardSize"),
                cards.c.priority.label("priority"),
                cards.c.type_id.label("cardTypeId"),
                card_types.c.name.label("cardTypeTitle"),
                cards.c.board_id.label("currentBoardId"),
                boards.c.title.label("currentBoardTitle"),
                card_assignments.c.card_id.label("_k0"),
                card_assignments.c.user_id.label("_k1"),
            )
            .select_from(
                card_assignments.join(cards, cards.c.id == card_assignments.c.card_id)
                .join(users, users.c.id == card_assignments.c.user_id)
                .join(card_types, card_types.c.id == cards.c.type_id)
                .join(boards, boards.c.id == cards.c.board_id)
            )
            .where(
                any_of(dialect, cards.c.board_id, "board_ids"),
                _live_card(),
                cards.c.containing_card_id.is_not(None) if tasks else cards.c.containing_card_id.is_(None),
            )
        )

    return build


EXPORT_QUERIES: dict[str, ExportQuery] = {
    "boards": ExportQuery(_boards, 1),
    "lanes": ExportQuery(_lanes, 1),
    "cards": ExportQuery(_cards, 1),
    "tasks": ExportQuery(_tasks, 1),
    "tags": ExportQuery(_tags, 2),
    "comments": ExportQuery(_comments, 1),
    "connections": ExportQuery(_connections, 2),
    "customfields": ExportQuery(_custom_fields, 2),
    "userassignments/current": ExportQuery(_current_assignments(tasks=False), 2),
    "usertaskassignments/current": ExportQuery(_current_assignments(tasks=True), 2),
}


def paged_select(export: str, dialect: str, *, first: bool) -> Select[Any]:
    """The export's statement for a first batch (`OFFSET :skip`) or a following one (after `:a0`, `:a1`):
    at most `:size` rows in key order, each ending with its key (`_k0`, `_k1`).  `reporting_text.py` wraps
    the same statement."""
    query = EXPORT_QUERIES[export]
    base = query.build(dialect)
    keys = [base.selected_columns[f"_k{i}"] for i in range(query.key_width)]
    inner = base.subquery("export")
    ordered = [inner.c[f"_k{i}"] for i in range(query.key_width)]
    stmt = select(inner).order_by(*ordered).limit(bindparam("size"))
    if first:
        return stmt.offset(bindparam("skip"))
    after = [bindparam(f"a{i}", type_=key.type) for i, key in enumerate(keys)]
    if len(ordered) == 1:
        return stmt.where(ordered[0] > after[0])
    return stmt.where(tuple_(*ordered) > tuple_(*after))


def _paged(export: str, *, first: bool) -> PerDialect[Select[Any]]:
    return PerDialect(lambda dialect: paged_select(export, dialect, first=first))


_STATEMENTS: dict[tuple[str, bool], PerDialect[Select[Any]]] = {
    (name, first): _paged(name, first=first) for name in EXPORT_QUERIES for first in (True, False)
}


async def list_export_batch(
    conn: Connection,
    *,
    export: str,
    board_ids: Sequence[int],
    readable_ids: Sequence[int],
    after: tuple[Any, ...] | None,
    skip: int,
    size: int,
) -> list[Row]:
    """Up to `size` rows of the export, in key order: the first batch after skipping `skip` rows, or the rows
    whose key follows `after` (the key of the last row of the previous batch).  Each row ends with its key."""
    stmt = _STATEMENTS[(export, after is None)](conn)
    params: dict[str, Any] = {"board_ids": list(board_ids), "readable_ids": list(readable_ids), "size": size}
    if after is None:
        params["skip"] = skip
    else:
        params.update({f"a{i}": value for i, value in enumerate(after)})
    return list((await conn.execute(stmt, params)).all())


def key_width(export: str) -> int:
    return EXPORT_QUERIES[export].key_width
