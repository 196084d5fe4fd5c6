"""v1 taskboard calls: the default taskboard's three lanes, task add/update/move/delete, task updates."""

from __future__ import annotations

import pytest

from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, failure, legacy_board, payload

pytestmark = pytest.mark.anyio


async def test_a_cards_tasks_through_v1(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin)
    base = f"{API}/v1/board/{s.board.id}"
    added = payload(
        await s.admin.post(
            f"{base}/card/{card.id}/tasks/lane/0/position/9999",
            json={"Title": "first task", "TypeId": 0, "UserWipOverrideComment": "why"},
        ),
        201,
    )
    assert added["CardId"] > 0 and added["Lane"]["Title"] == "ToDo"
    assert [c["Id"] for c in added["Lane"]["Cards"]] == [added["CardId"]]
    taskboard = payload(await s.admin.get(f"{base}/card/{card.id}/taskboard"))
    # LeanKit's suite: the default taskboard has 3 lanes and the new task is Lanes[0].Cards[0].
    assert taskboard["Id"] == card.id and len(taskboard["Lanes"]) == 3
    assert [lane["Title"] for lane in taskboard["Lanes"]] == ["ToDo", "Doing", "Done"]
    assert taskboard["Lanes"][0]["Cards"][0]["Id"] == added["CardId"]
    io_tasks = (await s.admin.get(f"/io/card/{card.id}/tasks")).json()
    assert [t["id"] for t in io_tasks["cards"]] == [str(added["CardId"])]

    task_id = added["CardId"]
    updated = payload(
        await s.admin.post(
            f"{base}/update/card/{card.id}/tasks/{task_id}", json={"Id": task_id, "Title": "renamed"}
        ),
        202,
    )
    assert updated["CardDTO"]["Title"] == "renamed"
    done = taskboard["Lanes"][2]["Id"]
    moved = payload(
        await s.admin.post(f"{base}/move/card/{card.id}/tasks/{task_id}/lane/{done}/position/0"), 202
    )
    assert set(moved) == {"BoardVersion"}
    assert (await s.admin.get(f"/io/card/{card.id}/tasks/{task_id}")).json()["lane"]["id"] == str(done)
    # A lane of the board is not one of the card's task lanes.
    off = await s.admin.post(
        f"{base}/move/card/{card.id}/tasks/{task_id}/lane/{s.lanes['Doing Now'].id}/position/0"
    )
    failure(off, 502)

    updates = payload(await s.admin.get(f"{base}/card/{card.id}/tasks/boardversion/0"))
    assert updates["HasUpdates"] is True and updates["CurrentBoardVersion"] > 1
    assert [e["EventType"] for e in updates["Events"]] == [
        "CardCreationEvent",
        "CardFieldsChangedEvent",
        "CardMoveEvent",
    ]
    assert [e["CardId"] for e in updates["Events"]] == [task_id] * 3
    created, _, moved_event = updates["Events"]
    assert created["TaskboardParentCardId"] == card.id and moved_event["TaskboardParentCardId"] == card.id
    assert {lane["Id"] for lane in updates["AffectedLanes"]} == {taskboard["Lanes"][0]["Id"], done}

    deleted = await s.admin.post(f"{base}/delete/card/{card.id}/tasks/{task_id}")
    assert isinstance(payload(deleted, 203), int)
    assert (await s.admin.get(f"/io/card/{card.id}/tasks")).json()["cards"] == []
    assert (
        failure(await s.admin.post(f"{base}/delete/card/{card.id}/tasks/{task_id}"), 100) == "Card not Found."
    )
