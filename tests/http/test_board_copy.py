"""`POST /io/board` with `fromBoardId`: copying a board's structure, cards and users."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lanekit.domain import clock
from lanekit.storage.tables import board_roles, card_field_values, card_tags, cards
from tests.factories.boards import grant_role
from tests.harness import Lanekit
from tests.http.board_config_helpers import board_setup, insert_card

pytestmark = pytest.mark.anyio


async def _template_of(client: Any, board_id: str | int, include_cards: bool = False) -> dict[str, Any]:
    made = await client.post(
        "/io/template",
        json={"boardId": str(board_id), "templateName": "probe", "includeCards": include_cards},
    )
    assert made.status_code == 201
    return dict((await client.get(f"/io/template/{made.json()['id']}")).json()["template"])


async def _cards_of(lanekit: Lanekit, board_id: int) -> list[dict[str, Any]]:
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(select(cards).where(cards.c.board_id == board_id).order_by(cards.c.id))
        ).all()
        result = []
        for row in rows:
            tags = (
                (
                    await conn.execute(
                        select(card_tags.c.tag).where(card_tags.c.card_id == row.id).order_by(card_tags.c.tag)
                    )
                )
                .scalars()
                .all()
            )
            values = (
                await conn.execute(
                    select(card_field_values.c.field_id, card_field_values.c.value).where(
                        card_field_values.c.card_id == row.id
                    )
                )
            ).all()
            result.append(
                {**dict(row._mapping), "tag_index": list(tags), "values": {int(f): v for f, v in values}}
            )
    return result


async def test_copy_with_cards_and_users(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    fields = (
        await s.admin.patch(
            f"{s.base}/customfield",
            json=[
                {"op": "add", "path": "/", "value": {"label": "Owner", "type": "text"}},
                {
                    "op": "add",
                    "path": "/",
                    "value": {
                        "label": "Area",
                        "type": "multi",
                        "choiceConfiguration": {"choices": ["UI", "API"]},
                    },
                },
            ],
        )
    ).json()["customFields"]
    types = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    icons = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]
    source_lanes = (await s.admin.get(s.base)).json()["lanes"]
    doing = next(lane for lane in source_lanes if lane["name"] == "Doing Now")
    first = await insert_card(
        lanekit,
        s.board,
        type_id=int(types[1]["id"]),
        custom_icon_id=int(icons[2]["id"]),
        tags=["red", "blue"],
        field_values={int(fields[0]["id"]): "ana", int(fields[1]["id"]): ["UI", "API"]},
        title="First",
        rank="a1",
        size=2,
        priority="high",
    )
    await insert_card(lanekit, s.board, type_id=int(types[0]["id"]), lane_id=int(doing["id"]), title="Second")
    # Deleted and archived cards are not copied.
    await insert_card(lanekit, s.board, type_id=int(types[0]["id"]), title="Gone", deleted_on=clock.now())
    await insert_card(lanekit, s.board, type_id=int(types[0]["id"]), title="Old", archived_on=clock.now())

    response = await s.admin.post(
        "/io/board",
        json={
            "title": "Copy",
            "fromBoardId": str(s.board.id),
            "includeCards": True,
            "includeExistingUsers": True,
        },
    )
    assert response.status_code in (200, 201)
    new_id = int(response.json()["id"])
    assert new_id != s.board.id

    # Same structure and the same cards, card for card.
    assert await _template_of(s.admin, new_id, include_cards=True) == await _template_of(
        s.admin, s.board.id, include_cards=True
    )

    copied = await _cards_of(lanekit, new_id)
    assert [c["title"] for c in copied] == ["First", "Second"]
    new_board = (await s.admin.get(f"/io/board/{new_id}")).json()
    new_types = {t["name"]: int(t["id"]) for t in new_board["cardTypes"]}
    new_icons = {i["name"]: int(i["id"]) for i in new_board["classesOfService"]}
    new_fields = {f["label"]: int(f["id"]) for f in new_board["customFields"]}
    new_lanes = {lane["name"]: int(lane["id"]) for lane in new_board["lanes"]}
    one = copied[0]
    assert one["id"] != first
    assert (one["type_id"], one["custom_icon_id"], one["lane_id"]) == (
        new_types["Defect"],
        new_icons["Regulatory"],
        new_lanes["New Requests"],
    )
    assert (one["tags"], one["tag_index"], one["size"], one["priority"], one["version"]) == (
        ["red", "blue"],
        ["blue", "red"],
        2,
        "high",
        1,
    )
    assert one["values"] == {new_fields["Owner"]: "ana", new_fields["Area"]: ["UI", "API"]}
    assert one["created_by"] == s.tenant.admin.id
    assert copied[1]["lane_id"] == new_lanes["Doing Now"]

    # Users keep their roles; the creator is the administrator.
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                select(board_roles.c.user_id, board_roles.c.role).where(board_roles.c.board_id == new_id)
            )
        ).all()
    assert {int(u): r for u, r in rows} == {
        s.tenant.admin.id: "boardAdministrator",
        s.users["boardReader"].id: "boardReader",
        s.users["boardUser"].id: "boardUser",
        s.users["boardManager"].id: "boardManager",
    }
    assert (await s.reader.get(f"/io/board/{new_id}")).status_code == 200
    assert (await s.outsider.get(f"/io/board/{new_id}")).status_code == 404
    # The source is untouched.
    assert [c["title"] for c in await _cards_of(lanekit, s.board.id)] == ["First", "Second", "Gone", "Old"]


async def test_copy_without_cards_or_users_copies_the_structure_only(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    assert s.board.default_card_type_id is not None
    await insert_card(lanekit, s.board, type_id=s.board.default_card_type_id)
    assert (
        await s.admin.post(
            f"{s.base}/cardType", json={"name": "Spike", "colorHex": "#ABCDEF", "isCardType": True}
        )
    ).status_code == 201
    response = await s.admin.post("/io/board", json={"title": "Structure", "fromBoardId": s.board.id})
    new_id = int(response.json()["id"])
    assert await _template_of(s.admin, new_id) == await _template_of(s.admin, s.board.id)
    assert await _cards_of(lanekit, new_id) == []
    async with lanekit.db.read() as conn:
        roles = (
            (await conn.execute(select(board_roles.c.user_id).where(board_roles.c.board_id == new_id)))
            .scalars()
            .all()
        )
    assert list(roles) == [s.tenant.admin.id]


async def test_settings_are_copied_and_the_request_can_turn_wip_settings_on(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    assert (
        await s.admin.patch(
            s.base,
            json={
                "customIconFieldLabel": "Urgency",
                "enableCustomIcon": False,
                "allowUsersToDeleteCards": False,
            },
        )
    ).status_code == 204
    response = await s.admin.post(
        "/io/board", json={"title": "Settings", "fromBoardId": str(s.board.id), "baseWipOnCardSize": True}
    )
    board = (await s.admin.get(f"/io/board/{response.json()['id']}")).json()
    assert (
        board["customIconFieldLabel"],
        board["classOfServiceEnabled"],
        board["allowUsersToDeleteCards"],
    ) == (
        "Urgency",
        False,
        False,
    )
    assert board["baseWipOnCardSize"] is True
    assert board["excludeCompletedAndArchiveViolations"] is False


async def test_the_source_must_be_readable(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    # Board creators copy what they can read, and nothing else.
    creator = await lanekit.user(s.tenant, board_creator=True)
    client = lanekit.as_user(s.tenant, creator)
    refused = await client.post("/io/board", json={"title": "No", "fromBoardId": str(s.board.id)})
    assert refused.status_code == 404
    async with lanekit.db.begin() as conn:
        await grant_role(conn, s.board, creator, "boardReader")
    allowed = await client.post("/io/board", json={"title": "Yes", "fromBoardId": str(s.board.id)})
    assert allowed.status_code in (200, 201)
    assert (await client.get(f"/io/board/{allowed.json()['id']}")).json()["boardRole"] == "boardAdministrator"
    # Another account's board is not found; the missing board is not either.
    stranger = await board_setup(lanekit, roles=False)
    assert (
        await stranger.admin.post("/io/board", json={"title": "No", "fromBoardId": str(s.board.id)})
    ).status_code == 404
    assert (
        await s.admin.post("/io/board", json={"title": "No", "fromBoardId": "999999999"})
    ).status_code == 404


async def test_template_and_source_board_together_are_refused(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    before = (await s.admin.get("/io/board")).json()["pageMeta"]["totalRecords"]
    response = await s.admin.post(
        "/io/board", json={"title": "Both", "fromBoardId": str(s.board.id), "templateId": "108"}
    )
    assert response.status_code == 422
    assert response.json()["message"] == "templateId: send either templateId or fromBoardId, not both"
    assert (await s.admin.get("/io/board")).json()["pageMeta"]["totalRecords"] == before
