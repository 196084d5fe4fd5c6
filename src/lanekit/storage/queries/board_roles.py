"""Explicit board roles (`board_roles` rows) and the users they name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, false, func, insert, or_, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import BoardRoleRecord, UserRecord
from lanekit.storage.rows import row_values
from lanekit.storage.tables import board_roles, boards, card_assignments, cards, users


def _role(row: Any) -> BoardRoleRecord:
    return BoardRoleRecord(**row_values(row, board_roles))


def _user(row: Any) -> UserRecord:
    return UserRecord(**row_values(row, users))


async def insert_role(
    conn: Connection, *, account_id: int, board_id: int, user_id: int, role: str, wip: int | None = None
) -> BoardRoleRecord:
    row = (
        await conn.execute(
            insert(board_roles)
            .values(account_id=account_id, board_id=board_id, user_id=user_id, role=role, wip=wip)
            .returning(*board_roles.c)
        )
    ).one()
    return _role(row)


async def update_role(
    conn: Connection, *, board_id: int, role_id: int, **values: Any
) -> BoardRoleRecord | None:
    row = (
        await conn.execute(
            update(board_roles)
            .where(board_roles.c.id == role_id, board_roles.c.board_id == board_id)
            .values(**values)
            .returning(*board_roles.c)
        )
    ).first()
    return _role(row) if row else None


async def fetch_many(conn: Connection, *, board_ids: list[int], user_ids: list[int]) -> list[BoardRoleRecord]:
    if not board_ids or not user_ids:
        return []
    rows = (
        await conn.execute(
            select(board_roles).where(
                board_roles.c.board_id.in_(board_ids), board_roles.c.user_id.in_(user_ids)
            )
        )
    ).all()
    return [_role(r) for r in rows]


async def fetch_for_board(conn: Connection, *, board_id: int) -> list[BoardRoleRecord]:
    rows = (await conn.execute(select(board_roles).where(board_roles.c.board_id == board_id))).all()
    return [_role(r) for r in rows]


async def delete_roles(conn: Connection, *, board_ids: list[int], user_ids: list[int]) -> int:
    if not board_ids or not user_ids:
        return 0
    result = await conn.execute(
        delete(board_roles).where(board_roles.c.board_id.in_(board_ids), board_roles.c.user_id.in_(user_ids))
    )
    return int(result.rowcount or 0)


async def list_board_members(
    conn: Connection, *, account_id: int, board: Any, every_user: bool
) -> list[tuple[UserRecord, BoardRoleRecord | None]]:
    """Live users with a role row on the board, plus every live user when `every_user` (a shared board).

    `board` is the BoardRecord; account administrators are always listed (they hold the board implicitly).
    """
    joined = users.outerjoin(
        board_roles, and_(board_roles.c.user_id == users.c.id, board_roles.c.board_id == board.id)
    )
    where: list[Any] = [users.c.account_id == account_id, users.c.deleted == false()]
    if not every_user:
        where.append(or_(board_roles.c.id.is_not(None), users.c.administrator))
    rows = (
        await conn.execute(
            select(users, *[c.label(f"r_{c.name}") for c in board_roles.c])
            .select_from(joined)
            .where(*where)
            .order_by(users.c.last_name, users.c.first_name, users.c.id)
        )
    ).all()
    result: list[tuple[UserRecord, BoardRoleRecord | None]] = []
    for r in rows:
        role = BoardRoleRecord(**row_values(r, board_roles, "r_")) if r._mapping["r_id"] is not None else None
        result.append((_user(r), role))
    return result


_ROLES_OF_USER = (
    select(board_roles)
    .join(boards, boards.c.id == board_roles.c.board_id)
    .where(
        board_roles.c.user_id == bindparam("user_id"),
        board_roles.c.account_id == bindparam("account_id"),
        boards.c.is_deleted == false(),
    )
    .order_by(board_roles.c.board_id)
)


async def list_for_user(conn: Connection, *, account_id: int, user_id: int) -> list[BoardRoleRecord]:
    """The user's role rows on live boards of the account, by board id (`/io/user/me` runs it)."""
    rows = (await conn.execute(_ROLES_OF_USER, {"user_id": user_id, "account_id": account_id})).all()
    return [_role(r) for r in rows]


async def count_users(conn: Connection, *, account_id: int, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` that are live users of the account."""
    if not user_ids:
        return []
    rows = (
        await conn.execute(
            select(users.c.id).where(
                users.c.account_id == account_id, users.c.deleted == false(), users.c.id.in_(user_ids)
            )
        )
    ).all()
    return [int(r[0]) for r in rows]


async def user_ids_by_email(conn: Connection, *, account_id: int, emails: list[str]) -> dict[str, int]:
    """email_key → id for the live users of the account with these (lower-cased) emails."""
    if not emails:
        return {}
    rows = (
        await conn.execute(
            select(users.c.email_key, users.c.id).where(
                users.c.account_id == account_id,
                users.c.deleted == false(),
                func.lower(users.c.email_key).in_([e.lower() for e in emails]),
            )
        )
    ).all()
    return {str(r[0]): int(r[1]) for r in rows}


async def unassign_cards(conn: Connection, *, board_ids: list[int], user_ids: list[int]) -> None:
    """Remove the users' assignments to cards on these boards."""
    if not board_ids or not user_ids:
        return
    on_boards = select(cards.c.id).where(cards.c.board_id.in_(board_ids))
    await conn.execute(
        delete(card_assignments).where(
            card_assignments.c.user_id.in_(user_ids), card_assignments.c.card_id.in_(on_boards)
        )
    )
