"""Card lists (`GET /io/card`, `POST /io/card/list`), board card faces and tag usage: reads only.

A list shows only cards on boards the caller can read.  Parameters arrive as a dict (query string or JSON
body); a value outside a documented enum is refused with LeanKit's documented message form,
`Invalid request: Failed "enum" criteria (pointer: #/select)`.  A list of one board that reads nothing of
other boards is served from the body cache under that board's version (`open_list`,
docs/decisions/166-card-list-cache.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from lanekit.domain import clock
from lanekit.domain.access import NONE, BoardAccess, board_access, effective_role, require
from lanekit.domain.cards import connections, values
from lanekit.domain.errors import Invalid
from lanekit.domain.types import Actor, parse_digits
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import card_filters
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import connections as connection_queries
from lanekit.storage.queries import dependencies as dependency_queries
from lanekit.storage.records import CardReadRecord

MAX_LIMIT = 1000
DEFAULT_LIMIT = 200
SELECTS = ("cards", "taskCards", "both")
# The optional blocks of a list item (`include=`).
LIST_INCLUDES = ("customFields", "parentCards", "connectedCardStats", "externalAssociations", "dependencies")
SORTS = ("activity", "rank", "title")
LANE_CLASS_TYPES = ("backlog", "active", "archive")
SCALAR_PARAMS = (
    "offset",
    "limit",
    "select",
    "board",
    "search",
    "customId",
    "type",
    "custom_icon",
    "since",
    "deleted",
    "sort",
)
LIST_PARAMS = (
    "lanes",
    "cards",
    "customIds",
    "types",
    "assignedUserIds",
    "lane_class_types",
    "only",
    "omit",
    "include",
)
# Cards archived longer ago than this leave the board faces unless `ignoreArchiveDate` (LeanKit hides old
# archive cards from the board view).
ARCHIVE_WINDOW = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class CardQuery:
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    select: str = "cards"
    board_id: int | None = None
    lane_ids: list[int] | None = None
    card_ids: list[int] | None = None
    search: str | None = None
    custom_ids: list[str] | None = None
    type_ids: list[int] | None = None
    assigned_user_ids: list[int] | None = None
    custom_icon_id: int | None = None
    lane_class_types: list[str] | None = None
    since: datetime | None = None
    # Set by the legacy SearchCards (AddedAfter, AddedBefore); no /io parameter reads them.
    created_from: datetime | None = None
    created_before: datetime | None = None
    deleted: bool = False
    only: list[str] | None = None
    omit: list[str] | None = None
    sort: str = "activity"
    include: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class InaccessibleCard:
    card_id: int
    is_deleted: bool
    has_access: bool


@dataclass(frozen=True, slots=True)
class CardPage:
    total: int
    cards: list[CardReadRecord]
    deleted_ids: list[int]
    inaccessible: list[InaccessibleCard]


def _enum_error(pointer: str) -> Invalid:
    return Invalid(
        "",
        f'Invalid request: Failed "enum" criteria (pointer: #/{pointer})',
        details=[{"field": pointer, "message": "is not one of the allowed values"}],
    )


def _enum(value: Any, allowed: tuple[str, ...], pointer: str) -> str:
    if value not in allowed:
        raise _enum_error(pointer)
    return str(value)


def _enum_list(value: Any, allowed: tuple[str, ...], pointer: str) -> list[str]:
    items = _strings(value, pointer)
    for i, item in enumerate(items):
        if item not in allowed:
            raise _enum_error(f"{pointer}/{i}")
    return items


def _strings(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        raise Invalid(field, "must be an array of strings")
    return [str(v) for v in value]


def ids_of(value: Any, field: str) -> list[int] | None:
    if value is None:
        return None
    return [values.check_id(v, f"{field}/{i}") for i, v in enumerate(_strings(value, field))]


def _int(value: Any, field: str, *, default: int, maximum: int | None = None) -> int:
    if value is None:
        return default
    if isinstance(value, str):
        value = parse_digits(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(field, "must be a whole number, 0 or more")
    if maximum is not None and value > maximum:
        raise Invalid(field, f"must be at most {maximum}")
    return value


def _bool(value: Any, field: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise Invalid(field, "must be true or false")


def _instant(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(field, f"{value!r} is not an ISO 8601 date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_query(raw: dict[str, Any], *, from_query_string: bool) -> CardQuery:
    """Check every parameter; unknown ones are ignored (clients send extras such as `preset`)."""
    if not isinstance(raw, dict):
        raise Invalid("body", "must be a JSON object")
    search = raw.get("search")
    if search is not None and not isinstance(search, str):
        raise Invalid("search", "must be a string")
    custom_ids = _strings(raw["customIds"], "customIds") if raw.get("customIds") is not None else None
    if raw.get("customId") is not None:
        custom_ids = [*(custom_ids or []), str(raw["customId"])]
    type_ids = ids_of(raw.get("types"), "types")
    if raw.get("type") is not None:
        type_ids = [*(type_ids or []), values.check_id(raw["type"], "type")]
    include = raw.get("include")
    sort_default = "rank" if search else "activity"
    return CardQuery(
        offset=_int(raw.get("offset"), "offset", default=0),
        limit=_int(raw.get("limit"), "limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        select=_enum(raw.get("select", "cards"), SELECTS, "select"),
        board_id=None if raw.get("board") is None else values.check_id(raw["board"], "board"),
        lane_ids=ids_of(raw.get("lanes"), "lanes"),
        card_ids=ids_of(raw.get("cards"), "cards"),
        search=search.strip() if search and search.strip() else None,
        custom_ids=custom_ids,
        type_ids=type_ids,
        assigned_user_ids=ids_of(raw.get("assignedUserIds"), "assignedUserIds"),
        custom_icon_id=None
        if raw.get("custom_icon") is None
        else values.check_id(raw["custom_icon"], "custom_icon"),
        lane_class_types=None
        if raw.get("lane_class_types") is None
        else _enum_list(raw["lane_class_types"], LANE_CLASS_TYPES, "lane_class_types"),
        since=_instant(raw.get("since"), "since"),
        deleted=_bool(raw.get("deleted"), "deleted"),
        only=None if raw.get("only") is None else _strings(raw["only"], "only"),
        omit=None if raw.get("omit") is None else _strings(raw["omit"], "omit"),
        sort=_enum(raw.get("sort") or sort_default, SORTS, "sort"),
        include=frozenset(() if include is None else _enum_list(include, LIST_INCLUDES, "include")),
    )


async def readable_board_versions(
    conn: Connection, *, actor: Actor, board_ids: list[int] | None
) -> dict[int, int]:
    """The boards (of `board_ids`, or all) the caller can read, each with its `version`: one statement, whose
    board rows already carry the version a cached card list is keyed on."""
    candidates = await board_queries.list_visible_candidates(
        conn,
        account_id=actor.account_id,
        user_id=actor.user_id,
        every_board=actor.administrator,
        include_archived=True,
        board_ids=board_ids,
    )
    return {
        c.board.id: c.board.version
        for c in candidates
        if effective_role(
            explicit=c.explicit_role,
            is_shared=c.board.is_shared,
            shared_role=c.board.shared_board_role,
            account_admin=actor.administrator,
        )
        != NONE
    }


async def readable_board_ids(conn: Connection, *, actor: Actor, board_ids: list[int] | None) -> set[int]:
    return set(await readable_board_versions(conn, actor=actor, board_ids=board_ids))


# `include` blocks that read other boards (parents, children, dependencies, and which of those boards the
# caller can read): a list asking for one is not cached (docs/decisions/166-card-list-cache.md).
CROSS_BOARD_INCLUDES = frozenset({"parentCards", "connectedCardStats", "dependencies"})


@dataclass(frozen=True, slots=True)
class ListCacheKey:
    """Where a cacheable card list is kept and what it must match (docs/decisions/166-card-list-cache.md).

    `parameters`: the checked query as a hashable tuple.  `version`: the listed board's `boards.version`, read
    by the authorisation; every input of such a page bumps it (decision 163's table)."""

    board_id: int
    parameters: tuple[Any, ...]
    version: int


@dataclass(frozen=True, slots=True)
class CardListing:
    """A card list after its authorisation: the boards it may show and, when its page is the same for every
    caller who can read them and changes only with the board's version, the cache key."""

    actor: Actor
    query: CardQuery
    readable: frozenset[int]
    cache_key: ListCacheKey | None


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, frozenset):
        return tuple(sorted(value))
    return value


def _cache_parameters(query: CardQuery) -> tuple[Any, ...]:
    """Every field of the checked query, lists as tuples: a field added to CardQuery is part of the slot
    without a change here.  Lists keep their order (another order is another slot, never a wrong page)."""
    return tuple(_hashable(getattr(query, f.name)) for f in fields(query))


def _cacheable(query: CardQuery, readable: dict[int, int]) -> bool:
    """One readable board, no `cards` (its `inaccessibleCards` reads other boards and the caller's access to
    them) and no block that reads other boards.  Every other parameter is a filter or a shape over the
    board's own rows, or a constant the caller gave (`since`), so the board's version covers the page."""
    return (
        query.board_id is not None
        and query.board_id in readable
        and query.card_ids is None
        and not query.include & CROSS_BOARD_INCLUDES
    )


async def open_list(conn: Connection, *, actor: Actor, query: CardQuery) -> CardListing:
    """The authorisation of a card list, checked on every request before any part of the page is read: one
    statement, which also gives the version a cacheable page is keyed on (so a page is never older than the
    key it is stored under)."""
    readable = await readable_board_versions(
        conn, actor=actor, board_ids=None if query.board_id is None else [query.board_id]
    )
    cache_key = None
    if _cacheable(query, readable):
        assert query.board_id is not None
        cache_key = ListCacheKey(query.board_id, _cache_parameters(query), readable[query.board_id])
    return CardListing(actor, query, frozenset(readable), cache_key)


async def list_cards(conn: Connection, *, actor: Actor, query: CardQuery) -> CardPage:
    return await read_list(conn, listing=await open_list(conn, actor=actor, query=query))


async def read_list(conn: Connection, *, listing: CardListing) -> CardPage:
    """The page of an opened card list."""
    actor, query = listing.actor, listing.query
    boards = set(listing.readable)
    card_filter = card_filters.CardFilter(
        account_id=actor.account_id,
        board_ids=sorted(boards),
        deleted=query.deleted,
        lane_ids=query.lane_ids,
        card_ids=query.card_ids,
        search=query.search,
        custom_ids=query.custom_ids,
        type_ids=query.type_ids,
        assigned_user_ids=query.assigned_user_ids,
        custom_icon_id=query.custom_icon_id,
        lane_class_types=query.lane_class_types,
        since=query.since,
        created_from=query.created_from,
        created_before=query.created_before,
        select=query.select,
    )
    where = card_filters.filter_where(card_filter)
    inaccessible = await _inaccessible(conn, actor=actor, requested=query.card_ids, readable=boards)
    if query.deleted:
        total, ids = await card_queries.list_deleted_ids(
            conn, where=where, offset=query.offset, limit=query.limit
        )
        return CardPage(total, [], ids, inaccessible)
    total = await card_queries.count_where(conn, where=where)
    records = await card_queries.list_read(
        conn,
        where=where,
        sort=query.sort,
        offset=query.offset,
        limit=query.limit,
        with_fields="customFields" in query.include,
    )
    if "dependencies" in query.include and records:
        # One statement for the page; links to cards on boards the caller cannot read are left out.
        links = await dependency_queries.list_links(conn, card_ids=[r.card.id for r in records])
        # Links may lead off the listed boards (`board=`): one more query tells which of those are readable.
        others = sorted({x.other_board_id for found in links.values() for x in found} - boards)
        if others:
            boards = boards | await readable_board_ids(conn, actor=actor, board_ids=others)
        records = [
            replace(r, dependencies=tuple(x for x in links.get(r.card.id, ()) if x.other_board_id in boards))
            for r in records
        ]
    if query.include & {"parentCards", "connectedCardStats"}:
        records = await connections.with_connections(
            conn,
            actor=actor,
            reads=records,
            parents="parentCards" in query.include,
            stats="connectedCardStats" in query.include,
        )
    return CardPage(total, records, [], inaccessible)


async def _inaccessible(
    conn: Connection, *, actor: Actor, requested: list[int] | None, readable: set[int]
) -> list[InaccessibleCard]:
    if not requested:
        return []
    states = {
        c: (b, d)
        for c, b, d in await card_queries.list_states(conn, account_id=actor.account_id, card_ids=requested)
    }
    found: list[InaccessibleCard] = []
    for card_id in dict.fromkeys(requested):
        state = states.get(card_id)
        if state is None:
            found.append(InaccessibleCard(card_id, is_deleted=False, has_access=False))
        elif state[0] not in readable:
            found.append(InaccessibleCard(card_id, is_deleted=state[1], has_access=False))
        elif state[1]:
            found.append(InaccessibleCard(card_id, is_deleted=True, has_access=True))
    return found


@dataclass(frozen=True, slots=True)
class FacesKey:
    """What a cached page of faces must match (docs/decisions/163-body-cache.md).

    `shared`: the board's version, the versions of the other boards whose cards the page's cards are connected
    to (parents' titles, children's statistics), and today's date (the statistics' past-due counts).
    `variant`: which of those linked boards the caller can read (parents on others are not shown)."""

    shared: tuple[Any, ...]
    variant: frozenset[int]


@dataclass(frozen=True, slots=True)
class FacesPage:
    total: int
    cards: list[CardReadRecord]
    # The other boards the key was read over, and when the page changes with no write (the first archived
    # card shown leaves the 14-day window); None: no such moment.
    linked: frozenset[int]
    key: FacesKey
    expires: datetime | None


async def open_faces(conn: Connection, *, actor: Actor, board_id: int) -> BoardAccess:
    """The authorisation of `GET /io/board/:boardId/card`, checked on every request."""
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "card.read")
    return access


async def faces_key(conn: Connection, *, access: BoardAccess, linked: frozenset[int]) -> FacesKey:
    """The key of a page whose cards are linked to cards on `linked`: no statement without links, else one."""
    actor = access.actor
    today = clock.now().date()
    if not linked:
        return FacesKey((access.board.version, (), today), frozenset())
    rows = await board_queries.list_versions_with_role(
        conn, account_id=actor.account_id, board_ids=sorted(linked), user_id=actor.user_id
    )
    readable = frozenset(
        r.id
        for r in rows
        if effective_role(
            explicit=r.explicit_role,
            is_shared=r.is_shared,
            shared_role=r.shared_board_role,
            account_admin=actor.administrator,
        )
        != NONE
    )
    return FacesKey((access.board.version, tuple((r.id, r.version) for r in rows), today), readable)


async def read_faces(
    conn: Connection,
    *,
    access: BoardAccess,
    lane_ids: list[int] | None,
    card_ids: list[int] | None,
    ignore_archive_date: bool,
    offset: int,
    limit: int,
) -> FacesPage:
    """A page of faces with its key.  Each part is read after the key that covers it (the board's version
    came with the access), so a page is never older than the key it is stored under."""
    board_id = access.board.id
    archived_after = None if ignore_archive_date else clock.now() - ARCHIVE_WINDOW
    total, records = await card_queries.list_board_faces(
        conn,
        board_id=board_id,
        lane_ids=lane_ids,
        card_ids=card_ids,
        archived_after=archived_after,
        offset=offset,
        limit=limit,
    )
    linked_ids = [r.card.id for r in records if r.has_parents or r.has_children]
    linked = frozenset(
        await connection_queries.list_linked_board_ids(conn, card_ids=linked_ids) - {board_id}
        if linked_ids
        else ()
    )
    key = await faces_key(conn, access=access, linked=linked)
    expires = None
    if archived_after is not None:
        first = await card_queries.first_archived_on(
            conn, board_id=board_id, lane_ids=lane_ids, archived_after=archived_after
        )
        expires = None if first is None else first + ARCHIVE_WINDOW
    records = await connections.with_connections(conn, actor=access.actor, reads=records)
    return FacesPage(total, records, linked, key, expires)


async def board_faces(
    conn: Connection,
    *,
    actor: Actor,
    board_id: int,
    lane_ids: list[int] | None,
    card_ids: list[int] | None,
    ignore_archive_date: bool,
    offset: int,
    limit: int,
) -> tuple[int, list[CardReadRecord]]:
    access = await open_faces(conn, actor=actor, board_id=board_id)
    page = await read_faces(
        conn,
        access=access,
        lane_ids=lane_ids,
        card_ids=card_ids,
        ignore_archive_date=ignore_archive_date,
        offset=offset,
        limit=limit,
    )
    return page.total, page.cards


async def tag_usage(conn: Connection, *, actor: Actor, board_id: int) -> dict[str, int]:
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "card.read")
    return await card_queries.tag_usage(conn, board_id=board_id)
