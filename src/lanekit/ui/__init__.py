"""The web board (issue 16, docs/decisions/200-web-board.md): server-rendered pages at `/`, htmx and
SortableJS served from the package itself, signed in with an e-mail, a password and a session cookie."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from lanekit.ui import attachments, cards, routes
from lanekit.ui.pages import secure
from lanekit.ui.session import CsrfRefused, SignInNeeded


def _wants_page(request: Request) -> bool:
    """A full page load (a redirect to sign in helps), not htmx or app.js asking for a fragment."""
    return (
        request.method == "GET"
        and "hx-request" not in request.headers
        and "x-csrf-token" not in request.headers
    )


async def _sign_in_needed(request: Request, _exc: Exception) -> Response:
    if _wants_page(request):
        return secure(RedirectResponse("/sign-in", status_code=303))
    # htmx follows HX-Redirect with a full page load.
    response = JSONResponse(
        {"message": "Your session has ended; sign in again.", "wip": False}, status_code=401
    )
    response.headers["HX-Redirect"] = "/sign-in"
    return secure(response)


async def _csrf_refused(_request: Request, _exc: Exception) -> Response:
    return secure(
        JSONResponse(
            {"message": "The request lacked this session's CSRF token.", "wip": False}, status_code=403
        )
    )


def install(app: FastAPI) -> None:
    """Mount the board's routes at `/` (after /io, /kanban and the probes, whose paths it does not use)."""
    app.include_router(routes.router)
    app.include_router(cards.router)
    app.include_router(attachments.router)
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
