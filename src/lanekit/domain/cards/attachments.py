"""Card attachments (LeanKit API: card attachments, `/io/card/:cardId/attachment`): upload, list, read one,
delete.

Rows and bytes go together.  The bytes live in a blob store (storage/blobs.py) passed in by the caller: an
upload writes its blob first, outside any transaction, then inserts the row in a short one, and deletes the
blob again if anything fails before that commits, so there is never a row without bytes nor a blob left
behind by a refused upload.  Deleting goes the other way: the rows go in the caller's transaction and their
blobs after it has committed (`storage.engine.after_commit`).
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import accesses_for_cards, readable_card
from lanekit.domain.cards import values
from lanekit.domain.cards.placement import lock_cards
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid, NotFound, PayloadTooLarge
from lanekit.domain.types import Actor
from lanekit.storage.blobs import BlobStore, BlobTooLarge, StoredBlob, delete_blobs
from lanekit.storage.engine import Database, after_commit
from lanekit.storage.executor import Connection
from lanekit.storage.queries import attachments as queries
from lanekit.storage.records import AttachmentRecord

MAX_NAME = 255
MAX_CONTENT_TYPE = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# type/subtype with optional parameters, printable ASCII only.
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[\w!#$&^.+-]+(\s*;[\x20-\x7e]*)?")
# Control, format (bidi overrides, zero-width) and surrogate characters never belong in a shown file name.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


@dataclass(frozen=True, slots=True)
class FileDetails:
    """What an upload says about its file, as received; `name` and `description` are checked here.

    `name_field` and `description_field` are the form fields they came from, for error messages.
    """

    name: Any
    description: Any
    content_type: str | None
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


async def upload_attachment(
    db: Database,
    *,
    blobs: BlobStore,
    actor: Actor,
    card_id: int,
    chunks: AsyncIterable[bytes],
    details: Callable[[], Awaitable[FileDetails]],
    max_bytes: int,
) -> AttachmentRecord:
    """Store the file `chunks` carry as a new attachment of the card; the new row.

    The caller's access is checked before the first chunk is read (NotFound, Forbidden), so a refused upload
    costs no bytes.  The bytes then go to the blob store without a database transaction open: an upload
    may take minutes, a transaction must not.  `details` is awaited once the bytes are stored, because a
    multipart form may send the file's name and description after the file.  The row is then inserted
    (access checked again) in a transaction of its own.  More than `max_bytes` is PayloadTooLarge; on that
    or any other failure, including one raised by `chunks` or `details`, nothing stays stored.
    """
    async with db.read() as conn:
        await readable_card(conn, actor=actor, card_id=card_id, action="card.attach")
    try:
        stored = await blobs.write(chunks, limit=max_bytes)
    except BlobTooLarge:
        raise PayloadTooLarge(limit=max_bytes, what="attachment") from None
    committed = False

    def owned() -> None:
        nonlocal committed
        committed = True

    try:
        received = await details()
        async with db.begin() as conn:
            record = await _add_attachment(
                conn, actor=actor, card_id=card_id, details=received, stored=stored
            )
            # Set only by the commit: an error (or a cancellation) after it must not delete the row's bytes.
            after_commit(conn, owned)
    except BaseException:
        if not committed:
            await delete_blobs(blobs, [stored.key])
        raise
    return record


async def _add_attachment(
    conn: Connection, *, actor: Actor, card_id: int, details: FileDetails, stored: StoredBlob
) -> AttachmentRecord:
    name = check_file_name(details.name, details.name_field)
    description = values.check_text(details.description, details.description_field) or ""
    content_type = content_type_for(details.content_type, name)
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
        size=stored.size,
        storage_id=stored.key,
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


async def list_attachments(conn: Connection, *, actor: Actor, card_id: int) -> list[AttachmentRecord]:
    await readable_card(conn, actor=actor, card_id=card_id)
    return await queries.list_for_card(conn, account_id=actor.account_id, card_id=card_id)


async def get_attachment(
    conn: Connection, *, actor: Actor, card_id: int, attachment_id: int
) -> AttachmentRecord:
    """An attachment of a card the caller can read; one of another card is not found."""
    await readable_card(conn, actor=actor, card_id=card_id)
    found = await queries.fetch(
        conn, account_id=actor.account_id, card_id=card_id, attachment_id=attachment_id
    )
    if found is None:
        raise NotFound("attachment", attachment_id)
    return found


async def find_attachment(conn: Connection, *, actor: Actor, attachment_id: int) -> AttachmentRecord:
    """An attachment by its id alone, on a card the caller can read (the legacy download names no card)."""
    found = await queries.fetch_by_id(conn, account_id=actor.account_id, attachment_id=attachment_id)
    if found is None:
        raise NotFound("attachment", attachment_id)
    await readable_card(conn, actor=actor, card_id=found.card_id)
    return found


async def delete_attachment(
    conn: Connection, *, blobs: BlobStore, actor: Actor, card_id: int, attachment_id: int
) -> None:
    """Delete the row and log it; its blob goes once the caller's transaction has committed."""
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
    discard_after_commit(conn, blobs=blobs, keys=[found.storage_id])


async def detach_all(conn: Connection, *, blobs: BlobStore, card_ids: list[int]) -> None:
    """Delete the attachment rows of cards being deleted (and of their tasks, which go with them); their
    blobs go once the caller's transaction has committed."""
    keys = await queries.delete_for_cards(conn, card_ids=card_ids)
    discard_after_commit(conn, blobs=blobs, keys=keys)


def discard_after_commit(conn: Connection, *, blobs: BlobStore, keys: Iterable[str]) -> None:
    """Delete the blobs of rows this transaction deleted, once it has committed (never if it rolls back:
    the rows, and so their bytes, are still there)."""
    keys = list(keys)
    if keys:
        after_commit(conn, partial(delete_blobs, blobs, keys))
