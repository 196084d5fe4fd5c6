"""/io/board/:boardId/customIcon: shapes, colour forms, roles, and deleting an icon cards still show."""

from __future__ import annotations

import re

import pytest

from tests.harness import Lanekit
from tests.http.board_config_helpers import board_setup, board_version, card_events, card_row, insert_card

pytestmark = pytest.mark.anyio

ICON_KEYS = ["id", "name", "policy", "iconPath", "iconColor", "iconName"]
WRITTEN_KEYS = ["id", "name", "iconColor", "policy", "iconName"]


async def test_list_shows_the_default_classes_of_service(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    response = await s.admin.get(f"{s.base}/customIcon")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["customIcons"]
    for icon in body["customIcons"]:
        assert list(icon) == ICON_KEYS
        assert re.fullmatch(r"\d+", icon["id"])
    assert [{k: v for k, v in i.items() if k != "id"} for i in body["customIcons"]] == [
        {
            "name": "Date Dependent",
            "policy": "",
            "iconPath": "/customicons/24/212121/lk_icons_final_01-13.png",
            "iconColor": "212121",
            "iconName": "lk_icons_final_01-13",
        },
        {
            "name": "Expedite",
            "policy": "",
            "iconPath": "/customicons/24/e35027/lk_icons_final_01-03.png",
            "iconColor": "e35027",
            "iconName": "lk_icons_final_01-03",
        },
        {
            "name": "Regulatory",
            "policy": "",
            "iconPath": "/customicons/24/49bbd6/lk_icons_final_05-11.png",
            "iconColor": "49bbd6",
            "iconName": "lk_icons_final_05-11",
        },
        {
            "name": "Standard",
            "policy": "",
            "iconPath": "/customicons/24/212121/blank_icon.png",
            "iconColor": "212121",
            "iconName": "blank_icon",
        },
    ]
    one = await s.admin.get(f"{s.base}/customIcon/{body['customIcons'][1]['id']}")
    assert one.status_code == 200
    assert one.json() == body["customIcons"][1]
    assert (await s.admin.get(f"{s.base}/customIcon/999999999")).status_code == 404


async def test_create_with_only_a_name_takes_the_defaults(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.post(f"{s.base}/customIcon", json={"name": "Fixed Date"})
    assert response.status_code == 201
    body = response.json()
    assert list(body) == WRITTEN_KEYS
    assert body == {
        "id": body["id"],
        "name": "Fixed Date",
        "iconColor": "212121",
        "policy": None,
        "iconName": "blank_icon",
    }
    assert await board_version(lanekit, s.board.id) == before + 1
    listed = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]
    assert listed[-1] == {
        "id": body["id"],
        "name": "Fixed Date",
        "policy": None,
        "iconPath": "/customicons/24/212121/blank_icon.png",
        "iconColor": "212121",
        "iconName": "blank_icon",
    }


@pytest.mark.parametrize("color", ["#A1B2C3", "a1b2c3", " #a1B2c3 "])
async def test_icon_colour_is_accepted_with_or_without_hash_and_stored_without(
    lanekit: Lanekit, color: str
) -> None:
    s = await board_setup(lanekit, roles=False)
    response = await s.admin.post(
        f"{s.base}/customIcon",
        json={
            "name": "Urgent",
            "iconColor": color,
            "policy": "<p>Do now</p>",
            "iconName": "lk_icons_final_01-03",
        },
    )
    assert response.status_code == 201
    assert response.json()["iconColor"] == "a1b2c3"
    assert response.json()["policy"] == "<p>Do now</p>"
    got = (await s.admin.get(f"{s.base}/customIcon/{response.json()['id']}")).json()
    assert got["iconPath"] == "/customicons/24/a1b2c3/lk_icons_final_01-03.png"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"name": "X", "iconColor": "#12345"},
            "iconColor: must be a colour as #RRGGBB or RRGGBB, got '#12345'",
        ),
        ({"name": "X", "iconColor": "blue"}, "iconColor: must be a colour as #RRGGBB or RRGGBB, got 'blue'"),
        (
            {"name": "X", "iconName": "../etc/passwd"},
            "iconName: must be an icon name of letters, digits, '_' or '-'",
        ),
        ({"name": ""}, "name: must not be empty"),
        ({}, "name: is required"),
        ({"name": "X", "policy": 5}, "policy: Input should be a valid string"),
    ],
)
async def test_create_rejects_bad_input_naming_the_field(
    lanekit: Lanekit, payload: dict[str, object], message: str
) -> None:
    s = await board_setup(lanekit, roles=False)
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.post(f"{s.base}/customIcon", json=payload)
    assert response.status_code == 422
    assert response.json()["message"] == message
    assert len((await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]) == 4
    assert await board_version(lanekit, s.board.id) == before


async def test_patch_returns_200_and_changes_only_what_was_sent(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    expedite = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"][1]
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.patch(
        f"{s.base}/customIcon/{expedite['id']}", json={"iconColor": "#00AA00", "policy": "Drop everything"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": expedite["id"],
        "name": "Expedite",
        "iconColor": "00aa00",
        "policy": "Drop everything",
        "iconName": "lk_icons_final_01-03",
    }
    assert await board_version(lanekit, s.board.id) == before + 1
    # Null colour and picture go back to the defaults; a null name is refused.
    reset = await s.admin.patch(
        f"{s.base}/customIcon/{expedite['id']}", json={"iconColor": None, "iconName": None}
    )
    assert reset.status_code == 200
    assert (reset.json()["iconColor"], reset.json()["iconName"]) == ("212121", "blank_icon")
    refused = await s.admin.patch(f"{s.base}/customIcon/{expedite['id']}", json={"name": None})
    assert refused.status_code == 422
    assert refused.json()["message"] == "name: must not be null"
    bad = await s.admin.patch(f"{s.base}/customIcon/{expedite['id']}", json={"iconColor": "#zzzzzz"})
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("iconColor:")
    assert (await s.admin.patch(f"{s.base}/customIcon/999999999", json={"name": "x"})).status_code == 404


async def test_delete_clears_the_icon_from_cards(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    icons = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]
    icon_id = int(icons[0]["id"])
    assert s.board.default_card_type_id is not None
    card_id = await insert_card(
        lanekit, s.board, type_id=s.board.default_card_type_id, custom_icon_id=icon_id
    )
    other_card = await insert_card(
        lanekit, s.board, type_id=s.board.default_card_type_id, custom_icon_id=int(icons[1]["id"])
    )
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.delete(f"{s.base}/customIcon/{icon_id}")
    assert response.status_code == 204
    assert response.content == b""
    card = await card_row(lanekit, card_id)
    assert card["custom_icon_id"] is None
    assert card["version"] == 2
    untouched = await card_row(lanekit, other_card)
    assert (untouched["custom_icon_id"], untouched["version"]) == (int(icons[1]["id"]), 1)
    assert await board_version(lanekit, s.board.id) == before + 1
    assert await card_events(lanekit, card_id) == [
        {
            "type": "cardChanged",
            "boardVersion": before + 1,
            "data": {
                "card": {"id": str(card_id), "title": card["title"]},
                "fields": [{"name": "customIconId", "oldValue": str(icon_id), "newValue": None}],
            },
        }
    ]
    assert await card_events(lanekit, other_card) == []
    assert [i["id"] for i in (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"]] == [
        i["id"] for i in icons[1:]
    ]
    assert (await s.admin.delete(f"{s.base}/customIcon/{icon_id}")).status_code == 404


async def test_roles_readers_read_only_administrators_change(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    icon_id = (await s.admin.get(f"{s.base}/customIcon")).json()["customIcons"][0]["id"]
    for client in (s.reader, s.user, s.manager):
        assert (await client.get(f"{s.base}/customIcon")).status_code == 200
        assert (await client.get(f"{s.base}/customIcon/{icon_id}")).status_code == 200
        assert (await client.post(f"{s.base}/customIcon", json={"name": "N"})).status_code == 403
        assert (await client.patch(f"{s.base}/customIcon/{icon_id}", json={"name": "x"})).status_code == 403
        assert (await client.delete(f"{s.base}/customIcon/{icon_id}")).status_code == 403
    for call in (
        s.outsider.get(f"{s.base}/customIcon"),
        s.outsider.get(f"{s.base}/customIcon/{icon_id}"),
        s.outsider.post(f"{s.base}/customIcon", json={"name": "N"}),
        s.outsider.patch(f"{s.base}/customIcon/{icon_id}", json={"name": "x"}),
        s.outsider.delete(f"{s.base}/customIcon/{icon_id}"),
    ):
        assert (await call).status_code == 404
    stranger = await board_setup(lanekit, roles=False)
    assert (await stranger.admin.get(f"{s.base}/customIcon")).status_code == 404
    # Another board's icon is not found through this board.
    assert (await s.admin.get(f"{stranger.base}/customIcon/{icon_id}")).status_code == 404
    assert (await stranger.admin.get(f"{stranger.base}/customIcon/{icon_id}")).status_code == 404
