"""One bench run: per backend, load the data set, measure the floor, then every scenario against Lanekit."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import databases
from bench.driver import (
    IDLE_LIMIT,
    HttpxLoader,
    Measurement,
    Server,
    WrkLoader,
    auth_headers,
    floor_server,
    lanekit_server,
)
from bench.generate import FULL, QUICK, Dataset, Spec, generate
from bench.probe import Costs, Probe, enable_statement_log
from bench.scenarios import FLOOR_TITLE, Context, Request, Scenario, available, floor_requests
from bench.timed import Timing, run_timed

VAR = databases.REPO / "var" / "bench"
Load = Callable[[list[Request], dict[str, str]], Awaitable[Measurement]]


@dataclass(frozen=True, slots=True)
class Options:
    backends: tuple[str, ...]
    quick: bool
    workers: int
    connections: int
    threads: int
    duration: float
    warmup: float
    scenarios: list[Scenario]
    keep_data: bool
    timed: bool = True  # the timed sequences of `bench/timed.py` after the scenarios

    @property
    def spec(self) -> Spec:
        return QUICK if self.quick else FULL

    @property
    def request_count(self) -> int:
        """Requests built per varying scenario: more than a run can send, so write lists never wrap."""
        return max(20_000, int(self.duration * 6_000))


@dataclass(slots=True)
class Result:
    scenario: str
    title: str
    backend: str
    available: bool
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    rss_mb: float | None = None
    floor_rps: float | None = None
    ratio: float | None = None
    requests: int | None = None
    note: str = ""
    # The data path under load (`bench/probe.py`); None where not measured or not measurable.
    connections_per_req: float | None = None
    statements_per_req: float | None = None
    cpu_ms_per_req: float | None = None  # server processes plus their PostgreSQL backends
    server_cpu_ms_per_req: float | None = None
    db_cpu_ms_per_req: float | None = None
    worker_rss_mb: list[float] | None = None  # peak (VmHWM) of each worker process after the run

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def add_costs(self, costs: Costs) -> None:
        def rounded(value: float | None, digits: int) -> float | None:
            return None if value is None else round(value, digits)

        self.connections_per_req = rounded(costs.connections_per_request, 4)
        self.statements_per_req = rounded(costs.statements_per_request, 2)
        self.cpu_ms_per_req = rounded(costs.cpu_ms_per_request, 3)
        self.server_cpu_ms_per_req = rounded(costs.server_cpu_ms_per_request, 3)
        self.db_cpu_ms_per_req = rounded(costs.db_cpu_ms_per_request, 3)
        self.worker_rss_mb = costs.worker_rss_mb


# --- database helpers the driver needs (raw drivers, like the generator) -----------------------------


async def _query(url: str, sql_pg: str, sql_sqlite: str, *args: Any) -> list[tuple[Any, ...]]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database or "")
        try:
            return [tuple(r) for r in conn.execute(sql_sqlite, args).fetchall()]
        finally:
            conn.close()
    pg = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return [tuple(r) for r in await pg.fetch(sql_pg, *args)]
    finally:
        await pg.close()


async def card_versions(url: str, account_id: int) -> dict[int, int]:
    rows = await _query(
        url,
        "SELECT id, version FROM cards WHERE account_id = $1",
        "SELECT id, version FROM cards WHERE account_id = ?",
        account_id,
    )
    return {int(i): int(v) for i, v in rows}


async def duplicate_ranks(url: str, account_id: int) -> int:
    """Lanes where two live cards share a rank: what two racing writers leave behind."""
    sql = (
        "SELECT count(*) FROM (SELECT lane_id, rank FROM cards WHERE account_id = {p} AND deleted_on IS NULL "
        "GROUP BY lane_id, rank HAVING count(*) > 1) AS d"
    )
    rows = await _query(url, sql.format(p="$1"), sql.format(p="?"), account_id)
    return int(rows[0][0])


# --- measuring -----------------------------------------------------------------------------------------


async def measure(
    scenario: Scenario,
    *,
    backend: str,
    dataset: Dataset,
    database_url: str,
    openapi: dict[str, Any],
    count: int,
    load: Load,
) -> Result:
    """Build the scenario's requests and run them through `load`; the same path for wrk and httpx."""
    if not available(scenario, openapi):
        return Result(scenario.key, scenario.title, backend, available=False, note="not available")
    ctx = Context(
        dataset=dataset,
        rng=random.Random(f"{dataset.spec.seed}-{scenario.key}"),
        count=count,
        card_versions=lambda: card_versions(database_url, dataset.account_id),
    )
    requests = await scenario.build(ctx)
    headers = auth_headers(scenario.auth, email=dataset.email, password=dataset.password, token=dataset.token)
    m = await load(requests, headers)
    result = Result(
        scenario.key, scenario.title, backend, available=True, rps=round(m.rps, 1), p50_ms=round(m.p50_ms, 2),
        p99_ms=round(m.p99_ms, 2), errors=m.errors, requests=m.requests,
    )  # fmt: skip
    if scenario.writes:
        dupes = await duplicate_ranks(database_url, dataset.account_id)
        if dupes:
            result.note = f"{dupes} lane/rank pairs held by two cards after the run"
    return result


def with_floor(results: list[Result], floor_rps: float | None) -> None:
    for r in results:
        r.floor_rps = floor_rps
        if floor_rps and r.rps is not None:
            r.ratio = round(r.rps / floor_rps, 3)


async def _boards_match(url: str, dataset: Dataset) -> bool:
    """Whether the database still holds the manifest's boards (another run may have reloaded it since)."""
    try:
        rows = await _query(
            url,
            "SELECT id FROM boards WHERE account_id = $1 ORDER BY id",
            "SELECT id FROM boards WHERE account_id = ? ORDER BY id",
            dataset.account_id,
        )
    except (OSError, sqlite3.Error, asyncpg.PostgresError):
        return False
    return [int(r[0]) for r in rows] == sorted(b.id for b in dataset.boards)


async def load_dataset(backend: str, spec: Spec, *, keep: bool) -> tuple[str, Dataset]:
    manifest = VAR / f"dataset-{backend}.json"
    if keep and manifest.exists():
        dataset = Dataset.from_json(json.loads(manifest.read_text()))
        if dataset.spec == spec and await _boards_match(databases.database_url(backend), dataset):
            print(f"bench: {backend}: reusing the loaded data set", flush=True)
            return databases.database_url(backend), dataset
    url = await databases.fresh_database(backend)
    print(f"bench: {backend}: loading {spec.cards:,} cards and {spec.events:,} events…", flush=True)
    dataset = await generate(url, spec)
    print(f"bench: {backend}: loaded in {dataset.seconds:.1f}s {dataset.counts}", flush=True)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(dataset.to_json()))
    return url, dataset


async def _measure_floor(
    backend: str, url: str, dataset: Dataset, options: Options, loader: WrkLoader, *, statements: bool
) -> Result:
    floor = floor_server(database_url=url, workers=options.workers, log=VAR / backend / "floor.log")
    floor.start("/healthz")
    try:
        floor_list = floor_requests(dataset, random.Random(dataset.spec.seed), options.request_count)
        if options.warmup:
            await asyncio.to_thread(loader.run, floor.base_url, floor_list, {}, options.warmup)
        with floor.sample_while():
            async with Probe(floor, url, statements=statements) as probe:
                m = await asyncio.to_thread(loader.run, floor.base_url, floor_list, {}, options.duration)
                probe.costs.requests = m.requests
    finally:
        floor.stop()
    print(f"bench: {backend}: floor {m.rps:.1f} req/s", flush=True)
    result = Result(
        "floor", FLOOR_TITLE, backend, available=True, rps=round(m.rps, 1), p50_ms=round(m.p50_ms, 2),
        p99_ms=round(m.p99_ms, 2), errors=m.errors, rss_mb=floor.rss_mb(), requests=m.requests,
    )  # fmt: skip
    result.add_costs(probe.costs)
    return result


async def _start_lanekit(
    backend: str, url: str, dataset: Dataset, options: Options, loader: WrkLoader
) -> tuple[Server, dict[str, Any]]:
    """A ready, warmed-up `lanekit serve` and its OpenAPI document."""
    server = lanekit_server(
        database_url=url,
        account=dataset.account_name,
        workers=options.workers,
        log=VAR / backend / "lanekit.log",
    )
    server.start("/readyz")
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            openapi = (await client.get("/io/openapi.json")).json()
            # One Basic sign-in per worker first, one at a time: the measured window is the steady state of
            # the credential cache, not 32 simultaneous Argon2 verifications of a cold start.
            basic = auth_headers("basic", email=dataset.email, password=dataset.password, token=dataset.token)
            for _ in range(options.workers * 3):
                await client.get("/io/user/me", headers=basic)
        if options.warmup:
            me = [Request("GET", "/io/user/me")]
            bearer = auth_headers(
                "bearer", email=dataset.email, password=dataset.password, token=dataset.token
            )
            await asyncio.to_thread(loader.run, server.base_url, me, bearer, options.warmup)
            await asyncio.to_thread(server.wait_idle)
    except BaseException:
        server.stop()
        raise
    return server, openapi


async def _drain(server: Server, url: str) -> bool:
    """Whether the server and its database finished what the run left queued, within IDLE_LIMIT each.

    On PostgreSQL a slow query runs in the database while the server process sits idle holding the pooled
    connection, so both are watched.
    """
    if not await asyncio.to_thread(server.wait_idle):
        return False
    deadline = time.monotonic() + IDLE_LIMIT
    while time.monotonic() < deadline:
        if await databases.active_queries(url) == 0:
            return True
        await asyncio.sleep(0.5)
    return False


def _via_wrk(
    server: Server, loader: WrkLoader, duration: float, *, url: str, statements: bool, costs: list[Costs]
) -> Load:
    """Run wrk against `server` while a `Probe` watches it; the probe's figures go to `costs`."""

    async def load(requests: list[Request], headers: dict[str, str]) -> Measurement:
        with server.sample_while():
            async with Probe(server, url, statements=statements) as probe:
                m = await asyncio.to_thread(loader.run, server.base_url, requests, headers, duration)
                probe.costs.requests = m.requests
        costs.append(probe.costs)
        return m

    return load


async def run_backend(backend: str, options: Options, wrk: str) -> tuple[list[Result], list[Timing]]:
    url, dataset = await load_dataset(backend, options.spec, keep=options.keep_data)
    (VAR / backend).mkdir(parents=True, exist_ok=True)
    loader = WrkLoader(wrk, connections=options.connections, threads=options.threads, work_dir=VAR / backend)
    # Before any server connects: only sessions that start afterwards log their statements.
    statements = await enable_statement_log(url, on=True)
    try:
        return await _run_servers(backend, url, dataset, options, loader, statements=statements)
    finally:
        if statements:
            await enable_statement_log(url, on=False)


async def _run_servers(
    backend: str, url: str, dataset: Dataset, options: Options, loader: WrkLoader, *, statements: bool
) -> tuple[list[Result], list[Timing]]:
    floor_result = await _measure_floor(backend, url, dataset, options, loader, statements=statements)

    server, openapi = await _start_lanekit(backend, url, dataset, options, loader)
    results: list[Result] = []
    peak_rss = 0.0
    try:
        for position, scenario in enumerate(options.scenarios):
            costs: list[Costs] = []
            load = _via_wrk(server, loader, options.duration, url=url, statements=statements, costs=costs)
            result = await measure(
                scenario, backend=backend, dataset=dataset, database_url=url, openapi=openapi,
                count=options.request_count, load=load,
            )  # fmt: skip
            results.append(result)
            if costs:
                result.add_costs(costs[0])
            if not result.available:
                print(f"bench: {backend}: ({scenario.key}) not available", flush=True)
                continue
            notes = [result.note] if result.note else []
            if not result.requests:
                notes.append("no request completed within the run")
            drained = await _drain(server, url)
            peak_rss = max(peak_rss, server.rss_mb())
            result.rss_mb = peak_rss
            if not drained:
                # Requests wrk gave up on are still queued; they would be billed to the next scenario.
                notes.append(f"server or database still busy {IDLE_LIMIT:.0f} s after the run, restarted")
                server.stop()
                await databases.cancel_queries(url)
                try:
                    server, openapi = await _start_lanekit(backend, url, dataset, options, loader)
                except RuntimeError as exc:
                    print(f"bench: {backend}: the server did not start again: {exc}", file=sys.stderr)
                    result.note = "; ".join(notes)
                    results += [
                        Result(
                            s.key,
                            s.title,
                            backend,
                            available=False,
                            note="not run: the server did not restart",
                        )
                        for s in options.scenarios[position + 1 :]
                    ]
                    break
            result.note = "; ".join(notes)
            print(f"bench: {backend}: ({scenario.key}) {result.rps} req/s, {result.errors} errors "
                  f"{result.note}", flush=True)  # fmt: skip
        timings: list[Timing] = []
        if options.timed:
            idle = next((r.p99_ms for r in results if r.scenario == "a" and r.available), None)
            timings = await run_timed(
                server, loader, dataset, backend=backend, duration=options.duration, idle_card_p99_ms=idle
            )
            for t in timings:
                print(f"bench: {backend}: {t.key} {t.value} {t.unit} (target {t.target}) {t.note}",
                      flush=True)  # fmt: skip
    finally:
        server.stop()
    with_floor([floor_result, *results], floor_result.rps)
    return [floor_result, *results], timings


async def run_in_process(
    client: httpx.AsyncClient,
    *,
    backend: str,
    dataset: Dataset,
    database_url: str,
    scenarios: list[Scenario],
    concurrency: int = 4,
    total: int = 40,
) -> list[Result]:
    """The smoke path: the same scenarios, requests and results, sent through an in-process client."""
    openapi = (await client.get("/io/openapi.json")).json()
    loader = HttpxLoader(client, concurrency=concurrency, total=total)
    results = []
    for scenario in scenarios:
        result = await measure(
            scenario, backend=backend, dataset=dataset, database_url=database_url, openapi=openapi,
            count=max(total * 2, 100), load=loader.run,
        )  # fmt: skip
        results.append(result)
    return results


def results_path() -> Path:
    return databases.REPO / "bench" / "results" / "latest.json"
