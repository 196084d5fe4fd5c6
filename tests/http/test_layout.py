"""Layout and lanes over HTTP: the layout PUT, lane PATCH, laneCount and leafLanes."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lanekit.storage.records import BoardRecord
from lanekit.storage.tables import lanes
from tests.conftest import Lanekit
from tests.factories.boards import insert_card_row, make_board
from tests.harness import Tenant

pytestmark = pytest.mark.anyio

LAYOUT_FIELDS = ("id", "title", "type", "classType", "index", "columns", "orientation",
                 "isConnectionDoneLane", "isDefaultDropLane", "wipLimit", "description")  # fmt: skip


def to_layout(board: dict[str, Any]) -> list[dict[str, Any]]:
    """The nested layout body built from a board GET's flat lanes, as a client does."""
    renamed = {"name": "title", "laneType": "type", "laneClassType": "classType"}
    nodes = {}
    for lane in board["lanes"]:
        node = {renamed.get(k, k): v for k, v in lane.items() if renamed.get(k, k) in LAYOUT_FIELDS}
        node["children"] = []
        nodes[lane["id"]] = (lane["parentLaneId"], node)
    roots = []
    for parent, node in sorted(nodes.values(), key=lambda pair: pair[1]["index"]):
        (nodes[parent][1]["children"] if parent else roots).append(node)
    return roots


def strip(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A layout tree without the parts a PUT may rewrite (for structure comparisons)."""
    return [
        {
            **{k: v for k, v in lane.items() if k in LAYOUT_FIELDS},
            "children": strip(lane.get("children", [])),
        }
        for lane in tree
    ]


async def _setup(lanekit: Lanekit) -> tuple[Tenant, BoardRecord, httpx.AsyncClient]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
    return tenant, board, lanekit.as_admin(tenant)


async def _board(client: httpx.AsyncClient, board: BoardRecord) -> dict[str, Any]:
    response = await client.get(f"/io/board/{board.id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _search(tree: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    for lane in tree:
        if lane["title"] == title:
            return lane
        found = _search(lane.get("children", []), title)
        if found is not None:
            return found
    return None


def _find(tree: list[dict[str, Any]], title: str) -> dict[str, Any]:
    found = _search(tree, title)
    if found is None:
        raise KeyError(title)
    return found


async def test_round_trip_keeps_the_structure_and_changes_the_checksum(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    tree = to_layout(before)
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["lanes", "layoutChecksum"]
    assert strip(body["lanes"]) == strip(tree)
    assert body["layoutChecksum"] != before["layoutChecksum"]
    doing = _find(body["lanes"], "Doing Now")
    assert list(doing) == [
        "id", "title", "wipLimit", "columns", "orientation", "index", "type", "classType", "cardStatus",
        "description", "isConnectionDoneLane", "isDefaultDropLane",
    ]  # fmt: skip
    assert "children" in _find(body["lanes"], "Not Started - Future Work")

    after = await _board(admin, board)
    assert after["layoutChecksum"] == body["layoutChecksum"]
    assert int(after["version"]) == int(before["version"]) + 1
    assert strip(to_layout(after)) == strip(tree)
    assert {lane["id"]: lane["creationDate"] for lane in after["lanes"]} == {
        lane["id"]: lane["creationDate"] for lane in before["lanes"]
    }


async def test_a_stale_checksum_is_a_conflict_and_changes_nothing(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    tree = to_layout(before)
    first = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert first.status_code == 200
    tree[1]["title"] = "Changed"
    stale = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert stale.status_code == 409
    assert stale.json()["statusCode"] == 409 and "layoutChecksum" in stale.json()["message"]
    assert all(lane["name"] != "Changed" for lane in (await _board(admin, board))["lanes"])


async def test_new_lanes_are_created_left_out_lanes_removed_and_indexes_renumbered(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    tree = to_layout(before)
    removed = _find(tree, "Under Review")
    tree.remove(removed)
    tree.append(
        {"title": "NEW LANE", "type": "untyped", "classType": "active", "index": 9, "columns": 1,
         "orientation": "vertical", "isConnectionDoneLane": False, "isDefaultDropLane": False, "wipLimit": 4,
         "children": [{"title": "Child", "classType": "backlog"}]}
    )  # fmt: skip
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [lane["index"] for lane in body["lanes"]] == [0, 1, 2, 3, 4]
    new = _find(body["lanes"], "NEW LANE")
    assert (
        new["index"] == 4 and new["id"].isdigit() and new["wipLimit"] == 4 and new["cardStatus"] == "started"
    )
    [child] = new["children"]
    # A sub-lane takes its top-level area's class, whatever it was sent with.
    assert child["classType"] == "active" and child["type"] == "untyped" and "children" not in child
    after = await _board(admin, board)
    assert removed["id"] not in {lane["id"] for lane in after["lanes"]}
    assert _find(to_layout(after), "Child")["id"] == child["id"]
    async with lanekit.db.read() as conn:
        rows = (await conn.execute(select(lanes.c.id).where(lanes.c.board_id == board.id))).all()
    assert len(rows) == len(after["lanes"]) == 12


async def test_removing_a_lane_that_holds_cards_is_refused(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    doing = next(lane for lane in before["lanes"] if lane["name"] == "Doing Now")
    async with lanekit.db.begin() as conn:
        for _ in range(3):
            await insert_card_row(conn, board, lane_id=int(doing["id"]))
    tree = [lane for lane in to_layout(before) if lane["title"] != "Doing Now"]
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 422
    message = response.json()["message"]
    assert "'Doing Now'" in message and "3 card(s)" in message and doing["id"] in message
    assert (await _board(admin, board))["layoutChecksum"] == before["layoutChecksum"]


async def test_a_lane_holding_cards_cannot_get_children(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    doing = next(lane for lane in before["lanes"] if lane["name"] == "Doing Now")
    async with lanekit.db.begin() as conn:
        await insert_card_row(conn, board, lane_id=int(doing["id"]))
    tree = to_layout(before)
    _find(tree, "Doing Now")["children"] = [{"title": "Sub-lane"}]
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 422
    assert "'Doing Now'" in response.json()["message"] and "child lanes" in response.json()["message"]


async def test_a_lane_holding_only_deleted_cards_can_be_removed(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    doing = next(lane for lane in before["lanes"] if lane["name"] == "Doing Now")
    async with lanekit.db.begin() as conn:
        await insert_card_row(conn, board, lane_id=int(doing["id"]), deleted_on=board.created_on)
    tree = [lane for lane in to_layout(before) if lane["title"] != "Doing Now"]
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 200, response.text


async def test_without_a_default_drop_lane_the_first_leaf_becomes_it(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    tree = to_layout(before)
    _find(tree, "New Requests")["isDefaultDropLane"] = False
    body = (
        await admin.put(
            f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
        )
    ).json()
    assert _find(body["lanes"], "New Requests")["isDefaultDropLane"] is True


def _break(case: str, tree: list[dict[str, Any]], other_lane_id: str) -> None:
    doing = _find(tree, "Doing Now")
    if case == "unknown id":
        doing["id"] = "999999999"
    elif case == "other board's lane":
        doing["id"] = other_lane_id
    elif case == "lane twice (cycle)":
        doing["children"] = [copy.deepcopy(_find(tree, "Not Started - Future Work"))]
    elif case == "two drop lanes":
        doing["isDefaultDropLane"] = True
    elif case == "two connection done lanes":
        doing["isConnectionDoneLane"] = True
    elif case == "classType":
        doing["classType"] = "started"
    elif case == "type":
        doing["type"] = "doing"
    elif case == "orientation":
        doing["orientation"] = "diagonal"
    elif case == "wipLimit":
        doing["wipLimit"] = -1
    elif case == "columns":
        doing["columns"] = 0
    elif case == "title":
        doing["title"] = "  "
    elif case == "drop lane with children":
        parent = _find(tree, "Not Started - Future Work")
        parent["isDefaultDropLane"] = True
        _find(tree, "New Requests")["isDefaultDropLane"] = False
    elif case == "cardStatus":
        doing["cardStatus"] = "halfway"


BROKEN = {
    "unknown id": "lanes/1/id",
    "other board's lane": "lanes/1/id",
    "lane twice (cycle)": "lanes/1/children/0/id",
    "two drop lanes": "lanes: only one lane may be the default drop lane",
    "two connection done lanes": "lanes: only one lane may be the connection done lane",
    "classType": "lanes/1/classType",
    "type": "lanes/1/type",
    "orientation": "lanes/1/orientation",
    "wipLimit": "lanes/1/wipLimit",
    "columns": "lanes/1/columns",
    "title": "lanes/1/title",
    "drop lane with children": "lanes/0/isDefaultDropLane",
    "cardStatus": "lanes/1/cardStatus",
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_an_invalid_tree_is_refused_and_changes_nothing(lanekit: Lanekit, case: str) -> None:
    tenant, board, admin = await _setup(lanekit)
    async with lanekit.db.begin() as conn:
        other = await make_board(conn, tenant.account, creator=tenant.admin)
        other_lane = (
            (await conn.execute(select(lanes.c.id).where(lanes.c.board_id == other.id))).scalars().first()
        )
    before = await _board(admin, board)
    tree = to_layout(before)
    _break(case, tree, str(other_lane))
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(BROKEN[case])
    after = await _board(admin, board)
    assert after["layoutChecksum"] == before["layoutChecksum"] and after["version"] == before["version"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lanes": []}, "layoutChecksum"),
        ({"layoutChecksum": "x"}, "lanes"),
        ({"lanes": [{"title": "only"}], "layoutChecksum": 5}, "layoutChecksum"),
        ({"lanes": [{"classType": "active"}], "layoutChecksum": "x"}, "lanes/0/title"),
        ({"lanes": [{"title": "x", "wipLimit": "many"}], "layoutChecksum": "x"}, "lanes/0/wipLimit"),
    ],
)
async def test_a_malformed_body_is_refused(lanekit: Lanekit, body: dict[str, Any], field: str) -> None:
    _, board, admin = await _setup(lanekit)
    response = await admin.put(f"/io/board/{board.id}/layout", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(field)


async def test_an_empty_layout_is_refused(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    response = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": [], "layoutChecksum": before["layoutChecksum"]}
    )
    assert response.status_code == 422 and response.json()["message"].startswith("lanes")


async def test_concurrent_layout_puts_with_one_checksum_have_one_winner(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)

    async def put(n: int) -> int:
        tree = to_layout(before)
        tree[1]["title"] = f"Doing Now {n}"
        response = await admin.put(
            f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": before["layoutChecksum"]}
        )
        return response.status_code

    codes = await asyncio.gather(*(put(n) for n in range(6)))
    assert sorted(codes) == [200, 409, 409, 409, 409, 409]
    after = await _board(admin, board)
    assert int(after["version"]) == int(before["version"]) + 1
    assert sum(1 for lane in after["lanes"] if lane["name"].startswith("Doing Now ")) == 1


async def test_patch_lane_changes_the_documented_fields(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    approved = next(lane for lane in before["lanes"] if lane["name"] == "Approved")
    doing = next(lane for lane in before["lanes"] if lane["name"] == "Doing Now")
    response = await admin.patch(
        f"/io/board/{board.id}/lane/{approved['id']}",
        json={"title": "Approved!", "description": "<p>policy</p>", "wipLimit": 5, "isDefaultDropLane": True,
              "type": "completed", "sortBy": "priority"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": approved["id"], "boardId": str(board.id), "title": "Approved!", "type": "ready",
        "cardStatus": "notStarted", "description": "<p>policy</p>", "wipLimit": 5, "isDefaultDropLane": True,
        "isConnectionDoneLane": False, "sortBy": "priority",
    }  # fmt: skip
    after = await _board(admin, board)
    assert [lane["name"] for lane in after["lanes"] if lane["isDefaultDropLane"]] == ["Approved!"]
    assert after["layoutChecksum"] != before["layoutChecksum"]
    assert int(after["version"]) == int(before["version"]) + 1

    done = await admin.patch(
        f"/io/board/{board.id}/lane/{doing['id']}",
        json={"isConnectionDoneLane": True, "cardStatus": "finished"},
    )
    assert done.json()["isConnectionDoneLane"] is True and done.json()["cardStatus"] == "finished"
    final = await _board(admin, board)
    assert [lane["name"] for lane in final["lanes"] if lane["isConnectionDoneLane"]] == ["Doing Now"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"wipLimit": -2}, "wipLimit"),
        ({"wipLimit": "2"}, "wipLimit"),
        ({"title": ""}, "title"),
        ({"cardStatus": "done"}, "cardStatus"),
        ({"isDefaultDropLane": False}, "isDefaultDropLane"),
    ],
)
async def test_patch_lane_refuses_bad_input(lanekit: Lanekit, body: dict[str, Any], field: str) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    drop = next(lane for lane in before["lanes"] if lane["isDefaultDropLane"])
    response = await admin.patch(f"/io/board/{board.id}/lane/{drop['id']}", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(field)
    assert (await _board(admin, board))["layoutChecksum"] == before["layoutChecksum"]


async def test_patch_lane_refuses_a_parent_as_drop_lane_and_unknown_lanes(lanekit: Lanekit) -> None:
    tenant, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    parent = next(lane for lane in before["lanes"] if lane["name"] == "Not Started - Future Work")
    refused = await admin.patch(f"/io/board/{board.id}/lane/{parent['id']}", json={"isDefaultDropLane": True})
    assert refused.status_code == 422
    async with lanekit.db.begin() as conn:
        other = await make_board(conn, tenant.account, creator=tenant.admin)
        other_lane = (
            (await conn.execute(select(lanes.c.id).where(lanes.c.board_id == other.id))).scalars().first()
        )
    assert (
        await admin.patch(f"/io/board/{board.id}/lane/{other_lane}", json={"wipLimit": 1})
    ).status_code == 404
    assert (await admin.patch(f"/io/board/{board.id}/lane/99999999", json={"wipLimit": 1})).status_code == 404


async def test_lane_count_and_leaf_lanes(lanekit: Lanekit) -> None:
    _, board, admin = await _setup(lanekit)
    before = await _board(admin, board)
    ids = {lane["name"]: lane["id"] for lane in before["lanes"]}
    async with lanekit.db.begin() as conn:
        await insert_card_row(conn, board, lane_id=int(ids["Doing Now"]), size=2)
        await insert_card_row(conn, board, lane_id=int(ids["Doing Now"]), size=0)
    counts = (await admin.get(f"/io/board/{board.id}/laneCount")).json()
    assert set(counts["lanes"]) == set(ids.values())
    assert counts["lanes"][ids["Doing Now"]] == {"cardCount": 2, "cardSize": "2"}
    assert counts["lanes"][ids["Approved"]] == {"cardCount": 0, "cardSize": "0"}
    some = (await admin.get(f"/io/board/{board.id}/laneCount", params={"lanes": ids["Doing Now"]})).json()
    assert some == {"lanes": {ids["Doing Now"]: {"cardCount": 2, "cardSize": "2"}}}
    bad = await admin.get(f"/io/board/{board.id}/laneCount", params={"lanes": "99999999"})
    assert bad.status_code == 422 and bad.json()["message"].startswith("lanes")

    leaves = (await admin.get(f"/io/board/{board.id}/leafLanes")).json()["lanes"]
    assert [leaf["expandedTitle"] for leaf in leaves] == [
        "Not Started - Future Work:New Requests", "Not Started - Future Work:Approved",
        "Not Started - Future Work:Ready to Start", "Doing Now", "Under Review", "Recently Finished",
        "Finished - Ready to Archive:Finished As Planned",
        "Finished - Ready to Archive:Started but not Finished",
        "Finished - Ready to Archive:Discarded Requests / Ideas",
    ]  # fmt: skip
    assert leaves[3] == {"id": ids["Doing Now"], "title": "Doing Now", "expandedTitle": "Doing Now"}
