"""Users of an account: the caller's own profile and the administrator's user management."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lanekit.domain import clock
from lanekit.domain.access import require_account_admin
from lanekit.domain.changes import bump_boards
from lanekit.domain.enums import DATE_FORMATS, LICENSE_TYPES, LOCALES, TIME_ZONES, USER_SORTS
from lanekit.domain.errors import Conflict, Invalid, NotFound
from lanekit.domain.people import accounts
from lanekit.domain.people.auth import announce_user_change
from lanekit.domain.people.passwords import check_password_rules, hash_password
from lanekit.domain.types import UNSET, Actor, given_fields
from lanekit.storage.executor import Connection
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import board_roles as board_role_queries
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import users as user_queries
from lanekit.storage.records import UserRecord

MAX_NAME = 255


@dataclass(frozen=True, slots=True)
class BoardRoleGrant:
    board_id: int
    wip: int | None
    role: str


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as `GET /io/user/me` shows them: the record plus their board roles."""

    user: UserRecord
    board_roles: list[BoardRoleGrant] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A partial update; UNSET fields are left alone."""

    email: Any = UNSET
    first_name: Any = UNSET
    last_name: Any = UNSET
    time_zone: Any = UNSET
    date_format: Any = UNSET
    enabled: Any = UNSET
    administrator: Any = UNSET
    board_creator: Any = UNSET
    license_type: Any = UNSET
    external_user_name: Any = UNSET
    # Profile settings kept in the user's `settings` document.
    locale: Any = UNSET
    use_monday_for_start_of_week: Any = UNSET

    def given(self) -> dict[str, Any]:
        return given_fields(self)


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    first_name: str
    last_name: str
    password: str
    time_zone: str = "Etc/GMT"
    enabled: bool = True
    administrator: bool = False
    board_creator: bool = False
    date_format: str = "MM/dd/yyyy"
    license_type: str = "full"
    external_user_name: str | None = None
    username: str | None = None


def _check_name(value: str, field_name: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid(field_name, "must not be empty")
    if len(value) > MAX_NAME:
        raise Invalid(field_name, f"must be at most {MAX_NAME} characters")
    return value


def _check_email(value: str, field_name: str = "emailAddress") -> str:
    value = value.strip()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > MAX_NAME:
        raise Invalid(field_name, f"is not an email address: {value!r}")
    return value


def _check_choice(value: str, allowed: Any, field_name: str) -> str:
    if value not in allowed:
        shown = ", ".join(sorted(allowed)) if len(allowed) <= 12 else "the documented list"
        raise Invalid(field_name, f"{value!r} is not one of {shown}")
    return value


async def board_roles_of(conn: Connection, *, account_id: int, user_id: int) -> list[BoardRoleGrant]:
    """The user's explicit board roles on live boards of the account, by board id."""
    rows = await board_role_queries.list_for_user(conn, account_id=account_id, user_id=user_id)
    return [BoardRoleGrant(board_id=r.board_id, wip=r.wip, role=r.role) for r in rows]


async def get_me(conn: Connection, *, actor: Actor, user: UserRecord) -> UserView:
    """The caller's profile; `user` is the caller's record as authentication read it this request."""
    roles = await board_roles_of(conn, account_id=actor.account_id, user_id=actor.user_id)
    return UserView(user, roles)


async def get_user(conn: Connection, *, actor: Actor, user_id: int) -> UserView:
    if user_id != actor.user_id:
        require_account_admin(actor)
    user = await user_queries.fetch(conn, account_id=actor.account_id, user_id=user_id)
    if user is None:
        raise NotFound("user", user_id)
    roles = await board_roles_of(conn, account_id=actor.account_id, user_id=user_id)
    return UserView(user, roles)


async def avatar_user(conn: Connection, *, actor: Actor, user_id: int) -> UserRecord:
    """The user whose avatar `GET /io/user/:userId/avatar` draws: any live user of the caller's account.

    Avatars appear beside every name a member sees (assignees, comments, activity), so no role is needed;
    a user of another account, or a deleted one, is NotFound.
    """
    user = await user_queries.fetch(conn, account_id=actor.account_id, user_id=user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


async def list_users(
    conn: Connection, *, actor: Actor, offset: int, limit: int, sort_by: str, search: str | None
) -> tuple[int, list[UserRecord]]:
    require_account_admin(actor)
    _check_choice(sort_by, USER_SORTS, "sortBy")
    return await user_queries.list_page(
        conn, account_id=actor.account_id, offset=offset, limit=limit, sort_by=sort_by, search=search
    )


async def _ensure_login_free(
    conn: Connection, *, account_id: int, email: str, username: str, except_user: int | None = None
) -> None:
    clashes = await user_queries.fetch_by_keys(
        conn, account_id=account_id, email_key=email.lower(), username_key=username.lower()
    )
    if any(u.id != except_user for u in clashes):
        raise Conflict(f"a user with the email address or username {email!r} already exists")


async def _password_rules(conn: Connection, *, account_id: int) -> dict[str, Any]:
    """The account's `advancedSecurity` settings, which carry its password rules."""
    account = await account_queries.fetch(conn, account_id)
    return accounts.view(account).advanced_security if account is not None else {}


async def create_user(conn: Connection, *, actor: Actor, new: NewUser) -> UserView:
    require_account_admin(actor)
    return UserView(await insert_new_user(conn, account_id=actor.account_id, new=new))


async def insert_new_user(
    conn: Connection, *, account_id: int, new: NewUser, account_owner: bool = False
) -> UserRecord:
    """Validate and store a user; shared by the API, `lanekit init` and the demo seed."""
    email = _check_email(new.email)
    username = (new.username or email).strip()
    first_name = _check_name(new.first_name, "firstName")
    last_name = _check_name(new.last_name, "lastName")
    check_password_rules(new.password, security=await _password_rules(conn, account_id=account_id))
    _check_choice(new.time_zone, TIME_ZONES, "timeZone")
    _check_choice(new.date_format, DATE_FORMATS, "dateFormat")
    _check_choice(new.license_type, LICENSE_TYPES, "licenseType")
    await _ensure_login_free(conn, account_id=account_id, email=email, username=username)
    moment = clock.now()
    return await user_queries.insert_user(
        conn,
        account_id=account_id,
        username=username,
        email=email,
        username_key=username.lower(),
        email_key=email.lower(),
        first_name=first_name,
        last_name=last_name,
        password_hash=await hash_password(new.password),
        administrator=new.administrator,
        board_creator=new.board_creator or new.administrator,
        account_owner=account_owner,
        team_manager=False,
        enabled=new.enabled,
        deleted=False,
        date_format=new.date_format,
        time_zone=new.time_zone,
        license_type=new.license_type,
        external_user_name=new.external_user_name,
        external_user=False,
        settings={},
        last_access=None,
        created_on=moment,
        updated_on=moment,
    )


def _column_values(user: UserRecord, changes: UserChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    given = changes.given()
    for key, value in given.items():
        if key in ("locale", "use_monday_for_start_of_week"):
            continue
        if value is None and key != "external_user_name":
            raise Invalid(_WIRE_NAMES[key], "must not be null")
    if "email" in given:
        email = _check_email(given["email"])
        values.update(email=email, email_key=email.lower())
        # The username follows the email when it was the email before.
        if user.username_key == user.email_key:
            values.update(username=email, username_key=email.lower())
    if "first_name" in given:
        values["first_name"] = _check_name(given["first_name"], "firstName")
    if "last_name" in given:
        values["last_name"] = _check_name(given["last_name"], "lastName")
    if "time_zone" in given:
        values["time_zone"] = _check_choice(given["time_zone"], TIME_ZONES, "timeZone")
    if "date_format" in given:
        values["date_format"] = _check_choice(given["date_format"], DATE_FORMATS, "dateFormat")
    if "license_type" in given:
        values["license_type"] = _check_choice(given["license_type"], LICENSE_TYPES, "licenseType")
    for flag in ("enabled", "administrator", "board_creator", "external_user_name"):
        if flag in given:
            values[flag] = given[flag]
    # Profile settings live in the settings document; an explicit null removes one (it reads as its default).
    settings = dict(user.settings)
    if "locale" in given:
        if given["locale"] is None:
            settings.pop("locale", None)
        else:
            settings["locale"] = _check_choice(given["locale"], LOCALES, "locale")
    if "use_monday_for_start_of_week" in given:
        if given["use_monday_for_start_of_week"] is None:
            settings.pop("useMondayForCalendarWeekViewStart", None)
        else:
            settings["useMondayForCalendarWeekViewStart"] = bool(given["use_monday_for_start_of_week"])
    if settings != user.settings:
        values["settings"] = settings
    return values


_WIRE_NAMES = {
    "email": "emailAddress",
    "first_name": "firstName",
    "last_name": "lastName",
    "time_zone": "timeZone",
    "date_format": "dateFormat",
    "enabled": "enabled",
    "administrator": "administrator",
    "board_creator": "boardCreator",
    "license_type": "licenseType",
    "external_user_name": "externalUserName",
    "locale": "locale",
    "use_monday_for_start_of_week": "useMondayForStartOfWeek",
}


# What card faces show of an assignee (`assignedUsers`: full name, email; the avatar URL is the user id's).
_FACE_COLUMNS = frozenset({"first_name", "last_name", "email"})


async def _bump_assigned_boards(conn: Connection, *, user_id: int) -> None:
    """A change to what faces show of a user bumps the boards of the cards they are assigned to, so a body
    cached under those boards' versions is not served again (docs/decisions/163-body-cache.md).  Board GET
    bodies show members' columns too; their key reads those columns, so no bump is needed for them."""
    await bump_boards(conn, board_ids=await card_queries.list_assigned_board_ids(conn, user_id=user_id))


async def _apply_changes(
    conn: Connection, *, account_id: int, user: UserRecord, changes: UserChanges
) -> UserRecord:
    values = _column_values(user, changes)
    if "email_key" in values:
        await _ensure_login_free(
            conn,
            account_id=account_id,
            email=values["email"],
            username=values.get("username", user.username),
            except_user=user.id,
        )
    if not values:
        return user
    values["updated_on"] = clock.now()
    updated = await user_queries.update_user(conn, account_id=account_id, user_id=user.id, **values)
    if updated is None:
        raise NotFound("user", user.id)
    if _FACE_COLUMNS & values.keys():
        await _bump_assigned_boards(conn, user_id=user.id)
    # Requests carry the caller's record (roles, login, profile): remembered copies must be read again.
    await announce_user_change(conn, user_id=user.id)
    return updated


async def update_me(conn: Connection, *, actor: Actor, changes: UserChanges) -> UserView:
    # Read again inside the write transaction: the record authentication read is not locked.
    current = await user_queries.fetch(conn, account_id=actor.account_id, user_id=actor.user_id)
    if current is None:
        raise NotFound("user", actor.user_id)
    user = await _apply_changes(conn, account_id=actor.account_id, user=current, changes=changes)
    roles = await board_roles_of(conn, account_id=actor.account_id, user_id=actor.user_id)
    return UserView(user, roles)


async def update_user(conn: Connection, *, actor: Actor, user_id: int, changes: UserChanges) -> UserView:
    require_account_admin(actor)
    view = await get_user(conn, actor=actor, user_id=user_id)
    if user_id == actor.user_id and (changes.enabled is False or changes.administrator is False):
        raise Invalid(
            "enabled" if changes.enabled is False else "administrator",
            "an administrator cannot disable or demote themselves",
        )
    user = await _apply_changes(conn, account_id=actor.account_id, user=view.user, changes=changes)
    return UserView(user, view.board_roles)


async def set_password(conn: Connection, *, actor: Actor, user_id: int, password: str) -> UserView:
    require_account_admin(actor)
    view = await get_user(conn, actor=actor, user_id=user_id)
    check_password_rules(password, security=await _password_rules(conn, account_id=actor.account_id))
    user = await user_queries.update_user(
        conn,
        account_id=actor.account_id,
        user_id=user_id,
        password_hash=await hash_password(password),
        updated_on=clock.now(),
    )
    if user is None:
        raise NotFound("user", user_id)
    await announce_user_change(conn, user_id=user_id)
    return UserView(user, view.board_roles)


async def delete_user(conn: Connection, *, actor: Actor, user_id: int) -> None:
    require_account_admin(actor)
    if user_id == actor.user_id:
        raise Invalid("userId", "an administrator cannot delete themselves")
    view = await get_user(conn, actor=actor, user_id=user_id)
    if view.user.account_owner:
        raise Invalid("userId", "the account owner cannot be deleted")
    await user_queries.update_user(
        conn,
        account_id=actor.account_id,
        user_id=user_id,
        deleted=True,
        enabled=False,
        updated_on=clock.now(),
    )
    await announce_user_change(conn, user_id=user_id)
