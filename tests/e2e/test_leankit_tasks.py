"""The official LeanKit node client's task calls (task.create, task.list, task.get) on a live server, and a
task moved to Done with card.update (leankit-client 2.4.0 has no card.move) read back as taskBoardStats."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit

pytestmark = pytest.mark.e2e


def test_task_workflow_with_the_node_client(live: Live) -> None:
    [board] = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E tasks"})])
    assert board.ok, board.data
    owner, first, second, listed, got, stats_before = run_leankit(
        live,
        live.admin_auth,
        [
            call("card.create", {"boardId": board.data["id"], "title": "Owner"}),
            # The client sends `cardId` in the body and `laneTitle: "todo"` when no lane is named.
            call("task.create", ref("0.data.id"), {"title": "First task", "size": 2}),
            call("task.create", ref("0.data.id"), {"title": "Second task", "laneType": "inProcess"}),
            call("task.list", ref("0.data.id")),
            call("task.get", ref("0.data.id"), ref("1.data.id")),
            call("card.get", ref("0.data.id")),
        ],
    )
    assert owner.status == 201, owner.data
    owner_id = owner.data["id"]
    assert first.status == 201, first.data
    assert first.data["taskBoard"]["id"] == owner_id
    assert (first.data["lane"]["title"], first.data["type"]["title"], first.data["size"]) == (
        "ToDo",
        "Subtask",
        2,
    )
    assert (second.status, second.data["lane"]["title"]) == (201, "Doing")
    assert listed.status == 200
    assert [c["id"] for c in listed.data["cards"]] == [first.data["id"], second.data["id"]]
    assert {c["containingCardId"] for c in listed.data["cards"]} == {owner_id}
    assert listed.data["pageMeta"]["totalRecords"] == 2
    assert (got.status, got.data["id"], got.data["lane"]["taskBoard"]["id"]) == (
        200,
        first.data["id"],
        owner_id,
    )
    assert stats_before.data["taskBoardStats"] == {
        "totalCount": 2,
        "completedCount": 0,
        "totalSize": 3,
        "completedSize": 0,
    }

    # A task in Done, then the first task moved to that lane (its id comes from the new task's lane).
    moved, after, stats_after, board_cards, missing = run_leankit(
        live,
        live.admin_auth,
        [
            call("task.create", owner_id, {"title": "Third task", "laneType": "completed"}),
            call(
                "card.update",
                first.data["id"],
                [{"op": "replace", "path": "/laneId", "value": ref("0.data.lane.id")}],
            ),
            call("card.get", owner_id),
            call("card.list", {"board": board.data["id"]}),
            call("task.get", owner_id, owner_id),
        ],
    )
    assert moved.status == 201 and moved.data["lane"]["title"] == "Done"
    assert (after.status, after.data["lane"]["title"]) == (200, "Done")
    assert after.data["actualFinish"] is not None
    assert stats_after.data["taskBoardStats"] == {
        "totalCount": 3,
        "completedCount": 2,
        "totalSize": 4,
        "completedSize": 3,
    }
    # The board's card list leaves the tasks out; a card that is not a task of the card is a 404.
    assert [c["id"] for c in board_cards.data["cards"]] == [owner_id]
    assert (missing.ok, missing.status) == (False, 404)
