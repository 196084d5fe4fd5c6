"""Boards built through the domain, and board roles granted the way the API grants them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert

from lanekit.domain import clock
from lanekit.domain.boards.boards import NewBoard, create_board
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_roles as role_queries
from lanekit.storage.records import AccountRecord, BoardRecord, BoardRoleRecord, UserRecord
from lanekit.storage.tables import card_tags, cards


def actor_of(user: UserRecord) -> Actor:
    return Actor(
        account_id=user.account_id,
        user_id=user.id,
        administrator=user.administrator,
        board_creator=user.board_creator,
    )


async def make_board(
    conn: Connection, account: AccountRecord, *, creator: UserRecord, **overrides: Any
) -> BoardRecord:
    """A blank board (default layout, card types, icons) by `creator`; NewBoard fields may be overridden.

    The creator must be a board creator or an account administrator, as through the API.
    """
    assert creator.account_id == account.id, "the creator must belong to the account"
    values: dict[str, Any] = {"title": f"Board {uuid.uuid4().hex[:8]}"}
    values.update(overrides)
    return await create_board(conn, actor=actor_of(creator), new=NewBoard(**values))


async def grant_role(
    conn: Connection, board: BoardRecord, user: UserRecord, role: str, *, wip: int | None = None
) -> BoardRoleRecord:
    """Give `user` an explicit role on `board` (replacing any role they had)."""
    await role_queries.delete_roles(conn, board_ids=[board.id], user_ids=[user.id])
    return await role_queries.insert_role(
        conn, account_id=board.account_id, board_id=board.id, user_id=user.id, role=role, wip=wip
    )


async def insert_card_row(
    conn: Connection,
    board: BoardRecord,
    *,
    lane_id: int,
    size: int = 1,
    tags: list[str] | None = None,
    **overrides: Any,
) -> int:
    """A bare card row (with its tag index) for tests about lanes and boards; returns its id.

    Written as a plain row so board tests depend only on the schema, not on the cards feature.
    """
    moment = clock.now()
    values: dict[str, Any] = {
        "account_id": board.account_id,
        "board_id": board.id,
        "lane_id": lane_id,
        "rank": "a0",
        "title": f"Card {uuid.uuid4().hex[:6]}",
        "description": None,
        "type_id": board.default_card_type_id,
        "custom_icon_id": None,
        "priority": "normal",
        "size": size,
        "tags": tags or [],
        "custom_id": None,
        "external_links": [],
        "is_blocked": False,
        "created_on": moment,
        "updated_on": moment,
        "version": 1,
        **overrides,
    }
    card_id = int((await conn.execute(insert(cards).values(**values).returning(cards.c.id))).scalar_one())
    for tag in tags or []:
        await conn.execute(insert(card_tags).values(card_id=card_id, tag=tag, board_id=board.id))
    return card_id
