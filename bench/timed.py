"""Timed sequences: what one client waits for, measured against the running server after the load scenarios.

The wrk scenarios measure a server under a steady load.  Some targets are about one client instead (issue 13's
exports, issue 14's provisioning), and each is a sequence of requests timed from outside:

- `export-cards` / `export-cardpositions`: one full export of every readable board as CSV, streamed and read
  to the end (`/io/reporting/export/<name>.csv`); the time to its first byte, its total time, and how far the
  worker's resident memory rose above what it held before the export (sampled every 50 ms from `/proc`).
- `export-card-p99`: the card GET scenario (a) run with wrk while full `cards` exports stream back to back on
  the same worker; its p99 against scenario (a)'s own p99 of the same run.
- `scim-lookup`: `GET /io/scim/v1/Users?filter=userName eq "…"`, one request at a time, on an account whose
  directory holds `Spec.directory` users; the p50.
- `scim-import`: every user of that directory, read the way an identity provider imports them (pages of
  100, `startIndex` 1, 101, …); the total time.
- `legacy-board`: the legacy board of the largest board, every card in its lanes
  (`GET /kanban/api/boards/:id`), one request at a time; its p50 against the p50 of the `/io` requests that
  carry the same data (`GET /io/board/:id`, then `GET /io/card?board=…` in pages of 1,000 until the last).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from bench.driver import Server, WrkLoader, _status_kb, auth_headers, process_tree
from bench.model import Dataset
from bench.scenarios import Request

EXPORT_TIMEOUT = 300.0
LOOKUPS = 200
PAGE = 100
BOARD_READS = 7
IO_PAGE = 1000


@dataclass(slots=True)
class Timing:
    key: str
    title: str
    backend: str
    value: float | None
    unit: str
    target: float | None
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


class _RssSampler:
    """The highest resident set of the server's processes while the block runs, above their set before."""

    def __init__(self, server: Server) -> None:
        assert server.process is not None
        self._pids = process_tree(server.process.pid)
        self.before_kb = self._now()
        self.peak_kb = self.before_kb
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _now(self) -> int:
        return max((_status_kb(p, "VmRSS") for p in self._pids), default=0)

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, self._now())

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self._now())

    @property
    def growth_mb(self) -> float:
        return round((self.peak_kb - self.before_kb) / 1024, 1)


@dataclass(frozen=True, slots=True)
class ExportRun:
    first_byte_s: float
    total_s: float
    lines: int
    status: int


async def _export(client: httpx.AsyncClient, name: str) -> ExportRun:
    started = time.perf_counter()
    first: float | None = None
    lines = 0
    async with client.stream("GET", f"/io/reporting/export/{name}.csv", timeout=EXPORT_TIMEOUT) as response:
        async for chunk in response.aiter_bytes():
            if first is None:
                first = time.perf_counter() - started
            lines += chunk.count(b"\n")
    total = time.perf_counter() - started
    return ExportRun(first if first is not None else total, total, lines, response.status_code)


async def _timed_exports(server: Server, headers: dict[str, str], backend: str) -> list[Timing]:
    out: list[Timing] = []
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as client:
        for name, total_target, first_target in (("cards", 4.0, 0.3), ("cardpositions", 10.0, None)):
            with _RssSampler(server) as rss:
                run = await _export(client, name)
            note = f"{run.lines - 1:,} rows" if run.status == 200 else f"HTTP {run.status}"
            out.append(
                Timing(
                    f"export-{name}",
                    f"full `{name}` CSV export, total",
                    backend,
                    round(run.total_s, 2),
                    "s",
                    total_target,
                    note,
                )
            )
            if first_target is not None:
                out.append(
                    Timing(
                        f"export-{name}-first-byte",
                        f"full `{name}` CSV export, first byte",
                        backend,
                        round(run.first_byte_s, 3),
                        "s",
                        first_target,
                    )
                )
            out.append(
                Timing(
                    f"export-{name}-rss",
                    f"full `{name}` CSV export, worker RSS growth",
                    backend,
                    rss.growth_mb,
                    "MB",
                    50.0,
                )
            )
    return out


async def _card_p99_while_exporting(
    server: Server,
    loader: WrkLoader,
    dataset: Dataset,
    headers: dict[str, str],
    *,
    backend: str,
    duration: float,
    idle_p99_ms: float | None,
) -> Timing:
    rng = random.Random(f"{dataset.spec.seed}-export-load")
    requests = [
        Request("GET", f"/io/card/{rng.choice(dataset.card_ids)}") for _ in range(int(duration * 6_000))
    ]
    stop = asyncio.Event()
    exports = 0

    async def export_until_stopped() -> None:
        nonlocal exports
        async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as client:
            while not stop.is_set():
                await _export(client, "cards")
                exports += 1

    streaming = asyncio.create_task(export_until_stopped())
    try:
        m = await asyncio.to_thread(loader.run, server.base_url, requests, headers, duration)
    finally:
        stop.set()
        await streaming
    target = None if idle_p99_ms is None else round(2 * idle_p99_ms, 1)
    note = f"{exports} exports ran beside {m.requests:,} card GETs; idle p99 {idle_p99_ms} ms"
    return Timing(
        "export-card-p99",
        "card GET p99 while `cards` exports stream",
        backend,
        round(m.p99_ms, 1),
        "ms",
        target,
        note,
    )


async def _scim(server: Server, dataset: Dataset, headers: dict[str, str], backend: str) -> list[Timing]:
    rng = random.Random(f"{dataset.spec.seed}-scim")
    members = dataset.directory_emails()
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as client:
        took: list[float] = []
        misses = 0
        for _ in range(LOOKUPS):
            email = rng.choice(members)
            started = time.perf_counter()
            response = await client.get("/io/scim/v1/Users", params={"filter": f'userName eq "{email}"'})
            took.append(time.perf_counter() - started)
            if response.status_code != 200 or response.json().get("totalResults") != 1:
                misses += 1
        lookup = Timing(
            "scim-lookup",
            f"SCIM lookup by userName, {len(members):,} users, p50",
            backend,
            round(statistics.median(took) * 1000, 2),
            "ms",
            5.0,
            f"{misses} of {LOOKUPS} lookups did not find exactly one user" if misses else "",
        )
        started = time.perf_counter()
        seen = 0
        start_index = 1
        while True:
            page = await client.get("/io/scim/v1/Users", params={"startIndex": start_index, "count": PAGE})
            if page.status_code != 200:
                break
            body = page.json()
            seen += len(body["Resources"])
            start_index += PAGE
            if start_index > body["totalResults"]:
                break
        total = time.perf_counter() - started
    imported = Timing(
        "scim-import",
        f"SCIM import of every user by pages of {PAGE}",
        backend,
        round(total, 2),
        "s",
        5.0,
        f"{seen:,} users read",
    )
    return [lookup, imported]


async def _p50_seconds(read: Callable[[], Awaitable[bool]], times: int) -> tuple[float, bool]:
    """The median time of `read()` over `times` runs after one unmeasured run, and whether every run got
    what it asked for."""
    ok = await read()
    took = []
    for _ in range(times):
        started = time.perf_counter()
        ok = await read() and ok
        took.append(time.perf_counter() - started)
    return statistics.median(took), ok


async def _legacy_board(server: Server, dataset: Dataset, headers: dict[str, str], backend: str) -> Timing:
    board = dataset.largest_board.id
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=120) as client:

        async def legacy() -> bool:
            response = await client.get(f"/kanban/api/boards/{board}")
            return response.status_code == 200 and response.json().get("ReplyCode") == 200

        async def io() -> bool:
            ok = (await client.get(f"/io/board/{board}")).status_code == 200
            offset = 0
            while True:
                params = {"board": board, "offset": offset, "limit": IO_PAGE}
                page = await client.get("/io/card", params=params)
                ok = ok and page.status_code == 200
                offset += IO_PAGE
                if page.status_code != 200 or offset >= page.json()["pageMeta"]["totalRecords"]:
                    return ok

        legacy_s, legacy_ok = await _p50_seconds(legacy, BOARD_READS)
        io_s, io_ok = await _p50_seconds(io, BOARD_READS)
    note = f"`/io` board and card pages: p50 {io_s * 1000:,.0f} ms"
    if not (legacy_ok and io_ok):
        note += "; some reads failed"
    return Timing("legacy-board", "legacy board with every card, p50", backend, round(legacy_s * 1000, 1),
                  "ms", round(1.5 * io_s * 1000, 1), note)  # fmt: skip


async def run_timed(
    server: Server,
    loader: WrkLoader,
    dataset: Dataset,
    *,
    backend: str,
    duration: float,
    idle_card_p99_ms: float | None,
) -> list[Timing]:
    """Every timed sequence whose route the server serves (a one-row request to it does not answer 404)."""
    headers = auth_headers("bearer", email=dataset.email, password=dataset.password, token=dataset.token)

    async def serves(path: str, params: dict[str, Any]) -> bool:
        async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as client:
            return (await client.get(path, params=params)).status_code != 404

    out: list[Timing] = []
    if await serves("/io/reporting/export/cards.csv", {"limit": 1}):
        out += await _timed_exports(server, headers, backend)
        out.append(
            await _card_p99_while_exporting(
                server,
                loader,
                dataset,
                headers,
                backend=backend,
                duration=duration,
                idle_p99_ms=idle_card_p99_ms,
            )
        )
    if await serves("/io/scim/v1/Users", {"count": 1}):
        out += await _scim(server, dataset, headers, backend)
    if await serves(f"/kanban/api/board/{dataset.largest_board.id}/getboardidentifiers", {}):
        out.append(await _legacy_board(server, dataset, headers, backend))
    return out
