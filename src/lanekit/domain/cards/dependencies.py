"""Card dependencies (LeanKit API: dependencies; docs/decisions/140): a card depends on another with a timing.

`incoming` (seen from a card) = the card depends on the other card; `outgoing` = the other card depends on
it.  Rules where the docs are silent:

- Creating, re-timing or removing a link needs the `card.update` role on the dependent card's board and
  `card.read` on the other card's; a card the caller cannot read, or of another account, is 404.
- A card cannot depend on itself (422).  Creating a link that exists is 409 `Dependency already exists`
  (as LeanKit answers); nothing of that request is stored.  Re-timing a link that does not exist is 404.
  Removing one that does not exist is a no-op.
- A change grows the versions of the boards of both ends (no activity event: LeanKit documents none);
  the cards' own versions do not change, since no card field does.
- Reads leave out links to cards on boards the caller cannot read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from lanekit.domain import clock
from lanekit.domain.access import (
    BoardAccess,
    accesses_for_cards,
    board_access,
    readable_card,
    require,
)
from lanekit.domain.cards import values
from lanekit.domain.cards.lists import readable_board_ids
from lanekit.domain.cards.placement import lock_cards
from lanekit.domain.changes import bump_boards
from lanekit.domain.errors import Conflict, Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import dependencies as dependency_queries
from lanekit.storage.records import CardReadRecord, CardRecord, DependencyLinkRecord, DependencyStateRecord

TIMINGS = ("startToStart", "startToFinish", "finishToStart", "finishToFinish")
DEFAULT_TIMING = "finishToStart"
DIRECTIONS = ("incoming", "outgoing")
# Links one request may name (cardIds times dependsOnCardIds, or PATCH items).
MAX_LINKS = 1000


def check_timing(value: Any, field: str, *, required: bool = False) -> str:
    if value is None and not required:
        return DEFAULT_TIMING
    if value not in TIMINGS:
        raise Invalid(field, f"must be one of {', '.join(TIMINGS)}")
    return str(value)


def _id_list(value: Any, field: str) -> list[int]:
    if value is None:
        raise Invalid(field, "is required")
    ids = values.check_ids(value, field)
    if not ids:
        raise Invalid(field, "must name at least one card")
    return ids


def _pairs(card_ids: Any, depends_on_ids: Any) -> list[tuple[int, int]]:
    dependents = _id_list(card_ids, "cardIds")
    predecessors = _id_list(depends_on_ids, "dependsOnCardIds")
    if len(dependents) * len(predecessors) > MAX_LINKS:
        raise Invalid("dependsOnCardIds", f"at most {MAX_LINKS} dependencies per request")
    for card_id in dependents:
        if card_id in predecessors:
            raise Invalid("dependsOnCardIds", f"card {card_id} cannot depend on itself")
    return [(c, o) for c in dependents for o in predecessors]


async def _lock_and_check(
    conn: Connection, *, actor: Actor, pairs: Sequence[tuple[int, int]]
) -> dict[int, int]:
    """Lock both ends of every link (id order), check the caller's roles, bump the boards of both ends.
    Returns the boards' new versions."""
    dependents = {c for c, _ in pairs}
    cards = await lock_cards(conn, actor=actor, card_ids=sorted({i for pair in pairs for i in pair}))
    await accesses_for_cards(
        conn,
        actor=actor,
        cards=cards,
        action=lambda card: "card.update" if card.id in dependents else "card.read",
    )
    return await bump_boards(conn, board_ids={c.board_id for c in cards})


async def add_dependencies(
    conn: Connection, *, actor: Actor, card_ids: Any, depends_on_ids: Any, timing: Any
) -> None:
    """Every card of `card_ids` depends on every card of `depends_on_ids` (`POST /io/card/dependency`)."""
    pairs = _pairs(card_ids, depends_on_ids)
    checked = check_timing(timing, "timing")
    await _lock_and_check(conn, actor=actor, pairs=pairs)
    existing = await dependency_queries.list_existing(conn, pairs=pairs)
    if existing:
        card_id, other = min(existing)
        raise Conflict(f"Dependency already exists: card {card_id} already depends on card {other}")
    await dependency_queries.insert_dependencies(
        conn, account_id=actor.account_id, rows=[(c, o, checked) for c, o in pairs], now=clock.now()
    )


async def retime_dependencies(conn: Connection, *, actor: Actor, items: Any) -> None:
    """`PATCH /io/card/dependency`: `[{cardId, dependsOnCardId, timing}]`, all three required."""
    if not isinstance(items, list) or not items:
        raise Invalid("body", "must be a non-empty array of {cardId, dependsOnCardId, timing}")
    if len(items) > MAX_LINKS:
        raise Invalid("body", f"at most {MAX_LINKS} dependencies per request")
    wanted: dict[tuple[int, int], str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise Invalid(f"#/{i}", "must be an object {cardId, dependsOnCardId, timing}")
        for key in ("cardId", "dependsOnCardId", "timing"):
            if item.get(key) is None:
                raise Invalid(f"#/{i}/{key}", "is required")
        pair = (
            values.check_id(item["cardId"], f"#/{i}/cardId"),
            values.check_id(item["dependsOnCardId"], f"#/{i}/dependsOnCardId"),
        )
        # A pair named twice takes its last timing.
        wanted[pair] = check_timing(item["timing"], f"#/{i}/timing", required=True)
    await _lock_and_check(conn, actor=actor, pairs=list(wanted))
    existing = await dependency_queries.list_existing(conn, pairs=list(wanted))
    for card_id, other in wanted:
        if (card_id, other) not in existing:
            raise NotFound("dependency", f"of card {card_id} on card {other}")
    await dependency_queries.update_timings(conn, rows=[(c, o, t) for (c, o), t in wanted.items()])


async def remove_dependencies(conn: Connection, *, actor: Actor, card_ids: Any, depends_on_ids: Any) -> None:
    """`DELETE /io/card/dependency`: the links of every card of `card_ids` on every card of
    `depends_on_ids`; pairs that are not linked are ignored."""
    pairs = _pairs(card_ids, depends_on_ids)
    await _lock_and_check(conn, actor=actor, pairs=pairs)
    await dependency_queries.delete_pairs(conn, pairs=pairs)


@dataclass(frozen=True, slots=True)
class NewLink:
    other_card_id: int
    direction: str
    timing: str


def check_new_links(value: Any, field: str = "dependencies") -> list[NewLink]:
    """The create body's `dependencies: [{cardId, direction, timing?}]`, each entry checked."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(field, "must be an array of {cardId, direction, timing}")
    found: list[NewLink] = []
    seen: set[tuple[int, str]] = set()
    for i, entry in enumerate(value):
        where = f"{field}/{i}"
        if not isinstance(entry, dict):
            raise Invalid(where, "must be an object {cardId, direction, timing}")
        other = values.check_id(entry.get("cardId"), f"{where}/cardId")
        direction = entry.get("direction")
        if direction not in DIRECTIONS:
            raise Invalid(f"{where}/direction", "must be incoming or outgoing")
        if (other, direction) in seen:
            raise Invalid(f"{where}/cardId", f"names card {other} {direction} twice")
        seen.add((other, direction))
        found.append(NewLink(other, direction, check_timing(entry.get("timing"), f"{where}/timing")))
    return found


async def add_for_new_card(conn: Connection, *, actor: Actor, card: CardRecord, entries: Any) -> None:
    """The links a new card is created with (`dependencies` of `POST /io/card`).  An `incoming` entry makes
    the new card depend on the named card (which must be readable); an `outgoing` one makes the named card
    depend on the new card (the caller needs `card.update` on its board).  A card that cannot be used is a 422
    naming the entry.  The other cards are read, not locked, and their boards not bumped: the new card's board
    is already locked and the lock order forbids locking rows after it (decision 140)."""
    links = check_new_links(entries)
    if not links:
        return
    states = {
        c: (b, d)
        for c, b, d in await card_queries.list_states(
            conn, account_id=actor.account_id, card_ids=[x.other_card_id for x in links]
        )
    }
    accesses: dict[int, BoardAccess | None] = {}
    for i, link in enumerate(links):
        where = f"dependencies/{i}/cardId"
        state = states.get(link.other_card_id)
        if state is None or state[1]:
            raise Invalid(where, f"card {link.other_card_id} not found")
        if state[0] not in accesses:
            try:
                accesses[state[0]] = await board_access(conn, actor=actor, board_id=state[0])
            except NotFound:
                accesses[state[0]] = None
        access = accesses[state[0]]
        if access is None:
            raise Invalid(where, f"card {link.other_card_id} not found")
        require(access, "card.read" if link.direction == "incoming" else "card.update")
    rows = [
        (card.id, x.other_card_id, x.timing)
        if x.direction == "incoming"
        else (x.other_card_id, card.id, x.timing)
        for x in links
    ]
    await dependency_queries.insert_dependencies(
        conn, account_id=actor.account_id, rows=rows, now=card.created_on
    )


async def remove_for_deleted(conn: Connection, *, card_ids: Sequence[int]) -> None:
    """A deleted card's links go with it, both directions (the other ends' boards are not bumped)."""
    await dependency_queries.delete_for_cards(conn, card_ids=card_ids)


def readable_links(
    links: Iterable[DependencyLinkRecord], readable_boards: set[int]
) -> tuple[DependencyLinkRecord, ...]:
    return tuple(x for x in links if x.other_board_id in readable_boards)


# --- reads -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DependencyStats:
    """The face's `dependencyStats` counts for one direction."""

    count: int = 0
    resolved: int = 0
    exceptions: int = 0
    unresolved_blocked: int = 0


@dataclass(frozen=True, slots=True)
class CardDependencies:
    """`GET /io/card/:cardId/dependency`: the links, and with `includeFaces` each other card's face record
    and the face's incoming/outgoing stats."""

    links: tuple[DependencyLinkRecord, ...]
    faces: dict[int, CardReadRecord] | None = None
    stats: dict[int, tuple[DependencyStats, DependencyStats]] | None = None


def _reached(stage: str, actual_start: Any, actual_finish: Any, archived_on: Any) -> bool:
    finished = actual_finish is not None or archived_on is not None
    return finished if stage == "finish" else finished or actual_start is not None


def _stages(timing: str) -> tuple[str, str]:
    """`finishToStart` → ("finish", "start"): the predecessor's event that gates the dependent's."""
    first, _, second = timing.partition("To")
    return first, second.lower()


def _planned(stage: str, start: date | None, finish: date | None) -> date | None:
    return start if stage == "start" else finish


def link_health(state: DependencyStateRecord, today: date) -> tuple[bool, bool, bool]:
    """(resolved, exception, unresolved and blocked) for one link.

    Resolved: the card depended on has reached the event the timing names first (started: it has an
    actual start or finish; finished: an actual finish or it is archived).  An unresolved link is an
    exception when that card is blocked, is late (its planned date for the event has passed) or is planned
    after the dependent card's planned date for the gated event (a date mismatch).
    """
    gate, gated = _stages(state.timing)
    resolved = _reached(
        gate, state.predecessor_actual_start, state.predecessor_actual_finish, state.predecessor_archived_on
    )
    if resolved:
        return True, False, False
    blocked = state.predecessor_is_blocked
    planned = _planned(gate, state.predecessor_planned_start, state.predecessor_planned_finish)
    wanted_by = _planned(gated, state.dependent_planned_start, state.dependent_planned_finish)
    late = planned is not None and planned < today
    mismatch = planned is not None and wanted_by is not None and planned > wanted_by
    return False, blocked or late or mismatch, blocked


def dependency_stats(
    states: Iterable[DependencyStateRecord], card_ids: Iterable[int], today: date
) -> dict[int, tuple[DependencyStats, DependencyStats]]:
    """(incoming, outgoing) stats for each of `card_ids` from the links touching them."""
    tally = {c: ([0, 0, 0, 0], [0, 0, 0, 0]) for c in card_ids}
    for state in states:
        resolved, exception, blocked = link_health(state, today)
        for card_id, side in ((state.card_id, 0), (state.depends_on_card_id, 1)):
            if card_id in tally:
                counts = tally[card_id][side]
                counts[0] += 1
                counts[1] += resolved
                counts[2] += exception
                counts[3] += blocked
    return {c: (DependencyStats(*inc), DependencyStats(*out)) for c, (inc, out) in tally.items()}


async def list_dependencies(
    conn: Connection, *, actor: Actor, card_id: int, include_faces: bool
) -> CardDependencies:
    """A readable card's links, oldest first, leaving out cards on boards the caller cannot read."""
    await readable_card(conn, actor=actor, card_id=card_id)
    links: tuple[DependencyLinkRecord, ...] = tuple(
        (await dependency_queries.list_links(conn, card_ids=[card_id])).get(card_id, [])
    )
    if links:
        boards = sorted({x.other_board_id for x in links})
        links = readable_links(links, await readable_board_ids(conn, actor=actor, board_ids=boards))
    if not include_faces:
        return CardDependencies(links)
    ids = list(dict.fromkeys(x.other_card_id for x in links))
    records = await card_queries.list_read_ids(conn, ids=ids, with_fields=True) if ids else []
    states = await dependency_queries.list_states(conn, card_ids=ids) if ids else []
    return CardDependencies(
        links,
        faces={r.card.id: r for r in records},
        stats=dependency_stats(states, ids, clock.now().date()),
    )
