"""Checks for the values a card takes (create body, PATCH ops, bulk): each raises Invalid naming `field`."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from lanekit.domain.enums import PRIORITIES
from lanekit.domain.errors import Invalid
from lanekit.domain.html import URL_SCHEMES
from lanekit.domain.inputs import INT32_MAX, unstorable_reason
from lanekit.domain.types import MAX_ID, parse_digits
from lanekit.storage.records import BoardRecord, CardTypeRecord, CustomFieldRecord

MAX_TITLE = 255
MAX_TAG = 255
MAX_SIZE = 2**31 - 1
MAX_TEXT = 100_000
# Tags per card: a card's tags are one JSON column and one `card_tags` row each, rewritten on every change.
MAX_TAGS = 100
# Ids in one list of one request (bulk card ids, connections, assignees): each costs a row lock or a write
# in the request's one transaction, so an unbounded list would hold locks and the event loop for long.
MAX_IDS = 500


def storable(value: str, field: str) -> str:
    """`value`, if the databases can store it (no NUL, no lone surrogate; `domain/inputs.py`)."""
    if (why := unstorable_reason(value)) is not None:
        raise Invalid(field, why)
    return value


MAX_URL = 2048
# A URL's scheme (RFC 3986, section 3.1), read only at the very start: whatever precedes it makes it no
# scheme at all.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def check_id(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise Invalid(field, "must be an id (a string of digits)")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and (parsed := parse_digits(value)) is not None:
        number = parsed
    else:
        raise Invalid(field, "must be an id (a string of digits)")
    if not 1 <= number <= MAX_ID:
        raise Invalid(field, "is not a valid id")
    return number


def check_ids(value: Any, field: str) -> list[int]:
    if not isinstance(value, list):
        raise Invalid(field, "must be an array of ids")
    check_id_count(value, field)
    return list(dict.fromkeys(check_id(v, f"{field}/{i}") for i, v in enumerate(value)))


def check_id_count(value: list[Any], field: str) -> None:
    if len(value) > MAX_IDS:
        raise Invalid(field, f"names {len(value)} ids; at most {MAX_IDS} are allowed in one request")


def check_title(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field, "must be a non-empty string")
    if len(value) > MAX_TITLE:
        raise Invalid(field, f"must be at most {MAX_TITLE} characters")
    return storable(value, field).strip()


def check_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    if len(value) > MAX_TEXT:
        raise Invalid(field, f"must be at most {MAX_TEXT} characters")
    return storable(value, field)


def check_short_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    if len(value) > MAX_TITLE:
        raise Invalid(field, f"must be at most {MAX_TITLE} characters")
    return storable(value, field) if value.strip() else None


def check_priority(value: Any, field: str) -> str:
    if not isinstance(value, str) or value not in PRIORITIES:
        raise Invalid(field, f"must be one of {', '.join(PRIORITIES)}")
    return str(value)


def check_size(value: Any, field: str) -> int:
    """Sizes are integers; the docs type it as a string in one table, so digit strings are accepted."""
    if value is None:
        return 0
    if isinstance(value, str):
        value = parse_digits(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, "must be a whole number")
    if not 0 <= value <= MAX_SIZE:
        raise Invalid(field, "must be between 0 and 2147483647")
    return value


def check_index(value: Any, field: str) -> int | None:
    """A 0-based lane position; -1 (the documented default) means the end of the lane."""
    if isinstance(value, str):
        value = parse_digits(value, signed=True)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, "must be a whole number")
    if value == -1:
        return None
    if value < 0:
        raise Invalid(field, "must be 0 or more (or -1 for the end of the lane)")
    if value > INT32_MAX:
        raise Invalid(field, f"must be at most {INT32_MAX}")
    return value


def check_date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a date YYYY-MM-DD")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise Invalid(field, f"{value!r} is not a date YYYY-MM-DD") from None


def check_tags(value: Any, field: str) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(field, "must be an array of strings")
    if len(value) > MAX_TAGS:
        raise Invalid(field, f"a card has at most {MAX_TAGS} tags")
    return dedupe_tags([check_tag(t, f"{field}/{i}") for i, t in enumerate(value)])


def check_tag(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field, "must be a non-empty string")
    if len(value.strip()) > MAX_TAG:
        raise Invalid(field, f"must be at most {MAX_TAG} characters")
    return storable(value, field).strip()


def dedupe_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def check_external_link(value: Any, field: str) -> list[dict[str, Any]]:
    """The singular `externalLink` of create/PATCH becomes the card's one-element `externalLinks`."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise Invalid(field, "must be an object {label, url}")
    label, url = value.get("label"), value.get("url")
    if label is not None and not isinstance(label, str):
        raise Invalid(f"{field}/label", "must be a string")
    if label is not None:
        storable(label, f"{field}/label")
        if len(label) > MAX_TEXT:
            raise Invalid(f"{field}/label", f"must be at most {MAX_TEXT} characters")
    if url is not None:
        url = check_link_url(url, f"{field}/url")
        if url is not None:
            storable(url, f"{field}/url")
    if not (label or url):
        return []
    return [{"label": label or url, "url": url}]


def check_link_url(value: Any, field: str) -> str | None:
    """A link's URL, trimmed; blank is None.  Only http, https and mailto URLs are kept.

    Clients render `externalLinks` as `<a href>`, so any other scheme (`javascript:`, `data:`, `vbscript:`,
    `file:`…) would run or open something in the reader's browser.  The rule is an allow-list on the
    literal start of the value: control characters anywhere are refused (browsers drop tabs and newlines
    inside a scheme, so `java\tscript:` would still run), and a value whose start is not one of the three
    schemes (`\u200bjavascript:`, a relative path) is refused rather than guessed at.
    """
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise Invalid(field, f"must be at most {MAX_URL} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise Invalid(field, "must not contain control characters")
    scheme = _SCHEME.match(text)
    if scheme is None or scheme.group(1).lower() not in URL_SCHEMES:
        raise Invalid(field, "must be an http, https or mailto URL")
    return text


def check_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(field, "must be true or false")
    return value


def check_field_value(field_def: CustomFieldRecord, value: Any, field: str) -> Any:
    """A custom field value in its stored form (None clears); `value` may come as a string (LeanKit API:
    `PATCH /io/card/:cardId`)."""
    if value is None or value == "":
        return None
    kind = field_def.type
    choices = list((field_def.choice_configuration or {}).get("choices") or [])
    if kind == "text":
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise Invalid(field, "must be a string")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise Invalid(field, f"must be at most {MAX_TEXT} characters")
        return storable(str(value), field)
    if kind == "number":
        number: Any = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise Invalid(field, f"{value!r} is not a number") from None
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise Invalid(field, "must be a number")
        return int(number) if float(number).is_integer() else number
    if kind == "date":
        parsed = check_date(value, field)
        return parsed.isoformat() if parsed else None
    if kind == "choice":
        if not isinstance(value, str) or (choices and value not in choices):
            raise Invalid(field, f"must be one of the field's choices: {', '.join(choices)}")
        return value
    if kind == "multi":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            raise Invalid(field, "must be an array of the field's choices")
        wrong = [v for v in items if choices and v not in choices]
        if wrong:
            raise Invalid(field, f"{wrong[0]!r} is not one of the field's choices")
        return list(dict.fromkeys(items)) or None
    raise Invalid(field, f"field type {kind!r} cannot be set")


def check_type(type_ids: dict[int, CardTypeRecord], board: BoardRecord, value: Any, field_name: str) -> int:
    """A card type of the board: the one given, else the board's default card type, else its first card
    type, else its first type."""
    if value is None:
        default = board.default_card_type_id
        if default is not None and default in type_ids:
            return default
        for type_id, card_type in type_ids.items():
            if card_type.is_card_type:
                return type_id
        if type_ids:
            return next(iter(type_ids))
        raise Invalid(field_name, "the board has no card types")
    type_id = check_id(value, field_name)
    if type_id not in type_ids:
        raise Invalid(field_name, f"card type {type_id} is not a card type of this board")
    return type_id
