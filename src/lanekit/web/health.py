"""Liveness and readiness probes (public)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lanekit.storage import migrate
from lanekit.web.deps import Db

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", operation_id="readyz")
async def readyz(db: Db) -> JSONResponse:
    try:
        current = await migrate.current_revision(db.engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
    head = migrate.head_revision()
    if current != head:
        return JSONResponse({"status": "unmigrated", "revision": current, "head": head}, status_code=503)
    return JSONResponse({"status": "ok", "revision": current})
