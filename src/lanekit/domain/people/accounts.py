"""Accounts (organisations): which one a request belongs to, and its settings."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from lanekit.domain import clock
from lanekit.domain.access import require_account_admin
from lanekit.domain.enums import BOARD_ROLES
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.engine import Database
from lanekit.storage.executor import Connection
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.records import AccountRecord

ACCOUNT_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

ADVANCED_SECURITY_DEFAULTS: dict[str, Any] = {
    "strongPasswordEnabled": False,
    "minimumLengthEnabled": False,
    "requireUppercaseEnabled": False,
    "requireNumericEnabled": False,
    "requireSpecialCharacterEnabled": False,
    "lengthOfPassword": 8,
    "accountLockEnabled": False,
    "accountLockInterval": 30,
    "maxFailedLoginAttempts": 5,
    "preferencesEnabled": False,
    "disallowedFileExtensions": "",
    "disableRssFeeds": False,
    "disableGenericLogin": False,
    "disableRememberMe": False,
}
ADVANCED_SECURITY_INTS = ("lengthOfPassword", "accountLockInterval", "maxFailedLoginAttempts")

# The settings `PATCH /io/account` may change, with their defaults.
PATCHABLE_DEFAULTS: dict[str, Any] = {
    "defaultNewBoardRole": "none",
    "subscribeUsersToAssignedCardsByDefault": False,
    "enableOKRs": False,
}


@dataclass(frozen=True, slots=True)
class AccountView:
    account: AccountRecord
    settings: dict[str, Any]
    advanced_security: dict[str, Any]


def check_account_name(name: str) -> str:
    name = name.strip().lower()
    if not ACCOUNT_NAME.match(name):
        raise Invalid("account", "must be 1-63 lower-case letters, digits or hyphens (a host-name label)")
    return name


def view(account: AccountRecord) -> AccountView:
    stored = account.settings
    settings = {key: stored.get(key, default) for key, default in PATCHABLE_DEFAULTS.items()}
    security = {**ADVANCED_SECURITY_DEFAULTS, **stored.get("advancedSecurity", {})}
    return AccountView(account, settings, security)


async def get_account(conn: Connection, *, actor: Actor) -> AccountView:
    account = await account_queries.fetch(conn, actor.account_id)
    if account is None:
        raise NotFound("account", actor.account_id)
    return view(account)


async def update_account(conn: Connection, *, actor: Actor, changes: dict[str, Any]) -> AccountView:
    """`changes` holds only the keys the caller sent, under their LeanKit names."""
    require_account_admin(actor)
    current = await get_account(conn, actor=actor)
    title = current.account.title
    stored = dict(current.account.settings)
    if "title" in changes:
        title = str(changes["title"] or "").strip()
        if not title:
            raise Invalid("title", "must not be empty")
    # An explicit null puts a setting back to its default (the default is simply not stored).
    if "defaultNewBoardRole" in changes:
        role = changes["defaultNewBoardRole"]
        if role is None:
            stored.pop("defaultNewBoardRole", None)
        elif role not in BOARD_ROLES:
            raise Invalid("defaultNewBoardRole", f"{role!r} is not one of {', '.join(BOARD_ROLES)}")
        else:
            stored["defaultNewBoardRole"] = role
    for flag in ("subscribeUsersToAssignedCardsByDefault", "enableOKRs"):
        if flag in changes:
            if changes[flag] is None:
                stored.pop(flag, None)
            else:
                stored[flag] = bool(changes[flag])
    if "advancedSecurity" in changes:
        given = changes["advancedSecurity"]
        security = {} if given is None else dict(stored.get("advancedSecurity", {}))
        for key, value in (given or {}).items():
            if key not in ADVANCED_SECURITY_DEFAULTS:
                raise Invalid(f"advancedSecurity/{key}", "is not an advanced security setting")
            if value is None:
                security.pop(key, None)
                continue
            if key in ADVANCED_SECURITY_INTS and value < 0:
                raise Invalid(f"advancedSecurity/{key}", "must not be negative")
            security[key] = value
        if security:
            stored["advancedSecurity"] = security
        else:
            stored.pop("advancedSecurity", None)
    updated = await account_queries.update_account(conn, current.account.id, title=title, settings=stored)
    return view(updated)


async def create_account(conn: Connection, *, name: str, title: str | None = None) -> AccountRecord:
    name = check_account_name(name)
    return await account_queries.insert_account(conn, name=name, title=title or name, created_on=clock.now())


class AccountResolver:
    """Maps a Host header to an account id with a short-lived in-process cache (docs/conventions.md §7).

    A host whose first label names no account falls back to the configured default account, or, when
    none is configured, to the oldest account (a single-tenant install).
    """

    TTL_SECONDS = 10.0

    def __init__(self, db: Database, *, default_account: str | None) -> None:
        self._db = db
        self._default = default_account
        self._cache: dict[str, tuple[float, int | None]] = {}

    async def account_for_host(self, host: str | None) -> int | None:
        label = (host or "").split(":", 1)[0].split(".", 1)[0].lower()
        hit = self._cache.get(label)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.TTL_SECONDS:
            return hit[1]
        account_id = await self._lookup(label)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[label] = (now, account_id)
        return account_id

    async def _lookup(self, label: str) -> int | None:
        async with self._db.read() as conn:
            account = await account_queries.fetch_by_name(conn, label) if label else None
            if account is None and self._default:
                account = await account_queries.fetch_by_name(conn, self._default)
            if account is None and not self._default:
                account = await account_queries.fetch_oldest(conn)
            return account.id if account else None
