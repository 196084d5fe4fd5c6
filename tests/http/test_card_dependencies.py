"""/io/card/dependency and a card's dependency list, create-time `dependencies`,
`include=dependencies` in lists and what a card delete does to its links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lanekit.storage.records import BoardRecord
from lanekit.storage.tables import boards, card_dependencies, events
from tests.factories.boards import grant_role, make_board
from tests.factories.body_cache import cache_of
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio

MS_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@dataclass
class World:
    tenant: Tenant
    board: BoardRecord
    other_board: BoardRecord
    # Cards by name: a, b, c on `board`, x on `other_board`.
    ids: dict[str, int]

    def id(self, name: str) -> str:
        return str(self.ids[name])


@pytest.fixture
async def world(lanekit: Lanekit) -> World:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        other = await make_board(conn, tenant.account, creator=tenant.admin)
        ids = {name: (await make_card(conn, board, by=tenant.admin, title=name.upper())).id for name in "abc"}
        ids["x"] = (await make_card(conn, other, by=tenant.admin, title="X")).id
    return World(tenant, board, other, ids)


async def stored(lanekit: Lanekit, world: World) -> dict[tuple[int, int], str]:
    ids = list(world.ids.values())
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                select(
                    card_dependencies.c.card_id,
                    card_dependencies.c.depends_on_card_id,
                    card_dependencies.c.timing,
                ).where(
                    card_dependencies.c.card_id.in_(ids) | card_dependencies.c.depends_on_card_id.in_(ids)
                )
            )
        ).all()
    return {(r[0], r[1]): r[2] for r in rows}


async def board_version(lanekit: Lanekit, board: BoardRecord) -> int:
    async with lanekit.db.read() as conn:
        return int((await conn.execute(select(boards.c.version).where(boards.c.id == board.id))).scalar_one())


async def event_count(lanekit: Lanekit, world: World) -> int:
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(select(events.c.id).where(events.c.account_id == world.tenant.account.id))
        ).all()
    return len(rows)


def remove(client: httpx.AsyncClient, body: Any) -> Any:
    return client.request("DELETE", "/io/card/dependency", json=body)


async def test_create_list_retime_and_remove(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    a, b, c, x = (world.ids[n] for n in "abcx")
    versions = (await board_version(lanekit, world.board), await board_version(lanekit, world.other_board))
    logged = await event_count(lanekit, world)

    made = await admin.post(
        "/io/card/dependency",
        json={"cardIds": [str(a), str(b)], "dependsOnCardIds": [str(c), x], "timing": "startToFinish"},
    )
    assert made.status_code == 201 and made.content == b""
    assert await stored(lanekit, world) == {
        (a, c): "startToFinish",
        (a, x): "startToFinish",
        (b, c): "startToFinish",
        (b, x): "startToFinish",
    }
    # Both ends' boards move on once; no activity event (none is documented).
    assert await board_version(lanekit, world.board) == versions[0] + 1
    assert await board_version(lanekit, world.other_board) == versions[1] + 1
    assert await event_count(lanekit, world) == logged

    seen_from_a = (await admin.get(f"/io/card/{a}/dependency")).json()
    assert [set(d) for d in seen_from_a["dependencies"]] == [
        {"direction", "cardId", "timing", "createdOn"}
    ] * 2
    assert sorted((d["direction"], d["cardId"], d["timing"]) for d in seen_from_a["dependencies"]) == [
        ("incoming", str(c), "startToFinish"),
        ("incoming", str(x), "startToFinish"),
    ]
    assert all(MS_INSTANT.match(d["createdOn"]) for d in seen_from_a["dependencies"])
    seen_from_c = (await admin.get(f"/io/card/{c}/dependency?includeFaces=false")).json()
    assert sorted((d["direction"], d["cardId"]) for d in seen_from_c["dependencies"]) == [
        ("outgoing", str(a)),
        ("outgoing", str(b)),
    ]

    # The default timing is finishToStart; PATCH re-times one link (the last entry for a pair wins).
    assert (
        await admin.post("/io/card/dependency", json={"cardIds": [str(c)], "dependsOnCardIds": [str(x)]})
    ).status_code == 201
    retimed = await admin.patch(
        "/io/card/dependency",
        json=[
            {"cardId": str(a), "dependsOnCardId": str(c), "timing": "startToStart"},
            {"cardId": str(c), "dependsOnCardId": str(x), "timing": "startToStart"},
            {"cardId": str(c), "dependsOnCardId": str(x), "timing": "finishToFinish"},
        ],
    )
    assert retimed.status_code == 200 and retimed.content == b""
    links = await stored(lanekit, world)
    assert links[(a, c)] == "startToStart" and links[(c, x)] == "finishToFinish"
    assert links[(b, c)] == "startToFinish"

    # DELETE removes the named pairs; pairs that are not linked are ignored.
    gone = await remove(admin, {"cardIds": [str(a), str(c)], "dependsOnCardIds": [str(x), str(b)]})
    assert gone.status_code == 204
    assert await stored(lanekit, world) == {
        (a, c): "startToStart",
        (b, c): "startToFinish",
        (b, x): "startToFinish",
    }
    mixed = (await admin.get(f"/io/card/{c}/dependency")).json()["dependencies"]
    assert sorted((d["direction"], d["cardId"]) for d in mixed) == [
        ("outgoing", str(a)),
        ("outgoing", str(b)),
    ]


async def test_bad_requests_name_the_field(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    a, c = world.id("a"), world.id("c")

    async def refused(body: Any, status: int = 422, method: str = "POST") -> str:
        response = await admin.request(method, "/io/card/dependency", json=body)
        assert response.status_code == status, response.text
        message: str = response.json()["message"]
        return message

    assert "cardIds" in await refused({"dependsOnCardIds": [c]})
    assert "cardIds" in await refused({"cardIds": [], "dependsOnCardIds": [c]})
    assert "dependsOnCardIds" in await refused({"cardIds": [a]})
    assert "dependsOnCardIds/0" in await refused({"cardIds": [a], "dependsOnCardIds": ["x1"]})
    assert "timing" in await refused({"cardIds": [a], "dependsOnCardIds": [c], "timing": "finishToEnd"})
    assert "itself" in await refused({"cardIds": [a, c], "dependsOnCardIds": [c]})
    assert "#/0/timing" in await refused([{"cardId": a, "dependsOnCardId": c}], method="PATCH")
    assert "#/1/timing" in await refused(
        [
            {"cardId": a, "dependsOnCardId": c, "timing": "startToStart"},
            {"cardId": a, "dependsOnCardId": c, "timing": "soon"},
        ],
        method="PATCH",
    )
    assert "body" in await refused(
        {"cardId": a, "dependsOnCardId": c, "timing": "startToStart"}, method="PATCH"
    )
    assert "cardIds" in await refused({"dependsOnCardIds": [c]}, method="DELETE")
    assert await stored(lanekit, world) == {}

    # Unknown cards, other accounts' cards and links that do not exist are 404.
    assert "999999" in await refused({"cardIds": [a], "dependsOnCardIds": ["999999"]}, 404)
    other = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        foreign_board = await make_board(conn, other.account, creator=other.admin)
        foreign = await make_card(conn, foreign_board, by=other.admin)
    await refused({"cardIds": [a], "dependsOnCardIds": [str(foreign.id)]}, 404)
    assert "dependency" in await refused(
        [{"cardId": a, "dependsOnCardId": c, "timing": "startToStart"}], 404, method="PATCH"
    )
    assert (await admin.get(f"/io/card/{foreign.id}/dependency")).status_code == 404
    assert (await admin.get(f"/io/card/{a}/dependency?includeFaces=maybe")).status_code == 422

    # A link that exists is a 409, and nothing else of that request is stored.
    assert (
        await admin.post("/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [c]})
    ).status_code == 201
    again = await admin.post(
        "/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [world.id("b"), c]}
    )
    assert again.status_code == 409
    assert again.json()["message"].startswith("Dependency already exists")
    assert await stored(lanekit, world) == {(world.ids["a"], world.ids["c"]): "finishToStart"}


async def test_roles_and_unreadable_boards(lanekit: Lanekit, world: World) -> None:
    """The dependent card needs card.update, the card depended on card.read; cards on boards the caller
    cannot read are 404 and are left out of lists."""
    user = await lanekit.user(world.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, world.board, user, "boardUser")
        await grant_role(conn, world.other_board, user, "boardReader")
        hidden_board = await make_board(conn, world.tenant.account, creator=world.tenant.admin)
        hidden = await make_card(conn, hidden_board, by=world.tenant.admin)
    client = lanekit.as_user(world.tenant, user)
    a, x = world.id("a"), world.id("x")
    assert (
        await client.post("/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [x]})
    ).status_code == 201
    assert (
        await client.post("/io/card/dependency", json={"cardIds": [x], "dependsOnCardIds": [a]})
    ).status_code == 403
    assert (
        await client.post("/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [str(hidden.id)]})
    ).status_code == 404
    assert (await remove(client, {"cardIds": [x], "dependsOnCardIds": [a]})).status_code == 403
    patch = [{"cardId": x, "dependsOnCardId": a, "timing": "startToStart"}]
    assert (await client.patch("/io/card/dependency", json=patch)).status_code == 403
    assert (await client.get(f"/io/card/{hidden.id}/dependency")).status_code == 404

    # The administrator links the hidden card to A; the user's view of A leaves it out.
    admin = lanekit.as_admin(world.tenant)
    assert (
        await admin.post("/io/card/dependency", json={"cardIds": [str(hidden.id)], "dependsOnCardIds": [a]})
    ).status_code == 201
    assert [
        (d["direction"], d["cardId"])
        for d in (await client.get(f"/io/card/{a}/dependency")).json()["dependencies"]
    ] == [("incoming", x)]
    as_admin = (await admin.get(f"/io/card/{a}/dependency")).json()["dependencies"]
    assert sorted((d["direction"], d["cardId"]) for d in as_admin) == [
        ("incoming", x),
        ("outgoing", str(hidden.id)),
    ]


async def test_faces_carry_dependency_stats_in_fixed_statements(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    a, b, c, x = (world.id(n) for n in "abcx")
    async with lanekit.db.begin() as conn:
        lanes = await board_lanes(conn, world.board)
    # A depends on C (finish→start); C is blocked, so the link is unresolved, an exception and blocked.
    await admin.post("/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [c]})
    block = [
        {"op": "replace", "path": "/isBlocked", "value": True},
        {"op": "replace", "path": "/blockReason", "value": "w"},
    ]
    assert (await admin.patch(f"/io/card/{c}", json=block)).status_code == 200

    with StatementCounter(lanekit) as one:
        body = (await admin.get(f"/io/card/{a}/dependency?includeFaces=true")).json()
    [entry] = body["dependencies"]
    assert entry["direction"] == "incoming" and entry["cardId"] == c
    face = entry["face"]
    assert face["id"] == c and face["title"] == "C" and face["boardId"] == str(world.board.id)
    assert face["cardStatus"] == "notStarted" and face["isMirroredCard"] is False
    assert face["blockedStatus"] == {"isBlocked": True, "reason": "w"}
    assert (
        face["reactions"] == [] and face["assignedTeams"] == [] and face["policyRuleFieldIdViolations"] == []
    )
    assert face["dependencyStats"] == {
        "incomingCount": 0,
        "incomingResolvedCount": 0,
        "incomingExceptionCount": 0,
        "incomingUnresolvedBlockedCount": 0,
        "outgoingCount": 1,
        "outgoingResolvedCount": 0,
        "outgoingExceptionCount": 1,
        "outgoingUnresolvedBlockedCount": 1,
        "totalCount": 1,
        "totalResolvedCount": 0,
        "totalExceptionCount": 1,
        "totalUnresolvedBlockedCount": 1,
    }

    # C finishes: the link is resolved.  More links cost no more statements.
    done = {"cardIds": [c], "destination": {"laneId": str(lanes["Finished As Planned"].id)}}
    assert (await admin.post("/io/card/move", json=done)).status_code == 200
    await admin.post(
        "/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [b, x], "timing": "startToStart"}
    )
    await admin.post("/io/card/dependency", json={"cardIds": [b], "dependsOnCardIds": [x]})
    with StatementCounter(lanekit) as three:
        body = (await admin.get(f"/io/card/{a}/dependency?includeFaces=true")).json()
    faces = {d["cardId"]: d["face"] for d in body["dependencies"]}
    assert set(faces) == {b, c, x}
    stats_c = faces[c]["dependencyStats"]
    assert (
        stats_c["outgoingCount"],
        stats_c["outgoingResolvedCount"],
        stats_c["outgoingExceptionCount"],
    ) == (1, 1, 0)
    stats_b = faces[b]["dependencyStats"]
    assert (stats_b["incomingCount"], stats_b["outgoingCount"], stats_b["totalCount"]) == (1, 1, 2)
    assert faces[x]["dependencyStats"]["outgoingCount"] == 2
    assert three.count == one.count


async def test_create_card_with_dependencies(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    a, x = world.id("a"), world.id("x")
    created = await admin.post(
        "/io/card",
        json={
            "boardId": str(world.board.id),
            "title": "New",
            "dependencies": [
                {"cardId": a, "direction": "incoming"},
                {"cardId": x, "direction": "outgoing", "timing": "startToStart"},
            ],
        },
    )
    assert created.status_code == 201
    new = int(created.json()["id"])
    links = await stored(lanekit, world)
    assert links[(new, world.ids["a"])] == "finishToStart"
    assert links[(world.ids["x"], new)] == "startToStart"
    listed = (await admin.get(f"/io/card/{new}/dependency")).json()["dependencies"]
    assert sorted((d["direction"], d["cardId"], d["timing"]) for d in listed) == [
        ("incoming", a, "finishToStart"),
        ("outgoing", x, "startToStart"),
    ]

    async def refused(entries: Any) -> str:
        response = await admin.post(
            "/io/card", json={"boardId": str(world.board.id), "title": "Bad", "dependencies": entries}
        )
        assert response.status_code == 422, response.text
        message: str = response.json()["message"]
        return message

    assert "dependencies/0/direction" in await refused([{"cardId": a, "direction": "sideways"}])
    assert "dependencies/1/timing" in await refused(
        [{"cardId": a, "direction": "incoming"}, {"cardId": x, "direction": "incoming", "timing": "later"}]
    )
    assert "dependencies/0/cardId" in await refused([{"direction": "incoming"}])
    assert "dependencies/0/cardId" in await refused([{"cardId": "999999", "direction": "incoming"}])
    assert "dependencies/1/cardId" in await refused(
        [{"cardId": a, "direction": "incoming"}, {"cardId": a, "direction": "incoming"}]
    )
    assert "dependencies" in await refused({"cardId": a})
    # Nothing of a refused create is stored.
    titles = [c["title"] for c in (await admin.get(f"/io/card?board={world.board.id}")).json()["cards"]]
    assert "Bad" not in titles

    # An outgoing entry makes the named card depend on the new one: that needs card.update on its board.
    reader = await lanekit.user(world.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, world.board, reader, "boardUser")
        await grant_role(conn, world.other_board, reader, "boardReader")
    as_reader = lanekit.as_user(world.tenant, reader)
    body = {"boardId": str(world.board.id), "title": "R"}
    assert (
        await as_reader.post(
            "/io/card", json={**body, "dependencies": [{"cardId": x, "direction": "incoming"}]}
        )
    ).status_code == 201
    assert (
        await as_reader.post(
            "/io/card", json={**body, "dependencies": [{"cardId": x, "direction": "outgoing"}]}
        )
    ).status_code == 403


async def test_lists_include_dependencies(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    a, b, c, x = (world.id(n) for n in "abcx")
    await admin.post(
        "/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [c, x], "timing": "finishToFinish"}
    )
    await admin.post("/io/card/dependency", json={"cardIds": [b], "dependsOnCardIds": [a]})

    plain = (await admin.get(f"/io/card?board={world.board.id}")).json()["cards"]
    assert all("dependencies" not in item for item in plain)
    by_query = (await admin.get(f"/io/card?board={world.board.id}&include=dependencies")).json()["cards"]
    by_body = (
        await admin.post("/io/card/list", json={"board": str(world.board.id), "include": ["dependencies"]})
    ).json()["cards"]
    assert by_query == by_body
    deps = {item["id"]: item["dependencies"] for item in by_query}
    assert set(deps[a]) == {"incoming", "outgoing"}
    assert sorted((d["cardId"], d["timing"], d["boardId"]) for d in deps[a]["incoming"]) == [
        (c, "finishToFinish", str(world.board.id)),
        (x, "finishToFinish", str(world.other_board.id)),
    ]
    assert all(MS_INSTANT.match(d["createdOn"]) for d in deps[a]["incoming"])
    assert [d["cardId"] for d in deps[a]["outgoing"]] == [b]
    assert deps[c] == {
        "incoming": [],
        "outgoing": [
            {
                "cardId": a,
                "timing": "finishToFinish",
                "createdOn": deps[c]["outgoing"][0]["createdOn"],
                "boardId": str(world.board.id),
            }
        ],
    }

    # A user who cannot read the other board does not see links to its cards.
    user = await lanekit.user(world.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, world.board, user, "boardReader")
    mine = (await lanekit.as_user(world.tenant, user).get(f"/io/card?cards={a}&include=dependencies")).json()[
        "cards"
    ]
    assert [d["cardId"] for d in mine[0]["dependencies"]["incoming"]] == [c]

    # One statement for the page's links and one for the readability of the other boards they reach,
    # however many cards carry them.  The list without links is cacheable (decision 166) and was listed
    # above: it is built afresh here, so both counts are of built pages.
    cache_of(lanekit).clear()
    with StatementCounter(lanekit) as without:
        await admin.get(f"/io/card?board={world.board.id}")
    with StatementCounter(lanekit) as with_links:
        await admin.get(f"/io/card?board={world.board.id}&include=dependencies")
    assert with_links.count == without.count + 2
    with StatementCounter(lanekit) as same_board:
        await admin.get(f"/io/card?cards={c}&include=dependencies")
    with StatementCounter(lanekit) as plain_card:
        await admin.get(f"/io/card?cards={c}")
    assert same_board.count == plain_card.count + 1


async def test_deleting_a_card_removes_its_links(lanekit: Lanekit, world: World) -> None:
    admin = lanekit.as_admin(world.tenant)
    a, b, c = (world.id(n) for n in "abc")
    await admin.post("/io/card/dependency", json={"cardIds": [a], "dependsOnCardIds": [b]})
    await admin.post("/io/card/dependency", json={"cardIds": [b], "dependsOnCardIds": [c]})
    await admin.post("/io/card/dependency", json={"cardIds": [c], "dependsOnCardIds": [a]})
    assert (await admin.delete(f"/io/card/{b}")).status_code == 204
    assert await stored(lanekit, world) == {(world.ids["c"], world.ids["a"]): "finishToStart"}
    assert [d["cardId"] for d in (await admin.get(f"/io/card/{a}/dependency")).json()["dependencies"]] == [c]
    assert (await admin.get(f"/io/card/{b}/dependency")).status_code == 404
