"""Redis going away and coming back: the request budget and the sign-in throttle count in process memory
meanwhile (logged once, `/readyz` "degraded" with 200), nobody is refused for it, and Redis is used again
once it answers.

Each test starts a private `redis-server` (no persistence) on a free port, so killing it disturbs nothing
else; the shared Redis of tests/web/test_ratelimit.py is not touched.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis

from lanekit.settings import Settings
from lanekit.web.ratelimit import FallbackStorage
from tests.faults.process import free_port
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.02)
        client.close()
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def keys(port: int) -> list[bytes]:
    client = redis.Redis(port=port)
    try:
        return list(client.keys("*"))
    finally:
        client.close()


def remaining(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.headers["x-ratelimit-remaining"])


async def test_an_unreachable_redis_is_counted_in_memory_until_it_is_back(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    kit = Lanekit(make_settings(redis_url=f"redis://127.0.0.1:{port}/0", rate_limit="1000/minute"))
    storage = kit.app.state.ctx.rate_limiter.storage
    assert isinstance(storage, FallbackStorage)
    storage.retry_seconds = 0.2  # the default waits seconds between probes; this test need not
    try:
        tenant = await kit.tenant()
        admin = kit.as_admin(tenant)
        with redis_server(port) as server:
            assert remaining(await admin.get("/io/user/me")) == 999
            assert keys(port), "the budget is counted in Redis"
            assert (await kit.client().get("/readyz")).json()["status"] == "ok"

            server.kill()
            server.wait(timeout=10)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="lanekit.ratelimit"):
                # Served, and counted: the memory window starts where Redis could no longer be asked.
                assert remaining(await admin.get("/io/user/me")) == 999
                assert remaining(await admin.get("/io/user/me")) == 998
                # A first sign-in goes through the sign-in throttle, which counts in the same store.
                other = await kit.user(tenant)
                assert remaining(await kit.as_user(tenant, other).get("/io/user/me")) == 999
                await asyncio.sleep(0.3)  # a probe of Redis fails again: still no second log line
                assert remaining(await admin.get("/io/user/me")) == 997
            unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
            assert len(unreachable) == 1

            ready = await kit.client().get("/readyz")
            assert ready.status_code == 200
            body = ready.json()
            assert (body["status"], body["failed"]) == ("degraded", ["redis"])
            assert body["checks"]["redis"] == {"status": "unavailable", "fallback": "memory"}

        with redis_server(port):
            await asyncio.sleep(0.3)
            with caplog.at_level(logging.WARNING, logger="lanekit.ratelimit"):
                # The new Redis is empty: the budget starts again there, and lives there again.
                assert remaining(await admin.get("/io/user/me")) == 999
                assert remaining(await admin.get("/io/user/me")) == 998
            assert any("reachable again" in r.getMessage() for r in caplog.records)
            assert keys(port)
            ready = await kit.client().get("/readyz")
            assert (ready.status_code, ready.json()["status"], ready.json()["failed"]) == (200, "ok", [])
            await kit.app.state.ctx.rate_limiter.reset()
    finally:
        await kit.close()
