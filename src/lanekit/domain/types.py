"""Value types shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

MAX_ID = 2**63 - 1


def _coerce_id(value: Any) -> Any:
    # LeanKit sends ids as digit strings; some clients send numbers. Accept both.
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


Id = Annotated[int, BeforeValidator(_coerce_id), Field(ge=1, le=MAX_ID)]
UserId = Id
AccountId = Id
TokenId = Id
BoardId = Id
LaneId = Id
CardId = Id


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


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of one request."""

    account_id: int
    user_id: int
    administrator: bool
    board_creator: bool
