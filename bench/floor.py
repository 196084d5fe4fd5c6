"""The floor: the least a server can do for `GET /io/card/:id`.

A bare Starlette app on the raw driver (an asyncpg pool on PostgreSQL; one `sqlite3` connection per process
on SQLite, whose primary-key read takes microseconds) that reads one card row by primary key and returns it
as JSON.  No authentication, tenancy or shaping: every Lanekit figure is reported as a ratio to this one,
measured minutes apart with the same worker count.  Run by the bench as
`uvicorn bench.floor:app_from_environment --factory` with `BENCH_FLOOR_DATABASE_URL` set.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CARD_BY_ID_PG = "SELECT * FROM cards WHERE id = $1"
CARD_BY_ID_SQLITE = "SELECT * FROM cards WHERE id = ?"


def _json(row: dict[str, Any] | None) -> Response:
    if row is None:
        return Response(b'{"statusCode":404}', status_code=404, media_type="application/json")
    return Response(json.dumps(row, default=str), media_type="application/json")


async def healthz(_request: Request) -> Response:
    return Response(b"ok")


def make_app(database_url: str) -> Starlette:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database or "", check_same_thread=False)
        conn.row_factory = sqlite3.Row

        async def sqlite_card(request: Request) -> Response:
            row = conn.execute(CARD_BY_ID_SQLITE, (int(request.path_params["card_id"]),)).fetchone()
            return _json(dict(row) if row is not None else None)

        return Starlette(routes=[Route("/card/{card_id:int}", sqlite_card), Route("/healthz", healthz)])

    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        pools.append(await asyncpg.create_pool(dsn, min_size=10, max_size=10))
        yield
        await pools[0].close()

    async def pg_card(request: Request) -> Response:
        async with pools[0].acquire() as conn:
            row = await conn.fetchrow(CARD_BY_ID_PG, request.path_params["card_id"])
        return _json(dict(row) if row is not None else None)

    return Starlette(
        routes=[Route("/card/{card_id:int}", pg_card), Route("/healthz", healthz)], lifespan=lifespan
    )


def app_from_environment() -> Starlette:
    return make_app(os.environ["BENCH_FLOOR_DATABASE_URL"])
