"""Card mirroring (LeanKit API: card mirroring; docs/decisions/145): a mirror follows its source's title,
description and header.

- `mirrorSourceCardId` on create, or `add`/`replace /mirrorSourceCardId` on PATCH, starts mirroring: the
  card takes the source's three fields at once (over any value the same request sends for them).  `remove
  /mirrorSourceCardId` ends it; the fields keep their values.
- The source must be a live card of the caller's account on a board they can read (else 404).  Mirrors are
  one level deep: a card that is itself a mirror cannot be a source, and a card that has mirrors cannot become
  one (422), so a change of a source reaches every mirror with one UPDATE and no cycle can form.
- When a source's title, description or header changes, every live mirror takes the new values in the same
  transaction (their versions grow, `cardChanged` is recorded on each).  A mirror's own edit of those fields
  is allowed and stands until the source's next change of any of them.
- Deleting a source ends mirroring for its mirrors (`cardSyncSourceDeleted` on each).

Lock order (card_common.py): a write that mirrors or propagates locks the card, its mirrors and the sources
involved in one statement, in id order, before it bumps any board.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanekit.domain import events
from lanekit.domain.access import access_for_card, require
from lanekit.domain.cards import values
from lanekit.domain.cards.placement import lock_cards
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import UNSET, Actor, parse_digits
from lanekit.storage.executor import Connection
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import mirrors as mirror_queries
from lanekit.storage.records import CardRecord

FIELD = "mirrorSourceCardId"
# The paths whose change a mirror follows, and the PATCH path that starts or ends mirroring.
MIRRORED_PATHS = frozenset({"title", "description", "customId"})
_COLUMNS = {"title": "title", "description": "description", "customId": "custom_id"}


@dataclass(frozen=True, slots=True)
class Locked:
    """What a PATCH locked besides its card: the card's live mirrors and the cards it may stop or start
    mirroring."""

    mirrors: tuple[CardRecord, ...] = ()
    sources: Mapping[int, CardRecord] = field(default_factory=dict)

    @property
    def board_ids(self) -> list[int]:
        return [c.board_id for c in (*self.mirrors, *self.sources.values())]


@dataclass(frozen=True, slots=True)
class Change:
    """What a PATCH does to mirroring: the view values and columns it sets, and the sources it leaves and
    takes (None: mirroring unchanged)."""

    view: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, Any] = field(default_factory=dict)
    left: CardRecord | None = None
    taken: CardRecord | None = None


def _mirrored_view(source: CardRecord) -> dict[str, Any]:
    return {"title": source.title, "description": source.description, "customId": source.custom_id}


async def _readable_source(
    conn: Connection, *, actor: Actor, source: CardRecord | None, source_id: int, field_name: str
) -> CardRecord:
    if source is None:
        raise NotFound("card", source_id)
    require(
        await access_for_card(conn, actor=actor, card_id=source.id, board_id=source.board_id), "card.read"
    )
    if source.mirror_source_card_id is not None:
        raise Invalid(field_name, f"card {source.id} is itself a mirror; mirror the card it mirrors instead")
    return source


async def columns_for_new_card(conn: Connection, *, actor: Actor, source_id: Any) -> dict[str, Any]:
    """The columns a new card takes from the source it mirrors (nothing when it mirrors none)."""
    if source_id is None:
        return {}
    wanted = values.check_id(source_id, FIELD)
    found = await card_queries.fetch(conn, account_id=actor.account_id, card_id=wanted)
    source = await _readable_source(conn, actor=actor, source=found, source_id=wanted, field_name=FIELD)
    return {
        "title": source.title,
        "description": source.description,
        "custom_id": source.custom_id,
        "mirror_source_card_id": source.id,
    }


async def record_new_mirror(
    conn: Connection, *, actor: Actor, mirror: CardRecord, versions: Mapping[int, int], now: datetime
) -> None:
    """The sync events of a card created as a mirror.  The source's board is bumped after the new card's
    (the one exception to the board lock order; decision 145)."""
    if mirror.mirror_source_card_id is None:
        return
    source = await card_queries.fetch(conn, account_id=actor.account_id, card_id=mirror.mirror_source_card_id)
    if source is None:
        raise NotFound("card", mirror.mirror_source_card_id)
    stamped = dict(versions)
    if source.board_id not in stamped:
        stamped.update(await bump_boards(conn, board_ids=[source.board_id]))
    await save_events(
        conn, actor=actor, now=now, versions=stamped, events=events.card_sync_started(mirror, source)
    )


def wanted_source(parsed: Sequence[tuple[str, list[str], dict[str, Any]]]) -> int | None:
    """The source the last `add`/`replace /mirrorSourceCardId` names, if it reads as an id (a bad value is
    refused later, naming its operation)."""
    wanted: int | None = None
    for op, parts, raw in parsed:
        if parts[0] != FIELD or op not in ("add", "replace"):
            continue
        value = raw.get("value")
        wanted = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str):
            wanted = parse_digits(value)
    return wanted


async def lock_for_patch(
    conn: Connection,
    *,
    actor: Actor,
    card_id: int,
    parsed: Sequence[tuple[str, list[str], dict[str, Any]]],
) -> tuple[CardRecord, Locked]:
    """`lock_for_update` for a JSON Patch: the paths its operations name, the source its last
    `add`/`replace /mirrorSourceCardId` names."""
    paths = {parts[0] for _, parts, _ in parsed}
    wanted = wanted_source(parsed) if FIELD in paths else None
    return await lock_for_update(conn, actor=actor, card_id=card_id, paths=paths, wanted=wanted)


async def lock_for_update(
    conn: Connection, *, actor: Actor, card_id: int, paths: Collection[str], wanted: int | None
) -> tuple[CardRecord, Locked]:
    """Lock the card, and with it (one statement, id order) its mirrors when the update touches a mirrored
    field (`paths` are wire names), and its current and `wanted` sources when it touches
    `mirrorSourceCardId`."""
    touches_fields = bool(set(paths) & MIRRORED_PATHS)
    if not touches_fields and FIELD not in paths:
        [plain] = await lock_cards(conn, actor=actor, card_ids=[card_id])
        return plain, Locked()
    rows = await mirror_queries.fetch_many_with_mirrors_for_update(
        conn,
        account_id=actor.account_id,
        card_ids=[card_id] if wanted is None else [card_id, wanted],
        mirrors_of=[card_id],
        sources_of=[card_id] if FIELD in paths else [],
    )
    by_id = {c.id: c for c in rows}
    card = by_id.get(card_id)
    if card is None:
        raise NotFound("card", card_id)
    mirrors = tuple(c for c in rows if c.mirror_source_card_id == card_id and c.id != card_id)
    sources = {
        c.id: c for c in rows if c.id != card_id and (c.id == wanted or c.id == card.mirror_source_card_id)
    }
    return card, Locked(mirrors=mirrors, sources=sources)


async def check_patch(
    conn: Connection,
    *,
    actor: Actor,
    card: CardRecord,
    wanted: Any,
    where: str,
    locked: Locked,
) -> Change:
    """Start (an id), switch or end (None) mirroring, or leave it (UNSET); a new source's fields win over the
    same request's values for them.  Errors name `where`."""
    if wanted is UNSET:
        return Change()
    current = card.mirror_source_card_id
    left = locked.sources.get(current) if current is not None and wanted != current else None
    if wanted is None:
        columns = {"mirror_source_card_id": None} if current is not None else {}
        return Change(columns=columns, left=left)
    if wanted == card.id:
        raise Invalid(where, "a card cannot mirror itself")
    if locked.mirrors:
        raise Invalid(where, f"card {card.id} has mirrors, so it cannot mirror another card")
    source = await _readable_source(
        conn, actor=actor, source=locked.sources.get(wanted), source_id=wanted, field_name=where
    )
    return Change(
        view=_mirrored_view(source),
        columns={"mirror_source_card_id": source.id} if wanted != current else {},
        left=left,
        taken=source if wanted != current else None,
    )


def _changes(before: CardRecord, after: CardRecord) -> list[events.FieldChange]:
    return [
        events.FieldChange(name, getattr(before, column), getattr(after, column))
        for name, column in _COLUMNS.items()
        if getattr(before, column) != getattr(after, column)
    ]


async def after_patch(
    conn: Connection,
    *,
    actor: Actor,
    before: CardRecord,
    after: CardRecord,
    change: Change,
    locked: Locked,
    now: datetime,
) -> list[events.NewEvent]:
    """The sync events of a change of mirroring, and the copy of a source's new fields to its mirrors (one
    UPDATE) with a `cardChanged` on each."""
    found: list[events.NewEvent] = []
    if change.left is not None:
        found += events.card_sync_ended(after, change.left)
    if change.taken is not None:
        found += events.card_sync_started(after, change.taken)
    if locked.mirrors and _changes(before, after):
        old = {m.id: m for m in locked.mirrors}
        for mirror in await mirror_queries.copy_to_mirrors(
            conn, source=after, now=now, user_id=actor.user_id
        ):
            shown = _changes(old[mirror.id], mirror) if mirror.id in old else []
            if shown:
                found.append(events.card_changed(mirror, shown))
    return found


async def lock_with_mirrors(
    conn: Connection, *, actor: Actor, card_ids: Sequence[int]
) -> tuple[list[CardRecord], list[CardRecord]]:
    """`lock_cards` for a delete, locking the cards' live mirrors in the same statement (id order); returns
    the cards in the order asked and the mirrors that are not themselves being deleted."""
    card_ids = list(dict.fromkeys(card_ids))
    rows = await mirror_queries.fetch_many_with_mirrors_for_update(
        conn, account_id=actor.account_id, card_ids=card_ids, mirrors_of=card_ids
    )
    by_id = {c.id: c for c in rows}
    for card_id in card_ids:
        if card_id not in by_id:
            raise NotFound("card", card_id)
    asked = set(card_ids)
    mirrors = [c for c in rows if c.id not in asked and c.mirror_source_card_id in asked]
    return [by_id[i] for i in card_ids], mirrors


def board_ids(cards: Iterable[CardRecord]) -> list[int]:
    return [c.board_id for c in cards]


async def end_for_deleted(
    conn: Connection,
    *,
    actor: Actor,
    deleted: Sequence[CardRecord],
    mirrors: Sequence[CardRecord],
    versions: Mapping[int, int],
    now: datetime,
) -> None:
    """Deleted sources leave their mirrors unmirrored (one UPDATE), `cardSyncSourceDeleted` on each."""
    if not mirrors:
        return
    sources = {c.id: c for c in deleted}
    cleared = await mirror_queries.clear_sources(
        conn,
        source_ids=sorted({m.mirror_source_card_id for m in mirrors if m.mirror_source_card_id}),
        now=now,
        user_id=actor.user_id,
    )
    was = {m.id: m.mirror_source_card_id for m in mirrors}
    found: list[events.NewEvent] = []
    for mirror in cleared:
        source = sources.get(was.get(mirror.id) or 0)
        if source is not None:
            found += events.card_sync_ended(mirror, source, on_source=False)
    await save_events(conn, actor=actor, now=now, versions=versions, events=found)
