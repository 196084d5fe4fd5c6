"""Reporting exports as CSV/TSV text built by PostgreSQL (docs/decisions/175-reporting-copy-exports.md).

The same paged selects as `reporting_exports.py` (same rows, same order, same `skip`/keyset paging, the same
bound `board_ids`/`readable_ids`), wrapped in one aggregate: PostgreSQL types every value as text, quotes it
as the export's CSV or TSV needs, joins each row into a CRLF-ended line and the batch's lines into one text
value.  A batch is then one row on the wire (the text, its row count and the key of its last row) instead of
thousands of typed values for Python to decode, type, quote and join.

The output must be the Python writer's, byte for byte (`reporting/writers.py`, Python's `csv` module with
CRLF line ends): `tests/reporting/test_text_exports.py` compares them on hostile values.  So:

- a cell's text is what `reporting/datasets.py` types it as: ids and integers as digits, booleans as
  `true`/`false`, instants as `shapes/common.instant_ms` writes them (UTC, milliseconds truncated, `Z`),
  dates as `YYYY-MM-DD`; the first external link's `label`/`url` for the link columns;
- quoted (`quotedString=true`, `csv.QUOTE_NONNUMERIC`): an integer column's value bare, every other value in
  double quotes with its quotes doubled, and null as `""` (what the csv module writes for None);
- plain (`csv.QUOTE_MINIMAL`): a value in quotes only when it holds the delimiter, a quote, CR or LF, and
  null as nothing.

Only the column kinds and types of `_SOURCE_TYPES` can be built here; `text_kinds_supported` says
whether an export's columns all are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from lanekit.storage.executor import Connection
from lanekit.storage.queries.reporting_exports import EXPORT_QUERIES, paged_select

# `shapes/common.instant_ms`: isoformat(timespec="milliseconds") truncates to the millisecond, as MS does.
_INSTANT = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'
_DATE = "YYYY-MM-DD"
CRLF = "\r\n"

# Column kinds (`reporting/datasets.py`) this module can write: s = string, i = integer, b = boolean,
# dt = instant, d = date; `link.label`/`link.url` = that part of the first external link (a JSON list).


def text_kinds_supported(export: str, kinds: Sequence[str]) -> bool:
    """Whether `fetch_text_batch` can write this export with these column kinds: one kind per column, each
    a kind of `TEXT_KINDS` over a column of a type this module writes as Python would."""
    return export in EXPORT_QUERIES and _supported(export, tuple(kinds))


# The SQL types each kind is written from (anything else, a float say, might not print as Python does).
_SOURCE_TYPES: dict[str, tuple[type[Any], ...]] = {
    "s": (String, Integer),
    "i": (Integer,),
    "b": (Boolean,),
    "dt": (DateTime,),
    "d": (Date, DateTime),
    "link.label": (JSON,),
    "link.url": (JSON,),
}


@cache
def _supported(export: str, kinds: tuple[str, ...]) -> bool:
    query = EXPORT_QUERIES[export]
    columns = list(query.build("postgresql").selected_columns)[: -query.key_width]
    return len(columns) == len(kinds) and all(
        isinstance(_type(column), _SOURCE_TYPES.get(kind, ()))
        for column, kind in zip(columns, kinds, strict=False)
    )


def _const(value: str) -> ColumnElement[Any]:
    """A constant of this module (never a user's value) written into the SQL text, not bound: a batch's
    statement has a few hundred of them."""
    escaped = "".join(_ESCAPES.get(c, c) for c in value)
    return literal_column(f"E'{escaped}'", Text)


_ESCAPES = {"\\": "\\\\", "'": "\\'", "\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _type(value: ColumnElement[Any]) -> Any:
    """The column's SQL type (a TypeDecorator's underlying one: `UtcDateTime` is a DateTime)."""
    kind = value.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def _is_integer(value: ColumnElement[Any]) -> bool:
    return isinstance(_type(value), Integer)


def _as_text(value: ColumnElement[Any], kind: str) -> ColumnElement[Any]:
    """The value as the export's text (null stays null)."""
    if kind in ("s", "i"):
        return value if isinstance(_type(value), String) else cast(value, Text)
    if kind == "b":
        return case((value, _const("true")), (~value, _const("false")), else_=None)
    if kind == "dt":
        return func.to_char(func.timezone(_const("UTC"), value), _const(_INSTANT))
    if kind == "d":
        if isinstance(_type(value), DateTime):
            return func.to_char(func.timezone(_const("UTC"), value), _const(_DATE))
        assert isinstance(_type(value), Date), value.type
        return func.to_char(value, _const(_DATE))
    part = kind.partition(".")[2]  # link.label / link.url: links are a JSON list of {label, url}
    first = value.op("->")(literal_column("0", Integer))
    return case((func.jsonb_typeof(first) == _const("object"), first.op("->>")(_const(part))), else_=None)


def _bare(kind: str, value: ColumnElement[Any]) -> bool:
    """Values of this column never hold a delimiter, a quote or a line break (digits, dates, words)."""
    return kind in ("i", "b", "dt", "d") or (kind == "s" and _is_integer(value))


def _quote(text: ColumnElement[Any]) -> ColumnElement[Any]:
    return _const('"') + func.replace(text, _const('"'), _const('""')) + _const('"')


def _cell(value: ColumnElement[Any], kind: str, *, delimiter: str, quoted: bool) -> ColumnElement[Any]:
    text = _as_text(value, kind)
    if quoted:
        if kind == "i":
            return func.coalesce(text, _const('""'))
        if _bare(kind, value):
            return _const('"') + func.coalesce(text, _const("")) + _const('"')
        return _quote(func.coalesce(text, _const("")))
    if _bare(kind, value):
        return func.coalesce(text, _const(""))
    special = _const(f'[{delimiter}"\r\n]')
    return case((text.op("~")(special), _quote(text)), else_=func.coalesce(text, _const("")))


@dataclass(frozen=True, slots=True)
class TextBatch:
    """One batch of an export as text: its CRLF-ended lines, how many, and the paging key of the last."""

    text: str
    rows: int
    last_key: tuple[Any, ...] | None


@cache  # one statement per export, kinds, batch position and format, built once per process
def _statement(
    export: str, kinds: tuple[str, ...], *, first: bool, delimiter: str, quoted: bool
) -> Select[Any]:
    query = EXPORT_QUERIES[export]
    paged = paged_select(export, "postgresql", first=first)
    page = paged.subquery("page")
    values = [c for c in page.c if not c.key.startswith("_k")]
    line: ColumnElement[Any] = _cell(values[0], kinds[0], delimiter=delimiter, quoted=quoted)
    for value, kind in zip(values[1:], kinds[1:], strict=True):
        line = line + _const(delimiter) + _cell(value, kind, delimiter=delimiter, quoted=quoted)
    line = line + _const(CRLF)
    page_keys = [page.c[f"_k{i}"] for i in range(query.key_width)]
    last = [func.array_agg(aggregate_order_by(key, *[k.desc() for k in page_keys]))[1] for key in page_keys]
    return select(
        func.string_agg(line, aggregate_order_by(_const(""), *page_keys)).label("text"),
        func.count().label("rows"),
        *last,
    )


async def fetch_text_batch(
    conn: Connection,
    *,
    export: str,
    kinds: tuple[str, ...],
    delimiter: str,
    quoted: bool,
    board_ids: Sequence[int],
    readable_ids: Sequence[int],
    after: tuple[Any, ...] | None,
    skip: int,
    size: int,
) -> TextBatch:
    """Up to `size` rows of the export as CSV/TSV lines, in key order: the first batch after skipping
    `skip` rows, or the rows whose key follows `after`.  PostgreSQL only."""
    stmt = _statement(export, kinds, first=after is None, delimiter=delimiter, quoted=quoted)
    params: dict[str, Any] = {"board_ids": list(board_ids), "readable_ids": list(readable_ids), "size": size}
    if after is None:
        params["skip"] = skip
    else:
        params.update({f"a{i}": value for i, value in enumerate(after)})
    row = (await conn.execute(stmt, params)).one()
    count = int(row[1])
    return TextBatch(row[0] or "", count, tuple(row[2:]) if count else None)
