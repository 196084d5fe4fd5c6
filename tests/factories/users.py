from __future__ import annotations

import uuid
from typing import Any

from lanekit.domain.people.users import NewUser, insert_new_user
from lanekit.storage.executor import Connection
from lanekit.storage.records import AccountRecord, UserRecord

DEFAULT_PASSWORD = "correct-horse-battery"


async def make_user(conn: Connection, account: AccountRecord, **overrides: Any) -> UserRecord:
    """A valid user built through the domain; any NewUser field may be overridden."""
    values: dict[str, Any] = {
        "email": f"u{uuid.uuid4().hex[:10]}@{account.name}.example",
        "first_name": "Test",
        "last_name": "User",
        "password": DEFAULT_PASSWORD,
    }
    account_owner = overrides.pop("account_owner", False)
    values.update(overrides)
    return await insert_new_user(
        conn, account_id=account.id, new=NewUser(**values), account_owner=account_owner
    )
