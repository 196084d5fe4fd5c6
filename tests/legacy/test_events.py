"""The board-event feed as LeanKit's poller (`leankit-events`) reads it: `GET boards/{b}` for `Version`, then
`CheckForUpdates` from each `CurrentBoardVersion`; every change made through /io is seen once, in order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import Lanekit
from tests.http.test_auth_cache import running
from tests.legacy.helpers import API, LegacyBoard, legacy_board, payload
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio


class Poller:
    def __init__(self, s: LegacyBoard, version: int) -> None:
        self.s = s
        self.version = version

    async def poll(self) -> dict[str, Any]:
        path = f"{API}/board/{self.s.board.id}/boardversion/{self.version}/checkforupdates"
        updates: dict[str, Any] = payload(await self.s.admin.get(path))
        assert set(updates) == {"HasUpdates", "CurrentBoardVersion", "AffectedLanes", "Events", "NewPayload"}
        if updates["HasUpdates"]:
            assert updates["CurrentBoardVersion"] > self.version
        self.version = updates["CurrentBoardVersion"]
        return updates

    async def events(self) -> list[dict[str, Any]]:
        updates = await self.poll()
        assert updates["HasUpdates"] is True
        events: list[dict[str, Any]] = updates["Events"]
        return events


async def ok(response: Any) -> Any:
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else None


async def test_a_poller_sees_each_io_change_once_in_order(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    io = s.admin
    poller = Poller(s, payload(await io.get(f"{API}/boards/{s.board.id}"))["Version"])
    quiet = await poller.poll()
    assert quiet == {
        "HasUpdates": False,
        "CurrentBoardVersion": poller.version,
        "AffectedLanes": [],
        "Events": [],
        "NewPayload": None,
    }

    new_lane, doing = s.lanes["New Requests"], s.lanes["Doing Now"]
    card_id = (await ok(await io.post("/io/card", json={"title": "polled", "boardId": str(s.board.id)})))[
        "id"
    ]
    [created] = await poller.events()
    assert created["EventType"] == "CardCreationEvent" and created["CardId"] == int(card_id)
    assert created["ToLaneId"] == new_lane.id and created["UserId"] == s.tenant.admin.id

    await ok(
        await io.post("/io/card/move", json={"cardIds": [card_id], "destination": {"laneId": str(doing.id)}})
    )
    updates = await poller.poll()
    [moved] = updates["Events"]
    assert moved["EventType"] == "CardMoveEvent"
    assert (moved["FromLaneId"], moved["ToLaneId"]) == (new_lane.id, doing.id)
    assert {lane["Id"] for lane in updates["AffectedLanes"]} == {new_lane.id, doing.id}
    doing_lane = next(lane for lane in updates["AffectedLanes"] if lane["Id"] == doing.id)
    assert [c["Id"] for c in doing_lane["Cards"]] == [int(card_id)]

    block = [
        {"op": "replace", "path": "/isBlocked", "value": True},
        {"op": "replace", "path": "/blockReason", "value": "stuck"},
    ]
    await ok(await io.patch(f"/io/card/{card_id}", json=block))
    [blocked] = await poller.events()
    assert blocked["EventType"] == "CardBlockedEvent" and blocked["IsBlocked"] is True
    assert blocked["BlockedComment"] == "stuck"
    await ok(
        await io.patch(f"/io/card/{card_id}", json=[{"op": "replace", "path": "/isBlocked", "value": False}])
    )
    [unblocked] = await poller.events()
    assert unblocked["EventType"] == "CardBlockedEvent" and unblocked["IsBlocked"] is False

    await ok(await io.post(f"/io/card/{card_id}/comment", json={"text": "a note"}))
    [commented] = await poller.events()
    assert commented["EventType"] == "CommentPostEvent" and commented["CommentText"] == "a note"

    user = await lanekit.user(s.tenant, administrator=True)
    await ok(await io.post("/io/card/assign", json={"cardIds": [card_id], "userIdsToAssign": [str(user.id)]}))
    [assigned] = await poller.events()
    assert assigned["EventType"] == "UserAssignmentEvent"
    assert assigned["AssignedUserId"] == user.id and assigned["IsUnassigning"] is False

    await ok(await io.patch(f"/io/board/{s.board.id}/lane/{doing.id}", json={"title": "Doing Today"}))
    updates = await poller.poll()
    [edited] = updates["Events"]
    assert edited["EventType"] == "BoardEditEvent" and edited["RequiresBoardRefresh"] is True
    renamed = next(lane for lane in updates["NewPayload"]["Lanes"] if lane["Id"] == doing.id)
    assert renamed["Title"] == "Doing Today"
    assert updates["NewPayload"]["Version"] == poller.version

    assert (await poller.poll())["HasUpdates"] is False
    # Every event since the start, oldest first, from GetBoardHistorySince.
    start = quiet["CurrentBoardVersion"]
    history = payload(await io.get(f"{API}/board/{s.board.id}/boardversion/{start}/GetBoardHistorySince"))
    assert [e["EventType"] for e in history] == [
        "CardCreationEvent",
        "CardMoveEvent",
        "CardBlockedEvent",
        "CardBlockedEvent",
        "CommentPostEvent",
        "UserAssignmentEvent",
    ]
    assert all(set(e) == set(created) for e in history)


async def test_a_v1_change_is_seen_by_io_and_the_feed_at_once(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    poller = Poller(s, payload(await s.admin.get(f"{API}/boards/{s.board.id}"))["Version"])
    added = payload(
        await s.admin.post(f"{API}/board/{s.board.id}/AddCard/Lane/0/Position/0", json={"Title": "v1"}), 201
    )
    changes = (await s.admin.get(f"/io/board/{s.board.id}/changes?version={poller.version}")).json()
    assert changes["createdCardIds"] == [str(added["CardId"])] and changes["version"] == str(
        added["BoardVersion"]
    )
    [event] = await poller.events()
    assert event["EventType"] == "CardCreationEvent" and event["CardId"] == added["CardId"]
    assert poller.version == added["BoardVersion"]


async def test_nothing_new_costs_one_statement(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with running(lanekit):
        version = payload(await s.admin.get(f"{API}/boards/{s.board.id}"))["Version"]
        path = f"{API}/board/{s.board.id}/boardversion/{version}/checkforupdates"
        assert payload(await s.admin.get(path))["HasUpdates"] is False  # warms the credential cache
        with StatementCounter(lanekit) as counter:
            updates = payload(await s.admin.get(path))
        assert updates["HasUpdates"] is False
        assert counter.count == 1, counter.statements


async def test_deletes_moves_between_boards_and_wip_overrides_in_the_feed(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    io = s.admin
    other_id = int((await ok(await io.post("/io/board", json={"title": "Elsewhere"})))["id"])
    here = Poller(s, payload(await io.get(f"{API}/boards/{s.board.id}"))["Version"])
    there_version = payload(await io.get(f"{API}/boards/{other_id}"))["Version"]
    doing = s.lanes["Doing Now"]
    await ok(await io.patch(f"/io/board/{s.board.id}/lane/{doing.id}", json={"wipLimit": 1}))
    await here.poll()  # the lane edit
    first = (await ok(await io.post("/io/card", json={"title": "a", "laneId": str(doing.id)})))["id"]
    second = (
        await ok(
            await io.post(
                "/io/card", json={"title": "b", "laneId": str(doing.id), "wipOverrideComment": "ok"}
            )
        )
    )["id"]
    events = await here.events()
    assert [e["EventType"] for e in events] == ["CardCreationEvent", "CardCreationEvent", "WipOverrideEvent"]
    assert events[2]["WipOverrideComment"] == "ok" and events[2]["WipOverrideLane"] == doing.id
    assert events[2]["CardId"] == int(second)

    await ok(
        await io.post("/io/card/move", json={"cardIds": [first], "destination": {"boardId": str(other_id)}})
    )
    [left] = await here.events()
    assert left["EventType"] == "CardMoveToBoardEvent" and left["RequiresBoardRefresh"] is True
    path = f"{API}/board/{other_id}/boardversion/{there_version}/checkforupdates"
    arrived = [e["EventType"] for e in payload(await io.get(path))["Events"]]
    assert arrived == ["CardMoveFromBoardEvent"]

    await ok(await io.request("DELETE", "/io/card", json={"cardIds": [second]}))
    [deleted] = await here.events()
    assert deleted["EventType"] == "CardDeletedEvent" and deleted["CardId"] == int(second)
