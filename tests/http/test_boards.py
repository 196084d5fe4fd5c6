"""Boards over HTTP: the full board, list, create, settings, delete, archive, recent boards."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from lanekit.storage.tables import board_roles, board_visits, boards, lanes
from tests.conftest import Lanekit
from tests.factories.boards import grant_role, insert_card_row, make_board
from tests.harness import Tenant

pytestmark = pytest.mark.anyio

# LeanKit's `GET /io/board/:boardId` example, key for key and in order.
BOARD_KEYS = [
    "id", "title", "description", "creationDate", "classOfServiceEnabled", "customIconFieldLabel",
    "organizationId", "version", "cardColorField", "isCardIdEnabled", "isHeaderEnabled", "isHyperlinkEnabled",
    "isPrefixEnabled", "prefix", "format", "isPrefixIncludedInHyperlink", "baseWipOnCardSize",
    "excludeCompletedAndArchiveViolations", "isDuplicateCardIdAllowed", "isAutoIncrementCardIdEnabled",
    "currentExternalCardId", "isWelcome", "isShared", "isArchived", "sharedBoardRole", "customBoardMoniker",
    "isPermalinkEnabled", "isExternalUrlEnabled", "allowUsersToDeleteCards", "allowPlanviewIntegration",
    "subscriptionId", "boardRole", "effectiveBoardRole", "users", "classesOfService", "tags", "customFields",
    "cardTypes", "laneClassTypes", "lanes", "laneTypes", "userSettings", "priorities", "planningSeries",
    "layoutChecksum", "defaultCardTypeId", "defaultTaskTypeId",
]  # fmt: skip
USER_KEYS = [
    "id", "username", "firstName", "lastName", "fullName", "emailAddress", "gravatarLink", "avatar",
    "lastAccess", "dateFormat", "organizationId", "boardId", "wip", "roleTypeId", "settings", "boardRoles",
]  # fmt: skip
LANE_KEYS = [
    "id", "name", "description", "cardStatus", "active", "cardLimit", "creationDate", "index", "parentLaneId",
    "activityId", "orientation", "isConnectionDoneLane", "isDefaultDropLane", "columns", "wipLimit",
    "cardCount", "cardSize", "archiveCardCount", "subscriptionId", "laneClassType", "laneType", "isCollapsed",
]  # fmt: skip
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _lane(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(lane for lane in body["lanes"] if lane["name"] == name)


async def _create(client: Any, **body: Any) -> str:
    response = await client.post("/io/board", json={"title": "Team board", **body})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"id"}
    return str(response.json()["id"])


async def test_a_blank_board_matches_appendix_a_key_for_key(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    board_id = await _create(admin, description="Our work")

    response = await admin.get(f"/io/board/{board_id}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == BOARD_KEYS
    assert body["id"] == board_id and body["title"] == "Team board" and body["description"] == "Our work"
    assert DATE.match(body["creationDate"])
    assert body["organizationId"] == str(tenant.account.id)
    assert body["version"].isdigit()
    assert body["classOfServiceEnabled"] is True and body["customIconFieldLabel"] == "Class of Service"
    assert body["cardColorField"] == 1 and body["currentExternalCardId"] == "0"
    assert body["sharedBoardRole"] == "0" and body["isShared"] is False and body["isArchived"] is False
    assert body["boardRole"] == body["effectiveBoardRole"] == "boardAdministrator"
    assert body["userSettings"] == {} and body["planningSeries"] == [] and body["tags"] == []
    assert body["customFields"] == []
    assert body["laneClassTypes"] == [
        {"id": 0, "name": "active"}, {"id": 2, "name": "archive"}, {"id": 1, "name": "backlog"},
    ]  # fmt: skip
    assert body["laneTypes"] == [
        {"id": 3, "name": "completed"}, {"id": 99, "name": "untyped"}, {"id": 1, "name": "ready"},
        {"id": 2, "name": "inProcess"},
    ]  # fmt: skip
    assert body["priorities"] == [
        {"id": 3, "name": "critical"}, {"id": 2, "name": "high"}, {"id": 1, "name": "normal"},
        {"id": 0, "name": "low"},
    ]  # fmt: skip
    assert re.fullmatch(r"[0-9a-f]{32}", body["layoutChecksum"])

    [creator] = body["users"]
    assert list(creator) == USER_KEYS
    assert creator["id"] == str(tenant.admin.id) and creator["boardId"] == board_id
    assert creator["roleTypeId"] == 4 and creator["wip"] == 0
    assert creator["settings"] == {} and creator["boardRoles"] == [] and creator["gravatarLink"] is None

    assert [(c["name"], c["iconPath"], c["policy"]) for c in body["classesOfService"]] == [
        ("Date Dependent", "/customicons/24/212121/lk_icons_final_01-13.png", ""),
        ("Expedite", "/customicons/24/e35027/lk_icons_final_01-03.png", ""),
        ("Regulatory", "/customicons/24/49bbd6/lk_icons_final_05-11.png", ""),
        ("Standard", "/customicons/24/212121/blank_icon.png", ""),
    ]
    assert all(list(c) == ["id", "name", "iconPath", "policy"] for c in body["classesOfService"])

    types = {t["name"]: t for t in body["cardTypes"]}
    assert all(list(t) == ["id", "name", "colorHex", "isCardType", "isTaskType"] for t in body["cardTypes"])
    assert list(types) == [
        "Other Work", "Defect", "Documentation", "Improvement", "New Feature", "Risk / Issue", "Subtask",
    ]  # fmt: skip
    assert types["Other Work"]["colorHex"] == "#FFFFFF"
    assert body["defaultCardTypeId"] == types["Other Work"]["id"]
    assert body["defaultTaskTypeId"] == types["Subtask"]["id"]
    assert types["Subtask"]["isTaskType"] is True and types["Subtask"]["isCardType"] is False


async def test_blank_board_has_the_default_layout(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    body = (await admin.get(f"/io/board/{await _create(admin)}")).json()
    all_lanes = body["lanes"]
    assert all(list(lane) == LANE_KEYS for lane in all_lanes)
    by_id = {lane["id"]: lane for lane in all_lanes}
    top = [lane for lane in all_lanes if lane["parentLaneId"] is None]
    keys = ("name", "index", "laneClassType", "laneType", "cardStatus")
    summary = [tuple(lane[key] for key in keys) for lane in top]
    assert summary == [
        ("Not Started - Future Work", 0, "backlog", "ready", "notStarted"),
        ("Doing Now", 1, "active", "inProcess", "started"),
        ("Under Review", 2, "active", "inProcess", "started"),
        ("Recently Finished", 3, "active", "completed", "finished"),
        ("Finished - Ready to Archive", 4, "archive", "completed", "finished"),
    ]  # fmt: skip

    def kids(name: str) -> list[str]:
        parent = _lane(body, name)["id"]
        return [
            lane["name"]
            for lane in sorted(all_lanes, key=lambda x: x["index"])
            if lane["parentLaneId"] == parent
        ]

    assert kids("Not Started - Future Work") == ["New Requests", "Approved", "Ready to Start"]
    assert kids("Finished - Ready to Archive") == [
        "Finished As Planned", "Started but not Finished", "Discarded Requests / Ideas",
    ]  # fmt: skip
    assert _lane(body, "Finished - Ready to Archive")["orientation"] == "horizontal"
    assert [lane["name"] for lane in all_lanes if lane["isDefaultDropLane"]] == ["New Requests"]
    assert [lane["name"] for lane in all_lanes if lane["isConnectionDoneLane"]] == ["Recently Finished"]
    # Sub-lanes carry their area's class; parents come before their children in the flat list.
    for lane in all_lanes:
        if lane["parentLaneId"] is not None:
            assert lane["laneClassType"] == by_id[lane["parentLaneId"]]["laneClassType"]
            assert all_lanes.index(by_id[lane["parentLaneId"]]) < all_lanes.index(lane)


async def test_lane_counts_tags_and_members_come_from_the_tables(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    reader = await lanekit.user(tenant, first_name="Rita", last_name="Reader")
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        await grant_role(conn, board, reader, "boardReader", wip=3)
        doing = (
            await conn.execute(
                select(lanes.c.id).where(lanes.c.board_id == board.id, lanes.c.title == "Doing Now")
            )
        ).scalar_one()
        await insert_card_row(conn, board, lane_id=doing, size=2, tags=["beta", "alpha"])
        await insert_card_row(conn, board, lane_id=doing, size=3, tags=["alpha"])
        # A deleted card counts nowhere and lends no tags.
        await insert_card_row(conn, board, lane_id=doing, size=5, tags=["gone"], deleted_on=board.created_on)
    body = (await lanekit.as_admin(tenant).get(f"/io/board/{board.id}")).json()
    assert (_lane(body, "Doing Now")["cardCount"], _lane(body, "Doing Now")["cardSize"]) == (2, 5)
    assert (_lane(body, "Under Review")["cardCount"], _lane(body, "Under Review")["cardSize"]) == (0, 0)
    assert body["tags"] == ["alpha", "beta"]
    members = {u["id"]: u for u in body["users"]}
    assert members[str(reader.id)]["roleTypeId"] == 1 and members[str(reader.id)]["wip"] == 3
    assert members[str(reader.id)]["fullName"] == "Rita Reader"


async def test_board_get_takes_a_bounded_number_of_queries(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        drop = (
            await conn.execute(
                select(lanes.c.id).where(lanes.c.board_id == board.id, lanes.c.is_default_drop_lane)
            )
        ).scalar_one()
        for _ in range(30):
            await insert_card_row(conn, board, lane_id=drop, tags=["x"])
    admin = lanekit.as_admin(tenant)
    await admin.get(f"/io/board/{board.id}")  # records the visit
    statements: list[str] = []

    from sqlalchemy import event

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(lanekit.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        assert (await admin.get(f"/io/board/{board.id}")).status_code == 200
    finally:
        event.remove(lanekit.db.engine.sync_engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # auth + board/role + lanes + counts + members + visit + card types + icons + fields + tags
    assert len(selects) <= 11, selects


async def test_create_needs_the_board_creator_flag(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    plain = await lanekit.user(tenant)
    creator = await lanekit.user(tenant, board_creator=True)
    refused = await lanekit.as_user(tenant, plain).post("/io/board", json={"title": "Nope"})
    assert refused.status_code == 403
    assert refused.json()["statusCode"] == 403
    board_id = await _create(lanekit.as_user(tenant, creator))
    body = (await lanekit.as_user(tenant, creator).get(f"/io/board/{board_id}")).json()
    assert body["boardRole"] == "boardAdministrator"
    async with lanekit.db.read() as conn:
        rows = (await conn.execute(select(board_roles).where(board_roles.c.board_id == int(board_id)))).all()
    assert [(r.user_id, r.role) for r in rows] == [(creator.id, "boardAdministrator")]


async def test_create_with_settings_and_full_record(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    response = await admin.post(
        "/io/board?returnFullRecord=true",
        json={
            "title": "Shared",
            "isShared": True,
            "sharedBoardRole": "boardUser",
            "baseWipOnCardSize": True,
            "excludeCompletedAndArchiveViolations": True,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == BOARD_KEYS
    assert body["isShared"] is True and body["sharedBoardRole"] == "2"
    assert body["baseWipOnCardSize"] is True and body["excludeCompletedAndArchiveViolations"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": "ok", "sharedBoardRole": "owner"}, "sharedBoardRole"),
        ({"title": "ok", "isShared": "yes"}, "isShared"),
        ({"title": "ok", "templateId": "abc"}, "templateId"),
        ({"title": "ok", "templateId": "1", "fromBoardId": "2"}, "templateId"),
        ({"title": "ok", "level": 9}, "level"),
    ],
)
async def test_create_refuses_bad_input(lanekit: Lanekit, body: dict[str, Any], field: str) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    response = await admin.post("/io/board", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(field)
    async with lanekit.db.read() as conn:
        count = (
            await conn.execute(
                select(func.count()).select_from(boards).where(boards.c.account_id == tenant.account.id)
            )
        ).scalar_one()
    assert count == 0


async def _boards(lanekit: Lanekit, tenant: Tenant, titles: list[str]) -> dict[str, int]:
    ids = {}
    async with lanekit.db.begin() as conn:
        for title in titles:
            ids[title] = (await make_board(conn, tenant.account, creator=tenant.admin, title=title)).id
    return ids


async def test_list_is_alphabetical_paged_searchable_and_invertible(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    await _boards(lanekit, tenant, ["delta", "Alpha", "charlie", "Bravo"])
    admin = lanekit.as_admin(tenant)
    body = (await admin.get("/io/board")).json()
    assert [b["title"] for b in body["boards"]] == ["Alpha", "Bravo", "charlie", "delta"]
    assert body["pageMeta"] == {"totalRecords": 4, "offset": 0, "limit": 200, "startRow": 1, "endRow": 4}
    assert "inaccessibleBoards" not in body
    first = body["boards"][0]
    assert list(first) == ["id", "title", "description", "boardRoleId", "isWelcome", "boardRole"]
    assert (
        first["boardRoleId"] == 4
        and first["boardRole"] == "boardAdministrator"
        and first["description"] is None
    )

    page = (await admin.get("/io/board", params={"offset": 1, "limit": 2, "invert": "true"})).json()
    assert [b["title"] for b in page["boards"]] == ["charlie", "Bravo"]
    assert page["pageMeta"] == {"totalRecords": 4, "offset": 1, "limit": 2, "startRow": 2, "endRow": 3}

    found = (await admin.get("/io/board", params={"search": "AR"})).json()
    assert [b["title"] for b in found["boards"]] == ["charlie"]
    # LIKE wildcards in a search are plain characters.
    assert (await admin.get("/io/board", params={"search": "%"})).json()["boards"] == []
    assert (await admin.get("/io/board", params={"search": "_"})).json()["boards"] == []

    only = (await admin.get("/io/board", params={"only": "id,title"})).json()
    assert all(list(b) == ["id", "title"] for b in only["boards"])
    bad = await admin.get("/io/board", params={"only": "id,secret"})
    assert bad.status_code == 422 and bad.json()["message"].startswith("only")


async def test_list_shows_only_boards_the_caller_can_open(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    other = await lanekit.tenant()
    await _boards(lanekit, other, ["Elsewhere"])
    user = await lanekit.user(tenant)
    ids = await _boards(lanekit, tenant, ["Mine", "Shared", "Hidden"])
    async with lanekit.db.begin() as conn:
        board = (await conn.execute(select(boards).where(boards.c.id == ids["Mine"]))).one()
        from lanekit.storage.records import BoardRecord

        await grant_role(conn, BoardRecord(**board._mapping), user, "boardManager")
        await conn.execute(
            boards.update()
            .where(boards.c.id == ids["Shared"])
            .values(is_shared=True, shared_board_role="boardReader")
        )
    client = lanekit.as_user(tenant, user)
    body = (await client.get("/io/board")).json()
    assert [(b["title"], b["boardRole"], b["boardRoleId"]) for b in body["boards"]] == [
        ("Mine", "boardManager", 3),
        ("Shared", "boardReader", 1),
    ]
    managed = (await client.get("/io/board", params={"minimumAccess": 3})).json()
    assert [b["title"] for b in managed["boards"]] == ["Mine"]
    assert (await client.get("/io/board", params={"minimumAccess": 7})).status_code == 422

    asked = (await client.get("/io/board", params={"boards": f"{ids['Mine']},{ids['Hidden']},999999"})).json()
    assert [b["title"] for b in asked["boards"]] == ["Mine"]
    assert asked["inaccessibleBoards"] == [
        {"id": str(ids["Hidden"]), "isDeleted": False, "isArchived": False, "hasAccess": False},
        {"id": "999999", "isDeleted": False, "isArchived": False, "hasAccess": False},
    ]
    assert (await client.get("/io/board", params={"boards": "1,x"})).status_code == 422


async def test_archived_boards_are_listed_only_for_account_admins_who_ask(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    ids = await _boards(lanekit, tenant, ["Old", "New"])
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    assert (await admin.post(f"/io/board/{ids['Old']}/archive")).status_code == 204
    assert [b["title"] for b in (await admin.get("/io/board")).json()["boards"]] == ["New"]
    archived = (await admin.get("/io/board", params={"archived": "true"})).json()
    assert [b["title"] for b in archived["boards"]] == ["New", "Old"]
    assert (
        await lanekit.as_user(tenant, user).get("/io/board", params={"archived": "true"})
    ).status_code == 403
    asked = (await admin.get("/io/board", params={"boards": str(ids["Old"])})).json()
    assert asked["inaccessibleBoards"] == [
        {"id": str(ids["Old"]), "isDeleted": False, "isArchived": True, "hasAccess": True}
    ]


async def test_patch_changes_every_setting_and_bumps_the_version(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    board_id = await _create(admin)
    before = (await admin.get(f"/io/board/{board_id}")).json()
    defect = next(t["id"] for t in before["cardTypes"] if t["name"] == "Defect")
    response = await admin.patch(
        f"/io/board/{board_id}",
        json={
            "title": "Renamed",
            "description": "About",
            "isShared": True,
            "sharedBoardRole": "boardManager",
            "baseWipOnCardSize": True,
            "excludeCompletedAndArchiveViolations": True,
            "customBoardUrl": "teamWildcats",
            "enableCustomIcon": False,
            "customIconFieldLabel": "Urgency",
            "allowUsersToDeleteCards": False,
            "defaultCardType": defect,
            "allowPlanviewIntegration": True,
            "level": 2,
        },
    )
    assert response.status_code == 204 and response.content == b""
    after = (await admin.get(f"/io/board/{board_id}")).json()
    assert after["title"] == "Renamed" and after["description"] == "About"
    assert after["isShared"] is True and after["sharedBoardRole"] == "3"
    assert after["baseWipOnCardSize"] is True and after["excludeCompletedAndArchiveViolations"] is True
    assert after["customBoardMoniker"] == "teamWildcats"
    assert after["classOfServiceEnabled"] is False and after["customIconFieldLabel"] == "Urgency"
    assert after["allowUsersToDeleteCards"] is False and after["allowPlanviewIntegration"] is True
    assert after["defaultCardTypeId"] == defect
    assert int(after["version"]) == int(before["version"]) + 1
    # Unchanged settings stay.
    assert after["defaultTaskTypeId"] == before["defaultTaskTypeId"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"sharedBoardRole": "king"}, "sharedBoardRole"),
        ({"defaultCardType": "999999"}, "defaultCardType"),
        ({"level": 0}, "level"),
        ({"isShared": "true"}, "isShared"),
    ],
)
async def test_patch_refuses_bad_input(lanekit: Lanekit, body: dict[str, Any], field: str) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    board_id = await _create(admin)
    before = (await admin.get(f"/io/board/{board_id}")).json()
    response = await admin.patch(f"/io/board/{board_id}", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(field)
    after = (await admin.get(f"/io/board/{board_id}")).json()
    assert after["version"] == before["version"]


async def test_default_task_type_must_be_a_task_type(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    board_id = await _create(admin)
    board = (await admin.get(f"/io/board/{board_id}")).json()
    defect = next(t["id"] for t in board["cardTypes"] if t["name"] == "Defect")
    response = await admin.patch(f"/io/board/{board_id}", json={"defaultTaskType": defect})
    assert response.status_code == 422 and response.json()["message"].startswith("defaultTaskType")


async def test_delete_is_a_soft_delete_by_an_account_admin(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    board_id = await _create(admin)
    assert (await admin.delete(f"/io/board/{board_id}")).status_code == 204
    assert (await admin.get(f"/io/board/{board_id}")).status_code == 404
    assert (await admin.delete(f"/io/board/{board_id}")).status_code == 404
    assert (await admin.get("/io/board")).json()["boards"] == []
    async with lanekit.db.read() as conn:
        row = (await conn.execute(select(boards).where(boards.c.id == int(board_id)))).one()
    assert row.is_deleted is True


async def test_archive_makes_a_board_read_only_until_unarchived(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    board_id = await _create(admin)
    assert (await admin.post(f"/io/board/{board_id}/archive")).status_code == 204
    body = (await admin.get(f"/io/board/{board_id}")).json()
    assert body["isArchived"] is True
    refused = await admin.patch(f"/io/board/{board_id}", json={"title": "x"})
    assert refused.status_code == 403 and "archived" in refused.json()["message"]
    assert (await admin.post(f"/io/board/{board_id}/archive")).status_code == 204
    assert (await admin.post(f"/io/board/{board_id}/unarchive")).status_code == 204
    assert (await admin.get(f"/io/board/{board_id}")).json()["isArchived"] is False
    assert (await admin.patch(f"/io/board/{board_id}", json={"title": "x"})).status_code == 204


async def test_get_records_a_throttled_visit_and_recent_boards_lists_it(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    ids = await _boards(lanekit, tenant, ["Zeta", "Alpha", "Mid", "Fav"])
    async with lanekit.db.begin() as conn:
        rows = (await conn.execute(select(boards).where(boards.c.id.in_(list(ids.values()))))).all()
        from lanekit.storage.records import BoardRecord

        for row in rows:
            await grant_role(conn, BoardRecord(**row._mapping), user, "boardUser")
    client = lanekit.as_user(tenant, user)
    assert (await client.get("/io/user/me/board/recent")).json() == {"boards": []}
    for title in ("Zeta", "Alpha", "Mid"):
        assert (await client.get(f"/io/board/{ids[title]}")).status_code == 200
    async with lanekit.db.read() as conn:
        first = (await conn.execute(select(board_visits).where(board_visits.c.user_id == user.id))).all()
    assert {r.board_id for r in first} == {ids["Zeta"], ids["Alpha"], ids["Mid"]}
    # A second read within the minute writes nothing.
    await client.get(f"/io/board/{ids['Zeta']}")
    async with lanekit.db.read() as conn:
        second = (await conn.execute(select(board_visits).where(board_visits.c.user_id == user.id))).all()
    assert sorted((r.board_id, r.visited_on) for r in second) == sorted(
        (r.board_id, r.visited_on) for r in first
    )

    # Make the visit order unambiguous, then favour one board.
    async with lanekit.db.begin() as conn:
        for offset, title in enumerate(("Zeta", "Alpha", "Mid")):
            await conn.execute(
                board_visits.update()
                .where(board_visits.c.user_id == user.id, board_visits.c.board_id == ids[title])
                .values(visited_on=first[0].visited_on.replace(year=2020, second=offset))
            )
        from lanekit.storage.tables import users as users_table

        await conn.execute(
            users_table.update()
            .where(users_table.c.id == user.id)
            .values(settings={"favoriteBoards": [str(ids["Fav"])]})
        )
    recent = (await client.get("/io/user/me/board/recent")).json()["boards"]
    assert [(b["title"], b["isFavorite"]) for b in recent] == [
        ("Fav", True),
        ("Mid", False),
        ("Alpha", False),
        ("Zeta", False),
    ]
    assert list(recent[0]) == [
        "id",
        "title",
        "description",
        "isWelcome",
        "isArchived",
        "isFavorite",
        "boardRole",
    ]
    assert recent[1]["boardRole"] == "boardUser"


async def test_user_me_lists_board_roles(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        await grant_role(conn, board, user, "boardManager", wip=4)
    me = (await lanekit.as_user(tenant, user).get("/io/user/me")).json()
    assert me["boardRoles"] == [
        {"boardId": str(board.id), "WIP": 4, "role": {"key": "boardManager", "value": 3, "label": "Manager"}}
    ]
