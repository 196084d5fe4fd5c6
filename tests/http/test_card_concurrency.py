"""Sixteen clients moving and patching the same cards at once, on both databases, and the statement budget."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import pytest

from lanekit.domain.cards import moves
from lanekit.domain.cards import read as card_read
from lanekit.storage.tables import cards, events
from tests.factories.boards import actor_of, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio

CLIENTS = 16
ROUNDS = 4


async def test_sixteen_clients_lose_nothing(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
        card_ids = [str((await make_card(conn, board, by=tenant.admin, title=f"c{i}")).id) for i in range(4)]
    targets = [lanes[t].id for t in ("New Requests", "Doing Now", "Under Review")]
    rng = random.Random(7)
    plan = [
        [
            (
                rng.choice(card_ids),
                rng.choice(["move", "patch", "tag"]),
                rng.choice(targets),
                rng.randint(0, 4),
            )
            for _ in range(ROUNDS)
        ]
        for _ in range(CLIENTS)
    ]
    clients = [lanekit.as_admin(tenant) for _ in range(CLIENTS)]
    versions: dict[str, list[str]] = {c: [] for c in card_ids}
    statuses: list[int] = []

    async def run(client: Any, steps: list[tuple[str, str, int, int]], n: int) -> None:
        for i, (card_id, kind, lane, index) in enumerate(steps):
            if kind == "move":
                response = await client.post(
                    "/io/card/move",
                    json={"cardIds": [card_id], "destination": {"laneId": str(lane), "index": index}},
                )
            elif kind == "patch":
                response = await client.patch(
                    f"/io/card/{card_id}",
                    json=[
                        {"op": "replace", "path": "/laneId", "value": str(lane)},
                        {"op": "replace", "path": "/title", "value": f"t{n}-{i}"},
                    ],
                )
                if response.status_code == 200:
                    versions[card_id].append(response.json()["version"])
            else:
                response = await client.patch(
                    f"/io/card/{card_id}", json=[{"op": "add", "path": "/tags/-", "value": f"k{n}-{i}"}]
                )
                if response.status_code == 200:
                    versions[card_id].append(response.json()["version"])
            statuses.append(response.status_code)

    await asyncio.gather(*(run(clients[n], plan[n], n) for n in range(CLIENTS)))
    assert Counter(statuses) == Counter({200: CLIENTS * ROUNDS})

    writes = Counter(card_id for steps in plan for card_id, _, _, _ in steps)
    tag_writes = {
        c: [
            f"k{n}-{i}"
            for n, steps in enumerate(plan)
            for i, (cid, kind, _, _) in enumerate(steps)
            if cid == c and kind == "tag"
        ]
        for c in card_ids
    }
    async with lanekit.db.read() as conn:
        rows = {
            str(r.id): r
            for r in (await conn.execute(cards.select().where(cards.c.board_id == board.id))).all()
        }
        logged = (await conn.execute(events.select().where(events.c.board_id == board.id))).all()
    for card_id in card_ids:
        # No lost update: one version step per successful write, every tag appended survives.
        assert rows[card_id].version == 1 + writes[card_id]
        assert sorted(rows[card_id].tags) == sorted(tag_writes[card_id])
        assert len(set(versions[card_id])) == len(versions[card_id])
    # Every write bumped the board once, and the events carry distinct board versions per request.
    board_body = (await clients[0].get(f"/io/board/{board.id}")).json()
    assert int(board_body["version"]) == board.version + 4 + CLIENTS * ROUNDS
    assert len({r.board_version for r in logged}) == 4 + CLIENTS * ROUNDS
    faces = (await clients[0].get(f"/io/board/{board.id}/card")).json()["cards"]
    by_lane: dict[str, list[int]] = {}
    for face in faces:
        by_lane.setdefault(face["laneId"], []).append(face["index"])
    for indexes in by_lane.values():
        assert sorted(indexes) == list(range(len(indexes)))
    assert sum(len(v) for v in by_lane.values()) == 4


async def test_statement_budget_for_move_and_get(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
        for _ in range(150):
            await make_card(conn, board, by=tenant.admin, lane_id=lanes["Doing Now"].id)
        mover = await make_card(conn, board, by=tenant.admin)
    admin = lanekit.as_admin(tenant)
    await admin.patch(f"/io/board/{board.id}/lane/{lanes['Doing Now'].id}", json={"wipLimit": 500})
    actor = actor_of(tenant.admin)
    with StatementCounter(lanekit, on=False) as counter:
        async with lanekit.db.begin() as conn:
            counter.on = True
            await moves.move_cards(
                conn,
                actor=actor,
                card_ids=[mover.id],
                destination=moves.MoveDestination(lane_id=lanes["Doing Now"].id, index=75),
                wip_override_comment=None,
            )
            counter.on = False
        move_count = len(counter.statements)
        counter.statements.clear()
        async with lanekit.db.read() as conn:
            counter.on = True
            read = await card_read.get_card(conn, actor=actor, card_id=mover.id)
            counter.on = False
        get_count = len(counter.statements)
    assert read.index == 75 and read.lane.id == lanes["Doing Now"].id
    assert move_count <= 10, counter.statements
    # No assignees, custom field values, tasks, comments, attachments or connections: the one wide row.
    assert get_count == 1, counter.statements
    async with lanekit.db.read() as conn:
        touched = (
            await conn.execute(cards.select().where(cards.c.board_id == board.id, cards.c.version > 1))
        ).all()
    assert [r.id for r in touched] == [mover.id]
