"""Reporting API tokens (`POST /io/reporting/auth`): signed HS256 JWTs, and checking them on every export.

docs/decisions/170-reporting-tokens.md.  The claims are the ones LeanKit's reporting tokens carry (`id`,
`name`, `email`, `orgId`, `cacheExpiration`, `iat`, `exp`, `iss`, `aud`), plus `pwd`: a stamp of the user's
password hash, so that a password change ends every token issued before it.  A token is refused, with the
documented "Invalid token", when its signature, audience, issuer or expiry is wrong, when it was issued for
another account, and when its user is disabled, deleted or has changed password since.

The key is one random secret stored in the database (`reporting_signing_keys`), made by the first process
that needs it: every worker of every host signs and verifies with the same key, and it survives restarts.
Each process reads it once and remembers it (`SigningKeys`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from lanekit.domain import clock
from lanekit.domain.errors import Unauthenticated
from lanekit.domain.people import auth
from lanekit.domain.people.auth import CredentialCache
from lanekit.storage.engine import Database
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import reporting as reporting_queries
from lanekit.storage.queries import users as user_queries
from lanekit.storage.records import AccountRecord, UserRecord

ISSUER = "leankit-reporting-api"
AUDIENCE = "leankit-reporting-api"
ALGORITHM = "HS256"
BAD_LOGIN = "Login failed: email or password is incorrect"
INVALID_TOKEN = "Invalid token"
# The account setting and its values (vendor examples: 60 and 10080 minutes); 10080 is the 7-day lifetime
# of the token LeanKit was observed to issue.
EXPIRATION_SETTING = "reportingApiTokenExpirationInMinutes"
DEFAULT_EXPIRATION_MINUTES = 10080
# `cacheExpiration` claim: the account's reportingApiResponseCacheDurationInMinutes.  Lanekit serves live
# data and caches nothing, but the claim is kept for clients that read it.
CACHE_EXPIRATION_MINUTES = 1440
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "id", "orgId", "pwd"]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires: datetime


class SigningKeys:
    """The process's copy of the shared signing key (read or created on first use, then kept)."""

    def __init__(self) -> None:
        self._key: bytes | None = None

    async def key(self, db: Database) -> bytes:
        if self._key is None:
            async with db.read() as conn:
                stored = await reporting_queries.fetch_signing_key(conn)
            if stored is None:
                candidate = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
                async with db.begin() as conn:
                    stored = await reporting_queries.insert_signing_key_once(
                        conn, secret=candidate, now=clock.now()
                    )
            self._key = stored.encode()
        return self._key


def expiration_minutes(account: AccountRecord) -> int:
    """The account's token lifetime: its `reportingApiTokenExpirationInMinutes`, else 10080 (7 days)."""
    value = account.settings.get(EXPIRATION_SETTING)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return DEFAULT_EXPIRATION_MINUTES


def password_stamp(key: bytes, user: UserRecord) -> str:
    """A short keyed digest of the password hash: it changes when the password does, and tells a reader of
    the (unencrypted) token nothing about the hash."""
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:16]


async def issue_token(
    db: Database,
    *,
    account_id: int,
    email: str,
    password: str,
    address: str,
    cache: CredentialCache,
    keys: SigningKeys,
) -> IssuedToken:
    """Sign in with email (or user name) and password, as Basic credentials are checked (throttled, Argon2 off
    the event loop), and sign a token for the user.  Any refusal of the credentials reads as the documented
    login failure; a throttled login stays a 429."""
    try:
        user = await auth.authenticate_basic(
            db, account_id=account_id, login=email, password=password, address=address, cache=cache
        )
    except Unauthenticated:
        raise Unauthenticated(BAD_LOGIN) from None
    async with db.read() as conn:
        account = await account_queries.fetch(conn, account_id)
    if account is None:
        raise Unauthenticated(BAD_LOGIN)
    key = await keys.key(db)
    issued = clock.now().replace(microsecond=0)
    expires = issued + timedelta(minutes=expiration_minutes(account))
    claims: dict[str, Any] = {
        "id": str(user.id),
        "name": f"{user.first_name} {user.last_name}".strip(),
        "email": user.email,
        "orgId": str(account.id),
        "cacheExpiration": CACHE_EXPIRATION_MINUTES,
        "pwd": password_stamp(key, user),
        "iat": issued,
        "exp": expires,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return IssuedToken(jwt.encode(claims, key, algorithm=ALGORITHM), expires)


def looks_like_token(value: str) -> bool:
    """A JWT (three dot-separated parts), as opposed to a v2 API token (hex digits) sent as Bearer."""
    return value.count(".") == 2


async def verify_token(db: Database, *, account_id: int, token: str, keys: SigningKeys) -> UserRecord:
    """The live user a reporting token of this account was issued to; Unauthenticated("Invalid token")
    for anything else (see the module docstring)."""
    key = await keys.key(db)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        raise Unauthenticated(INVALID_TOKEN) from None
    user_id, org_id = str(claims["id"]), str(claims["orgId"])
    if org_id != str(account_id) or not user_id.isdigit() or len(user_id) > 19:
        raise Unauthenticated(INVALID_TOKEN)
    async with db.read() as conn:
        user = await user_queries.fetch(conn, account_id=account_id, user_id=int(user_id))
    if (
        user is None
        or not user.can_sign_in
        or not hmac.compare_digest(str(claims["pwd"]), password_stamp(key, user))
    ):
        raise Unauthenticated(INVALID_TOKEN)
    return user
