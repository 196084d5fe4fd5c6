"""/io/board/:boardId/customfield: the list, the PATCH operation array, its validation and the limit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from lanekit.storage.tables import accounts, card_field_values
from tests.harness import Lanekit
from tests.http.board_config_helpers import board_setup, board_version, card_events, card_row, insert_card

pytestmark = pytest.mark.anyio

FIELD_KEYS = ["id", "index", "type", "label", "helpText", "createdOn", "createdBy"]


def add(label: str, kind: str = "text", **extra: Any) -> dict[str, Any]:
    return {"op": "add", "path": "/", "value": {"label": label, "type": kind, **extra}}


async def test_a_new_board_has_no_fields_and_the_default_limit(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    response = await s.admin.get(f"{s.base}/customfield")
    assert response.status_code == 200
    assert response.json() == {"limit": 8, "customFields": []}


async def test_add_fields_of_every_type_and_read_them_back(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.patch(
        f"{s.base}/customfield",
        json=[
            add("Sample Label", helpText="Sample Text"),
            add("Estimate", "number"),
            add("Due", "date"),
            add("Team", "choice", choiceConfiguration={"choices": ["Red", " Blue "]}),
            add("Areas", "multi", choiceConfiguration={"choices": ["UI", "API"]}),
        ],
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["customFields"]
    fields = body["customFields"]
    for f in fields[:3]:
        assert list(f) == FIELD_KEYS
    for f in fields[3:]:
        assert list(f) == [*FIELD_KEYS, "choiceConfiguration"]
    for f in fields:
        assert re.fullmatch(r"\d+", f["id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f["createdOn"])
        assert f["createdBy"] == str(s.tenant.admin.id)
    assert [(f["index"], f["type"], f["label"], f["helpText"]) for f in fields] == [
        (0, "text", "Sample Label", "Sample Text"),
        (1, "number", "Estimate", ""),
        (2, "date", "Due", ""),
        (3, "choice", "Team", ""),
        (4, "multi", "Areas", ""),
    ]
    assert fields[3]["choiceConfiguration"] == {"choices": ["Red", "Blue"]}
    assert fields[4]["choiceConfiguration"] == {"choices": ["UI", "API"]}
    assert await board_version(lanekit, s.board.id) == before + 1
    listed = await s.admin.get(f"{s.base}/customField")  # the other spelling reaches the same endpoint
    assert listed.status_code == 200
    assert listed.json() == {"limit": 8, "customFields": fields}


async def test_replace_remove_and_reorder_in_one_patch(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    created = (
        await s.admin.patch(f"{s.base}/customfield", json=[add("A"), add("B"), add("C", "choice")])
    ).json()["customFields"]
    a, b, c = (f["id"] for f in created)
    response = await s.admin.patch(
        f"{s.base}/customfield",
        json=[
            {"op": "replace", "path": f"/{a}", "value": {"label": "Alpha", "helpText": "first", "index": 2}},
            {"op": "remove", "path": f"/{b}"},
            {
                "op": "replace",
                "path": f"/{c}",
                "value": {"choiceConfiguration": {"choices": ["x"]}, "type": "choice"},
            },
            add("D", index=0),
        ],
    )
    assert response.status_code == 200
    fields = response.json()["customFields"]
    assert [(f["index"], f["label"]) for f in fields] == [(0, "D"), (1, "C"), (2, "Alpha")]
    assert fields[1]["id"] == c and fields[1]["choiceConfiguration"] == {"choices": ["x"]}
    assert fields[2]["id"] == a and fields[2]["helpText"] == "first"
    # createdOn/createdBy of kept fields do not change.
    assert fields[2]["createdOn"] == created[0]["createdOn"]


async def test_removing_a_field_removes_its_values_and_touches_the_cards(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    fields = (await s.admin.patch(f"{s.base}/customfield", json=[add("A"), add("B")])).json()["customFields"]
    a, b = int(fields[0]["id"]), int(fields[1]["id"])
    assert s.board.default_card_type_id is not None
    card_id = await insert_card(
        lanekit, s.board, type_id=s.board.default_card_type_id, field_values={a: "one", b: "two"}
    )
    assert (
        await s.admin.patch(f"{s.base}/customfield", json=[{"op": "remove", "path": f"/{a}"}])
    ).status_code == 200
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                select(card_field_values.c.field_id, card_field_values.c.value).where(
                    card_field_values.c.card_id == card_id
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [(b, "two")]
    card = await card_row(lanekit, card_id)
    assert card["version"] == 2
    assert [
        (e["type"], e["boardVersion"], e["data"]["fields"]) for e in await card_events(lanekit, card_id)
    ] == [
        (
            "cardChanged",
            await board_version(lanekit, s.board.id),
            [{"name": "customFields", "oldValue": None, "newValue": None}],
        )
    ]
    assert (
        await s.admin.patch(f"{s.base}/customfield", json=[{"op": "remove", "path": f"/{b}"}])
    ).status_code == 200
    assert (await card_row(lanekit, card_id))["version"] == 3
    # Removing a field no card uses touches no card.
    other = await insert_card(lanekit, s.board, type_id=s.board.default_card_type_id)
    added = (await s.admin.patch(f"{s.base}/customfield", json=[add("C")])).json()["customFields"]
    assert (
        await s.admin.patch(f"{s.base}/customfield", json=[{"op": "remove", "path": f"/{added[0]['id']}"}])
    ).status_code == 200
    assert (await card_row(lanekit, other))["version"] == 1
    assert await card_events(lanekit, other) == []


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([add("X", "url")], "0/value/type: must be one of text, number, date, choice, multi"),
        ([add("X"), add("Y", "checkbox")], "1/value/type: must be one of text, number, date, choice, multi"),
        ([{"op": "move", "path": "/", "value": {}}], "0/op: must be one of add, replace, remove"),
        (
            [{"op": "add", "path": "/5", "value": {"label": "X", "type": "text"}}],
            '0/path: must be "/" for add',
        ),
        ([{"op": "add", "path": "/", "value": {"type": "text"}}], "0/value/label: is required"),
        ([{"op": "add", "path": "/", "value": {"label": "X"}}], "0/value/type: is required"),
        ([add("  ")], "0/value/label: must not be empty"),
        ([add("X"), add("x")], "1/value/label: a custom field labelled 'x' already exists on this board"),
        ([add("X", helptext="typo")], "0/value/helptext: is not a custom field property that can be set"),
        ([add("X", index=-1)], "0/value/index: must be an integer of 0 or more"),
        (
            [add("X", choiceConfiguration={"choices": ["a"]})],
            "0/value/choiceConfiguration: only choice and multi fields have choices",
        ),
        (
            [add("X", "choice", choiceConfiguration={"choices": ["a", "A"]})],
            "0/value/choiceConfiguration/choices/1: 'A' is listed twice",
        ),
        (
            [add("X", "choice", choiceConfiguration={"choices": "a"})],
            "0/value/choiceConfiguration/choices: must be an array of strings",
        ),
        ([{"op": "remove", "path": "/999999999"}], "0/path: no custom field 999999999 on this board"),
        ([{"op": "replace", "path": "abc", "value": {}}], '0/path: must be "/<fieldId>"'),
        ([], "body: must hold at least one operation"),
        ([{"path": "/"}], "0/op: is required"),
    ],
)
async def test_bad_operations_are_refused_naming_the_operation_and_nothing_changes(
    lanekit: Lanekit, ops: list[dict[str, Any]], message: str
) -> None:
    s = await board_setup(lanekit, roles=False)
    existing = (await s.admin.patch(f"{s.base}/customfield", json=[add("Kept")])).json()["customFields"]
    before = await board_version(lanekit, s.board.id)
    response = await s.admin.patch(f"{s.base}/customfield", json=ops)
    assert response.status_code == 422
    assert response.json()["message"] == message
    assert (await s.admin.get(f"{s.base}/customfield")).json()["customFields"] == existing
    assert await board_version(lanekit, s.board.id) == before


async def test_all_operations_apply_or_none(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    kept = (await s.admin.patch(f"{s.base}/customfield", json=[add("Kept")])).json()["customFields"]
    response = await s.admin.patch(
        f"{s.base}/customfield",
        json=[
            add("New"),
            {"op": "remove", "path": f"/{kept[0]['id']}"},
            {"op": "replace", "path": f"/{kept[0]['id']}", "value": {"label": "gone"}},
        ],
    )
    assert response.status_code == 422
    assert response.json()["message"] == f"2/path: no custom field {kept[0]['id']} on this board"
    assert (await s.admin.get(f"{s.base}/customfield")).json()["customFields"] == kept


async def test_the_type_of_a_field_cannot_change(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    field = (await s.admin.patch(f"{s.base}/customfield", json=[add("Size", "number")])).json()[
        "customFields"
    ][0]
    response = await s.admin.patch(
        f"{s.base}/customfield",
        json=[{"op": "replace", "path": f"/{field['id']}", "value": {"type": "text"}}],
    )
    assert response.status_code == 422
    assert response.json()["message"] == "0/value/type: the type of a custom field cannot change"


async def test_the_field_limit(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit, roles=False)
    eight = [add(f"F{n}") for n in range(8)]
    assert (await s.admin.patch(f"{s.base}/customfield", json=eight)).status_code == 200
    over = await s.admin.patch(f"{s.base}/customfield", json=[add("Ninth")])
    assert over.status_code == 422
    assert over.json()["message"] == "0/value: the board may have at most 8 custom fields"
    # Removing one first makes room, within the same PATCH.
    first = (await s.admin.get(f"{s.base}/customfield")).json()["customFields"][0]["id"]
    swap = await s.admin.patch(
        f"{s.base}/customfield", json=[add("Ninth"), {"op": "remove", "path": f"/{first}"}]
    )
    assert swap.status_code == 200
    assert len(swap.json()["customFields"]) == 8

    # The account's own limit wins over the default.
    async with lanekit.db.begin() as conn:
        await conn.execute(
            update(accounts)
            .where(accounts.c.id == s.tenant.account.id)
            .values(settings={"customCardFieldCountLimit": 10})
        )
    assert (await s.admin.get(f"{s.base}/customfield")).json()["limit"] == 10
    more = await s.admin.patch(f"{s.base}/customfield", json=[add("X1"), add("X2"), add("X3")])
    assert more.status_code == 422
    assert more.json()["message"] == "2/value: the board may have at most 10 custom fields"


async def test_roles_readers_read_only_administrators_change(lanekit: Lanekit) -> None:
    s = await board_setup(lanekit)
    for client in (s.reader, s.user, s.manager):
        assert (await client.get(f"{s.base}/customfield")).status_code == 200
        assert (await client.patch(f"{s.base}/customfield", json=[add("X")])).status_code == 403
    assert (await s.outsider.get(f"{s.base}/customfield")).status_code == 404
    assert (await s.outsider.patch(f"{s.base}/customfield", json=[add("X")])).status_code == 404
    stranger = await board_setup(lanekit, roles=False)
    assert (await stranger.admin.get(f"{s.base}/customfield")).status_code == 404
    assert (await stranger.admin.patch(f"{s.base}/customfield", json=[add("X")])).status_code == 404
    assert (await s.admin.get(f"{s.base}/customfield")).json()["customFields"] == []
