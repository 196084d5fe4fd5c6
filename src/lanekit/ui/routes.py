"""The web board's pages: sign in and out, the boards list, a board, its lanes and moves.

Each handler is parse → one domain call → render, like an /io handler; the domain functions are the API's
own (reads.list_boards, moves.move_cards…), so every rule (roles, WIP limits, versions) is the API's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from lanekit.domain.boards import board_page
from lanekit.domain.boards.reads import BoardProbe, board_view, list_boards, probe_board, recent_boards
from lanekit.domain.cards import moves
from lanekit.domain.cards.create import NewCard, create_card
from lanekit.domain.errors import LanekitError, RateLimited, Unauthenticated
from lanekit.domain.people import sessions
from lanekit.storage.executor import Connection
from lanekit.ui import views
from lanekit.ui.pages import HERE, STATIC_PREFIX, fragment, refused, render, secure
from lanekit.ui.session import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    Session,
    clear_cookie,
    ctx_of,
    current_session,
    new_signin_nonce,
    set_cookie,
    signin_csrf_matches,
)
from lanekit.web.cache import Lookup, body_cache, fill_once
from lanekit.web.deps import account_of, client_address

router = APIRouter(include_in_schema=False)
UiSession = Annotated[Session, Depends(current_session)]

STATIC = {
    "htmx-2.0.11.min.js": "text/javascript; charset=utf-8",
    "Sortable-1.15.7.min.js": "text/javascript; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}


@router.get(STATIC_PREFIX + "/{name}")
async def static_file(name: str) -> Response:
    media_type = STATIC.get(name)
    if media_type is None:
        return secure(Response(status_code=404))
    # URLs carry the package version (`static()` in pages.py), so a browser may keep a file a day.
    return FileResponse(
        HERE / "static" / name,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/")
async def home(request: Request) -> Response:
    signed_in = bool(request.cookies.get(SESSION_COOKIE))
    return RedirectResponse("/boards" if signed_in else "/sign-in", status_code=303)


# --- signing in and out ----------------------------------------------------------------------------------


def _signin_form(
    request: Request, *, message: str | None = None, email: str = "", status: int = 200
) -> Response:
    nonce = new_signin_nonce()
    response = render(
        request, "signin.html", {"csrf": nonce, "message": message, "email": email}, status=status
    )
    set_cookie(request, response, SIGNIN_COOKIE, nonce, max_age=3600)
    return response


@router.get("/sign-in")
async def signin_page(request: Request) -> Response:
    return _signin_form(request)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=255)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not signin_csrf_matches(request, csrf):
        return _signin_form(request, message="The form expired; please sign in again.", status=403)
    ctx = ctx_of(request)
    account_id = await account_of(request)
    if account_id is None:
        return _signin_form(request, message="No account is served at this address.", email=email, status=404)
    try:
        user = await sessions.sign_in(
            ctx.db,
            account_id=account_id,
            login=email.strip(),
            password=password,
            address=client_address(request, trust_forwarded_for=ctx.settings.trust_forwarded_for),
            cache=ctx.credentials,
        )
    except RateLimited:
        response = _signin_form(
            request, message="Too many failed sign-ins; wait a moment and try again.", email=email, status=429
        )
        return response
    except Unauthenticated:
        return _signin_form(request, message="E-mail or password is incorrect.", email=email, status=401)
    previous = request.cookies.get(SESSION_COOKIE)
    async with ctx.db.begin() as conn:
        if previous:
            # A browser signing in again drops the session it had, rather than leaving it valid to expiry.
            await sessions.end_session(conn, account_id=account_id, token=previous, cache=ctx.credentials)
        token = await sessions.start_session(conn, user=user)
    response = RedirectResponse("/boards", status_code=303)
    set_cookie(
        request, response, SESSION_COOKIE, token, max_age=int(sessions.SESSION_LIFETIME.total_seconds())
    )
    clear_cookie(request, response, SIGNIN_COOKIE)
    return secure(response)


@router.post("/sign-out")
async def sign_out(request: Request, session: UiSession) -> Response:
    ctx = ctx_of(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    async with ctx.db.begin() as conn:
        await sessions.end_session(
            conn, account_id=session.actor.account_id, token=token, cache=ctx.credentials
        )
    response = RedirectResponse("/sign-in", status_code=303)
    clear_cookie(request, response, SESSION_COOKIE)
    return secure(response)


# --- boards ----------------------------------------------------------------------------------------------


@router.get("/boards")
async def boards_page(
    request: Request, session: UiSession, q: Annotated[str | None, Query(max_length=255)] = None
) -> Response:
    ctx = ctx_of(request)
    async with ctx.db.read() as conn:
        recent = [] if q else await recent_boards(conn, actor=session.actor)
        listing = await list_boards(conn, actor=session.actor, offset=0, limit=200, search=q or None)
    return render(
        request,
        "boards.html",
        {
            "session": session,
            "recent": recent,
            "boards": listing.boards,
            "total": listing.total,
            "q": q or "",
        },
    )


async def _board_context(request: Request, session: Session, board_id: int) -> dict[str, Any]:
    async with ctx_of(request).db.begin() as conn:
        page = await board_page.open_board_page(conn, actor=session.actor, board_id=board_id)
    return {"session": session, **views.tree_context(page)}


@router.get("/board/{boardId:id}")
async def board(request: Request, session: UiSession, boardId: int) -> Response:
    try:
        context = await _board_context(request, session, boardId)
    except LanekitError as exc:
        return render(request, "problem.html", {"session": session, "message": exc.message}, status=404)
    return render(request, "board.html", context)


@router.get("/board/{boardId:id}/lanes")
async def board_lanes(request: Request, session: UiSession, boardId: int) -> Response:
    """The lanes alone: what an open board swaps in when its version moved.

    Every open board asks for this at once after a change, so the HTML is kept in the body cache
    (decision 163) under the key the /io board GET uses (the board's version and its members' shown
    columns), one body per (may move, may create) pair, and built by one request while the others wait
    (decision 169): 200 open boards cost one render per change, not 200.
    """
    actor = session.actor
    db = ctx_of(request).db
    cache = body_cache(request)

    async def look(conn: Connection) -> Lookup[BoardProbe]:
        probe = await probe_board(conn, actor=actor, board_id=boardId)
        variant = (probe.access.allows("card.move"), probe.access.allows("card.create"))
        slot = ("ui-lanes", actor.account_id, boardId, variant)
        return Lookup(slot, cache.get(slot, key=probe.key) if cache is not None else None, probe)

    async def build(conn: Connection, found: Lookup[BoardProbe]) -> bytes:
        probe = found.state
        view = await board_view(conn, found=probe.access, probe=probe)
        page = await board_page.read_board_page(conn, actor=actor, view=view)
        body = fragment("lanes.html", views.tree_context(page))
        if cache is not None:
            cache.put(found.slot, body, key=probe.key)
        return body

    try:
        body = (await fill_once(db, cache, look, build, bytes))[1]
    except LanekitError as exc:
        return refused(exc)
    return secure(Response(body, media_type="text/html; charset=utf-8"))


@router.get("/board/{boardId:id}/version")
async def board_version(request: Request, session: UiSession, boardId: int) -> Response:
    """What an open board polls each second: one statement, no rate-limit charge."""
    try:
        async with ctx_of(request).db.read() as conn:
            version = await board_page.board_version(conn, actor=session.actor, board_id=boardId)
    except LanekitError as exc:
        return refused(exc)
    return secure(JSONResponse({"version": str(version)}))


@router.get("/board/{boardId:id}/lane/{laneId:id}/cards")
async def lane_more(
    request: Request,
    session: UiSession,
    boardId: int,
    laneId: int,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    try:
        async with ctx_of(request).db.read() as conn:
            listed = await board_page.lane_cards(
                conn,
                actor=session.actor,
                board_id=boardId,
                lane_id=laneId,
                offset=offset,
                limit=board_page.PER_LANE,
            )
    except LanekitError as exc:
        return refused(exc)
    shown = offset + len(listed.cards)
    return render(
        request,
        "more_cards.html",
        {
            "faces": views.faces(listed),
            "board_id": boardId,
            "lane_id": laneId,
            "next_offset": shown,
            "more": shown < listed.total,
        },
    )


@router.post("/board/{boardId:id}/move")
async def move(request: Request, session: UiSession, boardId: int) -> Response:
    """A drag or keyboard move: `{cardId, laneId, index, wipOverrideComment?}` as JSON (app.js)."""
    try:
        body = await request.json()
        card_id, lane_id, index = int(body["cardId"]), int(body["laneId"]), int(body["index"])
        comment = body.get("wipOverrideComment") or None
        if comment is not None and not isinstance(comment, str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return secure(JSONResponse({"message": "malformed move", "wip": False}, status_code=400))
    try:
        async with ctx_of(request).db.begin() as conn:
            versions = await moves.move_cards(
                conn,
                actor=session.actor,
                card_ids=[card_id],
                destination=moves.MoveDestination(lane_id=lane_id, index=max(index, 0)),
                wip_override_comment=comment,
            )
    except LanekitError as exc:
        return refused(exc)
    return secure(JSONResponse({"version": str(versions.get(boardId, ""))}))


@router.post("/board/{boardId:id}/card")
async def add_card(
    request: Request,
    session: UiSession,
    boardId: int,
    title: Annotated[str, Form(max_length=255)] = "",
    laneId: Annotated[int, Form()] = 0,
) -> Response:
    try:
        async with ctx_of(request).db.begin() as conn:
            await create_card(
                conn, actor=session.actor, new=NewCard(title=title, board_id=boardId, lane_id=laneId or None)
            )
    except LanekitError as exc:
        return refused(exc)
    return await board_lanes(request, session, boardId)
