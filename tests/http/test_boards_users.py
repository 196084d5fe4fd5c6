"""Board users and roles over HTTP: the user list, bulk access set/remove, role operations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from lanekit.domain import clock
from lanekit.storage.records import BoardRecord, UserRecord
from lanekit.storage.tables import board_roles, boards, card_assignments, lanes
from tests.conftest import Lanekit
from tests.factories.boards import grant_role, insert_card_row, make_board
from tests.harness import Tenant

pytestmark = pytest.mark.anyio


async def _setup(lanekit: Lanekit) -> tuple[Tenant, BoardRecord, httpx.AsyncClient]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
    return tenant, board, lanekit.as_admin(tenant)


async def _roles(lanekit: Lanekit, board_id: int) -> dict[int, tuple[str, int | None]]:
    async with lanekit.db.read() as conn:
        rows = (await conn.execute(select(board_roles).where(board_roles.c.board_id == board_id))).all()
    return {r.user_id: (r.role, r.wip) for r in rows}


async def _version(lanekit: Lanekit, board_id: int) -> int:
    async with lanekit.db.read() as conn:
        return int((await conn.execute(select(boards.c.version).where(boards.c.id == board_id))).scalar_one())


async def test_board_users_list_shape_filters_and_sorting(lanekit: Lanekit) -> None:
    tenant, board, admin = await _setup(lanekit)
    ann = await lanekit.user(tenant, first_name="Ann", last_name="Able")
    bob = await lanekit.user(tenant, first_name="Bob", last_name="Baker", license_type="reader")
    await lanekit.user(tenant, first_name="Cy", last_name="Nobody")
    async with lanekit.db.begin() as conn:
        ann_role = await grant_role(conn, board, ann, "boardManager", wip=2)
        await grant_role(conn, board, bob, "boardReader")
    body = (await admin.get(f"/io/board/{board.id}/user")).json()
    assert body["pageMeta"] == {"totalRecords": 3, "offset": 0, "limit": 25, "startRow": 1, "endRow": 3}
    by_name = {u["firstName"]: u for u in body["boardUsers"]}
    assert set(by_name) == {"Ann", "Bob", "Test"}  # Cy holds no role; Test is the account admin
    assert by_name["Ann"] == {
        "userId": str(ann.id), "firstName": "Ann", "lastName": "Able", "emailAddress": ann.email,
        "boardId": str(board.id), "administrator": False, "WIP": 2, "id": str(ann_role.id),
        "licenseType": "full", "role": {"key": "boardManager", "value": 3, "label": "Manager"},
    }  # fmt: skip
    assert by_name["Test"]["role"]["key"] == "boardAdministrator" and by_name["Test"]["administrator"] is True

    readers = (await admin.get(f"/io/board/{board.id}/user", params={"roleFilterList[]": 1})).json()
    assert [u["firstName"] for u in readers["boardUsers"]] == ["Bob"]
    licensed = (await admin.get(f"/io/board/{board.id}/user", params={"licenseFilterList[]": 2})).json()
    assert [u["firstName"] for u in licensed["boardUsers"]] == ["Bob"]
    found = (await admin.get(f"/io/board/{board.id}/user", params={"search": "bak"})).json()
    assert [u["firstName"] for u in found["boardUsers"]] == ["Bob"]
    by_role = (
        await admin.get(f"/io/board/{board.id}/user", params={"sortBy": "role", "sortDir": "desc"})
    ).json()
    assert [u["firstName"] for u in by_role["boardUsers"]] == ["Test", "Ann", "Bob"]
    paged = (
        await admin.get(
            f"/io/board/{board.id}/user", params={"sortBy": "name", "sortDir": "asc", "limit": 1, "offset": 1}
        )
    ).json()
    assert [u["firstName"] for u in paged["boardUsers"]] == ["Bob"]
    assert paged["pageMeta"] == {"totalRecords": 3, "offset": 1, "limit": 1, "startRow": 2, "endRow": 2}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"sortBy": "age", "sortDir": "asc"}, "sortBy"),
        ({"sortBy": "name"}, "sortDir"),
        ({"roleFilterList[]": 9}, "roleFilterList"),
        ({"licenseFilterList[]": 5}, "licenseFilterList"),
    ],
)
async def test_board_users_list_refuses_bad_parameters(
    lanekit: Lanekit, params: dict[str, Any], field: str
) -> None:
    _, board, admin = await _setup(lanekit)
    response = await admin.get(f"/io/board/{board.id}/user", params=params)
    assert response.status_code == 422 and response.json()["message"].startswith(field)


async def test_a_shared_board_lists_every_user(lanekit: Lanekit) -> None:
    tenant, board, admin = await _setup(lanekit)
    await lanekit.user(tenant, first_name="Cy")
    await admin.patch(f"/io/board/{board.id}", json={"isShared": True, "sharedBoardRole": "boardUser"})
    body = (await admin.get(f"/io/board/{board.id}/user")).json()
    cy = next(u for u in body["boardUsers"] if u["firstName"] == "Cy")
    assert cy["role"]["key"] == "boardUser" and cy["id"] is None


async def test_bulk_access_sets_roles_by_id_or_email_and_bumps_versions(lanekit: Lanekit) -> None:
    tenant, board, admin = await _setup(lanekit)
    async with lanekit.db.begin() as conn:
        second = await make_board(conn, tenant.account, creator=tenant.admin)
    ann = await lanekit.user(tenant)
    bob = await lanekit.user(tenant)
    before = await _version(lanekit, board.id)
    response = await admin.post(
        "/io/board/access",
        json={"boardIds": [str(board.id), second.id], "userIds": [str(ann.id)], "boardRole": "boardManager"},
    )
    assert response.status_code == 204 and response.content == b""
    assert (await _roles(lanekit, board.id))[ann.id] == ("boardManager", None)
    assert (await _roles(lanekit, second.id))[ann.id] == ("boardManager", None)
    assert await _version(lanekit, board.id) == before + 1

    by_email = await admin.post(
        "/io/board/access",
        json={
            "boardIds": [str(board.id)],
            "emails": [bob.email.upper(), ann.email],
            "boardRole": "boardUser",
        },
    )
    assert by_email.status_code == 204
    roles = await _roles(lanekit, board.id)
    assert roles[bob.id] == ("boardUser", None) and roles[ann.id] == ("boardUser", None)

    # The caller now sees the board as a user.
    assert (await lanekit.as_user(tenant, bob).get(f"/io/board/{board.id}")).json()[
        "boardRole"
    ] == "boardUser"


async def test_lowering_to_reader_and_removing_unassign_cards(lanekit: Lanekit) -> None:
    tenant, board, admin = await _setup(lanekit)
    ann = await lanekit.user(tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, ann, "boardUser")
        drop = (
            await conn.execute(
                select(lanes.c.id).where(lanes.c.board_id == board.id, lanes.c.is_default_drop_lane)
            )
        ).scalar_one()
        card = await insert_card_row(conn, board, lane_id=drop)
        await conn.execute(
            insert(card_assignments).values(
                card_id=card, user_id=ann.id, account_id=tenant.account.id, assigned_on=clock.now()
            )
        )

    async def assigned() -> list[int]:
        async with lanekit.db.read() as conn:
            rows = (
                await conn.execute(
                    select(card_assignments.c.user_id).where(card_assignments.c.card_id == card)
                )
            ).all()
        return [r[0] for r in rows]

    assert await assigned() == [ann.id]
    request = {"boardIds": [str(board.id)], "userIds": [str(ann.id)]}
    assert (
        await admin.post("/io/board/access", json={**request, "boardRole": "boardReader"})
    ).status_code == 204
    assert await assigned() == []
    removed = await admin.post("/io/board/access", json=request, headers={"X-HTTP-Method-Override": "DELETE"})
    assert removed.status_code == 202
    assert ann.id not in await _roles(lanekit, board.id)
    assert (await lanekit.as_user(tenant, ann).get(f"/io/board/{board.id}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"boardRole": "boardReader"}, "userIds"),
        ({"boardRole": "owner", "userIds": ["USER"]}, "boardRole"),
        ({"boardRole": "boardReader", "userIds": ["999999999"]}, "userIds"),
        ({"boardRole": "boardReader", "emails": ["nobody@nowhere.example"]}, "emails"),
        ({"boardRole": "boardReader", "teamIds": ["5"]}, "teamIds"),
        ({"boardRole": "boardReader", "userIds": ["USER"], "emails": ["x@y.example"]}, "userIds"),
        ({"boardRole": "boardReader", "userIds": "USER"}, "userIds"),
    ],
)
async def test_bulk_access_refuses_bad_input(lanekit: Lanekit, body: dict[str, Any], field: str) -> None:
    tenant, board, admin = await _setup(lanekit)
    user = await lanekit.user(tenant)
    body = {k: ([str(user.id) if v == "USER" else v for v in val] if isinstance(val, list) else val)
            for k, val in body.items()}  # fmt: skip
    response = await admin.post("/io/board/access", json={"boardIds": [str(board.id)], **body})
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(field)
    assert set(await _roles(lanekit, board.id)) == {tenant.admin.id}


async def test_bulk_access_refuses_more_than_500_operations(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    response = await admin.post(
        "/io/board/access",
        json={
            "boardIds": [str(board.id + n) for n in range(501)],
            "userIds": ["1"],
            "boardRole": "boardReader",
        },
    )
    assert response.status_code == 422 and response.json()["message"].startswith("boardIds")


async def test_bulk_access_on_a_board_of_another_account_is_404(lanekit: Lanekit) -> None:
    _, board, _ = await _setup(lanekit)
    other = await lanekit.tenant()
    response = await lanekit.as_admin(other).post(
        "/io/board/access",
        json={"boardIds": [str(board.id)], "userIds": [str(other.admin.id)], "boardRole": "boardReader"},
    )
    assert response.status_code == 404
    assert other.admin.id not in await _roles(lanekit, board.id)


async def test_role_operations_create_and_update(lanekit: Lanekit) -> None:
    tenant, board, admin = await _setup(lanekit)
    ann = await lanekit.user(tenant)
    created = await admin.patch(
        f"/io/board/{board.id}/roles",
        json=[{"op": "create", "userId": str(ann.id), "roleTypeId": 2, "WIP": 3}],
    )
    assert created.status_code == 200, created.text
    [row] = created.json()["boardRoles"]
    assert row == {
        "userId": str(ann.id),
        "WIP": 3,
        "roleTypeId": 2,
        "id": row["id"],
        "boardId": str(board.id),
    }
    updated = await admin.patch(
        f"/io/board/{board.id}/roles",
        json=[{"op": "update", "id": row["id"], "userId": str(ann.id), "roleTypeId": 3}],
    )
    assert updated.json()["boardRoles"] == [{**row, "roleTypeId": 3}]
    assert (await _roles(lanekit, board.id))[ann.id] == ("boardManager", 3)


@pytest.mark.parametrize(
    ("op", "status", "field"),
    [
        ({"op": "drop", "userId": "USER", "roleTypeId": 1}, 422, "0/op"),
        ({"op": "create", "userId": "USER", "roleTypeId": 7}, 422, "0/roleTypeId"),
        ({"op": "create", "userId": "USER"}, 422, "0/roleTypeId"),
        ({"op": "create", "userId": "999999999", "roleTypeId": 1}, 422, "0/userId"),
        ({"op": "create", "userId": "USER", "roleTypeId": 1, "WIP": -1}, 422, "0/WIP"),
        ({"op": "update", "id": "999999999", "roleTypeId": 1}, 404, "board role"),
    ],
)
async def test_role_operations_refuse_bad_input(
    lanekit: Lanekit, op: dict[str, Any], status: int, field: str
) -> None:
    tenant, board, admin = await _setup(lanekit)
    user: UserRecord = await lanekit.user(tenant)
    op = {k: str(user.id) if v == "USER" else v for k, v in op.items()}
    response = await admin.patch(f"/io/board/{board.id}/roles", json=[op])
    assert response.status_code == status, response.text
    assert response.json()["message"].startswith(field)
    assert set(await _roles(lanekit, board.id)) == {tenant.admin.id}
