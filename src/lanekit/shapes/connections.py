"""Connection bodies (LeanKit API: card connections, card statistics): child cards, board links, drill-through
statistics."""

from __future__ import annotations

from typing import Any

from lanekit.domain.cards.connections import BoardLink, Statistics
from lanekit.shapes.cards import card_list_item, connected_card_stats, custom_header, custom_id, is_done
from lanekit.shapes.common import day_instant, ident, instant_ms
from lanekit.storage.records import CardReadRecord, CardRecord

# The keys a child card shares with the list item (LeanKit API: `GET /io/card/:cardId/connection/children`).
_FROM_LIST_ITEM = (
    "assignedUsers",
    "actualFinish",
    "actualStart",
    "blockedStatus",
    "board",
    "customIcon",
    "customIconLabel",
    "color",
    "iconPath",
    "createdOn",
    "archivedOn",
    "description",
    "plannedFinish",
    "customId",
    "externalLinks",
    "id",
    "index",
    "lane",
    "updatedOn",
    "movedOn",
    "priority",
    "size",
    "plannedStart",
    "tags",
    "title",
    "version",
    "type",
    "taskBoardStats",
)


def child_card(read: CardReadRecord, *, base_url: str) -> dict[str, Any]:
    """A card of `GET /io/card/:cardId/connection/children`: list-item fields, a lane without `taskBoard`
    and `cardStatus`, plus `customHeader`, `isDone` and the child's own `connectedCardStats`."""
    item = card_list_item(read, base_url=base_url)
    body = {key: item[key] for key in _FROM_LIST_ITEM}
    body["lane"] = {k: v for k, v in item["lane"].items() if k not in ("taskBoard", "cardStatus")}
    identity = custom_id(read)
    body["customHeader"] = custom_header(identity)
    body["isDone"] = is_done(read)
    body["connectedCardStats"] = connected_card_stats(read.connected_stats)
    return body


def child_board(card_id: int, link: BoardLink, *, removable: bool) -> dict[str, Any]:
    """An item of `GET /io/card/:cardId/connection`; a board the caller cannot read shows no title."""
    return {
        "cardId": ident(card_id),
        "boardId": ident(link.board_id),
        "boardTitle": link.title if link.can_view else None,
        "isFollowable": link.can_view,
        "isRemovable": removable,
        "isArchived": link.is_archived,
    }


def parent_board(link: BoardLink) -> dict[str, Any]:
    """An item of `GET /io/card/:cardId/connection/parent-boards`."""
    return {
        "boardId": ident(link.board_id),
        "boardTitle": link.title if link.can_view else None,
        "canView": link.can_view,
        "isArchived": link.is_archived,
    }


def statistics(result: Statistics) -> dict[str, Any]:
    card = result.card
    return {
        "card": {
            "id": ident(card.id),
            "isBlocked": card.is_blocked,
            "size": card.size,
            "plannedStart": day_instant(card.planned_start),
            "plannedFinish": day_instant(card.planned_finish),
            "actualStart": instant_ms(card.actual_start),
            "actualFinish": instant_ms(card.actual_finish),
        },
        "drillThroughStats": connected_card_stats(result.total, drill_through=True),
        "boards": [
            {"boardId": ident(board_id), "cardStats": connected_card_stats(stats, drill_through=True)}
            for board_id, stats in result.boards
        ],
    }


def connected_card(card: CardRecord, *, board_title: str, board_version: int) -> dict[str, Any]:
    """A card of the deprecated `POST /io/card/:cardId/connection/many` response."""
    return {
        "id": ident(card.id),
        "title": card.title,
        "boardId": ident(card.board_id),
        "boardTitle": board_title,
        "boardVersion": str(board_version),
    }
