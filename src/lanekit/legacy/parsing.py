"""Reading v1 input: JSON keys and query keys case-insensitively, ids as numbers, dates in the caller's
date format.

LeanKit's clients disagree on case (`comment` vs `Comment`, `ExternalCardID` vs `ExternalCardId`,
`wipOverrideComment` vs `wipoverridecomment`), and some send an empty body, with or without a Content-Type,
to a POST that takes none.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from starlette.requests import Request

from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import MAX_ID

# The user's date format (users.date_format) → the strptime/strftime pattern.
DATE_PATTERNS = {"MM/dd/yyyy": "%m/%d/%Y", "dd/MM/yyyy": "%d/%m/%Y", "yyyy/MM/dd": "%Y/%m/%d"}


class Fields:
    """A JSON object read without regard to key case; `given` tells a key sent as null from one not sent."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._values = {str(key).lower(): value for key, value in raw.items()}

    def given(self, name: str) -> bool:
        return name.lower() in self._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name.lower(), default)


async def json_body(request: Request) -> Any:
    """The parsed body, or None when it is empty (whatever the Content-Type)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise Invalid("body", "is not valid JSON") from None


async def object_body(request: Request) -> Fields:
    body = await json_body(request)
    if body is None:
        return Fields({})
    if not isinstance(body, dict):
        raise Invalid("body", "must be a JSON object")
    return Fields(body)


async def array_body(request: Request, what: str) -> list[Any]:
    body = await json_body(request)
    if not isinstance(body, list):
        raise Invalid("body", f"must be a JSON array of {what}")
    return body


def query(request: Request) -> Fields:
    return Fields(dict(request.query_params))


def path_id(request: Request, name: str, what: str) -> int:
    """A path id (`{x:int}` matched digits); one no row can have is simply not found."""
    value = int(request.path_params[name])
    if not 0 < value <= MAX_ID:
        raise NotFound(what, value)
    return value


def optional_id(value: Any, field: str) -> int | None:
    """An id in a body: 0, null and "" mean none (v1 clients send `ClassOfServiceId: 0`)."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise Invalid(field, "must be an id (a positive whole number)")
    return value


def user_date(value: Any, field: str, *, date_format: str) -> date | None:
    """A v1 input date: in the caller's date format (LeanKit: "all dates must be in the current user's
    specified date format"), or ISO `YYYY-MM-DD`; blank is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise Invalid(field, f"must be a date in the format {date_format}")
    text = value.strip()
    first = text.split(" ")[0].split("T")[0]
    for pattern in (DATE_PATTERNS.get(date_format, "%m/%d/%Y"), "%Y-%m-%d"):
        try:
            return datetime.strptime(first, pattern).date()
        except ValueError:
            continue
    raise Invalid(field, f"{value!r} is not a date in the format {date_format}")


def tags(value: Any, field: str) -> list[str]:
    """v1 tags are one comma-separated string; an array is taken too."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return value
    raise Invalid(field, "must be a comma-separated string of tags")


def ids(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(field, "must be an array of ids")
    return value
