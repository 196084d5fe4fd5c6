"""Every legacy payload's key set equals the one of LeanKit's v1 transfer object it stands for
(data/v1_transfer_objects.json says where each list comes from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, legacy_board, payload

pytestmark = pytest.mark.anyio

KEYS: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "data" / "v1_transfer_objects.json").read_text()
)
CARD_EVENT_COMMON = set(
    "CardId CardTitle ToLaneId ToLaneTitle Type UserId UserName UserFullName GravatarLink DateTime "
    "TimeDifference LastDate OverrideType TaskboardContainingCardId TaskboardContainingCardTitle".split()
)


def keys_of(body: dict[str, Any], name: str) -> None:
    assert set(body) == set(KEYS[name]), (
        name,
        sorted(set(body) - set(KEYS[name])),
        sorted(set(KEYS[name]) - set(body)),
    )


async def test_every_payload_has_leankits_keys(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(
            conn, s.board, by=s.tenant.admin, custom_id="K-1", assigned_user_ids=[s.tenant.admin.id]
        )
    b, c = s.board.id, card.id
    await s.admin.post(f"/io/card/{c}/comment", json={"text": "note"})
    await s.admin.post(f"{API}/card/SaveAttachment/{b}/{c}", files={"File": ("a.txt", b"a", "text/plain")})
    await s.admin.post(f"{API}/v1/board/{b}/card/{c}/tasks/lane/0/position/0", json={"Title": "task"})
    await s.admin.post(
        "/io/card/move", json={"cardIds": [str(c)], "destination": {"laneId": str(s.lanes["Doing Now"].id)}}
    )

    [listing] = payload(await s.admin.get(f"{API}/boards"))
    keys_of(listing, "BoardListing")
    board = payload(await s.admin.get(f"{API}/boards/{b}"))
    keys_of(board, "Board")
    for lane in [*board["Lanes"], *board["Backlog"], *board["Archive"]]:
        keys_of(lane, "Lane")
    keys_of(board["BoardUsers"][0], "User")
    keys_of(board["CardTypes"][0], "CardType")
    keys_of(board["ClassesOfService"][0], "ClassOfService")
    face = next(card for lane in board["Lanes"] for card in lane["Cards"])
    keys_of(face, "CardView")
    keys_of(face["AssignedUsers"][0], "AssignedUserInfo")
    keys_of(face["Type"], "CardType")

    view = payload(await s.admin.get(f"{API}/board/{b}/getcard/{c}"))
    keys_of(view, "CardView")
    [by_external] = payload(await s.admin.get(f"{API}/board/{b}/getcardbyexternalid/K-1"))
    keys_of(by_external, "Card")
    added = payload(
        await s.admin.post(f"{API}/board/{b}/AddCard/Lane/0/Position/0", json={"Title": "t"}), 201
    )
    keys_of(added, "CardAddResult")
    keys_of(added["Lane"], "Lane")
    [many] = payload(await s.admin.post(f"{API}/board/{b}/AddCards", json=[{"Title": "m"}]), 201)
    keys_of(many, "Card")
    updated = payload(await s.admin.post(f"{API}/card/update", json={"CardId": c, "Title": "u"}), 202)
    keys_of(updated, "CardUpdateResult")
    keys_of(updated["CardDTO"], "CardView")
    keys_of(payload(await s.admin.get(f"{API}/board/{b}/getboardidentifiers")), "BoardIdentifiers")
    [hierarchical, *_] = payload(await s.admin.get(f"{API}/board/{b}/archive"))
    keys_of(hierarchical, "HierarchicalLane")
    [comment] = payload(await s.admin.get(f"{API}/card/getcomments/{b}/{c}"))
    keys_of(comment, "Comment")
    [asset] = payload(await s.admin.get(f"{API}/card/getattachments/{b}/{c}"))
    keys_of(asset, "Asset")
    taskboard = payload(await s.admin.get(f"{API}/v1/board/{b}/card/{c}/taskboard"))
    keys_of(taskboard, "Taskboard")
    search = payload(await s.admin.post(f"{API}/board/{b}/searchcards", json={}))
    keys_of(search, "SearchResult")
    keys_of(search["Results"][0], "CardView")
    keys_of(payload(await s.admin.get(f"{API}/board/{b}/listnewcards"))[0], "CardList")
    updates = payload(await s.admin.get(f"{API}/board/{b}/boardversion/0/checkforupdates"))
    keys_of(updates, "BoardUpdates")
    for event in updates["Events"]:
        keys_of(event, "BoardHistoryEvent")
    for lane in updates["AffectedLanes"]:
        keys_of(lane, "Lane")
    history = payload(await s.admin.get(f"{API}/card/history/{b}/{c}"))
    assert {e["Type"] for e in history} >= {
        "CardCreationEventDTO",
        "UserAssignmentEventDTO",
        "CommentPostEventDTO",
        "AttachmentChangeEventDTO",
        "CardMoveEventDTO",
    }
    assert all(CARD_EVENT_COMMON <= set(e) for e in history)
    assignment = next(e for e in history if e["Type"] == "UserAssignmentEventDTO")
    assert {"AssignedUserId", "AssignedUserFullName", "AssignedUserEmailAddres", "IsUnassigning"} <= set(
        assignment
    )
    drill = payload(await s.admin.get(f"{API}/card/{b}/getdrillthroughstatistics/{c}"))
    keys_of(drill, "DrillThroughStatistics")
    keys_of(drill["ParentCard"], "DrillThroughStatisticsCard")
    created = await s.admin.post("/io/board", json={"title": "Other"})
    moved = payload(await s.admin.post(f"{API}/card/movecardtoanotherboard/{c}/{created.json()['id']}"), 202)
    keys_of(moved, "CardMoveBetweenBoardsResult")
