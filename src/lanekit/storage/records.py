"""Frozen records the queries return.  Field names follow the columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    name: str
    title: str
    settings: dict[str, Any]
    created_on: datetime


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    account_id: int
    username: str
    email: str
    username_key: str
    email_key: str
    first_name: str
    last_name: str
    password_hash: str
    administrator: bool
    board_creator: bool
    account_owner: bool
    team_manager: bool
    enabled: bool
    deleted: bool
    date_format: str
    time_zone: str
    license_type: str
    external_user_name: str | None
    external_user: bool
    settings: dict[str, Any]
    last_access: datetime | None
    created_on: datetime
    updated_on: datetime

    @property
    def can_sign_in(self) -> bool:
        return self.enabled and not self.deleted


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    account_id: int
    user_id: int
    description: str
    token_hash: str
    created_on: datetime
