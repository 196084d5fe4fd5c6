"""The official LeanKit node client's card calls (create, get, list, update, destroy) on a live server."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit

pytestmark = pytest.mark.e2e


def test_card_workflow_with_the_node_client(live: Live) -> None:
    board, layout = run_leankit(
        live,
        live.admin_auth,
        [call("board.create", {"title": "E2E cards"}), call("board.get", ref("0.data.id"))],
    )
    assert board.ok, board.data
    board_id = board.data["id"]
    lanes = {lane["name"]: lane["id"] for lane in layout.data["lanes"]}

    created, got, tagged, blocked, moved, listed, destroyed, gone = run_leankit(
        live,
        live.admin_auth,
        [
            call(
                "card.create",
                {"boardId": board_id, "title": "From node", "typeId": layout.data["defaultCardTypeId"]},
            ),
            call("card.get", ref("0.data.id")),
            call("card.update", ref("0.data.id"), {"op": "add", "path": "/tags/-", "value": "node"}),
            call(
                "card.update",
                ref("0.data.id"),
                [
                    {"op": "replace", "path": "/blockReason", "value": "waiting"},
                    {"op": "replace", "path": "/isBlocked", "value": True},
                    {"op": "replace", "path": "/title", "value": "Renamed"},
                ],
            ),
            call(
                "card.update",
                ref("0.data.id"),
                [{"op": "replace", "path": "/laneId", "value": lanes["Doing Now"]}],
            ),
            call("card.list", {"board": board_id}),
            call("card.destroy", ref("0.data.id")),
            call("card.get", ref("0.data.id")),
        ],
    )
    assert (created.status, set(created.data)) == (201, {"id"})
    card_id = created.data["id"]
    assert got.status == 200
    assert (got.data["id"], got.data["title"], got.data["version"]) == (card_id, "From node", "1")
    assert got.data["lane"]["id"] == lanes["New Requests"]
    assert (tagged.status, tagged.data["tags"], tagged.data["version"]) == (200, ["node"], "2")
    assert blocked.status == 200
    assert blocked.data["title"] == "Renamed"
    assert blocked.data["blockedStatus"]["isBlocked"] is True
    assert blocked.data["blockedStatus"]["reason"] == "waiting"
    assert (moved.status, moved.data["lane"]["id"], moved.data["index"]) == (200, lanes["Doing Now"], 0)
    assert moved.data["actualStart"] is not None
    assert listed.status == 200
    assert [c["id"] for c in listed.data["cards"]] == [card_id]
    assert listed.data["pageMeta"]["totalRecords"] == 1
    assert (destroyed.ok, destroyed.status) == (True, 204)
    assert (gone.ok, gone.status) == (False, 404)
