"""Reporting API reads besides the exports' own selects (`reporting_exports.py`): the signing key of
reporting tokens, a replica's lag, and what the history exports and the flow metrics read (cards in id
batches, their events, lanes, assignments, users).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Select,
    String,
    bindparam,
    case,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lanekit.storage.executor import Connection
from lanekit.storage.rows import PerDialect, any_of
from lanekit.storage.tables import (
    boards,
    card_assignments,
    card_types,
    cards,
    events,
    lanes,
    reporting_signing_keys,
    users,
)

SIGNING_KEY_ID = 1


# --- the signing key -------------------------------------------------------------------------------------


async def fetch_signing_key(conn: Connection) -> str | None:
    row = (
        await conn.execute(
            select(reporting_signing_keys.c.secret).where(reporting_signing_keys.c.id == SIGNING_KEY_ID)
        )
    ).first()
    return None if row is None else str(row[0])


async def insert_signing_key_once(conn: Connection, *, secret: str, now: datetime) -> str:
    """Store `secret` unless a key exists already, and return the stored key: two processes racing to create
    it both end up with the first one's."""
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        maker(reporting_signing_keys)
        .values(id=SIGNING_KEY_ID, secret=secret, created_on=now)
        .on_conflict_do_nothing(index_elements=[reporting_signing_keys.c.id])
    )
    await conn.execute(stmt)
    stored = await fetch_signing_key(conn)
    assert stored is not None
    return stored


# --- freshness ----------------------------------------------------------------------------------------------


async def fetch_replay_lag_seconds(conn: Connection) -> float:
    """How far behind its primary this database is, in seconds: 0 on a primary (and on SQLite), else the
    time since the last transaction a PostgreSQL standby replayed."""
    if conn.dialect.name != "postgresql":
        return 0.0
    lag = (
        await conn.exec_driver_sql(
            "SELECT CASE WHEN pg_is_in_recovery() THEN"
            " COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) ELSE 0 END"
        )
    ).scalar()
    return max(0.0, float(lag or 0))


# --- history and what the exports complete from the log ---------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    card_id: int
    type: str
    user_id: int | None
    occurred_on: datetime
    data: dict[str, Any]


def _card_events(dialect: str) -> Select[Any]:
    return (
        select(events.c.card_id, events.c.type, events.c.user_id, events.c.occurred_on, events.c.data)
        .where(any_of(dialect, events.c.card_id, "card_ids"), any_of(dialect, events.c.type, "types", String))
        .order_by(events.c.id)
    )


_CARD_EVENTS = PerDialect(_card_events)


async def list_card_events(
    conn: Connection, *, card_ids: Sequence[int], types: Sequence[str]
) -> list[LoggedEvent]:
    """These cards' events of these types, oldest first (by id: the order they were written in)."""
    if not card_ids:
        return []
    rows = (
        await conn.execute(_CARD_EVENTS(conn), {"card_ids": sorted(set(card_ids)), "types": list(types)})
    ).all()
    return [
        LoggedEvent(int(r[0]), str(r[1]), None if r[2] is None else int(r[2]), r[3], dict(r[4] or {}))
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class LaneEvent:
    """A lane event of a card (`cardCreated`, the moves) with only what lane visits need: the ids of its
    `lane`, `fromLane` and `toLane` as the log wrote them, when they are JSON strings (else None)."""

    card_id: int
    type: str
    occurred_on: datetime
    lane: str | None
    from_lane: str | None
    to_lane: str | None


def _lane_ref(dialect: str, key: str) -> Any:
    """`data.<key>.id` when it is a JSON string, read by the database (no event is decoded in Python)."""
    if dialect == "postgresql":
        ref = events.c.data.op("->")(literal_column(f"'{key}'")).op("->")(literal_column("'id'"))
        return case(
            (func.jsonb_typeof(ref) == literal_column("'string'"), ref.op("#>>")(literal_column("'{}'"))),
            else_=None,
        )
    path: Any = literal_column(f"'$.{key}.id'")
    return case(
        (
            func.json_type(events.c.data, path) == literal_column("'text'"),
            func.json_extract(events.c.data, path),
        ),
        else_=None,
    )


def _lane_events(dialect: str) -> Select[Any]:
    # On PostgreSQL asyncpg hands back timestamptz as UTC datetimes already: UtcDateTime's per-value
    # conversion is skipped (400,000 events on the bench's full export).
    occurred_on = (
        type_coerce(events.c.occurred_on, DateTime(timezone=True))
        if dialect == "postgresql"
        else events.c.occurred_on
    )
    return (
        select(
            events.c.card_id,
            events.c.type,
            occurred_on,
            _lane_ref(dialect, "lane"),
            _lane_ref(dialect, "fromLane"),
            _lane_ref(dialect, "toLane"),
        )
        .where(any_of(dialect, events.c.card_id, "card_ids"), any_of(dialect, events.c.type, "types", String))
        .order_by(events.c.id)
    )


_LANE_EVENTS = PerDialect(_lane_events)


async def list_lane_events(
    conn: Connection, *, card_ids: Sequence[int], types: Sequence[str]
) -> list[LaneEvent]:
    """These cards' lane events of these types, oldest first (by id)."""
    if not card_ids:
        return []
    rows = (
        await conn.execute(_LANE_EVENTS(conn), {"card_ids": sorted(set(card_ids)), "types": list(types)})
    ).all()
    return [LaneEvent(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class HistoryCard:
    """What the history exports show of a card (its current state)."""

    id: int
    custom_id: str | None
    title: str
    size: int
    priority: str
    type_id: int
    type_name: str
    board_id: int
    board_title: str
    lane_id: int
    created_on: datetime


def _history_cards(tasks: bool) -> Callable[[str], Select[Any]]:
    def build(dialect: str) -> Select[Any]:
        return (
            select(
                cards.c.id,
                cards.c.custom_id,
                cards.c.title,
                cards.c.size,
                cards.c.priority,
                cards.c.type_id,
                card_types.c.name,
                cards.c.board_id,
                boards.c.title,
                cards.c.lane_id,
                cards.c.created_on,
            )
            .select_from(
                cards.join(card_types, card_types.c.id == cards.c.type_id).join(
                    boards, boards.c.id == cards.c.board_id
                )
            )
            .where(
                any_of(dialect, cards.c.board_id, "board_ids"),
                cards.c.deleted_on.is_(None),
                cards.c.containing_card_id.is_not(None) if tasks else cards.c.containing_card_id.is_(None),
                cards.c.id > bindparam("after"),
            )
            .order_by(cards.c.id)
            .limit(bindparam("size"))
        )

    return build


_HISTORY_CARDS = {tasks: PerDialect(_history_cards(tasks)) for tasks in (False, True)}


async def list_history_cards(
    conn: Connection, *, board_ids: Sequence[int], tasks: bool, after: int, size: int
) -> list[HistoryCard]:
    """Up to `size` live cards (or task cards) of these boards with ids above `after`, by id."""
    stmt = _HISTORY_CARDS[tasks](conn)
    rows = (await conn.execute(stmt, {"board_ids": list(board_ids), "after": after, "size": size})).all()
    return [HistoryCard(*r) for r in rows]


async def list_lane_places(conn: Connection, *, lane_ids: Sequence[int]) -> dict[int, tuple[str, int, str]]:
    """lane id → (lane title, board id, board title), for these lanes."""
    if not lane_ids:
        return {}
    rows = (
        await conn.execute(
            select(lanes.c.id, lanes.c.title, lanes.c.board_id, boards.c.title)
            .select_from(lanes.join(boards, boards.c.id == lanes.c.board_id))
            .where(lanes.c.id.in_(sorted(set(lane_ids))))
        )
    ).all()
    return {int(r[0]): (str(r[1]), int(r[2]), str(r[3])) for r in rows}


async def list_assignments(conn: Connection, *, card_ids: Sequence[int]) -> dict[int, dict[int, datetime]]:
    """card id → {user id: assigned on} of these cards' current assignments."""
    if not card_ids:
        return {}
    rows = (
        await conn.execute(
            select(
                card_assignments.c.card_id, card_assignments.c.user_id, card_assignments.c.assigned_on
            ).where(card_assignments.c.card_id.in_(sorted(set(card_ids))))
        )
    ).all()
    found: dict[int, dict[int, datetime]] = {}
    for card_id, user_id, assigned_on in rows:
        found.setdefault(int(card_id), {})[int(user_id)] = assigned_on
    return found


async def list_user_refs(conn: Connection, *, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """user id → (full name, email) of these users, whatever their state."""
    if not user_ids:
        return {}
    rows = (
        await conn.execute(
            select(users.c.id, users.c.first_name, users.c.last_name, users.c.email).where(
                users.c.id.in_(sorted(set(user_ids)))
            )
        )
    ).all()
    return {int(r[0]): (f"{r[1]} {r[2]}".strip(), str(r[3])) for r in rows}
