"""CPU cost of one request, measured in process: `python -m bench.profile [--backend …] [--scenarios a,h]`.

The wrk figures need a quiet machine; this does not.  It loads the quick data set, builds the app with
`create_app`, and calls it as an ASGI application (no HTTP server, no sockets) one request after another,
timing each with the process's CPU clock.  What it prints is the CPU microseconds a request costs inside
Lanekit, and with `--profile` the functions that cost the most, which is what moves the wrk figures on one
worker.  Reads by default; the write scenarios (e, f, g) work too, each request sent once.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import statistics
import time
from typing import Any

from bench import databases
from bench.driver import auth_headers
from bench.generate import QUICK, generate
from bench.run import card_versions
from bench.scenarios import Context, Request, by_keys

READS = "a,b,c,d,h,h-basic"


async def _call(app: Any, request: Request, headers: dict[str, str]) -> int:
    path, _, query = request.path.partition("?")
    headers = dict(headers)
    if request.body:
        headers["content-type"] = "application/json"
    if request.version:
        headers["x-lk-resource-version"] = request.version
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
        "state": {},
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": request.body.encode(), "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _run(backend: str, keys: str, count: int, profile: bool, options_sort: str = "tottime") -> None:
    from lanekit.app import create_app
    from lanekit.settings import Settings

    url = await databases.fresh_database(backend)
    dataset = await generate(url, QUICK)
    settings = Settings(database_url=url, rate_limit="100000000/minute", default_account=dataset.account_name)  # type: ignore[call-arg]
    app = create_app(settings)

    async def versions() -> dict[int, int]:
        return await card_versions(url, dataset.account_id)

    ctx = Context(dataset=dataset, rng=random.Random(5), count=count + 20, card_versions=versions)
    async with app.router.lifespan_context(app):
        for scenario in by_keys(keys.split(",")):
            requests = await scenario.build(ctx)
            headers = auth_headers(
                scenario.auth, email=dataset.email, password=dataset.password, token=dataset.token
            )
            for request in requests[:20]:  # warm caches and pools
                assert await _call(app, request, headers) < 400, request
            costs = []
            profiler = cProfile.Profile() if profile else None
            # Writes replay each request once (a PATCH carries the version it expects); reads may repeat.
            replay = requests[20:] if scenario.writes else requests * (count // max(1, len(requests)) + 1)
            for request in replay[:count]:
                started = time.process_time()
                if profiler:
                    profiler.enable()
                await _call(app, request, headers)
                if profiler:
                    profiler.disable()
                costs.append((time.process_time() - started) * 1e6)
            costs.sort()
            print(
                f"{backend:10} {scenario.key:8} {scenario.title[:40]:40} "
                f"median {statistics.median(costs):8.0f} µs CPU   p90 {costs[int(len(costs) * 0.9)]:8.0f} µs",
                flush=True,
            )
            if profiler:
                pstats.Stats(profiler).sort_stats(options_sort).print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--scenarios", default=READS)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--sort", default="tottime", help="pstats order with --profile: tottime or cumulative"
    )
    options = parser.parse_args()
    asyncio.run(_run(options.backend, options.scenarios, options.count, options.profile, options.sort))


if __name__ == "__main__":
    main()
