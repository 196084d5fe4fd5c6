"""The role-by-endpoint matrix for boards, layout and board users.

Each endpoint is tried by every kind of caller in rising order of power, so a refused caller changes nothing
and the first allowed one does the change: anonymous (401), a user of another account (404), a user of this
account without a role (404, the board does not exist for them), then board reader, user, manager,
administrator, and the account administrator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lanekit.storage.records import BoardRecord, UserRecord
from lanekit.storage.tables import lanes
from tests.conftest import Lanekit
from tests.factories.boards import grant_role, make_board
from tests.harness import Tenant

pytestmark = pytest.mark.anyio

CALLERS = (
    "anonymous",
    "other_account",
    "no_role",
    "reader",
    "user",
    "manager",
    "administrator",
    "account_admin",
)


@dataclass
class Matrix:
    board: BoardRecord
    clients: dict[str, httpx.AsyncClient]
    target: UserRecord
    drop_lane: int


@dataclass
class Cast:
    """A tenant's callers, made once per test (each user costs a password hash)."""

    tenant: Tenant
    clients: dict[str, httpx.AsyncClient]
    members: dict[str, tuple[UserRecord, str]]
    target: UserRecord


async def _cast(lanekit: Lanekit) -> Cast:
    tenant = await lanekit.tenant()
    other = await lanekit.tenant()
    clients = {
        "anonymous": lanekit.client(tenant),
        "other_account": lanekit.as_admin(other),
        "account_admin": lanekit.as_admin(tenant),
    }
    roles = {"reader": "boardReader", "user": "boardUser", "manager": "boardManager",
             "administrator": "boardAdministrator", "no_role": "none"}  # fmt: skip
    members = {}
    for name, role in roles.items():
        user = await lanekit.user(tenant)
        members[name] = (user, role)
        clients[name] = lanekit.as_user(tenant, user)
    return Cast(tenant, clients, members, await lanekit.user(tenant))


async def _matrix(lanekit: Lanekit, cast: Cast | None = None) -> Matrix:
    """A fresh board on which each member of the cast holds their role."""
    cast = cast or await _cast(lanekit)
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, cast.tenant.account, creator=cast.tenant.admin)
        for user, role in cast.members.values():
            if role != "none":
                await grant_role(conn, board, user, role)
        drop = (
            await conn.execute(
                select(lanes.c.id).where(lanes.c.board_id == board.id, lanes.c.is_default_drop_lane)
            )
        ).scalar_one()
    return Matrix(board, cast.clients, cast.target, drop)


Call = Callable[[httpx.AsyncClient, Matrix], Awaitable[httpx.Response]]


async def _layout_put(client: httpx.AsyncClient, m: Matrix) -> httpx.Response:
    current = (await m.clients["account_admin"].get(f"/io/board/{m.board.id}")).json()
    lanes_by_parent: dict[Any, list[dict[str, Any]]] = {}
    for lane in current["lanes"]:
        lanes_by_parent.setdefault(lane["parentLaneId"], []).append(lane)

    def tree(parent: Any) -> list[dict[str, Any]]:
        return [
            {"id": lane["id"], "title": lane["name"], "isDefaultDropLane": lane["isDefaultDropLane"],
             "isConnectionDoneLane": lane["isConnectionDoneLane"], "children": tree(lane["id"])}
            for lane in lanes_by_parent.get(parent, [])
        ]  # fmt: skip

    return await client.put(
        f"/io/board/{m.board.id}/layout",
        json={"lanes": tree(None), "layoutChecksum": current["layoutChecksum"]},
    )


ENDPOINTS: dict[str, tuple[Call, dict[str, int]]] = {
    "GET board": (lambda c, m: c.get(f"/io/board/{m.board.id}"), {"reader": 200}),
    "PATCH board": (
        lambda c, m: c.patch(f"/io/board/{m.board.id}", json={"description": "x"}),
        {"administrator": 204},
    ),
    "POST archive": (lambda c, m: c.post(f"/io/board/{m.board.id}/archive"), {"administrator": 204}),
    "POST unarchive": (lambda c, m: c.post(f"/io/board/{m.board.id}/unarchive"), {"account_admin": 204}),
    "DELETE board": (lambda c, m: c.delete(f"/io/board/{m.board.id}"), {"account_admin": 204}),
    "PUT layout": (_layout_put, {"manager": 200}),
    "PATCH lane": (
        lambda c, m: c.patch(f"/io/board/{m.board.id}/lane/{m.drop_lane}", json={"wipLimit": 3}),
        {"manager": 200},
    ),
    "GET laneCount": (lambda c, m: c.get(f"/io/board/{m.board.id}/laneCount"), {"reader": 200}),
    "GET leafLanes": (lambda c, m: c.get(f"/io/board/{m.board.id}/leafLanes"), {"reader": 200}),
    "GET board users": (lambda c, m: c.get(f"/io/board/{m.board.id}/user"), {"reader": 200}),
    "PATCH roles": (
        lambda c, m: c.patch(
            f"/io/board/{m.board.id}/roles",
            json=[{"op": "create", "userId": str(m.target.id), "roleTypeId": 1}],
        ),
        {"administrator": 200},
    ),
    "POST access": (
        lambda c, m: c.post(
            "/io/board/access",
            json={"boardIds": [str(m.board.id)], "userIds": [str(m.target.id)], "boardRole": "boardReader"},
        ),
        {"administrator": 204},
    ),
    "DELETE access": (
        lambda c, m: c.request(
            "DELETE", "/io/board/access", json={"boardIds": [str(m.board.id)], "userIds": [str(m.target.id)]}
        ),
        {"administrator": 202},
    ),
}


def expected(first_allowed: dict[str, int]) -> dict[str, int]:
    """Status per caller: 401/404/404 for the first three, 403 below the minimum, the success code from it."""
    [(minimum, success)] = first_allowed.items()
    codes = {"anonymous": 401, "other_account": 404, "no_role": 404}
    allowed = False
    for caller in CALLERS[3:]:
        allowed = allowed or caller == minimum
        codes[caller] = success if allowed else 403
    return codes


async def test_role_matrix(lanekit: Lanekit) -> None:
    cast = await _cast(lanekit)
    seen: dict[str, dict[str, int]] = {}
    for endpoint, (call, _) in ENDPOINTS.items():
        m = await _matrix(lanekit, cast)
        seen[endpoint] = {}
        for caller in CALLERS:
            response = await call(m.clients[caller], m)
            seen[endpoint][caller] = response.status_code
            if response.status_code >= 400:
                body = response.json()
                assert body["statusCode"] == response.status_code and body["message"]
    assert seen == {endpoint: expected(first_allowed) for endpoint, (_, first_allowed) in ENDPOINTS.items()}


async def test_board_list_needs_authentication_and_hides_other_accounts(lanekit: Lanekit) -> None:
    m = await _matrix(lanekit)
    assert (await m.clients["anonymous"].get("/io/board")).status_code == 401
    assert (await m.clients["other_account"].get("/io/board")).json()["boards"] == []
    assert (await m.clients["no_role"].get("/io/board")).json()["boards"] == []
    listed = (await m.clients["reader"].get("/io/board")).json()["boards"]
    assert [b["id"] for b in listed] == [str(m.board.id)]


async def test_a_shared_board_gives_every_user_its_shared_role(lanekit: Lanekit) -> None:
    m = await _matrix(lanekit)
    admin = m.clients["account_admin"]
    assert (
        await admin.patch(
            f"/io/board/{m.board.id}", json={"isShared": True, "sharedBoardRole": "boardManager"}
        )
    ).status_code == 204
    no_role = m.clients["no_role"]
    body = (await no_role.get(f"/io/board/{m.board.id}")).json()
    assert body["effectiveBoardRole"] == "boardManager"
    # The explicit reader is lifted to the shared role; their own role is still reported.
    reader = (await m.clients["reader"].get(f"/io/board/{m.board.id}")).json()
    assert (reader["boardRole"], reader["effectiveBoardRole"]) == ("boardReader", "boardManager")
    assert (
        await no_role.patch(f"/io/board/{m.board.id}/lane/{m.drop_lane}", json={"wipLimit": 1})
    ).status_code == 200
    assert (await m.clients["other_account"].get(f"/io/board/{m.board.id}")).status_code == 404


async def test_archived_boards_stay_readable_but_refuse_changes(lanekit: Lanekit) -> None:
    m = await _matrix(lanekit)
    admin = m.clients["account_admin"]
    assert (await admin.post(f"/io/board/{m.board.id}/archive")).status_code == 204
    assert (await m.clients["reader"].get(f"/io/board/{m.board.id}")).status_code == 200
    refused = await m.clients["manager"].patch(
        f"/io/board/{m.board.id}/lane/{m.drop_lane}", json={"wipLimit": 1}
    )
    assert refused.status_code == 403 and "archived" in refused.json()["message"]
    assert (
        await admin.patch(f"/io/board/{m.board.id}/lane/{m.drop_lane}", json={"wipLimit": 1})
    ).status_code == 403
