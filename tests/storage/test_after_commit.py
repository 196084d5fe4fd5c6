"""storage/engine.py: work registered with `after_commit` runs once the write transaction has committed,
in order, never after a rollback, and a failing callback neither fails the block nor stops the others."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from lanekit.storage.engine import Database, after_commit
from lanekit.storage.tables import accounts
from tests.factories.accounts import make_account

pytestmark = pytest.mark.anyio


async def _account_exists(db: Database, account_id: int) -> bool:
    async with db.read() as conn:
        found = await conn.execute(select(accounts.c.id).where(accounts.c.id == account_id))
        return found.first() is not None


async def test_callbacks_run_after_the_commit_in_order(db: Database) -> None:
    ran: list[str] = []
    seen: list[bool] = []

    async def check_committed() -> None:
        # Another connection already sees the row: the callback runs after the commit, not before it.
        seen.append(await _account_exists(db, account.id))
        ran.append("async")

    async with db.begin() as conn:
        account = await make_account(conn)
        after_commit(conn, lambda: ran.append("first"))
        after_commit(conn, check_committed)
        after_commit(conn, lambda: ran.append("last"))
        assert ran == []
    assert ran == ["first", "async", "last"]
    assert seen == [True]


async def test_a_rollback_drops_the_callbacks(db: Database) -> None:
    ran: list[str] = []

    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with db.begin() as conn:
            account = await make_account(conn)
            after_commit(conn, lambda: ran.append("never"))
            raise Refused
    assert ran == []
    assert not await _account_exists(db, account.id)

    # The next transaction (perhaps on the same pooled connection) starts with no callbacks of its own.
    async with db.begin() as conn:
        after_commit(conn, lambda: ran.append("next"))
    assert ran == ["next"]


async def test_a_failing_callback_is_logged_and_the_others_still_run(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise OSError("disk gone")

    async def broken_async() -> None:
        raise ValueError("nope")

    with caplog.at_level(logging.ERROR, logger="lanekit.storage"):
        async with db.begin() as conn:
            account = await make_account(conn)
            after_commit(conn, broken)
            after_commit(conn, lambda: ran.append("second"))
            after_commit(conn, broken_async)
            after_commit(conn, lambda: ran.append("fourth"))
    assert ran == ["second", "fourth"]
    assert await _account_exists(db, account.id)
    failures = [r for r in caplog.records if r.name == "lanekit.storage" and r.exc_info]
    assert [type(r.exc_info[1]) for r in failures if r.exc_info] == [OSError, ValueError]


async def test_only_a_write_transaction_takes_callbacks(db: Database) -> None:
    async with db.read() as conn:
        with pytest.raises(RuntimeError, match=r"Database\.begin"):
            after_commit(conn, lambda: None)
