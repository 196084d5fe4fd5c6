"""`lanekit serve [--demo] | init | migrate | backup DEST | restore SRC`: a thin shell over the same domain
code the API uses."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lanekit.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from lanekit.storage import backup

DEMO_ACCOUNT = "demo"
DEMO_EMAIL = "demo@lanekit.example"
DEMO_PASSWORD = "lanekit-demo"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lanekit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="seed a demo account when the database is empty")

    init = commands.add_parser("init", help="create an account and its administrator")
    init.add_argument("--account", required=True)
    init.add_argument("--email", required=True)
    init.add_argument("--password", required=True)
    init.add_argument("--first-name", default="Admin")
    init.add_argument("--last-name", default="User")

    commands.add_parser("migrate", help="apply database migrations")

    backup = commands.add_parser(
        "backup", help="copy a running SQLite installation (database and attachment files) to a new directory"
    )
    backup.add_argument("dest", type=Path, help="a new (or empty) directory")

    restore = commands.add_parser(
        "restore", help="bring back a backup made by `lanekit backup` (server stopped)"
    )
    restore.add_argument("src", type=Path, help="the backup directory")
    restore.add_argument(
        "--force", action="store_true", help="overwrite a database and blob files already there"
    )
    return parser


async def _migrate(settings: Settings) -> None:
    from lanekit.storage.engine import make_engine
    from lanekit.storage.migrate import upgrade

    engine = make_engine(settings)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _init(settings: Settings, args: argparse.Namespace) -> int:
    from lanekit.domain import setup
    from lanekit.domain.errors import LanekitError
    from lanekit.storage.engine import Database, make_engine

    db = Database(make_engine(settings))
    try:
        async with db.begin() as conn:
            outcome = await setup.ensure_account_admin(
                conn,
                account_name=args.account,
                email=args.email,
                password=args.password,
                first_name=args.first_name,
                last_name=args.last_name,
            )
    except LanekitError as exc:
        print(f"lanekit init: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"lanekit init: {outcome}")
    return 0


async def _seed_demo(settings: Settings) -> bool:
    from lanekit.domain import setup
    from lanekit.storage.engine import Database, make_engine

    db = Database(make_engine(settings))
    try:
        async with db.begin() as conn:
            return await setup.seed_demo(
                conn, account_name=DEMO_ACCOUNT, email=DEMO_EMAIL, password=DEMO_PASSWORD
            )
    finally:
        await db.dispose()


def app_from_environment() -> FastAPI:
    """The uvicorn factory for worker processes: each builds its own settings and engine."""
    from lanekit.app import create_app

    app = create_app(Settings())
    # What start-up built (modules, routes, models, compiled statements: about 180,000 objects) lives as
    # long as the process.  Frozen, the collector's full passes stop scanning it: under load those passes
    # ran about once a second and paused every request for about 100 ms each, the whole p99 of a card GET
    # (docs/decisions/168-gc-freeze.md).
    gc.freeze()
    return app


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from lanekit.web.transport import uvicorn_options

    asyncio.run(_migrate(settings))
    if args.demo:
        seeded = asyncio.run(_seed_demo(settings))
        base = f"http://{args.host}:{args.port}"
        print("Lanekit demo" + (" (new demo account seeded)" if seeded else ""))
        # /io/ itself has no resource: print addresses that answer.
        print(f"  Board:    {base}/   (sign in with the login below)")
        print(f"  Docs:     {base}/io/docs")
        print(f"  API:      {base}/io/user/me   (HTTP Basic or Bearer)")
        print(f"  Login:    {DEMO_EMAIL} / {DEMO_PASSWORD}")
        print(f"  Try:      curl -u {DEMO_EMAIL}:{DEMO_PASSWORD} {base}/io/user/me", flush=True)
    uvicorn.run(
        "lanekit.cli:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,
        # Header size and count, header and body timeouts, and the connection cap (docs/decisions/151).
        **uvicorn_options(settings),
    )
    return 0


def _progress(command: str) -> Callable[[str, int, int], None] | None:
    """A percentage line rewritten in place, only when stdout is a terminal."""
    if not sys.stdout.isatty():
        return None
    shown: list[tuple[str, int]] = []

    def show(phase: str, done: int, total: int) -> None:
        percent = 100 if total <= 0 else done * 100 // total
        if shown and shown[-1] == (phase, percent):
            return
        shown[:] = [(phase, percent)]
        sys.stdout.write(f"\r{command}: {phase} {percent:3d}%\x1b[K")
        sys.stdout.flush()

    return show


def _end_progress() -> None:
    if sys.stdout.isatty():
        sys.stdout.write("\r\x1b[K")


def _contents(summary: backup.Summary) -> str:
    boards, cards = summary.counts.get("boards", 0), summary.counts.get("cards", 0)
    megabytes = summary.blob_bytes / 1_000_000
    return (
        f"schema {summary.schema_revision}; boards {boards}, cards {cards}, "
        f"attachments {summary.blobs}, {megabytes:.1f} MB"
    )


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from lanekit.storage import backup

    try:
        summary = backup.backup(
            database_url=settings.database_url,
            blob_dir=settings.blob_dir,
            dest=args.dest,
            progress=_progress("lanekit backup"),
        )
    except backup.BackupError as exc:
        _end_progress()
        print(f"lanekit backup: {exc}", file=sys.stderr)
        return 1
    _end_progress()
    print(f"lanekit backup: wrote {summary.path} ({_contents(summary)})")
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from lanekit.storage import backup

    try:
        summary = backup.restore(
            source=args.src,
            database_url=settings.database_url,
            blob_dir=settings.blob_dir,
            force=args.force,
            progress=_progress("lanekit restore"),
        )
    except backup.BackupError as exc:
        _end_progress()
        print(f"lanekit restore: {exc}", file=sys.stderr)
        return 1
    _end_progress()
    print(
        f"lanekit restore: restored the backup of {summary.created_at} ({_contents(summary)}) "
        f"into {settings.database_url} and {settings.blob_dir}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("lanekit migrate: database is at the latest revision")
        return 0
    if args.command == "init":
        asyncio.run(_migrate(settings))
        return asyncio.run(_init(settings, args))
    if args.command == "backup":
        return _backup(settings, args)
    if args.command == "restore":
        return _restore(settings, args)
    return _serve(settings, args)
