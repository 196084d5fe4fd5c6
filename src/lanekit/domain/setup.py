"""Installation-time actions shared by the CLI: creating an account's administrator, seeding a demo."""

from __future__ import annotations

from lanekit.domain.boards.boards import NewBoard, create_board
from lanekit.domain.errors import Conflict
from lanekit.domain.people import accounts
from lanekit.domain.people.passwords import verify_password
from lanekit.domain.people.users import NewUser, insert_new_user
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import board_roles as board_role_queries
from lanekit.storage.queries import users as user_queries


async def ensure_account_admin(
    conn: Connection,
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


async def seed_demo(conn: Connection, *, account_name: str, email: str, password: str) -> bool:
    """Seed the demo account when the database holds no account yet; returns whether it did."""
    if await account_queries.count_all(conn) > 0:
        return False
    await ensure_account_admin(
        conn, account_name=account_name, email=email, password=password, first_name="Demo", last_name="Admin"
    )
    account = await account_queries.fetch_by_name(conn, accounts.check_account_name(account_name))
    assert account is not None
    await seed_demo_board(conn, account_id=account.id, admin_email=email, password=password)
    return True


# The demo board's team: (first name, last name, email local part, board role).
DEMO_TEAM = (
    ("Morgan", "Manager", "morgan", "boardManager"),
    ("Uma", "User", "uma", "boardUser"),
    ("Riley", "Reader", "riley", "boardReader"),
)


async def seed_demo_board(conn: Connection, *, account_id: int, admin_email: str, password: str) -> int:
    """A realistic board for the demo: the default layout, owned by the administrator, with a manager, a user
    and a reader (each signing in with `password` at the administrator's email domain).  Returns its id."""
    admin = await user_queries.fetch_by_login(conn, account_id=account_id, login=admin_email)
    if admin is None:
        raise Conflict(f"no user {admin_email} to own the demo board")
    actor = Actor(
        account_id=account_id, user_id=admin.id, administrator=admin.administrator, board_creator=True
    )
    board = await create_board(
        conn,
        actor=actor,
        new=NewBoard(
            title="Team Kanban",
            description="A demo board with the default layout: backlog, doing, review and finished lanes.",
        ),
    )
    domain = admin_email.partition("@")[2] or "example.com"
    for first_name, last_name, local, role in DEMO_TEAM:
        user = await insert_new_user(
            conn,
            account_id=account_id,
            new=NewUser(
                email=f"{local}@{domain}", first_name=first_name, last_name=last_name, password=password
            ),
        )
        await board_role_queries.insert_role(
            conn, account_id=account_id, board_id=board.id, user_id=user.id, role=role
        )
    return board.id
