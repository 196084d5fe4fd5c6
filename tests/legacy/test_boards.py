"""v1 board calls: the hierarchical board with its cards, identifiers, backlog, archive, archive cards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.body_cache import cache_of, cached
from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, LegacyBoard, legacy_board, payload

pytestmark = pytest.mark.anyio


def all_lanes(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [*board["Lanes"], *board["Backlog"], *board["Archive"]]


def cards_of(lanes: list[dict[str, Any]]) -> dict[str, list[int]]:
    return {lane["Title"]: [c["Id"] for c in lane["Cards"]] for lane in lanes if lane["Cards"]}


async def archive(s: LegacyBoard, card_id: int) -> None:
    lane = s.lanes["Finished As Planned"].id
    moved = await s.admin.post(
        "/io/card/move", json={"cardIds": [str(card_id)], "destination": {"laneId": str(lane)}}
    )
    assert moved.status_code == 200, moved.text


async def test_board_is_hierarchical_with_cards_and_empty_archive_lanes(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        doing = [
            (await make_card(conn, s.board, by=s.tenant.admin, lane_id=s.lanes["Doing Now"].id)).id
            for _ in range(2)
        ]
        waiting = (await make_card(conn, s.board, by=s.tenant.admin)).id
        archived = (await make_card(conn, s.board, by=s.tenant.admin)).id
    await archive(s, archived)
    board = payload(await s.admin.get(f"{API}/Boards/{s.board.id}"))
    io = (await s.admin.get(f"/io/board/{s.board.id}")).json()
    assert board["Id"] == s.board.id and board["Title"] == s.board.title
    assert board["Version"] == int(io["version"])
    assert cards_of(board["Lanes"]) == {"Doing Now": doing}
    assert cards_of(board["Backlog"]) == {"New Requests": [waiting]}
    # Archive lanes carry empty Cards: archived cards come from the archive calls only.
    assert all(lane["Cards"] == [] for lane in board["Archive"])
    assert [c["Index"] for c in board["Lanes"][0]["Cards"]] == [0, 1]
    assert {lane["Id"] for lane in all_lanes(board)} == {int(lane["id"]) for lane in io["lanes"]}
    by_id = {lane["Id"]: lane for lane in all_lanes(board)}
    backlog_top = by_id[board["BacklogTopLevelLaneId"]]
    assert backlog_top["ParentLaneId"] == 0 and backlog_top["LaneState"] == "parent"
    assert backlog_top["ChildLaneIds"] == [
        s.lanes[t].id for t in ("New Requests", "Approved", "Ready to Start")
    ]
    child = by_id[s.lanes["Approved"].id]
    assert child["ParentLaneId"] == backlog_top["Id"] and child["LaneState"] == "child"
    assert (
        child["ClassType"] == 1
        and board["Lanes"][0]["ClassType"] == 0
        and board["Archive"][0]["ClassType"] == 2
    )
    assert sorted(board["TopLevelLaneIds"]) == sorted(
        lane["Id"] for lane in board["Lanes"] if lane["ParentLaneId"] == 0
    )
    assert [u["Id"] for u in board["BoardUsers"]] == [s.tenant.admin.id]
    assert [t["IsDefault"] for t in board["CardTypes"]].count(True) == 1
    # A lane card's empty dates are "" (LeanKit's board payload); GetCard's are null.
    face = board["Lanes"][0]["Cards"][0]
    assert face["DueDate"] == "" and face["DateArchived"] == ""
    assert payload(await s.admin.get(f"{API}/board/{s.board.id}/getcard/{face['Id']}"))["DueDate"] is None


async def test_archive_calls_hold_the_archived_cards(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        archived = (await make_card(conn, s.board, by=s.tenant.admin)).id
        live = (await make_card(conn, s.board, by=s.tenant.admin)).id
    await archive(s, archived)
    cards = payload(await s.admin.get(f"{API}/board/{s.board.id}/archivecards"))
    assert [c["Id"] for c in cards] == [archived]
    assert cards[0]["LaneTitle"] == "Finished As Planned" and cards[0]["DateArchived"] != ""
    lanes = payload(await s.admin.get(f"{API}/board/{s.board.id}/archive"))
    assert lanes[0]["Lane"]["Width"] > 0
    held = {item["Lane"]["Title"]: [c["Id"] for c in item["Lane"]["Cards"]] for item in lanes}
    assert held["Finished As Planned"] == [archived]
    planned = next(item for item in lanes if item["Lane"]["Title"] == "Finished As Planned")
    assert planned["ParentLane"]["Id"] == s.lanes["Finished - Ready to Archive"].id
    assert set(planned) == {"Lane", "ParentLane", "ChildLanes", "Dom"}
    backlog = payload(await s.admin.get(f"{API}/board/{s.board.id}/backlog"))
    assert backlog[0]["Width"] > 0
    assert cards_of(backlog) == {"New Requests": [live]}


async def test_board_identifiers_find_lanes_by_class_and_index(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    ids = payload(await s.admin.get(f"{API}/board/{s.board.id}/GetBoardIdentifiers"))
    assert ids["BoardId"] == s.board.id
    assert ids["CardTypes"] and all(set(t) == {"Id", "Name"} for t in ids["CardTypes"])
    active = [lane for lane in ids["Lanes"] if lane["LaneClassType"] == 0]
    assert [lane["Index"] for lane in active] == list(range(len(active)))
    assert [lane["Name"] for lane in active[:2]] == ["Doing Now", "Under Review"]
    assert ids["Priorities"] == [
        {"Id": 3, "Name": "Critical"},
        {"Id": 2, "Name": "High"},
        {"Id": 1, "Name": "Normal"},
        {"Id": 0, "Name": "Low"},
    ]
    approved = next(lane for lane in ids["Lanes"] if lane["Name"] == "Approved")
    assert approved["TopLevelParentLaneId"] == s.lanes["Not Started - Future Work"].id


async def test_get_newer_if_exists(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    version = payload(await s.admin.get(f"{API}/boards/{s.board.id}"))["Version"]
    path = f"{API}/board/{s.board.id}/boardversion/{version}/getnewerifexists"
    # Nothing newer: ReplyCode 200 with ReplyData [null].
    assert payload(await s.admin.get(path)) is None
    async with lanekit.db.begin() as conn:
        await make_card(conn, s.board, by=s.tenant.admin)
    newer = payload(await s.admin.get(path))
    assert newer["Version"] > version and newer["Id"] == s.board.id


async def test_the_board_is_served_from_the_body_cache_until_it_changes(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin)
    path = f"{API}/boards/{s.board.id}"
    first = await cached(lanekit, s.admin, path)
    assert first["ReplyCode"] == 200 and first["ReplyData"][0]["Version"] == int(
        (await s.admin.get(f"/io/board/{s.board.id}")).json()["version"]
    )
    # A change through /io is seen by the next legacy read.
    await s.admin.patch(f"/io/card/{card.id}", json=[{"op": "replace", "path": "/title", "value": "changed"}])
    hits = cache_of(lanekit).hits
    after = payload(await s.admin.get(path))
    assert cache_of(lanekit).hits == hits
    assert after["Version"] > first["ReplyData"][0]["Version"]
    assert [c["Title"] for lane in after["Backlog"] for c in lane["Cards"]] == ["changed"]
    # Another date format is another body.
    european = await lanekit.user(s.tenant, administrator=True, date_format="dd/MM/yyyy")
    theirs = payload(await lanekit.as_user(s.tenant, european).get(path))
    created = [c["CreateDate"] for lane in theirs["Backlog"] for c in lane["Cards"]]
    ours = [c["CreateDate"] for lane in after["Backlog"] for c in lane["Cards"]]
    assert created[0].split("/") == [ours[0].split("/")[i] for i in (1, 0, 2)]
