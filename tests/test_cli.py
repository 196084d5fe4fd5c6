"""`lanekit migrate` and `lanekit init`, run as a user runs them: a separate process configured only by
the environment, against a fresh database of each backend."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from lanekit.storage.engine import make_engine
from lanekit.storage.migrate import current_revision, head_revision
from lanekit.storage.tables import accounts, users
from tests.conftest import _settings
from tests.harness import Lanekit, basic
from tests.scratch_db import scratch_database

pytestmark = pytest.mark.anyio

ADMIN = ["--account", "acme", "--email", "boss@acme.example", "--password", "first-password"]


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    async with scratch_database(backend, tmp_path) as url:
        yield url


async def lanekit_cli(database_url: str, *args: str) -> tuple[int, str, str]:
    # Only LANEKIT_DATABASE_URL: the developer's own LANEKIT_* settings must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANEKIT_")}
    env["LANEKIT_DATABASE_URL"] = database_url
    result = await anyio.run_process([sys.executable, "-m", "lanekit", *args], env=env, check=False)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


async def snapshot(database_url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(_settings(database_url))
    try:
        async with engine.connect() as conn:
            return {
                table.name: [
                    dict(r) for r in (await conn.execute(select(table).order_by(table.c.id))).mappings()
                ]
                for table in (accounts, users)
            }
    finally:
        await engine.dispose()


async def test_migrate_brings_an_empty_database_to_head(database_url: str) -> None:
    code, out, err = await lanekit_cli(database_url, "migrate")
    assert (code, err) == (0, "")
    assert "latest revision" in out
    engine = make_engine(_settings(database_url))
    try:
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()
    # Running it again is harmless.
    assert (await lanekit_cli(database_url, "migrate"))[0] == 0


async def test_init_creates_the_account_and_its_administrator(database_url: str) -> None:
    code, out, err = await lanekit_cli(
        database_url, "init", *ADMIN, "--first-name", "Big", "--last-name", "Boss"
    )
    assert (code, err) == (0, "")
    assert "acme" in out and "boss@acme.example" in out
    assert "first-password" not in out

    rows = await snapshot(database_url)
    assert [a["name"] for a in rows["accounts"]] == ["acme"]
    [admin] = rows["users"]
    assert (admin["email"], admin["first_name"], admin["last_name"]) == ("boss@acme.example", "Big", "Boss")
    assert (admin["administrator"], admin["board_creator"], admin["account_owner"]) == (True, True, True)
    assert admin["password_hash"].startswith("$argon2id$")

    # The printed credentials work against the API at the account's host.
    kit = Lanekit(_settings(database_url))
    try:
        client = kit.client(
            headers={**basic("boss@acme.example", "first-password"), "Host": "acme.example.com"}
        )
        me = await client.get("/io/user/me")
        assert me.status_code == 200
        assert me.json()["administrator"] is True
    finally:
        await kit.close()


async def test_init_is_idempotent_and_never_overwrites_a_password(database_url: str) -> None:
    assert (await lanekit_cli(database_url, "init", *ADMIN))[0] == 0
    before = await snapshot(database_url)

    code, out, err = await lanekit_cli(database_url, "init", *ADMIN)
    assert (code, err) == (0, "")
    assert "nothing changed" in out
    assert await snapshot(database_url) == before

    changed = [*ADMIN[:-1], "another-password"]
    code, out, err = await lanekit_cli(database_url, "init", *changed)
    assert code == 1
    assert "different password" in err
    assert "another-password" not in err + out
    assert await snapshot(database_url) == before

    # Another email in the same account: a second administrator, not a second owner.
    code, _, err = await lanekit_cli(
        database_url,
        "init",
        "--account",
        "acme",
        "--email",
        "deputy@acme.example",
        "--password",
        "deputy-pass",
    )
    assert (code, err) == (0, "")
    rows = await snapshot(database_url)
    assert len(rows["accounts"]) == 1
    deputy = next(u for u in rows["users"] if u["email"] == "deputy@acme.example")
    assert (deputy["administrator"], deputy["account_owner"]) == (True, False)


BAD_INPUT = [
    (["--account", "Not A Host Label!", "--email", "a@b.example", "--password", "long-enough"], "account"),
    (["--account", "acme", "--email", "not-an-email", "--password", "long-enough"], "emailAddress"),
    (["--account", "acme", "--email", "a@b.example", "--password", "short"], "password"),
]


async def test_init_rejects_bad_input_naming_it(database_url: str) -> None:
    for args, named in BAD_INPUT:
        code, _, err = await lanekit_cli(database_url, "init", *args)
        assert code == 1, args
        assert err.startswith(f"lanekit init: {named}:"), err
    assert (await snapshot(database_url)) == {"accounts": [], "users": []}


def test_the_serving_worker_freezes_what_start_up_built(tmp_path: Path) -> None:
    # In a process of its own: a freeze is for the life of the process.
    code = (
        "import gc; from lanekit.cli import app_from_environment; "
        "before = gc.get_freeze_count(); app_from_environment(); print(before, gc.get_freeze_count())"
    )
    env = {**os.environ, "LANEKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'frozen.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    before, after = (int(n) for n in done.stdout.split())
    assert before == 0 and after > 50_000
