"""GET /io/card, POST /io/card/list, card faces and tag usage of a board."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.boards import grant_role, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio

UNSCORED = {
    "isTemplateChanged": False,
    "scoreTotal": None,
    "scoreOverride": None,
    "confidenceTotal": None,
    "scores": [],
}
LIST_KEYS = {
    "assignedUsers",
    "assignedTeams",
    "id",
    "index",
    "version",
    "title",
    "description",
    "priority",
    "size",
    "plannedStart",
    "plannedFinish",
    "actualFinish",
    "actualStart",
    "createdOn",
    "archivedOn",
    "updatedOn",
    "movedOn",
    "tags",
    "containingCardId",
    "color",
    "iconPath",
    "customIconLabel",
    "customIcon",
    "blockedStatus",
    "board",
    "customId",
    "externalLinks",
    "lane",
    "type",
    "taskBoardStats",
    "planningIncrements",
}
FACE_KEYS = {
    "id",
    "title",
    "index",
    "laneId",
    "boardId",
    "color",
    "tags",
    "size",
    "priority",
    "plannedStart",
    "plannedFinish",
    "actualStart",
    "actualFinish",
    "archivedOn",
    "isDone",
    "createdOn",
    "movedOn",
    "updatedOn",
    "externalLinks",
    "customIconLabel",
    "blockedStatus",
    "customIcon",
    "customHeader",
    "customId",
    "taskBoardStats",
    "containingCardId",
    "cardType",
    "subscriptionId",
    "parentCards",
    "assignedUsers",
    "connectedCardStats",
    "canView",
    "customFields",
    "planningIncrementIds",
    "isMirroredCard",
    "scoring",
}


class World:
    tenant: Tenant
    board: Any
    other_board: Any
    lanes: dict[str, Any]
    ids: dict[str, str]
    user: Any


@pytest.fixture
async def world(lanekit: Lanekit) -> World:
    w = World()
    w.tenant = await lanekit.tenant()
    w.user = await lanekit.user(w.tenant)
    async with lanekit.db.begin() as conn:
        w.board = await make_board(conn, w.tenant.account, creator=w.tenant.admin)
        w.other_board = await make_board(conn, w.tenant.account, creator=w.tenant.admin)
        w.lanes = await board_lanes(conn, w.board)
        admin = w.tenant.admin
        w.ids = {
            "alpha": str(
                (
                    await make_card(
                        conn, w.board, by=admin, title="Alpha three", tags=["red"], custom_id="EXT-1"
                    )
                ).id
            ),
            "bravo": str(
                (
                    await make_card(
                        conn,
                        w.board,
                        by=admin,
                        title="Bravo",
                        lane_id=w.lanes["Doing Now"].id,
                        assigned_user_ids=[str(w.user.id)],
                    )
                ).id
            ),
            "charlie": str(
                (
                    await make_card(
                        conn, w.board, by=admin, title="charlie", lane_id=w.lanes["Finished As Planned"].id
                    )
                ).id
            ),
            "delta": str((await make_card(conn, w.other_board, by=admin, title="Delta three")).id),
        }
    return w


async def titles(
    lanekit: Lanekit, w: World, query: str = "", body: dict[str, Any] | None = None
) -> list[str]:
    admin = lanekit.as_admin(w.tenant)
    if body is None:
        response = await admin.get(f"/io/card?board={w.board.id}&sort=title{query}")
    else:
        response = await admin.post("/io/card/list", json={"board": str(w.board.id), "sort": "title", **body})
    assert response.status_code == 200, response.text
    return [c["title"] for c in response.json()["cards"]]


async def test_list_item_shape_and_page_meta(lanekit: Lanekit, world: World) -> None:
    response = await lanekit.as_admin(world.tenant).get("/io/card?limit=2&sort=title")
    body = response.json()
    assert set(body) == {"cards", "pageMeta"}
    assert body["pageMeta"] == {"totalRecords": 4, "offset": 0, "limit": 2, "startRow": 1, "endRow": 2}
    assert [c["title"] for c in body["cards"]] == ["Alpha three", "Bravo"]
    item = body["cards"][0]
    assert set(item) == LIST_KEYS
    assert item["customId"] == {"value": "EXT-1", "prefix": None, "url": None}
    assert item["tags"] == ["red"] and item["index"] == 0 and item["version"] == "1"
    assert set(body["cards"][1]["assignedUsers"][0]) == {"id", "fullName", "emailAddress", "avatar"}


@pytest.mark.parametrize(
    ("query", "body", "expected"),
    [
        ("", {}, ["Alpha three", "Bravo", "charlie"]),
        ("&search=THREE", {"search": "three"}, ["Alpha three"]),
        ("&search=ext-", {"search": "EXT-"}, ["Alpha three"]),
        ("&customIds=EXT-1", {"customIds": ["EXT-1"]}, ["Alpha three"]),
        ("&customId=EXT-1", {"customId": "EXT-1"}, ["Alpha three"]),
        (
            "&lane_class_types=active,archive",
            {"lane_class_types": ["active", "archive"]},
            ["Bravo", "charlie"],
        ),
        ("&lanes=DOING", {"lanes": ["DOING"]}, ["Bravo"]),
        ("&assignedUserIds=USER", {"assignedUserIds": ["USER"]}, ["Bravo"]),
        ("&cards=ALPHA,CHARLIE", {"cards": ["ALPHA", "CHARLIE"]}, ["Alpha three", "charlie"]),
        ("&select=taskCards", {"select": "taskCards"}, []),
        ("&select=both", {"select": "both"}, ["Alpha three", "Bravo", "charlie"]),
        (
            "&since=2000-01-01T00:00:00Z",
            {"since": "2000-01-01T00:00:00Z"},
            ["Alpha three", "Bravo", "charlie"],
        ),
        ("&since=2999-01-01T00:00:00Z", {"since": "2999-01-01T00:00:00Z"}, []),
    ],
)
async def test_filters_by_query_string_and_body(
    lanekit: Lanekit, world: World, query: str, body: dict[str, Any], expected: list[str]
) -> None:
    names = {
        "DOING": str(world.lanes["Doing Now"].id),
        "USER": str(world.user.id),
        "ALPHA": world.ids["alpha"],
        "CHARLIE": world.ids["charlie"],
    }
    for key, value in names.items():
        query = query.replace(key, value)
        body = {k: ([names.get(x, x) for x in v] if isinstance(v, list) else v) for k, v in body.items()}
    assert await titles(lanekit, world, query) == expected
    assert await titles(lanekit, world, body=body) == expected


async def test_type_and_icon_filters(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    icon = (await admin.get(f"/io/board/{world.board.id}/customIcon")).json()["customIcons"][0]["id"]
    types = (await admin.get(f"/io/board/{world.board.id}/cardType")).json()["cardTypes"]
    other_type = next(t["id"] for t in types if t["id"] != str(world.board.default_card_type_id))
    await admin.patch(
        f"/io/card/{world.ids['bravo']}", json=[{"op": "replace", "path": "/customIconId", "value": icon}]
    )
    await admin.patch(
        f"/io/card/{world.ids['charlie']}", json=[{"op": "replace", "path": "/typeId", "value": other_type}]
    )
    assert await titles(lanekit, world, f"&custom_icon={icon}") == ["Bravo"]
    assert await titles(lanekit, world, f"&types={other_type}") == ["charlie"]
    assert await titles(lanekit, world, body={"type": other_type}) == ["charlie"]


async def test_only_omit_include_and_sorts(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    only = (await admin.get(f"/io/card?board={world.board.id}&only=title&sort=title")).json()["cards"]
    assert only == [
        {"id": world.ids["alpha"], "title": "Alpha three"},
        {"id": world.ids["bravo"], "title": "Bravo"},
        {"id": world.ids["charlie"], "title": "charlie"},
    ]
    omitted = (
        await admin.post(
            "/io/card/list", json={"board": str(world.board.id), "omit": ["lane", "board", "id"]}
        )
    ).json()["cards"]
    assert all("lane" not in c and "board" not in c and "id" in c for c in omitted)
    included = (await admin.get(f"/io/card?board={world.board.id}&include=customFields,dependencies")).json()[
        "cards"
    ]
    assert all(
        c["customFields"] == [] and c["dependencies"] == {"incoming": [], "outgoing": []} for c in included
    )
    activity = (await admin.get(f"/io/card?board={world.board.id}")).json()["cards"]
    assert [c["title"] for c in activity] == ["charlie", "Bravo", "Alpha three"]
    rank = (await admin.get(f"/io/card?board={world.board.id}&sort=rank&only=title")).json()["cards"]
    assert [c["title"] for c in rank] == ["Alpha three", "Bravo", "charlie"]


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("select=taskcard", "select"),
        ("sort=newest", "sort"),
        ("lane_class_types=active,done", "lane_class_types/1"),
        ("include=comments", "include/0"),
    ],
)
async def test_bad_enum_is_the_documented_422(
    lanekit: Lanekit, world: World, query: str, pointer: str
) -> None:
    response = await lanekit.as_admin(world.tenant).get(f"/io/card?{query}")
    assert response.status_code == 422
    assert response.json()["message"] == f'Invalid request: Failed "enum" criteria (pointer: #/{pointer})'
    by_body = await lanekit.as_admin(world.tenant).post("/io/card/list", json={"select": "taskcard"})
    assert by_body.json()["message"] == 'Invalid request: Failed "enum" criteria (pointer: #/select)'


@pytest.mark.parametrize("query", ["limit=1001", "offset=-1", "since=yesterday", "board=abc", "lanes=1,x"])
async def test_bad_params_are_422(lanekit: Lanekit, world: World, query: str) -> None:
    response = await lanekit.as_admin(world.tenant).get(f"/io/card?{query}")
    assert response.status_code == 422
    assert response.json()["message"].startswith(query.split("=")[0])


async def test_inaccessible_cards_and_visibility(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    assert (await admin.delete(f"/io/card/{world.ids['alpha']}")).status_code == 204
    member = await lanekit.user(world.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, world.board, member, "boardReader")
    wanted = ",".join([world.ids["alpha"], world.ids["bravo"], world.ids["delta"], "999999999"])
    body = (await lanekit.as_user(world.tenant, member).get(f"/io/card?cards={wanted}")).json()
    assert [c["id"] for c in body["cards"]] == [world.ids["bravo"]]
    assert body["inaccessibleCards"] == [
        {"id": world.ids["alpha"], "isDeleted": True, "hasAccess": True},
        {"id": world.ids["delta"], "isDeleted": False, "hasAccess": False},
        {"id": "999999999", "isDeleted": False, "hasAccess": False},
    ]
    everything = (await lanekit.as_user(world.tenant, member).get("/io/card")).json()
    assert sorted(c["title"] for c in everything["cards"]) == ["Bravo", "charlie"]
    deleted = (await admin.get(f"/io/card?board={world.board.id}&deleted=true")).json()
    assert deleted["cards"] == [{"id": world.ids["alpha"]}]
    other = await lanekit.tenant()
    assert (await lanekit.as_admin(other).get("/io/card")).json()["cards"] == []


async def test_board_faces_and_tags(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    body = (await admin.get(f"/io/board/{world.board.id}/card")).json()
    assert body["pageMeta"]["totalRecords"] == 3
    assert [c["title"] for c in body["cards"]] == ["Alpha three", "Bravo", "charlie"]
    face = body["cards"][0]
    assert set(face) == FACE_KEYS
    assert face["scoring"] == UNSCORED
    assert face["laneId"] == str(world.lanes["New Requests"].id) and face["boardId"] == str(world.board.id)
    assert face["cardType"] == {"id": str(world.board.default_card_type_id), "name": face["cardType"]["name"]}
    assert face["customHeader"] == {"value": "EXT-1", "header": "EXT-1", "url": None}
    assert face["blockedStatus"] == {"isBlocked": False, "reason": None}
    assert face["createdOn"].endswith("Z") and len(face["createdOn"]) == 24
    assert face["isDone"] is False and body["cards"][2]["isDone"] is True
    assert face["customFields"] == {} and face["canView"] is True
    paged = (await admin.get(f"/io/board/{world.board.id}/card?offset=1&limit=1")).json()
    assert [c["title"] for c in paged["cards"]] == ["Bravo"]
    assert paged["pageMeta"] == {"totalRecords": 3, "offset": 1, "limit": 1, "startRow": 2, "endRow": 2}
    assert (await admin.get(f"/io/board/{world.board.id}/tag")).json() == {"tags": {"red": 1}}
    outsider = await lanekit.user(world.tenant)
    assert (
        await lanekit.as_user(world.tenant, outsider).get(f"/io/board/{world.board.id}/card")
    ).status_code == 404
    assert (
        await lanekit.as_user(world.tenant, outsider).get(f"/io/board/{world.board.id}/tag")
    ).status_code == 404
