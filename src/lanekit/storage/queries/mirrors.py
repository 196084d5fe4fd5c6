"""Card mirroring (LeanKit API: card mirroring): `cards.mirror_source_card_id` names the card whose title,
description and header a card follows.  The locks a mirroring write needs, and the writes that copy or end
mirroring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, union, update

from lanekit.storage.executor import Connection
from lanekit.storage.queries.card_filters import live
from lanekit.storage.queries.cards import card_record
from lanekit.storage.records import CardRecord
from lanekit.storage.tables import cards

_owner = cards.alias("m_owner")


async def fetch_many_with_mirrors_for_update(
    conn: Connection,
    *,
    account_id: int,
    card_ids: Sequence[int],
    mirrors_of: Sequence[int] = (),
    sources_of: Sequence[int] = (),
) -> list[CardRecord]:
    """Live cards by id, the live mirrors of `mirrors_of` and the sources `sources_of` mirror, row-locked in
    one statement in id order (the card lock order, card_common.py)."""
    # The ids come from a UNION of index lookups: an OR of the three conditions made SQLite scan every card
    # of the database on each PATCH of a title (17 PATCHes/s on the bench's 200,000 cards).
    wanted: list[Any] = [select(cards.c.id).where(cards.c.id.in_(list(card_ids)))]
    if mirrors_of:
        wanted.append(select(cards.c.id).where(cards.c.mirror_source_card_id.in_(list(mirrors_of))))
    if sources_of:
        wanted.append(
            select(_owner.c.mirror_source_card_id).where(
                _owner.c.id.in_(list(sources_of)), _owner.c.mirror_source_card_id.is_not(None)
            )
        )
    # Typed loosely: mypy 2.4 crashes inferring the type of union() over these selects.
    ids: Any = wanted[0] if len(wanted) == 1 else union(*wanted)
    rows = (
        await conn.execute(
            select(cards)
            .where(cards.c.id.in_(ids), cards.c.account_id == account_id, live())
            .order_by(cards.c.id)
            .with_for_update()
        )
    ).all()
    return [card_record(r) for r in rows]


async def copy_to_mirrors(
    conn: Connection, *, source: CardRecord, now: datetime, user_id: int
) -> list[CardRecord]:
    """Copy the source's title, description and header onto its live mirrors (one UPDATE)."""
    rows = (
        await conn.execute(
            update(cards)
            .where(
                cards.c.mirror_source_card_id == source.id,
                cards.c.account_id == source.account_id,
                live(),
            )
            .values(
                title=source.title,
                description=source.description,
                custom_id=source.custom_id,
                updated_on=now,
                updated_by=user_id,
                version=cards.c.version + 1,
            )
            .returning(*cards.c)
        )
    ).all()
    return [card_record(r) for r in rows]


async def clear_sources(
    conn: Connection, *, source_ids: Sequence[int], now: datetime, user_id: int
) -> list[CardRecord]:
    """End mirroring for the live mirrors of these cards (one UPDATE); versions grow."""
    if not source_ids:
        return []
    rows = (
        await conn.execute(
            update(cards)
            .where(cards.c.mirror_source_card_id.in_(list(source_ids)), live())
            .values(
                mirror_source_card_id=None, updated_on=now, updated_by=user_id, version=cards.c.version + 1
            )
            .returning(*cards.c)
        )
    ).all()
    return [card_record(r) for r in rows]
