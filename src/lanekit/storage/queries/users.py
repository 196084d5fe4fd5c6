from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, func, insert, or_, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import UserRecord
from lanekit.storage.tables import users


async def fetch(conn: Connection, *, account_id: int, user_id: int) -> UserRecord | None:
    """A live (not deleted) user of the account."""
    row = (
        await conn.execute(
            select(users).where(
                users.c.id == user_id, users.c.account_id == account_id, users.c.deleted == false()
            )
        )
    ).first()
    return UserRecord(**row._mapping) if row else None


# Built once: every Basic request runs it (statement building costs more than the round trip).
_BY_LOGIN = select(users).where(
    users.c.account_id == bindparam("account_id"),
    users.c.deleted == false(),
    or_(users.c.email_key == bindparam("key"), users.c.username_key == bindparam("key")),
)


async def fetch_by_login(conn: Connection, *, account_id: int, login: str) -> UserRecord | None:
    """The live user whose email or username is `login` (case-insensitive); email wins a tie."""
    key = login.strip().lower()
    rows = list((await conn.execute(_BY_LOGIN, {"account_id": account_id, "key": key})).all())
    if not rows:
        return None
    rows.sort(key=lambda r: r.email_key != key)
    return UserRecord(**rows[0]._mapping)


async def fetch_by_keys(
    conn: Connection, *, account_id: int, email_key: str, username_key: str
) -> list[UserRecord]:
    """Live users that already hold this email or username."""
    rows = (
        await conn.execute(
            select(users).where(
                users.c.account_id == account_id,
                users.c.deleted == false(),
                or_(
                    users.c.email_key.in_([email_key, username_key]),
                    users.c.username_key.in_([email_key, username_key]),
                ),
            )
        )
    ).all()
    return [UserRecord(**r._mapping) for r in rows]


_SORTS: dict[str, list[Any]] = {
    "newUsers": [users.c.created_on.desc(), users.c.id.desc()],
    "enabled": [users.c.enabled.desc(), users.c.last_name, users.c.first_name],
    "disabled": [users.c.enabled.asc(), users.c.last_name, users.c.first_name],
    "firstNameDesc": [users.c.first_name.desc(), users.c.last_name.desc()],
    "firstNameAsc": [users.c.first_name, users.c.last_name],
    "licenseTypeAsc": [users.c.license_type, users.c.last_name],
    "licenseTypeDesc": [users.c.license_type.desc(), users.c.last_name],
    "lastName": [users.c.last_name, users.c.first_name],
    "accountRole": [users.c.administrator.desc(), users.c.last_name, users.c.first_name],
}


def _search_filter(search: str | None) -> list[ColumnElement[bool]]:
    if not search:
        return []
    # `%`, `_` and the escape character itself are literal characters in a search, not wildcards.
    escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return [
        or_(
            func.lower(users.c.first_name).like(pattern, escape="\\"),
            func.lower(users.c.last_name).like(pattern, escape="\\"),
            func.lower(users.c.first_name + " " + users.c.last_name).like(pattern, escape="\\"),
            users.c.email_key.like(pattern, escape="\\"),
            users.c.username_key.like(pattern, escape="\\"),
        )
    ]


async def list_page(
    conn: Connection, *, account_id: int, offset: int, limit: int, sort_by: str, search: str | None
) -> tuple[int, list[UserRecord]]:
    where = [users.c.account_id == account_id, users.c.deleted == false(), *_search_filter(search)]
    total = int((await conn.execute(select(func.count()).select_from(users).where(*where))).scalar_one())
    rows = (
        await conn.execute(
            select(users).where(*where).order_by(*_SORTS[sort_by], users.c.id).offset(offset).limit(limit)
        )
    ).all()
    return total, [UserRecord(**r._mapping) for r in rows]


async def insert_user(conn: Connection, **values: Any) -> UserRecord:
    row = (await conn.execute(insert(users).values(**values).returning(*users.c))).one()
    return UserRecord(**row._mapping)


async def update_user(conn: Connection, *, account_id: int, user_id: int, **values: Any) -> UserRecord | None:
    row = (
        await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.account_id == account_id, users.c.deleted == false())
            .values(**values)
            .returning(*users.c)
        )
    ).first()
    return UserRecord(**row._mapping) if row else None


async def touch_last_access(conn: Connection, *, user_id: int, now: datetime, stale_before: datetime) -> None:
    """Record a sign-in, at most once per staleness window so reads stay reads."""
    await conn.execute(
        update(users)
        .where(
            users.c.id == user_id,
            or_(users.c.last_access.is_(None), users.c.last_access < stale_before),
        )
        .values(last_access=now)
    )
