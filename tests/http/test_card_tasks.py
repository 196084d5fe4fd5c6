"""Taskboards and task cards: the taskboard, creating, listing, reading, moving, copying and
deleting tasks, `taskBoardStats`, and the board reads that must leave tasks and task lanes out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lanekit.domain.cards import read as card_read
from lanekit.storage.records import BoardRecord, CardRecord, LaneRecord
from lanekit.storage.tables import cards, events, lanes
from tests.factories.boards import actor_of, grant_role, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant
from tests.http.test_card_read_budget import StatementCounter

pytestmark = pytest.mark.anyio

LANE_KEYS = {
    "id",
    "name",
    "description",
    "cardLimit",
    "creationDate",
    "index",
    "boardId",
    "parentLaneId",
    "activityId",
    "orientation",
    "columns",
    "cardCount",
    "cardSize",
    "laneClassType",
    "laneType",
    "cardStatus",
    "wipLimit",
    "isConnectionDoneLane",
    "isDefaultDropLane",
    "isCollapsed",
    "archiveCardCount",
    "subscriptionId",
}


@dataclass
class World:
    tenant: Tenant
    board: BoardRecord
    lanes: dict[str, LaneRecord]
    owner: CardRecord
    admin: httpx.AsyncClient


async def world(lanekit: Lanekit) -> World:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes_by_title = await board_lanes(conn, board)
        owner = await make_card(conn, board, by=tenant.admin, title="Owner")
    return World(tenant, board, lanes_by_title, owner, lanekit.as_admin(tenant))


async def add_task(w: World, title: str, *, owner: Any = None, **fields: Any) -> dict[str, Any]:
    """A task of `owner` (the world's owner card) by `POST /io/card`; `laneTitle` and `index` go into the
    destination, other keywords into the body."""
    destination = {"cardId": str(owner or w.owner.id)}
    for key in ("laneTitle", "index"):
        if key in fields:
            destination[key] = fields.pop(key)
    response = await w.admin.post(
        "/io/card?returnFullRecord=true", json={"title": title, "destination": destination, **fields}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def task_lanes(w: World, owner: Any = None) -> dict[str, str]:
    body = (await w.admin.get(f"/io/card/{owner or w.owner.id}/taskboard")).json()
    return {lane["name"]: lane["id"] for lane in body["lanes"]}


async def events_of(lanekit: Lanekit, card_id: Any) -> list[tuple[str, int, dict[str, Any]]]:
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                select(events.c.type, events.c.board_id, events.c.data)
                .where(events.c.card_id == int(card_id))
                .order_by(events.c.id)
            )
        ).all()
    return [(r.type, r.board_id, r.data) for r in rows]


async def test_the_taskboard_is_created_once_with_the_three_default_lanes(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    board_before = (await w.admin.get(f"/io/board/{w.board.id}")).json()
    first = await w.admin.get(f"/io/card/{w.owner.id}/taskboard")
    assert first.status_code == 200
    found = first.json()["lanes"]
    assert [set(lane) for lane in found] == [LANE_KEYS] * 3
    keys = ("name", "index", "laneType", "cardStatus", "laneClassType", "columns", "boardId")
    board_id = str(w.board.id)
    assert [tuple(lane[k] for k in keys) for lane in found] == [
        ("ToDo", 0, "ready", "notStarted", "active", 2, board_id),
        ("Doing", 1, "inProcess", "started", "active", 1, board_id),
        ("Done", 2, "completed", "finished", "active", 2, board_id),
    ]
    assert found[0]["creationDate"].endswith("Z") and found[0]["parentLaneId"] is None
    assert (found[0]["cardCount"], found[0]["cardSize"], found[0]["wipLimit"], found[0]["cardLimit"]) == (
        0,
        0,
        0,
        0,
    )
    # Read again: the same lanes, nothing created twice; the board's layout does not see them.
    again = (await w.admin.get(f"/io/card/{w.owner.id}/taskboard")).json()["lanes"]
    assert [lane["id"] for lane in again] == [lane["id"] for lane in found]
    async with lanekit.db.read() as conn:
        stored = (await conn.execute(select(lanes.c.id).where(lanes.c.task_card_id == w.owner.id))).all()
    assert len(stored) == 3
    board_after = (await w.admin.get(f"/io/board/{w.board.id}")).json()
    assert board_after["lanes"] == board_before["lanes"]
    assert board_after["layoutChecksum"] == board_before["layoutChecksum"]
    # A task's taskboard is empty; an unknown card is a 404.
    task = await add_task(w, "T")
    assert (await w.admin.get(f"/io/card/{task['id']}/taskboard")).json() == {"lanes": []}
    assert (await w.admin.get("/io/card/999999999/taskboard")).status_code == 404


async def test_create_a_task_with_destination_card_id(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    first = await add_task(w, "First")  # the taskboard is created by the first task
    lanes_by_name = await task_lanes(w)
    assert first["lane"] == {
        "cardLimit": 0,
        "description": None,
        "id": lanes_by_name["ToDo"],
        "index": 0,
        "laneClassType": "active",
        "laneType": "ready",
        "orientation": "vertical",
        "title": "ToDo",
        "taskBoard": {"id": str(w.owner.id), "version": first["board"]["version"]},
        "cardStatus": "notStarted",
    }
    assert first["board"]["id"] == str(w.board.id)
    assert first["type"]["title"] == "Subtask"  # the board's default task type
    assert first["taskBoardStats"] is None and first["version"] == "1" and first["actualStart"] is None
    doing = await add_task(w, "Doing one", laneTitle="DOING", index=0)
    assert (doing["lane"]["id"], doing["actualStart"] is not None) == (lanes_by_name["Doing"], True)
    second = await add_task(w, "Second", laneTitle="todo", index=0)
    assert (second["index"], (await w.admin.get(f"/io/card/{first['id']}")).json()["index"]) == (0, 1)
    # The short response, and a task in Done.
    short = await w.admin.post(
        "/io/card",
        json={"title": "Done one", "destination": {"cardId": str(w.owner.id), "laneTitle": "done"}},
    )
    assert short.status_code == 201 and set(short.json()) == {"id"}
    done = (await w.admin.get(f"/io/card/{short.json()['id']}")).json()
    assert done["lane"]["id"] == lanes_by_name["Done"] and done["actualFinish"] is not None
    async with lanekit.db.read() as conn:
        row = (await conn.execute(select(cards).where(cards.c.id == int(first["id"])))).one()
    assert (row.containing_card_id, row.board_id, row.lane_id) == (
        w.owner.id,
        w.board.id,
        int(lanes_by_name["ToDo"]),
    )
    [(kind, board_id, data)] = await events_of(lanekit, first["id"])
    assert (kind, board_id) == ("taskCardCreated", w.board.id)
    assert data == {
        "card": {"id": first["id"], "title": "First"},
        "lane": {"id": lanes_by_name["ToDo"], "title": "ToDo"},
        "parentCard": {"id": str(w.owner.id), "title": "Owner"},
    }


async def test_task_create_refusals(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    task = await add_task(w, "T")

    async def create(destination: dict[str, Any], client: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (client or w.admin).post("/io/card", json={"title": "x", "destination": destination})

    bad_title = await create({"cardId": str(w.owner.id), "laneTitle": "later"})
    assert bad_title.status_code == 422
    assert bad_title.json()["message"] == "destination.laneTitle: must be todo, doing or done"
    of_task = await create({"cardId": task["id"]})
    assert of_task.status_code == 422
    assert (
        of_task.json()["message"]
        == f"destination.cardId: card {task['id']} is a task; a task cannot have tasks"
    )
    assert (await create({"cardId": "999999999"})).status_code == 404
    copy = await w.admin.post(
        "/io/card",
        json={"title": "x", "destination": {"cardId": str(w.owner.id)}, "copiedFromCardId": str(w.owner.id)},
    )
    assert copy.status_code == 422 and copy.json()["message"].startswith("copiedFromCardId:")
    reader, outsider = await lanekit.user(w.tenant), await lanekit.user(w.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, w.board, reader, "boardReader")
    assert (await create({"cardId": str(w.owner.id)}, lanekit.as_user(w.tenant, reader))).status_code == 403
    assert (await create({"cardId": str(w.owner.id)}, lanekit.as_user(w.tenant, outsider))).status_code == 404
    assert (await w.admin.delete(f"/io/card/{w.owner.id}")).status_code == 204
    assert (await create({"cardId": str(w.owner.id)})).status_code == 404


async def test_the_deprecated_create_endpoint(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    response = await w.admin.post(
        f"/io/card/{w.owner.id}/tasks",
        json={"title": "Old way", "laneType": "completed", "size": 2, "tags": ["a"], "index": 0},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["taskBoard"] == {"id": str(w.owner.id), "version": body["board"]["version"]}
    assert (body["lane"]["title"], body["size"], body["tags"]) == ("Done", 2, ["a"])
    # As the node client sends it: `cardId` in the body and `laneTitle`.
    client_way = await w.admin.post(
        f"/io/card/{w.owner.id}/tasks",
        json={"title": "Client", "cardId": str(w.owner.id), "laneTitle": "todo"},
    )
    assert client_way.status_code == 201 and client_way.json()["lane"]["title"] == "ToDo"
    bad = await w.admin.post(f"/io/card/{w.owner.id}/tasks", json={"title": "x", "laneType": "soon"})
    assert (
        bad.status_code == 422 and bad.json()["message"] == "laneType: must be ready, inProcess or completed"
    )
    of_task = await w.admin.post(f"/io/card/{body['id']}/tasks", json={"title": "x"})
    assert of_task.status_code == 422 and of_task.json()["message"].startswith("cardId: ")
    assert (await w.admin.post("/io/card/999999999/tasks", json={"title": "x"})).status_code == 404


async def test_list_and_get_tasks(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    done = await add_task(w, "Done", laneTitle="done")
    todo = [await add_task(w, f"Todo {n}") for n in range(3)]
    response = await w.admin.get(f"/io/card/{w.owner.id}/tasks")
    assert response.status_code == 200
    body = response.json()
    assert body["pageMeta"] == {"totalRecords": 4, "offset": 0, "limit": 20, "startRow": 1, "endRow": 4}
    assert [c["id"] for c in body["cards"]] == [t["id"] for t in todo] + [done["id"]]
    face = body["cards"][0]
    assert (face["containingCardId"], face["canView"], face["cardType"]["name"]) == (
        str(w.owner.id),
        True,
        "Subtask",
    )
    assert (face["index"], face["laneId"], face["isDone"], face["taskBoardStats"]) == (
        0,
        todo[0]["lane"]["id"],
        False,
        None,
    )
    assert body["cards"][3]["isDone"] is True
    page = (await w.admin.get(f"/io/card/{w.owner.id}/tasks?offset=2&limit=1")).json()
    assert [c["id"] for c in page["cards"]] == [todo[2]["id"]]
    assert page["pageMeta"] == {"totalRecords": 4, "offset": 2, "limit": 1, "startRow": 3, "endRow": 3}
    # One task by id: the full card; a card that is not this card's task is a 404.
    one = await w.admin.get(f"/io/card/{w.owner.id}/tasks/{done['id']}")
    assert one.status_code == 200 and one.json() == (await w.admin.get(f"/io/card/{done['id']}")).json()
    async with lanekit.db.begin() as conn:
        other = await make_card(conn, w.board, by=w.tenant.admin)
    assert (await w.admin.get(f"/io/card/{other.id}/tasks/{done['id']}")).status_code == 404
    assert (await w.admin.get(f"/io/card/{w.owner.id}/tasks/{other.id}")).status_code == 404
    assert (await w.admin.get(f"/io/card/{other.id}/tasks")).json()["cards"] == []
    outsider = lanekit.as_user(w.tenant, await lanekit.user(w.tenant))
    assert (await outsider.get(f"/io/card/{w.owner.id}/tasks")).status_code == 404
    assert (await outsider.get(f"/io/card/{w.owner.id}/tasks/{done['id']}")).status_code == 404
    assert (await outsider.get(f"/io/card/{w.owner.id}/taskboard")).status_code == 404


async def test_task_board_stats_on_every_card_shape(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await add_task(w, "Unsized")  # size 0 weighs 1
    await add_task(w, "Big", laneTitle="doing", size=2)
    await add_task(w, "Finished", laneTitle="done", size=3)
    expected = {"totalCount": 3, "completedCount": 1, "totalSize": 6, "completedSize": 3}
    full = (await w.admin.get(f"/io/card/{w.owner.id}")).json()
    assert full["taskBoardStats"] == expected
    listed = (await w.admin.get(f"/io/card?board={w.board.id}")).json()
    assert [(c["id"], c["taskBoardStats"], c["containingCardId"]) for c in listed["cards"]] == [
        (str(w.owner.id), expected, None)
    ]
    faces = (await w.admin.get(f"/io/board/{w.board.id}/card")).json()
    assert [(c["id"], c["taskBoardStats"]) for c in faces["cards"]] == [(str(w.owner.id), expected)]
    taskboard = (await w.admin.get(f"/io/card/{w.owner.id}/taskboard")).json()["lanes"]
    assert [(x["cardCount"], x["cardSize"]) for x in taskboard] == [(1, 1), (1, 2), (1, 3)]
    async with lanekit.db.begin() as conn:
        plain = await make_card(conn, w.board, by=w.tenant.admin)
    assert (await w.admin.get(f"/io/card/{plain.id}")).json()["taskBoardStats"] is None


async def test_a_card_read_costs_one_statement_more_only_with_tasks(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    async with lanekit.db.begin() as conn:
        plain = await make_card(conn, w.board, by=w.tenant.admin)
    await add_task(w, "T")
    actor = actor_of(w.tenant.admin)
    counts = []
    for card_id in (plain.id, w.owner.id):
        with StatementCounter(lanekit) as counter:
            async with lanekit.db.read() as conn:
                read = await card_read.get_card(conn, actor=actor, card_id=card_id)
        counts.append((len(counter.statements), read.task_stats is not None))
    assert counts[1] == (counts[0][0] + 1, True) and counts[0][1] is False


async def test_lists_select_cards_task_cards_or_both(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    task = await add_task(w, "T")

    async def ids(query: str) -> list[str]:
        response = await w.admin.get(f"/io/card?board={w.board.id}&sort=title{query}")
        assert response.status_code == 200
        return [c["id"] for c in response.json()["cards"]]

    assert await ids("") == [str(w.owner.id)]
    assert await ids("&select=taskCards") == [task["id"]]
    assert await ids("&select=both") == [str(w.owner.id), task["id"]]
    body = (
        await w.admin.post("/io/card/list", json={"board": str(w.board.id), "select": "taskCards"})
    ).json()
    assert [(c["id"], c["containingCardId"]) for c in body["cards"]] == [(task["id"], str(w.owner.id))]


async def test_moving_tasks_within_their_taskboard(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    task = await add_task(w, "T")
    lanes_by_name = await task_lanes(w)
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [task["id"]], "destination": {"laneId": lanes_by_name["Done"]}}
    )
    assert moved.status_code == 200 and moved.json() == {}
    after = (await w.admin.get(f"/io/card/{task['id']}")).json()
    assert (after["lane"]["title"], after["actualFinish"] is not None) == ("Done", True)
    owner = (await w.admin.get(f"/io/card/{w.owner.id}")).json()
    assert owner["taskBoardStats"] == {
        "totalCount": 1,
        "completedCount": 1,
        "totalSize": 1,
        "completedSize": 1,
    }
    kind, board_id, data = (await events_of(lanekit, task["id"]))[-1]
    assert (kind, board_id) == ("taskCardMoved", w.board.id)
    assert data == {
        "card": {"id": task["id"], "title": "T"},
        "fromLane": {"id": lanes_by_name["ToDo"], "title": "ToDo"},
        "toLane": {"id": lanes_by_name["Done"], "title": "Done"},
        "parentCard": {"id": str(w.owner.id), "title": "Owner"},
    }
    # PATCH /laneId moves a task between its own lanes too, and only there.
    patched = await w.admin.patch(
        f"/io/card/{task['id']}", json=[{"op": "replace", "path": "/laneId", "value": lanes_by_name["Doing"]}]
    )
    assert patched.status_code == 200 and patched.json()["lane"]["title"] == "Doing"
    assert (await events_of(lanekit, task["id"]))[-1][0] == "taskCardMoved"
    to_board = await w.admin.patch(
        f"/io/card/{task['id']}",
        json=[{"op": "replace", "path": "/laneId", "value": str(w.lanes["Doing Now"].id)}],
    )
    assert to_board.status_code == 422
    # Another card's task lane is refused.
    async with lanekit.db.begin() as conn:
        other = await make_card(conn, w.board, by=w.tenant.admin)
    other_lanes = await task_lanes(w, other.id)
    refused = await w.admin.post(
        "/io/card/move", json={"cardIds": [task["id"]], "destination": {"laneId": other_lanes["ToDo"]}}
    )
    assert refused.status_code == 422 and refused.json()["message"].startswith("destination.laneId: card ")
    # A card may not land on a board lane through its own taskboard lanes: the lanes are not the board's.
    create_in_task_lane = await w.admin.post(
        "/io/card", json={"title": "x", "destination": {"laneId": lanes_by_name["ToDo"]}}
    )
    assert create_in_task_lane.status_code == 422


async def test_tasks_become_cards_and_cards_become_tasks(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    task = await add_task(w, "T", laneTitle="doing")
    lanes_by_name = await task_lanes(w)
    doing_now = str(w.lanes["Doing Now"].id)
    response = await w.admin.post(
        "/io/card/move", json={"cardIds": [task["id"]], "destination": {"laneId": doing_now}}
    )
    assert response.status_code == 200
    card = (await w.admin.get(f"/io/card/{task['id']}")).json()
    assert (card["lane"]["id"], card["lane"]["taskBoard"]) == (doing_now, None)
    faces = (await w.admin.get(f"/io/board/{w.board.id}/card")).json()["cards"]
    assert {f["id"]: f["containingCardId"] for f in faces} == {str(w.owner.id): None, task["id"]: None}
    assert (await w.admin.get(f"/io/card/{w.owner.id}")).json()["taskBoardStats"] is None
    kind, _board, data = (await events_of(lanekit, task["id"]))[-1]
    assert kind == "taskCardMovedToBoard"
    assert data == {
        "card": {"id": task["id"], "title": "T"},
        "fromLane": {"id": lanes_by_name["Doing"], "title": "Doing"},
        "fromBoard": {"id": str(w.board.id), "title": w.board.title},
        "toBoard": {"id": str(w.board.id), "title": w.board.title},
        "toLane": {"id": doing_now, "title": "Doing Now"},
    }
    # And back: `destination.cardId` makes it a task in the card's ToDo lane.
    back = await w.admin.post(
        "/io/card/move", json={"cardIds": [task["id"]], "destination": {"cardId": str(w.owner.id)}}
    )
    assert back.status_code == 200
    again = (await w.admin.get(f"/io/card/{task['id']}")).json()
    assert again["lane"]["id"] == lanes_by_name["ToDo"]
    kind, _board, data = (await events_of(lanekit, task["id"]))[-1]
    assert (kind, data["fromLane"]["id"], data["toLane"]["id"]) == (
        "cardMovedToTaskBoard",
        doing_now,
        lanes_by_name["ToDo"],
    )
    assert data["parentCard"] == {"id": str(w.owner.id), "title": "Owner"}
    # A card that owns tasks cannot become a task, nor can a card become its own task.
    async with lanekit.db.begin() as conn:
        other = await make_card(conn, w.board, by=w.tenant.admin)
    owning = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(w.owner.id)], "destination": {"cardId": str(other.id)}}
    )
    assert owning.status_code == 422
    assert (
        owning.json()["message"]
        == f"destination.cardId: card {w.owner.id} has tasks of its own; a task cannot have tasks"
    )
    itself = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(other.id)], "destination": {"cardId": str(other.id)}}
    )
    assert itself.status_code == 422
    missing = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(other.id)], "destination": {"cardId": "999999999"}}
    )
    assert missing.status_code == 404


async def test_a_card_moved_to_another_board_takes_its_tasks_along(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    task = await add_task(w, "T", laneTitle="doing")
    lanes_by_name = await task_lanes(w)
    async with lanekit.db.begin() as conn:
        other = await make_board(conn, w.tenant.account, creator=w.tenant.admin)
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(w.owner.id)], "destination": {"boardId": str(other.id)}}
    )
    assert moved.status_code == 200
    after = (await w.admin.get(f"/io/card/{task['id']}")).json()
    assert (after["board"]["id"], after["lane"]["id"]) == (str(other.id), lanes_by_name["Doing"])
    assert after["type"]["id"] == str(other.default_task_type_id)
    assert (await task_lanes(w)) == lanes_by_name
    taskboard = (await w.admin.get(f"/io/card/{w.owner.id}/taskboard")).json()["lanes"]
    assert {lane["boardId"] for lane in taskboard} == {str(other.id)}
    listed = (await w.admin.get(f"/io/card?board={other.id}&select=taskCards")).json()["cards"]
    assert [c["id"] for c in listed] == [task["id"]]
    assert (await w.admin.get(f"/io/card?board={w.board.id}&select=both")).json()["cards"] == []
    assert (await w.admin.get(f"/io/card/{w.owner.id}")).json()["taskBoardStats"]["totalCount"] == 1


async def test_copied_from_card_id_copies_the_taskboard_only(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    user = await lanekit.user(w.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, w.board, user, "boardUser")
    first = await add_task(w, "One", size=2, tags=["x"], assignedUserIds=[str(user.id)])
    await add_task(w, "Two", laneTitle="done")
    response = await w.admin.post(
        "/io/card?returnFullRecord=true",
        json={"title": "Copy", "boardId": str(w.board.id), "copiedFromCardId": str(w.owner.id)},
    )
    assert response.status_code == 201
    copy = response.json()
    assert (copy["title"], copy["taskBoardStats"]) == (
        "Copy",
        {"totalCount": 2, "completedCount": 1, "totalSize": 3, "completedSize": 1},
    )
    copied = (await w.admin.get(f"/io/card/{copy['id']}/tasks")).json()["cards"]
    assert [(c["title"], c["size"], c["tags"], c["containingCardId"]) for c in copied] == [
        ("One", 2, ["x"], copy["id"]),
        ("Two", 0, [], copy["id"]),
    ]
    assert [u["id"] for u in copied[0]["assignedUsers"]] == [str(user.id)]
    assert copied[0]["id"] != first["id"]
    new_lanes = await task_lanes(w, copy["id"])
    assert list(new_lanes) == ["ToDo", "Doing", "Done"] and set(new_lanes.values()).isdisjoint(
        (await task_lanes(w)).values()
    )
    assert [t for t, *_ in await events_of(lanekit, copied[1]["id"])] == ["taskCardCreated"]
    # The source keeps its tasks; a source without tasks copies nothing; an unreadable one is a 404.
    assert (await w.admin.get(f"/io/card/{w.owner.id}")).json()["taskBoardStats"]["totalCount"] == 2
    async with lanekit.db.begin() as conn:
        bare = await make_card(conn, w.board, by=w.tenant.admin)
        other = await make_board(conn, w.tenant.account, creator=w.tenant.admin)
    plain = await w.admin.post(
        "/io/card?returnFullRecord=true",
        json={"title": "P", "boardId": str(w.board.id), "copiedFromCardId": str(bare.id)},
    )
    assert plain.status_code == 201 and plain.json()["taskBoardStats"] is None
    member = lanekit.as_user(w.tenant, user)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, other, user, "boardUser")
    hidden = await member.post(
        "/io/card", json={"title": "H", "boardId": str(other.id), "copiedFromCardId": str(w.owner.id)}
    )
    assert hidden.status_code == 201  # the member reads the source's board
    async with lanekit.db.begin() as conn:
        secret = await make_board(conn, w.tenant.account, creator=w.tenant.admin)
        secret_card = await make_card(conn, secret, by=w.tenant.admin)
    refused = await member.post(
        "/io/card", json={"title": "H", "boardId": str(other.id), "copiedFromCardId": str(secret_card.id)}
    )
    assert refused.status_code == 404
    missing = await w.admin.post(
        "/io/card", json={"title": "M", "boardId": str(w.board.id), "copiedFromCardId": "999999999"}
    )
    assert missing.status_code == 404


async def test_deleting_a_card_deletes_its_tasks(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    keep, drop = await add_task(w, "Keep"), await add_task(w, "Drop")
    assert (await w.admin.delete(f"/io/card/{drop['id']}")).status_code == 204
    assert (await w.admin.get(f"/io/card/{w.owner.id}")).json()["taskBoardStats"]["totalCount"] == 1
    assert (await w.admin.delete(f"/io/card/{w.owner.id}")).status_code == 204
    assert (await w.admin.get(f"/io/card/{keep['id']}")).status_code == 404
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(select(cards.c.deleted_on).where(cards.c.containing_card_id == w.owner.id))
        ).all()
    assert len(rows) == 2 and all(r.deleted_on is not None for r in rows)
    deleted = (await w.admin.get(f"/io/card?board={w.board.id}&deleted=true&select=both")).json()
    assert {c["id"] for c in deleted["cards"]} == {str(w.owner.id), keep["id"], drop["id"]}


async def test_board_reads_and_writes_leave_tasks_out(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    board_id = w.board.id
    version = int((await w.admin.get(f"/io/board/{board_id}")).json()["version"])
    task = await add_task(w, "T", tags=["tasktag"])
    lanes_by_name = await task_lanes(w)
    await w.admin.post(
        "/io/card/move", json={"cardIds": [task["id"]], "destination": {"laneId": lanes_by_name["Doing"]}}
    )
    # Board GET: no task lane, no task counted in the lanes.
    board = (await w.admin.get(f"/io/board/{board_id}")).json()
    assert not set(lanes_by_name.values()) & {lane["id"] for lane in board["lanes"]}
    assert sum(lane["cardCount"] for lane in board["lanes"]) == 1
    # /changes: the owner is updated, the task is no board card, task lanes are no affected lanes.
    changes = (await w.admin.get(f"/io/board/{board_id}/changes?version={version}")).json()
    assert (changes["createdCardIds"], changes["updatedCardIds"], changes["affectedLanes"]) == (
        [],
        [str(w.owner.id)],
        [],
    )
    # Lane counts, leaf lanes, faces filtered by a task lane.
    counts = (await w.admin.get(f"/io/board/{board_id}/laneCount")).json()["lanes"]
    assert counts.keys().isdisjoint(lanes_by_name.values()) and len(counts) == len(board["lanes"])
    refused = await w.admin.get(f"/io/board/{board_id}/laneCount?lanes={lanes_by_name['Doing']}")
    assert refused.status_code == 422
    leaves = (await w.admin.get(f"/io/board/{board_id}/leafLanes")).json()["lanes"]
    assert {lane["id"] for lane in leaves}.isdisjoint(lanes_by_name.values())
    faces = await w.admin.get(f"/io/board/{board_id}/card?lanes={lanes_by_name['Doing']}&cards={task['id']}")
    assert faces.status_code == 200 and faces.json()["cards"] == []
    # Layout PUT with the board's own layout keeps the task lanes and the task.
    before = (await w.admin.get(f"/io/board/{board_id}")).json()
    layout = {"lanes": _layout(before["lanes"]), "layoutChecksum": before["layoutChecksum"]}
    assert (await w.admin.put(f"/io/board/{board_id}/layout", json=layout)).status_code == 200
    assert (await task_lanes(w)) == lanes_by_name
    assert (await w.admin.get(f"/io/card/{task['id']}")).json()["lane"]["id"] == lanes_by_name["Doing"]
    # Copies and templates with cards take the board's cards, not the tasks.
    copied = await w.admin.post(
        "/io/board", json={"title": "Copy", "fromBoardId": str(board_id), "includeCards": True}
    )
    assert copied.status_code == 200, copied.text
    copy_cards = (await w.admin.get(f"/io/card?board={copied.json()['id']}&select=both")).json()["cards"]
    assert [c["title"] for c in copy_cards] == ["Owner"]
    template = await w.admin.post(
        "/io/template", json={"boardId": str(board_id), "templateName": "t", "includeCards": True}
    )
    assert template.status_code == 201


async def test_wip_limits_count_tasks_only_in_task_lanes(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    user = await lanekit.user(w.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, w.board, user, "boardUser", wip=1)
    drop = w.owner.lane_id
    response = await w.admin.patch(f"/io/board/{w.board.id}/lane/{drop}", json={"wipLimit": 2})
    assert response.status_code == 200
    # Tasks count neither toward the lane their owner is in, nor toward their assignees' limits.
    await add_task(w, "A", assignedUserIds=[str(user.id)])
    await add_task(w, "B", assignedUserIds=[str(user.id)])
    assigned = await w.admin.post(
        "/io/card/assign", json={"cardIds": [str(w.owner.id)], "userIdsToAssign": [str(user.id)]}
    )
    assert assigned.status_code == 200
    async with lanekit.db.begin() as conn:
        other = await make_card(conn, w.board, by=w.tenant.admin, lane_id=w.lanes["Doing Now"].id)
    over = await w.admin.post(
        "/io/card/assign", json={"cardIds": [str(other.id)], "userIdsToAssign": [str(user.id)]}
    )
    assert over.status_code == 422  # the owner is the user's one card
    second = await w.admin.post("/io/card", json={"title": "x", "boardId": str(w.board.id)})
    assert second.status_code == 201  # the drop lane holds the owner, not its tasks: 2 of 2
    third = await w.admin.post("/io/card", json={"title": "y", "boardId": str(w.board.id)})
    assert third.status_code == 422


def _layout(flat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nested layout body of a board GET's flat lanes."""
    fields = {"id": "id", "name": "title", "laneType": "type", "laneClassType": "classType", "index": "index",
              "columns": "columns", "orientation": "orientation", "wipLimit": "wipLimit",
              "isDefaultDropLane": "isDefaultDropLane", "isConnectionDoneLane": "isConnectionDoneLane",
              "description": "description"}  # fmt: skip
    nodes = {
        lane["id"]: (lane["parentLaneId"], {v: lane[k] for k, v in fields.items()} | {"children": []})
        for lane in flat
    }
    roots: list[dict[str, Any]] = []
    for parent, node in sorted(nodes.values(), key=lambda pair: pair[1]["index"]):
        (nodes[parent][1]["children"] if parent else roots).append(node)
    return roots
