"""The bench's outputs: a markdown table, `bench/results/latest.json`, and `docs/benchmarks.md`."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.run import Options, Result

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


def table(results: list[Result]) -> str:
    lines = [
        "| scenario | backend | req/s | p50 ms | p99 ms | errors | peak RSS MB | floor req/s | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        name = f"({r.scenario}) {r.title}" if r.scenario != "floor" else r.title
        if not r.available:
            lines.append(f"| {name} | {r.backend} | {r.note or 'not available'} | | | | | | |")
            continue
        note = f" ({r.note})" if r.note else ""
        rps = _cell(r.rps, 1 if (r.rps or 0) < 100 else 0)
        lines.append(
            f"| {name}{note} | {r.backend} | {rps} | {_cell(r.p50_ms, 1)} | {_cell(r.p99_ms, 1)} | "
            f"{_cell(r.errors)} | {_cell(r.rss_mb, 0)} | {_cell(r.floor_rps, 0)} | {_cell(r.ratio, 2)} |"
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


def write_json(path: Path, options: Options, results: list[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {**meta(options), "results": [r.to_json() for r in results]}
    path.write_text(json.dumps(body, indent=2) + "\n")


def write_doc(options: Options, results: list[Result], note: str) -> None:
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
Peak RSS is the highest VmHWM of any one server process (the worker) since it started, read after each
scenario, so it only grows through a run.
"""
    DOC.write_text(text)
