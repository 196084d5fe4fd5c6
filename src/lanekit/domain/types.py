"""Value types shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

MAX_ID = 2**63 - 1


MAX_DIGITS = 19  # enough for any 64-bit id or count; longer digit strings are refused, never parsed


def parse_digits(text: str, *, signed: bool = False) -> int | None:
    """The integer a short ASCII digit string spells, else None.

    Every id, index and size that arrives as text goes through here, so that a megabyte of digits is a
    validation error rather than a slow (or, past Python's 4,300-digit guard, failing) int conversion.
    """
    text = text.strip()
    body = text[1:] if signed and text.startswith("-") else text
    if not (body.isascii() and body.isdigit()) or len(body) > MAX_DIGITS:
        return None
    return int(text)


def _coerce_id(value: Any) -> Any:
    # LeanKit sends ids as digit strings; some clients send numbers. Accept both.
    if isinstance(value, str):
        parsed = parse_digits(value)
        return value if parsed is None else parsed
    return value


Id = Annotated[int, BeforeValidator(_coerce_id), Field(ge=1, le=MAX_ID)]
UserId = Id
AccountId = Id
TokenId = Id
BoardId = Id
LaneId = Id
CardId = Id
CommentId = Id


class _Unset:
    """The "not given" marker, as opposed to an explicit null."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def given_fields(changes: Any) -> dict[str, Any]:
    """The fields of a partial-update dataclass that the caller set (anything but UNSET)."""
    return {
        f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not UNSET
    }


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of one request."""

    account_id: int
    user_id: int
    administrator: bool
    board_creator: bool
