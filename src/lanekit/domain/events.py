"""Activity events (LeanKit API: card activity): the only code that knows an event's fields.

Domain functions describe what happened with these builders; `storage/queries/activity.py` stores the
results in the same transaction, stamped with the actor, the instant and the board version the change made.
`data` is stored in its wire form (ids as digit strings); `user` objects inside `data` carry no avatar, which
depends on the server's public URL and is added by shapes/activity.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lanekit.storage.records import CardRecord, LaneRecord, UserRef

CARD_CREATED = "cardCreated"
CARD_CHANGED = "cardChanged"
CARD_BLOCKED = "cardBlocked"
CARD_UNBLOCKED = "cardUnblocked"
CARD_MOVED = "cardMoved"
CARD_MOVED_OFF_BOARD = "cardMovedOffBoard"
CARD_MOVED_TO_TASK_BOARD = "cardMovedToTaskBoard"
TASK_CARD_CREATED = "taskCardCreated"
TASK_CARD_MOVED = "taskCardMoved"
TASK_CARD_MOVED_TO_BOARD = "taskCardMovedToBoard"
CARD_DELETED = "cardDeleted"
ATTACHMENT_ADDED = "attachmentAdded"
ATTACHMENT_DELETED = "attachmentDeleted"
USER_ASSIGNED = "userAssigned"
USER_UNASSIGNED = "userUnassigned"
LANE_WIP_EXCEEDED = "laneWipExceeded"
USER_WIP_EXCEEDED = "userWipExceeded"
CARD_CHILD_CONNECTION_CREATED = "cardChildConnectionCreated"
CARD_CHILD_CONNECTION_DELETED = "cardChildConnectionDeleted"
CARD_PARENT_CONNECTION_CREATED = "cardParentConnectionCreated"
CARD_PARENT_CONNECTION_DELETED = "cardParentConnectionDeleted"
CARD_SYNC_SOURCE_CREATED = "cardSyncSourceCreated"
CARD_SYNC_SOURCE_DELETED = "cardSyncSourceDeleted"
CARD_SYNC_DESTINATION_CREATED = "cardSyncDestinationCreated"
CARD_SYNC_DESTINATION_DELETED = "cardSyncDestinationDeleted"
COMMENT_ADDED = "commentAdded"


@dataclass(frozen=True, slots=True)
class NewEvent:
    board_id: int
    card_id: int | None
    type: str
    data: dict[str, Any]


def _card(card: CardRecord) -> dict[str, str]:
    return {"id": str(card.id), "title": card.title}


def _lane(lane: LaneRecord) -> dict[str, str]:
    return {"id": str(lane.id), "title": lane.title}


def _user(user: UserRef) -> dict[str, str]:
    return {"id": str(user.id), "fullName": user.full_name, "emailAddress": user.email}


def card_created(card: CardRecord, lane: LaneRecord) -> NewEvent:
    return NewEvent(card.board_id, card.id, CARD_CREATED, {"card": _card(card), "lane": _lane(lane)})


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    old: str | None
    new: str | None


def card_changed(card: CardRecord, changes: list[FieldChange]) -> NewEvent:
    fields = [{"name": c.name, "oldValue": c.old, "newValue": c.new} for c in changes]
    return NewEvent(card.board_id, card.id, CARD_CHANGED, {"card": _card(card), "fields": fields})


def card_blocked(card: CardRecord, reason: str | None) -> NewEvent:
    return NewEvent(card.board_id, card.id, CARD_BLOCKED, {"card": _card(card), "comment": reason})


def card_unblocked(card: CardRecord, reason: str | None) -> NewEvent:
    return NewEvent(card.board_id, card.id, CARD_UNBLOCKED, {"card": _card(card), "comment": reason})


def card_moved(card: CardRecord, from_lane: LaneRecord, to_lane: LaneRecord) -> NewEvent:
    return NewEvent(
        card.board_id,
        card.id,
        CARD_MOVED,
        {"card": _card(card), "fromLane": _lane(from_lane), "toLane": _lane(to_lane)},
    )


def card_moved_off_board(
    card: CardRecord,
    *,
    from_lane: LaneRecord,
    from_board: tuple[int, str],
    to_board: tuple[int, str],
    to_lane: LaneRecord,
    board_id: int,
) -> NewEvent:
    """Recorded on both boards (`board_id` says which log this copy belongs to)."""
    return NewEvent(
        board_id,
        card.id,
        CARD_MOVED_OFF_BOARD,
        {
            "card": _card(card),
            "fromLane": _lane(from_lane),
            "fromBoard": {"id": str(from_board[0]), "title": from_board[1]},
            "toBoard": {"id": str(to_board[0]), "title": to_board[1]},
            "toLane": _lane(to_lane),
        },
    )


def task_card_created(task: CardRecord, lane: LaneRecord, parent: CardRecord) -> NewEvent:
    """Task events go to the owner's board (the task's own board id) and name the task as `card`."""
    data = {"card": _card(task), "lane": _lane(lane), "parentCard": _card(parent)}
    return NewEvent(task.board_id, task.id, TASK_CARD_CREATED, data)


def task_card_moved(
    task: CardRecord, from_lane: LaneRecord, to_lane: LaneRecord, parent: CardRecord
) -> NewEvent:
    data = {"card": _card(task), "fromLane": _lane(from_lane), "toLane": _lane(to_lane)}
    return NewEvent(task.board_id, task.id, TASK_CARD_MOVED, {**data, "parentCard": _card(parent)})


def task_card_moved_to_board(
    card: CardRecord,
    *,
    from_lane: LaneRecord,
    from_board: tuple[int, str],
    to_board: tuple[int, str],
    to_lane: LaneRecord,
    board_id: int,
) -> NewEvent:
    """A task became a card of a board lane; recorded on each board involved (`board_id` says which)."""
    data = {
        "card": _card(card),
        "fromLane": _lane(from_lane),
        "fromBoard": {"id": str(from_board[0]), "title": from_board[1]},
        "toBoard": {"id": str(to_board[0]), "title": to_board[1]},
        "toLane": _lane(to_lane),
    }
    return NewEvent(board_id, card.id, TASK_CARD_MOVED_TO_BOARD, data)


def card_moved_to_task_board(
    card: CardRecord, from_lane: LaneRecord, to_lane: LaneRecord, parent: CardRecord
) -> NewEvent:
    data = {"card": _card(card), "fromLane": _lane(from_lane), "toLane": _lane(to_lane)}
    return NewEvent(parent.board_id, card.id, CARD_MOVED_TO_TASK_BOARD, {**data, "parentCard": _card(parent)})


# Which lanes of a task event are board lanes (the others are taskboard lanes, not on the board).
_BOARD_LANE_KEYS: dict[str, tuple[str, ...]] = {
    TASK_CARD_CREATED: (),
    TASK_CARD_MOVED: (),
    TASK_CARD_MOVED_TO_BOARD: ("toLane",),
    CARD_MOVED_TO_TASK_BOARD: ("fromLane",),
}


def card_deleted(card: CardRecord) -> NewEvent:
    return NewEvent(card.board_id, card.id, CARD_DELETED, {"card": _card(card)})


def attachment_added(card: CardRecord, *, file_name: str, description: str) -> NewEvent:
    """`comment` is the attachment's description (LeanKit API: card activity)."""
    data = {"card": _card(card), "fileName": file_name, "comment": description}
    return NewEvent(card.board_id, card.id, ATTACHMENT_ADDED, data)


def attachment_deleted(card: CardRecord, *, file_name: str, description: str) -> NewEvent:
    data = {"card": _card(card), "fileName": file_name, "comment": description}
    return NewEvent(card.board_id, card.id, ATTACHMENT_DELETED, data)


def user_assigned(card: CardRecord, user: UserRef) -> NewEvent:
    return NewEvent(card.board_id, card.id, USER_ASSIGNED, {"card": _card(card), "user": _user(user)})


def user_unassigned(card: CardRecord, user: UserRef) -> NewEvent:
    return NewEvent(card.board_id, card.id, USER_UNASSIGNED, {"card": _card(card), "user": _user(user)})


def lane_wip_exceeded(card: CardRecord, lane_id: int, lane_title: str, comment: str) -> NewEvent:
    return NewEvent(
        card.board_id,
        card.id,
        LANE_WIP_EXCEEDED,
        {"card": _card(card), "lane": {"id": str(lane_id), "title": lane_title}, "comment": comment},
    )


def user_wip_exceeded(card: CardRecord, user: UserRef, comment: str) -> NewEvent:
    return NewEvent(
        card.board_id,
        card.id,
        USER_WIP_EXCEEDED,
        {"card": _card(card), "user": _user(user), "comment": comment},
    )


def card_connected(parent: CardRecord, child: CardRecord) -> list[NewEvent]:
    """A parent/child connection, logged on both cards (each on its own board)."""
    return [
        NewEvent(
            parent.board_id,
            parent.id,
            CARD_CHILD_CONNECTION_CREATED,
            {"card": _card(parent), "childCard": _card(child)},
        ),
        NewEvent(
            child.board_id,
            child.id,
            CARD_PARENT_CONNECTION_CREATED,
            {"card": _card(child), "parentCard": _card(parent)},
        ),
    ]


def card_disconnected(parent: CardRecord, child: CardRecord) -> list[NewEvent]:
    return [
        NewEvent(
            parent.board_id,
            parent.id,
            CARD_CHILD_CONNECTION_DELETED,
            {"card": _card(parent), "childCard": _card(child)},
        ),
        NewEvent(
            child.board_id,
            child.id,
            CARD_PARENT_CONNECTION_DELETED,
            {"card": _card(child), "parentCard": _card(parent)},
        ),
    ]


def comment_added(card: CardRecord, text: str) -> NewEvent:
    """`comment` is the stored (sanitised) HTML."""
    return NewEvent(card.board_id, card.id, COMMENT_ADDED, {"card": _card(card), "comment": text})


def card_sync_started(mirror: CardRecord, source: CardRecord) -> list[NewEvent]:
    """Mirroring began (docs/decisions/145-card-mirroring.md): `cardSyncSourceCreated` on the mirror,
    `cardSyncDestinationCreated` on the source."""
    on_mirror = {"card": _card(mirror), "sourceCard": _card(source)}
    on_source = {"card": _card(source), "destinationCard": _card(mirror)}
    return [
        NewEvent(mirror.board_id, mirror.id, CARD_SYNC_SOURCE_CREATED, on_mirror),
        NewEvent(source.board_id, source.id, CARD_SYNC_DESTINATION_CREATED, on_source),
    ]


def card_sync_ended(mirror: CardRecord, source: CardRecord, *, on_source: bool = True) -> list[NewEvent]:
    """Mirroring ended: `cardSyncSourceDeleted` on the mirror and, unless the source is gone,
    `cardSyncDestinationDeleted` on the source."""
    data = {"card": _card(mirror), "sourceCard": _card(source)}
    ended = [NewEvent(mirror.board_id, mirror.id, CARD_SYNC_SOURCE_DELETED, data)]
    if on_source:
        data = {"card": _card(source), "destinationCard": _card(mirror)}
        ended.append(NewEvent(source.board_id, source.id, CARD_SYNC_DESTINATION_DELETED, data))
    return ended


@dataclass(frozen=True, slots=True)
class BoardChanges:
    """What `GET /io/board/:boardId/changes?version=` reports, derived from the events after a version."""

    created: list[int]
    updated: list[int]
    deleted: list[int]
    affected_lanes: list[int]
    assignment_changed: bool
    event_versions: int


def summarize(events: list[tuple[int | None, str, dict[str, Any], int]]) -> BoardChanges:
    """Fold (card id, type, data, board version) rows, oldest first, into created/updated/deleted ids."""
    created: dict[int, None] = {}
    updated: dict[int, None] = {}
    deleted: dict[int, None] = {}
    lanes: dict[int, None] = {}
    assignment = False
    versions: set[int] = set()
    for card_id, kind, data, version in events:
        versions.add(version)
        for key in _BOARD_LANE_KEYS.get(kind, ("lane", "fromLane", "toLane")):
            lane = data.get(key)
            if isinstance(lane, dict) and kind != LANE_WIP_EXCEEDED and str(lane.get("id", "")).isdigit():
                lanes[int(lane["id"])] = None
        if kind in (USER_ASSIGNED, USER_UNASSIGNED):
            assignment = True
        if kind in _BOARD_LANE_KEYS:
            # A task change shows as a change of its owner (its taskBoardStats); a task that stays a task is
            # not a card of the board.
            parent = data.get("parentCard")
            if isinstance(parent, dict) and str(parent.get("id", "")).isdigit():
                updated[int(parent["id"])] = None
            if kind in (TASK_CARD_CREATED, TASK_CARD_MOVED):
                continue
        if card_id is None:
            continue
        if kind == CARD_CREATED:
            created[card_id] = None
        elif kind == CARD_DELETED:
            deleted[card_id] = None
        else:
            updated[card_id] = None
    return BoardChanges(
        created=[c for c in created if c not in deleted],
        updated=[c for c in updated if c not in created and c not in deleted],
        deleted=list(deleted),
        affected_lanes=list(lanes),
        assignment_changed=assignment,
        event_versions=len(versions),
    )
