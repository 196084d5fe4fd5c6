"""The report shows what the probe measured per request, and "n/a" where a backend cannot have it."""

from __future__ import annotations

from bench.probe import Costs
from bench.run import Result
from bench.timed import Timing

from bench import report


def _row(result: Result) -> list[str]:
    line = report.table([result]).splitlines()[2]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_postgres_costs_are_per_request_and_split_between_server_and_database() -> None:
    result = Result("a", "GET /io/card/:id", "postgresql", available=True, rps=100.0, requests=400)
    result.add_costs(
        Costs(requests=400, server_cpu_s=0.8, db_cpu_s=0.4, connections=400, statements=2600,
              worker_rss_mb=[150.0, 160.4])
    )  # fmt: skip

    assert (result.connections_per_req, result.statements_per_req) == (1.0, 6.5)
    assert (result.cpu_ms_per_req, result.server_cpu_ms_per_req, result.db_cpu_ms_per_req) == (3.0, 2.0, 1.0)
    assert _row(result)[6:10] == ["1.000", "6.5", "3.00 (2.00 + 1.00)", "150 / 160"]


def test_sqlite_has_no_connection_or_statement_count() -> None:
    result = Result("a", "GET /io/card/:id", "sqlite", available=True, rps=100.0, requests=10)
    result.add_costs(Costs(requests=10, server_cpu_s=0.05, worker_rss_mb=[120.0]))

    assert _row(result)[6:10] == ["n/a", "n/a", "5.00", "120"]


def test_a_run_without_a_probe_shows_dashes() -> None:
    result = Result("a", "GET /io/card/:id", "test", available=True, rps=100.0, requests=10, rss_mb=99.0)

    assert _row(result)[6:10] == ["-", "-", "-", "99"]


def test_timed_sequences_are_shown_against_their_targets() -> None:
    timings = [
        Timing("export-cards", "full `cards` CSV export, total", "postgresql", 10.22, "s", 4.0, "200 rows"),
        Timing("scim-lookup", "SCIM lookup, p50", "postgresql", 2.72, "ms", 5.0),
        Timing("export-card-p99", "card GET p99 while exporting", "sqlite", 80.0, "ms", None),
    ]
    lines = report.timed_table(timings).splitlines()[2:]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]

    assert rows == [
        ["full `cards` CSV export, total", "postgresql", "10.22 s", "≤ 4.0 s", "no", "200 rows"],
        ["SCIM lookup, p50", "postgresql", "2.72 ms", "≤ 5.0 ms", "yes", ""],
        ["card GET p99 while exporting", "sqlite", "80.0 ms", "-", "-", ""],
    ]
    assert report.timed_table([]) == ""
