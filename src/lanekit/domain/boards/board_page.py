"""The web board's reads (docs/decisions/200-web-board.md): a board with the first cards of every lane, a
lane's next cards, and the version an open board polls.

Every read goes through the API's own functions (`reads.get_board`, `lists.list_cards`), so the web board
shows exactly what `/io` would, to the same callers.  A lane shows at most `per_lane` cards at first and
loads the rest on demand, so a board of 20,000 cards costs one page per lane, not 20,000 faces.
"""

from __future__ import annotations

from dataclasses import dataclass

from lanekit.domain.boards.reads import BoardView, get_board, record_visit
from lanekit.domain.cards import wip
from lanekit.domain.cards.lists import CardPage, CardQuery, list_cards, readable_board_versions
from lanekit.domain.errors import NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import LaneRecord

PER_LANE = 60


@dataclass(frozen=True, slots=True)
class BoardPage:
    view: BoardView
    # Each lane's load as its WIP limit counts it (cards, or sizes on a board that bases WIP on size),
    # own cards only; `wip.shown_load` adds the lanes below.
    loads: dict[int, int]
    # The first cards of each leaf lane, in board order.
    cards: dict[int, CardPage]


def leaf_ids(lanes: list[LaneRecord]) -> list[int]:
    parents = {lane.parent_lane_id for lane in lanes if lane.parent_lane_id is not None}
    return [lane.id for lane in lanes if lane.id not in parents]


async def open_board_page(
    conn: Connection, *, actor: Actor, board_id: int, per_lane: int = PER_LANE
) -> BoardPage:
    """The board as a page opens it (and the caller's visit noted, for recent boards)."""
    view = await get_board(conn, actor=actor, board_id=board_id)
    if view.visit_due:
        await record_visit(conn, actor=actor, board_id=board_id)
    return await read_board_page(conn, actor=actor, view=view, per_lane=per_lane)


async def read_board_page(
    conn: Connection, *, actor: Actor, view: BoardView, per_lane: int = PER_LANE
) -> BoardPage:
    """The lanes' loads and first cards of a board already read (and authorised) as `view`."""
    board = view.board
    board_id = board.id
    weighted = await lane_queries.card_counts(conn, board_id=board.id, unsized_weight=1)
    loads = {
        lane_id: (counts.card_size if board.base_wip_on_card_size else counts.card_count)
        for lane_id, counts in weighted.items()
    }
    cards = {
        lane_id: await lane_cards(
            conn, actor=actor, board_id=board_id, lane_id=lane_id, offset=0, limit=per_lane
        )
        for lane_id in leaf_ids(view.lanes)
        if view.counts.get(lane_id) is not None
    }
    return BoardPage(view=view, loads=loads, cards=cards)


async def lane_cards(
    conn: Connection, *, actor: Actor, board_id: int, lane_id: int, offset: int, limit: int
) -> CardPage:
    """A page of a lane's cards in board order (what `GET /io/card?lanes=…&sort=rank` lists)."""
    return await list_cards(
        conn,
        actor=actor,
        query=CardQuery(board_id=board_id, lane_ids=[lane_id], sort="rank", offset=offset, limit=limit),
    )


async def board_version(conn: Connection, *, actor: Actor, board_id: int) -> int:
    """The board's version, which every change to it or its cards bumps; one statement."""
    version = (await readable_board_versions(conn, actor=actor, board_ids=[board_id])).get(board_id)
    if version is None:
        raise NotFound("board", board_id)
    return version


def over_limit(lanes: dict[int, LaneRecord], lane_id: int, loads: dict[int, int]) -> tuple[int, bool]:
    load = wip.shown_load(lanes, lane_id, loads)
    return load, wip.is_over(lanes[lane_id], load)
