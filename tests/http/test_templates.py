"""/io/template: categories, the built-in Default Template, templates made from boards, and boards made
from templates (the round trip keeps the whole structure)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.factories.boards import grant_role
from tests.harness import Lanekit
from tests.http.board_config_helpers import BoardSetup, board_setup, insert_card

pytestmark = pytest.mark.anyio

SETTINGS_KEYS = [
    "classOfServiceEnabled",
    "customIconFieldLabel",
    "cardColorField",
    "baseWipOnCardSize",
    "format",
    "isCardIdEnabled",
    "isDuplicateCardIdAllowed",
    "isHeaderEnabled",
    "isHyperlinkEnabled",
    "isPrefixEnabled",
    "isPrefixIncludedInHyperlink",
    "prefix",
    "boardLevelId",
]
LANE_KEYS = [
    "id",
    "index",
    "description",
    "name",
    "title",
    "cardLimit",
    "isDefaultDropLane",
    "isConnectionDoneLane",
    "cards",
    "parentLaneId",
    "columns",
    "orientation",
    "laneClassType",
    "laneType",
]
DEFAULT_LIST_ITEM = {
    "id": "108",
    "name": "Default Template",
    "description": "A basic process flow of not started, started, finished.",
    "isEnabled": True,
    "isGlobal": True,
}


async def make_template(client: httpx.AsyncClient, board_id: int, name: str, **extra: Any) -> str:
    response = await client.post(
        "/io/template", json={"boardId": str(board_id), "templateName": name, **extra}
    )
    assert response.status_code == 201, response.text
    assert list(response.json()) == ["id"]
    return str(response.json()["id"])


async def customise(s: BoardSetup) -> None:
    """Give the board a structure that differs from the default in every part a template carries."""
    types = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    assert (await s.admin.delete(f"{s.base}/cardType/{types[2]['id']}")).status_code == 204
    assert (
        await s.admin.post(
            f"{s.base}/cardType", json={"name": "Spike", "colorHex": "#123ABC", "isCardType": True}
        )
    ).status_code == 201
    icons = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]
    assert (
        await s.admin.patch(
            f"{s.base}/customIcon/{icons[0]['id']}", json={"policy": "Dates matter", "iconColor": "abcdef"}
        )
    ).status_code == 200
    assert (
        await s.admin.patch(
            f"{s.base}/customfield",
            json=[
                {
                    "op": "add",
                    "path": "/",
                    "value": {
                        "label": "Team",
                        "type": "choice",
                        "choiceConfiguration": {"choices": ["A", "B"]},
                    },
                },
                {
                    "op": "add",
                    "path": "/",
                    "value": {"label": "Estimate", "type": "number", "helpText": "days"},
                },
            ],
        )
    ).status_code == 200
    board = (await s.admin.get(s.base)).json()
    doing = next(lane for lane in board["lanes"] if lane["name"] == "Doing Now")
    assert (
        await s.admin.patch(f"{s.base}/lane/{doing['id']}", json={"wipLimit": 4, "description": "<p>WIP</p>"})
    ).status_code == 200


async def test_the_list_has_our_boards_and_the_default_template(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    response = await s.admin.get("/io/template")
    assert response.status_code == 200
    assert response.json() == {
        "categories": [
            {"id": "1", "name": "Our Boards", "templates": []},
            {"id": "0", "name": "Other Boards", "templates": [DEFAULT_LIST_ITEM]},
        ]
    }


async def test_the_default_template_is_the_blank_board(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    response = await s.admin.get("/io/template/108")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["id", "name", "description", "template", "isDefault", "isUserCategory"]
    assert (body["id"], body["name"], body["isDefault"], body["isUserCategory"]) == (
        "108",
        "Default Template",
        True,
        False,
    )
    template = body["template"]
    assert list(template) == [*SETTINGS_KEYS, "cardTypes", "customIcons", "lanes", "customFields"]
    assert template["customFields"] == []
    assert [t["name"] for t in template["cardTypes"]] == [
        "Other Work",
        "Defect",
        "Documentation",
        "Improvement",
        "New Feature",
        "Risk / Issue",
        "Subtask",
    ]
    for t in template["cardTypes"]:
        assert list(t) == [
            "id",
            "name",
            "colorHex",
            "isDefault",
            "isCardType",
            "isTaskType",
            "isDefaultTaskType",
        ]
    assert [t["name"] for t in template["cardTypes"] if t["isDefault"]] == ["Other Work"]
    assert [t["name"] for t in template["cardTypes"] if t["isDefaultTaskType"]] == ["Subtask"]
    assert template["customIcons"][1] == {
        "id": template["customIcons"][1]["id"],
        "title": "Expedite",
        "policy": "",
        "iconPath": "/customicons/24/e35027/lk_icons_final_01-03.png",
        "customIconName": "lk_icons_final_01-03",
        "customIconColor": "e35027",
    }
    lanes = template["lanes"]
    assert len(lanes) == 11
    ids = {lane["id"] for lane in lanes}
    for lane in lanes:
        assert re.fullmatch(r"-\d+", lane["id"])
        expected = LANE_KEYS if "parentLaneId" in lane else [k for k in LANE_KEYS if k != "parentLaneId"]
        assert list(lane) == expected
        assert lane["cards"] == []
        assert lane.get("parentLaneId", next(iter(ids))) in ids
    top = [lane["name"] for lane in lanes if "parentLaneId" not in lane]
    assert top == [
        "Not Started - Future Work",
        "Doing Now",
        "Under Review",
        "Recently Finished",
        "Finished - Ready to Archive",
    ]
    drop = [lane for lane in lanes if lane["isDefaultDropLane"]]
    assert [lane["name"] for lane in drop] == ["New Requests"]

    # A template made from a blank board is exactly the Default Template.
    made = await make_template(s.admin, s.board.id, "Blank")
    assert (await s.admin.get(f"/io/template/{made}")).json()["template"] == template


async def test_a_template_from_a_board_is_listed_read_and_deleted(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    await customise(s)
    template_id = await make_template(s.admin, s.board.id, " Team flow ", templateDescription="Ours")
    assert re.fullmatch(r"\d+", template_id)
    assert int(template_id) >= 1000
    second = await make_template(s.admin, s.board.id, "another")
    listed = (await s.admin.get("/io/template")).json()["categories"]
    assert listed[0] == {
        "id": "1",
        "name": "Our Boards",
        "templates": [
            {"id": second, "name": "another", "description": "", "isEnabled": True, "isGlobal": False},
            {
                "id": template_id,
                "name": "Team flow",
                "description": "Ours",
                "isEnabled": True,
                "isGlobal": False,
            },
        ],
    }
    got = (await s.admin.get(f"/io/template/{template_id}")).json()
    assert (got["id"], got["name"], got["description"]) == (template_id, "Team flow", "Ours")
    assert (got["isDefault"], got["isUserCategory"]) == (False, True)
    template = got["template"]
    assert [t["name"] for t in template["cardTypes"]][-1] == "Spike"
    assert "Documentation" not in [t["name"] for t in template["cardTypes"]]
    assert template["customIcons"][0]["policy"] == "Dates matter"
    assert template["customIcons"][0]["customIconColor"] == "abcdef"
    fields = template["customFields"]
    assert [list(f) for f in fields] == [
        ["id", "index", "type", "label", "helpText", "choiceConfiguration"],
        ["id", "index", "type", "label", "helpText"],
    ]
    assert [(f["index"], f["type"], f["label"], f["helpText"]) for f in fields] == [
        (0, "choice", "Team", ""),
        (1, "number", "Estimate", "days"),
    ]
    assert fields[0]["choiceConfiguration"] == {"choices": ["A", "B"]}
    doing = next(lane for lane in template["lanes"] if lane["name"] == "Doing Now")
    assert (doing["cardLimit"], doing["description"]) == (4, "<p>WIP</p>")

    assert (await s.admin.delete(f"/io/template/{template_id}")).status_code == 204
    assert (await s.admin.get(f"/io/template/{template_id}")).status_code == 404
    assert (await s.admin.delete(f"/io/template/{template_id}")).status_code == 404
    assert [t["id"] for t in (await s.admin.get("/io/template")).json()["categories"][0]["templates"]] == [
        second
    ]


async def test_round_trip_board_to_template_to_board_keeps_the_structure(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    await customise(s)
    template_id = await make_template(s.admin, s.board.id, "Flow")
    created = await s.admin.post("/io/board", json={"title": "From template", "templateId": template_id})
    assert created.status_code in (200, 201)
    new_id = created.json()["id"]
    # The new board's own template equals the source's: same settings, types, icons, lanes and fields.
    again = await make_template(s.admin, int(new_id), "Again")
    first = (await s.admin.get(f"/io/template/{template_id}")).json()["template"]
    assert (await s.admin.get(f"/io/template/{again}")).json()["template"] == first

    board = (await s.admin.get(f"/io/board/{new_id}")).json()
    assert board["title"] == "From template"
    names = {t["id"]: t["name"] for t in board["cardTypes"]}
    assert names[board["defaultCardTypeId"]] == "Other Work"
    assert names[board["defaultTaskTypeId"]] == "Subtask"
    assert [f["label"] for f in board["customFields"]] == ["Team", "Estimate"]
    parents = {lane["id"]: lane for lane in board["lanes"]}
    for lane in board["lanes"]:
        assert lane["parentLaneId"] is None or lane["parentLaneId"] in parents
    source_board = (await s.admin.get(s.base)).json()
    assert {lane["name"] for lane in board["lanes"]} == {lane["name"] for lane in source_board["lanes"]}
    assert not set(parents) & {lane["id"] for lane in source_board["lanes"]}


async def test_a_board_from_the_default_template_is_a_blank_board(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    created = await s.admin.post("/io/board", json={"title": "Blank too", "templateId": "108"})
    assert created.status_code in (200, 201)
    again = await make_template(s.admin, int(created.json()["id"]), "Copy of default")
    default = (await s.admin.get("/io/template/108")).json()["template"]
    assert (await s.admin.get(f"/io/template/{again}")).json()["template"] == default


async def test_a_template_with_cards_carries_them_into_new_boards(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    fields = (
        await s.admin.patch(
            f"{s.base}/customfield",
            json=[{"op": "add", "path": "/", "value": {"label": "Size", "type": "text"}}],
        )
    ).json()["customFields"]
    types = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    icons = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]
    await insert_card(
        lanekit,
        s.board,
        type_id=int(types[1]["id"]),
        custom_icon_id=int(icons[1]["id"]),
        tags=["alpha", "beta"],
        field_values={int(fields[0]["id"]): "XL"},
        title="Copied card",
        size=3,
    )
    without = await make_template(s.admin, s.board.id, "No cards")
    assert all(
        lane["cards"] == []
        for lane in (await s.admin.get(f"/io/template/{without}")).json()["template"]["lanes"]
    )

    with_cards = await make_template(s.admin, s.board.id, "Cards", includeCards=True)
    template = (await s.admin.get(f"/io/template/{with_cards}")).json()["template"]
    holding = [lane for lane in template["lanes"] if lane["cards"]]
    assert [lane["name"] for lane in holding] == ["New Requests"]
    [card] = holding[0]["cards"]
    assert card == {
        "id": card["id"],
        "title": "Copied card",
        "description": None,
        "typeId": template["cardTypes"][1]["id"],
        "customIconId": template["customIcons"][1]["id"],
        "priority": "normal",
        "size": 3,
        "tags": ["alpha", "beta"],
        "customId": None,
        "externalLinks": [],
        "plannedStart": None,
        "plannedFinish": None,
        "isBlocked": False,
        "blockedReason": None,
        "customFields": [{"fieldId": template["customFields"][0]["id"], "value": "XL"}],
    }

    plain = await s.admin.post("/io/board", json={"title": "No cards", "templateId": with_cards})
    plain_lanes = (await s.admin.get(f"/io/board/{plain.json()['id']}")).json()["lanes"]
    assert sum(lane["cardCount"] for lane in plain_lanes) == 0

    full = await s.admin.post(
        "/io/board", json={"title": "Cards", "templateId": with_cards, "includeCards": True}
    )
    new_id = full.json()["id"]
    new_board = (await s.admin.get(f"/io/board/{new_id}")).json()
    counts = {lane["name"]: lane["cardCount"] for lane in new_board["lanes"] if lane["cardCount"]}
    assert counts == {"New Requests": 1}
    # The new board's template with cards matches the first one card for card.
    again = await make_template(s.admin, int(new_id), "Again", includeCards=True)
    assert (await s.admin.get(f"/io/template/{again}")).json()["template"] == template


async def test_bad_requests_and_roles(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"boardId": str(s.board.id), "templateName": "  "}, "templateName: must not be empty"),
        ({"boardId": str(s.board.id)}, "templateName: is required"),
        ({"templateName": "x"}, "boardId: is required"),
        (
            {"boardId": "abc", "templateName": "x"},
            "boardId: Input should be a valid integer, unable to parse string as an integer",
        ),
    ]
    for payload, message in cases:
        response = await s.admin.post("/io/template", json=payload)
        assert response.status_code == 422, payload
        assert response.json()["message"] == message
    # Making a template needs the board administrator role; a board the caller cannot see is not found.
    body = {"boardId": str(s.board.id), "templateName": "x"}
    for client in (s.reader, s.user, s.manager):
        assert (await client.post("/io/template", json=body)).status_code == 403
        assert (await client.get("/io/template")).status_code == 200
        assert (await client.get("/io/template/108")).status_code == 200
    assert (await s.outsider.post("/io/template", json=body)).status_code == 404
    assert (await s.admin.post("/io/template", json={**body, "boardId": "999999999"})).status_code == 404
    assert (await s.admin.get("/io/template/999999999")).status_code == 404
    # Built-in templates cannot be deleted.
    refused = await s.admin.delete("/io/template/108")
    assert refused.status_code == 403
    assert refused.json()["message"] == "built-in templates cannot be deleted"


async def test_templates_belong_to_their_account(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    template_id = await make_template(s.admin, s.board.id, "Private")
    other = await board_setup(lanekit, roles=False)
    assert (await other.admin.get(f"/io/template/{template_id}")).status_code == 404
    assert (await other.admin.delete(f"/io/template/{template_id}")).status_code == 404
    assert (await other.admin.get("/io/template")).json()["categories"][0]["templates"] == []
    created = await other.admin.post("/io/board", json={"title": "Sneaky", "templateId": template_id})
    assert created.status_code == 404
    assert (await s.admin.get(f"/io/template/{template_id}")).status_code == 200


async def test_only_the_creator_or_an_account_administrator_deletes_a_template(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    creator = s.users["boardManager"]
    async with lanekit.db.begin() as conn:
        await grant_role(conn, s.board, creator, "boardAdministrator")
    mine = await make_template(s.manager, s.board.id, "Mine")
    theirs = await make_template(s.admin, s.board.id, "Theirs")
    assert (await s.reader.delete(f"/io/template/{mine}")).status_code == 403
    assert (await s.manager.delete(f"/io/template/{theirs}")).status_code == 403
    assert (await s.manager.delete(f"/io/template/{mine}")).status_code == 204
    assert (await s.admin.delete(f"/io/template/{theirs}")).status_code == 204
