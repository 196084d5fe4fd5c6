"""The only copy of each formatting rule: ids, dates, paging."""

from __future__ import annotations

from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Any

# RFC 9110 names, pinned so that the wire does not change with the Python version (docs/decisions/003).
_REASON_PHRASES = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}


def ident(value: int | None) -> str | None:
    """Ids are 64-bit integers in storage and digit strings on the wire."""
    return None if value is None else str(value)


def instant(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with `Z`, second precision."""
    if value is None:
        return None
    # isoformat, not strftime: strftime was the largest single cost of a page of card faces.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def plain_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def page_meta(*, total: int, offset: int, limit: int, returned: int) -> dict[str, int]:
    """`pageMeta` per house rule 4: 1-based rows, both 0 on an empty page."""
    return {
        "totalRecords": total,
        "offset": offset,
        "limit": limit,
        "startRow": offset + 1 if returned else 0,
        "endRow": offset + returned if returned else 0,
    }


def reason_phrase(status: int) -> str:
    """The `error` member of an error body: the status code's reason phrase."""
    return _REASON_PHRASES.get(status) or HTTPStatus(status).phrase


def error_body(
    status: int, reason: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"statusCode": status, "error": reason, "message": message}
    if details:
        body["details"] = details
    return body
