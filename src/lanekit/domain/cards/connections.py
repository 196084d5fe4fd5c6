"""Parent/child card connections and their statistics (LeanKit API: card connections; docs/decisions/130).

Rights: the cards a request *changes* (its `cardIds`, the path's `:cardId`, the card being created or
patched) need `card.connect` (boardUser) on their board; the cards they are connected to need only to be
readable.  A card the caller cannot read is not found.  A connection is logged on both cards and bumps both
boards' versions.

A connection may not make a card its own ancestor: before links are written, the parents' ancestors are
read in one recursive statement and each new link is checked against them (and the links before it).
Connection writers of an account are serialised (`lock_graph`), so concurrent links cannot close a cycle.

Visibility: a connected card on a board the caller cannot read is never shown, by id or title; it still
counts in the statistics and in `redactedCount`.  Boards the caller cannot read are listed with
`canView`/`isFollowable` false and no title.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import (
    NONE,
    BoardAccess,
    access_for_card,
    accesses_for_cards,
    board_access,
    effective_role,
    readable_card,
    require,
)
from lanekit.domain.cards import values
from lanekit.domain.cards.placement import lock_cards
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import connections as connection_queries
from lanekit.storage.records import CardReadRecord, CardRecord, ConnectedCardStats

CARD_STATUSES = ("notStarted", "started", "finished")


@dataclass(frozen=True, slots=True)
class Link:
    parent_id: int
    child_id: int
    # The request field that named the link's far end (errors name it).
    field: str


# --- parsing -----------------------------------------------------------------------------------------------


def _ids(value: Any, field: str) -> list[tuple[int, str]]:
    """Checked ids with the field naming each, repeats dropped."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(field, "must be an array of card ids")
    values.check_id_count(value, field)
    found: dict[int, str] = {}
    for i, item in enumerate(value):
        card_id = values.check_id(item, f"{field}/{i}")
        found.setdefault(card_id, f"{field}/{i}")
    return list(found.items())


def _links(named: Sequence[int], connections: Any, prefix: str) -> list[Link]:
    """`{parents, children}` of each named card as links."""
    if connections is None:
        return []
    if not isinstance(connections, dict):
        raise Invalid(prefix, "must be an object {parents, children}")
    parents = _ids(connections.get("parents"), f"{prefix}.parents")
    children = _ids(connections.get("children"), f"{prefix}.children")
    links: list[Link] = []
    for card_id in named:
        links += [Link(parent, card_id, field) for parent, field in parents]
        links += [Link(card_id, child, field) for child, field in children]
    return links


def parse_statuses(value: str | None) -> list[str] | None:
    """`cardStatus`: a csv of notStarted, started, finished (None: all three)."""
    if value is None or not value.strip():
        return None
    statuses = [part.strip() for part in value.split(",") if part.strip()]
    for status in statuses:
        if status not in CARD_STATUSES:
            raise Invalid("cardStatus", f"{status!r} is not one of {', '.join(CARD_STATUSES)}")
    return statuses


# --- writes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """What a connection write touched: the cards by id, their boards' accesses and new versions."""

    cards: dict[int, CardRecord]
    accesses: dict[int, BoardAccess]
    versions: dict[int, int]


async def connect_cards(conn: Connection, *, actor: Actor, card_ids: Any, connections: Any) -> Change:
    """`POST /io/card/connections`: connect each of `cardIds` to the parents and children named."""
    named, links = _request(card_ids, connections)
    return await _change(conn, actor=actor, named=named, adds=links, removes=[])


async def disconnect_cards(conn: Connection, *, actor: Actor, card_ids: Any, connections: Any) -> Change:
    """`DELETE /io/card/connections`: links that do not exist are left alone."""
    named, links = _request(card_ids, connections)
    return await _change(conn, actor=actor, named=named, adds=[], removes=links)


async def connect_many(
    conn: Connection, *, actor: Actor, card_id: int, connected_card_ids: Any
) -> tuple[Change, list[int]]:
    """`POST /io/card/:cardId/connection/many` (deprecated): the cards become children of `card_id`."""
    children = _ids(connected_card_ids, "connectedCardIds")
    if not children:
        raise Invalid("connectedCardIds", "must name at least one card")
    links = [Link(card_id, child, field) for child, field in children]
    change = await _change(conn, actor=actor, named=[card_id], adds=links, removes=[])
    return change, [child for child, _ in children]


def _request(card_ids: Any, connections: Any) -> tuple[list[int], list[Link]]:
    named = [card_id for card_id, _ in _ids(card_ids, "cardIds")]
    if not named:
        raise Invalid("cardIds", "must name at least one card")
    links = _links(named, connections, "connections")
    if not links:
        raise Invalid("connections", "must name at least one parent or child card")
    return named, links


async def _change(
    conn: Connection, *, actor: Actor, named: Sequence[int], adds: list[Link], removes: list[Link]
) -> Change:
    ends = {card_id for link in [*adds, *removes] for card_id in (link.parent_id, link.child_id)}
    cards = {c.id: c for c in await lock_cards(conn, actor=actor, card_ids=sorted(ends | set(named)))}
    accesses = await accesses_for_cards(
        conn,
        actor=actor,
        cards=sorted(cards.values(), key=lambda c: c.id),
        action=lambda card: "card.connect" if card.id in named else "card.read",
    )
    versions = await bump_boards(conn, board_ids=accesses)
    await _write(conn, actor=actor, cards=cards, adds=adds, removes=removes, versions=versions)
    return Change(cards, accesses, versions)


async def connect_new_card(
    conn: Connection, *, actor: Actor, card: CardRecord, connections: Any, versions: Mapping[int, int]
) -> None:
    """Create-time `connections: {parents, children}` (`POST /io/card`) of a card just inserted; `versions`
    are the board versions the create has made.  A card named there that does not exist (or cannot be read) is
    a 422 naming it."""
    links = _links([card.id], connections, "connections")
    if links:
        await _link_one(conn, actor=actor, card=card, adds=links, removes=[], versions=versions)


async def patch_parents(
    conn: Connection,
    *,
    actor: Actor,
    card: CardRecord,
    ops: Sequence[tuple[str, int | None, str]],
    versions: Mapping[int, int],
) -> None:
    """PATCH `/parentCardId`: `add`/`replace` connect the card under that parent, `remove` with a
    value disconnects that parent, `remove` without one disconnects every parent.  `ops` are
    (op, parent id or None, JSON pointer of the value), applied in order."""
    current = await connection_queries.list_parent_ids(conn, account_id=actor.account_id, card_id=card.id)
    wanted = list(current)
    fields: dict[int, str] = {}
    for op, parent_id, field in ops:
        if op == "remove":
            wanted = [] if parent_id is None else [p for p in wanted if p != parent_id]
        elif parent_id is not None:
            wanted = [*[p for p in wanted if p != parent_id], parent_id]
            fields[parent_id] = field
    adds = [Link(p, card.id, fields[p]) for p in wanted if p not in current]
    removes = [Link(p, card.id, "parentCardId") for p in current if p not in wanted]
    if adds or removes:
        await _link_one(conn, actor=actor, card=card, adds=adds, removes=removes, versions=versions)


async def _link_one(
    conn: Connection,
    *,
    actor: Actor,
    card: CardRecord,
    adds: list[Link],
    removes: list[Link],
    versions: Mapping[int, int],
) -> None:
    """Links of one card whose own board is locked and bumped already (create, PATCH).

    The other cards are read, not locked: a card lock after a board lock would break the lock order.
    """
    far = {(link.child_id if link.parent_id == card.id else link.parent_id): link.field for link in adds}
    gone = [link.parent_id if link.child_id == card.id else link.child_id for link in removes]
    found = {
        c.id: c
        for c in await connection_queries.list_cards(
            conn, account_id=actor.account_id, card_ids=[*far, *gone]
        )
    }
    accesses: dict[int, BoardAccess] = {}
    for other, field in far.items():
        linked = card if other == card.id else found.get(other)
        if linked is None:
            raise Invalid(field, f"card {other} not found")
        if linked.board_id not in accesses:
            try:
                accesses[linked.board_id] = await board_access(conn, actor=actor, board_id=linked.board_id)
            except NotFound:
                raise Invalid(field, f"card {other} not found") from None
        require(accesses[linked.board_id], "card.read")
    cards = {**found, card.id: card}
    extra = {c.board_id for c in cards.values()} - set(versions)
    merged = {**versions, **await bump_boards(conn, board_ids=extra)}
    await _write(conn, actor=actor, cards=cards, adds=adds, removes=removes, versions=merged)


async def _write(
    conn: Connection,
    *,
    actor: Actor,
    cards: Mapping[int, CardRecord],
    adds: Sequence[Link],
    removes: Sequence[Link],
    versions: Mapping[int, int],
) -> None:
    """Remove, check, then add links (each once; existing ones are not added again) and log both ends."""
    await connection_queries.lock_graph(conn, account_id=actor.account_id)
    pairs = sorted({(link.parent_id, link.child_id) for link in [*adds, *removes]})
    existing = await connection_queries.list_existing(conn, account_id=actor.account_id, pairs=pairs)
    removed = _once(link for link in removes if (link.parent_id, link.child_id) in existing)
    added = _once(link for link in adds if (link.parent_id, link.child_id) not in existing)
    await connection_queries.delete_connections(
        conn, account_id=actor.account_id, pairs=[(link.parent_id, link.child_id) for link in removed]
    )
    await _refuse_cycles(conn, actor=actor, links=added)
    now = clock.now()
    await connection_queries.insert_connections(
        conn,
        account_id=actor.account_id,
        pairs=[(link.parent_id, link.child_id) for link in added],
        now=now,
    )
    new_events: list[events.NewEvent] = []
    for link in removed:
        parent, child = cards.get(link.parent_id), cards.get(link.child_id)
        if parent is not None and child is not None:
            new_events += events.card_disconnected(parent, child)
    for link in added:
        new_events += events.card_connected(cards[link.parent_id], cards[link.child_id])
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)


def _once(links: Iterable[Link]) -> list[Link]:
    found: dict[tuple[int, int], Link] = {}
    for link in links:
        found.setdefault((link.parent_id, link.child_id), link)
    return list(found.values())


async def _refuse_cycles(conn: Connection, *, actor: Actor, links: Sequence[Link]) -> None:
    """Invalid (naming the link's field) when a link would make a card its own ancestor."""
    if not links:
        return
    parents_of: dict[int, set[int]] = {}
    for parent, child in await connection_queries.list_edges_above(
        conn, account_id=actor.account_id, card_ids=[link.parent_id for link in links]
    ):
        parents_of.setdefault(child, set()).add(parent)
    for link in links:
        if link.parent_id == link.child_id:
            raise Invalid(link.field, f"card {link.child_id} cannot be connected to itself")
        if _is_ancestor(parents_of, link.child_id, of=link.parent_id):
            raise Invalid(
                link.field,
                f"card {link.child_id} is an ancestor of card {link.parent_id}; "
                "connecting them would make a card its own ancestor",
            )
        parents_of.setdefault(link.child_id, set()).add(link.parent_id)


def _is_ancestor(parents_of: Mapping[int, set[int]], card_id: int, *, of: int) -> bool:
    """Whether `card_id` is among `of`'s ancestors: a walk up, each card visited once."""
    seen = {of}
    todo = [of]
    while todo:
        for parent in parents_of.get(todo.pop(), ()):
            if parent == card_id:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False


async def disconnect_board(conn: Connection, *, actor: Actor, card_id: int, board_id: int) -> tuple[int, int]:
    """`DELETE /io/card/:cardId/connection/:boardId`: drop the card's links to its children on that board;
    returns the card's board version and that board's."""
    [card] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    access = await access_for_card(conn, actor=actor, card_id=card.id, board_id=card.board_id)
    require(access, "card.connect")
    require(await board_access(conn, actor=actor, board_id=board_id), "card.read")
    versions = await bump_boards(conn, board_ids={card.board_id, board_id})
    child_ids = await connection_queries.list_child_ids_on_board(conn, card_id=card.id, board_id=board_id)
    children = await connection_queries.list_cards(conn, account_id=actor.account_id, card_ids=child_ids)
    await _write(
        conn,
        actor=actor,
        cards={card.id: card, **{c.id: c for c in children}},
        adds=[],
        removes=[Link(card.id, child, "boardId") for child in child_ids],
        versions=versions,
    )
    return versions[card.board_id], versions[board_id]


async def forget_cards(conn: Connection, *, card_ids: Sequence[int]) -> None:
    """Deleting cards removes their connections, as parent and as child."""
    await connection_queries.delete_for_cards(conn, card_ids=card_ids)


# --- reads -------------------------------------------------------------------------------------------------


async def readable_boards(
    conn: Connection, *, actor: Actor, board_ids: Iterable[int], known: Iterable[int] = ()
) -> set[int]:
    """Which of these boards the caller can read; `known` ones are readable already (no query for them)."""
    wanted = set(board_ids)
    found = wanted & set(known)
    unknown = sorted(wanted - found)
    if unknown:
        candidates = await board_queries.list_visible_candidates(
            conn,
            account_id=actor.account_id,
            user_id=actor.user_id,
            every_board=actor.administrator,
            include_archived=True,
            board_ids=unknown,
        )
        found |= {
            c.board.id
            for c in candidates
            if effective_role(
                explicit=c.explicit_role,
                is_shared=c.board.is_shared,
                shared_role=c.board.shared_board_role,
                account_admin=actor.administrator,
            )
            != NONE
        }
    return found


async def with_connections(
    conn: Connection,
    *,
    actor: Actor,
    reads: Sequence[CardReadRecord],
    parents: bool = True,
    stats: bool = True,
) -> list[CardReadRecord]:
    """The cards with `parent_cards` (those on boards the caller can read) and `connected_stats` filled,
    batched for the whole page; cards whose read flagged no connection cost nothing.  The caller can read
    every card's own board."""
    parent_ids = [r.card.id for r in reads if r.has_parents] if parents else []
    stat_ids = [r.card.id for r in reads if r.has_children] if stats else []
    if not parent_ids and not stat_ids:
        return list(reads)
    refs = await connection_queries.list_parent_refs(conn, card_ids=parent_ids)
    readable = await readable_boards(
        conn,
        actor=actor,
        board_ids={p.board_id for found in refs.values() for p in found},
        known={r.board.id for r in reads},
    )
    found_stats = await connection_queries.list_stats(conn, card_ids=stat_ids, today=clock.now().date())
    return [
        replace(
            r,
            parent_cards=tuple(p for p in refs.get(r.card.id, ()) if p.board_id in readable),
            connected_stats=found_stats.get((r.card.id, None)),
        )
        for r in reads
    ]


@dataclass(frozen=True, slots=True)
class ConnectedPage:
    total: int
    redacted: int
    cards: list[CardReadRecord]
    ids: list[int]


async def list_children(
    conn: Connection,
    *,
    actor: Actor,
    card_id: int,
    board_id: int | None,
    statuses: list[str] | None,
    offset: int,
    limit: int,
    ids_only: bool = False,
) -> ConnectedPage:
    """The card's children on boards the caller can read, in the order they were connected; those on other
    boards are only counted (`redacted`)."""
    card, _ = await readable_card(conn, actor=actor, card_id=card_id)
    readable = await readable_boards(
        conn,
        actor=actor,
        board_ids=await connection_queries.list_child_board_ids(conn, card_id=card.id),
        known=[card.board_id],
    )
    page = await connection_queries.list_children_page(
        conn,
        card_id=card.id,
        readable_board_ids=sorted(readable),
        board_id=board_id,
        statuses=statuses,
        offset=offset,
        limit=limit,
    )
    if ids_only:
        return ConnectedPage(page.total, page.redacted, [], page.ids)
    reads = await card_queries.list_read_ids(conn, ids=page.ids, with_fields=False)
    reads = await with_connections(conn, actor=actor, reads=reads, parents=False)
    return ConnectedPage(page.total, page.redacted, reads, page.ids)


async def list_parents(
    conn: Connection, *, actor: Actor, card_id: int, board_id: int | None, offset: int, limit: int
) -> ConnectedPage:
    """The card's parents on boards the caller can read, as faces."""
    card, _ = await readable_card(conn, actor=actor, card_id=card_id)
    readable = await readable_boards(
        conn,
        actor=actor,
        board_ids=await connection_queries.list_parent_board_ids(conn, card_id=card.id),
        known=[card.board_id],
    )
    page = await connection_queries.list_parents_page(
        conn,
        card_id=card.id,
        readable_board_ids=sorted(readable),
        board_id=board_id,
        offset=offset,
        limit=limit,
    )
    reads = await card_queries.list_read_ids(conn, ids=page.ids, with_fields=True)
    reads = await with_connections(conn, actor=actor, reads=reads)
    return ConnectedPage(page.total, page.redacted, reads, page.ids)


@dataclass(frozen=True, slots=True)
class BoardLink:
    board_id: int
    title: str
    is_archived: bool
    can_view: bool


async def list_child_boards(
    conn: Connection, *, actor: Actor, card_id: int
) -> tuple[CardRecord, bool, list[BoardLink]]:
    """The boards of the card's children, and whether the caller may remove the card's links to them."""
    card, access = await readable_card(conn, actor=actor, card_id=card_id)
    board_ids = await connection_queries.list_child_board_ids(conn, card_id=card.id)
    return card, access.allows("card.connect"), await _board_links(conn, actor=actor, board_ids=board_ids)


async def list_parent_boards(conn: Connection, *, actor: Actor, card_id: int) -> list[BoardLink]:
    card, _ = await readable_card(conn, actor=actor, card_id=card_id)
    board_ids = await connection_queries.list_parent_board_ids(conn, card_id=card.id)
    return await _board_links(conn, actor=actor, board_ids=board_ids)


async def _board_links(conn: Connection, *, actor: Actor, board_ids: list[int]) -> list[BoardLink]:
    readable = await readable_boards(conn, actor=actor, board_ids=board_ids)
    found = await connection_queries.list_boards(conn, board_ids=board_ids)
    return [BoardLink(b.id, b.title, b.is_archived, b.id in readable) for b in found]


@dataclass(frozen=True, slots=True)
class Statistics:
    card: CardRecord
    total: ConnectedCardStats
    boards: list[tuple[int, ConnectedCardStats]]


NO_CHILDREN = ConnectedCardStats(0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, None, 0, 0)


async def statistics(conn: Connection, *, actor: Actor, card_id: int) -> Statistics:
    """`GET /io/card/:cardId/statistics`: the roll-up of every live child (readable or not), per child
    board and in total."""
    card, _ = await readable_card(conn, actor=actor, card_id=card_id)
    per_board = await connection_queries.list_stats(
        conn, card_ids=[card.id], today=clock.now().date(), by_board=True
    )
    boards = [(key[1], stats) for key, stats in per_board.items() if key[1] is not None]
    return Statistics(card, combine([s for _, s in boards]), boards)


def combine(parts: Sequence[ConnectedCardStats]) -> ConnectedCardStats:
    """One roll-up from several (sums, and the earliest start / latest finish)."""
    if not parts:
        return NO_CHILDREN

    def least(items: Iterable[Any]) -> Any:
        present = [x for x in items if x is not None]
        return min(present) if present else None

    def most(items: Iterable[Any]) -> Any:
        present = [x for x in items if x is not None]
        return max(present) if present else None

    return ConnectedCardStats(
        started_count=sum(p.started_count for p in parts),
        started_size=sum(p.started_size for p in parts),
        not_started_count=sum(p.not_started_count for p in parts),
        not_started_size=sum(p.not_started_size for p in parts),
        completed_count=sum(p.completed_count for p in parts),
        completed_size=sum(p.completed_size for p in parts),
        blocked_count=sum(p.blocked_count for p in parts),
        total_count=sum(p.total_count for p in parts),
        total_size=sum(p.total_size for p in parts),
        planned_start=least(p.planned_start for p in parts),
        planned_finish=most(p.planned_finish for p in parts),
        actual_start=least(p.actual_start for p in parts),
        actual_finish=most(p.actual_finish for p in parts),
        past_due_count=sum(p.past_due_count for p in parts),
        projected_late_count=sum(p.projected_late_count for p in parts),
    )
