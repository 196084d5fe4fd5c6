"""/io/card: create, get (full shape key by key), delete, permissions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lanekit.storage.tables import card_assignments, card_tags, cards
from tests.factories.boards import grant_role, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio

FULL_KEYS = {
    "id",
    "title",
    "description",
    "index",
    "version",
    "priority",
    "size",
    "tags",
    "color",
    "iconPath",
    "customIconLabel",
    "customIcon",
    "customId",
    "externalLinks",
    "plannedStart",
    "plannedFinish",
    "actualStart",
    "actualFinish",
    "createdOn",
    "updatedOn",
    "movedOn",
    "archivedOn",
    "blockedStatus",
    "board",
    "lane",
    "type",
    "taskBoardStats",
    "subscriptionId",
    "createdBy",
    "updatedBy",
    "movedBy",
    "archivedBy",
    "assignedUsers",
    "assignedTeams",
    "attachments",
    "commentsCount",
    "childCommentsCount",
    "comments",
    "parentCards",
    "customFields",
    "planningIncrements",
    "connectedCardStats",
    "scoring",
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def setup(lanekit: Lanekit, **board: Any) -> tuple[Tenant, Any, dict[str, Any]]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        made = await make_board(conn, tenant.account, creator=tenant.admin, **board)
        lanes = await board_lanes(conn, made)
    return tenant, made, lanes


async def test_create_minimal_goes_to_the_default_drop_lane_end(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    first = await admin.post("/io/card", json={"destination": {"boardId": str(board.id)}, "title": "One"})
    assert first.status_code == 201
    assert set(first.json()) == {"id"}
    assert re.fullmatch(r"\d+", first.json()["id"])
    second = await admin.post("/io/card", json={"boardId": str(board.id), "title": "Two"})
    assert second.status_code == 201
    got = (await admin.get(f"/io/card/{second.json()['id']}")).json()
    assert got["lane"]["id"] == str(lanes["New Requests"].id)
    assert got["index"] == 1
    assert got["type"]["id"] == str(board.default_card_type_id)
    assert got["version"] == "1"


async def test_full_card_shape_key_by_key(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    doing = lanes["Doing Now"]
    user = await lanekit.user(tenant, first_name="Ann", last_name="Lee")
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, user, "boardUser")
    body = {
        "destination": {"laneId": str(doing.id), "index": 0},
        "title": "Card Three",
        "description": "<p>desc</p>",
        "priority": "high",
        "size": "2",
        "tags": ["tagone", "tagtwo", "tagone"],
        "customId": "HDR-1",
        "externalLink": {"label": "Link Title", "url": "https://www.leankit.com"},
        "plannedStart": "2019-12-20",
        "plannedFinish": "2019-12-23",
        "blockReason": "Blocked card reason",
        "assignedUserIds": [str(user.id)],
    }
    created = await admin.post("/io/card?returnFullRecord=true", json=body)
    assert created.status_code == 201, created.text
    card = created.json()
    assert set(card) == FULL_KEYS
    assert card["scoring"] == {
        "isTemplateChanged": False,
        "scoreTotal": None,
        "scoreOverride": None,
        "confidenceTotal": None,
        "scores": [],
    }
    assert card["title"] == "Card Three"
    assert card["description"] == "<p>desc</p>"
    assert card["index"] == 0
    assert card["version"] == "1"
    assert card["priority"] == "high"
    assert card["size"] == 2
    assert card["tags"] == ["tagone", "tagtwo"]
    assert card["customId"] == {"value": "HDR-1", "prefix": None, "url": None}
    assert card["externalLinks"] == [{"label": "Link Title", "url": "https://www.leankit.com"}]
    assert (card["plannedStart"], card["plannedFinish"]) == ("2019-12-20", "2019-12-23")
    assert TIMESTAMP.match(card["actualStart"])  # entered a started lane
    assert card["actualFinish"] is None
    assert card["archivedOn"] is None and card["movedOn"] is None and card["movedBy"] is None
    assert TIMESTAMP.match(card["createdOn"]) and card["updatedOn"] == card["createdOn"]
    assert card["blockedStatus"]["isBlocked"] is True
    assert card["blockedStatus"]["reason"] == "Blocked card reason"
    assert TIMESTAMP.match(card["blockedStatus"]["date"])
    assert card["board"] == {
        "id": str(board.id),
        "title": board.title,
        "version": card["board"]["version"],
        "isArchived": False,
    }
    assert int(card["board"]["version"]) > board.version
    assert card["lane"] == {
        "cardLimit": 0,
        "description": doing.description,
        "id": str(doing.id),
        "index": doing.position,
        "laneClassType": "active",
        "laneType": "inProcess",
        "orientation": "vertical",
        "title": "Doing Now",
        "taskBoard": None,
        "cardStatus": "started",
    }
    assert set(card["type"]) == {"id", "title", "cardColor"}
    assert card["color"] == card["type"]["cardColor"]
    assert card["customIcon"] is None and card["iconPath"] is None
    assert card["customIconLabel"] == "Class of Service"
    admin_ref = {
        "id": str(tenant.admin.id),
        "emailAddress": tenant.admin.email,
        "fullName": f"{tenant.admin.first_name} {tenant.admin.last_name}",
        "avatar": f"http://{tenant.host}/io/user/{tenant.admin.id}/avatar?s=25",
    }
    assert card["createdBy"] == admin_ref and card["updatedBy"] == admin_ref
    assert card["archivedBy"] is None
    assert card["assignedUsers"] == [
        {
            "id": str(user.id),
            "emailAddress": user.email,
            "fullName": "Ann Lee",
            "firstName": "Ann",
            "lastName": "Lee",
            "avatar": f"http://{tenant.host}/io/user/{user.id}/avatar?s=25",
        }
    ]
    assert card["comments"] == [] and card["commentsCount"] == 0 and card["attachments"] == []
    assert card["parentCards"] == [] and card["connectedCardStats"] is None and card["taskBoardStats"] is None
    assert card["customFields"] == [] and card["assignedTeams"] == [] and card["planningIncrements"] == []
    async with lanekit.db.read() as conn:
        tags = (await conn.execute(card_tags.select().where(card_tags.c.card_id == int(card["id"])))).all()
        assigned = (
            await conn.execute(card_assignments.select().where(card_assignments.c.card_id == int(card["id"])))
        ).all()
    assert sorted(t.tag for t in tags) == ["tagone", "tagtwo"]
    assert [a.user_id for a in assigned] == [user.id]

    without = (await admin.get(f"/io/card/{card['id']}?excludeComments=true")).json()
    assert "comments" not in without
    assert without["id"] == card["id"]


async def test_custom_icon_and_fields_on_create(lanekit: Lanekit) -> None:
    tenant, board, _ = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    icons = (await admin.get(f"/io/board/{board.id}/customIcon")).json()["customIcons"]
    patched = await admin.patch(
        f"/io/board/{board.id}/customfield",
        json=[{"op": "add", "path": "/", "value": {"label": "Estimate", "type": "number", "helpText": ""}}],
    )
    assert patched.status_code == 200, patched.text
    field = patched.json()["customFields"][0]
    created = await admin.post(
        "/io/card?returnFullRecord=true",
        json={
            "boardId": str(board.id),
            "title": "x",
            "customIconId": icons[1]["id"],
            "customFields": [{"fieldId": field["id"], "value": "5"}],
        },
    )
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["customIcon"]["id"] == icons[1]["id"]
    assert set(card["customIcon"]) == {
        "id",
        "title",
        "cardColor",
        "iconColor",
        "iconName",
        "iconPath",
        "policy",
    }
    assert card["customIcon"]["iconPath"].startswith(f"http://{tenant.host}/customicons/24/")
    assert card["customFields"] == [
        {"fieldId": field["id"], "type": "number", "label": "Estimate", "value": 5}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x"}, "destination"),
        ({"title": "", "boardId": "B"}, "title"),
        ({"title": "x", "boardId": "B", "priority": "urgent"}, "priority"),
        ({"title": "x", "boardId": "B", "size": -1}, "size"),
        ({"title": "x", "boardId": "B", "plannedStart": "2019-13-40"}, "plannedStart"),
        ({"title": "x", "boardId": "B", "typeId": "999999999"}, "typeId"),
        ({"title": "x", "boardId": "B", "customIconId": "999999999"}, "customIconId"),
        ({"title": "x", "boardId": "B", "assignedUserIds": ["999999999"]}, "assignedUserIds"),
        ({"title": "x", "boardId": "B", "tags": "one"}, "tags"),
        ({"title": "x", "destination": {"laneId": "999999999"}}, "destination.laneId"),
        ({"title": "x", "destination": {"boardId": "B", "index": -3}}, "destination.index"),
        (
            {"title": "x", "boardId": "B", "customFields": [{"fieldId": "999999999", "value": "1"}]},
            "customFields/0/fieldId",
        ),
    ],
)
async def test_create_refuses_bad_input_naming_the_field(
    lanekit: Lanekit, body: dict[str, Any], field: str
) -> None:
    tenant, board, _ = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    body = {k: v for k, v in body.items()}
    if body.get("boardId") == "B":
        body["boardId"] = str(board.id)
    if isinstance(body.get("destination"), dict) and body["destination"].get("boardId") == "B":
        body["destination"] = {**body["destination"], "boardId": str(board.id)}
    response = await admin.post("/io/card", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(f"{field}:")
    async with lanekit.db.read() as conn:
        count = (await conn.execute(cards.select().where(cards.c.board_id == board.id))).all()
    assert count == []


async def test_create_with_a_parent_lane_is_refused(lanekit: Lanekit) -> None:
    tenant, _board, lanes = await setup(lanekit)
    response = await lanekit.as_admin(tenant).post(
        "/io/card", json={"title": "x", "destination": {"laneId": str(lanes["Not Started - Future Work"].id)}}
    )
    assert response.status_code == 422
    assert "child lanes" in response.json()["message"]


async def test_insert_at_an_index_shifts_the_others(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    admin = lanekit.as_admin(tenant)
    lane = str(lanes["Doing Now"].id)
    ids = []
    for title, index in [("a", None), ("b", None), ("c", 1), ("d", 0), ("e", 99)]:
        dest: dict[str, Any] = {"laneId": lane}
        if index is not None:
            dest["index"] = index
        ids.append((await admin.post("/io/card", json={"title": title, "destination": dest})).json()["id"])
    faces = (await admin.get(f"/io/board/{board.id}/card?lanes={lane}")).json()["cards"]
    assert [(f["title"], f["index"]) for f in faces] == [("d", 0), ("a", 1), ("c", 2), ("b", 3), ("e", 4)]
    for card_id, expected in zip(ids, [1, 3, 2, 0, 4], strict=True):
        assert (await admin.get(f"/io/card/{card_id}")).json()["index"] == expected


async def test_get_unknown_and_other_account_cards_are_404(lanekit: Lanekit) -> None:
    tenant, _board, _ = await setup(lanekit)
    other, other_board, _ = await setup(lanekit)
    async with lanekit.db.begin() as conn:
        foreign = await make_card(conn, other_board, by=other.admin)
    admin = lanekit.as_admin(tenant)
    assert (await admin.get("/io/card/999999999")).status_code == 404
    response = await admin.get(f"/io/card/{foreign.id}")
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": f"card {foreign.id} not found",
    }
    assert (await admin.delete(f"/io/card/{foreign.id}")).status_code == 404


async def test_roles_reader_reads_user_writes_outsider_gets_404(lanekit: Lanekit) -> None:
    tenant, board, lanes = await setup(lanekit)
    reader = await lanekit.user(tenant)
    member = await lanekit.user(tenant)
    outsider = await lanekit.user(tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, reader, "boardReader")
        await grant_role(conn, board, member, "boardUser")
        card = await make_card(conn, board, by=tenant.admin)
    as_reader = lanekit.as_user(tenant, reader)
    as_member = lanekit.as_user(tenant, member)
    as_outsider = lanekit.as_user(tenant, outsider)
    assert (await as_reader.get(f"/io/card/{card.id}")).status_code == 200
    assert (
        await as_reader.post("/io/card", json={"boardId": str(board.id), "title": "x"})
    ).status_code == 403
    assert (
        await as_reader.patch(f"/io/card/{card.id}", json=[{"op": "replace", "path": "/title", "value": "y"}])
    ).status_code == 403
    move = {"cardIds": [str(card.id)], "destination": {"laneId": str(lanes["Doing Now"].id)}}
    assert (await as_reader.post("/io/card/move", json=move)).status_code == 403
    assert (await as_outsider.get(f"/io/card/{card.id}")).status_code == 404
    assert (await as_outsider.post("/io/card/move", json=move)).status_code == 404
    assert (
        await as_member.post("/io/card", json={"boardId": str(board.id), "title": "x"})
    ).status_code == 201
    assert (await as_member.post("/io/card/move", json=move)).status_code == 200
    assert (
        await as_member.patch(f"/io/card/{card.id}", json=[{"op": "replace", "path": "/title", "value": "y"}])
    ).status_code == 200


async def test_delete_honours_allow_users_to_delete_cards(lanekit: Lanekit) -> None:
    tenant, board, _ = await setup(lanekit)
    member = await lanekit.user(tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, member, "boardUser")
        one = await make_card(conn, board, by=tenant.admin)
        two = await make_card(conn, board, by=tenant.admin)
        three = await make_card(conn, board, by=tenant.admin)
    as_member = lanekit.as_user(tenant, member)
    admin = lanekit.as_admin(tenant)
    assert (
        await admin.patch(f"/io/board/{board.id}", json={"allowUsersToDeleteCards": False})
    ).status_code == 204
    refused = await as_member.delete(f"/io/card/{one.id}")
    assert refused.status_code == 403
    assert "allowUsersToDeleteCards" in refused.json()["message"]
    assert (await admin.get(f"/io/card/{one.id}")).status_code == 200
    assert (
        await admin.patch(f"/io/board/{board.id}", json={"allowUsersToDeleteCards": True})
    ).status_code == 204
    deleted = await as_member.delete(f"/io/card/{one.id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await admin.get(f"/io/card/{one.id}")).status_code == 404
    many = await admin.request("DELETE", "/io/card", json={"cardIds": [str(two.id), str(three.id)]})
    assert many.status_code == 204
    missing = await admin.request("DELETE", "/io/card", json={})
    assert missing.status_code == 422
    assert missing.json()["message"].startswith("cardIds")
    faces = (await admin.get(f"/io/board/{board.id}/card")).json()
    assert faces["cards"] == []
    override = await admin.post("/io/card/1", headers={"X-HTTP-Method-Override": "DELETE"})
    assert override.status_code == 404
