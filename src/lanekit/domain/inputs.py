"""What any stored value must be, whatever field it arrives in: text the databases can hold, integers their
columns can hold.

PostgreSQL refuses a NUL character in `text`/`varchar` and both drivers refuse a lone UTF-16 surrogate
(`"\\ud800"` is valid JSON but not encodable as UTF-8), and PostgreSQL refuses a string longer than its
`varchar(n)` and an integer outside its column's range.  Each of those would surface as a database error
(a 500, with the statement's parameters in the server's log), so every input is checked here first and a
violation is an `Invalid` naming the field.  The /io edge applies `check_storable` to every query string and
JSON body (`web/routing.py`) and the per-field bounds through `web/fields.py`; domain checks that take raw
JSON values (`domain/cards/values.py`) call these functions too.
"""

from __future__ import annotations

import re
from typing import Any

from lanekit.domain.errors import Invalid

# Column ranges (storage/tables.py): `Integer` is 32-bit signed, `BigInteger` and ids 64-bit signed.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# NUL and the UTF-16 surrogate range: neither can be stored as UTF-8 text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_reason(text: str) -> str | None:
    """Why `text` cannot be stored, or None if it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain a NUL character (\\u0000)"
    return "must not contain a lone UTF-16 surrogate (\\ud800-\\udfff)"


def check_storable(value: Any, field: str) -> None:
    """Refuses, naming the field (a JSON pointer below `field`), any text in `value` that cannot be stored
    and any integer beyond 64 bits; walks nested lists and objects, keys included."""
    if isinstance(value, str):
        if (why := unstorable_reason(value)) is not None:
            raise Invalid(field or "body", why)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise Invalid(field or "body", f"must be between {INT64_MIN} and {INT64_MAX}")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}/{key}" if field else str(key)
            if isinstance(key, str) and (why := unstorable_reason(key)) is not None:
                raise Invalid(field or "body", f"a key {why}")
            check_storable(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{field}/{index}" if field else str(index))


def check_string(value: Any, field: str, *, max_length: int) -> str:
    """A string that fits a column of `max_length` characters and can be stored."""
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    if len(value) > max_length:
        raise Invalid(field, f"must be at most {max_length} characters")
    if (why := unstorable_reason(value)) is not None:
        raise Invalid(field, why)
    return value


def check_int_range(value: int, field: str, *, low: int = INT32_MIN, high: int = INT32_MAX) -> int:
    """`value` if it lies in [low, high] (by default what an `Integer` column holds)."""
    if not low <= value <= high:
        raise Invalid(field, f"must be between {low} and {high}")
    return value
