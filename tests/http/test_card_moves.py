"""POST /io/card/move, POST /io/card/assign, WIP rules on create, move, patch, assign."""

from __future__ import annotations

from typing import Any

import pytest

from lanekit.storage.tables import cards, events
from tests.factories.boards import grant_role, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio


async def setup(lanekit: Lanekit) -> tuple[Tenant, Any, dict[str, Any]]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
    return tenant, board, lanes


async def faces(lanekit: Lanekit, tenant: Tenant, board: Any, lane: Any) -> list[tuple[str, int]]:
    body = (await lanekit.as_admin(tenant).get(f"/io/board/{board.id}/card?lanes={lane.id}")).json()
    return [(c["id"], c["index"]) for c in body["cards"]]


async def test_move_to_lane_end_and_index_keeps_indexes_contiguous(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    doing, new = lanes["Doing Now"], lanes["New Requests"]
    async with lanekit.db.begin() as conn:
        ids = [str((await make_card(conn, board, by=tenant.admin)).id) for _ in range(4)]
    response = await admin.post(
        "/io/card/move", json={"cardIds": [ids[1]], "destination": {"laneId": str(doing.id)}}
    )
    assert response.status_code == 200 and response.json() == {}
    response = await admin.post(
        "/io/card/move",
        json={"cardIds": [ids[3], ids[2]], "destination": {"laneId": str(doing.id), "index": 0}},
    )
    assert response.status_code == 200
    assert await faces(lanekit, tenant, board, doing) == [(ids[3], 0), (ids[2], 1), (ids[1], 2)]
    assert await faces(lanekit, tenant, board, new) == [(ids[0], 0)]
    # Reorder inside the lane.
    await admin.post(
        "/io/card/move", json={"cardIds": [ids[1]], "destination": {"laneId": str(doing.id), "index": 1}}
    )
    assert await faces(lanekit, tenant, board, doing) == [(ids[3], 0), (ids[1], 1), (ids[2], 2)]
    card = (await admin.get(f"/io/card/{ids[1]}")).json()
    assert card["movedBy"]["id"] == str(tenant.admin.id)
    assert card["version"] == "3"
    activity = (await admin.get(f"/io/card/{ids[3]}/activity")).json()["events"]
    assert activity[0]["type"] == "cardMoved"
    assert activity[0]["data"]["fromLane"] == {"id": str(new.id), "title": "New Requests"}
    assert activity[0]["data"]["toLane"] == {"id": str(doing.id), "title": "Doing Now"}


async def test_system_dates_follow_the_lanes(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    async with lanekit.db.begin() as conn:
        card_id = str((await make_card(conn, board, by=tenant.admin)).id)

    async def move(lane: str) -> dict[str, Any]:
        moved = await admin.post(
            "/io/card/move", json={"cardIds": [card_id], "destination": {"laneId": str(lanes[lane].id)}}
        )
        assert moved.status_code == 200, moved.text
        body: dict[str, Any] = (await admin.get(f"/io/card/{card_id}")).json()
        return body

    fresh = (await admin.get(f"/io/card/{card_id}")).json()
    assert fresh["actualStart"] is None and fresh["actualFinish"] is None
    started = await move("Doing Now")
    assert started["actualStart"] and started["actualFinish"] is None
    finished = await move("Recently Finished")
    assert finished["actualStart"] == started["actualStart"] and finished["actualFinish"]
    archived = await move("Finished As Planned")
    assert archived["archivedOn"] and archived["archivedBy"]["id"] == str(tenant.admin.id)
    back = await move("Doing Now")
    assert back["archivedOn"] is None and back["archivedBy"] is None and back["actualFinish"] is None


async def test_move_to_another_boards_drop_lane(lanekit: Lanekit) -> None:
    tenant, board, _ = await setup(lanekit)
    async with lanekit.db.begin() as conn:
        other = await make_board(conn, tenant.account, creator=tenant.admin)
        other_lanes = await board_lanes(conn, other)
        card = await make_card(conn, board, by=tenant.admin, tags=["t"])
    admin = lanekit.as_admin(tenant)
    response = await admin.post(
        "/io/card/move", json={"cardIds": [str(card.id)], "destination": {"boardId": str(other.id)}}
    )
    assert response.status_code == 200, response.text
    moved = (await admin.get(f"/io/card/{card.id}")).json()
    assert moved["board"]["id"] == str(other.id)
    assert moved["lane"]["id"] == str(other_lanes["New Requests"].id)
    assert moved["type"]["id"] == str(other.default_card_type_id)
    assert (await admin.get(f"/io/board/{other.id}/tag")).json() == {"tags": {"t": 1}}
    assert (await admin.get(f"/io/board/{board.id}/tag")).json() == {"tags": {}}
    kinds = [e["type"] for e in (await admin.get(f"/io/board/{board.id}/activity")).json()["events"]]
    assert kinds[0] == "cardMovedOffBoard"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"destination": {"laneId": "1"}}, 422, "cardIds"),
        ({"cardIds": ["C"], "destination": {}}, 422, "destination"),
        ({"cardIds": ["C"], "destination": {"laneId": "999999999"}}, 422, "destination.laneId"),
        ({"cardIds": ["C"], "destination": {"laneId": "L", "index": -5}}, 422, "destination.index"),
        ({"cardIds": ["999999999"], "destination": {"laneId": "L"}}, 404, None),
    ],
)
async def test_move_bad_input(lanekit: Lanekit, body: dict[str, Any], status: int, field: str | None) -> None:
    tenant, board, lanes = await setup(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, board, by=tenant.admin)
    names = {"C": str(card.id), "L": str(lanes["Doing Now"].id)}

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    response = await lanekit.as_admin(tenant).post("/io/card/move", json=fill(body))
    assert response.status_code == status, response.text
    if field:
        assert response.json()["message"].startswith(field)
    async with lanekit.db.read() as conn:
        row = (await conn.execute(cards.select().where(cards.c.id == card.id))).one()
    assert row.lane_id == card.lane_id and row.version == 1


async def test_assign_and_unassign_both_spellings(lanekit: Lanekit) -> None:
    tenant, board, _ = await setup(lanekit)
    ann = await lanekit.user(tenant)
    bob = await lanekit.user(tenant)
    async with lanekit.db.begin() as conn:
        one = await make_card(conn, board, by=tenant.admin)
        two = await make_card(conn, board, by=tenant.admin)
    admin = lanekit.as_admin(tenant)
    response = await admin.post(
        "/io/card/assign",
        json={"cardIds": [str(one.id), str(two.id)], "userIdsToAssign": [str(ann.id), str(bob.id)]},
    )
    assert response.status_code == 200, response.text
    [entry] = response.json()["updatedBoards"]
    assert entry["boardId"] == str(board.id)
    card = (await admin.get(f"/io/card/{one.id}")).json()
    assert entry["version"] == card["board"]["version"]
    assert sorted(u["id"] for u in card["assignedUsers"]) == sorted([str(ann.id), str(bob.id)])
    assert card["version"] == "2"
    await admin.post("/io/card/assign", json={"cardIds": [str(one.id)], "userIdToUnassign": [str(ann.id)]})
    await admin.post("/io/card/assign", json={"cardIds": [str(two.id)], "userIdsToUnassign": [str(bob.id)]})
    assert [u["id"] for u in (await admin.get(f"/io/card/{one.id}")).json()["assignedUsers"]] == [str(bob.id)]
    assert [u["id"] for u in (await admin.get(f"/io/card/{two.id}")).json()["assignedUsers"]] == [str(ann.id)]
    unknown = await admin.post(
        "/io/card/assign", json={"cardIds": [str(one.id)], "userIdsToAssign": ["999999999"]}
    )
    assert unknown.status_code == 422
    kinds = [e["type"] for e in (await admin.get(f"/io/card/{one.id}/activity")).json()["events"]]
    assert kinds == ["userUnassigned", "userAssigned", "userAssigned", "cardCreated"]
    user_event = (await admin.get(f"/io/card/{one.id}/activity")).json()["events"][0]["data"]["user"]
    assert user_event == {
        "id": str(ann.id),
        "fullName": "Test User",
        "emailAddress": ann.email,
        "avatar": f"http://{tenant.host}/io/user/{ann.id}/avatar?s=25",
    }


# --- WIP ---------------------------------------------------------------------------------------------------


async def limit_lane(lanekit: Lanekit, tenant: Tenant, board: Any, lane: Any, limit: int) -> None:
    response = await lanekit.as_admin(tenant).patch(
        f"/io/board/{board.id}/lane/{lane.id}", json={"wipLimit": limit}
    )
    assert response.status_code == 200, response.text


async def wip_events(lanekit: Lanekit, board: Any) -> list[tuple[str, dict[str, Any]]]:
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                events.select()
                .where(
                    events.c.board_id == board.id, events.c.type.in_(["laneWipExceeded", "userWipExceeded"])
                )
                .order_by(events.c.id)
            )
        ).all()
    return [(r.type, r.data) for r in rows]


async def test_lane_wip_on_create_move_and_patch(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    doing = lanes["Doing Now"]
    await limit_lane(lanekit, tenant, board, doing, 1)
    admin = lanekit.as_admin(tenant)
    first = await admin.post("/io/card", json={"title": "a", "destination": {"laneId": str(doing.id)}})
    assert first.status_code == 201
    refused = await admin.post("/io/card", json={"title": "b", "destination": {"laneId": str(doing.id)}})
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        'destination.laneId: lane "Doing Now" has a WIP limit of 1; '
        "send a non-empty wipOverrideComment to exceed it"
    )
    blank = await admin.post(
        "/io/card", json={"title": "b", "destination": {"laneId": str(doing.id)}, "wipOverrideComment": " "}
    )
    assert blank.status_code == 422
    forced = await admin.post(
        "/io/card",
        json={"title": "b", "destination": {"laneId": str(doing.id)}, "wipOverrideComment": "urgent"},
    )
    assert forced.status_code == 201
    async with lanekit.db.begin() as conn:
        other = await make_card(conn, board, by=tenant.admin)
    move = {"cardIds": [str(other.id)], "destination": {"laneId": str(doing.id)}}
    assert (await admin.post("/io/card/move", json=move)).status_code == 422
    assert (
        await admin.post("/io/card/move", json={**move, "wipOverrideComment": "Moved by automation"})
    ).status_code == 200
    async with lanekit.db.begin() as conn:
        third = await make_card(conn, board, by=tenant.admin)
    patch = [{"op": "replace", "path": "/laneId", "value": str(doing.id)}]
    refused_patch = await admin.patch(f"/io/card/{third.id}", json=patch)
    assert refused_patch.status_code == 422 and refused_patch.json()["message"].startswith("#/0/value:")
    assert (await admin.get(f"/io/card/{third.id}")).json()["lane"]["title"] == "New Requests"
    ok = await admin.patch(
        f"/io/card/{third.id}", json=[*patch, {"op": "add", "path": "/wipOverrideComment", "value": "ok"}]
    )
    assert ok.status_code == 200
    # Reordering inside a full lane is always allowed.
    reorder = await admin.post(
        "/io/card/move",
        json={"cardIds": [str(third.id)], "destination": {"laneId": str(doing.id), "index": 0}},
    )
    assert reorder.status_code == 200
    recorded = await wip_events(lanekit, board)
    assert [(t, d["lane"]["title"], d["comment"]) for t, d in recorded] == [
        ("laneWipExceeded", "Doing Now", "urgent"),
        ("laneWipExceeded", "Doing Now", "Moved by automation"),
        ("laneWipExceeded", "Doing Now", "ok"),
    ]


async def test_lane_wip_by_size_and_excluded_lanes(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    assert (
        await admin.patch(
            f"/io/board/{board.id}",
            json={"baseWipOnCardSize": True, "excludeCompletedAndArchiveViolations": True},
        )
    ).status_code == 204
    doing, done = lanes["Doing Now"], lanes["Recently Finished"]
    await limit_lane(lanekit, tenant, board, doing, 5)
    await limit_lane(lanekit, tenant, board, done, 1)
    assert (
        await admin.post("/io/card", json={"title": "a", "laneId": str(doing.id), "size": 3})
    ).status_code == 201
    assert (
        await admin.post("/io/card", json={"title": "b", "laneId": str(doing.id), "size": 2})
    ).status_code == 201
    assert (
        await admin.post("/io/card", json={"title": "c", "laneId": str(doing.id), "size": 0})
    ).status_code == 422
    for title in ("d", "e", "f"):
        assert (
            await admin.post("/io/card", json={"title": title, "laneId": str(done.id)})
        ).status_code == 201


async def test_user_wip_on_assign_and_create(lanekit: Lanekit) -> None:
    tenant, board, _ = await setup(lanekit)
    ann = await lanekit.user(tenant, first_name="Ann", last_name="Lee")
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, ann, "boardUser", wip=1)
        one = await make_card(conn, board, by=tenant.admin)
        two = await make_card(conn, board, by=tenant.admin)
    admin = lanekit.as_admin(tenant)
    assert (
        await admin.post("/io/card/assign", json={"cardIds": [str(one.id)], "userIdsToAssign": [str(ann.id)]})
    ).status_code == 200
    refused = await admin.post(
        "/io/card/assign", json={"cardIds": [str(two.id)], "userIdsToAssign": [str(ann.id)]}
    )
    assert refused.status_code == 422
    assert 'user "Ann Lee" has a WIP limit of 1' in refused.json()["message"]
    assert (await admin.get(f"/io/card/{two.id}")).json()["assignedUsers"] == []
    created = await admin.post(
        "/io/card", json={"title": "x", "boardId": str(board.id), "assignedUserIds": [str(ann.id)]}
    )
    assert created.status_code == 422
    forced = await admin.post(
        "/io/card/assign",
        json={"cardIds": [str(two.id)], "userIdsToAssign": [str(ann.id)], "wipOverrideComment": "needed"},
    )
    assert forced.status_code == 200
    recorded = await wip_events(lanekit, board)
    assert [(t, d["user"]["id"], d["comment"], d["card"]["id"]) for t, d in recorded] == [
        ("userWipExceeded", str(ann.id), "needed", str(two.id))
    ]


async def test_a_card_named_twice_moves_once(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, board, by=tenant.admin)
    admin = lanekit.as_admin(tenant)
    body = {"cardIds": [str(card.id), str(card.id)], "destination": {"laneId": str(lanes["Doing Now"].id)}}
    assert (await admin.post("/io/card/move", json=body)).status_code == 200
    moved = (await admin.get(f"/io/card/{card.id}")).json()
    assert (moved["version"], moved["index"]) == ("2", 0)
    kinds = [e["type"] for e in (await admin.get(f"/io/card/{card.id}/activity")).json()["events"]]
    assert kinds == ["cardMoved", "cardCreated"]
