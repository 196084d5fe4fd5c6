"""The activity log: `insert_events` (one statement for any number) and the cursor reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select

from lanekit.storage.executor import Connection
from lanekit.storage.records import EventRecord, UserRef
from lanekit.storage.tables import events, users


async def insert_events(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Each row: account_id, board_id, card_id, type, user_id, occurred_on, board_version, data."""
    if rows:
        await conn.execute(insert(events), list(rows))


_EVENT_NAMES = tuple(c.name for c in events.c)


def _event(row: Any) -> EventRecord:
    m = row._mapping
    user = (
        None if m["u_id"] is None else UserRef(m["u_id"], m["u_email"], m["u_first_name"], m["u_last_name"])
    )
    return EventRecord(**{name: m[name] for name in _EVENT_NAMES}, user=user)


async def _page(
    conn: Connection, *, where: list[ColumnElement[bool]], cursor: int | None, newer: bool, limit: int
) -> list[EventRecord]:
    """Newest first; with a cursor, the events just older (or newer) than it."""
    if cursor is not None:
        where.append(events.c.id > cursor if newer else events.c.id < cursor)
    order = events.c.id.asc() if newer else events.c.id.desc()
    stmt = (
        select(
            events,
            users.c.id.label("u_id"),
            users.c.email.label("u_email"),
            users.c.first_name.label("u_first_name"),
            users.c.last_name.label("u_last_name"),
        )
        .select_from(events.outerjoin(users, users.c.id == events.c.user_id))
        .where(*where)
        .order_by(order)
        .limit(limit)
    )
    found = [_event(r) for r in (await conn.execute(stmt)).all()]
    if newer:
        found.reverse()
    return found


async def list_for_card(
    conn: Connection, *, account_id: int, card_id: int, cursor: int | None, newer: bool, limit: int
) -> list[EventRecord]:
    where = [events.c.card_id == card_id, events.c.account_id == account_id]
    return await _page(conn, where=where, cursor=cursor, newer=newer, limit=limit)


async def list_for_board(
    conn: Connection, *, account_id: int, board_id: int, cursor: int | None, newer: bool, limit: int
) -> list[EventRecord]:
    where = [events.c.board_id == board_id, events.c.account_id == account_id]
    return await _page(conn, where=where, cursor=cursor, newer=newer, limit=limit)


async def list_since_version(
    conn: Connection, *, board_id: int, version: int
) -> list[tuple[int | None, str, dict[str, Any], int]]:
    """(card id, type, data, board version) of the board's events after `version`, oldest first."""
    rows = (
        await conn.execute(
            select(events.c.card_id, events.c.type, events.c.data, events.c.board_version)
            .where(events.c.board_id == board_id, events.c.board_version > version)
            .order_by(events.c.id)
        )
    ).all()
    return [(r.card_id, r.type, r.data, int(r.board_version)) for r in rows]


def stamp(
    *, account_id: int, user_id: int, now: datetime, versions: dict[int, int], new_events: Sequence[Any]
) -> list[dict[str, Any]]:
    """Rows for `insert_events` from domain NewEvents, each with its board's new version."""
    return [
        {
            "account_id": account_id,
            "board_id": e.board_id,
            "card_id": e.card_id,
            "type": e.type,
            "user_id": user_id,
            "occurred_on": now,
            "board_version": versions[e.board_id],
            "data": e.data,
        }
        for e in new_events
    ]


async def list_records_since_version(
    conn: Connection, *, account_id: int, board_id: int, version: int, limit: int
) -> list[EventRecord]:
    """The board's events after `version`, oldest first, at most `limit` (the (board_id, board_version)
    index)."""
    stmt = (
        select(
            events,
            users.c.id.label("u_id"),
            users.c.email.label("u_email"),
            users.c.first_name.label("u_first_name"),
            users.c.last_name.label("u_last_name"),
        )
        .select_from(events.outerjoin(users, users.c.id == events.c.user_id))
        .where(
            events.c.board_id == board_id,
            events.c.account_id == account_id,
            events.c.board_version > version,
        )
        .order_by(events.c.board_version, events.c.id)
        .limit(limit)
    )
    return [_event(r) for r in (await conn.execute(stmt)).all()]
