"""The only copy of each formatting rule: ids, dates, paging."""

from __future__ import annotations

from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Any

from lanekit.domain.clock import iso_date

# RFC 9110 names, pinned so that the wire does not change with the Python version (docs/decisions/003).
_REASON_PHRASES = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}


def ident(value: int | None) -> str | None:
    """Ids are 64-bit integers in storage and digit strings on the wire."""
    return None if value is None else str(value)


def _utc(value: datetime, timespec: str) -> str:
    # isoformat, not strftime: strftime was the largest single cost of a page of card faces.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def instant(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with `Z`, second precision."""
    return None if value is None else _utc(value, "seconds")


def instant_ms(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with `Z`, millisecond precision: what card faces, tasks, dependencies and the
    drill-through statistics show (LeanKit API, "Get a board's cards" / "Get card statistics")."""
    return None if value is None else _utc(value, "milliseconds")


def day_instant(value: date | None) -> str | None:
    """A calendar date shown as an instant: midnight UTC with milliseconds (the statistics' planned dates)."""
    return None if value is None else f"{value.isoformat()}T00:00:00.000Z"


# A date as `YYYY-MM-DD`: the rule lives in the domain, which stores planned dates in template structures.
plain_date = iso_date


def page_meta(*, total: int, offset: int, limit: int, returned: int) -> dict[str, int]:
    """`pageMeta` (docs/conventions.md §4): 1-based rows, both 0 on an empty page."""
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
