"""Boards: reads (`fetch_*`, `list_*`) and writes (`insert_*`, `update_*`, `bump_version`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lanekit.storage.executor import Connection
from lanekit.storage.records import BoardRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import board_roles, board_visits, boards, card_tags, cards, users


def _board(row: Any) -> BoardRecord:
    return BoardRecord(**row_values(row, boards))


# Built once (decision 094): every card write checks access through it.
_WITH_ROLE = (
    select(boards, board_roles.c.role.label("explicit_role"))
    .select_from(
        boards.outerjoin(
            board_roles,
            and_(board_roles.c.board_id == boards.c.id, board_roles.c.user_id == bindparam("user_id")),
        )
    )
    .where(
        boards.c.id == bindparam("board_id"),
        boards.c.account_id == bindparam("account_id"),
        boards.c.is_deleted == false(),
    )
)


async def fetch_with_role(
    conn: Connection, *, account_id: int, board_id: int, user_id: int
) -> tuple[BoardRecord, str | None] | None:
    """A live board of the account and the user's explicit role on it (None without a role row)."""
    row = (
        await conn.execute(_WITH_ROLE, {"user_id": user_id, "board_id": board_id, "account_id": account_id})
    ).first()
    if row is None:
        return None
    return _board(row), row._mapping["explicit_role"]


async def fetch(conn: Connection, *, account_id: int, board_id: int) -> BoardRecord | None:
    """A live (not deleted) board of the account."""
    row = (
        await conn.execute(
            select(boards).where(
                boards.c.id == board_id, boards.c.account_id == account_id, boards.c.is_deleted == false()
            )
        )
    ).first()
    return _board(row) if row else None


@dataclass(frozen=True, slots=True)
class BoardWithRole:
    board: BoardRecord
    explicit_role: str | None


async def list_visible_candidates(
    conn: Connection,
    *,
    account_id: int,
    user_id: int,
    every_board: bool,
    include_archived: bool,
    search: str | None = None,
    board_ids: list[int] | None = None,
) -> list[BoardWithRole]:
    """Live boards the user might see: shared ones, ones with a role row, or all (`every_board`, admins).

    The caller computes the effective role; this only narrows the rows.
    """
    joined = boards.outerjoin(
        board_roles, and_(board_roles.c.board_id == boards.c.id, board_roles.c.user_id == user_id)
    )
    where: list[Any] = [boards.c.account_id == account_id, boards.c.is_deleted == false()]
    if not every_board:
        where.append(or_(boards.c.is_shared, board_roles.c.id.is_not(None)))
    if not include_archived:
        where.append(boards.c.is_archived == false())
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(boards.c.title.ilike(f"%{escaped}%", escape="\\"))
    if board_ids is not None:
        where.append(boards.c.id.in_(board_ids))
    rows = (
        await conn.execute(
            select(boards, board_roles.c.role.label("explicit_role")).select_from(joined).where(*where)
        )
    ).all()
    return [BoardWithRole(_board(r), r._mapping["explicit_role"]) for r in rows]


async def list_states(conn: Connection, *, account_id: int, board_ids: list[int]) -> list[BoardRecord]:
    """Boards of the account with these ids, deleted ones included (for `inaccessibleBoards`)."""
    if not board_ids:
        return []
    rows = (
        await conn.execute(
            select(boards).where(boards.c.account_id == account_id, boards.c.id.in_(board_ids))
        )
    ).all()
    return [_board(r) for r in rows]


async def list_tags(conn: Connection, *, board_id: int) -> list[str]:
    """Tags on the board's live cards, alphabetically, each once.

    A skip scan of the (board_id, tag) index: each step of the recursive query jumps to the next distinct
    tag, so a board with 20,000 tagged cards and a dozen tags costs a dozen index probes, plus one probe per
    tag for a live card carrying it (usually its first row), instead of reading every tag row.
    """
    first = select(func.min(card_tags.c.tag).label("tag")).where(card_tags.c.board_id == board_id)
    steps = first.cte("board_tags", recursive=True)
    following = (
        select(func.min(card_tags.c.tag))
        .where(card_tags.c.board_id == board_id, card_tags.c.tag > steps.c.tag)
        .scalar_subquery()
    )
    steps = steps.union_all(select(following.label("tag")).where(steps.c.tag.is_not(None)))
    # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL would turn EXISTS into a join over every tag row.
    on_live_card = (
        select(card_tags.c.card_id)
        .select_from(card_tags.join(cards, cards.c.id == card_tags.c.card_id))
        .where(card_tags.c.board_id == board_id, card_tags.c.tag == steps.c.tag, cards.c.deleted_on.is_(None))
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    rows = (
        await conn.execute(
            select(steps.c.tag).where(steps.c.tag.is_not(None), on_live_card).order_by(steps.c.tag)
        )
    ).all()
    return [str(r[0]) for r in rows]


async def fetch_for_update(conn: Connection, *, account_id: int, board_id: int) -> BoardRecord | None:
    """The live board row, locked until the transaction ends (PostgreSQL `FOR UPDATE`).

    SQLite needs no row lock: a write transaction already holds the database's write lock (BEGIN IMMEDIATE).
    """
    row = (
        await conn.execute(
            select(boards)
            .where(boards.c.id == board_id, boards.c.account_id == account_id, boards.c.is_deleted == false())
            .with_for_update()
        )
    ).first()
    return _board(row) if row else None


async def insert_board(conn: Connection, **values: Any) -> BoardRecord:
    row = (await conn.execute(insert(boards).values(**values).returning(*boards.c))).one()
    return _board(row)


async def update_board(conn: Connection, *, account_id: int, board_id: int, **values: Any) -> BoardRecord:
    """Change columns and grow the version by one, in one statement."""
    row = (
        await conn.execute(
            update(boards)
            .where(boards.c.id == board_id, boards.c.account_id == account_id)
            .values(version=boards.c.version + 1, **values)
            .returning(*boards.c)
        )
    ).one()
    return _board(row)


_BUMP_VERSION = (
    update(boards)
    .where(boards.c.id == bindparam("board_id"))
    .values(version=boards.c.version + 1)
    .returning(boards.c.version)
)


async def bump_version(conn: Connection, *, board_id: int) -> int:
    """Grow `boards.version` by one and return the new value.

    Everything that changes a board or anything on it calls this in its transaction.  It also takes the
    board row's write lock (PostgreSQL), so writers that bump first are serialised on the board.
    """
    return int((await conn.execute(_BUMP_VERSION, {"board_id": board_id})).scalar_one())


async def record_visit(
    conn: Connection,
    *,
    account_id: int,
    user_id: int,
    board_id: int,
    now: datetime,
    stale_before: datetime,
) -> None:
    """Upsert the user's last visit, writing only when the stored one is older than `stale_before`."""
    dialect = conn.dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(board_visits).values(
        user_id=user_id, board_id=board_id, account_id=account_id, visited_on=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[board_visits.c.user_id, board_visits.c.board_id],
        set_={"visited_on": now},
        where=board_visits.c.visited_on < stale_before,
    )
    await conn.execute(stmt)


async def fetch_visit(conn: Connection, *, user_id: int, board_id: int) -> datetime | None:
    row = (
        await conn.execute(
            select(board_visits.c.visited_on).where(
                board_visits.c.user_id == user_id, board_visits.c.board_id == board_id
            )
        )
    ).first()
    return row[0] if row else None


async def list_recent_visits(
    conn: Connection, *, account_id: int, user_id: int, limit: int
) -> list[tuple[BoardRecord, str | None]]:
    """The user's most recently visited live boards, newest first, with their explicit role."""
    joined = boards.join(board_visits, board_visits.c.board_id == boards.c.id).outerjoin(
        board_roles, and_(board_roles.c.board_id == boards.c.id, board_roles.c.user_id == user_id)
    )
    rows = (
        await conn.execute(
            select(boards, board_roles.c.role.label("explicit_role"))
            .select_from(joined)
            .where(
                board_visits.c.user_id == user_id,
                boards.c.account_id == account_id,
                boards.c.is_deleted == false(),
            )
            .order_by(board_visits.c.visited_on.desc(), boards.c.id.desc())
            .limit(limit)
        )
    ).all()
    return [(_board(r), r._mapping["explicit_role"]) for r in rows]


# --- what a cached board body is keyed on (docs/decisions/163-body-cache.md) -----------------------------


@dataclass(frozen=True, slots=True)
class BoardStamp:
    """The caller's last visit, and what the board GET shows of each member that no board-version bump
    covers: the user's own columns (a rename, a new email, `lastAccess`, an administrator flag)."""

    visited_on: datetime | None
    members: tuple[tuple[Any, ...], ...]


_MEMBER_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.first_name,
    users.c.last_name,
    users.c.email,
    users.c.date_format,
    users.c.last_access,
)

_BOARD_STAMP = union_all(
    select(
        literal(0).label("kind"),
        board_visits.c.visited_on.label("t"),
        *[type_coerce(null(), c.type).label(c.name) for c in _MEMBER_COLUMNS],
    ).where(board_visits.c.user_id == bindparam("user_id"), board_visits.c.board_id == bindparam("board_id")),
    select(literal(1), null(), *_MEMBER_COLUMNS)
    .select_from(users.join(board_roles, board_roles.c.user_id == users.c.id))
    .where(
        board_roles.c.board_id == bindparam("board_id"),
        users.c.account_id == bindparam("account_id"),
        users.c.deleted == false(),
    ),
)


async def fetch_board_stamp(conn: Connection, *, account_id: int, board_id: int, user_id: int) -> BoardStamp:
    """One statement: the visit row of (user, board) and the shown columns of the board's members (the live
    users with a role row on it: those the board GET lists), in id order."""
    rows = (
        await conn.execute(_BOARD_STAMP, {"account_id": account_id, "board_id": board_id, "user_id": user_id})
    ).all()
    visited = next((r[1] for r in rows if r[0] == 0), None)
    members = tuple(sorted(tuple(r[2:]) for r in rows if r[0] == 1))
    return BoardStamp(visited, members)


@dataclass(frozen=True, slots=True)
class BoardVersion:
    id: int
    version: int
    is_shared: bool
    shared_board_role: str
    explicit_role: str | None


async def list_versions_with_role(
    conn: Connection, *, account_id: int, board_ids: Sequence[int], user_id: int
) -> list[BoardVersion]:
    """The versions of the live boards among these, with the user's explicit role on each (one statement)."""
    if not board_ids:
        return []
    rows = (
        await conn.execute(
            select(
                boards.c.id,
                boards.c.version,
                boards.c.is_shared,
                boards.c.shared_board_role,
                board_roles.c.role,
            )
            .select_from(
                boards.outerjoin(
                    board_roles, and_(board_roles.c.board_id == boards.c.id, board_roles.c.user_id == user_id)
                )
            )
            .where(
                boards.c.account_id == account_id,
                boards.c.is_deleted == false(),
                boards.c.id.in_(sorted(board_ids)),
            )
            .order_by(boards.c.id)
        )
    ).all()
    return [BoardVersion(int(r[0]), int(r[1]), bool(r[2]), r[3], r[4]) for r in rows]
