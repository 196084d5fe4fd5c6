"""Card comments: reads (`fetch`, `list_*`, `count_*`, the card read's count expressions) and writes
(`insert_comment`, `update_text`, `delete_*`).  Every read is scoped to an account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update

from lanekit.storage.executor import Connection
from lanekit.storage.records import CommentRecord, UserRef
from lanekit.storage.tables import card_connections, cards, comments, users

# The full card shows at most this many comments, newest first (decision 101); `commentsCount` has them all.
CARD_READ_LIMIT = 400

_child = cards.alias("cm_child")
_counted = comments.alias("cm_counted")
_child_link = card_connections.alias("cm_link")


def count_expression(card_id: Any) -> Any:
    """A correlated count of the comments on card `card_id` (a column of the enclosing select)."""
    return select(func.count()).select_from(_counted).where(_counted.c.card_id == card_id).scalar_subquery()


def child_count_expression(card_id: Any) -> Any:
    """A correlated count of the comments on the live child cards of card `card_id` (the full
    card's `childCommentsCount`), through the (parent_card_id, child_card_id) key and the comments' card
    index."""
    return (
        select(func.count())
        .select_from(
            _child_link.join(_child, _child.c.id == _child_link.c.child_card_id).join(
                _counted, _counted.c.card_id == _child_link.c.child_card_id
            )
        )
        .where(_child_link.c.parent_card_id == card_id, _child.c.deleted_on.is_(None))
        .scalar_subquery()
    )


_SELECT = select(
    comments,
    users.c.id.label("u_id"),
    users.c.email.label("u_email"),
    users.c.first_name.label("u_first_name"),
    users.c.last_name.label("u_last_name"),
).select_from(comments.outerjoin(users, users.c.id == comments.c.created_by))


def _record(row: Any) -> CommentRecord:
    m = row._mapping
    author = (
        None if m["u_id"] is None else UserRef(m["u_id"], m["u_email"], m["u_first_name"], m["u_last_name"])
    )
    return CommentRecord(
        id=m["id"],
        account_id=m["account_id"],
        card_id=m["card_id"],
        text=m["text"],
        created_on=m["created_on"],
        updated_on=m["updated_on"],
        created_by=author,
    )


def _of_cards(account_id: int, card_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    return [comments.c.account_id == account_id, comments.c.card_id.in_(list(card_ids))]


async def fetch(conn: Connection, *, account_id: int, card_id: int, comment_id: int) -> CommentRecord | None:
    """The comment `comment_id` if it is on card `card_id`."""
    row = (
        await conn.execute(
            _SELECT.where(
                comments.c.id == comment_id,
                comments.c.card_id == card_id,
                comments.c.account_id == account_id,
            )
        )
    ).first()
    return _record(row) if row else None


async def count_for_cards(conn: Connection, *, account_id: int, card_ids: Sequence[int]) -> int:
    if not card_ids:
        return 0
    return int(
        (
            await conn.execute(
                select(func.count()).select_from(comments).where(*_of_cards(account_id, card_ids))
            )
        ).scalar_one()
    )


async def list_for_cards(
    conn: Connection,
    *,
    account_id: int,
    card_ids: Sequence[int],
    newest_first: bool,
    offset: int,
    limit: int,
) -> list[CommentRecord]:
    """One page of the comments on these cards, interleaved by creation time."""
    if not card_ids or limit == 0:
        return []
    order = (
        [comments.c.created_on.desc(), comments.c.id.desc()]
        if newest_first
        else [comments.c.created_on, comments.c.id]
    )
    rows = (
        await conn.execute(
            _SELECT.where(*_of_cards(account_id, card_ids)).order_by(*order).offset(offset).limit(limit)
        )
    ).all()
    return [_record(r) for r in rows]


async def list_live_children(
    conn: Connection, *, account_id: int, parent_card_id: int
) -> list[tuple[int, int]]:
    """(card id, board id) of the live child cards of a card."""
    rows = (
        await conn.execute(
            select(cards.c.id, cards.c.board_id)
            .select_from(card_connections.join(cards, cards.c.id == card_connections.c.child_card_id))
            .where(
                card_connections.c.parent_card_id == parent_card_id,
                cards.c.account_id == account_id,
                cards.c.deleted_on.is_(None),
            )
            .order_by(cards.c.id)
        )
    ).all()
    return [(int(r.id), int(r.board_id)) for r in rows]


async def insert_comment(
    conn: Connection, *, account_id: int, card_id: int, text: str, user_id: int, now: datetime
) -> CommentRecord:
    comment_id = (
        await conn.execute(
            insert(comments)
            .values(
                account_id=account_id,
                card_id=card_id,
                text=text,
                created_on=now,
                created_by=user_id,
                updated_on=now,
            )
            .returning(comments.c.id)
        )
    ).scalar_one()
    found = await fetch(conn, account_id=account_id, card_id=card_id, comment_id=int(comment_id))
    assert found is not None
    return found


async def update_text(conn: Connection, *, comment_id: int, text: str, now: datetime) -> None:
    await conn.execute(update(comments).where(comments.c.id == comment_id).values(text=text, updated_on=now))


async def delete_comment(conn: Connection, *, comment_id: int) -> None:
    await conn.execute(delete(comments).where(comments.c.id == comment_id))


async def delete_for_cards(conn: Connection, *, card_ids: Sequence[int]) -> None:
    """Hard-delete the comments of these cards (the cards themselves are soft-deleted)."""
    if card_ids:
        await conn.execute(delete(comments).where(comments.c.card_id.in_(list(card_ids))))
