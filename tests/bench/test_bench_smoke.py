"""The bench cannot rot: its generator loads a tiny data set, and its scenarios run end to end.

The scenarios go through the same code as `python -m bench` (request lists, availability from the OpenAPI
document, results), but through an in-process httpx client instead of wrk, which CI may not have.
"""

from __future__ import annotations

import uuid

import pytest
from bench.generate import Spec, generate
from bench.run import run_in_process
from bench.scenarios import SCENARIOS, by_keys
from sqlalchemy import func, select

from lanekit.domain.cards import positions
from lanekit.settings import Settings
from lanekit.storage import tables as t
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

TINY = Spec(boards=3, cards=120, largest=60, events=300, users=6)


async def test_generator_loads_the_spec_and_every_scenario_runs_without_errors(
    settings: Settings, lanekit: Lanekit
) -> None:
    name = f"b{uuid.uuid4().hex[:12]}"
    dataset = await generate(settings.database_url, TINY, account_name=name)

    expected = {
        "accounts": 1, "users": 6, "api_tokens": 1, "boards": 3, "lanes": 33, "card_types": 21,
        "custom_icons": 12, "custom_fields": 9, "cards": 120, "events": 300,
    }  # fmt: skip
    assert {k: dataset.counts[k] for k in expected} == expected
    assert dataset.boards[0].cards == 60
    assert dataset.largest_board == dataset.boards[0]
    assert all(b.cards < 60 for b in dataset.boards[1:])
    assert sum(b.cards for b in dataset.boards) == 120
    async with lanekit.db.read() as conn:
        account_id = dataset.account_id
        stored = {
            table.name: (await conn.execute(select(func.count()).select_from(table).where(cond))).scalar_one()
            for table, cond in (
                (t.users, t.users.c.account_id == account_id),
                (t.boards, t.boards.c.account_id == account_id),
                (t.cards, t.cards.c.account_id == account_id),
                (t.events, t.events.c.account_id == account_id),
                (t.card_assignments, t.card_assignments.c.account_id == account_id),
            )
        }
        assert stored == {
            "users": 6, "boards": 3, "cards": 120, "events": 300,
            "card_assignments": dataset.counts["card_assignments"],
        }  # fmt: skip
        ranks = (
            await conn.execute(
                select(t.cards.c.lane_id, t.cards.c.rank).where(t.cards.c.account_id == account_id)
            )
        ).all()
        versions = (
            await conn.execute(select(t.boards.c.version).where(t.boards.c.account_id == account_id))
        ).scalars()
        assert sum(versions) == 300  # one board version per event
    for _lane, rank in ranks:
        positions.validate(rank)
    assert len(set(ranks)) == len(ranks)

    # The same generator again, with the same seed, produces the same account shape.
    again = await generate(settings.database_url, TINY, account_name=name + "x")
    assert [b.cards for b in again.boards] == [b.cards for b in dataset.boards]
    assert again.counts == dataset.counts

    client = lanekit.client(headers={"Host": f"{name}.lanekit.test"})
    results = await run_in_process(
        client,
        backend="test",
        dataset=dataset,
        database_url=settings.database_url,
        scenarios=by_keys(None),
        total=20,
    )
    assert [r.scenario for r in results] == [s.key for s in SCENARIOS]
    # Every route of issue 5 exists now; a renamed one would make its scenario "not available".
    assert [r.scenario for r in results if not r.available] == []
    assert {(r.scenario, r.errors, r.requests) for r in results} == {(s.key, 0, 20) for s in SCENARIOS}
    assert all(r.rps and r.rps > 0 for r in results)
