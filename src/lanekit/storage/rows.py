"""Turning result rows into the keyword arguments of a record, and id-list conditions per database."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, ColumnElement, Table, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from lanekit.storage.executor import Connection

T = TypeVar("T")


@cache
def column_names(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.c)


def row_values(row: Any, table: Table, prefix: str = "") -> dict[str, Any]:
    """The row's values of `table`'s columns, by column name; `prefix` when the select labelled them so.

    `row._mapping` builds a new view each time it is read, and reading it once per column made record
    building the largest cost of a board read (decision 094), so it is read once per row here.
    """
    names = column_names(table)
    if not prefix and row._fields == names:
        # A select of exactly the table's columns (`select(table)`, `returning(*table.c)`): the row's
        # values are the record's, in order.  Three times cheaper per row than reading by name, which a
        # user's 50 board roles on every `/io/user/me` made visible under load.
        return dict(zip(names, row, strict=True))
    mapping = row._mapping
    return {name: mapping[prefix + name] for name in names}


def any_of(dialect: str, column: Any, name: str, item_type: Any = BigInteger) -> ColumnElement[bool]:
    """`column IN (the ids bound as :name)`, in the form each database runs fastest.

    An expanding IN renders one placeholder per id on every execution, and a page of 200 ids spent more CPU
    rendering them than PostgreSQL spent answering; there the ids travel as one array (`= ANY(:name)`).
    SQLite has no arrays and keeps the expanding IN.  `item_type`: the type of the values (ids by default).
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(item_type)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]


class PerDialect(Generic[T]):
    """A statement built once per dialect (for statements using `any_of`)."""

    def __init__(self, build: Callable[[str], T]) -> None:
        self._build = build
        self._built: dict[str, T] = {}

    def __call__(self, conn: Connection) -> T:
        name = conn.dialect.name
        try:
            return self._built[name]
        except KeyError:
            built = self._built[name] = self._build(name)
            return built
