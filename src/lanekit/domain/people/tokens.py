"""API tokens: long-lived bearer credentials a user creates and revokes."""

from __future__ import annotations

import secrets

from lanekit.domain import clock
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.people.auth import announce_user_change, token_digest
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import tokens as token_queries
from lanekit.storage.records import TokenRecord

TOKEN_BYTES = 32
MAX_DESCRIPTION = 1000


async def list_tokens(conn: Connection, *, actor: Actor) -> list[TokenRecord]:
    return await token_queries.list_for_user(conn, account_id=actor.account_id, user_id=actor.user_id)


async def create_token(conn: Connection, *, actor: Actor, description: str) -> tuple[TokenRecord, str]:
    """Returns the stored record and the token itself, which is never available again."""
    description = description.strip()
    if not description:
        raise Invalid("description", "must not be empty")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid("description", f"must be at most {MAX_DESCRIPTION} characters")
    token = secrets.token_hex(TOKEN_BYTES)
    record = await token_queries.insert_token(
        conn,
        account_id=actor.account_id,
        user_id=actor.user_id,
        description=description,
        token_hash=token_digest(token),
        created_on=clock.now(),
    )
    return record, token


async def revoke_token(conn: Connection, *, actor: Actor, token_id: int) -> None:
    deleted = await token_queries.delete_token(
        conn, account_id=actor.account_id, user_id=actor.user_id, token_id=token_id
    )
    if not deleted:
        raise NotFound("token", token_id)
    # Processes that remember the token must look it up again (and find it gone).
    await announce_user_change(conn, user_id=actor.user_id)
