"""Card attachments (cards.md §3.15): add, list, read one, delete.

The bytes live in a blob store the edge writes and deletes; this module sees only the rows.  An upload is
checked here after its bytes were stored (`add_attachment`), because its form fields may follow the file;
`check_can_attach` lets the edge refuse a caller before it accepts a single byte.  Deletions return the
storage ids of the blobs whose rows went, for the edge to delete once the transaction has committed.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, access_for_card, accesses_for_cards, require
from lanekit.domain.cards import values
from lanekit.domain.cards.placement import lock_cards
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.queries import attachments as queries
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.records import AttachmentRecord, CardRecord

MAX_NAME = 255
MAX_CONTENT_TYPE = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# type/subtype with optional parameters, printable ASCII only.
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[\w!#$&^.+-]+(\s*;[\x20-\x7e]*)?")
# Control, format (bidi overrides, zero-width) and surrogate characters never belong in a shown file name.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """A stored upload as the edge received it; `name` and `description` are checked here.

    `name_field` and `description_field` are the form fields they came from, for error messages.
    """

    name: Any
    description: Any
    content_type: str | None
    size: int
    storage_id: str
    name_field: str = "file"
    description_field: str = "description"


def check_file_name(value: Any, field: str) -> str:
    """The name to show and offer for download: the last path component, without hidden characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(field, "must be a file name")
    name = re.split(r"[\\/]", value)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _HIDDEN_CATEGORIES).strip()
    if name in ("", ".", ".."):
        raise Invalid(field, "must name the file (send a filename with the part, or a FileName field)")
    if len(name) > MAX_NAME:
        raise Invalid(field, f"file name must be at most {MAX_NAME} characters")
    return name


def content_type_for(declared: str | None, name: str) -> str:
    """The declared type when it is a well-formed media type, else a guess from the name, else binary."""
    if declared is not None:
        declared = declared.strip()
        if len(declared) <= MAX_CONTENT_TYPE and _CONTENT_TYPE.fullmatch(declared):
            return declared
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


async def _card_access(
    conn: AsyncConnection, *, actor: Actor, card_id: int
) -> tuple[CardRecord, BoardAccess]:
    """A live card the caller can read; anything else is the card not found."""
    card = await card_queries.fetch(conn, account_id=actor.account_id, card_id=card_id)
    if card is None:
        raise NotFound("card", card_id)
    access = await access_for_card(conn, actor=actor, card_id=card_id, board_id=card.board_id)
    require(access, "card.read")
    return card, access


async def check_can_attach(conn: AsyncConnection, *, actor: Actor, card_id: int) -> None:
    """Raise NotFound or Forbidden now if the caller could not attach to the card (add_attachment checks
    again, in its own transaction)."""
    _card, access = await _card_access(conn, actor=actor, card_id=card_id)
    require(access, "card.attach")


async def add_attachment(
    conn: AsyncConnection, *, actor: Actor, card_id: int, new: NewAttachment
) -> AttachmentRecord:
    name = check_file_name(new.name, new.name_field)
    description = values.check_text(new.description, new.description_field) or ""
    content_type = content_type_for(new.content_type, name)
    [card] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    accesses = await accesses_for_cards(conn, actor=actor, cards=[card], action="card.attach")
    versions = await bump_boards(conn, board_ids=accesses)
    now = clock.now()
    attachment_id = await queries.insert_attachment(
        conn,
        account_id=actor.account_id,
        card_id=card.id,
        name=name,
        description=description,
        content_type=content_type,
        size=new.size,
        storage_id=new.storage_id,
        now=now,
        user_id=actor.user_id,
    )
    await save_events(
        conn,
        actor=actor,
        now=now,
        versions=versions,
        events=[events.attachment_added(card, file_name=name, description=description)],
    )
    record = await queries.fetch(
        conn, account_id=actor.account_id, card_id=card.id, attachment_id=attachment_id
    )
    assert record is not None
    return record


async def list_attachments(conn: AsyncConnection, *, actor: Actor, card_id: int) -> list[AttachmentRecord]:
    await _card_access(conn, actor=actor, card_id=card_id)
    return await queries.list_for_card(conn, account_id=actor.account_id, card_id=card_id)


async def get_attachment(
    conn: AsyncConnection, *, actor: Actor, card_id: int, attachment_id: int
) -> AttachmentRecord:
    """An attachment of a card the caller can read; one of another card is not found."""
    await _card_access(conn, actor=actor, card_id=card_id)
    found = await queries.fetch(
        conn, account_id=actor.account_id, card_id=card_id, attachment_id=attachment_id
    )
    if found is None:
        raise NotFound("attachment", attachment_id)
    return found


async def delete_attachment(conn: AsyncConnection, *, actor: Actor, card_id: int, attachment_id: int) -> str:
    """Delete the row and log it; the storage id of its blob, for the caller to delete after commit."""
    [card] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    accesses = await accesses_for_cards(conn, actor=actor, cards=[card], action="card.attach")
    found = await queries.fetch(
        conn, account_id=actor.account_id, card_id=card_id, attachment_id=attachment_id
    )
    if found is None:
        raise NotFound("attachment", attachment_id)
    versions = await bump_boards(conn, board_ids=accesses)
    await queries.delete_attachment(conn, attachment_id=found.id)
    await save_events(
        conn,
        actor=actor,
        now=clock.now(),
        versions=versions,
        events=[events.attachment_deleted(card, file_name=found.name, description=found.description)],
    )
    return found.storage_id


async def detach_all(conn: AsyncConnection, *, card_ids: list[int]) -> list[str]:
    """Delete the attachment rows of cards being deleted (and of their tasks, which go with them); the
    storage ids of their blobs."""
    return await queries.delete_for_cards(conn, card_ids=card_ids)
