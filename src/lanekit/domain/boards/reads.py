"""Reading boards: the full board view, the board list, visits and recent boards (LeanKit API: boards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lanekit.domain import access, clock
from lanekit.domain.access import BoardAccess
from lanekit.domain.boards.boards import open_board
from lanekit.domain.boards.layout import layout_checksum
from lanekit.domain.enums import BOARD_ROLES
from lanekit.domain.errors import Invalid
from lanekit.domain.types import Actor, parse_digits
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_roles as role_queries
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import card_types as card_type_queries
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.queries import users as user_queries
from lanekit.storage.queries.lanes import LaneCounts
from lanekit.storage.records import (
    BoardRecord,
    BoardRoleRecord,
    CardTypeRecord,
    CustomFieldRecord,
    CustomIconRecord,
    LaneRecord,
    UserRecord,
)

# A board GET writes the caller's visit at most this often (so repeated reads stay reads).
VISIT_THROTTLE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class BoardMember:
    user: UserRecord
    role: BoardRoleRecord


@dataclass(frozen=True, slots=True)
class BoardView:
    """Everything `GET /io/board/:boardId` shows, read in a bounded number of queries."""

    access: BoardAccess
    lanes: list[LaneRecord]
    counts: dict[int, LaneCounts]
    members: list[BoardMember]
    card_types: list[CardTypeRecord]
    custom_icons: list[CustomIconRecord]
    custom_fields: list[CustomFieldRecord]
    tags: list[str]
    layout_checksum: str
    visit_due: bool

    @property
    def board(self) -> BoardRecord:
        return self.access.board


async def get_board(conn: Connection, *, actor: Actor, board_id: int) -> BoardView:
    found = await open_board(conn, actor=actor, board_id=board_id)
    return await board_view(conn, found=found)


@dataclass(frozen=True, slots=True)
class BoardProbe:
    """What a board GET reads before its body (docs/decisions/163-body-cache.md): the caller's access (the
    authorisation, on every request), the key a cached body must match and whether a visit is due.

    `key` covers everything the body shows: the board's version (every change to the board or anything on it
    bumps it) and the shown columns of its members (a rename or `lastAccess` bumps no board).  `variant` is
    the body's only per-caller part, `boardRole`/`effectiveBoardRole`."""

    access: BoardAccess
    key: tuple[Any, ...]
    variant: tuple[str, str]
    last_visit: Any

    @property
    def visit_due(self) -> bool:
        return _visit_is_due(self.last_visit)


def _visit_is_due(last_visit: Any) -> bool:
    return last_visit is None or last_visit < clock.now() - VISIT_THROTTLE


async def probe_board(conn: Connection, *, actor: Actor, board_id: int) -> BoardProbe:
    """Authorise the caller and read the body's key: two statements."""
    found = await open_board(conn, actor=actor, board_id=board_id)
    stamp = await board_queries.fetch_board_stamp(
        conn, account_id=found.board.account_id, board_id=found.board.id, user_id=actor.user_id
    )
    return BoardProbe(
        access=found,
        key=(found.board.version, stamp.members),
        variant=(found.explicit_role or found.effective_role, found.effective_role),
        last_visit=stamp.visited_on,
    )


async def board_view(conn: Connection, *, found: BoardAccess, probe: BoardProbe | None = None) -> BoardView:
    """The body's records; after `probe_board` (whose visit it reuses), read after the key, so a body is
    never older than the key it is stored under."""
    board = found.board
    account_id = board.account_id
    lanes = await lane_queries.list_for_board(conn, account_id=account_id, board_id=board.id)
    counts = await lane_queries.card_counts(conn, board_id=board.id)
    members = await role_queries.list_board_members(
        conn, account_id=account_id, board=board, every_user=False
    )
    if probe is not None:
        last_visit = probe.last_visit
    else:
        last_visit = await board_queries.fetch_visit(conn, user_id=found.actor.user_id, board_id=board.id)
    return BoardView(
        access=found,
        lanes=lanes,
        counts=counts,
        members=[BoardMember(user, role) for user, role in members if role is not None],
        card_types=await card_type_queries.list_for_board(conn, account_id=account_id, board_id=board.id),
        custom_icons=await icon_queries.list_for_board(conn, account_id=account_id, board_id=board.id),
        custom_fields=await field_queries.list_for_board(conn, account_id=account_id, board_id=board.id),
        tags=await board_queries.list_tags(conn, board_id=board.id),
        layout_checksum=layout_checksum(board, lanes),
        visit_due=_visit_is_due(last_visit),
    )


async def record_visit(conn: Connection, *, actor: Actor, board_id: int) -> None:
    """Note that the caller opened the board (for recent boards); throttled to once a minute."""
    now = clock.now()
    await board_queries.record_visit(
        conn,
        account_id=actor.account_id,
        user_id=actor.user_id,
        board_id=board_id,
        now=now,
        stale_before=now - VISIT_THROTTLE,
    )


@dataclass(frozen=True, slots=True)
class BoardListing:
    board: BoardRecord
    role: str


@dataclass(frozen=True, slots=True)
class InaccessibleBoard:
    id: int
    is_deleted: bool
    is_archived: bool
    has_access: bool


@dataclass(frozen=True, slots=True)
class BoardPage:
    total: int
    boards: list[BoardListing]
    # Only when the caller named boards (`boards=`): those it cannot have.
    inaccessible: list[InaccessibleBoard] | None


async def list_boards(
    conn: Connection,
    *,
    actor: Actor,
    offset: int,
    limit: int,
    search: str | None = None,
    board_ids: list[int] | None = None,
    invert: bool = False,
    minimum_access: int | None = None,
    archived: bool = False,
) -> BoardPage:
    """`GET /io/board`: the boards the caller can open, alphabetically (reversed with `invert`)."""
    if archived:
        access.require_account_admin(actor)
    if minimum_access is not None and not 0 <= minimum_access < len(BOARD_ROLES):
        raise Invalid("minimumAccess", f"must be a role value from 0 to {len(BOARD_ROLES) - 1}")
    candidates = await board_queries.list_visible_candidates(
        conn,
        account_id=actor.account_id,
        user_id=actor.user_id,
        every_board=actor.administrator,
        include_archived=archived,
        search=search.strip() if search else None,
        board_ids=board_ids,
    )
    floor = max(minimum_access or 0, 1)
    visible: list[BoardListing] = []
    for candidate in candidates:
        role = access.effective_role(
            explicit=candidate.explicit_role,
            is_shared=candidate.board.is_shared,
            shared_role=candidate.board.shared_board_role,
            account_admin=actor.administrator,
        )
        if access.rank(role) >= floor:
            visible.append(BoardListing(candidate.board, role))
    visible.sort(key=lambda item: (item.board.title.casefold(), item.board.id), reverse=invert)
    inaccessible: list[InaccessibleBoard] | None = None
    if board_ids is not None:
        inaccessible = await _inaccessible(
            conn, actor=actor, asked=board_ids, shown={b.board.id for b in visible}
        )
    return BoardPage(total=len(visible), boards=visible[offset : offset + limit], inaccessible=inaccessible)


async def _inaccessible(
    conn: Connection, *, actor: Actor, asked: list[int], shown: set[int]
) -> list[InaccessibleBoard]:
    missing = [board_id for board_id in dict.fromkeys(asked) if board_id not in shown]
    states = {
        b.id: b for b in await board_queries.list_states(conn, account_id=actor.account_id, board_ids=missing)
    }
    roles = {
        r.board_id: r.role
        for r in await role_queries.fetch_many(conn, board_ids=list(states), user_ids=[actor.user_id])
    }
    result = []
    for board_id in missing:
        board = states.get(board_id)
        if board is None:
            # Unknown here, or another account's: indistinguishable from a board without access.
            result.append(InaccessibleBoard(board_id, is_deleted=False, is_archived=False, has_access=False))
            continue
        role = access.effective_role(
            explicit=roles.get(board_id),
            is_shared=board.is_shared,
            shared_role=board.shared_board_role,
            account_admin=actor.administrator,
        )
        result.append(
            InaccessibleBoard(
                board_id,
                is_deleted=board.is_deleted,
                is_archived=board.is_archived,
                has_access=role != access.NONE,
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class RecentBoard:
    board: BoardRecord
    role: str
    is_favorite: bool


MAX_RECENT = 10


def _favorite_ids(settings: dict[str, Any]) -> list[int]:
    """Board ids in the user's `favoriteBoards` setting (digit strings or numbers; others are skipped)."""
    raw = settings.get("favoriteBoards")
    ids: list[int] = []
    for item in raw if isinstance(raw, list) else []:
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, int) and not isinstance(value, bool):
            ids.append(value)
        elif isinstance(value, str) and (number := parse_digits(value)) is not None:
            ids.append(number)
    return list(dict.fromkeys(ids))


async def recent_boards(conn: Connection, *, actor: Actor) -> list[RecentBoard]:
    """`GET /io/user/me/board/recent`: favourites first (alphabetically), then recently opened boards (newest
    first); at most 10."""
    user = await user_queries.fetch(conn, account_id=actor.account_id, user_id=actor.user_id)
    fav_ids = _favorite_ids(user.settings) if user is not None else []
    fav_rows = await board_queries.list_visible_candidates(
        conn,
        account_id=actor.account_id,
        user_id=actor.user_id,
        every_board=True,
        include_archived=True,
        board_ids=fav_ids,
    )
    recent_rows = await board_queries.list_recent_visits(
        conn, account_id=actor.account_id, user_id=actor.user_id, limit=MAX_RECENT * 2
    )
    result: list[RecentBoard] = []
    seen: set[int] = set()

    def add(board: BoardRecord, explicit: str | None, favorite: bool) -> None:
        role = access.effective_role(
            explicit=explicit,
            is_shared=board.is_shared,
            shared_role=board.shared_board_role,
            account_admin=actor.administrator,
        )
        if role != access.NONE and board.id not in seen and len(result) < MAX_RECENT:
            seen.add(board.id)
            result.append(RecentBoard(board, role, favorite))

    for row in sorted(fav_rows, key=lambda r: (r.board.title.casefold(), r.board.id)):
        add(row.board, row.explicit_role, True)
    for board, explicit in recent_rows:
        add(board, explicit, False)
    return result
