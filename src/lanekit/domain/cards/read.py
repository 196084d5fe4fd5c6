"""`GET /io/card/:cardId`: one card as its reader sees it."""

from __future__ import annotations

from lanekit.domain.access import NONE, BoardAccess, effective_role, require
from lanekit.domain.cards import connections
from lanekit.domain.errors import NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.records import CardReadRecord


async def get_card(conn: Connection, *, actor: Actor, card_id: int) -> CardReadRecord:
    """The card and the caller's role on its board in one statement (plus assignees and field values)."""
    found = await card_queries.fetch_read(
        conn, account_id=actor.account_id, card_id=card_id, viewer_id=actor.user_id
    )
    if found is None or found[0].board.is_deleted:
        raise NotFound("card", card_id)
    read, explicit = found
    board = read.board
    role = effective_role(
        explicit=explicit,
        is_shared=board.is_shared,
        shared_role=board.shared_board_role,
        account_admin=actor.administrator,
    )
    if role == NONE:
        raise NotFound("card", card_id)
    require(BoardAccess(actor=actor, board=board, explicit_role=explicit, effective_role=role), "card.read")
    [read] = await connections.with_connections(conn, actor=actor, reads=[read])
    return read
