"""v1 card searches: `Board/{b}/SearchCards` (SearchOptions, paged) and `Board/{b}/ListNewCards`, over the
card list of GET /io/card (`domain/cards/lists.py`: its parameter checks, filters and sorts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from lanekit.domain.boards import reads as board_reads
from lanekit.domain.cards import lists as card_lists
from lanekit.domain.errors import Invalid
from lanekit.legacy.envelope import Reply, ReplyCode
from lanekit.legacy.parsing import Fields, object_body, path_id, user_date
from lanekit.legacy.routing import Call, call
from lanekit.shapes import legacy as shapes

# LeanKit's client defaults (SearchOptions): page 1 of 20.
DEFAULT_MAX_RESULTS = 20
NEW_CARDS = 50


def _flag(fields: Fields, name: str) -> bool:
    value = fields.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Invalid(name, "must be true or false")
    return value


def _whole(fields: Fields, name: str, default: int, *, low: int, high: int) -> int:
    value = fields.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(name, f"must be a whole number from {low} to {high}")
    return value


def lane_classes(fields: Fields) -> list[str] | None:
    """SearchOptions' scope flags as lane class types; None: every class."""
    if _flag(fields, "IncludeArchiveOnly"):
        return ["archive"]
    if _flag(fields, "IncludeBacklogOnly"):
        return ["backlog"]
    if _flag(fields, "ExcludeArchiveAndBacklog"):
        return ["active"]
    named = {
        "active": _flag(fields, "SearchInBoard"),
        "backlog": _flag(fields, "SearchInBacklog"),
        "archive": _flag(fields, "SearchInRecentArchive") or _flag(fields, "SearchInOldArchive"),
    }
    chosen = [name for name, wanted in named.items() if wanted]
    return chosen or None


def _ids(fields: Fields, name: str) -> list[Any] | None:
    value = fields.get(name)
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise Invalid(name, "must be an array of ids")
    return value


def _day_start(day: date | None, zone: Any) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=zone)


def search_query(
    fields: Fields, *, board_id: int, date_format: str, zone: Any
) -> tuple[card_lists.CardQuery, int, int]:
    """The card list query of a SearchOptions body, with its page and page size.  `AddedAfter` and
    `AddedBefore` are days in the caller's date format and time zone: cards created after the first day
    ends, and before the second begins."""
    added_after = user_date(fields.get("AddedAfter"), "AddedAfter", date_format=date_format)
    added_before = user_date(fields.get("AddedBefore"), "AddedBefore", date_format=date_format)
    after = _day_start(None if added_after is None else added_after + timedelta(days=1), zone)
    before = _day_start(added_before, zone)
    page = _whole(fields, "Page", 1, low=1, high=2**31 - 1)
    size = _whole(fields, "MaxResults", DEFAULT_MAX_RESULTS, low=1, high=card_lists.MAX_LIMIT)
    if (page - 1) * size > 2**31 - 1:
        raise Invalid("Page", "is past the last card a search can reach")
    icons = _ids(fields, "ClassOfServiceIds")
    if icons is not None and len(icons) > 1:
        raise Invalid("ClassOfServiceIds", "may name at most one class of service")
    lane_id = fields.get("LaneId")
    order = fields.get("OrderBy")
    if order is not None and not isinstance(order, str):
        raise Invalid("OrderBy", "must be a field name")
    term = fields.get("SearchTerm")
    raw: dict[str, Any] = {
        "board": board_id,
        "offset": (page - 1) * size,
        "limit": size,
        "search": term if term else None,
        "types": _ids(fields, "CardTypeIds"),
        "assignedUserIds": _ids(fields, "AssignedUserIds"),
        "custom_icon": icons[0] if icons else None,
        "lanes": None if lane_id in (None, 0, "0", "") else [lane_id],
        "lane_class_types": lane_classes(fields),
        # Title order when asked for; otherwise the list's own order (relevance when searching, else the
        # latest activity first).
        "sort": "title" if order and order.lower() == "title" else None,
    }
    query = card_lists.parse_query(raw, from_query_string=False)
    return replace(query, created_from=after, created_before=before), page, size


@call("POST", "/board/{boardId:int}/searchcards")
async def search_cards(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    query, page, size = search_query(
        await object_body(c.request), board_id=board_id, date_format=c.user.date_format, zone=c.dates.zone
    )
    async with c.db.read() as conn:
        # The board must be readable (a search of another's board is "not found", not an empty page).
        await board_reads.probe_board(conn, actor=c.actor, board_id=board_id)
        found = await card_lists.list_cards(conn, actor=c.actor, query=query)
    payload = {
        "Results": [
            shapes.card_view(read, dates=c.dates, base_url=c.base_url, in_lane=False) for read in found.cards
        ],
        "TotalResults": found.total,
        "Page": page,
        "MaxResults": size,
    }
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Cards successfully retrieved.")


@call("GET", "/board/{boardId:int}/listnewcards")
async def list_new_cards(c: Call) -> Reply:
    """The board's most recently changed cards (CardList items)."""
    board_id = path_id(c.request, "boardId", "board")
    query = card_lists.parse_query({"board": board_id, "limit": NEW_CARDS}, from_query_string=False)
    async with c.db.read() as conn:
        await board_reads.probe_board(conn, actor=c.actor, board_id=board_id)
        found = await card_lists.list_cards(conn, actor=c.actor, query=query)
    payload = [shapes.card_list_item(read, dates=c.dates) for read in found.cards]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Cards successfully retrieved.")
