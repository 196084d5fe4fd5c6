"""Rendering shared by the web board's routes: templates, security headers, refusals.

Every response of the board carries a Content-Security-Policy that allows scripts, styles, images and
connections from Lanekit itself only and no inline script (docs/decisions/200-web-board.md).  Styles allow
`unsafe-inline` for style *attributes* only in effect: the card type colour is a validated hex value
(`views.safe_color`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from lanekit import __version__
from lanekit.domain import html
from lanekit.domain.errors import (
    Forbidden,
    LanekitError,
    NotFound,
    RateLimited,
    Unauthenticated,
    WipExceeded,
)
from lanekit.ui.views import safe_link

HERE = Path(__file__).parent
STATIC_PREFIX = "/ui/static"

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["static"] = lambda name: f"{STATIC_PREFIX}/{name}?v={__version__}"
# Descriptions and comments are stored sanitised (domain/html.py); sanitising again on the way out costs
# little and keeps a row written before a sanitiser change safe.
templates.env.filters["sanitized"] = lambda value: html.sanitize(value or "")
templates.env.filters["safe_link"] = safe_link


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def render(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    secure(response)
    return response


def fragment(name: str, context: dict[str, Any]) -> bytes:
    """A template rendered to bytes (for the body cache); it must not read the request."""
    return templates.get_template(name).render(context).encode()


def status_of(exc: LanekitError) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, RateLimited):
        return 429
    return 422


def refused(exc: LanekitError) -> Response:
    """A refused action, for app.js and htmx to show: the message, and whether a WIP override would pass."""
    body = {"message": exc.message, "wip": isinstance(exc, WipExceeded)}
    return secure(JSONResponse(body, status_code=status_of(exc)))
