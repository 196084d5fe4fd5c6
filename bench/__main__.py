"""`python -m bench`: run the load scenarios of issue 5 against `lanekit serve` and the raw-driver floor."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bench import report
from bench.run import Options, Result, results_path, run_backend
from bench.scenarios import SCENARIOS, by_keys
from bench.setup import ensure_wrk
from bench.timed import Timing


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a small data set and short runs (< 3 minutes)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--duration", type=float, help="seconds per scenario (default 20, quick 4)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per server (default 3, quick 1)")
    parser.add_argument(
        "--scenarios", help=f"comma-separated subset of {','.join(s.key for s in SCENARIOS)} (default all)"
    )
    parser.add_argument("--keep-data", action="store_true", help="reuse the loaded data set when it matches")
    parser.add_argument("--no-timed", action="store_true", help="skip the timed sequences (exports, SCIM)")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--note", default="", help="a paragraph to put above the table in docs/benchmarks.md")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = Options(
        backends=("sqlite", "postgresql") if args.backend == "both" else (args.backend,),
        quick=args.quick,
        workers=args.workers,
        connections=args.connections,
        threads=args.threads,
        duration=args.duration or (4.0 if args.quick else 20.0),
        warmup=args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0),
        scenarios=by_keys(args.scenarios.split(",") if args.scenarios else None),
        keep_data=args.keep_data,
        timed=not args.no_timed,
    )
    wrk = ensure_wrk()
    started = time.monotonic()
    results: list[Result] = []
    timings: list[Timing] = []
    for backend in options.backends:
        measured, timed = asyncio.run(run_backend(backend, options, wrk))
        results += measured
        timings += timed
    print()
    print(report.table(results))
    print(report.timed_table(timings))
    report.write_json(results_path(), options, results, timings)
    if not args.no_doc:
        report.write_doc(options, results, args.note, timings)
    print(f"\nbench: done in {time.monotonic() - started:.0f}s; wrote {results_path()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
