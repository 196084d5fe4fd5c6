"""The signed-in browser: the session cookie, CSRF checks and the caller as an `Actor`.

The cookie is HttpOnly, SameSite=Lax, and Secure when the page is served over HTTPS (the request's scheme,
or `LANEKIT_PUBLIC_URL` starting with https: behind a TLS-terminating proxy).  Every state-changing request
must carry the session's CSRF token (`X-CSRF-Token` header, which htmx and app.js send, or a `csrf` form
field); the sign-in form, which has no session yet, uses a double-submit cookie instead.  See
docs/decisions/200-web-board.md.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from lanekit.domain.errors import Unauthenticated
from lanekit.domain.people import auth, sessions
from lanekit.domain.types import Actor
from lanekit.storage.records import UserRecord
from lanekit.web.deps import AppContext, account_of

SESSION_COOKIE = "lanekit_session"
SIGNIN_COOKIE = "lanekit_signin"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInNeeded(Exception):
    """No live session: a page redirects to the sign-in form, a fragment or action answers 401."""


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token: 403."""


@dataclass(frozen=True, slots=True)
class Session:
    actor: Actor
    user: UserRecord
    csrf: str


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def is_https(request: Request) -> bool:
    public = ctx_of(request).settings.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


async def offered_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    # Only a urlencoded form is read for it: reading a multipart body here would consume an upload's stream.
    if content_type.startswith("application/x-www-form-urlencoded"):
        value = (await request.form()).get("csrf")
        return value if isinstance(value, str) else None
    return None


async def current_session(request: Request) -> Session:
    """The caller of a UI request; raises SignInNeeded, CsrfRefused or RateLimited.

    Reads through the credential cache like a Bearer token (decision 160), so a user disabled or deleted
    through SCIM or the API is refused on the next request.  Every request but the board-version poll
    charges the user's rate-limit window, as an API call does.
    """
    cached: Session | None = getattr(request.state, "ui_session", None)
    if cached is not None:
        return cached
    ctx = ctx_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    account_id = await account_of(request)
    if not token or account_id is None:
        raise SignInNeeded()
    try:
        user = await sessions.session_user(ctx.db, account_id=account_id, token=token, cache=ctx.credentials)
    except Unauthenticated:
        raise SignInNeeded() from None
    if request.method not in SAFE_METHODS and not sessions.csrf_matches(token, await offered_csrf(request)):
        raise CsrfRefused()
    if not request.url.path.endswith("/version"):
        window = await ctx.rate_limiter.charge(account_id, user.id)
        request.state.rate_limit = (window.limit, window.remaining, window.reset)
        if not window.allowed:
            raise window.refusal()
    if auth.needs_last_access_update(user):
        # As for an API call (web/deps.authenticate): `lastAccess` at most once per five minutes.
        async with ctx.db.begin() as conn:
            moment = await auth.record_access(conn, user_id=user.id)
        ctx.credentials.accessed(user.id, moment)
    session = Session(
        actor=Actor(
            account_id=account_id,
            user_id=user.id,
            administrator=user.administrator,
            board_creator=user.board_creator,
        ),
        user=user,
        csrf=sessions.csrf_token(token),
    )
    request.state.ui_session = session
    return session


def new_signin_nonce() -> str:
    return secrets.token_urlsafe(24)


def signin_csrf_matches(request: Request, offered: str | None) -> bool:
    expected = request.cookies.get(SIGNIN_COOKIE)
    return bool(expected) and bool(offered) and hmac.compare_digest(expected or "", offered or "")
