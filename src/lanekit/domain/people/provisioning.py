"""User provisioning by an identity provider (LeanKit's "User Provisioning API", SCIM 1.1): the rules.

Every operation is for account administrators only, and each goes through the same user functions as
`/io/user` (domain/people/users.py): the same validation, the same uniqueness of logins, the same password
hashing, and the same change notice, so that a user an identity provider disables or deletes cannot sign in
again on the next request, in any process (docs/decisions/160-auth-cache.md).

What is particular to provisioning:
- `replace_user` (SCIM PUT) sets every value, an omitted one to its default, except the password, which
  changes only when one is sent;
- a user created without a password gets a random one nobody knows: they sign in once an administrator or
  the identity provider sets one (identity providers that sign users in by SAML never send one).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from lanekit.domain.access import require_account_admin
from lanekit.domain.people import users
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import user_search
from lanekit.storage.records import UserRecord

DEFAULT_TIME_ZONE = "Etc/GMT"
DEFAULT_DATE_FORMAT = "MM/dd/yyyy"
DEFAULT_LICENSE_TYPE = "full"


@dataclass(frozen=True, slots=True)
class UserValues:
    """Every value an identity provider manages, as a create or a replace sets them."""

    user_name: str
    given_name: str
    family_name: str
    external_id: str | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    enabled: bool = True
    administrator: bool = False
    board_creator: bool = False
    date_format: str = DEFAULT_DATE_FORMAT
    license_type: str = DEFAULT_LICENSE_TYPE


def _unknown_password() -> str:
    # Meets any account's password rules (length, upper case, digit, special character).
    return f"Aa1!{secrets.token_urlsafe(32)}"


def require_provisioner(actor: Actor) -> None:
    """Provisioning is for account administrators only (LeanKit: "admin users only")."""
    require_account_admin(actor)


async def create_user(
    conn: Connection, *, actor: Actor, values: UserValues, password: str | None
) -> UserRecord:
    require_account_admin(actor)
    new = users.NewUser(
        email=values.user_name,
        username=values.user_name,
        first_name=values.given_name,
        last_name=values.family_name,
        password=password if password is not None else _unknown_password(),
        time_zone=values.time_zone,
        enabled=values.enabled,
        administrator=values.administrator,
        board_creator=values.board_creator,
        date_format=values.date_format,
        license_type=values.license_type,
        external_user_name=values.external_id,
    )
    return await users.insert_new_user(conn, account_id=actor.account_id, new=new)


async def get_user(conn: Connection, *, actor: Actor, user_id: int) -> UserRecord:
    require_account_admin(actor)
    return (await users.get_user(conn, actor=actor, user_id=user_id)).user


async def search_users(
    conn: Connection,
    *,
    actor: Actor,
    where: user_search.UserFilter | None,
    sort_field: str | None,
    descending: bool,
    offset: int,
    limit: int,
) -> tuple[int, list[UserRecord]]:
    """(number of matches, one page); the order is stable (ties go by id)."""
    require_account_admin(actor)
    return await user_search.search(
        conn,
        account_id=actor.account_id,
        tree=where,
        sort_field=sort_field,
        descending=descending,
        offset=offset,
        limit=limit,
    )


async def update_user(
    conn: Connection, *, actor: Actor, user_id: int, changes: users.UserChanges, password: str | None
) -> UserRecord:
    """Change the given values (SCIM PATCH), and the password when one is sent."""
    require_account_admin(actor)
    user = (await users.update_user(conn, actor=actor, user_id=user_id, changes=changes)).user
    if password is not None:
        user = (await users.set_password(conn, actor=actor, user_id=user_id, password=password)).user
    return user


async def replace_user(
    conn: Connection, *, actor: Actor, user_id: int, values: UserValues, password: str | None
) -> UserRecord:
    """Set every value (SCIM PUT); the password changes only when one is sent."""
    changes = users.UserChanges(
        email=values.user_name,
        first_name=values.given_name,
        last_name=values.family_name,
        external_user_name=values.external_id,
        time_zone=values.time_zone,
        enabled=values.enabled,
        administrator=values.administrator,
        board_creator=values.board_creator,
        date_format=values.date_format,
        license_type=values.license_type,
    )
    return await update_user(conn, actor=actor, user_id=user_id, changes=changes, password=password)


async def delete_user(conn: Connection, *, actor: Actor, user_id: int) -> None:
    """The user can no longer sign in and disappears from searches; what they did stays theirs."""
    require_account_admin(actor)
    await users.delete_user(conn, actor=actor, user_id=user_id)
