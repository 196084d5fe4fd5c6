"""Card mirroring: `mirrorSourceCardId` on create and PATCH, sources' changes reaching their
mirrors, the sync events, and a deleted source ending mirroring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from lanekit.domain.cards import read as card_read
from lanekit.storage.records import BoardRecord
from lanekit.storage.tables import boards, cards
from tests.factories.boards import actor_of, grant_role, make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio


@dataclass
class World:
    tenant: Tenant
    admin: httpx.AsyncClient
    board: BoardRecord
    other_board: BoardRecord
    source: str


@pytest.fixture
async def world(lanekit: Lanekit) -> World:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        other = await make_board(conn, tenant.account, creator=tenant.admin)
        source = await make_card(
            conn, board, by=tenant.admin, title="Source", description="<p>About</p>", custom_id="SRC-1"
        )
    return World(tenant, lanekit.as_admin(tenant), board, other, str(source.id))


async def mirror_of(world: World, source: str, **body: Any) -> str:
    created = await world.admin.post(
        "/io/card",
        json={"boardId": str(world.other_board.id), "title": "Mine", "mirrorSourceCardId": source, **body},
    )
    assert created.status_code == 201, created.text
    card_id: str = created.json()["id"]
    return card_id


async def activity(world: World, card_id: str) -> list[tuple[str, dict[str, Any]]]:
    events = (await world.admin.get(f"/io/card/{card_id}/activity")).json()["events"]
    return [(e["type"], e["data"]) for e in events]


async def versions(lanekit: Lanekit, *board_list: BoardRecord) -> list[int]:
    async with lanekit.db.read() as conn:
        found = {
            r[0]: r[1]
            for r in (
                await conn.execute(
                    select(boards.c.id, boards.c.version).where(boards.c.id.in_([b.id for b in board_list]))
                )
            ).all()
        }
    return [found[b.id] for b in board_list]


def patch(client: httpx.AsyncClient, card_id: str, *ops: dict[str, Any]) -> Any:
    return client.patch(f"/io/card/{card_id}", json=list(ops))


async def test_create_as_mirror_takes_the_source_fields(lanekit: Lanekit, world: World) -> None:
    before = await versions(lanekit, world.board, world.other_board)
    created = await world.admin.post(
        "/io/card?returnFullRecord=true",
        json={
            "boardId": str(world.other_board.id),
            "title": "Ignored",
            "description": "ignored too",
            "customId": "OTHER",
            "size": 3,
            "mirrorSourceCardId": world.source,
        },
    )
    assert created.status_code == 201
    full = created.json()
    assert (full["title"], full["description"], full["customId"]["value"]) == (
        "Source",
        "<p>About</p>",
        "SRC-1",
    )
    assert full["size"] == 3 and full["version"] == "1"
    assert full["mirrorSourceCardId"] == world.source
    mirror = full["id"]
    assert (await world.admin.get(f"/io/card/{mirror}")).json()["mirrorSourceCardId"] == world.source
    assert "mirrorSourceCardId" not in (await world.admin.get(f"/io/card/{world.source}")).json()
    # Both boards move on: the mirror's by its creation, the source's by its sync event.
    assert await versions(lanekit, world.board, world.other_board) == [before[0] + 1, before[1] + 1]
    card = {"id": mirror, "title": "Source"}
    source = {"id": world.source, "title": "Source"}
    assert (await activity(world, mirror))[0] == (
        "cardSyncSourceCreated",
        {"card": card, "sourceCard": source},
    )
    assert (await activity(world, world.source))[0] == (
        "cardSyncDestinationCreated",
        {"card": source, "destinationCard": card},
    )
    faces = (await world.admin.get(f"/io/board/{world.other_board.id}/card")).json()["cards"]
    assert [f["isMirroredCard"] for f in faces] == [True]
    assert (await world.admin.get(f"/io/board/{world.board.id}/card")).json()["cards"][0][
        "isMirroredCard"
    ] is False


async def test_refused_sources(lanekit: Lanekit, world: World) -> None:
    body = {"boardId": str(world.board.id), "title": "T"}

    async def create(source: Any, client: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (client or world.admin).post("/io/card", json={**body, "mirrorSourceCardId": source})

    assert (await create("999999")).status_code == 404
    bad = await create("abc")
    assert bad.status_code == 422 and "mirrorSourceCardId" in bad.json()["message"]
    # A card on a board the caller cannot read is not found; another account's card too.
    user = await lanekit.user(world.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, world.other_board, user, "boardUser")
    as_user = lanekit.as_user(world.tenant, user)
    hidden = await as_user.post(
        "/io/card",
        json={"boardId": str(world.other_board.id), "title": "T", "mirrorSourceCardId": world.source},
    )
    assert hidden.status_code == 404
    other = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        foreign_board = await make_board(conn, other.account, creator=other.admin)
        foreign = await make_card(conn, foreign_board, by=other.admin)
    assert (await create(str(foreign.id))).status_code == 404
    # Mirrors are one level deep.
    mirror = await mirror_of(world, world.source)
    chained = await create(mirror)
    assert chained.status_code == 422 and "is itself a mirror" in chained.json()["message"]
    async with lanekit.db.read() as conn:
        titles = [
            r[0]
            for r in (await conn.execute(select(cards.c.title).where(cards.c.board_id == world.board.id)))
        ]
    assert titles == ["Source"]


async def test_source_changes_reach_mirrors(lanekit: Lanekit, world: World) -> None:
    first = await mirror_of(world, world.source)
    second = await mirror_of(world, world.source)
    before = await versions(lanekit, world.board, world.other_board)

    changed = await patch(
        world.admin,
        world.source,
        {"op": "replace", "path": "/title", "value": "Renamed"},
        {"op": "replace", "path": "/customId", "value": "SRC-2"},
        {"op": "replace", "path": "/size", "value": 5},
    )
    assert changed.status_code == 200
    for mirror in (first, second):
        body = (await world.admin.get(f"/io/card/{mirror}")).json()
        assert (body["title"], body["customId"]["value"], body["size"]) == ("Renamed", "SRC-2", 0)
        assert body["version"] == "2"
        kind, data = (await activity(world, mirror))[0]
        assert kind == "cardChanged"
        assert data["fields"] == [
            {"name": "title", "oldValue": "Source", "newValue": "Renamed"},
            {"name": "customId", "oldValue": "SRC-1", "newValue": "SRC-2"},
        ]
    assert await versions(lanekit, world.board, world.other_board) == [before[0] + 1, before[1] + 1]

    # A change of other fields leaves the mirrors alone.
    assert (
        await patch(world.admin, world.source, {"op": "replace", "path": "/size", "value": 1})
    ).status_code == 200
    assert (await world.admin.get(f"/io/card/{first}")).json()["version"] == "2"

    # A mirror may change its own copy; the source's next change of any of the three fields wins again.
    assert (
        await patch(world.admin, first, {"op": "replace", "path": "/title", "value": "Local"})
    ).status_code == 200
    assert (await world.admin.get(f"/io/card/{first}")).json()["title"] == "Local"
    bulk = await world.admin.patch(
        "/io/card/bulk",
        json={
            "cardIds": [world.source],
            "updates": [{"op": "replace", "path": "/description", "value": "New"}],
        },
    )
    assert bulk.status_code == 202
    for mirror in (first, second):
        body = (await world.admin.get(f"/io/card/{mirror}")).json()
        assert (body["title"], body["description"]) == ("Renamed", "New")

    refused = await world.admin.patch(
        "/io/card/bulk",
        json={
            "cardIds": [first],
            "updates": [{"op": "replace", "path": "/mirrorSourceCardId", "value": world.source}],
        },
    )
    assert refused.status_code == 422 and "updates/0/path" in refused.json()["message"]


async def test_patch_starts_switches_and_ends_mirroring(lanekit: Lanekit, world: World) -> None:
    async with lanekit.db.begin() as conn:
        card = str((await make_card(conn, world.other_board, by=world.tenant.admin, title="Plain")).id)
        alt = str(
            (await make_card(conn, world.board, by=world.tenant.admin, title="Alt", custom_id="ALT")).id
        )

    started = await patch(
        world.admin,
        card,
        {"op": "replace", "path": "/title", "value": "Loses to the source"},
        {"op": "add", "path": "/mirrorSourceCardId", "value": world.source},
    )
    assert started.status_code == 200
    body = started.json()
    assert (body["title"], body["description"], body["customId"]["value"]) == (
        "Source",
        "<p>About</p>",
        "SRC-1",
    )
    assert body["mirrorSourceCardId"] == world.source and body["version"] == "2"
    kinds = [k for k, _ in await activity(world, card)]
    assert kinds[:2] == ["cardSyncSourceCreated", "cardChanged"]
    assert (await activity(world, world.source))[0][0] == "cardSyncDestinationCreated"

    switched = await patch(world.admin, card, {"op": "replace", "path": "/mirrorSourceCardId", "value": alt})
    assert switched.status_code == 200
    assert (switched.json()["title"], switched.json()["mirrorSourceCardId"]) == ("Alt", alt)
    log = await activity(world, card)
    assert [k for k, _ in log[:3]] == ["cardSyncSourceCreated", "cardSyncSourceDeleted", "cardChanged"]
    assert log[1][1]["sourceCard"] == {"id": world.source, "title": "Source"}
    assert (await activity(world, world.source))[0] == (
        "cardSyncDestinationDeleted",
        {"card": {"id": world.source, "title": "Source"}, "destinationCard": {"id": card, "title": "Alt"}},
    )
    assert (await activity(world, alt))[0][0] == "cardSyncDestinationCreated"

    ended = await patch(world.admin, card, {"op": "remove", "path": "/mirrorSourceCardId"})
    assert ended.status_code == 200
    assert "mirrorSourceCardId" not in ended.json() and ended.json()["title"] == "Alt"
    assert (await activity(world, card))[0][0] == "cardSyncSourceDeleted"
    assert (await activity(world, alt))[0][0] == "cardSyncDestinationDeleted"
    # The source's later changes no longer reach it.
    assert (
        await patch(world.admin, alt, {"op": "replace", "path": "/title", "value": "Alt 2"})
    ).status_code == 200
    assert (await world.admin.get(f"/io/card/{card}")).json()["title"] == "Alt"

    # Refusals: itself, a mirror as source, a source becoming a mirror, bad values, unreadable sources.
    mirror = await mirror_of(world, world.source)

    async def refused(card_id: str, value: Any, status: int = 422) -> str:
        response = await patch(
            world.admin, card_id, {"op": "add", "path": "/mirrorSourceCardId", "value": value}
        )
        assert response.status_code == status, response.text
        message: str = response.json()["message"]
        return message

    assert "itself" in await refused(card, card)
    assert "is itself a mirror" in await refused(card, mirror)
    assert "has mirrors" in await refused(world.source, alt)
    assert "#/0/value" in await refused(card, "x")
    await refused(card, "999999", 404)
    user = await lanekit.user(world.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, world.other_board, user, "boardUser")
    response = await patch(
        lanekit.as_user(world.tenant, user), card, {"op": "add", "path": "/mirrorSourceCardId", "value": alt}
    )
    assert response.status_code == 404
    assert "mirrorSourceCardId" not in (await world.admin.get(f"/io/card/{card}")).json()


async def test_deleting_a_source_ends_mirroring(lanekit: Lanekit, world: World) -> None:
    mirror = await mirror_of(world, world.source)
    before = await versions(lanekit, world.other_board)
    assert (await world.admin.delete(f"/io/card/{world.source}")).status_code == 204
    body = (await world.admin.get(f"/io/card/{mirror}")).json()
    assert "mirrorSourceCardId" not in body and body["title"] == "Source" and body["version"] == "2"
    assert (await activity(world, mirror))[0] == (
        "cardSyncSourceDeleted",
        {"card": {"id": mirror, "title": "Source"}, "sourceCard": {"id": world.source, "title": "Source"}},
    )
    assert await versions(lanekit, world.other_board) == [before[0] + 1]
    # Deleting a mirror together with its source leaves nothing to clear.
    second_source = (
        await world.admin.post("/io/card", json={"boardId": str(world.board.id), "title": "S2"})
    ).json()["id"]
    second = await mirror_of(world, second_source)
    gone = await world.admin.request("DELETE", "/io/card", json={"cardIds": [second, second_source]})
    assert gone.status_code == 204
    assert (await world.admin.get(f"/io/card/{second}")).status_code == 404


async def test_full_card_read_costs_the_same_for_a_mirror(lanekit: Lanekit, world: World) -> None:
    mirror = int(await mirror_of(world, world.source))
    engine = lanekit.db.engine.sync_engine
    counted: list[str] = []

    def count(*_args: Any) -> None:
        counted.append("x")

    actor = actor_of(world.tenant.admin)
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with lanekit.db.read() as conn:
            plain = await card_read.get_card(conn, actor=actor, card_id=int(world.source))
        plain_count = len(counted)
        counted.clear()
        async with lanekit.db.read() as conn:
            mirrored = await card_read.get_card(conn, actor=actor, card_id=mirror)
        mirror_count = len(counted)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert plain.card.mirror_source_card_id is None and mirrored.card.mirror_source_card_id == int(
        world.source
    )
    assert mirror_count == plain_count <= 3
