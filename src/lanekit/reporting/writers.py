"""The three export formats, written as a stream of encoded chunks, one per batch of rows.

- `csv` (the default): RFC 4180 through Python's `csv` module (CRLF line ends; commas, quotes and newlines
  inside a value are quoted and kept), UTF-8, a header row of the column keys.  `quotedString=true` (the
  default) quotes every non-numeric value; `false` quotes only the values that need it.
- `tab`: the same with tab separators.
- `json`: one top-level array of flat objects, keys in column order, with JSON types (ids as strings).

Booleans are written `true`/`false` in CSV and TSV, as in JSON; null is an empty field (`""` when every
non-numeric value is quoted).

On PostgreSQL most CSV/TSV exports come as lines PostgreSQL wrote (`write_text`); they are these writers'
bytes exactly (docs/decisions/175-reporting-copy-exports.md), so this module is the reference for both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import orjson

from lanekit.reporting.datasets import Column, typed_row

FORMATS = ("csv", "tab", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "tab": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
}


def _cell(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def delimiter(fmt: str) -> str:
    return "\t" if fmt == "tab" else ","


def _csv_writer(buffer: io.StringIO, *, tab: bool, quoted: bool) -> Any:
    return csv.writer(
        buffer,
        delimiter="\t" if tab else ",",
        quoting=csv.QUOTE_NONNUMERIC if quoted else csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
    )


async def write_delimited(
    columns: tuple[Column, ...], batches: AsyncIterator[list[list[Any]]], *, tab: bool, quoted: bool
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = _csv_writer(buffer, tab=tab, quoted=quoted)

    def drain() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    writer.writerow([c.key for c in columns])
    yield drain()
    async for batch in batches:
        writer.writerows([_cell(v) for v in typed_row(columns, values)] for values in batch)
        yield drain()


async def write_text(
    columns: tuple[Column, ...], lines: AsyncIterator[str], *, tab: bool, quoted: bool
) -> AsyncIterator[bytes]:
    """The header row as `write_delimited` writes it, then the lines PostgreSQL wrote, as they come."""
    buffer = io.StringIO()
    _csv_writer(buffer, tab=tab, quoted=quoted).writerow([c.key for c in columns])
    yield buffer.getvalue().encode("utf-8")
    async for text in lines:
        yield text.encode("utf-8")


async def write_json(
    columns: tuple[Column, ...], batches: AsyncIterator[list[list[Any]]]
) -> AsyncIterator[bytes]:
    keys = [c.key for c in columns]
    separator = b"["
    async for batch in batches:
        chunk = b",".join(
            orjson.dumps(dict(zip(keys, typed_row(columns, values), strict=True))) for values in batch
        )
        yield separator + chunk
        separator = b","
    yield b"[]" if separator == b"[" else b"]"


def write(
    fmt: str, columns: tuple[Column, ...], batches: AsyncIterator[list[list[Any]]], *, quoted: bool
) -> AsyncIterator[bytes]:
    if fmt == "json":
        return write_json(columns, batches)
    return write_delimited(columns, batches, tab=fmt == "tab", quoted=quoted)
