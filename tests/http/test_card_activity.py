"""Card and board activity, board versions and GET /io/board/:boardId/changes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories.boards import make_board
from tests.factories.cards import board_lanes
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio


async def setup(lanekit: Lanekit) -> tuple[Tenant, Any, dict[str, Any]]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
    return tenant, board, lanes


async def test_whole_workflow_reads_back_as_activity(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    user = await lanekit.user(tenant)
    card_id = (await admin.post("/io/card", json={"boardId": str(board.id), "title": "Flow"})).json()["id"]
    steps = [
        [{"op": "add", "path": "/tags/-", "value": "urgent"}],
        [
            {"op": "replace", "path": "/blockReason", "value": "waiting"},
            {"op": "replace", "path": "/isBlocked", "value": True},
        ],
    ]
    for ops in steps:
        assert (await admin.patch(f"/io/card/{card_id}", json=ops)).status_code == 200
    assert (
        await admin.post("/io/card/assign", json={"cardIds": [card_id], "userIdsToAssign": [str(user.id)]})
    ).status_code == 200
    for lane in ("Doing Now", "Recently Finished", "Finished As Planned"):
        moved = await admin.post(
            "/io/card/move", json={"cardIds": [card_id], "destination": {"laneId": str(lanes[lane].id)}}
        )
        assert moved.status_code == 200
    events = (await admin.get(f"/io/card/{card_id}/activity")).json()["events"]
    assert [e["type"] for e in events] == [
        "cardMoved",
        "cardMoved",
        "cardMoved",
        "userAssigned",
        "cardBlocked",
        "cardChanged",
        "cardCreated",
    ]
    created = events[-1]
    assert set(created) == {"id", "type", "timestamp", "user", "data"}
    assert re.fullmatch(r"\d+", created["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["timestamp"])
    assert created["user"] == {
        "id": str(tenant.admin.id),
        "fullName": f"{tenant.admin.first_name} {tenant.admin.last_name}",
        "avatar": f"http://{tenant.host}/io/user/{tenant.admin.id}/avatar?s=25",
    }
    assert created["data"] == {
        "card": {"id": card_id, "title": "Flow"},
        "lane": {"id": str(lanes["New Requests"].id), "title": "New Requests"},
    }
    assert events[5]["data"]["fields"] == [{"name": "tags", "oldValue": None, "newValue": "urgent"}]
    final = (await admin.get(f"/io/card/{card_id}")).json()
    assert final["archivedOn"] and final["actualFinish"] and final["lane"]["laneClassType"] == "archive"

    # Cursor paging.
    older = (await admin.get(f"/io/card/{card_id}/activity?limit=2&eventId={events[1]['id']}")).json()[
        "events"
    ]
    assert [e["id"] for e in older] == [events[2]["id"], events[3]["id"]]
    newer = (
        await admin.get(f"/io/card/{card_id}/activity?direction=newer&eventId={events[3]['id']}")
    ).json()["events"]
    assert [e["id"] for e in newer] == [events[0]["id"], events[1]["id"], events[2]["id"]]
    bad = await admin.get(f"/io/card/{card_id}/activity?direction=sideways")
    assert bad.status_code == 422

    board_events = (await admin.get(f"/io/board/{board.id}/activity?limit=3")).json()["events"]
    assert [e["id"] for e in board_events] == [e["id"] for e in events[:3]]


async def test_board_version_grows_and_changes_report(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    start = int((await admin.get(f"/io/board/{board.id}")).json()["version"])
    a = (await admin.post("/io/card", json={"boardId": str(board.id), "title": "a"})).json()["id"]
    b = (await admin.post("/io/card", json={"boardId": str(board.id), "title": "b"})).json()["id"]
    after_create = int((await admin.get(f"/io/card/{a}")).json()["board"]["version"])
    assert after_create == start + 2
    changes = await admin.get(f"/io/board/{board.id}/changes?version={after_create}")
    assert changes.status_code == 200
    assert changes.json()["createdCardIds"] == [] and changes.json()["updateCount"] == 0
    await admin.patch(f"/io/card/{a}", json=[{"op": "replace", "path": "/title", "value": "a2"}])
    await admin.post(
        "/io/card/move", json={"cardIds": [a], "destination": {"laneId": str(lanes["Doing Now"].id)}}
    )
    c = (await admin.post("/io/card", json={"boardId": str(board.id), "title": "c"})).json()["id"]
    await admin.delete(f"/io/card/{b}")
    body = (await admin.get(f"/io/board/{board.id}/changes?version={after_create}")).json()
    assert set(body) == {
        "boardId",
        "version",
        "updateCount",
        "boardUpdated",
        "boardUsersUpdated",
        "updatedCardIds",
        "createdCardIds",
        "deletedCardIds",
        "affectedLanes",
        "parentCardsUpdated",
        "assignmentChanged",
        "updatedParentCardIds",
        "updatedChildCardIds",
        "affectedLaneCounts",
    }
    assert body["boardId"] == str(board.id)
    assert body["version"] == str(after_create + 4)
    assert body["updateCount"] == 4 and body["boardUpdated"] is False
    assert body["updatedCardIds"] == [a]
    assert body["createdCardIds"] == [c]
    assert body["deletedCardIds"] == [b]
    assert sorted(body["affectedLanes"]) == sorted(
        [str(lanes["New Requests"].id), str(lanes["Doing Now"].id)]
    )
    counts = {x["laneId"]: x["cardCount"] for x in body["affectedLaneCounts"]}
    assert counts == {str(lanes["New Requests"].id): 1, str(lanes["Doing Now"].id): 1}
    ahead = await admin.get(f"/io/board/{board.id}/changes?version={after_create + 100}")
    assert ahead.status_code == 204
    assert (await admin.get(f"/io/board/{board.id}/changes")).status_code == 422
    whole = (await admin.get(f"/io/board/{board.id}/changes?version={start}")).json()
    assert sorted(whole["createdCardIds"]) == sorted([a, c])


async def test_activity_of_an_invisible_card_is_404(lanekit: Lanekit) -> None:
    tenant, board, _ = await setup(lanekit)
    card_id = (
        await lanekit.as_admin(tenant).post("/io/card", json={"boardId": str(board.id), "title": "x"})
    ).json()["id"]
    outsider = await lanekit.user(tenant)
    client = lanekit.as_user(tenant, outsider)
    assert (await client.get(f"/io/card/{card_id}/activity")).status_code == 404
    assert (await client.get(f"/io/board/{board.id}/activity")).status_code == 404
    assert (await client.get(f"/io/board/{board.id}/changes?version=1")).status_code == 404
