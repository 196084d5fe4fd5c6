"""Board templates of an account: reads (`fetch`, `list_for_account`) and writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select

from lanekit.storage.executor import Connection
from lanekit.storage.records import TemplateRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import templates

# Stored templates are numbered from here up, so that they never share an id with a built-in template
# (LeanKit's global templates use 9 and 100-132).
FIRST_STORED_ID = 1000


def _template(row: Any) -> TemplateRecord:
    return TemplateRecord(**row_values(row, templates))


async def fetch(conn: Connection, *, account_id: int, template_id: int) -> TemplateRecord | None:
    row = (
        await conn.execute(
            select(templates).where(templates.c.id == template_id, templates.c.account_id == account_id)
        )
    ).first()
    return _template(row) if row else None


async def list_for_account(conn: Connection, *, account_id: int) -> list[TemplateRecord]:
    """The account's templates, by name."""
    rows = (
        await conn.execute(
            select(templates)
            .where(templates.c.account_id == account_id)
            .order_by(func.lower(templates.c.name), templates.c.id)
        )
    ).all()
    return [_template(r) for r in rows]


async def insert_template(conn: Connection, **values: Any) -> TemplateRecord:
    """Store a template under the next id at or above FIRST_STORED_ID.

    Two concurrent inserts that pick the same id make one of them fail on the primary key (an
    IntegrityError, answered 409 "retry"), never a silent overwrite.
    """
    top = (await conn.execute(select(func.max(templates.c.id)))).scalar_one()
    next_id = max(int(top or 0) + 1, FIRST_STORED_ID)
    row = (await conn.execute(insert(templates).values(id=next_id, **values).returning(*templates.c))).one()
    return _template(row)


async def delete_template(conn: Connection, *, account_id: int, template_id: int) -> None:
    await conn.execute(
        delete(templates).where(templates.c.id == template_id, templates.c.account_id == account_id)
    )
