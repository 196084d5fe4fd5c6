"""storage/executor.py: statements run on the driver give the rows, values and errors SQLAlchemy gave.

Every query module runs through it, so what a user would notice is a value coming back different from what
was stored (a JSON document, a UTC instant), a row of another statement's literal, an IN list of the
wrong length, INSERT … RETURNING rows out of order, or a uniqueness race answered 500 instead of 409.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, insert, select, update

from lanekit.storage.engine import Database
from lanekit.storage.rows import PerDialect, any_of
from lanekit.storage.tables import accounts

pytestmark = pytest.mark.anyio


def _account(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "name": f"x{uuid.uuid4().hex[:12]}",
        "title": "Executor",
        "settings": {"nested": [1, "two", None], "big": 2**62, "text": "é ✓"},
        "created_on": datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC),
    }
    row.update(values)
    return row


async def test_rows_come_back_as_stored_by_index_name_and_mapping(db: Database) -> None:
    values = _account()
    async with db.begin() as conn:
        account_id = (
            await conn.execute(insert(accounts).values(**values).returning(accounts.c.id))
        ).scalar_one()
    async with db.read() as conn:
        row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).one()
    assert row.settings == values["settings"]
    assert row._mapping["created_on"] == values["created_on"]
    assert row.created_on.tzinfo is not None
    assert row[1] == values["name"]
    assert dict(row._mapping) == {"id": account_id, **values}


async def test_the_same_statement_shape_with_other_literals_reads_other_rows(db: Database) -> None:
    # Compiled once per shape: each call's own literal must still be the one bound.
    names = [f"x{uuid.uuid4().hex[:12]}" for _ in range(3)]
    async with db.begin() as conn:
        for name in names:
            await conn.execute(insert(accounts).values(**_account(name=name, title=name.upper())))
    async with db.read() as conn:
        titles = [
            (await conn.execute(select(accounts.c.title).where(accounts.c.name == name))).scalar_one()
            for name in names
        ]
        missing = (await conn.execute(select(accounts.c.id).where(accounts.c.name == "nobody"))).first()
        with pytest.raises(sa_exc.NoResultFound):
            (await conn.execute(select(accounts.c.id).where(accounts.c.name == "nobody"))).one()
    assert titles == [name.upper() for name in names]
    assert missing is None


_BY_IDS = PerDialect(lambda dialect: select(accounts.c.name).where(any_of(dialect, accounts.c.id, "ids")))


async def test_an_id_list_of_any_length_matches_exactly_those_rows(db: Database) -> None:
    async with db.begin() as conn:
        inserted = (
            await conn.execute(
                insert(accounts).returning(accounts.c.id, accounts.c.name, sort_by_parameter_order=True),
                [_account() for _ in range(5)],
            )
        ).all()
    ids = [row.id for row in inserted]
    async with db.read() as conn:
        for wanted in (ids[:1], ids[1:4], ids, []):
            found = (await conn.execute(_BY_IDS(conn), {"ids": wanted})).scalars().all()
            assert sorted(found) == sorted(row.name for row in inserted if row.id in wanted)


async def test_insert_returning_many_rows_keeps_the_order_of_the_rows_given(db: Database) -> None:
    rows = [_account(title=f"n{n}") for n in range(7)]
    async with db.begin() as conn:
        result = await conn.execute(
            insert(accounts).returning(accounts.c.title, sort_by_parameter_order=True), rows
        )
        titles = [row.title for row in result.all()]
        # And many rows without RETURNING (one executemany), then an UPDATE's row count.
        await conn.execute(insert(accounts), [_account(title="bulk") for _ in range(3)])
        changed = await conn.execute(
            update(accounts).where(accounts.c.title == "bulk").values(title="bulk-done")
        )
        assert changed.rowcount == 3
        assert (
            await conn.execute(select(func.count()).where(accounts.c.title == "bulk-done"))
        ).scalar_one() == 3
    assert titles == [f"n{n}" for n in range(7)]


async def test_a_unique_violation_is_an_integrity_error_without_the_parameters(db: Database) -> None:
    values = _account(title="secret-title-value")
    async with db.begin() as conn:
        await conn.execute(insert(accounts).values(**values))
    with pytest.raises(sa_exc.IntegrityError) as raised:
        async with db.begin() as conn:
            await conn.execute(insert(accounts).values(**values))
    assert "secret-title-value" not in str(raised.value)
    # The failed transaction was rolled back and its connection is usable again.
    async with db.begin() as conn:
        count = (
            await conn.execute(select(func.count()).where(accounts.c.name == values["name"]))
        ).scalar_one()
    assert count == 1
