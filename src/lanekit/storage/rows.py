"""Turning result rows into the keyword arguments of a record."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table


@cache
def column_names(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.c)


def row_values(row: Any, table: Table) -> dict[str, Any]:
    """The row's values of `table`'s columns, by column name.

    `row._mapping` builds a new view each time it is read, and reading it once per column made record
    building the largest cost of a board read (decision 094), so it is read once per row here.
    """
    mapping = row._mapping
    return {name: mapping[name] for name in column_names(table)}
