from __future__ import annotations

import uuid

from lanekit.domain.people.accounts import create_account
from lanekit.storage.executor import Connection
from lanekit.storage.records import AccountRecord


async def make_account(
    conn: Connection, *, name: str | None = None, title: str | None = None
) -> AccountRecord:
    return await create_account(conn, name=name or f"t{uuid.uuid4().hex[:12]}", title=title)
