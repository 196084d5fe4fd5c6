"""The bench's own setup step: make sure `wrk` (the Debian package) is on the PATH.

Run by `python -m bench` before any scenario, or alone with `python -m bench.setup`.  The test suite never
calls it: the smoke test drives the scenarios in-process instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def _apt(*args: str) -> None:
    prefix: list[str] = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*prefix, "apt-get", *args], check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_wrk() -> str:
    """The path of `wrk`, installing the Debian package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise SystemExit("bench: wrk is not installed and apt-get is not available; install wrk by hand")
    print("bench: installing wrk (apt-get install -y wrk)", file=sys.stderr, flush=True)
    try:
        _apt("install", "-y", "wrk")
    except subprocess.CalledProcessError:
        # A fresh container has no package lists yet.
        _apt("update")
        _apt("install", "-y", "wrk")
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: apt-get finished but wrk is still not on the PATH")
    return found


if __name__ == "__main__":
    print(ensure_wrk())
