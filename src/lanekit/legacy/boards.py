"""v1 board calls: `Boards`, `ListNewBoards`, `Boards/{b}`, `Board/{b}/GetBoardIdentifiers`, backlog, archive,
archive cards, and the board-event feed (`GetBoardHistorySince`, `GetNewerIfExists`, `CheckForUpdates`).

The board is the /io board GET's view (`domain/boards/reads.get_board`) with the cards of
`GET /io/board/:boardId/card` (`domain/cards/lists.open_faces`, `read_faces`); the feed reads the activity
log after a board version (`domain/boards/activity.board_history_since`), as
`GET /io/board/:boardId/changes` does.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from fastapi.responses import Response

from lanekit.domain import clock
from lanekit.domain.access import BoardAccess, board_access
from lanekit.domain.boards import activity
from lanekit.domain.boards import reads as board_reads
from lanekit.domain.body_cache import BodyCache
from lanekit.domain.cards import lists as card_lists
from lanekit.domain.inputs import INT32_MAX
from lanekit.legacy.envelope import Reply, ReplyCode, reply_response
from lanekit.legacy.parsing import path_id
from lanekit.legacy.routing import Call, call
from lanekit.shapes import legacy as shapes
from lanekit.shapes import legacy_boards as board_shapes
from lanekit.shapes import legacy_events as event_shapes
from lanekit.storage.executor import Connection
from lanekit.storage.records import LaneRecord
from lanekit.web.cache import Lookup, body_cache, cached_json, fill_once

BOARDS_RETRIEVED = "Board(s) successfully retrieved."
BOARD_RETRIEVED = "Board successfully retrieved."


def _version(c: Call) -> int:
    value = int(c.request.path_params["version"])
    return min(value, 2**63 - 1)


async def faces_by_lane(
    conn: Connection, c: Call, *, access: BoardAccess, lanes: list[LaneRecord]
) -> tuple[dict[int, list[dict[str, Any]]], frozenset[int]]:
    """The live cards of `lanes`, shaped as CardViews inside a board, by lane in lane order, and the other
    boards their connections were read over (GET /io/board/:boardId/card's faces)."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not lanes:
        return found, frozenset()
    page = await card_lists.read_faces(
        conn,
        access=access,
        lane_ids=[lane.id for lane in lanes],
        card_ids=None,
        ignore_archive_date=True,
        offset=0,
        limit=INT32_MAX,
    )
    for read in page.cards:
        found.setdefault(read.card.lane_id, []).append(
            shapes.card_view(read, dates=c.dates, base_url=c.base_url, in_lane=True)
        )
    return found, page.linked


async def cards_by_lane(
    conn: Connection, c: Call, *, board_id: int, lanes: list[LaneRecord]
) -> dict[int, list[dict[str, Any]]]:
    """`faces_by_lane`, authorised as the faces of GET /io/board/:boardId/card are."""
    if not lanes:
        return {}
    access = await card_lists.open_faces(conn, actor=c.actor, board_id=board_id)
    found, _ = await faces_by_lane(conn, c, access=access, lanes=lanes)
    return found


def _parts(view: board_reads.BoardView, cards: dict[int, list[dict[str, Any]]]) -> board_shapes.BoardParts:
    return board_shapes.BoardParts(
        board=view.board,
        lanes=_board_lanes(view),
        members=[(m.user, m.role.role, m.role.wip) for m in view.members],
        card_types=[t for t in view.card_types if t.is_card_type],
        icons=view.custom_icons,
        cards_by_lane=cards,
    )


def _board_lanes(view: board_reads.BoardView) -> list[LaneRecord]:
    return [lane for lane in view.lanes if lane.task_card_id is None]


async def board_parts(
    conn: Connection, c: Call, *, board_id: int, card_classes: tuple[str, ...]
) -> board_shapes.BoardParts:
    """The board as the /io board GET reads it, with the cards of the lanes of `card_classes`."""
    view = await board_reads.get_board(conn, actor=c.actor, board_id=board_id)
    with_cards = [lane for lane in _board_lanes(view) if lane.lane_class_type in card_classes]
    return _parts(view, await cards_by_lane(conn, c, board_id=board_id, lanes=with_cards))


async def _board_listing(c: Call) -> Reply:
    async with c.db.read() as conn:
        page = await board_reads.list_boards(conn, actor=c.actor, offset=0, limit=INT32_MAX)
    payload = [board_shapes.board_listing(item.board, dates=c.dates) for item in page.boards]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, BOARDS_RETRIEVED)


@call("GET", "/boards")
async def get_boards(c: Call) -> Reply:
    return await _board_listing(c)


@call("GET", "/listnewboards")
async def list_new_boards(c: Call) -> Reply:
    return await _board_listing(c)


@call("GET", "/boards/{boardId:int}")
async def get_board(c: Call) -> Response:
    """The board with every live card of its active and backlog lanes, kept encoded in the body cache while
    nothing it shows changes (docs/decisions/192-legacy-board-cache.md)."""
    board_id = path_id(c.request, "boardId", "board")
    cache = body_cache(c.request)

    async def look(conn: Connection) -> Lookup[board_reads.BoardProbe]:
        probe = await board_reads.probe_board(conn, actor=c.actor, board_id=board_id)
        # What differs between callers: only the rendering of dates (and the links' base URL).
        slot = (
            "legacy-board",
            c.actor.account_id,
            board_id,
            c.base_url,
            c.dates.day_pattern,
            str(c.dates.zone),
        )
        return Lookup(slot, cache.get(slot, key=probe.key) if cache is not None else None, probe)

    async def build(conn: Connection, found: Lookup[board_reads.BoardProbe]) -> Response:
        return await _board_response(c, conn, probe=found.state, cache=cache, slot=found.slot)

    # A board with every card takes seconds to build on a large board: while one request builds it, the
    # others asking for the same body wait for it instead of building it too (docs/decisions/169).
    return (await fill_once(c.db, cache, look, build, cached_json))[1]


async def _board_response(
    c: Call, conn: Connection, *, probe: board_reads.BoardProbe, cache: BodyCache | None, slot: Hashable
) -> Response:
    access = await card_lists.open_faces(conn, actor=c.actor, board_id=probe.access.board.id)
    view = await board_reads.board_view(conn, found=probe.access, probe=probe)
    with_cards = [lane for lane in _board_lanes(view) if lane.lane_class_type in ("active", "backlog")]
    cards, linked = await faces_by_lane(conn, c, access=access, lanes=with_cards)
    response = reply_response(
        Reply(
            board_shapes.board(_parts(view, cards), base_url=c.base_url),
            ReplyCode.DATA_RETRIEVAL_SUCCESS,
            BOARD_RETRIEVED,
        )
    )
    # Connected cards on other boards show in the cards' statistics, which this board's version does not
    # cover; such a board is not kept.
    if cache is not None and not linked:
        cache.put(slot, bytes(response.body), key=probe.key)
    return response


@call("GET", "/board/{boardId:int}/getboardidentifiers")
async def get_board_identifiers(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    async with c.db.read() as conn:
        parts = await board_parts(conn, c, board_id=board_id, card_classes=())
    return Reply(
        board_shapes.board_identifiers(parts),
        ReplyCode.DATA_RETRIEVAL_SUCCESS,
        "The Board Identifiers were retrieved successfully.",
    )


@call("GET", "/board/{boardId:int}/backlog")
async def get_backlog(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    async with c.db.read() as conn:
        parts = await board_parts(conn, c, board_id=board_id, card_classes=("backlog",))
    tree = board_shapes.LaneTree(parts.lanes)
    payload = board_shapes.lanes_with_cards(tree.of_class("backlog"), tree, parts.cards_by_lane)
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Backlog successfully retrieved.")


@call("GET", "/board/{boardId:int}/archive")
async def get_archive(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    async with c.db.read() as conn:
        parts = await board_parts(conn, c, board_id=board_id, card_classes=("archive",))
    tree = board_shapes.LaneTree(parts.lanes)
    payload = [
        board_shapes.hierarchical_lane(lane, tree, parts.cards_by_lane.get(lane.id, []))
        for lane in tree.of_class("archive")
    ]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Archive successfully retrieved.")


@call("GET", "/board/{boardId:int}/archivecards")
async def get_archive_cards(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    async with c.db.read() as conn:
        parts = await board_parts(conn, c, board_id=board_id, card_classes=("archive",))
    tree = board_shapes.LaneTree(parts.lanes)
    payload = [card for lane in tree.of_class("archive") for card in parts.cards_by_lane.get(lane.id, [])]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Archive successfully retrieved.")


# --- the board-event feed ----------------------------------------------------------------------------------


@call("GET", "/board/{boardId:int}/boardversion/{version:int}/getboardhistorysince")
async def get_board_history_since(c: Call) -> Reply:
    board_id = path_id(c.request, "boardId", "board")
    async with c.db.read() as conn:
        history = await activity.board_history_since(
            conn, actor=c.actor, board_id=board_id, since=_version(c)
        )
    payload = [event_shapes.board_event(record, dates=c.dates) for record in history.events]
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, BOARD_RETRIEVED)


@call("GET", "/board/{boardId:int}/boardversion/{version:int}/getnewerifexists")
async def get_newer_if_exists(c: Call) -> Reply:
    """The board when it is newer than the version; `[null]` with ReplyCode 200 when it is not (a 100 makes
    some clients raise)."""
    board_id = path_id(c.request, "boardId", "board")
    since = _version(c)
    async with c.db.read() as conn:
        current = (await board_access(conn, actor=c.actor, board_id=board_id)).board.version
        if current <= since:
            return Reply(None, ReplyCode.DATA_RETRIEVAL_SUCCESS, "No newer version of the Board exists.")
        parts = await board_parts(conn, c, board_id=board_id, card_classes=("active", "backlog"))
    return Reply(
        board_shapes.board(parts, base_url=c.base_url), ReplyCode.DATA_RETRIEVAL_SUCCESS, BOARD_RETRIEVED
    )


@call("GET", "/board/{boardId:int}/boardversion/{version:int}/checkforupdates")
async def check_for_updates(c: Call) -> Reply:
    """BoardUpdates, what LeanKit's board-event poller reads.  With nothing newer: ReplyCode 200 and
    `HasUpdates: false` in one statement; a change of the board itself (no card event describes its version)
    is a BoardEditEvent carrying the whole board in `NewPayload`."""
    board_id = path_id(c.request, "boardId", "board")
    since = _version(c)
    async with c.db.read() as conn:
        history = await activity.board_history_since(conn, actor=c.actor, board_id=board_id, since=since)
        board = history.access.board
        if history.version <= since:
            payload: dict[str, Any] = {
                "HasUpdates": False,
                "CurrentBoardVersion": board.version,
                "AffectedLanes": [],
                "Events": [],
                "NewPayload": None,
            }
            return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "No updates.")
        events = [event_shapes.board_event(record, dates=c.dates) for record in history.events]
        new_payload = None
        if history.silent_versions:
            parts = await board_parts(conn, c, board_id=board_id, card_classes=("active", "backlog"))
            new_payload = board_shapes.board(parts, base_url=c.base_url)
            events.append(event_shapes.board_edit_event(board, dates=c.dates, at=clock.now()))
            lanes = parts.lanes
        else:
            lanes = _board_lanes(await board_reads.get_board(conn, actor=c.actor, board_id=board_id))
        affected = set(event_shapes.affected_lane_ids(history.events))
        tree = board_shapes.LaneTree(lanes)
        affected_lanes = [lane for lane in tree.ordered if lane.id in affected]
        cards = await cards_by_lane(conn, c, board_id=board_id, lanes=affected_lanes)
    payload = {
        "HasUpdates": True,
        "CurrentBoardVersion": board.version,
        "AffectedLanes": board_shapes.lanes_with_cards(affected_lanes, tree, cards),
        "Events": events,
        "NewPayload": new_payload,
    }
    return Reply(payload, ReplyCode.DATA_RETRIEVAL_SUCCESS, "Board updates successfully retrieved.")
