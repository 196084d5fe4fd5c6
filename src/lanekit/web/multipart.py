"""A streaming `multipart/form-data` reader over a request body, on python-multipart's push parser.

Starlette's `request.form()` spools every file part to a temporary file before the handler sees it, with no
limit on its size.  This reader hands out parts in order instead, and a part's data in the chunks it arrived
in, so a handler can stream a file straight to its destination and stop at its own limit.  It never holds
more than one received chunk of body, and refuses a body past `max_bytes` (chunked bodies included).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

from lanekit.domain.errors import Invalid

MAX_PARTS = 64


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"body is larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class PartHeader:
    name: str
    # None when the part's Content-Disposition names no file.
    filename: str | None
    content_type: str | None


_PART_END = object()
_BODY_END = object()


def _text(raw: bytes) -> str:
    """Header parameters as sent: clients send UTF-8 (browsers, node's form-data); else take them as
    Latin-1, which cannot fail."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class MultipartReader:
    """Reads the parts of one multipart body in order: `next_part()`, then `data()` or `read_text()`."""

    def __init__(self, chunks: AsyncIterator[bytes], *, content_type: str, max_bytes: int) -> None:
        kind, params = parse_options_header(content_type)
        if kind != b"multipart/form-data":
            raise Invalid("Content-Type", "must be multipart/form-data")
        boundary = params.get(b"boundary")
        if not boundary:
            raise Invalid("Content-Type", "multipart/form-data needs a boundary")
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        try:
            self._parser = MultipartParser(boundary, callbacks)
        except FormParserError:
            raise Invalid("Content-Type", "the multipart boundary is not valid") from None
        self._chunks = chunks
        self._max_bytes = max_bytes
        self._received = 0
        self._events: deque[object] = deque()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._parts = 0
        self._in_part = False
        self._done = False

    # --- parser callbacks: they only queue events ---------------------------------------------------

    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise Invalid("body", f"has more than {MAX_PARTS} parts")
        _disposition, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if name is None:
            raise Invalid("body", "every part needs a name in its Content-Disposition")
        filename = params.get(b"filename")
        content_type = self._headers.get(b"content-type")
        self._events.append(
            PartHeader(
                name=_text(name),
                filename=None if filename is None else _text(filename),
                content_type=None if content_type is None else content_type.decode("latin-1"),
            )
        )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(data[start:end])

    def _on_part_end(self) -> None:
        self._events.append(_PART_END)

    def _on_end(self) -> None:
        self._events.append(_BODY_END)

    # --- reading -------------------------------------------------------------------------------------

    async def _next_event(self) -> object:
        while not self._events:
            if self._done:
                return _BODY_END
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                raise Invalid("body", "the multipart body ended before its closing boundary") from None
            if not chunk:
                continue
            self._received += len(chunk)
            if self._received > self._max_bytes:
                raise BodyTooLarge(self._max_bytes)
            try:
                self._parser.write(chunk)
            except FormParserError:
                raise Invalid("body", "is not valid multipart/form-data") from None
        event = self._events.popleft()
        if event is _BODY_END:
            self._done = True
        return event

    async def next_part(self) -> PartHeader | None:
        """The next part's header, skipping whatever is left of the current part; None after the last."""
        while True:
            event = await self._next_event()
            if event is _BODY_END:
                return None
            if isinstance(event, PartHeader):
                self._in_part = True
                return event
            if event is _PART_END:
                self._in_part = False

    async def data(self) -> AsyncIterator[bytes]:
        """The current part's data, in the chunks it arrived in; ends with the part."""
        while self._in_part:
            event = await self._next_event()
            if event is _PART_END or event is _BODY_END:
                self._in_part = False
                return
            assert isinstance(event, bytes)
            yield event

    async def read_text(self, *, field: str, limit: int) -> str:
        """The current part's data as UTF-8 text; BodyTooLarge past `limit` bytes."""
        parts: list[bytes] = []
        size = 0
        async for chunk in self.data():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            parts.append(chunk)
        try:
            return b"".join(parts).decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(field, "must be UTF-8 text") from None
