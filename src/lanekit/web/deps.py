"""Typed dependencies: `Db`, `Actor`, `CurrentUser`, `Ctx`, `BaseUrl` and paging.

`require_actor` is attached where the /io router is built, so no endpoint can forget authentication; it
also charges the caller's rate-limit window.  Authentication yields the caller's user record (from the
credential cache, or read), so that record travels with the request (`CurrentUser`) and a handler about the
caller need not read it again.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from lanekit.domain.errors import Invalid, Unauthenticated
from lanekit.domain.inputs import INT32_MAX
from lanekit.domain.people import auth
from lanekit.domain.people.accounts import AccountResolver
from lanekit.domain.people.auth import CredentialCache
from lanekit.domain.types import Actor as ActorValue
from lanekit.settings import Settings
from lanekit.storage.engine import Database
from lanekit.storage.records import UserRecord
from lanekit.web.ratelimit import RateLimiter

MAX_PAGE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything built once at start-up and shared by requests."""

    settings: Settings
    db: Database
    credentials: CredentialCache
    rate_limiter: RateLimiter


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` dependency in a
# worker thread, a thread hop per dependency per request.


def _ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


async def get_ctx(request: Request) -> AppContext:
    return _ctx_of(request)


async def get_db(request: Request) -> Database:
    return _ctx_of(request).db


async def get_base_url(request: Request) -> str:
    settings = _ctx_of(request).settings
    return settings.public_url or str(request.base_url).rstrip("/")


def _parse_authorization(header: str) -> tuple[str, str]:
    scheme, _, value = header.strip().partition(" ")
    return scheme.lower(), value.strip()


async def account_of(request: Request) -> int | None:
    """The id of the account this request's Host selects (docs/conventions.md §7), or None when there is none.

    Looked up once per request, on first use, through the resolver the edge (`web/middleware.EdgeMiddleware`)
    provides.
    """
    state = request.state
    account_id: int | None
    try:
        account_id = state.account_id
    except AttributeError:
        resolver: AccountResolver = state.account_resolver
        account_id = await resolver.account_for_host(state.host)
        state.account_id = account_id
    return account_id


def client_address(request: Request, *, trust_forwarded_for: bool) -> str:
    """The address failed sign-ins are counted against: the peer of the connection, or, behind a trusted
    proxy (LANEKIT_TRUST_FORWARDED_FOR), the last X-Forwarded-For entry, the one that proxy appended."""
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.client.host if request.client else "unknown"


# The schemes whose value is an API token.  The legacy /kanban/api also takes `Token <token>`, which
# LeanKit's old C# client sends (legacy/routing.py).
TOKEN_SCHEMES = frozenset({"bearer"})
LEGACY_TOKEN_SCHEMES = frozenset({"bearer", "token"})


async def require_actor(request: Request) -> ActorValue:
    return await authenticate(request, token_schemes=TOKEN_SCHEMES)


async def authenticate(request: Request, *, token_schemes: frozenset[str]) -> ActorValue:
    """The caller, from Basic credentials or a token sent under one of `token_schemes`; charges their
    rate-limit window.  Raises Unauthenticated or RateLimited."""
    cached: ActorValue | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    ctx = _ctx_of(request)
    account_id = await account_of(request)
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("authentication required: send Basic credentials or a Bearer token")
    if account_id is None:
        raise Unauthenticated("no account is served at this host")
    scheme, value = _parse_authorization(header)
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("malformed Basic credentials") from None
        login, sep, password = decoded.partition(":")
        if not sep or not login:
            raise Unauthenticated("malformed Basic credentials")
        # Reads through the request's connection (web/connection.py) and returns it to the pool before an
        # Argon2 verification waits or runs.
        user = await auth.authenticate_basic(
            ctx.db,
            account_id=account_id,
            login=login,
            password=password,
            address=client_address(request, trust_forwarded_for=ctx.settings.trust_forwarded_for),
            cache=ctx.credentials,
        )
    elif scheme in token_schemes and value:
        user = await auth.authenticate_bearer(
            ctx.db, account_id=account_id, token=value, cache=ctx.credentials
        )
    else:
        raise Unauthenticated("unsupported authorization scheme; use Basic or Bearer")

    window = await ctx.rate_limiter.charge(account_id, user.id)
    request.state.rate_limit = (window.limit, window.remaining, window.reset)
    if not window.allowed:
        raise window.refusal()
    if auth.needs_last_access_update(user):
        async with ctx.db.begin() as conn:
            moment = await auth.record_access(conn, user_id=user.id)
        user = replace(user, last_access=moment)
        ctx.credentials.accessed(user.id, moment)
    request.state.user = user
    actor = ActorValue(
        account_id=account_id,
        user_id=user.id,
        administrator=user.administrator,
        board_creator=user.board_creator,
    )
    request.state.actor = actor
    return actor


async def current_user(request: Request, _actor: Annotated[ActorValue, Depends(require_actor)]) -> UserRecord:
    """The caller's user row as authentication read it, during this request."""
    user: UserRecord = request.state.user
    return user


Ctx = Annotated[AppContext, Depends(get_ctx)]
Db = Annotated[Database, Depends(get_db)]
Actor = Annotated[ActorValue, Depends(require_actor)]
CurrentUser = Annotated[UserRecord, Depends(current_user)]
BaseUrl = Annotated[str, Depends(get_base_url)]


@dataclass(frozen=True, slots=True)
class PageParams:
    offset: int
    limit: int


def paging(default_limit: int) -> Any:
    """A dependency reading `offset` and `limit` with this endpoint's documented default
    (docs/conventions.md §4)."""

    async def _page(
        # No page starts past what a 32-bit count reaches; a larger offset would only overflow a query.
        offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
        limit: Annotated[int | None, Query(ge=0)] = None,
    ) -> PageParams:
        chosen = default_limit if limit is None else limit
        if chosen > MAX_PAGE_LIMIT:
            raise Invalid("limit", f"must be at most {MAX_PAGE_LIMIT}")
        return PageParams(offset=offset, limit=chosen)

    return Depends(_page)
