"""Parent/child connections, drill-through statistics, and the connection fields of
the card shapes (`parentCards`, `connectedCardStats`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lanekit.domain.cards import read as card_read
from lanekit.storage.records import BoardRecord, CardRecord
from lanekit.storage.tables import boards, card_connections
from tests.factories.boards import actor_of, grant_role, make_board
from tests.factories.cards import make_card
from tests.factories.two_boards import world
from tests.harness import Lanekit, Tenant
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio

CHILD_KEYS = {
    "assignedUsers",
    "actualFinish",
    "actualStart",
    "blockedStatus",
    "board",
    "customIcon",
    "customIconLabel",
    "color",
    "iconPath",
    "createdOn",
    "archivedOn",
    "description",
    "plannedFinish",
    "customHeader",
    "customId",
    "externalLinks",
    "id",
    "index",
    "lane",
    "isDone",
    "updatedOn",
    "movedOn",
    "priority",
    "size",
    "plannedStart",
    "tags",
    "title",
    "version",
    "type",
    "taskBoardStats",
    "connectedCardStats",
}
STATS_KEYS = {
    "startedCount",
    "startedSize",
    "notStartedCount",
    "notStartedSize",
    "completedCount",
    "completedSize",
    "blockedCount",
    "totalCount",
    "totalSize",
    "plannedStart",
    "plannedFinish",
    "actualStart",
    "actualFinish",
    "pastDueCount",
    "projectedLateCount",
}
DRILL_KEYS = (STATS_KEYS - {"totalCount", "totalSize"}) | {
    "size",
    "count",
    "hasCardProjectedLate",
    "progress",
}


def ids(*cards: CardRecord) -> list[str]:
    return [str(c.id) for c in cards]


async def connect(client: httpx.AsyncClient, parent: CardRecord, *children: CardRecord) -> httpx.Response:
    return await client.post(
        "/io/card/connections", json={"cardIds": ids(parent), "connections": {"children": ids(*children)}}
    )


async def stored(lanekit: Lanekit) -> set[tuple[int, int]]:
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(select(card_connections.c.parent_card_id, card_connections.c.child_card_id))
        ).all()
    return {(r[0], r[1]) for r in rows}


async def board_version(lanekit: Lanekit, board: BoardRecord) -> int:
    async with lanekit.db.read() as conn:
        return int((await conn.execute(select(boards.c.version).where(boards.c.id == board.id))).scalar_one())


async def events_of(client: httpx.AsyncClient, card: CardRecord) -> list[dict[str, Any]]:
    body = (await client.get(f"/io/card/{card.id}/activity")).json()
    return [e for e in body["events"] if "Connection" in e["type"]]


# --- writes ------------------------------------------------------------------------------------------------


async def test_connect_logs_both_cards_bumps_both_boards_and_is_idempotent(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    parent = await w.card(lanekit, w.a, title="Epic")
    child = await w.card(lanekit, w.b, title="Story")
    versions = (await board_version(lanekit, w.a), await board_version(lanekit, w.b))

    created = await connect(w.admin, parent, child)
    assert (created.status_code, created.json()) == (201, {})
    assert await stored(lanekit) >= {(parent.id, child.id)}
    assert (await board_version(lanekit, w.a), await board_version(lanekit, w.b)) == (
        versions[0] + 1,
        versions[1] + 1,
    )
    [on_parent] = await events_of(w.admin, parent)
    assert on_parent["type"] == "cardChildConnectionCreated"
    assert on_parent["data"] == {
        "card": {"id": str(parent.id), "title": "Epic"},
        "childCard": {"id": str(child.id), "title": "Story"},
    }
    [on_child] = await events_of(w.admin, child)
    assert on_child["type"] == "cardParentConnectionCreated"
    assert on_child["data"]["parentCard"] == {"id": str(parent.id), "title": "Epic"}

    # The same link again, named from the child's side: no error, no second row, no second event.
    again = await w.admin.post(
        "/io/card/connections", json={"cardIds": ids(child), "connections": {"parents": ids(parent)}}
    )
    assert again.status_code == 201
    assert len(await events_of(w.admin, parent)) == 1
    assert [(p, c) for p, c in await stored(lanekit) if c == child.id] == [(parent.id, child.id)]


async def test_delete_removes_links_logs_them_and_ignores_missing_ones(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    parent = await w.card(lanekit, w.a, title="Epic")
    one, two = await w.card(lanekit, w.a, title="One"), await w.card(lanekit, w.b, title="Two")
    assert (await connect(w.admin, parent, one, two)).status_code == 201

    body = {"cardIds": ids(one, two), "connections": {"parents": ids(parent)}}
    gone = await w.admin.request("DELETE", "/io/card/connections", json=body)
    assert (gone.status_code, gone.content) == (204, b"")
    assert not {(p, c) for p, c in await stored(lanekit) if p == parent.id}
    types = [e["type"] for e in await events_of(w.admin, parent)]
    assert types == ["cardChildConnectionDeleted"] * 2 + ["cardChildConnectionCreated"] * 2
    assert (await events_of(w.admin, two))[0]["type"] == "cardParentConnectionDeleted"
    again = await w.admin.request("DELETE", "/io/card/connections", json=body)
    assert again.status_code == 204
    assert len(await events_of(w.admin, parent)) == 4


async def test_bad_bodies_are_422_naming_the_field(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = str((await w.card(lanekit, w.a)).id)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"connections": {"children": ["1"]}}, "cardIds"),
        ({"cardIds": [], "connections": {"children": ["1"]}}, "cardIds"),
        ({"cardIds": "12"}, "cardIds"),
        ({"cardIds": ["x1"], "connections": {"children": ["1"]}}, "cardIds/0"),
        ({"cardIds": [card]}, "connections"),
        ({"cardIds": [card], "connections": {"parents": [], "children": []}}, "connections"),
        ({"cardIds": [card], "connections": ["1"]}, "connections"),
        ({"cardIds": [card], "connections": {"children": "1"}}, "connections.children"),
        ({"cardIds": [card], "connections": {"parents": ["1", "y"]}}, "connections.parents/1"),
    ]
    for body, field in cases:
        for method in ("POST", "DELETE"):
            response = await w.admin.request(method, "/io/card/connections", json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["message"].startswith(f"{field}:"), (body, response.json())


async def test_cards_the_caller_cannot_read_are_404_and_readers_cannot_connect(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    on_a, other_a = await w.card(lanekit, w.a), await w.card(lanekit, w.a)
    on_b = await w.card(lanekit, w.b)
    deleted = await w.card(lanekit, w.a)
    assert (await w.admin.delete(f"/io/card/{deleted.id}")).status_code == 204
    stranger = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        foreign_board = await make_board(conn, stranger.account, creator=stranger.admin)
        foreign = await make_card(conn, foreign_board, by=stranger.admin)

    for child in (on_b, deleted, foreign):
        refused = await connect(w.as_user, on_a, child)
        assert refused.status_code == 404, refused.text
        assert refused.json()["message"] == f"card {child.id} not found"
    assert (await connect(w.as_user, on_b, on_a)).status_code == 404
    assert (await connect(w.admin, on_a, foreign)).status_code == 404

    # A reader may be connected to, not connect: the cards named in cardIds need boardUser.
    async with lanekit.db.begin() as conn:
        await grant_role(conn, w.b, w.user, "boardReader")
    assert (await connect(w.as_user, on_a, on_b)).status_code == 201
    refused = await w.as_user.post(
        "/io/card/connections", json={"cardIds": ids(on_b), "connections": {"children": ids(other_a)}}
    )
    assert refused.status_code == 403
    assert (on_a.id, on_b.id) in await stored(lanekit)
    assert (on_b.id, other_a.id) not in await stored(lanekit)


async def test_a_card_cannot_become_its_own_ancestor(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    a, b, c = [await w.card(lanekit, w.a, title=t) for t in "ABC"]
    assert (await connect(w.admin, a, b)).status_code == 201
    assert (await connect(w.admin, b, c)).status_code == 201
    before = await stored(lanekit)

    closing = await connect(w.admin, c, a)
    assert closing.status_code == 422
    assert closing.json()["message"].startswith("connections.children/0:")
    assert f"card {a.id} is an ancestor of card {c.id}" in closing.json()["message"]
    from_child_side = await w.admin.post(
        "/io/card/connections", json={"cardIds": ids(a), "connections": {"parents": ids(b, c)}}
    )
    assert from_child_side.status_code == 422
    assert from_child_side.json()["message"].startswith("connections.parents/0:")
    itself = await connect(w.admin, b, b)
    assert itself.status_code == 422
    assert "cannot be connected to itself" in itself.json()["message"]
    # Two links that only close a cycle together, in one request.
    d, e = await w.card(lanekit, w.a), await w.card(lanekit, w.a)
    both = await w.admin.post(
        "/io/card/connections", json={"cardIds": ids(d, e), "connections": {"children": ids(e, d)}}
    )
    assert both.status_code == 422
    assert await stored(lanekit) == before
    assert await events_of(w.admin, d) == []


# --- reads -------------------------------------------------------------------------------------------------


async def test_children_list_shape_paging_filters_and_redacted_count(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    parent = await w.card(lanekit, w.a, title="Epic")
    first = await w.card(
        lanekit, w.a, title="First", lane_id=w.lanes_a["Doing Now"].id, size=2, tags=["x"], custom_id="H-1"
    )
    second = await w.card(lanekit, w.a, title="Second")
    hidden = await w.card(lanekit, w.b, title="Hidden", lane_id=w.lanes_b["Doing Now"].id)
    grandchild = await w.card(lanekit, w.a, title="Grandchild")
    assert (await connect(w.admin, parent, first, hidden, second)).status_code == 201
    assert (await connect(w.admin, first, grandchild)).status_code == 201

    page = await w.as_user.get(f"/io/card/{parent.id}/connection/children")
    assert page.status_code == 200
    body = page.json()
    assert set(body) == {"pageMeta", "cards", "redactedCount"}
    assert body["pageMeta"] == {"totalRecords": 2, "offset": 0, "limit": 25, "startRow": 1, "endRow": 2}
    assert body["redactedCount"] == 1
    assert [c["id"] for c in body["cards"]] == ids(first, second)
    item = body["cards"][0]
    assert set(item) == CHILD_KEYS
    assert set(item["lane"]) == {
        "cardLimit",
        "description",
        "id",
        "index",
        "laneClassType",
        "laneType",
        "orientation",
        "title",
    }
    assert (item["title"], item["size"], item["tags"], item["isDone"]) == ("First", 2, ["x"], False)
    assert item["board"] == {
        "id": str(w.a.id),
        "title": "Portfolio",
        "version": item["board"]["version"],
        "isArchived": False,
    }
    assert item["customHeader"] == {"value": "H-1", "header": "H-1", "url": None}
    assert item["lane"]["id"] == str(w.lanes_a["Doing Now"].id)
    assert item["connectedCardStats"]["totalCount"] == 1
    assert body["cards"][1]["connectedCardStats"] is None

    # The admin sees all three (linked in one request: by id); filters by status and board; paging.
    admin_body = (await w.admin.get(f"/io/card/{parent.id}/connection/children")).json()
    assert ([c["id"] for c in admin_body["cards"]], admin_body["redactedCount"]) == (
        ids(first, second, hidden),
        0,
    )
    started = (await w.admin.get(f"/io/card/{parent.id}/connection/children?cardStatus=started")).json()
    assert [c["id"] for c in started["cards"]] == ids(first, hidden)
    on_b = (await w.admin.get(f"/io/card/{parent.id}/connection/children?boardId={w.b.id}")).json()
    assert [c["id"] for c in on_b["cards"]] == ids(hidden)
    user_started = (
        await w.as_user.get(f"/io/card/{parent.id}/connection/children?cardStatus=started,finished")
    ).json()
    assert ([c["id"] for c in user_started["cards"]], user_started["redactedCount"]) == (ids(first), 1)
    paged = (await w.admin.get(f"/io/card/{parent.id}/connection/children?offset=1&limit=1")).json()
    assert paged["pageMeta"] == {"totalRecords": 3, "offset": 1, "limit": 1, "startRow": 2, "endRow": 2}
    assert [c["id"] for c in paged["cards"]] == ids(second)

    bad = await w.admin.get(f"/io/card/{parent.id}/connection/children?cardStatus=started,done")
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("cardStatus:")
    assert (await w.admin.get(f"/io/card/{parent.id}/connection/children?boardId=x")).status_code == 422

    child_ids = (await w.as_user.get(f"/io/card/{parent.id}/connection/children/ids")).json()
    assert child_ids == {
        "pageMeta": {"totalRecords": 2, "offset": 0, "limit": 200, "startRow": 1, "endRow": 2},
        "ids": ids(first, second),
    }


async def test_reads_of_a_card_the_caller_cannot_see_are_404(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    hidden = await w.card(lanekit, w.b)
    for path in (
        "connection/children",
        "connection/children/ids",
        "connection/parents",
        "connection",
        "connection/parent-boards",
        "statistics",
    ):
        response = await w.as_user.get(f"/io/card/{hidden.id}/{path}")
        assert response.status_code == 404, path
        assert (await w.admin.get(f"/io/card/999999999/{path}")).status_code == 404


async def test_parents_board_lists_and_card_fields(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    visible = await w.card(lanekit, w.a, title="Visible parent")
    hidden = await w.card(lanekit, w.b, title="Hidden parent")
    child = await w.card(lanekit, w.a, title="Child")
    body = {"cardIds": ids(child), "connections": {"parents": ids(hidden, visible)}}
    assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201

    parents = (await w.as_user.get(f"/io/card/{child.id}/connection/parents")).json()
    assert parents["pageMeta"] == {"totalRecords": 1, "offset": 0, "limit": 200, "startRow": 1, "endRow": 1}
    [face] = parents["cards"]
    assert (face["id"], face["canView"], face["boardId"]) == (str(visible.id), True, str(w.a.id))
    assert face["connectedCardStats"]["totalCount"] == 1
    admin_parents = (await w.admin.get(f"/io/card/{child.id}/connection/parents?board={w.b.id}")).json()
    assert [c["id"] for c in admin_parents["cards"]] == ids(hidden)

    full = (await w.as_user.get(f"/io/card/{child.id}")).json()
    assert full["parentCards"] == [{"cardId": str(visible.id), "boardId": str(w.a.id)}]
    assert full["connectedCardStats"] is None
    admin_full = (await w.admin.get(f"/io/card/{child.id}")).json()
    assert admin_full["parentCards"] == [
        {"cardId": str(visible.id), "boardId": str(w.a.id)},
        {"cardId": str(hidden.id), "boardId": str(w.b.id)},
    ]
    faces = (await w.as_user.get(f"/io/board/{w.a.id}/card")).json()["cards"]
    by_id = {f["id"]: f for f in faces}
    assert by_id[str(child.id)]["parentCards"] == [{"id": str(visible.id), "title": "Visible parent"}]
    assert set(by_id[str(visible.id)]["connectedCardStats"]) == STATS_KEYS
    listed = (await w.as_user.get(f"/io/card?board={w.a.id}&include=parentCards,connectedCardStats")).json()[
        "cards"
    ]
    item = {c["id"]: c for c in listed}[str(child.id)]
    assert (item["parentCards"], item["connectedCardStats"]) == (full["parentCards"], None)

    boards = (await w.as_user.get(f"/io/card/{child.id}/connection/parent-boards")).json()
    assert boards["pageMeta"] == {"totalRecords": 2, "offset": 0, "limit": 25, "startRow": 1, "endRow": 2}
    assert boards["boards"] == [
        {"boardId": str(w.a.id), "boardTitle": "Portfolio", "canView": True, "isArchived": False},
        {"boardId": str(w.b.id), "boardTitle": None, "canView": False, "isArchived": False},
    ]
    child_boards = (await w.admin.get(f"/io/card/{visible.id}/connection")).json()
    assert child_boards == {
        "connections": [
            {
                "cardId": str(visible.id),
                "boardId": str(w.a.id),
                "boardTitle": "Portfolio",
                "isFollowable": True,
                "isRemovable": True,
                "isArchived": False,
            }
        ]
    }


async def test_statistics_roll_up_children_on_two_boards(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    today = datetime.now(UTC).date()

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    parent = await w.card(lanekit, w.a, title="Epic", size=8, planned_finish=day(10))
    past_due = await w.card(
        lanekit, w.a, size=3, planned_start=day(-5), planned_finish=day(-1)
    )  # notStarted, past due
    late = await w.card(
        lanekit,
        w.a,
        lane_id=w.lanes_a["Doing Now"].id,
        size=2,
        block_reason="waiting",
        planned_finish=day(20),
    )  # started, blocked, due after the parent
    done = await w.card(
        lanekit,
        w.b,
        lane_id=w.lanes_b["Recently Finished"].id,
        size=5,
        planned_start=day(-10),
        planned_finish=day(-2),
    )  # finished: neither past due nor late
    # Unsized (weighs 1), on a board `user` cannot see.
    doing = await w.card(lanekit, w.b, lane_id=w.lanes_b["Doing Now"].id, size=0)
    assert (await connect(w.admin, parent, past_due, late, done, doing)).status_code == 201
    reads = {c.id: (await w.admin.get(f"/io/card/{c.id}")).json() for c in (late, done, doing)}
    starts = sorted(reads[c.id]["actualStart"] for c in (late, done, doing))

    stats = (await w.as_user.get(f"/io/card/{parent.id}/statistics")).json()
    assert set(stats) == {"card", "drillThroughStats", "boards"}
    assert stats["card"] == {
        "id": str(parent.id),
        "isBlocked": False,
        "size": 8,
        "plannedStart": None,
        "plannedFinish": f"{day(10)}T00:00:00.000Z",
        "actualStart": None,
        "actualFinish": None,
    }
    total = stats["drillThroughStats"]
    assert set(total) == DRILL_KEYS
    assert {k: v for k, v in total.items() if k not in ("actualStart", "actualFinish", "progress")} == {
        "startedCount": 2,
        "startedSize": 3,
        "notStartedCount": 1,
        "notStartedSize": 3,
        "completedCount": 1,
        "completedSize": 5,
        "blockedCount": 1,
        "plannedStart": f"{day(-10)}T00:00:00.000Z",
        "plannedFinish": f"{day(20)}T00:00:00.000Z",
        "pastDueCount": 1,
        "projectedLateCount": 1,
        "size": 11,
        "count": 4,
        "hasCardProjectedLate": True,
    }
    assert total["progress"] == pytest.approx(5 / 11 * 100)
    assert total["actualStart"][:19] == starts[0][:19]
    assert total["actualFinish"][:19] == reads[done.id]["actualFinish"][:19]
    assert [b["boardId"] for b in stats["boards"]] == [str(w.a.id), str(w.b.id)]
    on_a, on_b = (b["cardStats"] for b in stats["boards"])
    assert (on_a["count"], on_a["size"], on_a["startedSize"], on_a["notStartedSize"]) == (2, 5, 2, 3)
    assert (on_a["pastDueCount"], on_a["projectedLateCount"], on_a["progress"], on_a["actualFinish"]) == (
        1,
        1,
        0,
        None,
    )
    assert (on_b["count"], on_b["size"], on_b["completedSize"], on_b["blockedCount"]) == (2, 6, 5, 0)
    assert (on_b["plannedStart"], on_b["plannedFinish"]) == (
        f"{day(-10)}T00:00:00.000Z",
        f"{day(-2)}T00:00:00.000Z",
    )
    assert on_b["progress"] == pytest.approx(5 / 6 * 100)

    # The full card shows the same roll-up (the hidden child counts; it is only left out of lists).
    connected = (await w.as_user.get(f"/io/card/{parent.id}")).json()["connectedCardStats"]
    assert {k: v for k, v in connected.items() if k not in ("actualStart", "actualFinish")} == {
        "startedCount": 2,
        "startedSize": 3,
        "notStartedCount": 1,
        "notStartedSize": 3,
        "completedCount": 1,
        "completedSize": 5,
        "blockedCount": 1,
        "totalCount": 4,
        "totalSize": 11,
        "plannedStart": day(-10),
        "plannedFinish": day(20),
        "pastDueCount": 1,
        "projectedLateCount": 1,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", connected["actualStart"])
    # The roll-up's actualFinish waits for every child; the drill-through shows the latest (both documented).
    assert connected["actualFinish"] is None
    finished_only = await w.card(lanekit, w.a)
    assert (await connect(w.admin, finished_only, done)).status_code == 201
    only = (await w.admin.get(f"/io/card/{finished_only.id}")).json()["connectedCardStats"]
    assert (only["actualFinish"], only["completedCount"], only["totalSize"]) == (
        reads[done.id]["actualFinish"],
        1,
        5,
    )

    empty = (await w.admin.get(f"/io/card/{done.id}/statistics")).json()
    assert empty["boards"] == []
    assert empty["drillThroughStats"]["count"] == 0 and empty["drillThroughStats"]["progress"] == 0


# --- create, PATCH, delete ---------------------------------------------------------------------------------


async def test_create_time_connections(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    parent, child = await w.card(lanekit, w.a, title="Parent"), await w.card(lanekit, w.a, title="Child")
    created = await w.as_user.post(
        "/io/card?returnFullRecord=true",
        json={
            "boardId": str(w.a.id),
            "title": "Middle",
            "connections": {"parents": ids(parent), "children": ids(child)},
        },
    )
    assert created.status_code == 201, created.text
    middle = created.json()
    assert middle["parentCards"] == [{"cardId": str(parent.id), "boardId": str(w.a.id)}]
    assert middle["connectedCardStats"]["totalCount"] == 1
    assert {(parent.id, int(middle["id"])), (int(middle["id"]), child.id)} <= await stored(lanekit)
    events = (await w.admin.get(f"/io/card/{middle['id']}/activity")).json()["events"]
    assert sorted(e["type"] for e in events) == [
        "cardChildConnectionCreated",
        "cardCreated",
        "cardParentConnectionCreated",
    ]

    hidden = await w.card(lanekit, w.b)
    for connections, field in (
        ({"parents": [str(hidden.id)]}, "connections.parents/0"),
        ({"children": ["1", "abc"]}, "connections.children/1"),
        ({"children": ["999999999"]}, "connections.children/0"),
        ("nope", "connections"),
    ):
        refused = await w.as_user.post(
            "/io/card", json={"boardId": str(w.a.id), "title": "No", "connections": connections}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["message"].startswith(f"{field}:")
    titles = [c["title"] for c in (await w.admin.get(f"/io/card?board={w.a.id}")).json()["cards"]]
    assert "No" not in titles


async def test_patch_parent_card_id_adds_and_removes_parents(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    one, two = await w.card(lanekit, w.a, title="One"), await w.card(lanekit, w.b, title="Two")
    child = await w.card(lanekit, w.a, title="Child")

    added = await w.admin.patch(
        f"/io/card/{child.id}",
        json=[
            {"op": "replace", "path": "/parentCardId", "value": str(one.id)},
            {"op": "add", "path": "/parentCardId", "value": two.id},
        ],
    )
    assert added.status_code == 200, added.text
    assert added.json()["parentCards"] == [
        {"cardId": str(one.id), "boardId": str(w.a.id)},
        {"cardId": str(two.id), "boardId": str(w.b.id)},
    ]
    assert [e["type"] for e in await events_of(w.admin, two)] == ["cardChildConnectionCreated"]

    removed = await w.admin.patch(
        f"/io/card/{child.id}", json=[{"op": "remove", "path": "/parentCardId", "value": str(one.id)}]
    )
    assert removed.json()["parentCards"] == [{"cardId": str(two.id), "boardId": str(w.b.id)}]
    assert [e["type"] for e in await events_of(w.admin, one)] == [
        "cardChildConnectionDeleted",
        "cardChildConnectionCreated",
    ]
    cleared = await w.admin.patch(f"/io/card/{child.id}", json=[{"op": "remove", "path": "/parentCardId"}])
    assert cleared.json()["parentCards"] == []
    assert not [pair for pair in await stored(lanekit) if pair[1] == child.id]

    hidden = await w.card(lanekit, w.b)
    for value, expected in (("abc", 422), (str(hidden.id), 422), ("999999999", 422), (str(child.id), 422)):
        refused = await w.as_user.patch(
            f"/io/card/{child.id}",
            json=[
                {"op": "add", "path": "/title", "value": "T"},
                {"op": "add", "path": "/parentCardId", "value": value},
            ],
        )
        assert refused.status_code == expected, refused.text
        assert refused.json()["message"].startswith("#/1/value:")
    assert (await w.admin.get(f"/io/card/{child.id}")).json()["title"] == "Child"


async def test_deleting_a_card_removes_its_connections(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    top, middle, bottom = [await w.card(lanekit, w.a) for _ in range(3)]
    assert (await connect(w.admin, top, middle)).status_code == 201
    assert (await connect(w.admin, middle, bottom)).status_code == 201

    assert (await w.admin.delete(f"/io/card/{middle.id}")).status_code == 204
    remaining = await stored(lanekit)
    assert not [pair for pair in remaining if middle.id in pair]
    assert (await w.admin.get(f"/io/card/{top.id}")).json()["connectedCardStats"] is None
    assert (await w.admin.get(f"/io/card/{bottom.id}")).json()["parentCards"] == []
    # The graph no longer holds the deleted card: bottom may now sit above top.
    assert (await connect(w.admin, bottom, top)).status_code == 201


async def test_deprecated_connect_many_and_disconnect_one_board(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    parent = await w.card(lanekit, w.a, title="Epic")
    here, there = await w.card(lanekit, w.a, title="Here"), await w.card(lanekit, w.b, title="There")

    many = await w.admin.post(
        f"/io/card/{parent.id}/connection/many", json={"connectedCardIds": ids(here, there)}
    )
    assert many.status_code == 200, many.text
    version_a, version_b = await board_version(lanekit, w.a), await board_version(lanekit, w.b)
    assert many.json() == {
        "card": {
            "id": str(parent.id),
            "title": "Epic",
            "boardId": str(w.a.id),
            "boardTitle": "Portfolio",
            "boardVersion": str(version_a),
        },
        "connections": [
            {
                "connectedCard": {
                    "id": str(card.id),
                    "title": card.title,
                    "boardId": str(board.id),
                    "boardTitle": board.title,
                    "boardVersion": str(version),
                },
                "connectionType": "child",
            }
            for card, board, version in ((here, w.a, version_a), (there, w.b, version_b))
        ],
    }
    assert (await w.admin.post(f"/io/card/{parent.id}/connection/many", json={})).status_code == 422

    dropped = await w.admin.delete(f"/io/card/{parent.id}/connection/{w.b.id}")
    assert dropped.status_code == 200
    assert dropped.json() == {"parentBoardVersion": str(version_a + 1), "boardVersion": str(version_b + 1)}
    assert {pair for pair in await stored(lanekit) if pair[0] == parent.id} == {(parent.id, here.id)}
    assert (await w.as_user.delete(f"/io/card/{parent.id}/connection/{w.b.id}")).status_code == 404


# --- statement budget --------------------------------------------------------------------------------------


async def _count_get(lanekit: Lanekit, tenant: Tenant, card: CardRecord) -> int:
    with StatementCounter(lanekit) as counter:
        async with lanekit.db.read() as conn:
            await card_read.get_card(conn, actor=actor_of(tenant.admin), card_id=card.id)
    return len(counter.statements)


async def test_a_card_read_costs_more_statements_only_when_it_has_connections(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    plain = await w.card(lanekit, w.a)
    parent, child = await w.card(lanekit, w.a), await w.card(lanekit, w.a)
    assert (await connect(w.admin, parent, child)).status_code == 201

    baseline = await _count_get(lanekit, w.tenant, plain)
    assert baseline <= 3
    # The parents (on a board the card's own read made known readable), and the children's roll-up.
    assert await _count_get(lanekit, w.tenant, child) == baseline + 1
    assert await _count_get(lanekit, w.tenant, parent) == baseline + 1
