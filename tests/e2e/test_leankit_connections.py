"""Card connections through the official LeanKit node client.

leankit-client 2.4.0 has no connection calls of its own; its clients connect cards with `card.create`
(`connections`) and `card.update` (`/parentCardId`), and read them back with `card.get`.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit

pytestmark = pytest.mark.e2e


def test_connect_and_disconnect_with_the_node_client(live: Live) -> None:
    [board] = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E connections"})])
    assert board.ok, board.data
    board_id = board.data["id"]

    parent, child, got_child, got_parent, removed, got_after = run_leankit(
        live,
        live.admin_auth,
        [
            call("card.create", {"boardId": board_id, "title": "Epic"}),
            call(
                "card.create",
                {"boardId": board_id, "title": "Story", "connections": {"parents": [ref("0.data.id")]}},
            ),
            call("card.get", ref("1.data.id")),
            call("card.get", ref("0.data.id")),
            call("card.update", ref("1.data.id"), {"op": "remove", "path": "/parentCardId"}),
            call("card.get", ref("0.data.id")),
        ],
    )
    assert (parent.status, child.status) == (201, 201), (parent.data, child.data)
    assert got_child.data["parentCards"] == [{"cardId": parent.data["id"], "boardId": board_id}]
    stats = got_parent.data["connectedCardStats"]
    assert (stats["totalCount"], stats["notStartedCount"]) == (1, 1)
    assert (removed.status, removed.data["parentCards"]) == (200, [])
    assert got_after.data["connectedCardStats"] is None
