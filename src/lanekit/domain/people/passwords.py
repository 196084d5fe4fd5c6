"""Argon2id password hashing and the password rules.  Hashing and verifying are CPU-heavy: callers run
them off the event loop."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from typing import Any

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lanekit.domain.errors import Invalid

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
SPECIAL_CHARACTERS = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ")


def check_password_rules(
    password: str, *, field: str = "password", security: Mapping[str, Any] | None = None
) -> None:
    """The server's own bounds, then the account's `advancedSecurity` rules (AgilePlace account settings).

    Each `require…Enabled` flag turns its rule on, `minimumLengthEnabled` turns on `lengthOfPassword`,
    and `strongPasswordEnabled` turns on all four.  The reason names the rule's setting, so an
    administrator can tell which one refused the password.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(field, f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(field, f"must be at most {MAX_PASSWORD_LENGTH} characters long")
    if not security:
        return
    strong = bool(security.get("strongPasswordEnabled"))
    length = int(security.get("lengthOfPassword") or 0)
    if (strong or security.get("minimumLengthEnabled")) and len(password) < length:
        raise Invalid(field, f"must be at least {length} characters long (minimumLengthEnabled)")
    if (strong or security.get("requireUppercaseEnabled")) and not any(c.isupper() for c in password):
        raise Invalid(field, "must contain an uppercase letter (requireUppercaseEnabled)")
    if (strong or security.get("requireNumericEnabled")) and not any(c.isdigit() for c in password):
        raise Invalid(field, "must contain a digit (requireNumericEnabled)")
    if (strong or security.get("requireSpecialCharacterEnabled")) and not any(
        c in SPECIAL_CHARACTERS or not (c.isalnum() or c.isspace()) for c in password
    ):
        raise Invalid(field, "must contain a special character (requireSpecialCharacterEnabled)")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def _verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(_verify)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))


async def dummy_hash() -> str:
    """A hash of a random password made once per process with the same parameters as real ones: an
    unknown login is verified against it, so refusing it costs as much as refusing a wrong password."""
    return await anyio.to_thread.run_sync(_dummy_hash)
