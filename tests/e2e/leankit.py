"""Drive a live Lanekit server with the official LeanKit node client (`leankit-client`, see package.json).

The first use installs the client with `npm ci` into `<repo>/.cache/leankit-client/` (or
`$LANEKIT_NODE_CACHE`), under a file lock so concurrent runs do not clash; later uses find it there.
A program is a list of calls run in order by `driver.js`, one node process per program:

    results = run_leankit(server, basic_auth(email, password), [
        call("auth.token.create", "CI"),
        call("user.me", auth=token_auth(ref("0.data.token"))),
        call("auth.token.revoke", ref("0.data.id")),
    ])
    assert results[1].status == 200

`call` takes any dotted path on the client (`board.list`, `card.create`, `v1.board.get`…): adding a
later issue's endpoints needs no change here.  `ref("N.path")` is result N's value at that path (a
negative N counts back from the step that uses it).  Files cross as paths: `read_stream(path)` is an
argument the driver opens for reading (an upload's `file`), `write_stream(path)` one it opens for writing
(the stream a download pipes into).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

E2E_DIR = Path(__file__).resolve().parent
REPO_DIR = E2E_DIR.parents[1]
DRIVER = E2E_DIR / "driver.js"
CLIENT_VERSION = "2.4.0"
# leankit-client 0.6.0, installed beside 2.4.0 under an npm alias (package.json), for the legacy v1 API.
OLD_CLIENT_VERSION = "0.6.0"
OLD_CLIENT_ALIAS = "leankit-client-0.6.0"
NPM_FILES = ("package.json", "package-lock.json")
INSTALL_TIMEOUT_SECONDS = 300
PROGRAM_TIMEOUT_SECONDS = 60


class HasUrl(Protocol):
    @property
    def url(self) -> str: ...


@dataclass(frozen=True)
class Result:
    """One call's outcome as the client reported it: its status and parsed body, or its error."""

    ok: bool
    status: int | None
    data: Any
    message: str | None = None
    status_text: str | None = None
    # Legacy (/kanban/api) calls the client resolves or rejects by their envelope's ReplyCode.
    reply_code: int | None = None


def cache_dir() -> Path:
    return Path(os.environ.get("LANEKIT_NODE_CACHE", REPO_DIR / ".cache" / "leankit-client"))


def _install_digest() -> str:
    digest = hashlib.sha256()
    for name in NPM_FILES:
        digest.update((E2E_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def install_client() -> Path:
    """The installed `leankit-client` package directory, installing it first when needed."""
    cache = cache_dir()
    module = cache / "node_modules" / "leankit-client"
    marker = cache / f".installed-{_install_digest()}"
    if marker.exists():
        return module
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"the end-to-end tests need `{tool}` (Node.js 20) on PATH")
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():  # another run installed it while we waited
            return module
        for old in cache.glob(".installed-*"):
            old.unlink()
        for name in NPM_FILES:
            shutil.copyfile(E2E_DIR / name, cache / name)
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=cache,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci of leankit-client failed in {cache}:\n{done.stdout}\n{done.stderr}")
        installed = json.loads((module / "package.json").read_text())["version"]
        if installed != CLIENT_VERSION:
            raise RuntimeError(f"npm installed leankit-client {installed}, expected {CLIENT_VERSION}")
        marker.touch()
    return module


def basic_auth(email: str, password: str, **config: Any) -> dict[str, Any]:
    """Client credentials for Basic auth; `config` is the client's request options (headers, proxy)."""
    return {"email": email, "password": password, **({"config": config} if config else {})}


def token_auth(token: str | Mapping[str, Any], **config: Any) -> dict[str, Any]:
    """Client credentials for Bearer auth; `token` may be a `ref(...)` to a created token."""
    return {"token": token, **({"config": config} if config else {})}


def ref(path: str) -> dict[str, str]:
    """A value taken from an earlier result: "0.data.token", "-1.data.id"…"""
    return {"$ref": path}


def read_stream(path: Path | str) -> dict[str, str]:
    """An argument the driver replaces with `fs.createReadStream(path)`."""
    return {"$file": str(path)}


def write_stream(path: Path | str) -> dict[str, str]:
    """An argument the driver replaces with `fs.createWriteStream(path)`; the step's result is reported
    once the file is completely written."""
    return {"$saveTo": str(path)}


def call(path: str, *args: Any, auth: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One step: the client function at the dotted `path`, its arguments, optionally other credentials."""
    step: dict[str, Any] = {"call": path, "args": list(args)}
    if auth is not None:
        step["auth"] = dict(auth)
    return step


def run_program(program: Mapping[str, Any]) -> list[Result]:
    """Runs a raw driver program (see driver.js) and returns one Result per call."""
    module = install_client()
    if program.get("client") == OLD_CLIENT_VERSION:
        module = module.parent / OLD_CLIENT_ALIAS
    done = subprocess.run(
        ["node", str(DRIVER)],
        input=json.dumps(program),
        capture_output=True,
        text=True,
        timeout=PROGRAM_TIMEOUT_SECONDS,
        env={**os.environ, "LEANKIT_CLIENT_MODULE": str(module)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"driver.js exited with {done.returncode}:\n{done.stderr}")
    return [
        Result(
            ok=item["ok"],
            status=item["status"],
            data=item["data"],
            message=item.get("message"),
            status_text=item.get("statusText"),
            reply_code=item.get("replyCode"),
        )
        for item in json.loads(done.stdout)
    ]


def run_leankit(
    server: HasUrl | str, auth: Mapping[str, Any], calls: Sequence[Mapping[str, Any]]
) -> list[Result]:
    """Runs `calls` in order with one leankit-client per distinct set of credentials against `server`."""
    account = server if isinstance(server, str) else server.url
    return run_program({"account": account, "auth": dict(auth), "calls": list(calls)})


def run_leankit_06(
    server: HasUrl | str, email: str, password: str, calls: Sequence[Mapping[str, Any]]
) -> list[Result]:
    """Runs `calls` (method names of leankit-client 0.6.0, such as `getBoards`, with their arguments but not
    the callback) in order with one 0.6.0 client using Basic credentials."""
    account = server if isinstance(server, str) else server.url
    program = {
        "client": OLD_CLIENT_VERSION,
        "account": account,
        "auth": {"email": email, "password": password},
        "calls": list(calls),
    }
    return run_program(program)
