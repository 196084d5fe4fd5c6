"""Installation-time actions shared by the CLI: creating an account's administrator, seeding a demo."""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.boards import NewBoard, create_board
from lanekit.domain.boards.lanes import LaneChanges, update_lane
from lanekit.domain.cards.comments import add_comment
from lanekit.domain.cards.create import NewCard, create_card
from lanekit.domain.errors import Conflict
from lanekit.domain.people import accounts
from lanekit.domain.people.passwords import verify_password
from lanekit.domain.people.users import NewUser, insert_new_user
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import board_roles as board_role_queries
from lanekit.storage.queries import lanes as lane_queries
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
    team: dict[str, int] = {}
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
        team[first_name] = user.id
    await seed_demo_cards(conn, actor=actor, board_id=board.id, team=team)
    return board.id


# The demo's cards: (lane title, card title, extra values).  "Doing Now" gets a WIP limit of 2 and holds
# two cards, so the next card dragged in asks for an override reason (issue 16).
DEMO_CARDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("New Requests", "Dark mode for the board", {"tags": ["ui"], "size": 3}),
    ("New Requests", "Export the board as CSV", {"tags": ["reporting"]}),
    ("Approved", "Single sign-on with SAML", {"priority": "high", "size": 5}),
    ("Ready to Start", "Keyboard shortcuts help", {"custom_id": "LK-12"}),
    ("Doing Now", "Card panel: attachments", {"size": 2, "tags": ["ui", "files"], "assignees": ("Uma",)}),
    (
        "Doing Now",
        "Fix date picker in Safari",
        {"block_reason": "Waiting for a Safari test device", "assignees": ("Morgan", "Uma")},
    ),
    (
        "Under Review",
        "Webhooks for card moves",
        {"planned_start": "2026-12-01", "planned_finish": "2026-12-18", "assignees": ("Morgan",)},
    ),
    ("Recently Finished", "Sign in with e-mail and password", {"tags": ["auth"]}),
)
DEMO_TASKS = ("Write the migration", "Add the upload form", "Test with a 100 MB file")
DEMO_COMMENTS = (
    "Can we keep the upload limit configurable?",
    "Yes: LANEKIT_MAX_ATTACHMENT_BYTES, default 256 MB.",
)


async def seed_demo_cards(conn: Connection, *, actor: Actor, board_id: int, team: dict[str, int]) -> None:
    """The demo board's cards, through the same domain functions as the API."""
    lanes = {
        lane.title: lane
        for lane in await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
    }
    await update_lane(
        conn, actor=actor, board_id=board_id, lane_id=lanes["Doing Now"].id, changes=LaneChanges(wip_limit=2)
    )
    created: dict[str, int] = {}
    for lane_title, title, given in DEMO_CARDS:
        extra = dict(given)
        assignees = [str(team[name]) for name in extra.pop("assignees", ())]
        card = await create_card(
            conn,
            actor=actor,
            new=NewCard(
                title=title,
                board_id=board_id,
                lane_id=lanes[lane_title].id,
                assigned_user_ids=assignees or None,
                **extra,
            ),
        )
        created[title] = card.id
    with_tasks = created["Card panel: attachments"]
    for i, task in enumerate(DEMO_TASKS):
        await create_card(
            conn,
            actor=actor,
            new=NewCard(title=task, parent_card_id=with_tasks, lane_title="done" if i == 0 else "todo"),
        )
    for text in DEMO_COMMENTS:
        await add_comment(conn, actor=actor, card_id=with_tasks, text=text)
