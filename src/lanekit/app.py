"""create_app(settings): builds the engine, routers, middleware and error maps; nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
from lanekit.settings import Settings
from lanekit.storage.blobs import LocalBlobStore
from lanekit.storage.engine import Database, make_engine
from lanekit.web import health
from lanekit.web.deps import AppContext, require_actor
from lanekit.web.middleware import RateLimitHeadersMiddleware, TenancyMiddleware, TransportMiddleware
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
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    ctx = AppContext(
        settings=settings,
        db=db,
        credentials=CredentialCache(
            settings.auth_cache_size,
            throttle=SignInThrottle(redis_url=redis_url, key_prefix=settings.rate_limit_key_prefix),
        ),
        rate_limiter=RateLimiter(
            settings.rate_limit, redis_url=redis_url, key_prefix=settings.rate_limit_key_prefix
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await db.dispose()

    app = FastAPI(
        title="Lanekit",
        version=__version__,
        description="A self-hostable Kanban server that speaks the LeanKit / AgilePlace REST API.",
        openapi_url="/io/openapi.json",
        docs_url="/io/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.blobs = LocalBlobStore(settings.blob_dir)

    io = make_router("io")
    for router in AUTHENTICATED_ROUTERS:
        schemas.document(router)
        io.include_router(router, dependencies=[Depends(require_actor)])
    app.include_router(io, prefix="/io")
    app.include_router(health.router)
    install_route_table(app.router)

    errors.install(app)
    # Added innermost first: the transport layer sees the raw request before anything else.
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(
        TenancyMiddleware, resolver=AccountResolver(db, default_account=settings.default_account)
    )
    app.add_middleware(
        TransportMiddleware,
        max_body_bytes=settings.max_body_bytes,
        streamed_uploads=attachments.UPLOAD_PATH,
    )
    return app
