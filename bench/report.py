"""The bench's outputs: a markdown table, `bench/results/latest.json`, and `docs/benchmarks.md`."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.run import Options, Result
from bench.timed import Timing

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> dict[str, Any]:
    memory_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), ""
    )
    return {"nproc": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version()}  # fmt: skip


def _cell(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _na(value: float | None, digits: int) -> str:
    """A data-path figure: "n/a" where the backend cannot have it (SQLite connections and statements)."""
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _cpu(r: Result) -> str:
    if r.cpu_ms_per_req is None:
        return "-"
    if r.db_cpu_ms_per_req is None:
        return f"{r.cpu_ms_per_req:,.2f}"
    return f"{r.cpu_ms_per_req:,.2f} ({r.server_cpu_ms_per_req or 0:,.2f} + {r.db_cpu_ms_per_req:,.2f})"


def _rss(r: Result) -> str:
    """The peak of the worker (or, with several, of each worker) after this run; else the older figure."""
    if r.worker_rss_mb:
        return " / ".join(f"{mb:,.0f}" for mb in r.worker_rss_mb)
    return _cell(r.rss_mb, 0)


def table(results: list[Result]) -> str:
    lines = [
        "| scenario | backend | req/s | p50 ms | p99 ms | errors | conns/req | stmts/req | CPU ms/req "
        "(server + db) | peak RSS MB per worker | floor req/s | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        name = f"({r.scenario}) {r.title}" if r.scenario != "floor" else r.title
        if not r.available:
            lines.append(f"| {name} | {r.backend} | {r.note or 'not available'} | | | | | | | | | |")
            continue
        note = f" ({r.note})" if r.note else ""
        rps = _cell(r.rps, 1 if (r.rps or 0) < 100 else 0)
        measured = r.cpu_ms_per_req is not None  # the in-process smoke path has no probe
        conns = _na(r.connections_per_req, 3) if measured else "-"
        stmts = _na(r.statements_per_req, 1) if measured else "-"
        lines.append(
            f"| {name}{note} | {r.backend} | {rps} | {_cell(r.p50_ms, 1)} | {_cell(r.p99_ms, 1)} | "
            f"{_cell(r.errors)} | {conns} | {stmts} | {_cpu(r)} | {_rss(r)} | {_cell(r.floor_rps, 0)} | "
            f"{_cell(r.ratio, 2)} |"
        )
    return "\n".join(lines)


def meta(options: Options) -> dict[str, Any]:
    spec = options.spec
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "mode": "quick" if options.quick else "full",
        "dataset": {"boards": spec.boards, "cards": spec.cards, "largest_board": spec.largest,
                    "events": spec.events, "users": spec.users, "seed": spec.seed},
        "workers": options.workers,
        "connections": options.connections,
        "wrk_threads": options.threads,
        "duration_s": options.duration,
    }  # fmt: skip


def timed_table(timings: list[Timing]) -> str:
    """The timed sequences (`bench/timed.py`) against their targets."""
    if not timings:
        return ""
    lines = ["| sequence | backend | measured | target | met | note |", "|---|---|---:|---:|---|---|"]
    for t in timings:
        value = "-" if t.value is None else f"{t.value:,} {t.unit}"
        target = "-" if t.target is None else f"≤ {t.target:,} {t.unit}"
        met = {True: "yes", False: "no", None: "-"}[t.met]
        lines.append(f"| {t.title} | {t.backend} | {value} | {target} | {met} | {t.note} |")
    return "\n".join(lines)


def write_json(
    path: Path, options: Options, results: list[Result], timings: list[Timing] | None = None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        **meta(options),
        "results": [r.to_json() for r in results],
        "timed": [t.to_json() for t in timings or []],
    }
    path.write_text(json.dumps(body, indent=2) + "\n")


def write_doc(
    options: Options, results: list[Result], note: str, timings: list[Timing] | None = None
) -> None:
    m = meta(options)
    hw = m["machine"]
    ds = m["dataset"]
    text = f"""# Benchmarks

The latest run of `python -m bench` (see `bench/README.md` for how to run it and read it).  Each figure is
also given as a ratio to the floor (`bench/floor.py`: a bare Starlette app reading the same card row with the
raw driver), measured minutes apart with the same worker count on the same machine.

- Date: {m["date"]}
- Machine: {hw["nproc"]} CPUs (`nproc`), {hw["memory_gb"]} GB memory, {hw["cpu"] or "unknown CPU"},
  Python {hw["python"]}
- Mode: {m["mode"]} ({ds["boards"]} boards, {ds["cards"]:,} cards, largest board
  {ds["largest_board"]:,} cards, {ds["events"]:,} events, {ds["users"]} users, seed {ds["seed"]})
- Load: `lanekit serve --workers {m["workers"]}`, wrk with {m["connections"]} connections and
  {m["wrk_threads"]} threads, {m["duration_s"]:g} s per scenario
{note and chr(10) + note + chr(10)}
{table(results)}

"not available" means the server's OpenAPI document does not list the scenario's route yet.
The data-path columns are measured from outside the server while wrk runs (`bench/probe.py`):
conns/req is the database sessions PostgreSQL established to the bench database per request (n/a on SQLite,
whose connections live inside the worker); stmts/req is the statements the bench database's sessions
executed per request, counted in PostgreSQL's log with `log_statement = 'all'` set for that database during
the run (n/a on SQLite); CPU ms/req is the CPU time of the server's processes plus their PostgreSQL backends
(sampled every 0.5 s from `/proc`) divided by the requests completed, with the two parts in brackets
(on SQLite the database runs inside the worker and is part of its figure). Peak RSS is the VmHWM of each
worker process since it started, read after each scenario, so it only grows through a run.
"""
    if timings:
        text += f"""
## Timed sequences

What one client waits for, measured after the scenarios against the same server (`bench/timed.py`): full
exports of the reporting API read to the end, the card GET's p99 while exports stream beside it, and SCIM
lookups and a full import the way an identity provider sends them.

{timed_table(timings)}
"""
    DOC.write_text(text)
