"""Board users and roles (LeanKit API: board users): listing a board's users, bulk granting and removing
access, role ops."""

from __future__ import annotations

from dataclasses import dataclass

from lanekit.domain import access
from lanekit.domain.access import BoardAccess, board_access, require
from lanekit.domain.enums import BOARD_ROLES, LICENSE_TYPES
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import board_roles as role_queries
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.records import BoardRoleRecord, UserRecord

# Both bulk endpoints refuse more than this many board-by-user operations (DOC).
MAX_OPERATIONS = 500
USER_SORTS = ("name", "role", "WIP", "license")
# licenseFilterList[] codes (DOC): 0 full, 1 focused, 2 reader.
LICENSE_CODES = {0: "full", 1: "focused", 2: "reader"}


@dataclass(frozen=True, slots=True)
class BoardUser:
    """A user as the board sees them: their role row (None when inherited) and effective role."""

    user: UserRecord
    board_id: int
    role_row: BoardRoleRecord | None
    role: str


async def list_board_users(
    conn: Connection,
    *,
    actor: Actor,
    board_id: int,
    offset: int,
    limit: int,
    search: str | None = None,
    sort_by: str | None = None,
    sort_dir: str | None = None,
    role_filter: list[int] | None = None,
    license_filter: list[int] | None = None,
) -> tuple[int, list[BoardUser]]:
    """`GET /io/board/:boardId/user`: users with a role (explicit, shared or as administrator)."""
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, "board.users.read")
    if sort_by is not None and sort_by not in USER_SORTS:
        raise Invalid("sortBy", f"{sort_by!r} is not one of {', '.join(USER_SORTS)}")
    if sort_dir is not None and sort_dir not in ("asc", "desc"):
        raise Invalid("sortDir", "must be asc or desc")
    if sort_by is not None and sort_dir is None:
        raise Invalid("sortDir", "is required with sortBy")
    for value in role_filter or []:
        if not 0 <= value < len(BOARD_ROLES):
            raise Invalid("roleFilterList", f"{value} is not a role value from 0 to {len(BOARD_ROLES) - 1}")
    for value in license_filter or []:
        if value not in LICENSE_CODES:
            raise Invalid("licenseFilterList", f"{value} is not a license code (0 full, 1 focused, 2 reader)")
    members = await _members(conn, found=found)
    if search:
        needle = search.strip().casefold()
        members = [
            m
            for m in members
            if needle in f"{m.user.first_name} {m.user.last_name}".casefold()
            or needle in m.user.email.casefold()
        ]
    if role_filter:
        members = [m for m in members if access.rank(m.role) in set(role_filter)]
    if license_filter:
        wanted = {LICENSE_CODES[code] for code in license_filter}
        members = [m for m in members if m.user.license_type in wanted]
    if sort_by is not None:
        key = {
            "name": lambda m: (m.user.last_name.casefold(), m.user.first_name.casefold(), m.user.id),
            "role": lambda m: (access.rank(m.role), m.user.last_name.casefold(), m.user.id),
            "WIP": lambda m: (
                (m.role_row.wip if m.role_row else None) or 0,
                m.user.last_name.casefold(),
                m.user.id,
            ),
            "license": lambda m: (
                LICENSE_TYPES.index(m.user.license_type),
                m.user.last_name.casefold(),
                m.user.id,
            ),
        }[sort_by]
        members.sort(key=key, reverse=sort_dir == "desc")
    return len(members), members[offset : offset + limit]


async def _members(conn: Connection, *, found: BoardAccess) -> list[BoardUser]:
    board = found.board
    rows = await role_queries.list_board_members(
        conn, account_id=board.account_id, board=board, every_user=board.is_shared
    )
    members = []
    for user, role_row in rows:
        role = access.effective_role(
            explicit=role_row.role if role_row else None,
            is_shared=board.is_shared,
            shared_role=board.shared_board_role,
            account_admin=user.administrator,
        )
        if role != access.NONE:
            members.append(BoardUser(user, board.id, role_row, role))
    return members


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """`POST`/`DELETE /io/board/access`: boards by (users by id or email, or teams)."""

    board_ids: list[int]
    user_ids: list[int]
    emails: list[str]
    team_ids: list[int]


async def _resolve(conn: Connection, *, actor: Actor, request: AccessRequest) -> tuple[list[int], list[int]]:
    """Check the caller administers every board and that every user exists; return (boards, users)."""
    sources = sum(1 for given in (request.user_ids, request.emails, request.team_ids) if given)
    if sources == 0:
        raise Invalid("userIds", "send one of userIds, emails or teamIds")
    if sources > 1:
        raise Invalid("userIds", "send only one of userIds, emails or teamIds")
    if not request.board_ids:
        raise Invalid("boardIds", "must name at least one board")
    if request.team_ids:
        # Lanekit has no teams; every team id is unknown.
        raise Invalid("teamIds", f"no such team: {', '.join(str(t) for t in request.team_ids)}")
    board_ids = list(dict.fromkeys(request.board_ids))
    if len(board_ids) > MAX_OPERATIONS:
        raise Invalid("boardIds", f"at most {MAX_OPERATIONS} operations (boards times users) per request")
    # Boards first: a board the caller cannot see is 404 whatever else is wrong with the request.
    for board_id in board_ids:
        require(await board_access(conn, actor=actor, board_id=board_id), "board.users")
    if request.emails:
        found = await role_queries.user_ids_by_email(conn, account_id=actor.account_id, emails=request.emails)
        unknown = [email for email in request.emails if email.lower() not in found]
        if unknown:
            raise Invalid("emails", f"no such user: {', '.join(unknown)}")
        user_ids = list(dict.fromkeys(found[email.lower()] for email in request.emails))
    else:
        user_ids = list(dict.fromkeys(request.user_ids))
        live = set(await role_queries.count_users(conn, account_id=actor.account_id, user_ids=user_ids))
        unknown_ids = [str(user_id) for user_id in user_ids if user_id not in live]
        if unknown_ids:
            raise Invalid("userIds", f"no such user: {', '.join(unknown_ids)}")
    if len(board_ids) * len(user_ids) > MAX_OPERATIONS:
        raise Invalid("boardIds", f"at most {MAX_OPERATIONS} operations (boards times users) per request")
    return board_ids, user_ids


async def set_access(conn: Connection, *, actor: Actor, request: AccessRequest, role: str) -> None:
    """Give every user the role on every board.  `none` removes the explicit role.

    A user set to boardReader is unassigned from the cards of those boards (DOC).
    """
    if role not in BOARD_ROLES:
        raise Invalid("boardRole", f"{role!r} is not one of {', '.join(BOARD_ROLES)}")
    board_ids, user_ids = await _resolve(conn, actor=actor, request=request)
    if role == access.NONE:
        await _remove(conn, board_ids=board_ids, user_ids=user_ids)
        return
    existing = {
        (r.board_id, r.user_id): r
        for r in await role_queries.fetch_many(conn, board_ids=board_ids, user_ids=user_ids)
    }
    for board_id in board_ids:
        for user_id in user_ids:
            row = existing.get((board_id, user_id))
            if row is None:
                await role_queries.insert_role(
                    conn, account_id=actor.account_id, board_id=board_id, user_id=user_id, role=role
                )
            elif row.role != role:
                await role_queries.update_role(conn, board_id=board_id, role_id=row.id, role=role)
        await board_queries.bump_version(conn, board_id=board_id)
    if role == access.READER:
        await role_queries.unassign_cards(conn, board_ids=board_ids, user_ids=user_ids)


async def remove_access(conn: Connection, *, actor: Actor, request: AccessRequest) -> None:
    """Remove the users' explicit roles; they lose their card assignments on those boards (DOC)."""
    board_ids, user_ids = await _resolve(conn, actor=actor, request=request)
    await _remove(conn, board_ids=board_ids, user_ids=user_ids)


async def _remove(conn: Connection, *, board_ids: list[int], user_ids: list[int]) -> None:
    await role_queries.delete_roles(conn, board_ids=board_ids, user_ids=user_ids)
    await role_queries.unassign_cards(conn, board_ids=board_ids, user_ids=user_ids)
    for board_id in board_ids:
        await board_queries.bump_version(conn, board_id=board_id)


@dataclass(frozen=True, slots=True)
class RoleOp:
    """One item of the deprecated `PATCH /io/board/:boardId/roles` array."""

    op: str
    role_id: int | None
    user_id: int | None
    role_type_id: int | None
    wip: int | None
    wip_given: bool


async def apply_role_ops(
    conn: Connection, *, actor: Actor, board_id: int, ops: list[RoleOp]
) -> list[BoardRoleRecord]:
    """`create` adds a role row (or replaces the user's role), `update` changes one by its id."""
    found = await board_access(conn, actor=actor, board_id=board_id)
    require(found, "board.users")
    if not ops:
        raise Invalid("body", "send at least one operation")
    if len(ops) > MAX_OPERATIONS:
        raise Invalid("body", f"at most {MAX_OPERATIONS} operations per request")
    current = {r.id: r for r in await role_queries.fetch_for_board(conn, board_id=board_id)}
    by_user = {r.user_id: r for r in current.values()}
    live_users = set(
        await role_queries.count_users(
            conn, account_id=actor.account_id, user_ids=[o.user_id for o in ops if o.user_id is not None]
        )
    )
    changed: list[BoardRoleRecord] = []
    for index, op in enumerate(ops):
        where = f"{index}"
        role = None
        if op.role_type_id is not None:
            if not 0 <= op.role_type_id < len(BOARD_ROLES):
                raise Invalid(f"{where}/roleTypeId", f"must be a role value from 0 to {len(BOARD_ROLES) - 1}")
            role = BOARD_ROLES[op.role_type_id]
        if op.wip is not None and op.wip < 0:
            raise Invalid(f"{where}/WIP", "must be 0 or more")
        if op.op == "create":
            if op.user_id is None or op.user_id not in live_users:
                raise Invalid(f"{where}/userId", f"no such user: {op.user_id}")
            if role is None:
                raise Invalid(f"{where}/roleTypeId", "is required")
            existing = by_user.get(op.user_id)
            if existing is None:
                row = await role_queries.insert_role(
                    conn,
                    account_id=actor.account_id,
                    board_id=board_id,
                    user_id=op.user_id,
                    role=role,
                    wip=op.wip,
                )
            else:
                values: dict[str, object] = {"role": role}
                if op.wip_given:
                    values["wip"] = op.wip
                updated = await role_queries.update_role(
                    conn, board_id=board_id, role_id=existing.id, **values
                )
                assert updated is not None
                row = updated
        elif op.op == "update":
            target = current.get(op.role_id) if op.role_id is not None else None
            if target is None:
                raise NotFound("board role", op.role_id)
            if op.user_id is not None and op.user_id != target.user_id:
                raise Invalid(f"{where}/userId", f"role {target.id} belongs to user {target.user_id}")
            values = {}
            if role is not None:
                values["role"] = role
            if op.wip_given:
                values["wip"] = op.wip
            updated = (
                await role_queries.update_role(conn, board_id=board_id, role_id=target.id, **values)
                if values
                else target
            )
            assert updated is not None
            row = updated
        else:
            raise Invalid(f"{where}/op", f"{op.op!r} is not one of create, update")
        current[row.id] = row
        by_user[row.user_id] = row
        changed.append(row)
    await board_queries.bump_version(conn, board_id=board_id)
    return changed


async def roles_of_user(conn: Connection, *, account_id: int, user_id: int) -> list[BoardRoleRecord]:
    """The user's explicit board roles on live boards (for `GET /io/user/me`)."""
    return await role_queries.list_for_user(conn, account_id=account_id, user_id=user_id)
