"""Card dependencies (LeanKit API: dependencies): `card_id` depends on `depends_on_card_id`, with a timing.

Reads return the links of some cards in both directions, each with the other end's board, leaving out ends
that are deleted; writes address links by their (card, depends-on card) pair.  Statements are scoped through
the cards they name: the domain checks every card's account and board before writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, literal, or_, select, tuple_, union_all, update

from lanekit.storage.executor import Connection
from lanekit.storage.queries.card_filters import live
from lanekit.storage.records import DependencyLinkRecord, DependencyStateRecord
from lanekit.storage.tables import card_dependencies, cards

_other = cards.alias("d_other")
_dependent = cards.alias("d_dependent")
_predecessor = cards.alias("d_predecessor")


def _links_of(card_ids: Sequence[int]) -> Any:
    """Incoming links (the card depends on the other) and outgoing links (the other depends on the card)."""
    d = card_dependencies

    def side(mine: Any, theirs: Any, direction: str) -> Any:
        return (
            select(
                mine.label("card_id"),
                theirs.label("other_card_id"),
                _other.c.board_id.label("other_board_id"),
                literal(direction).label("direction"),
                d.c.timing,
                d.c.created_on,
            )
            .select_from(d.join(_other, _other.c.id == theirs))
            .where(mine.in_(list(card_ids)), live(_other))
        )

    incoming = side(d.c.card_id, d.c.depends_on_card_id, "incoming")
    outgoing = side(d.c.depends_on_card_id, d.c.card_id, "outgoing")
    return union_all(incoming, outgoing).subquery("links")


async def list_links(conn: Connection, *, card_ids: Sequence[int]) -> dict[int, list[DependencyLinkRecord]]:
    """Each card's links to live cards, both directions, oldest first, in one statement."""
    if not card_ids:
        return {}
    links = _links_of(card_ids)
    rows = (
        await conn.execute(
            select(links).order_by(
                links.c.card_id, links.c.created_on, links.c.other_card_id, links.c.direction
            )
        )
    ).all()
    found: dict[int, list[DependencyLinkRecord]] = {}
    for r in rows:
        found.setdefault(int(r.card_id), []).append(
            DependencyLinkRecord(
                card_id=int(r.card_id),
                other_card_id=int(r.other_card_id),
                other_board_id=int(r.other_board_id),
                direction=str(r.direction),
                timing=str(r.timing),
                created_on=r.created_on,
            )
        )
    return found


_STATE = ("actual_start", "actual_finish", "archived_on", "is_blocked", "planned_start", "planned_finish")


async def list_states(conn: Connection, *, card_ids: Sequence[int]) -> list[DependencyStateRecord]:
    """Every link touching these cards between live cards, with what decides whether it is resolved: the
    progress, blocked state and planned dates of both ends (one statement)."""
    if not card_ids:
        return []
    d = card_dependencies
    rows = (
        await conn.execute(
            select(
                d.c.card_id,
                d.c.depends_on_card_id,
                d.c.timing,
                *[_predecessor.c[name].label(f"p_{name}") for name in _STATE],
                *[_dependent.c[name].label(f"d_{name}") for name in _STATE],
            )
            .select_from(
                d.join(_dependent, _dependent.c.id == d.c.card_id).join(
                    _predecessor, _predecessor.c.id == d.c.depends_on_card_id
                )
            )
            .where(
                or_(d.c.card_id.in_(list(card_ids)), d.c.depends_on_card_id.in_(list(card_ids))),
                live(_dependent),
                live(_predecessor),
            )
        )
    ).all()
    found: list[DependencyStateRecord] = []
    for r in rows:
        m = r._mapping
        found.append(
            DependencyStateRecord(
                card_id=int(m["card_id"]),
                depends_on_card_id=int(m["depends_on_card_id"]),
                timing=str(m["timing"]),
                **{f"predecessor_{name}": m[f"p_{name}"] for name in _STATE},
                **{f"dependent_{name}": m[f"d_{name}"] for name in _STATE},
            )
        )
    return found


async def list_existing(conn: Connection, *, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The (card, depends-on card) pairs among these that are stored, with their timing."""
    if not pairs:
        return {}
    d = card_dependencies
    rows = (
        await conn.execute(
            select(d.c.card_id, d.c.depends_on_card_id, d.c.timing).where(
                tuple_(d.c.card_id, d.c.depends_on_card_id).in_(list(pairs))
            )
        )
    ).all()
    return {(int(r[0]), int(r[1])): str(r[2]) for r in rows}


async def insert_dependencies(
    conn: Connection, *, account_id: int, rows: Sequence[tuple[int, int, str]], now: datetime
) -> None:
    """Store (card, depends-on card, timing) links, one statement."""
    if rows:
        await conn.execute(
            insert(card_dependencies),
            [
                {
                    "card_id": c,
                    "depends_on_card_id": o,
                    "account_id": account_id,
                    "timing": t,
                    "created_on": now,
                }
                for c, o, t in rows
            ],
        )


async def update_timings(conn: Connection, *, rows: Sequence[tuple[int, int, str]]) -> None:
    """Set the timing of stored (card, depends-on card) links, one executemany."""
    if not rows:
        return
    d = card_dependencies
    await conn.execute(
        update(d)
        .where(and_(d.c.card_id == bindparam("c"), d.c.depends_on_card_id == bindparam("o")))
        .values(timing=bindparam("t")),
        [{"c": c, "o": o, "t": t} for c, o, t in rows],
    )


async def delete_pairs(conn: Connection, *, pairs: Sequence[tuple[int, int]]) -> None:
    if pairs:
        d = card_dependencies
        await conn.execute(delete(d).where(tuple_(d.c.card_id, d.c.depends_on_card_id).in_(list(pairs))))


async def delete_for_cards(conn: Connection, *, card_ids: Sequence[int]) -> None:
    """Every link of these cards, in both directions (a deleted card depends on nothing)."""
    if card_ids:
        d = card_dependencies
        ids = list(card_ids)
        await conn.execute(delete(d).where(or_(d.c.card_id.in_(ids), d.c.depends_on_card_id.in_(ids))))
