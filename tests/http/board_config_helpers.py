"""Set-up shared by the board configuration tests: a board with users in each role, and raw card rows.

Cards are inserted as plain rows so these tests depend only on the schema, not on the cards feature.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import insert, select

from lanekit.domain import clock
from lanekit.storage.records import BoardRecord, UserRecord
from lanekit.storage.tables import boards, card_field_values, card_tags, cards, events, lanes
from tests.factories.boards import grant_role, make_board
from tests.harness import Lanekit, Tenant


@dataclass
class BoardSetup:
    tenant: Tenant
    board: BoardRecord
    admin: httpx.AsyncClient
    # Clients for users holding exactly that role on the board; `outsider` has none.
    reader: httpx.AsyncClient
    user: httpx.AsyncClient
    manager: httpx.AsyncClient
    outsider: httpx.AsyncClient
    users: dict[str, UserRecord]

    @property
    def base(self) -> str:
        return f"/io/board/{self.board.id}"


async def board_setup(lanekit: Lanekit, *, roles: bool = True) -> BoardSetup:
    """A board made by the account administrator; with `roles`, a user per board role and an outsider.

    Without `roles` the role clients are the administrator's (creating users costs a password hash each).
    """
    tenant = await lanekit.tenant()
    users: dict[str, UserRecord] = {}
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
    if not roles:
        admin = lanekit.as_admin(tenant)
        return BoardSetup(tenant, board, admin, admin, admin, admin, admin, users)
    for role in ("boardReader", "boardUser", "boardManager", "none"):
        users[role] = await lanekit.user(tenant)
        if role != "none":
            async with lanekit.db.begin() as conn:
                await grant_role(conn, board, users[role], role)
    return BoardSetup(
        tenant=tenant,
        board=board,
        admin=lanekit.as_admin(tenant),
        reader=lanekit.as_user(tenant, users["boardReader"]),
        user=lanekit.as_user(tenant, users["boardUser"]),
        manager=lanekit.as_user(tenant, users["boardManager"]),
        outsider=lanekit.as_user(tenant, users["none"]),
        users=users,
    )


async def board_version(lanekit: Lanekit, board_id: int) -> int:
    async with lanekit.db.read() as conn:
        return int((await conn.execute(select(boards.c.version).where(boards.c.id == board_id))).scalar_one())


async def leaf_lane_id(lanekit: Lanekit, board_id: int) -> int:
    """The board's default drop lane."""
    async with lanekit.db.read() as conn:
        return int(
            (
                await conn.execute(
                    select(lanes.c.id).where(lanes.c.board_id == board_id, lanes.c.is_default_drop_lane)
                )
            ).scalar_one()
        )


async def insert_card(
    lanekit: Lanekit,
    board: BoardRecord,
    *,
    type_id: int,
    lane_id: int | None = None,
    custom_icon_id: int | None = None,
    tags: list[str] | None = None,
    field_values: dict[int, Any] | None = None,
    **overrides: Any,
) -> int:
    """A live card row on `board`, with its tag index and field values; returns its id."""
    moment = clock.now()
    values: dict[str, Any] = {
        "account_id": board.account_id,
        "board_id": board.id,
        "lane_id": lane_id or await leaf_lane_id(lanekit, board.id),
        "rank": "a0",
        "title": f"Card {uuid.uuid4().hex[:6]}",
        "description": None,
        "type_id": type_id,
        "custom_icon_id": custom_icon_id,
        "priority": "normal",
        "size": 0,
        "tags": tags or [],
        "custom_id": None,
        "external_links": [],
        "is_blocked": False,
        "created_on": moment,
        "updated_on": moment,
        "version": 1,
        **overrides,
    }
    async with lanekit.db.begin() as conn:
        card_id = int((await conn.execute(insert(cards).values(**values).returning(cards.c.id))).scalar_one())
        for tag in tags or []:
            await conn.execute(insert(card_tags).values(card_id=card_id, tag=tag, board_id=board.id))
        for field_id, value in (field_values or {}).items():
            await conn.execute(
                insert(card_field_values).values(card_id=card_id, field_id=field_id, value=value)
            )
    return card_id


async def card_row(lanekit: Lanekit, card_id: int) -> dict[str, Any]:
    async with lanekit.db.read() as conn:
        row = (await conn.execute(select(cards).where(cards.c.id == card_id))).one()
    return dict(row._mapping)


async def card_events(lanekit: Lanekit, card_id: int) -> list[dict[str, Any]]:
    """The card's activity events, oldest first: type, board version and data."""
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                select(events.c.type, events.c.board_version, events.c.data)
                .where(events.c.card_id == card_id)
                .order_by(events.c.id)
            )
        ).all()
    return [{"type": r.type, "boardVersion": int(r.board_version), "data": r.data} for r in rows]
