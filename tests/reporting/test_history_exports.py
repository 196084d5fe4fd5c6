"""History exports over HTTP: `cardpositions`, `cards/blockedhistory`, `userassignments/history` and
`usertaskassignments/history`, built from what moves, blocks and assignments record."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lanekit.domain.reporting import history
from tests.factories.two_boards import World, world
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def rows(client: httpx.AsyncClient, export: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"/io/reporting/export/{export}.json", params=params)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def move(w: World, card_id: int, lane_id: int) -> None:
    body = {"cardIds": [str(card_id)], "destination": {"laneId": str(lane_id)}}
    assert (await w.admin.post("/io/card/move", json=body)).status_code == 200


def leaf_lanes(w: World, *, besides: int) -> list[Any]:
    """Active leaf lanes of board `a` other than `besides`."""
    parents = {lane.parent_lane_id for lane in w.lanes_a.values()}
    return [
        lane
        for lane in w.lanes_a.values()
        if lane.id not in parents and lane.lane_class_type == "active" and lane.id != besides
    ]


async def test_card_positions_list_each_lane_visit(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Mover", custom_id="M-1")
    first, second = leaf_lanes(w, besides=card.lane_id)[:2]
    await move(w, card.id, first.id)
    await move(w, card.id, second.id)
    visits = await rows(w.admin, "cardpositions", boardId=str(w.a.id))
    assert [v["laneId"] for v in visits] == [str(card.lane_id), str(first.id), str(second.id)]
    assert all(v["cardId"] == str(card.id) and v["externalCardId"] == "M-1" for v in visits)
    assert [v["laneTitle"] for v in visits[1:]] == [first.title, second.title]
    assert {(v["boardId"], v["boardTitle"]) for v in visits} == {(str(w.a.id), "Portfolio")}
    # Each visit ends when the next begins; the last is still open.
    assert [v["laneExitDate"] for v in visits[:-1]] == [v["laneEntryDate"] for v in visits[1:]]
    assert visits[-1]["laneExitDate"] is None
    assert visits[0]["laneEntryDate"] <= visits[1]["laneEntryDate"]


async def test_blocked_history_names_who_blocked_and_unblocked(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Stuck", size=2, block_reason="waiting")
    unblock = [{"op": "replace", "path": "/isBlocked", "value": False}]
    assert (await w.admin.patch(f"/io/card/{card.id}", json=unblock)).status_code == 200
    block = [
        {"op": "replace", "path": "/isBlocked", "value": True},
        {"op": "replace", "path": "/blockReason", "value": "again"},
    ]
    assert (await w.admin.patch(f"/io/card/{card.id}", json=block)).status_code == 200
    found = await rows(w.admin, "cards/blockedhistory")
    assert len(found) == 2
    closed, still = found
    admin = w.tenant.admin
    assert closed["cardId"] == str(card.id) and closed["cardSize"] == 2 and closed["cardTitle"] == "Stuck"
    assert (closed["blockedByUserId"], closed["unblockedByUserId"]) == (str(admin.id), str(admin.id))
    assert closed["blockedByUserEmailAddress"] == admin.email
    assert closed["blockedEndDate"] is not None and closed["blockedStartDate"] <= closed["blockedEndDate"]
    assert (closed["totalDurationDays"], closed["totalDurationHours"]) == (0, 0)
    assert still["blockedEndDate"] is None and still["unblockedByUserId"] is None
    assert still["currentBoardTitle"] == "Portfolio"


async def test_assignment_history_keeps_ended_and_current_assignments(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Shared work")
    other = await lanekit.user(w.tenant)
    assign = {"cardIds": [str(card.id)], "userIdsToAssign": [str(w.user.id), str(other.id)]}
    assert (await w.admin.post("/io/card/assign", json=assign)).status_code in (200, 201, 204)
    unassign = {"cardIds": [str(card.id)], "userIdsToUnassign": [str(w.user.id)]}
    assert (await w.admin.post("/io/card/assign", json=unassign)).status_code in (200, 201, 204)
    found = {r["assignedUserId"]: r for r in await rows(w.admin, "userassignments/history")}
    assert set(found) == {str(w.user.id), str(other.id)}
    ended, current = found[str(w.user.id)], found[str(other.id)]
    admin = str(w.tenant.admin.id)
    assert (ended["assignedByUserId"], ended["unassignedByUserId"]) == (admin, admin)
    assert ended["assignedFromDate"] is not None and ended["assignedUserEmailAddress"] == w.user.email
    assert current["assignedFromDate"] is None and current["unassignedByUserId"] is None
    assert current["cardTitle"] == "Shared work" and current["currentBoardId"] == str(w.a.id)
    assert await rows(w.admin, "usertaskassignments/history") == []


async def test_history_exports_follow_the_read_rule_and_page(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "CARD_BATCH", 2)
    w = await world(lanekit)
    mine = [await w.card(lanekit, w.a, title=f"a{i}", block_reason="x") for i in range(5)]
    await w.card(lanekit, w.b, title="hidden", block_reason="secret")
    for export in history.HISTORY_EXPORTS:
        for params in ({}, {"boardId": str(w.b.id)}, {"boardId": f"{w.a.id},{w.b.id}"}):
            seen = await rows(w.as_user, export, **params)
            assert all(r.get("boardId", r.get("currentBoardId")) == str(w.a.id) for r in seen), export
    every = [r["cardId"] for r in await rows(w.admin, "cards/blockedhistory", boardId=str(w.a.id))]
    assert every == [str(c.id) for c in mine]
    pages: list[str] = []
    for offset in range(0, 6, 2):
        page = await rows(w.admin, "cards/blockedhistory", boardId=str(w.a.id), limit=2, offset=offset)
        pages += [r["cardId"] for r in page]
    assert pages == every
