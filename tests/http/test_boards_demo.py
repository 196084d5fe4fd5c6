"""The demo seed's board, as its users see it over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lanekit.domain.setup import DEMO_TEAM, seed_demo, seed_demo_board
from lanekit.settings import Settings
from lanekit.storage.engine import Database, make_engine
from lanekit.storage.migrate import upgrade
from lanekit.storage.tables import board_roles, boards
from tests.conftest import Lanekit
from tests.factories.users import DEFAULT_PASSWORD
from tests.harness import basic
from tests.scratch_db import scratch_database

pytestmark = pytest.mark.anyio


async def test_demo_board_has_the_default_layout_and_a_team(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board_id = await seed_demo_board(
            conn, account_id=tenant.account.id, admin_email=tenant.admin.email, password=DEFAULT_PASSWORD
        )
    board = (await lanekit.as_admin(tenant).get(f"/io/board/{board_id}")).json()
    assert board["title"] == "Team Kanban"
    assert len(board["lanes"]) == 11 and len(board["cardTypes"]) == 7
    roles = {u["firstName"]: u["roleTypeId"] for u in board["users"]}
    assert roles == {"Test": 4, "Morgan": 3, "Uma": 2, "Riley": 1}

    domain = tenant.admin.email.partition("@")[2]
    for _, _, local, role in DEMO_TEAM:
        client = lanekit.client(tenant, headers=basic(f"{local}@{domain}", DEFAULT_PASSWORD))
        seen = (await client.get(f"/io/board/{board_id}")).json()
        assert seen["effectiveBoardRole"] == role
    reader = lanekit.client(tenant, headers=basic(f"riley@{domain}", DEFAULT_PASSWORD))
    lane = board["lanes"][1]["id"]
    assert (await reader.patch(f"/io/board/{board_id}/lane/{lane}", json={"wipLimit": 2})).status_code == 403


async def test_seed_demo_on_an_empty_database_seeds_the_board_once(backend: str, tmp_path: Path) -> None:
    async with scratch_database(backend, tmp_path) as url:
        settings = Settings.model_validate({"database_url": url, "redis_url": None, "default_account": None})
        engine = make_engine(settings)
        try:
            await upgrade(engine)
            db = Database(engine)
            async with db.begin() as conn:
                assert await seed_demo(
                    conn, account_name="demo", email="demo@lanekit.example", password="pw-12345678"
                )
            async with db.begin() as conn:
                assert not await seed_demo(
                    conn, account_name="demo", email="demo@lanekit.example", password="x"
                )
            async with db.read() as conn:
                titles = (await conn.execute(select(boards.c.title))).scalars().all()
                team = (await conn.execute(select(func.count()).select_from(board_roles))).scalar_one()
            assert titles == ["Team Kanban"] and team == 4
        finally:
            await engine.dispose()
