"""Card positions: fractional-indexing rank keys.

A card's place in its lane is a string `rank`; the lane's order is the order of those strings (then card id).
The API's `index` (0-based, contiguous) is never stored: it is the number of live cards of the lane that sort
before the card, derived on read.  Inserting between two neighbours makes a key that sorts strictly between
theirs, so a move rewrites one row whatever the lane's size, and indexes stay contiguous by construction.

Key layout (after the fractional-indexing scheme of Evan Wallace / David Greenspan): an *integer part* — one
head character that encodes how many digits follow, then those digits — and an optional *fraction* that never
ends in `0`.  Appending or prepending moves the integer part by one, so repeated appends keep keys short;
inserting between two neighbours extends the fraction.

The alphabet is base 36, `0-9a-z`: all lower-case ASCII, so byte order, SQLite's BINARY collation and the
usual PostgreSQL collations (C, glibc and ICU locales) all sort these keys identically.
Heads `i`..`z` start non-negative integers of 1..18 digits; heads `h`..`0` negative ones of 1..18 digits.
"""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_VALUE = {ch: i for i, ch in enumerate(DIGITS)}
_FIRST_POSITIVE_HEAD = 18  # 'i'
MAX_DIGITS = 18
ZERO_KEY = "i0"
SMALLEST_INTEGER = "0" + "0" * MAX_DIGITS


def _integer_length(head: str) -> int:
    """Total length (head included) of the integer part that starts with `head`."""
    value = _VALUE.get(head)
    if value is None:
        raise ValueError(f"invalid rank head {head!r}")
    if value >= _FIRST_POSITIVE_HEAD:
        return value - _FIRST_POSITIVE_HEAD + 2
    return _FIRST_POSITIVE_HEAD - value + 1


def _integer_part(key: str) -> str:
    length = _integer_length(key[0])
    if length > len(key):
        raise ValueError(f"invalid rank {key!r}")
    return key[:length]


def validate(key: str) -> None:
    """Raise ValueError unless `key` is a well-formed rank."""
    if not key or any(ch not in _VALUE for ch in key):
        raise ValueError(f"invalid rank {key!r}")
    if key == SMALLEST_INTEGER:
        raise ValueError(f"invalid rank {key!r}")
    integer = _integer_part(key)
    if key[len(integer) :].endswith("0"):
        raise ValueError(f"invalid rank {key!r}")


def _midpoint(low: str, high: str | None) -> str:
    """A fraction strictly between fractions `low` and `high` (None = 1); neither ends in `0`."""
    if high is not None:
        n = 0
        while n < len(high) and (low[n] if n < len(low) else "0") == high[n]:
            n += 1
        if n > 0:
            return high[:n] + _midpoint(low[n:], high[n:])
    digit_low = _VALUE[low[0]] if low else 0
    digit_high = _VALUE[high[0]] if high is not None else BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high + 1) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        value = _VALUE[digits[i]] + 1
        if value < BASE:
            digits[i] = DIGITS[value]
            return head + "".join(digits)
        digits[i] = "0"
    if head == DIGITS[_FIRST_POSITIVE_HEAD - 1]:
        return ZERO_KEY
    if head == DIGITS[-1]:
        return None
    new_head = DIGITS[_VALUE[head] + 1]
    if _VALUE[new_head] > _FIRST_POSITIVE_HEAD:
        digits.append("0")
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        value = _VALUE[digits[i]] - 1
        if value >= 0:
            digits[i] = DIGITS[value]
            return head + "".join(digits)
        digits[i] = DIGITS[-1]
    if head == DIGITS[_FIRST_POSITIVE_HEAD]:
        return DIGITS[_FIRST_POSITIVE_HEAD - 1] + DIGITS[-1]
    if head == DIGITS[0]:
        return None
    new_head = DIGITS[_VALUE[head] - 1]
    if _VALUE[new_head] < _FIRST_POSITIVE_HEAD - 1:
        digits.append(DIGITS[-1])
    else:
        digits.pop()
    return new_head + "".join(digits)


def key_between(low: str | None, high: str | None) -> str:
    """A key sorting strictly between `low` and `high` (None = open end); ValueError if low >= high."""
    if low is not None:
        validate(low)
    if high is not None:
        validate(high)
    if low is not None and high is not None and low >= high:
        raise ValueError(f"rank {low!r} is not below {high!r}")
    if low is None:
        if high is None:
            return ZERO_KEY
        integer_high = _integer_part(high)
        fraction_high = high[len(integer_high) :]
        if integer_high == SMALLEST_INTEGER:
            return integer_high + _midpoint("", fraction_high)
        if integer_high < high:
            return integer_high
        lower = _decrement(integer_high)
        if lower is None:
            raise ValueError("rank space exhausted below")
        return lower
    integer_low = _integer_part(low)
    fraction_low = low[len(integer_low) :]
    if high is None:
        higher = _increment(integer_low)
        return integer_low + _midpoint(fraction_low, None) if higher is None else higher
    integer_high = _integer_part(high)
    fraction_high = high[len(integer_high) :]
    if integer_low == integer_high:
        return integer_low + _midpoint(fraction_low, fraction_high)
    higher = _increment(integer_low)
    if higher is None:
        raise ValueError("rank space exhausted above")
    if higher < high:
        return higher
    return integer_low + _midpoint(fraction_low, None)


def keys_between(low: str | None, high: str | None, count: int) -> list[str]:
    """`count` ascending keys strictly between `low` and `high`, kept short by bisecting."""
    if count <= 0:
        return []
    if count == 1:
        return [key_between(low, high)]
    if high is None:
        keys = [key_between(low, None)]
        while len(keys) < count:
            keys.append(key_between(keys[-1], None))
        return keys
    if low is None:
        keys = [key_between(None, high)]
        while len(keys) < count:
            keys.append(key_between(None, keys[-1]))
        return keys[::-1]
    middle = count // 2
    pivot = key_between(low, high)
    return [*keys_between(low, pivot, middle), pivot, *keys_between(pivot, high, count - middle - 1)]
