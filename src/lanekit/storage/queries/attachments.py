"""Card attachments: reads (`fetch_*`, `list_*`) and writes (`insert_*`, `delete_*`).

Rows only; the bytes live in the blob store (storage/blobs.py) under each row's `storage_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select

from lanekit.storage.executor import Connection
from lanekit.storage.records import AttachmentRecord, UserRef
from lanekit.storage.tables import attachments, cards, users

_creator = users.alias("u_created_by")
_changer = users.alias("u_changed_by")


def _person(m: Any, prefix: str) -> UserRef | None:
    if m[f"{prefix}_id"] is None:
        return None
    return UserRef(
        m[f"{prefix}_id"], m[f"{prefix}_email"], m[f"{prefix}_first_name"], m[f"{prefix}_last_name"]
    )


def _record(row: Any) -> AttachmentRecord:
    m = row._mapping
    return AttachmentRecord(
        id=m["id"],
        card_id=m["card_id"],
        name=m["name"],
        description=m["description"],
        content_type=m["content_type"],
        size=m["size"],
        storage_id=m["storage_id"],
        created_on=m["created_on"],
        updated_on=m["updated_on"],
        created_by=_person(m, "cb"),
        changed_by=_person(m, "ch"),
    )


def _select(*where: ColumnElement[bool]) -> Any:
    people = [
        column.label(f"{prefix}_{column.name}")
        for prefix, alias in (("cb", _creator), ("ch", _changer))
        for column in (alias.c.id, alias.c.email, alias.c.first_name, alias.c.last_name)
    ]
    joined = attachments.outerjoin(_creator, _creator.c.id == attachments.c.created_by).outerjoin(
        _changer, _changer.c.id == attachments.c.changed_by
    )
    return (
        select(attachments, *people)
        .select_from(joined)
        .where(*where)
        .order_by(attachments.c.card_id, attachments.c.id)
    )


def count_expression(card_id: Any) -> Any:
    """A correlated count of the attachments of card `card_id` (a column), for the one-card read."""
    return (
        select(func.count())
        .select_from(attachments)
        .where(attachments.c.card_id == card_id)
        .scalar_subquery()
    )


async def list_for_cards(conn: Connection, *, card_ids: Sequence[int]) -> dict[int, list[AttachmentRecord]]:
    """Attachments of many cards in one statement, oldest first."""
    if not card_ids:
        return {}
    found: dict[int, list[AttachmentRecord]] = {}
    for row in (await conn.execute(_select(attachments.c.card_id.in_(card_ids)))).all():
        record = _record(row)
        found.setdefault(record.card_id, []).append(record)
    return found


async def list_for_card(conn: Connection, *, account_id: int, card_id: int) -> list[AttachmentRecord]:
    rows = (
        await conn.execute(_select(attachments.c.card_id == card_id, attachments.c.account_id == account_id))
    ).all()
    return [_record(r) for r in rows]


async def fetch(
    conn: Connection, *, account_id: int, card_id: int, attachment_id: int
) -> AttachmentRecord | None:
    row = (
        await conn.execute(
            _select(
                attachments.c.id == attachment_id,
                attachments.c.card_id == card_id,
                attachments.c.account_id == account_id,
            )
        )
    ).first()
    return _record(row) if row else None


async def insert_attachment(
    conn: Connection,
    *,
    account_id: int,
    card_id: int,
    name: str,
    description: str,
    content_type: str,
    size: int,
    storage_id: str,
    now: datetime,
    user_id: int,
) -> int:
    """The new row's id."""
    new_id: int = (
        await conn.execute(
            insert(attachments)
            .values(
                account_id=account_id,
                card_id=card_id,
                name=name,
                description=description,
                content_type=content_type,
                size=size,
                storage_id=storage_id,
                created_on=now,
                created_by=user_id,
                updated_on=now,
                changed_by=None,
            )
            .returning(attachments.c.id)
        )
    ).scalar_one()
    return new_id


async def delete_attachment(conn: Connection, *, attachment_id: int) -> None:
    await conn.execute(delete(attachments).where(attachments.c.id == attachment_id))


async def delete_for_cards(conn: Connection, *, card_ids: Sequence[int]) -> list[str]:
    """Delete every attachment row of the cards and of their task cards; the storage ids of their blobs,
    for deletion after commit."""
    if not card_ids:
        return []
    tasks = select(cards.c.id).where(cards.c.containing_card_id.in_(list(card_ids)))
    rows = (
        await conn.execute(
            delete(attachments)
            .where(or_(attachments.c.card_id.in_(list(card_ids)), attachments.c.card_id.in_(tasks)))
            .returning(attachments.c.storage_id)
        )
    ).all()
    return [r[0] for r in rows]


async def fetch_by_id(conn: Connection, *, account_id: int, attachment_id: int) -> AttachmentRecord | None:
    """An attachment of the account by its id alone (the legacy download names no card)."""
    row = (
        await conn.execute(_select(attachments.c.id == attachment_id, attachments.c.account_id == account_id))
    ).first()
    return _record(row) if row else None
