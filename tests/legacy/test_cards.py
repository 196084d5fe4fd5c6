"""v1 card calls over the /io domain: what they store is what /io reads back, and the other way round."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from lanekit.domain import clock
from lanekit.storage.tables import events
from tests.factories.boards import make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, LegacyBoard, failure, legacy_board, payload

pytestmark = pytest.mark.anyio

CARD = {
    "Title": "Legacy card",
    "Description": "<p>Hello</p><script>alert(1)</script>",
    "TypeId": 0,
    "Priority": 2,
    "Size": 3,
    "IsBlocked": True,
    "BlockReason": "waiting",
    "DueDate": "01/31/2020",
    "StartDate": "01/02/2020",
    "ExternalSystemName": "Tracker",
    "ExternalSystemUrl": "https://tracker.example/1",
    "Tags": "small,UI",
    "ClassOfServiceId": 0,
    "ExternalCardID": "EXT-1",
    "AssignedUserIds": [],
}


async def io_card(s: LegacyBoard, card_id: int) -> dict[str, Any]:
    response = await s.admin.get(f"/io/card/{card_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def io_version(s: LegacyBoard) -> int:
    return int((await s.admin.get(f"/io/board/{s.board.id}")).json()["version"])


async def set_wip(s: LegacyBoard, lane: str, limit: int) -> None:
    response = await s.admin.patch(
        f"/io/board/{s.board.id}/lane/{s.lanes[lane].id}", json={"wipLimit": limit}
    )
    assert response.status_code in (200, 204), response.text


async def test_add_card_stores_v1_fields_as_io_shows_them(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    doing = s.lanes["Doing Now"]
    body = {**CARD, "UserWipOverrideComment": "WIP Override performed by external system"}
    added = payload(
        await s.admin.post(
            f"{API}/board/{s.board.id}/AddCardWithWipOverride/Lane/{doing.id}/Position/9999", json=body
        ),
        201,
    )
    assert set(added) == {"BoardVersion", "Lane", "CardId"}
    assert added["BoardVersion"] == await io_version(s)
    assert added["Lane"]["Id"] == doing.id and [c["Id"] for c in added["Lane"]["Cards"]] == [added["CardId"]]
    stored = await io_card(s, added["CardId"])
    assert stored["title"] == "Legacy card"
    assert "<script>" not in stored["description"] and "Hello" in stored["description"]
    assert stored["priority"] == "high" and stored["size"] == 3
    assert stored["blockedStatus"]["isBlocked"] is True and stored["blockedStatus"]["reason"] == "waiting"
    assert stored["plannedFinish"] == "2020-01-31" and stored["plannedStart"] == "2020-01-02"
    assert stored["tags"] == ["small", "UI"]
    assert stored["customId"]["value"] == "EXT-1"
    assert stored["externalLinks"] == [{"label": "Tracker", "url": "https://tracker.example/1"}]
    assert stored["lane"]["id"] == str(doing.id)
    card = payload(await s.admin.get(f"{API}/board/{s.board.id}/GetCard/{added['CardId']}"))
    assert card["Tags"] == "small,UI" and card["Priority"] == 2 and card["PriorityText"] == "High"
    assert card["DueDate"] == "01/31/2020" and card["StartDate"] == "01/02/2020"
    assert (
        card["ExternalCardID"] == "EXT-1" and card["IsBlocked"] is True and card["BlockReason"] == "waiting"
    )
    assert card["LaneId"] == doing.id and card["BoardId"] == s.board.id and card["TypeName"] == "Other Work"


async def test_lane_zero_is_the_default_drop_lane_and_dates_follow_the_users_format(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    european = await lanekit.user(s.tenant, administrator=True, date_format="dd/MM/yyyy")
    client = lanekit.as_user(s.tenant, european)
    added = payload(
        await client.post(
            f"{API}/board/{s.board.id}/AddCard/Lane/0/Position/0",
            json={"Title": "t", "DueDate": "31/01/2020"},
        ),
        201,
    )
    stored = await io_card(s, added["CardId"])
    assert stored["plannedFinish"] == "2020-01-31"
    assert stored["lane"]["id"] == str(s.lanes["New Requests"].id)
    assert (
        payload(await client.get(f"{API}/board/{s.board.id}/getcard/{added['CardId']}"))["DueDate"]
        == "31/01/2020"
    )


async def test_wip_limits_refuse_with_900_unless_overridden(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    await set_wip(s, "Doing Now", 1)
    doing = s.lanes["Doing Now"].id
    async with lanekit.db.begin() as conn:
        await make_card(conn, s.board, by=s.tenant.admin, lane_id=doing)
        waiting = await make_card(conn, s.board, by=s.tenant.admin)
    text = failure(
        await s.admin.post(f"{API}/board/{s.board.id}/AddCard/Lane/{doing}/Position/0", json={"Title": "t"}),
        900,
    )
    assert text.startswith("Performing this action will cause the ") and "WIP" in text
    move = f"{API}/board/{s.board.id}/movecard/{waiting.id}/lane/{doing}/position/0"
    failure(await s.admin.post(move), 900)
    assert (await io_card(s, waiting.id))["lane"]["id"] == str(s.lanes["New Requests"].id)
    # The node client sends the move's comment under a lowercase key.
    override = f"{API}/board/{s.board.id}/movecardwithwipoverride/{waiting.id}/lane/{doing}/position/0"
    version = payload(await s.admin.post(override, json={"comment": "urgent"}), 202)
    assert version == await io_version(s)
    assert (await io_card(s, waiting.id))["lane"]["id"] == str(doing)
    events = (await s.admin.get(f"/io/card/{waiting.id}/activity")).json()["events"]
    assert {"cardMoved", "laneWipExceeded"} <= {e["type"] for e in events}
    wip = next(e for e in events if e["type"] == "laneWipExceeded")
    assert wip["data"]["comment"] == "urgent"


async def test_add_cards_and_update_cards_with_a_lowercase_query_key(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    await set_wip(s, "New Requests", 1)
    added = payload(
        await s.admin.post(
            f"{API}/board/{s.board.id}/AddCards?wipOverrideComment=bulk",
            json=[{"Title": "one", "Tags": "a"}, {"title": "two", "priority": 3}],
        ),
        201,
    )
    assert [c["Title"] for c in added] == ["one", "two"] and added[1]["Priority"] == 3
    assert all(isinstance(c["Id"], int) for c in added)
    updated = payload(
        await s.admin.post(
            f"{API}/board/{s.board.id}/updatecards?wipoverridecomment=bulk",
            json=[{"Id": added[0]["Id"], "Title": "uno"}, {"Id": added[1]["Id"], "Size": 5}],
        ),
        201,
    )
    assert updated == {"UpdatedCardsCount": 2}
    first, second = await io_card(s, added[0]["Id"]), await io_card(s, added[1]["Id"])
    assert first["title"] == "uno" and first["tags"] == ["a"]
    assert second["size"] == 5 and second["priority"] == "critical" and second["title"] == "two"


async def test_update_card_changes_only_what_is_sent(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(
            conn, s.board, by=s.tenant.admin, tags=["keep"], size=2, description="<p>d</p>"
        )
    body = {"Id": card.id, "Title": "renamed", "Priority": 3, "UserWipOverrideComment": "why"}
    reply = payload(await s.admin.post(f"{API}/board/{s.board.id}/UpdateCardWithWipOverride", json=body), 202)
    assert reply["BoardVersion"] == await io_version(s)
    assert reply["CardDTO"]["Title"] == "renamed" and reply["CardDTO"]["Tags"] == "keep"
    stored = await io_card(s, card.id)
    assert stored["title"] == "renamed" and stored["priority"] == "critical"
    assert stored["size"] == 2 and stored["tags"] == ["keep"] and stored["description"] == "<p>d</p>"
    # Card/Update names the card by CardId.
    fields = payload(await s.admin.post(f"{API}/card/update", json={"CardId": card.id, "Tags": "x,y"}), 202)
    assert fields["CardDTO"]["Tags"] == "x,y"
    assert (await io_card(s, card.id))["tags"] == ["x", "y"]
    # Unblocking through a v1 update is recorded as /io records it.
    payload(
        await s.admin.post(
            f"{API}/board/{s.board.id}/updatecard",
            json={"Id": card.id, "IsBlocked": True, "BlockReason": "r"},
        ),
        202,
    )
    assert (await io_card(s, card.id))["blockedStatus"]["isBlocked"] is True
    assert "CardId" in failure(await s.admin.post(f"{API}/card/update", json={"Title": "t"}), 502)


async def test_get_by_external_id_is_a_list_and_moves_by_it(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    # LeanKit's 0.6.0 suite creates the card with `ExternalCardId`; others send `ExternalCardID`.
    added = payload(
        await s.admin.post(
            f"{API}/board/{s.board.id}/AddCardWithWipOverride/Lane/0/Position/9999",
            json={"Title": "ext", "ExternalCardId": "ABC 1"},
        ),
        201,
    )
    found = payload(await s.admin.get(f"{API}/board/{s.board.id}/GetCardByExternalId/ABC%201"))
    assert isinstance(found, list) and [c["Id"] for c in found] == [added["CardId"]]
    assert found[0]["ExternalCardID"] == "ABC 1"
    doing = s.lanes["Doing Now"].id
    moved = await s.admin.post(
        f"{API}/board/{s.board.id}/movecardbyexternalid/ABC%201/lane/{doing}/position/0",
        json={"Comment": "c"},
    )
    assert payload(moved, 202) == await io_version(s)
    assert (await io_card(s, added["CardId"]))["lane"]["id"] == str(doing)
    assert (
        failure(await s.admin.get(f"{API}/board/{s.board.id}/GetCardByExternalId/none"), 100)
        == "Card not Found."
    )


async def test_move_card_to_another_board(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        other = await make_board(conn, s.tenant.account, creator=s.tenant.admin)
        card = await make_card(conn, s.board, by=s.tenant.admin)
    reply = payload(await s.admin.post(f"{API}/card/MoveCardToAnotherBoard/{card.id}/{other.id}"), 202)
    stored = await io_card(s, card.id)
    assert stored["board"]["id"] == str(other.id)
    assert reply == {
        "BoardVersion": int((await s.admin.get(f"/io/board/{other.id}")).json()["version"]),
        "DestinationLaneName": stored["lane"]["title"],
        "DestinationLaneId": int(stored["lane"]["id"]),
        "SourceBoardId": s.board.id,
        "DestinationBoardId": other.id,
    }


async def test_delete_cards_replies_203_with_the_board_version(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        ids = [(await make_card(conn, s.board, by=s.tenant.admin)).id for _ in range(3)]
    reply = payload(await s.admin.post(f"{API}/board/{s.board.id}/DeleteCards", json=ids[:2]), 203)
    assert reply == {"BoardVersion": await io_version(s)}
    assert [(await s.admin.get(f"/io/card/{i}")).status_code for i in ids] == [404, 404, 200]
    failure(await s.admin.post(f"{API}/board/{s.board.id}/DeleteCards", json="nope"), 502)


async def test_history_is_newest_first_and_last_move_agrees(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin)
    doing = s.lanes["Doing Now"]
    await s.admin.post(
        "/io/card/move", json={"cardIds": [str(card.id)], "destination": {"laneId": str(doing.id)}}
    )
    await s.admin.post(f"/io/card/{card.id}/comment", json={"text": "hello"})
    # The comment came an hour later: a comment does not change the card, yet it is its last activity.
    async with lanekit.db.begin() as conn:
        await conn.execute(
            update(events)
            .where(events.c.card_id == card.id, events.c.type == "commentAdded")
            .values(occurred_on=clock.now() + timedelta(hours=1))
        )
    history = payload(await s.admin.get(f"{API}/card/history/{s.board.id}/{card.id}"))
    assert [e["Type"] for e in history] == ["CommentPostEventDTO", "CardMoveEventDTO", "CardCreationEventDTO"]
    assert history[0]["TimeDifference"] == "1 hour later"
    comment, move = history[0], history[1]
    assert comment["CommentText"] == "hello" and comment["ToLaneId"] == 0 and comment["ToLaneTitle"] is None
    assert move["FromLaneTitle"] == "New Requests" and move["ToLaneId"] == doing.id
    assert move["UserId"] == str(s.tenant.admin.id) and " at " in move["DateTime"]
    card_view = payload(await s.admin.get(f"{API}/board/{s.board.id}/getcard/{card.id}"))
    assert card_view["LastMove"] == move["DateTime"].replace(" at ", " ")
    assert card_view["LastActivity"] == comment["DateTime"].replace(" at ", " ")


async def test_comments_are_saved_sanitised_and_listed(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin, custom_id="X-9")
    saved = await s.admin.post(
        f"{API}/card/savecomment/{s.board.id}/{card.id}",
        json={"PostedById": s.tenant.admin.id, "Text": "first <script>x</script>"},
    )
    comment_id = payload(saved, 202)
    by_external = await s.admin.post(
        f"{API}/card/SaveCommentByExternalId/{s.board.id}/X-9", json={"text": "second"}
    )
    payload(by_external, 202)
    listed = payload(await s.admin.get(f"{API}/card/GetComments/{s.board.id}/{card.id}"))
    assert listed[0]["Id"] == comment_id
    assert [c["Text"] for c in listed] == ["first ", "second"]
    assert listed[0]["PostedById"] == s.tenant.admin.id and listed[0]["Editable"] is True
    io = (await s.admin.get(f"/io/card/{card.id}/comment")).json()
    assert len(io["comments"]) == 2
    assert (
        "text" in failure(await s.admin.post(f"{API}/card/savecomment/{s.board.id}/{card.id}"), 502).lower()
    )


async def test_drill_through_statistics_roll_up_the_children(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        parent = await make_card(conn, s.board, by=s.tenant.admin)
        done = await make_card(
            conn, s.board, by=s.tenant.admin, size=3, lane_id=s.lanes["Recently Finished"].id
        )
        todo = await make_card(conn, s.board, by=s.tenant.admin, size=1)
    linked = await s.admin.post(
        "/io/card/connections",
        json={"cardIds": [str(parent.id)], "connections": {"children": [str(done.id), str(todo.id)]}},
    )
    assert linked.status_code == 201, linked.text
    stats = payload(await s.admin.get(f"{API}/card/{s.board.id}/GetDrillThroughStatistics/{parent.id}"))
    io = (await s.admin.get(f"/io/card/{parent.id}/statistics")).json()["drillThroughStats"]
    assert stats["ParentCard"]["Id"] == parent.id and stats["IsDeleted"] is False
    assert (
        stats["TotalNumberOfCards"],
        stats["NumberOfCardsCompleted"],
        stats["NumberOfCardsNotStarted"],
    ) == (
        2,
        io["completedCount"],
        io["notStartedCount"],
    )
    assert stats["TotalSizeOfCards"] == 4 and stats["TotalSizeOfCardsCompleted"] == io["completedSize"]
    assert stats["TotalProgressPercentage"] == io["progress"]


async def test_a_card_read_and_sent_back_whole_changes_only_what_was_edited(lanekit: Lanekit) -> None:
    """What clients do: GetCard, edit one field, UpdateCard with the whole CardView."""
    s = await legacy_board(lanekit)
    added = payload(
        await s.admin.post(
            f"{API}/board/{s.board.id}/AddCardWithWipOverride/Lane/0/Position/0",
            json={**CARD, "AssignedUserIds": [s.tenant.admin.id], "UserWipOverrideComment": "x"},
        ),
        201,
    )
    before = await io_card(s, added["CardId"])
    view = payload(await s.admin.get(f"{API}/board/{s.board.id}/getcard/{added['CardId']}"))
    view["Title"] = "Edited"
    reply = payload(await s.admin.post(f"{API}/board/{s.board.id}/UpdateCard", json=view), 202)
    assert reply["CardDTO"]["Title"] == "Edited"
    after = await io_card(s, added["CardId"])
    changed = {k for k in before if before[k] != after[k]}
    # `board` carries the board's version, and `updatedOn` may or may not cross a second.
    assert changed - {"board", "updatedOn"} == {"title", "version"}, changed
