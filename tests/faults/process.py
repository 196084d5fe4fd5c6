"""`lanekit serve` as a child process, as an operator runs it, so that a test can SIGKILL it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

START_TIMEOUT_SECONDS = 30.0
ACCOUNT = "acme"
HOST = "acme.lanekit.test"
EMAIL = "boss@acme.example"
PASSWORD = "first-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(database_url: str, blob_dir: Path, **extra: str) -> dict[str, str]:
    # Only what the test sets: the developer's own LANEKIT_* settings must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANEKIT_")}
    env.update(
        LANEKIT_DATABASE_URL=database_url,
        LANEKIT_BLOB_DIR=str(blob_dir),
        LANEKIT_RATE_LIMIT="1000000/minute",
        **extra,
    )
    return env


def init_account(env: dict[str, str]) -> None:
    """Migrates the database and creates the account and its administrator (`lanekit init`)."""
    args = ["--account", ACCOUNT, "--email", EMAIL, "--password", PASSWORD]
    subprocess.run([sys.executable, "-m", "lanekit", "init", *args], env=env, check=True, capture_output=True)


class Server:
    """One `lanekit serve` process on a free port; `kill()` is SIGKILL, nothing is flushed or closed."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lanekit", "serve", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"lanekit serve exited with {self.process.returncode}; see {log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"lanekit serve was not ready within {START_TIMEOUT_SECONDS}s; see {log}")
            time.sleep(0.05)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"Host": HOST}, auth=(EMAIL, PASSWORD), timeout=20
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()
