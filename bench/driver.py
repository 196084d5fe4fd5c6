"""Load drivers and the server processes they measure.

`WrkLoader` runs `wrk` with `wrk/replay.lua` against a server on a socket; `HttpxLoader` replays the same
requests in-process with a few concurrent httpx tasks (the smoke test, where wrk may be missing).  `Server`
starts `lanekit serve` or the floor as a child process on a free port, waits until it is ready, samples the
resident memory of its process tree, and stops it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.scenarios import Request, write_requests

BENCH_DIR = Path(__file__).resolve().parent
REPLAY_LUA = BENCH_DIR / "wrk" / "replay.lua"
IDLE_LIMIT = 60.0  # seconds a server may take to finish what a run left queued


@dataclass(frozen=True, slots=True)
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # responses other than 2xx/3xx plus socket errors and timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def auth_headers(kind: str, *, email: str, password: str, token: str) -> dict[str, str]:
    if kind == "basic":
        raw = base64.b64encode(f"{email}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}
    return {"Authorization": f"Bearer {token}"}


# --- wrk ----------------------------------------------------------------------------------------------


class WrkLoader:
    def __init__(self, wrk: str, *, connections: int, threads: int, work_dir: Path) -> None:
        self.wrk = wrk
        self.connections = connections
        self.threads = max(1, min(threads, connections))
        self.work_dir = work_dir

    def run(
        self, base_url: str, requests: list[Request], headers: dict[str, str], duration: float
    ) -> Measurement:
        file = self.work_dir / "requests.tsv"
        write_requests(requests, file)
        command = [
            self.wrk, f"-t{self.threads}", f"-c{self.connections}", f"-d{max(1, round(duration))}s",
            "--timeout", "10s", "-s", str(REPLAY_LUA),
        ]  # fmt: skip
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += [base_url, "--", str(file), str(self.threads)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
        line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(
                f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            )
        raw = json.loads(line.removeprefix("BENCH_JSON "))
        errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
        return Measurement(
            requests=raw["requests"], seconds=raw["duration_us"] / 1e6, p50_ms=raw["p50_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000, errors=errors,
        )  # fmt: skip


# --- in-process ---------------------------------------------------------------------------------------


class HttpxLoader:
    """Sends `total` requests of the list in order through `client`, `concurrency` at a time."""

    def __init__(self, client: httpx.AsyncClient, *, concurrency: int, total: int) -> None:
        self.client = client
        self.concurrency = concurrency
        self.total = total

    async def run(self, requests: list[Request], headers: dict[str, str]) -> Measurement:
        latencies: list[float] = []
        errors = 0
        cursor = 0

        async def worker() -> None:
            nonlocal cursor, errors
            while cursor < self.total:
                r = requests[cursor % len(requests)]
                cursor += 1
                extra = dict(headers)
                if r.version:
                    extra["x-lk-resource-version"] = r.version
                if r.body:
                    extra["Content-Type"] = "application/json"
                began = time.perf_counter()
                try:
                    response = await self.client.request(
                        r.method, r.path, content=r.body or None, headers=extra
                    )
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - began)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        elapsed = time.perf_counter() - started
        latencies.sort()
        return Measurement(
            requests=len(latencies), seconds=elapsed, p50_ms=_percentile(latencies, 50) * 1000,
            p99_ms=_percentile(latencies, 99) * 1000, errors=errors,
        )  # fmt: skip


def _percentile(ordered: Sequence[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


# --- server processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces; the parent pid is the second field after its closing paren.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def process_tree(pid: int) -> list[int]:
    tree = [pid]
    for child in _children(pid):
        tree.extend(process_tree(child))
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """A child process serving HTTP on `port`; its whole process tree is measured and stopped."""

    def __init__(self, name: str, command: list[str], *, env: dict[str, str], port: int, log: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._peak_kb = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, timeout: float = 90.0) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                cwd=BENCH_DIR.parent,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                if httpx.get(self.base_url + ready_path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready after {timeout:.0f}s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def rss_mb(self) -> float:
        """The highest peak resident set (VmHWM) of any one process of the server so far."""
        assert self.process is not None
        peak = max((_status_kb(p, "VmHWM") for p in process_tree(self.process.pid)), default=0)
        self._peak_kb = max(self._peak_kb, peak)
        return round(self._peak_kb / 1024, 1)

    def cpu_seconds(self) -> float:
        assert self.process is not None
        ticks = 0
        for pid in process_tree(self.process.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, *, limit: float = IDLE_LIMIT) -> bool:
        """Wait until the server has finished the requests wrk left behind (it used < 5% CPU for 0.5 s).

        wrk stops sending at the end of a run, but the server still works through what is queued; without
        this, a slow scenario's tail would be measured as part of the next one.  False when still busy.
        """
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < limit:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.025:
                return True
            before = now
        return False

    def sample_while(self) -> _Sampling:
        return _Sampling(self)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The server runs in a session of its own, so its group holds exactly the processes it started.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


class _Sampling:
    """Samples VmRSS of the server's processes every 0.2 s; VmHWM is read at the end as well."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        assert self.server.process is not None
        while not self._stop.wait(0.2):
            for pid in process_tree(self.server.process.pid):
                self.server._peak_kb = max(self.server._peak_kb, _status_kb(pid, "VmRSS"))

    def __enter__(self) -> _Sampling:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def lanekit_server(*, database_url: str, account: str, workers: int, log: Path) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANEKIT_")}
    env.update(
        LANEKIT_DATABASE_URL=database_url,
        LANEKIT_RATE_LIMIT="100000000/minute",
        LANEKIT_DEFAULT_ACCOUNT=account,
    )
    command = [sys.executable, "-m", "lanekit", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    return Server("lanekit serve", command, env=env, port=port, log=log)


def floor_server(*, database_url: str, workers: int, log: Path) -> Server:
    port = free_port()
    env = {**os.environ, "BENCH_FLOOR_DATABASE_URL": database_url, "PYTHONPATH": str(BENCH_DIR.parent)}
    command = [sys.executable, "-m", "uvicorn", "bench.floor:app_from_environment", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    return Server("floor", command, env=env, port=port, log=log)
