"""Two boards of one account, as the connection and body-cache tests need them: the admin owns both, and
`user` is a boardUser on `a` with no role on `b` (so what lives on `b` is out of the user's sight)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from lanekit.storage.records import BoardRecord, CardRecord, UserRecord
from tests.factories.boards import grant_role, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant


@dataclass
class World:
    tenant: Tenant
    a: BoardRecord
    b: BoardRecord
    lanes_a: dict[str, Any]
    lanes_b: dict[str, Any]
    user: UserRecord
    admin: httpx.AsyncClient
    as_user: httpx.AsyncClient

    async def card(self, lanekit: Lanekit, board: BoardRecord, **values: Any) -> CardRecord:
        async with lanekit.db.begin() as conn:
            return await make_card(conn, board, by=self.tenant.admin, **values)


async def world(lanekit: Lanekit, **user: Any) -> World:
    """Boards "Portfolio" (`a`) and "Team" (`b`); `user` overrides the user's fields (a name to look for)."""
    tenant = await lanekit.tenant()
    member = await lanekit.user(tenant, **user)
    async with lanekit.db.begin() as conn:
        a = await make_board(conn, tenant.account, creator=tenant.admin, title="Portfolio")
        b = await make_board(conn, tenant.account, creator=tenant.admin, title="Team")
        lanes_a, lanes_b = await board_lanes(conn, a), await board_lanes(conn, b)
        await grant_role(conn, a, member, "boardUser")
    return World(
        tenant, a, b, lanes_a, lanes_b, member, lanekit.as_admin(tenant), lanekit.as_user(tenant, member)
    )
