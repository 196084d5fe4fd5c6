"""Searching an account's users by a filter tree: the SQL side of SCIM's `GET /Users?filter=`.

A filter arrives as a tree of `Comparison`, `AllOf` and `AnyOf` over named user fields (`FIELDS`), with
values already typed by the caller (str, bool, int, datetime).  It becomes one SQLAlchemy expression with
bound parameters only; no text of the filter ever reaches the SQL.  String comparisons ignore case, as
SCIM 1.1 asks of attributes that are not caseExact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, true

from lanekit.storage.executor import Connection
from lanekit.storage.records import UserRecord
from lanekit.storage.tables import users


@dataclass(frozen=True, slots=True)
class Comparison:
    """`field op value`; `op` is one of eq co sw gt ge lt le pr (pr takes no value)."""

    field: str
    op: str
    value: str | bool | int | datetime | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[UserFilter, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[UserFilter, ...]


UserFilter = Comparison | AllOf | AnyOf

# Field name → (column expression, kind).  Kinds: "text" (case-insensitive), "key" (a column already stored
# lower-cased: compared with the lower-cased value, so the unique index serves `eq`), "bool", "id", "instant".
FIELDS: dict[str, tuple[Any, str]] = {
    "id": (users.c.id, "id"),
    "username": (users.c.username_key, "key"),
    "email": (users.c.email_key, "key"),
    "external_id": (users.c.external_user_name, "text"),
    "first_name": (users.c.first_name, "text"),
    "last_name": (users.c.last_name, "text"),
    "full_name": (users.c.first_name + literal(" ") + users.c.last_name, "text"),
    "time_zone": (users.c.time_zone, "text"),
    "license_type": (users.c.license_type, "text"),
    "date_format": (users.c.date_format, "text"),
    "enabled": (users.c.enabled, "bool"),
    "administrator": (users.c.administrator, "bool"),
    "board_creator": (users.c.board_creator, "bool"),
    "created_on": (users.c.created_on, "instant"),
    "updated_on": (users.c.updated_on, "instant"),
    "last_access": (users.c.last_access, "instant"),
}


def _like_pattern(value: str, *, prefix: bool) -> str:
    # `%`, `_` and the escape character are literal in a filter value, never wildcards.
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "eq":
        return column == value  # type: ignore[no-any-return]
    if op == "gt":
        return column > value  # type: ignore[no-any-return]
    if op == "ge":
        return column >= value  # type: ignore[no-any-return]
    if op == "lt":
        return column < value  # type: ignore[no-any-return]
    if op == "le":
        return column <= value  # type: ignore[no-any-return]
    raise ValueError(f"operator {op!r} does not apply here")


def _instant(column: Any, op: str, value: datetime) -> ColumnElement[bool]:
    """Instants are shown to the second, so `eq` matches the whole second the value names, and `gt` means
    after that second."""
    if value.microsecond:
        return _compare(column, op, value)
    following = value + timedelta(seconds=1)
    if op == "eq":
        return and_(column >= value, column < following)
    if op == "gt":
        return column >= following  # type: ignore[no-any-return]
    if op == "le":
        return column < following  # type: ignore[no-any-return]
    return _compare(column, op, value)


def _comparison(node: Comparison) -> ColumnElement[bool]:
    column, kind = FIELDS[node.field]
    if node.op == "pr":
        if kind in ("text", "key"):
            return and_(column.is_not(None), column != "")
        return column.is_not(None)  # type: ignore[no-any-return]
    value = node.value
    if kind in ("text", "key"):
        assert isinstance(value, str)
        target = column if kind == "key" else func.lower(column)
        if node.op == "co":
            return target.like(_like_pattern(value, prefix=False), escape="\\")
        if node.op == "sw":
            return target.like(_like_pattern(value, prefix=True), escape="\\")
        return _compare(target, node.op, value.lower())
    if kind == "instant":
        assert isinstance(value, datetime)
        return _instant(column, node.op, value)
    return _compare(column, node.op, value)


def where_clause(tree: UserFilter) -> ColumnElement[bool]:
    if isinstance(tree, Comparison):
        return _comparison(tree)
    parts = [where_clause(part) for part in tree.parts]
    return and_(true(), *parts) if isinstance(tree, AllOf) else or_(false(), *parts)


async def search(
    conn: Connection,
    *,
    account_id: int,
    tree: UserFilter | None,
    sort_field: str | None,
    descending: bool,
    offset: int,
    limit: int,
) -> tuple[int, list[UserRecord]]:
    """(number of matching live users, one page of them).  The order is stable: ties, and the unsorted
    list, go by id."""
    where = [users.c.account_id == account_id, users.c.deleted == false()]
    if tree is not None:
        where.append(where_clause(tree))
    total = int((await conn.execute(select(func.count()).select_from(users).where(*where))).scalar_one())
    if limit == 0 or offset >= total:
        return total, []
    order: list[Any] = []
    if sort_field is not None and sort_field != "id":
        column, kind = FIELDS[sort_field]
        key = func.lower(column) if kind == "text" else column
        # Users without a value come last either way, on both databases (their defaults differ).
        order.append((key.desc() if descending else key.asc()).nulls_last())
    order.append(users.c.id.desc() if descending and sort_field == "id" else users.c.id.asc())
    rows = (
        await conn.execute(select(users).where(*where).order_by(*order).offset(offset).limit(limit))
    ).all()
    return total, [UserRecord(**r._mapping) for r in rows]
