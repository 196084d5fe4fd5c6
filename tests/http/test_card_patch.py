"""PATCH /io/card/:cardId (JSON Patch) and PATCH /io/card/bulk."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lanekit.domain.cards import patch as card_patch
from lanekit.domain.errors import Invalid, VersionMismatch
from lanekit.storage.tables import card_tags, cards, events
from tests.factories.boards import actor_of, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio


class Kit:
    def __init__(self, lanekit: Lanekit, tenant: Tenant, board: Any, lanes: dict[str, Any]) -> None:
        self.lanekit, self.tenant, self.board, self.lanes = lanekit, tenant, board, lanes
        self.admin = lanekit.as_admin(tenant)

    async def card(self, **overrides: Any) -> str:
        async with self.lanekit.db.begin() as conn:
            made = await make_card(conn, self.board, by=self.tenant.admin, **overrides)
        return str(made.id)

    async def patch(self, card_id: str, ops: Any, **kw: Any) -> httpx.Response:
        return await self.admin.patch(f"/io/card/{card_id}", json=ops, **kw)

    async def get(self, card_id: str) -> dict[str, Any]:
        response = await self.admin.get(f"/io/card/{card_id}")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def kit(lanekit: Lanekit) -> Kit:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
    return Kit(lanekit, tenant, board, lanes)


@pytest.mark.parametrize(
    ("op", "path", "value", "key", "expected"),
    [
        ("replace", "/title", "New title", "title", "New title"),
        ("add", "/title", "Added title", "title", "Added title"),
        ("replace", "/description", "<p>d</p>", "description", "<p>d</p>"),
        ("remove", "/description", None, "description", None),
        ("replace", "/size", 5, "size", 5),
        ("replace", "/size", "3", "size", 3),
        ("remove", "/size", None, "size", 0),
        ("replace", "/priority", "critical", "priority", "critical"),
        ("replace", "/plannedStart", "2024-01-01", "plannedStart", "2024-01-01"),
        ("replace", "/plannedFinish", "2024-12-31", "plannedFinish", "2024-12-31"),
        ("remove", "/plannedStart", None, "plannedStart", None),
        (
            "replace",
            "/customId",
            "The header",
            "customId",
            {"value": "The header", "prefix": None, "url": None},
        ),
        (
            "add",
            "/externalLink",
            {"label": "Link label", "url": "https://www.leankit.com"},
            "externalLinks",
            [{"label": "Link label", "url": "https://www.leankit.com"}],
        ),
        ("remove", "/externalLink", None, "externalLinks", []),
        ("replace", "/tags", ["x", "y"], "tags", ["x", "y"]),
        ("add", "/tags/-", "end tag", "tags", ["one", "two", "end tag"]),
        ("add", "/tags/0", "first", "tags", ["first", "one", "two"]),
        ("replace", "/tags/1", "edit tag", "tags", ["one", "edit tag"]),
        ("remove", "/tags/0", None, "tags", ["two"]),
        ("remove", "/tags", "two", "tags", ["one"]),
        ("remove", "/tags", None, "tags", []),
    ],
)
async def test_single_op(kit: Kit, op: str, path: str, value: Any, key: str, expected: Any) -> None:
    card_id = await kit.card(tags=["one", "two"], description="<p>x</p>", planned_start="2020-01-01")
    body: dict[str, Any] = {"op": op, "path": path}
    if value is not None or op != "remove":
        body["value"] = value
    response = await kit.patch(card_id, [body])
    assert response.status_code == 200, response.text
    card = response.json()
    assert card[key] == expected
    assert card["version"] == "2"
    assert card == {**(await kit.get(card_id))}
    if key == "tags":
        async with kit.lanekit.db.read() as conn:
            rows = (await conn.execute(card_tags.select().where(card_tags.c.card_id == int(card_id)))).all()
        assert sorted(r.tag for r in rows) == sorted(expected)


async def test_single_op_object_is_wrapped(kit: Kit) -> None:
    card_id = await kit.card()
    response = await kit.patch(card_id, {"op": "replace", "path": "/title", "value": "solo"})
    assert response.status_code == 200
    assert response.json()["title"] == "solo"


async def test_block_and_unblock_record_events(kit: Kit) -> None:
    card_id = await kit.card()
    blocked = await kit.patch(
        card_id,
        [
            {"op": "replace", "path": "/blockReason", "value": "why"},
            {"op": "replace", "path": "/isBlocked", "value": True},
        ],
    )
    assert blocked.status_code == 200
    status = blocked.json()["blockedStatus"]
    assert status["isBlocked"] is True and status["reason"] == "why" and status["date"]
    unblocked = await kit.patch(card_id, [{"op": "replace", "path": "/isBlocked", "value": False}])
    assert unblocked.json()["blockedStatus"] == {
        "isBlocked": False,
        "reason": None,
        "date": unblocked.json()["blockedStatus"]["date"],
    }
    activity = (await kit.admin.get(f"/io/card/{card_id}/activity")).json()["events"]
    assert [e["type"] for e in activity] == ["cardUnblocked", "cardBlocked", "cardCreated"]
    assert activity[1]["data"] == {
        "card": {"id": card_id, "title": activity[1]["data"]["card"]["title"]},
        "comment": "why",
    }


async def test_lane_and_index_move_the_card(kit: Kit) -> None:
    doing = str(kit.lanes["Doing Now"].id)
    a = await kit.card(lane_id=int(doing))
    b = await kit.card(lane_id=int(doing))
    c = await kit.card()
    moved = await kit.patch(
        c,
        [
            {"op": "replace", "path": "/laneId", "value": doing},
            {"op": "replace", "path": "/index", "value": 0},
        ],
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["lane"]["id"] == doing and body["index"] == 0
    assert body["movedBy"]["id"] == str(kit.tenant.admin.id) and body["movedOn"]
    assert body["actualStart"] is not None
    assert [(await kit.get(x))["index"] for x in (c, a, b)] == [0, 1, 2]
    reordered = await kit.patch(c, [{"op": "replace", "path": "/index", "value": 5}])
    assert reordered.json()["index"] == 2
    assert [(await kit.get(x))["index"] for x in (a, b, c)] == [0, 1, 2]
    types = [e["type"] for e in (await kit.admin.get(f"/io/card/{c}/activity")).json()["events"]]
    assert types == ["cardMoved", "cardMoved", "cardCreated"]


async def test_type_icon_assignees_and_custom_fields(kit: Kit) -> None:
    user = await kit.lanekit.user(kit.tenant)
    other = await kit.lanekit.user(kit.tenant)
    types = (await kit.admin.get(f"/io/board/{kit.board.id}/cardType")).json()["cardTypes"]
    icons = (await kit.admin.get(f"/io/board/{kit.board.id}/customIcon")).json()["customIcons"]
    fields = (
        await kit.admin.patch(
            f"/io/board/{kit.board.id}/customfield",
            json=[
                {"op": "add", "path": "/", "value": {"label": "Note", "type": "text", "helpText": ""}},
                {"op": "add", "path": "/", "value": {"label": "Due", "type": "date", "helpText": ""}},
            ],
        )
    ).json()["customFields"]
    card_id = await kit.card()
    response = await kit.patch(
        card_id,
        [
            {"op": "replace", "path": "/typeId", "value": types[-2]["id"]},
            {"op": "replace", "path": "/customIconId", "value": icons[0]["id"]},
            {"op": "add", "path": "/assignedUserIds/0", "value": str(user.id)},
            {"op": "add", "path": "/assignedUserIds/-", "value": str(other.id)},
            {"op": "add", "path": "/customFields/0", "value": {"fieldId": fields[0]["id"], "value": "hello"}},
            {
                "op": "add",
                "path": "/customFields/7",
                "value": {"fieldId": fields[1]["id"], "value": "2024-02-03"},
            },
        ],
    )
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["type"]["id"] == types[-2]["id"]
    assert card["customIcon"]["id"] == icons[0]["id"]
    assert [u["id"] for u in card["assignedUsers"]] == [str(user.id), str(other.id)]
    assert card["customFields"] == [
        {"fieldId": fields[0]["id"], "type": "text", "label": "Note", "value": "hello"},
        {"fieldId": fields[1]["id"], "type": "date", "label": "Due", "value": "2024-02-03"},
    ]
    again = await kit.patch(
        card_id,
        [
            {"op": "remove", "path": "/assignedUserIds/0", "value": str(other.id)},
            {"op": "remove", "path": "/customFields/0"},
            {"op": "remove", "path": "/customIconId"},
        ],
    )
    assert again.status_code == 200, again.text
    card = again.json()
    assert [u["id"] for u in card["assignedUsers"]] == [str(user.id)]
    assert [f["fieldId"] for f in card["customFields"]] == [fields[1]["id"]]
    assert card["customIcon"] is None
    kinds = [e["type"] for e in (await kit.admin.get(f"/io/card/{card_id}/activity")).json()["events"]]
    assert kinds.count("userAssigned") == 2 and kinds.count("userUnassigned") == 1


@pytest.mark.parametrize(
    ("ops", "pointer"),
    [
        ([{"op": "copy", "path": "/title", "value": "x"}], "#/0/op"),
        (
            [
                {"op": "replace", "path": "/title", "value": "ok"},
                {"op": "replace", "path": "/nope", "value": 1},
            ],
            "#/1/path",
        ),
        ([{"op": "replace", "path": "/title", "value": 5}], "#/0/value"),
        ([{"op": "replace", "path": "/title"}], "#/0/value"),
        ([{"op": "remove", "path": "/title"}], "#/0/op"),
        ([{"op": "replace", "path": "/priority", "value": "urgent"}], "#/0/value"),
        ([{"op": "replace", "path": "/size", "value": "big"}], "#/0/value"),
        ([{"op": "replace", "path": "/plannedStart", "value": "tomorrow"}], "#/0/value"),
        ([{"op": "replace", "path": "/index", "value": -2}], "#/0/value"),
        ([{"op": "replace", "path": "/laneId", "value": "999999999"}], "#/0/value"),
        ([{"op": "replace", "path": "/typeId", "value": "999999999"}], "#/0/value"),
        ([{"op": "replace", "path": "/customIconId", "value": "999999999"}], "#/0/value"),
        ([{"op": "add", "path": "/assignedUserIds/-", "value": "999999999"}], "#/0/value"),
        (
            [{"op": "add", "path": "/customFields/0", "value": {"fieldId": "999999999", "value": "x"}}],
            "#/0/value/fieldId",
        ),
        ([{"op": "replace", "path": "/tags/9", "value": "x"}], "#/0/path"),
        ([{"op": "replace", "path": "/version", "value": "9"}], "#/0/op"),
        ([{"op": "replace", "path": "/title/extra", "value": "x"}], "#/0/path"),
        (["not an op"], "#/0"),
    ],
)
async def test_bad_ops_are_422_naming_the_op_and_change_nothing(
    kit: Kit, ops: list[Any], pointer: str
) -> None:
    card_id = await kit.card(title="Original", tags=["keep"])
    before = await kit.get(card_id)
    response = await kit.patch(card_id, [{"op": "replace", "path": "/description", "value": "changed"}, *ops])
    assert response.status_code == 422, response.text
    shifted = pointer.replace("#/", "#/", 1)
    index = int(shifted.split("/")[1]) + 1
    expected = "#/" + str(index) + shifted[len("#/") + len(shifted.split("/")[1]) :]
    assert response.json()["message"].startswith(f"{expected}:"), response.json()
    assert await kit.get(card_id) == before


async def test_lane_on_another_board_is_refused(kit: Kit) -> None:
    async with kit.lanekit.db.begin() as conn:
        other = await make_board(conn, kit.tenant.account, creator=kit.tenant.admin)
        other_lanes = await board_lanes(conn, other)
    card_id = await kit.card()
    response = await kit.patch(
        card_id, [{"op": "replace", "path": "/laneId", "value": str(other_lanes["Doing Now"].id)}]
    )
    assert response.status_code == 422
    assert "not a lane of this board" in response.json()["message"]


async def test_version_header_and_test_op(kit: Kit) -> None:
    card_id = await kit.card()
    ok = await kit.patch(
        card_id, [{"op": "replace", "path": "/title", "value": "a"}], headers={"x-lk-resource-version": "1"}
    )
    assert ok.status_code == 200 and ok.json()["version"] == "2"
    stale = await kit.patch(
        card_id, [{"op": "replace", "path": "/title", "value": "b"}], headers={"x-lk-resource-version": "1"}
    )
    assert stale.status_code == 428
    assert stale.json() == {
        "statusCode": 428,
        "error": "Precondition Required",
        "message": "Optimistic concurrency check failed: expected version 1, the card is at 2",
    }
    tested = await kit.patch(
        card_id,
        [{"op": "replace", "path": "/title", "value": "c"}, {"op": "test", "path": "/version", "value": "1"}],
    )
    assert tested.status_code == 428
    assert (await kit.get(card_id))["title"] == "a"
    good = await kit.patch(
        card_id,
        [{"op": "test", "path": "/version", "value": "2"}, {"op": "replace", "path": "/title", "value": "d"}],
    )
    assert good.status_code == 200 and good.json()["title"] == "d" and good.json()["version"] == "3"


async def test_docs_example_applies(kit: Kit) -> None:
    user = await kit.lanekit.user(kit.tenant)
    types = (await kit.admin.get(f"/io/board/{kit.board.id}/cardType")).json()["cardTypes"]
    icons = (await kit.admin.get(f"/io/board/{kit.board.id}/customIcon")).json()["customIcons"]
    card_id = await kit.card(tags=["zero"])
    ops = [
        {"op": "replace", "path": "/title", "value": "Title here"},
        {"op": "replace", "path": "/typeId", "value": types[1]["id"]},
        {"op": "add", "path": "/assignedUserIds/0", "value": str(user.id)},
        {"op": "add", "path": "/blockReason", "value": "This card is blocked"},
        {"op": "replace", "path": "/customIconId", "value": icons[2]["id"]},
        {"op": "replace", "path": "/customId", "value": "The header"},
        {"op": "replace", "path": "/description", "value": "The description"},
        {
            "op": "add",
            "path": "/externalLink",
            "value": {"label": "Link label", "url": "https://www.leankit.com"},
        },
        {"op": "replace", "path": "/index", "value": 0},
        {"op": "replace", "path": "/isBlocked", "value": True},
        {"op": "replace", "path": "/laneId", "value": str(kit.lanes["Under Review"].id)},
        {"op": "replace", "path": "/plannedStart", "value": "2024-01-01"},
        {"op": "replace", "path": "/plannedFinish", "value": "2024-12-31"},
        {"op": "remove", "path": "/mirrorSourceCardId", "value": "945265884"},
        {"op": "replace", "path": "/size", "value": 5},
        {"op": "remove", "path": "/tags/0"},
        {"op": "replace", "path": "/wipOverrideComment", "value": "Override wip"},
        {"op": "test", "path": "/version", "value": "1"},
    ]
    response = await kit.patch(card_id, ops)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["title"] == "Title here" and card["lane"]["title"] == "Under Review" and card["index"] == 0
    assert card["blockedStatus"]["isBlocked"] is True and card["tags"] == [] and card["size"] == 5
    assert card["version"] == "2"
    async with kit.lanekit.db.read() as conn:
        kinds = [
            r.type
            for r in (
                await conn.execute(
                    events.select().where(events.c.card_id == int(card_id)).order_by(events.c.id)
                )
            ).all()
        ]
    assert kinds == ["cardCreated", "cardChanged", "cardBlocked", "cardMoved", "userAssigned"]


async def test_bulk_update(kit: Kit) -> None:
    a, b = await kit.card(), await kit.card()
    response = await kit.admin.patch(
        "/io/card/bulk",
        json={
            "cardIds": [a, b],
            "updates": [
                {"op": "replace", "path": "/title", "value": "Desert"},
                {"op": "replace", "path": "/description", "value": "Cactus"},
            ],
        },
    )
    assert response.status_code == 202
    for card_id in (a, b):
        card = await kit.get(card_id)
        assert (card["title"], card["description"], card["version"]) == ("Desert", "Cactus", "2")
    refused = await kit.admin.patch(
        "/io/card/bulk",
        json={"cardIds": [a, "999999999"], "updates": [{"op": "replace", "path": "/title", "value": "Nope"}]},
    )
    assert refused.status_code == 404
    assert (await kit.get(a))["title"] == "Desert"
    mirror = await kit.admin.patch(
        "/io/card/bulk", json={"cardIds": [a], "updates": [{"op": "remove", "path": "/mirrorSourceCardId"}]}
    )
    assert mirror.status_code == 422
    async with kit.lanekit.db.read() as conn:
        rows = (await conn.execute(cards.select().where(cards.c.id == int(a)))).all()
    assert rows[0].version == 2


async def test_update_card_takes_typed_changes_without_a_patch_document(kit: Kit) -> None:
    # The web UI's path: no JSON Patch, only the fields given; the same rules and rows as PATCH.
    card_id = await kit.card(tags=["keep"], block_reason="stuck")
    target = kit.lanes["Doing Now"]
    actor = actor_of(kit.tenant.admin)
    async with kit.lanekit.db.begin() as conn:
        updated = await card_patch.update_card(
            conn,
            actor=actor,
            card_id=int(card_id),
            changes=card_patch.CardChanges(
                title="Typed", tags=["keep", "new"], is_blocked=False, lane_id=target.id, description=None
            ),
            expected_version=1,
        )
    assert (updated.title, updated.tags, updated.is_blocked, updated.lane_id) == (
        "Typed",
        ["keep", "new"],
        False,
        target.id,
    )
    card = await kit.get(card_id)
    assert (card["title"], card["version"], card["blockedStatus"]["isBlocked"]) == ("Typed", "2", False)
    async with kit.lanekit.db.read() as conn:
        tags = sorted(
            r.tag
            for r in (await conn.execute(card_tags.select().where(card_tags.c.card_id == int(card_id)))).all()
        )
        kinds = [
            r.type
            for r in (await conn.execute(events.select().where(events.c.card_id == int(card_id)))).all()
        ]
    assert tags == ["keep", "new"]
    assert {"cardChanged", "cardUnblocked", "cardMoved"} <= set(kinds)
    async with kit.lanekit.db.begin() as conn:
        with pytest.raises(Invalid) as refused:
            await card_patch.update_card(
                conn, actor=actor, card_id=int(card_id), changes=card_patch.CardChanges(type_id=999_999_999)
            )
    assert refused.value.field == "typeId"
    async with kit.lanekit.db.begin() as conn:
        with pytest.raises(VersionMismatch):
            await card_patch.update_card(
                conn, actor=actor, card_id=int(card_id), changes=card_patch.CardChanges(), expected_version=1
            )
