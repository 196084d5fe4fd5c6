"""Installation-time actions shared by the CLI: creating an account's administrator, seeding a demo."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.domain import accounts
from lanekit.domain.errors import Conflict
from lanekit.domain.passwords import verify_password
from lanekit.domain.users import NewUser, insert_new_user
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import users as user_queries


async def ensure_account_admin(
    conn: AsyncConnection,
    *,
    account_name: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
) -> str:
    """Create the account and its administrator, idempotently.

    Run again with the same values it changes nothing.  It never replaces an existing user's password:
    a different password for an existing email is refused.
    """
    name = accounts.check_account_name(account_name)
    account = await account_queries.fetch_by_name(conn, name)
    created_account = account is None
    if account is None:
        account = await accounts.create_account(conn, name=name)
    existing = await user_queries.fetch_by_login(conn, account_id=account.id, login=email)
    if existing is not None:
        if not await verify_password(existing.password_hash, password):
            raise Conflict(
                f"user {email} already exists in account {name!r} with a different password; "
                "change it through PATCH /io/user/:userId/password instead"
            )
        if not existing.administrator:
            raise Conflict(f"user {email} already exists in account {name!r} and is not an administrator")
        return f"account {name!r} and administrator {email} already exist; nothing changed"
    await insert_new_user(
        conn,
        account_id=account.id,
        new=NewUser(
            email=email,
            first_name=first_name,
            last_name=last_name,
            password=password,
            administrator=True,
            board_creator=True,
        ),
        account_owner=created_account,
    )
    return f"created {'account ' + repr(name) + ' and ' if created_account else ''}administrator {email}"


async def seed_demo(conn: AsyncConnection, *, account_name: str, email: str, password: str) -> bool:
    """Seed the demo account when the database holds no account yet; returns whether it did."""
    if await account_queries.count_all(conn) > 0:
        return False
    await ensure_account_admin(
        conn, account_name=account_name, email=email, password=password, first_name="Demo", last_name="Admin"
    )
    return True
