"""Liveness and readiness probes (public).

`/healthz` says the process answers.  `/readyz` checks every dependency the configuration names and says
which failed (docs/decisions/153):

- `database`: reachable and migrated to the head revision.  Without it nothing can be served: 503.
- `redis` (only when `LANEKIT_REDIS_URL` is set): answers a ping.  Without it the request budget and the
  sign-in throttle count in process memory, so the server still serves: 200 with status "degraded".
- `blobs`: the attachment directory accepts a new file.  Without it uploads fail but everything else
  works: 200, "degraded".

Each check is bounded by `CHECK_TIMEOUT_SECONDS`, so a dependency that hangs makes the probe fail rather
than wait for the load balancer's own timeout.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lanekit.storage import migrate
from lanekit.web.deps import AppContext, Db, get_ctx

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 3.0


@router.get("/healthz", operation_id="healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _database(db: Db) -> dict[str, Any]:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            current = await migrate.current_revision(db.engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        return {"status": "unavailable", "reason": type(exc).__name__}
    head = migrate.head_revision()
    if current != head:
        return {"status": "unmigrated", "revision": current, "head": head}
    return {"status": "ok", "revision": current}


async def _redis(ctx: AppContext) -> dict[str, Any]:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            answers = await ctx.rate_limiter.redis_answers()
    except TimeoutError:
        answers = False
    if answers:
        return {"status": "ok"}
    # Requests are still served: their counts go to process memory meanwhile.
    return {"status": "unavailable", "fallback": "memory"}


def _try_write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".ready-", dir=directory)
    try:
        os.write(fd, b"ok")
    finally:
        os.close(fd)
        os.unlink(name)


async def _blobs(directory: Path) -> dict[str, Any]:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            await anyio.to_thread.run_sync(_try_write, directory, abandon_on_cancel=True)
    except (OSError, TimeoutError) as exc:
        return {"status": "unavailable", "reason": type(exc).__name__}
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz")
async def readyz(request: Request, db: Db) -> JSONResponse:
    """200 "ok" when every check passed, 200 "degraded" when only optional ones failed (`failed` names
    them), 503 when the database is unreachable ("unavailable") or behind ("unmigrated")."""
    ctx = await get_ctx(request)
    checks: dict[str, dict[str, Any]] = {"database": await _database(db)}
    if ctx.rate_limiter.redis_configured:
        checks["redis"] = await _redis(ctx)
    checks["blobs"] = await _blobs(Path(ctx.settings.blob_dir))
    failed = [name for name, check in checks.items() if check["status"] != "ok"]
    database = checks["database"]
    body: dict[str, Any]
    if database["status"] != "ok":
        body = {**database, "failed": failed, "checks": checks}
        return JSONResponse(body, status_code=503)
    body = {
        "status": "degraded" if failed else "ok",
        "revision": database["revision"],
        "failed": failed,
        "checks": checks,
    }
    return JSONResponse(body)
