"""A `lanekit serve` process SIGKILLed in the middle of concurrent writes loses nothing it acknowledged.

Several clients create, move and retitle cards of their own on one board until the server is killed.  Each
client has at most one request in flight, so after a restart every card must be in the state of its last
acknowledged change, or of the one change that was in flight (it may have committed before the kill).  No
change is half there: each card has its creation event, every event's card exists, and the board's version
is that of its last event (they are written in one transaction).  Every lane's indexes are 0..n-1.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from lanekit.storage.engine import make_engine
from lanekit.storage.tables import boards, cards, events
from tests.conftest import _settings
from tests.faults.process import Server, environment, init_account
from tests.scratch_db import scratch_database

pytestmark = pytest.mark.anyio

CLIENTS = 6
WRITE_SECONDS = 2.0


@dataclass
class CardState:
    title: str
    lane_id: str


@dataclass
class Client:
    """What one client was told (acknowledged) and what it had in flight when the server died."""

    acknowledged: dict[str, CardState] = field(default_factory=dict)
    # (card id or None for a create, the state it asked for)
    in_flight: tuple[str | None, CardState] | None = None
    answered: list[int] = field(default_factory=list)


async def _write_until_killed(http: httpx.AsyncClient, board_id: str, lanes: list[str], me: Client) -> None:
    rng = random.Random()
    n = 0
    while True:
        n += 1
        mine = list(me.acknowledged)
        op = rng.choice(["create", "move", "title"]) if mine else "create"
        card_id = None if op == "create" else rng.choice(mine)
        if card_id is None:
            wanted = CardState(f"card {id(me)}-{n}", rng.choice(lanes))
            request = http.post(
                "/io/card", json={"boardId": board_id, "title": wanted.title, "laneId": wanted.lane_id}
            )
        elif op == "move":
            before = me.acknowledged[card_id]
            wanted = CardState(before.title, rng.choice([lane for lane in lanes if lane != before.lane_id]))
            request = http.post(
                "/io/card/move", json={"cardIds": [card_id], "destination": {"laneId": wanted.lane_id}}
            )
        else:
            before = me.acknowledged[card_id]
            wanted = CardState(f"{before.title.split(' v')[0]} v{n}", before.lane_id)
            request = http.patch(
                f"/io/card/{card_id}", json=[{"op": "replace", "path": "/title", "value": wanted.title}]
            )
        me.in_flight = (card_id, wanted)
        try:
            response = await request
        except httpx.TransportError:
            return  # the server is gone; this request stays "in flight"
        me.answered.append(response.status_code)
        assert response.status_code < 300 or response.status_code == 503, response.text
        if response.status_code < 300:
            me.acknowledged[card_id or response.json()["id"]] = wanted
        me.in_flight = None


async def test_a_killed_server_keeps_every_acknowledged_change_and_nothing_half_written(
    backend: str, tmp_path: Path
) -> None:
    async with scratch_database(backend, tmp_path) as url:
        env = environment(url, tmp_path / "blobs")
        await asyncio.to_thread(init_account, env)
        server = await asyncio.to_thread(Server, env, tmp_path / "serve.log")
        try:
            async with server.client() as http:
                created = await http.post("/io/board", json={"title": "Faults"})
                assert created.status_code == 200, created.text
                board_id = created.json()["id"]
                leaves = await http.get(f"/io/board/{board_id}/leafLanes")
                lanes = [lane["id"] for lane in leaves.json()["lanes"]][:4]
                assert len(lanes) >= 2

            clients = [Client() for _ in range(CLIENTS)]
            https = [server.client() for _ in clients]
            writers = [
                asyncio.create_task(_write_until_killed(h, board_id, lanes, c))
                for h, c in zip(https, clients, strict=True)
            ]
            await asyncio.sleep(WRITE_SECONDS)
            server.kill()
            await asyncio.wait_for(asyncio.gather(*writers), timeout=30)
            for h in https:
                await h.aclose()
        finally:
            server.kill()
        assert sum(len(c.answered) for c in clients) >= 20, "too few writes happened before the kill"

        server = await asyncio.to_thread(Server, env, tmp_path / "serve-again.log")
        try:
            async with server.client() as http:
                faces = await http.get(f"/io/board/{board_id}/card", params={"limit": 1000})
                assert faces.status_code == 200, faces.text
                listed: list[dict[str, Any]] = faces.json()["cards"]
        finally:
            server.kill()

        stored = {card["id"]: CardState(card["title"], card["laneId"]) for card in listed}
        for client in clients:
            for card_id, state in client.acknowledged.items():
                allowed = [state]
                if client.in_flight is not None and client.in_flight[0] == card_id:
                    allowed.append(client.in_flight[1])
                assert stored.get(card_id) in allowed, (card_id, stored.get(card_id), allowed)
        # A card nobody was told about can only be the create that was in flight.
        unacknowledged = set(stored) - {i for c in clients for i in c.acknowledged}
        in_flight_creates = [c.in_flight[1] for c in clients if c.in_flight and c.in_flight[0] is None]
        assert all(stored[i] in in_flight_creates for i in unacknowledged), unacknowledged

        by_lane: dict[str, list[int]] = defaultdict(list)
        for card in listed:
            by_lane[card["laneId"]].append(card["index"])
        for lane_id, indexes in by_lane.items():
            assert sorted(indexes) == list(range(len(indexes))), (lane_id, sorted(indexes))

        engine = make_engine(_settings(url))
        try:
            async with engine.connect() as conn:
                card_ids = set(
                    (
                        await conn.execute(select(cards.c.id).where(cards.c.board_id == int(board_id)))
                    ).scalars()
                )
                created_events = set(
                    (
                        await conn.execute(
                            select(events.c.card_id).where(
                                events.c.board_id == int(board_id), events.c.type == "cardCreated"
                            )
                        )
                    ).scalars()
                )
                event_cards = set(
                    (
                        await conn.execute(
                            select(events.c.card_id).where(
                                events.c.board_id == int(board_id), events.c.card_id.is_not(None)
                            )
                        )
                    ).scalars()
                )
                version = (
                    await conn.execute(select(boards.c.version).where(boards.c.id == int(board_id)))
                ).scalar_one()
                last_event = (
                    await conn.execute(
                        select(func.max(events.c.board_version)).where(events.c.board_id == int(board_id))
                    )
                ).scalar_one()
                duplicate_ranks = (
                    await conn.execute(
                        select(cards.c.lane_id, cards.c.rank)
                        .where(cards.c.board_id == int(board_id), cards.c.deleted_on.is_(None))
                        .group_by(cards.c.lane_id, cards.c.rank)
                        .having(func.count() > 1)
                    )
                ).all()
        finally:
            await engine.dispose()
        assert {str(i) for i in card_ids} == set(stored)
        assert created_events == card_ids
        assert event_cards <= card_ids
        assert version == last_event
        assert duplicate_ranks == []
