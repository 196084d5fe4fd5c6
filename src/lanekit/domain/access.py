"""Who may do what: one table of action → minimum board role, and the one query that resolves a board role.

Roles rise `none < boardReader < boardUser < boardManager < boardAdministrator` (LeanKit API: board roles).  A
caller's *effective* role on a board is the highest of

- their explicit `board_roles` row,
- the board's `sharedBoardRole` when the board `isShared` (every user of the account gets it),
- `boardAdministrator` when they are an account administrator.

A caller whose effective role is `none` cannot tell the board exists: `board_access` raises `NotFound`, as
it does for deleted boards and boards of another account.  A known board with too low a role is `Forbidden`.

Archived boards are read-only for everyone (account administrators included); the only changes allowed on
them are the account administrator's `board.unarchive` and `board.delete` (decision 031).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lanekit.domain.enums import BOARD_ROLES
from lanekit.domain.errors import Forbidden, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.records import BoardRecord, CardRecord

NONE = "none"
READER = "boardReader"
USER = "boardUser"
MANAGER = "boardManager"
ADMINISTRATOR = "boardAdministrator"
# Not a board role: only an account administrator passes.
ACCOUNT_ADMIN = "accountAdministrator"

ROLE_RANK = {role: rank for rank, role in enumerate(BOARD_ROLES)}

# The minimum role for each action on a board or anything on it.
ACTIONS: dict[str, str] = {
    # board
    "board.read": READER,
    "board.configure": ADMINISTRATOR,
    "board.archive": ADMINISTRATOR,
    "board.unarchive": ACCOUNT_ADMIN,
    "board.delete": ACCOUNT_ADMIN,
    "board.copy": READER,
    "board.users.read": READER,
    "board.users": ADMINISTRATOR,
    # layout, lanes and WIP
    "board.layout": MANAGER,
    "lane.update": MANAGER,
    "board.wip": MANAGER,
    # board configuration owned by administrators
    "cardType.read": READER,
    "cardType.manage": ADMINISTRATOR,
    "customIcon.read": READER,
    "customIcon.manage": ADMINISTRATOR,
    "customField.read": READER,
    "customField.manage": ADMINISTRATOR,
    "template.create": ADMINISTRATOR,
    # cards
    "card.read": READER,
    "card.create": USER,
    "card.update": USER,
    "card.move": USER,
    "card.assign": USER,
    "card.block": USER,
    "card.comment": USER,
    # Editing or deleting someone else's comment (authors change their own with card.comment).
    "card.comment.moderate": ADMINISTRATOR,
    "card.attach": USER,
    "card.connect": USER,
    "card.delete": USER,
}

# Actions allowed on an archived board: reads, and archive/unarchive/delete themselves (others are refused).
_ARCHIVE_SAFE = frozenset(
    {
        "board.read",
        "board.copy",
        "board.users.read",
        "cardType.read",
        "customIcon.read",
        "customField.read",
        "card.read",
        "board.archive",
        "board.unarchive",
        "board.delete",
        "template.create",
    }
)


def rank(role: str) -> int:
    return ROLE_RANK.get(role, 0)


def effective_role(*, explicit: str | None, is_shared: bool, shared_role: str, account_admin: bool) -> str:
    """The highest of the explicit role, the shared role of a shared board and the account admin's."""
    if account_admin:
        return ADMINISTRATOR
    candidates = [explicit or NONE]
    if is_shared:
        candidates.append(shared_role)
    return max(candidates, key=rank)


@dataclass(frozen=True, slots=True)
class BoardAccess:
    """A board together with what the caller may do on it."""

    actor: Actor
    board: BoardRecord
    # The caller's own `board_roles` row, if any.
    explicit_role: str | None
    effective_role: str

    @property
    def board_id(self) -> int:
        return self.board.id

    def allows(self, action: str) -> bool:
        needed = ACTIONS[action]
        if self.board.is_archived and action not in _ARCHIVE_SAFE:
            return False
        if needed == ACCOUNT_ADMIN:
            return self.actor.administrator
        return rank(self.effective_role) >= rank(needed)


async def board_access(conn: Connection, *, actor: Actor, board_id: int) -> BoardAccess:
    """Load a live board of the caller's account with the caller's role, in one query.

    Raises NotFound when the board does not exist, is deleted, belongs to another account or the caller
    has no role on it.
    """
    found = await board_queries.fetch_with_role(
        conn, account_id=actor.account_id, board_id=board_id, user_id=actor.user_id
    )
    if found is None:
        raise NotFound("board", board_id)
    board, explicit = found
    effective = effective_role(
        explicit=explicit,
        is_shared=board.is_shared,
        shared_role=board.shared_board_role,
        account_admin=actor.administrator,
    )
    if effective == NONE:
        raise NotFound("board", board_id)
    return BoardAccess(actor=actor, board=board, explicit_role=explicit, effective_role=effective)


def require(access: BoardAccess, action: str) -> None:
    """Raise Forbidden unless the caller's role on the board allows `action` (a key of ACTIONS)."""
    if access.allows(action):
        return
    if access.board.is_archived and action not in _ARCHIVE_SAFE:
        raise Forbidden(
            f"board {access.board.id} is archived; it is read-only until an administrator unarchives it"
        )
    needed = ACTIONS[action]
    if needed == ACCOUNT_ADMIN:
        raise Forbidden("this action requires an account administrator")
    raise Forbidden(f"this action requires the {needed} role on board {access.board.id}")


def require_account_admin(actor: Actor) -> None:
    if not actor.administrator:
        raise Forbidden("this action requires an account administrator")


def require_board_creator(actor: Actor) -> None:
    if not (actor.board_creator or actor.administrator):
        raise Forbidden("creating a board requires the board creator or administrator account role")


async def access_for_card(conn: Connection, *, actor: Actor, card_id: int, board_id: int) -> BoardAccess:
    """The caller's access to the card's board; a board they cannot see makes the *card* not found."""
    try:
        return await board_access(conn, actor=actor, board_id=board_id)
    except NotFound:
        raise NotFound("card", card_id) from None


async def accesses_for_cards(
    conn: Connection,
    *,
    actor: Actor,
    cards: Sequence[CardRecord],
    action: str | Callable[[CardRecord], str],
) -> dict[int, BoardAccess]:
    """One access per board the cards are on (one lookup per board), each card checked for `action`, or for
    `action(card)` where the cards of one request need different rights (the changed card and the one it
    links to)."""
    found: dict[int, BoardAccess] = {}
    for card in cards:
        access = found.get(card.board_id)
        if access is None:
            access = found[card.board_id] = await access_for_card(
                conn, actor=actor, card_id=card.id, board_id=card.board_id
            )
        require(access, action if isinstance(action, str) else action(card))
    return found


async def readable_card(
    conn: Connection, *, actor: Actor, card_id: int, action: str = "card.read"
) -> tuple[CardRecord, BoardAccess]:
    """A live card of the caller's account with the caller's access to its board, checked for `action`.

    A card that is missing, deleted, of another account or on a board the caller cannot see is NotFound;
    one the caller can see but not `action` is Forbidden.  Every surface asks this one question."""
    card = await card_queries.fetch(conn, account_id=actor.account_id, card_id=card_id)
    if card is None:
        raise NotFound("card", card_id)
    access = await access_for_card(conn, actor=actor, card_id=card.id, board_id=card.board_id)
    require(access, action)
    return card, access
