"""create_app(settings): builds the engine, routers, middleware and error maps; nothing else."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from lanekit import __version__
from lanekit.domain.people.accounts import AccountResolver
from lanekit.domain.people.auth import CredentialCache
from lanekit.domain.people.throttle import SignInThrottle
from lanekit.http import (
    account,
    attachments,
    auth,
    board_users,
    boards,
    card_activity,
    card_dependencies,
    card_tasks,
    card_types,
    cards,
    comments,
    connections,
    custom_fields,
    custom_icons,
    errors,
    layout,
    schemas,
    templates,
    users,
)
from lanekit.legacy import api as legacy_api
from lanekit.reporting import metrics as reporting_metrics
from lanekit.reporting import routes as reporting
from lanekit.scim import errors as scim_errors
from lanekit.scim import routes as scim
from lanekit.settings import Settings
from lanekit.storage import notify
from lanekit.storage.blobs import LocalBlobStore
from lanekit.storage.engine import Database, make_engine
from lanekit.storage.notify import Notifier
from lanekit.ui import attachments as ui_attachments
from lanekit.ui import install as install_ui
from lanekit.web import docs, health
from lanekit.web.deps import AppContext, require_actor
from lanekit.web.middleware import EdgeMiddleware
from lanekit.web.ratelimit import RateLimiter
from lanekit.web.router import install as install_route_table
from lanekit.web.routing import make_router

# Routers under /io that every request must authenticate for.  Their order does not matter: every id in a
# path is an `{…:id}` segment (web/routing.py), so no parameter can capture a literal path.
AUTHENTICATED_ROUTERS = (
    account.router,
    attachments.router,
    auth.router,
    board_users.router,
    boards.router,
    card_activity.router,
    card_dependencies.router,
    card_tasks.router,
    card_types.router,
    cards.router,
    comments.router,
    connections.router,
    custom_fields.router,
    custom_icons.router,
    layout.router,
    templates.router,
    users.router,
)


def create_app(settings: Settings) -> FastAPI:
    db = Database(make_engine(settings))
    notifier = Notifier(db.engine)
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    rate_limiter = RateLimiter(
        settings.rate_limit, redis_url=redis_url, key_prefix=settings.rate_limit_key_prefix
    )
    ctx = AppContext(
        settings=settings,
        db=db,
        credentials=CredentialCache(
            settings.auth_cache_size,
            ttl_seconds=settings.auth_cache_ttl_seconds,
            notifier=notifier,
            # One store for both counts, so both fall back to memory together while Redis is unreachable.
            throttle=SignInThrottle(storage=rate_limiter.storage),
        ),
        rate_limiter=rate_limiter,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Change notices from other processes (revoked tokens, changed users): the credential cache
        # trusts what it remembers only while they are received.
        listener = asyncio.create_task(notifier.run(), name="lanekit-notify")
        try:
            yield
        finally:
            await notify.stop(listener)
            await db.dispose()

    app = FastAPI(
        title="Lanekit",
        version=__version__,
        description="A self-hostable Kanban server that speaks the LeanKit / AgilePlace REST API.",
        openapi_url="/io/openapi.json",
        docs_url=None,  # web/docs.py serves it, with local assets
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.blobs = LocalBlobStore(settings.blob_dir)

    io = make_router("io")
    for router in AUTHENTICATED_ROUTERS:
        schemas.document(router)
        io.include_router(router, dependencies=[Depends(require_actor)])
    io.include_router(scim.router, dependencies=[Depends(require_actor)])  # SCIM 1.1 (scim/routes.py)
    app.include_router(io, prefix="/io")
    # The reporting API authenticates each request itself (a reporting token, else /io credentials).
    for reporting_router in (reporting.router, reporting_metrics.router):
        schemas.document(reporting_router)
        app.include_router(reporting_router, prefix="/io/reporting")
    app.include_router(health.router)
    # The legacy v1 API: outside /io, authenticated per call (Basic, Bearer or Token), enveloped replies.
    app.include_router(legacy_api.router, prefix=legacy_api.PREFIX)
    docs.install(app)
    # The web board at `/` (ui/): its paths are none of the above.
    install_ui(app)
    _declare_security(app)
    # Last: the table indexes every route above (docs included).
    install_route_table(app.router)

    errors.install(app)
    # One layer for the rules every request follows (web/middleware.py): transport leniency, the request id,
    # the body limit, tenancy, the request's one database connection (authentication and the handler share
    # it) and the X-RateLimit-* headers.
    app.add_middleware(
        EdgeMiddleware,
        db=db,
        resolver=AccountResolver(db, default_account=settings.default_account),
        max_body_bytes=settings.max_body_bytes,
        streamed_uploads=re.compile(
            "|".join(
                (
                    attachments.UPLOAD_PATH.pattern,
                    legacy_api.UPLOAD_PATH.pattern,
                    ui_attachments.UPLOAD_PATH.pattern,
                )
            ),
            re.IGNORECASE,
        ),
        error_bodies=(("/io/scim/", scim_errors.error_body),),
    )
    return app


# The two schemes of LeanKit's "Core Concepts" page, which every /io operation accepts (web/deps.py).
SECURITY_SCHEMES = {
    "basic": {"type": "http", "scheme": "basic", "description": "Email or username, and password."},
    "bearer": {"type": "http", "scheme": "bearer", "description": "An API token from POST /io/auth/token."},
}


def _declare_security(app: FastAPI) -> None:
    """Add Basic and Bearer to the OpenAPI document, required everywhere but on the public probes.

    Authentication is a router dependency reading `Authorization` itself (web/deps.require_actor), not a
    FastAPI security class, so FastAPI does not declare it; this does, and Swagger UI shows "Authorize".
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            document["security"] = [{name: []} for name in SECURITY_SCHEMES]
            for path, item in document.get("paths", {}).items():
                if not path.startswith("/io/"):
                    for operation in item.values():
                        operation["security"] = []
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
