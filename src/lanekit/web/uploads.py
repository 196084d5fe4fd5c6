"""Receiving an attachment upload: a multipart body read as a stream (web/multipart.py), its file part's
bytes handed to `domain.cards.attachments.upload_attachment`.  Shared by the /io upload and the legacy
`Card/SaveAttachment`, which send the same form (LeanKit's node client: `Id`, `File`, `Description`,
`FileName`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.requests import Request

from lanekit.domain.cards import attachments
from lanekit.domain.errors import Invalid, PayloadTooLarge
from lanekit.domain.types import Actor
from lanekit.settings import Settings
from lanekit.storage.blobs import BlobStore
from lanekit.storage.engine import Database
from lanekit.storage.records import AttachmentRecord
from lanekit.web.multipart import BodyTooLarge, MultipartReader, PartHeader

# Form fields, by lower-cased name: the documented `file`/`description` and the node client's
# `File`/`Description`/`FileName`/`Id` (the LeanKit node client's `card.attachment.create`).
FILE_FIELD = "file"
TEXT_FIELDS = frozenset({"description", "filename", "id"})


def content_disposition(name: str) -> str:
    """`attachment` with the name: plain when it is safe ASCII, else an ASCII stand-in plus the exact name
    in RFC 5987 form (`filename*=UTF-8''…`), which every current browser prefers."""
    safe = all(0x20 <= ord(ch) < 0x7F and ch not in '"\\%' for ch in name)
    if safe:
        return f'attachment; filename="{name}"'
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None


class UploadForm:
    """An upload's multipart body, read in order: first the file part's bytes (`file_chunks`), then the
    rest of the form (`details`).  Text fields may come before or after the file, up to `field_limit`
    bytes in all; the body is not read at all until `file_chunks` is iterated."""

    def __init__(self, request: Request, *, field_limit: int, body_limit: int) -> None:
        self._request = request
        self._field_limit = field_limit
        self._body_limit = body_limit
        self._reader: MultipartReader | None = None
        self._file: PartHeader | None = None
        self._texts: dict[str, tuple[str, str]] = {}  # lower-cased name → (name as sent, value)
        self._text_bytes = 0

    async def file_chunks(self) -> AsyncIterator[bytes]:
        """The bytes of the part named `file`; Invalid when the body has none."""
        self._reader = MultipartReader(
            self._request.stream(),
            content_type=self._request.headers.get("content-type", ""),
            max_bytes=self._body_limit,
        )
        while (part := await self._reader.next_part()) is not None:
            if part.name.lower() == FILE_FIELD:
                self._file = part
                async for chunk in self._reader.data():
                    yield chunk
                return
            await self._other_part(part)
        raise Invalid("file", "is required: send the file as a multipart part named file")

    async def details(self) -> attachments.FileDetails:
        """The rest of the form, read to its end: the file's name (its part's filename unless a non-blank
        FileName field overrides it), description and declared type."""
        assert self._reader is not None and self._file is not None, "file_chunks comes first"
        while (part := await self._reader.next_part()) is not None:
            if part.name.lower() == FILE_FIELD:
                raise Invalid(part.name, "send one file per upload")
            await self._other_part(part)
        name_field, name = self._file.name, self._file.filename
        given = self._texts.get("filename")
        if given is not None and given[1].strip():
            name_field, name = given
        description_field, description = self._texts.get("description", ("description", None))
        return attachments.FileDetails(
            name=name,
            description=description,
            content_type=self._file.content_type,
            name_field=name_field,
            description_field=description_field,
        )

    async def _other_part(self, part: PartHeader) -> None:
        key = part.name.lower()
        if key in TEXT_FIELDS:
            assert self._reader is not None
            value = await self._reader.read_text(field=part.name, limit=self._field_limit - self._text_bytes)
            self._text_bytes += len(value.encode())
            self._texts[key] = (part.name, value)
        # Any other part is skipped by the next `next_part()`; its bytes still count toward the body.


async def receive_upload(
    request: Request, *, db: Database, blobs: BlobStore, actor: Actor, card_id: int, settings: Settings
) -> AttachmentRecord:
    """Store the request's uploaded file as a new attachment of the card.  The file may be up to
    `LANEKIT_MAX_ATTACHMENT_BYTES`, the text fields and framing up to `LANEKIT_MAX_BODY_BYTES` more
    (PayloadTooLarge beyond); a client that goes away raises starlette's ClientDisconnect."""
    file_limit = settings.max_attachment_bytes
    # Room for the text fields and the multipart framing on top of the largest file.
    body_limit = file_limit + settings.max_body_bytes
    declared = declared_length(request)
    if declared is not None and declared > body_limit:
        raise PayloadTooLarge(limit=body_limit)
    form = UploadForm(request, field_limit=settings.max_body_bytes, body_limit=body_limit)
    try:
        return await attachments.upload_attachment(
            db,
            blobs=blobs,
            actor=actor,
            card_id=card_id,
            chunks=form.file_chunks(),
            details=form.details,
            max_bytes=file_limit,
        )
    except BodyTooLarge as exc:
        raise PayloadTooLarge(limit=exc.limit) from None
