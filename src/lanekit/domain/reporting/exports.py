"""Reporting exports: which boards an export may read, and its rows, batch by batch, in a stable order.

docs/decisions/171-reporting-exports.md.  An export reads only boards the caller can read, decided by the
same rule as every /io card list (`domain.cards.lists.readable_board_ids`): `boardId` narrows them, and a
board it names that the caller cannot read (or that does not exist) is left out silently, as if it had no
rows, so an export never tells which boards exist.  A row that names another card (a parent connection) is
exported only when that card's board is readable too.

Rows are read in batches ordered by each export's key (`storage/queries/reporting_exports.py`): the first
batch skips `offset` rows, each next one starts after the last key read, and at most `limit` rows are
produced.  Each batch is its own statement on a connection returned to the pool between batches, so a
slow client never holds a connection and a large export never sits in memory.

On PostgreSQL a CSV or TSV export whose columns SQL can write comes as text instead (`export_text`,
`storage/queries/reporting_text.py`, docs/decisions/175-reporting-copy-exports.md): the same statements
and batches, each batch's lines built by PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lanekit.domain import events
from lanekit.domain.cards.lists import readable_board_ids
from lanekit.domain.errors import Invalid
from lanekit.domain.reporting.history import HISTORY_EXPORTS, history_rows
from lanekit.domain.types import MAX_ID, Actor, parse_digits
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection, Row
from lanekit.storage.queries import reporting as reporting_queries
from lanekit.storage.queries import reporting_exports as export_queries
from lanekit.storage.queries import reporting_text as text_queries

EXPORTS = (*export_queries.EXPORT_QUERIES, *HISTORY_EXPORTS)
BATCH_SIZE = 500
# Rows per batch when PostgreSQL writes the text: a batch is then one value of about 300 bytes a row.
TEXT_BATCH_SIZE = 2000
# Exports with columns the activity log fills in Python (`_complete`).
_CURRENT_ASSIGNMENTS = ("userassignments/current", "usertaskassignments/current")
_COMPLETED = (*_CURRENT_ASSIGNMENTS, "connections")
# `boardId` lists longer than this are refused: a Tableau multi-select sends a handful.
MAX_BOARD_IDS = 1000


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """An authorised export: the boards its rows come from, and every board the caller can read."""

    export: str
    board_ids: tuple[int, ...]
    readable_ids: tuple[int, ...]


def parse_board_ids(raw: str | None) -> list[int] | None:
    """`boardId`: one id, a comma-separated list, or `0`/empty/absent for every readable board (None)."""
    if raw is None:
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_BOARD_IDS:
        raise Invalid("boardId", f"names more than {MAX_BOARD_IDS} boards")
    ids: list[int] = []
    for part in parts:
        value = parse_digits(part)
        if value is None or value > MAX_ID:
            raise Invalid("boardId", f"{part[:40]!r} is not a board id; send ids separated by commas, or 0")
        if value != 0:
            ids.append(value)
    if not ids:
        return None
    return sorted(set(ids))


async def plan_export(
    conn: Connection, *, actor: Actor, export: str, board_ids: list[int] | None
) -> ExportPlan:
    readable = await readable_board_ids(conn, actor=actor, board_ids=None)
    chosen = readable if board_ids is None else readable.intersection(board_ids)
    return ExportPlan(export, tuple(sorted(chosen)), tuple(sorted(readable)))


async def data_age_seconds(db: Database) -> float:
    """How old the rows `db` serves may be: 0 for the database itself, a standby's replay lag otherwise."""
    async with db.read() as conn:
        return await reporting_queries.fetch_replay_lag_seconds(conn)


def writes_text(db: Database, export: str, kinds: tuple[str, ...]) -> bool:
    """Whether `export_text` can produce this export from `db` with these column kinds (PostgreSQL, an
    export with no column filled from the activity log, every column a kind SQL can write)."""
    return (
        db.dialect == "postgresql"
        and export not in _COMPLETED
        and text_queries.text_kinds_supported(export, kinds)
    )


# One batch read on `conn`: (what to yield, rows read, key of the last row) for rows after a key, or the
# first batch after `skip` rows.
_Key = tuple[Any, ...] | None
_Fetch = Callable[[Connection, _Key, int, int], Awaitable[tuple[Any, int, _Key]]]


async def _batches(
    db: Database, fetch: _Fetch, *, offset: int, limit: int | None, batch_size: int
) -> AsyncIterator[Any]:
    """The batches `fetch` reads, in key order, `offset` rows skipped and at most `limit` rows in all."""
    remaining = limit
    after: _Key = None
    while True:
        size = batch_size if remaining is None else min(batch_size, remaining)
        async with db.read() as conn:
            payload, count, last = await fetch(conn, after, offset, size)
        # Between batches the connection serves other requests (the client may be slow to read).
        await db.release()
        if count:
            yield payload
        if count < size:
            return
        if remaining is not None:
            remaining -= count
            if remaining <= 0:
                return
        after = last


async def export_rows(
    db: Database, plan: ExportPlan, *, offset: int, limit: int | None, batch_size: int | None = None
) -> AsyncIterator[list[list[Any]]]:
    """The export's rows (values in column order, not yet formatted), a batch at a time."""
    if not plan.board_ids or limit == 0:
        return
    if plan.export in HISTORY_EXPORTS:
        async for batch in history_rows(
            db, export=plan.export, board_ids=plan.board_ids, offset=offset, limit=limit
        ):
            yield batch
        return
    width = export_queries.key_width(plan.export)

    async def fetch(conn: Connection, after: _Key, skip: int, size: int) -> tuple[Any, int, _Key]:
        rows = await export_queries.list_export_batch(
            conn,
            export=plan.export,
            board_ids=plan.board_ids,
            readable_ids=plan.readable_ids,
            after=after,
            skip=skip,
            size=size,
        )
        values = [list(row[:-width]) for row in rows]
        if values:
            await _complete(conn, plan.export, rows, values)
        return values, len(rows), tuple(rows[-1][-width:]) if rows else None

    async for batch in _batches(db, fetch, offset=offset, limit=limit, batch_size=batch_size or BATCH_SIZE):
        yield batch


async def export_text(
    db: Database,
    plan: ExportPlan,
    *,
    kinds: tuple[str, ...],
    delimiter: str,
    quoted: bool,
    offset: int,
    limit: int | None,
    batch_size: int | None = None,
) -> AsyncIterator[str]:
    """The export's rows as CSV/TSV lines written by PostgreSQL, a batch at a time (see `writes_text`):
    the same rows, in the same order, as `export_rows`."""
    if not plan.board_ids or limit == 0:
        return

    async def fetch(conn: Connection, after: _Key, skip: int, size: int) -> tuple[Any, int, _Key]:
        batch = await text_queries.fetch_text_batch(
            conn,
            export=plan.export,
            kinds=kinds,
            delimiter=delimiter,
            quoted=quoted,
            board_ids=plan.board_ids,
            readable_ids=plan.readable_ids,
            after=after,
            skip=skip,
            size=size,
        )
        return batch.text, batch.rows, batch.last_key

    async for text in _batches(
        db, fetch, offset=offset, limit=limit, batch_size=batch_size or TEXT_BATCH_SIZE
    ):
        yield text


async def _complete(conn: Connection, export: str, rows: list[Row], values: list[list[Any]]) -> None:
    """Fill the columns storage has no column for from the activity log: who assigned a user, who connected
    two cards (the last such event; null when the log has none, as for changes made before it existed)."""
    if export in _CURRENT_ASSIGNMENTS:
        keys = rows[0]._keys
        card, user, by = keys.index("cardId"), keys.index("assignedUserId"), keys.index("assignedByUserId")
        found = await reporting_queries.list_card_events(
            conn, card_ids=[v[card] for v in values], types=[events.USER_ASSIGNED]
        )
        actor_of = {(e.card_id, str(e.data.get("user", {}).get("id"))): e.user_id for e in found}
        people = await reporting_queries.list_user_refs(
            conn, user_ids=[u for u in actor_of.values() if u is not None]
        )
        for value in values:
            acting = actor_of.get((value[card], str(value[user])))
            if acting is not None:
                name, email = people.get(acting, (None, None))
                value[by : by + 3] = [acting, name, email]
    elif export == "connections":
        keys = rows[0]._keys
        child, parent, by = (
            keys.index("cardId"),
            keys.index("parentCardId"),
            keys.index("connectionCreatedByUserId"),
        )
        found = await reporting_queries.list_card_events(
            conn, card_ids=[v[child] for v in values], types=[events.CARD_PARENT_CONNECTION_CREATED]
        )
        actor_of = {(e.card_id, str(e.data.get("parentCard", {}).get("id"))): e.user_id for e in found}
        for value in values:
            value[by] = actor_of.get((value[child], str(value[parent])))
