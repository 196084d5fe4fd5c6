"""/io/board/:boardId/cardType: shapes, validation, roles, and deleting a type cards still use."""

from __future__ import annotations

import re

import pytest

from tests.factories.boards import grant_role, make_board
from tests.harness import Lanekit
from tests.http.board_config_helpers import board_setup, board_version, card_events, card_row, insert_card

pytestmark = pytest.mark.anyio

DEFAULT_TYPES = [
    ("Other Work", "#FFFFFF", True, False),
    ("Defect", "#F1C7C5", True, False),
    ("Documentation", "#D0CCE0", True, False),
    ("Improvement", "#BFDFC2", True, False),
    ("New Feature", "#B8CFDF", True, False),
    ("Risk / Issue", "#FAD7B2", True, False),
    ("Subtask", "#FFF8DF", False, True),
]


async def test_list_shows_the_default_types_with_the_board_defaults_flagged(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    response = await s.admin.get(f"{s.base}/cardType")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["cardTypes"]
    types = body["cardTypes"]
    assert [(t["name"], t["colorHex"], t["isCardType"], t["isTaskType"]) for t in types] == DEFAULT_TYPES
    for t in types:
        assert list(t) == [
            "id",
            "name",
            "colorHex",
            "isDefault",
            "isCardType",
            "isTaskType",
            "isDefaultTaskType",
        ]
        assert re.fullmatch(r"\d+", t["id"])
    assert [t["id"] for t in types if t["isDefault"]] == [str(s.board.default_card_type_id)]
    assert [t["id"] for t in types if t["isDefaultTaskType"]] == [str(s.board.default_task_type_id)]
    assert types[0]["isDefault"] and types[-1]["isDefaultTaskType"]


async def test_get_one_and_unknown_ids(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    listed = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    one = await s.admin.get(f"{s.base}/cardType/{listed[1]['id']}")
    assert one.status_code == 200
    assert one.json() == listed[1]
    missing = await s.admin.get(f"{s.base}/cardType/999999999")
    assert missing.status_code == 404
    assert missing.json()["statusCode"] == 404

    # A card type of another board is not found through this board.
    other = await board_setup(lanekit, roles=False)
    foreign = (await other.admin.get(f"{other.base}/cardType")).json()["cardTypes"][0]["id"]
    async with lanekit.db.begin() as conn:
        second = await make_board(conn, s.tenant.account, creator=s.tenant.admin)
    assert (await s.admin.get(f"/io/board/{second.id}/cardType/{listed[0]['id']}")).status_code == 404
    assert (await s.admin.get(f"{s.base}/cardType/{foreign}")).status_code == 404


async def test_create_returns_201_with_the_written_shape_and_bumps_the_version(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.post(
        f"{s.base}/cardType", json={"name": " Spike ", "colorHex": "#a1b2c3", "isCardType": True}
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Spike",
        "colorHex": "#A1B2C3",
        "isCardType": True,
        "isTaskType": False,
        "isDefaultTaskType": False,
    }
    assert list(body) == ["id", "name", "colorHex", "isCardType", "isTaskType", "isDefaultTaskType"]
    assert await board_version(lanekit, s.board.id) == before + 1
    listed = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    assert listed[-1] == {**body, "isDefault": False} | {"isDefaultTaskType": False}
    assert len(listed) == len(DEFAULT_TYPES) + 1

    minimal = await s.admin.post(f"{s.base}/cardType", json={"name": "Plain", "colorHex": "#000000"})
    assert minimal.status_code == 201
    assert (minimal.json()["isCardType"], minimal.json()["isTaskType"]) == (False, False)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": "X", "colorHex": "red"}, "colorHex: must be a colour as #RRGGBB, got 'red'"),
        ({"name": "X", "colorHex": "#12345"}, "colorHex: must be a colour as #RRGGBB, got '#12345'"),
        ({"name": "X", "colorHex": "123456"}, "colorHex: must be a colour as #RRGGBB, got '123456'"),
        ({"name": "X", "colorHex": "#GGGGGG"}, "colorHex: must be a colour as #RRGGBB, got '#GGGGGG'"),
        ({"name": "  ", "colorHex": "#123456"}, "name: must not be empty"),
        ({"colorHex": "#123456"}, "name: is required"),
        ({"name": "X"}, "colorHex: is required"),
        (
            {"name": "X", "colorHex": "#123456", "isCardType": "yes"},
            "isCardType: Input should be a valid boolean",
        ),
    ],
)
async def test_create_rejects_bad_input_naming_the_field(
    lanekit: Lanekit, payload: dict[str, object], message: str
) -> None:
    s = await board_setup(lanekit, roles=False)
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.post(f"{s.base}/cardType", json=payload)
    assert response.status_code == 422
    assert response.json()["message"] == message
    assert len((await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]) == len(DEFAULT_TYPES)
    assert await board_version(lanekit, s.board.id) == before


async def test_patch_changes_only_what_was_sent(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    defect = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"][1]
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.patch(
        f"{s.base}/cardType/{defect['id']}", json={"colorHex": "#00ff00", "isTaskType": True}
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": defect["id"],
        "name": "Defect",
        "colorHex": "#00FF00",
        "isCardType": True,
        "isTaskType": True,
        "isDefaultTaskType": False,
    }
    assert await board_version(lanekit, s.board.id) == before + 1
    again = await s.admin.get(f"{s.base}/cardType/{defect['id']}")
    assert again.json()["colorHex"] == "#00FF00" and again.json()["isTaskType"] is True

    renamed = await s.admin.patch(f"{s.base}/cardType/{defect['id']}", json={"name": "Bug"})
    assert renamed.json()["name"] == "Bug" and renamed.json()["colorHex"] == "#00FF00"


async def test_patch_validation_and_default_type_protection(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    types = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    default, subtask = types[0], types[-1]
    before = await board_version(lanekit, s.board.id)
    cases = [
        (default["id"], {"colorHex": "#FFF"}, "colorHex: must be a colour as #RRGGBB, got '#FFF'"),
        (default["id"], {"name": None}, "name: must not be null"),
        (
            default["id"],
            {"isCardType": False},
            "isCardType: this is the board's default card type; choose another default first",
        ),
        (
            subtask["id"],
            {"isTaskType": False},
            "isTaskType: this is the board's default task type; choose another default first",
        ),
    ]
    for type_id, payload, message in cases:
        response = await s.admin.patch(f"{s.base}/cardType/{type_id}", json=payload)
        assert response.status_code == 422, payload
        assert response.json()["message"] == message
    assert (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"] == types
    assert await board_version(lanekit, s.board.id) == before
    assert (await s.admin.patch(f"{s.base}/cardType/999999999", json={"name": "x"})).status_code == 404


async def test_delete_moves_cards_to_the_default_card_type(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    types = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    defect = int(types[1]["id"])
    card_id = await insert_card(lanekit, s.board, type_id=defect)
    before = await board_version(lanekit, s.board.id)

    response = await s.admin.delete(f"{s.base}/cardType/{defect}")
    assert response.status_code == 204
    assert response.content == b""
    card = await card_row(lanekit, card_id)
    assert card["type_id"] == s.board.default_card_type_id
    assert card["version"] == 2
    assert card["updated_by"] == s.tenant.admin.id
    assert await board_version(lanekit, s.board.id) == before + 1
    assert await card_events(lanekit, card_id) == [
        {
            "type": "cardChanged",
            "boardVersion": before + 1,
            "data": {
                "card": {"id": str(card_id), "title": card["title"]},
                "fields": [
                    {"name": "typeId", "oldValue": str(defect), "newValue": str(s.board.default_card_type_id)}
                ],
            },
        }
    ]
    remaining = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]
    assert [t["name"] for t in remaining] == [t[0] for t in DEFAULT_TYPES if t[0] != "Defect"]
    assert (await s.admin.get(f"{s.base}/cardType/{defect}")).status_code == 404
    assert (await s.admin.delete(f"{s.base}/cardType/{defect}")).status_code == 404


async def test_delete_of_a_task_only_type_moves_its_cards_to_the_default_task_type(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    created = await s.admin.post(
        f"{s.base}/cardType", json={"name": "Chore", "colorHex": "#101010", "isTaskType": True}
    )
    chore = int(created.json()["id"])
    card_id = await insert_card(lanekit, s.board, type_id=chore)
    assert (await s.admin.delete(f"{s.base}/cardType/{chore}")).status_code == 204
    assert (await card_row(lanekit, card_id))["type_id"] == s.board.default_task_type_id


async def test_the_board_defaults_cannot_be_deleted(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    before = await board_version(lanekit, s.board.id)
    for type_id, what in ((s.board.default_card_type_id, "card"), (s.board.default_task_type_id, "task")):
        response = await s.admin.delete(f"{s.base}/cardType/{type_id}")
        assert response.status_code == 422
        assert response.json()["message"] == (
            f"cardTypeId: this is the board's default {what} type; choose another default first"
        )
    assert len((await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"]) == len(DEFAULT_TYPES)
    assert await board_version(lanekit, s.board.id) == before


async def test_roles_readers_read_only_administrators_change(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    type_id = (await s.admin.get(f"{s.base}/cardType")).json()["cardTypes"][1]["id"]
    new = {"name": "N", "colorHex": "#123456"}
    for client in (s.reader, s.user, s.manager):
        assert (await client.get(f"{s.base}/cardType")).status_code == 200
        assert (await client.get(f"{s.base}/cardType/{type_id}")).status_code == 200
        assert (await client.post(f"{s.base}/cardType", json=new)).status_code == 403
        assert (await client.patch(f"{s.base}/cardType/{type_id}", json={"name": "x"})).status_code == 403
        assert (await client.delete(f"{s.base}/cardType/{type_id}")).status_code == 403
    for call in (
        s.outsider.get(f"{s.base}/cardType"),
        s.outsider.get(f"{s.base}/cardType/{type_id}"),
        s.outsider.post(f"{s.base}/cardType", json=new),
        s.outsider.patch(f"{s.base}/cardType/{type_id}", json={"name": "x"}),
        s.outsider.delete(f"{s.base}/cardType/{type_id}"),
    ):
        assert (await call).status_code == 404
    # An administrator of another account does not see the board either.
    stranger = await board_setup(lanekit, roles=False)
    assert (await stranger.admin.get(f"{s.base}/cardType")).status_code == 404
    assert (await stranger.admin.post(f"{s.base}/cardType", json=new)).status_code == 404
    # A board administrator who is not an account administrator may change types.
    async with lanekit.db.begin() as conn:
        await grant_role(conn, s.board, s.users["boardManager"], "boardAdministrator")
    assert (await s.manager.post(f"{s.base}/cardType", json=new)).status_code == 201
