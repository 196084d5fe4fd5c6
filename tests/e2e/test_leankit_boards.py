"""The official LeanKit node client's board calls on a live server: `board.create`, `board.list` (with
`search`), `board.get`, `board.roles.modify` and `user.boards.recent`."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import basic_auth, call, ref, run_leankit
from tests.factories.users import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e


def test_boards_with_the_node_client(live: Live) -> None:
    reader = live.user()
    steps = run_leankit(
        live,
        live.admin_auth,
        [
            call("board.create", {"title": "Roadmap E2E", "description": "made by leankit-client"}),
            call("board.create", {"title": "Ops E2E"}),
            call("board.list", {"search": "roadmap"}),
            call("board.get", ref("0.data.id")),
            call("board.roles.modify", ref("0.data.id"),
                 [{"op": "create", "userId": str(reader.id), "roleTypeId": 1}]),
            call("user.boards.recent"),
            call("board.get", "999999999"),
        ],
    )  # fmt: skip
    created, other, listed, board, roles, recent, missing = steps
    assert created.ok and other.ok, (created.data, other.data)
    board_id = created.data["id"]

    assert listed.status == 200
    assert [b["title"] for b in listed.data["boards"]] == ["Roadmap E2E"]
    assert listed.data["boards"][0] == {
        "id": board_id,
        "title": "Roadmap E2E",
        "description": "made by leankit-client",
        "boardRoleId": 4,
        "isWelcome": False,
        "boardRole": "boardAdministrator",
    }
    assert listed.data["pageMeta"]["totalRecords"] == 1

    assert board.status == 200
    assert board.data["id"] == board_id
    assert board.data["title"] == "Roadmap E2E"
    lanes = board.data["lanes"]
    drop = [lane for lane in lanes if lane["isDefaultDropLane"]]
    assert [lane["name"] for lane in drop] == ["New Requests"]
    assert {t["name"] for t in board.data["cardTypes"]} >= {"Other Work", "Subtask"}
    assert board.data["defaultCardTypeId"] in {t["id"] for t in board.data["cardTypes"]}

    assert roles.status == 200
    assert [(r["userId"], r["roleTypeId"]) for r in roles.data["boardRoles"]] == [(str(reader.id), 1)]

    assert recent.status == 200
    assert [b["id"] for b in recent.data["boards"]][:1] == [board_id]
    assert recent.data["boards"][0]["boardRole"] == "boardAdministrator"

    assert (missing.ok, missing.status) == (False, 404)
    assert missing.data["statusCode"] == 404

    # The reader now sees the board in their own list, with the reader role.
    as_reader = run_leankit(
        live,
        basic_auth(reader.email, DEFAULT_PASSWORD),
        [call("board.list"), call("board.get", board_id)],
    )
    mine, read = as_reader
    assert [(b["id"], b["boardRole"]) for b in mine.data["boards"]] == [(board_id, "boardReader")]
    assert read.status == 200
    assert read.data["boardRole"] == "boardReader"
