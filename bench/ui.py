"""`python -m bench.ui`: the web board's performance targets (issue 16), on SQLite, one worker.

Seeds a fresh database with a board of 500 cards (all visible) and one of 20,000, serves it with
`lanekit serve`, then measures:

- the server's render of the 500-card board page (client-side latency on localhost, p50/p90 of 20);
- the 20,000-card board: its page time and how many card faces it carries (it must not load every card);
- headless Chromium (Debian's, `/usr/bin/chromium`): navigation start to interactive (lanes drawn, drag and
  drop set up), median of 5;
- a move made through the board's move endpoint, until another open browser shows it;
- 200 open boards polling the version each second, with a change every 2 s after which each re-fetches the
  lanes, as app.js does: requests per second and the server's CPU.

Needs Playwright (the `test` extra) and Chromium.  Prints the results; it changes nothing in the repository.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

EMAIL = "bench@lanekit.example"
PASSWORD = "bench-password-1"
FACE = '<li class="card'
CHROMIUM = os.environ.get("LANEKIT_CHROMIUM", "/usr/bin/chromium")


async def seed(database_url: str) -> tuple[int, int]:
    from sqlalchemy import insert

    from lanekit.domain import clock, setup
    from lanekit.domain.boards.board_page import leaf_ids
    from lanekit.domain.boards.boards import NewBoard, create_board
    from lanekit.domain.cards import positions
    from lanekit.domain.types import Actor
    from lanekit.settings import Settings
    from lanekit.storage.engine import Database, make_engine
    from lanekit.storage.migrate import upgrade
    from lanekit.storage.queries import accounts as account_queries
    from lanekit.storage.queries import lanes as lane_queries
    from lanekit.storage.queries import users as user_queries
    from lanekit.storage.tables import cards

    settings = Settings(database_url=database_url)
    engine = make_engine(settings)
    await upgrade(engine)
    db = Database(engine)
    board_ids = []
    async with db.begin() as conn:
        await setup.ensure_account_admin(
            conn, account_name="bench", email=EMAIL, password=PASSWORD, first_name="Bench", last_name="Admin"
        )
        account = await account_queries.fetch_by_name(conn, "bench")
        assert account is not None
        admin = await user_queries.fetch_by_login(conn, account_id=account.id, login=EMAIL)
        assert admin is not None
        actor = Actor(account_id=account.id, user_id=admin.id, administrator=True, board_creator=True)
        for title, count in (("Five hundred", 500), ("Twenty thousand", 20_000)):
            board = await create_board(conn, actor=actor, new=NewBoard(title=title))
            lanes = await lane_queries.list_for_board(conn, account_id=account.id, board_id=board.id)
            leaves = leaf_ids(lanes)
            now = clock.now()
            rows: list[dict[str, Any]] = []
            for i, lane_id in enumerate(leaves):
                share = count // len(leaves) + (1 if i < count % len(leaves) else 0)
                for n, rank in enumerate(positions.keys_between(None, None, share)):
                    rows.append(
                        {
                            "account_id": account.id,
                            "board_id": board.id,
                            "lane_id": lane_id,
                            "rank": rank,
                            "title": f"Card {lane_id}-{n} with a title of a usual length",
                            "description": None,
                            "type_id": board.default_card_type_id,
                            "custom_icon_id": None,
                            "priority": "normal",
                            "size": n % 5,
                            "tags": [],
                            "custom_id": f"B-{n}",
                            "external_links": [],
                            "is_blocked": n % 17 == 0,
                            "blocked_reason": "waiting" if n % 17 == 0 else None,
                            "created_on": now,
                            "updated_on": now,
                            "version": 1,
                        }
                    )
            for start in range(0, len(rows), 1000):
                await conn.execute(insert(cards), rows[start : start + 1000])
            board_ids.append(board.id)
    await db.dispose()
    return board_ids[0], board_ids[1]


def serve(database_url: str, blob_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LANEKIT_DATABASE_URL": database_url,
        "LANEKIT_BLOB_DIR": blob_dir,
        "LANEKIT_DEFAULT_ACCOUNT": "bench",
        "LANEKIT_RATE_LIMIT": "10000000/minute",
    }
    lanekit = Path(sys.executable).with_name("lanekit")
    process = subprocess.Popen(
        [str(lanekit), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("lanekit serve did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sign_in(client: httpx.Client) -> str:
    form = client.get("/sign-in")
    nonce = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert nonce
    client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf": nonce.group(1)})
    page = client.get("/boards")
    csrf = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page.text)
    assert csrf
    return csrf.group(1)


def timed_gets(client: httpx.Client, path: str, n: int) -> tuple[list[float], str]:
    client.get(path)
    times, text = [], ""
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        text = response.text
    return sorted(times), text


def browser_numbers(base: str, cookie: str, small: int, csrf: str, client: httpx.Client) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    ready = "document.querySelector('ol.cards') && document.querySelector('ol.cards')._sortable"
    results: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.add_cookies([{"name": "lanekit_session", "value": cookie, "url": base}])
        page = context.new_page()
        samples = []
        for _ in range(5):
            page.goto(f"{base}/board/{small}", wait_until="commit")
            page.wait_for_function(ready)
            samples.append(page.evaluate("performance.now()"))
        results["interactive_ms"] = statistics.median(samples)
        # A move through the board's move endpoint (what a drop sends), seen by this open board.
        first = page.locator("ol.cards").nth(0).locator("li.card").first
        card_id = first.get_attribute("data-card-id")
        target = page.locator("ol.cards").nth(3).get_attribute("data-lane-id")
        started = time.perf_counter()
        moved = client.post(
            f"/board/{small}/move",
            json={"cardId": card_id, "laneId": target, "index": 0},
            headers={"X-CSRF-Token": csrf},
        )
        assert moved.status_code == 200, moved.text
        page.wait_for_selector(f"ol.cards[data-lane-id='{target}'] li.card[data-card-id='{card_id}']")
        results["move_seen_ms"] = (time.perf_counter() - started) * 1000
        browser.close()
    return results


async def pollers(
    base: str, cookie: str, board_id: int, pid: int, n: int, seconds: float
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(
        base_url=base, cookies={"lanekit_session": cookie}, limits=limits, timeout=60
    ) as client:
        first = (await client.get(f"/board/{board_id}/version")).json()["version"]
        counts = {"version": 0, "lanes": 0}
        stop = time.monotonic() + seconds

        async def browser(i: int) -> None:
            seen = first
            await asyncio.sleep(i / n)
            while time.monotonic() < stop:
                started = time.monotonic()
                version = (await client.get(f"/board/{board_id}/version")).json()["version"]
                counts["version"] += 1
                if version != seen:
                    seen = version
                    await client.get(f"/board/{board_id}/lanes")
                    counts["lanes"] += 1
                await asyncio.sleep(max(0.0, 1 - (time.monotonic() - started)))

        async def changes() -> int:
            made = 0
            csrf = ""
            page = await client.get("/boards")
            found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page.text)
            if found:
                csrf = found.group(1)
            while time.monotonic() < stop - 1:
                await asyncio.sleep(2)
                lanes = (await client.get(f"/board/{board_id}/lanes")).text
                lane = re.findall(r'<ol class="cards" id="cards-(\d+)"', lanes)[1]
                await client.post(
                    f"/board/{board_id}/card",
                    data={"title": f"change {made}", "laneId": lane},
                    headers={"X-CSRF-Token": csrf},
                )
                made += 1
            return made

        before, started = cpu_seconds(pid), time.monotonic()
        results = await asyncio.gather(changes(), *(browser(i) for i in range(n)))
        elapsed, used = time.monotonic() - started, cpu_seconds(pid) - before
    total = counts["version"] + counts["lanes"]
    return {
        "clients": n,
        "seconds": elapsed,
        "changes": float(results[0]),
        "requests_per_second": total / elapsed,
        "lanes_fetches": float(counts["lanes"]),
        "cpu_percent_of_one_core": 100 * used / elapsed,
    }


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="lanekit-bench-ui-"))
    database_url = f"sqlite:///{workdir / 'ui.sqlite3'}"
    port = 18765
    try:
        small, large = asyncio.run(seed(database_url))
        server = serve(database_url, str(workdir / "blobs"), port)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                csrf = sign_in(client)
                cookie = client.cookies["lanekit_session"]
                times, html = timed_gets(client, f"/board/{small}", 20)
                faces = html.count(FACE)
                print(
                    f"500-card board page:    p50 {times[10]:.0f} ms, p90 {times[18]:.0f} ms, {faces} faces"
                )
                big, html = timed_gets(client, f"/board/{large}", 5)
                faces = html.count(FACE)
                print(
                    f"20,000-card board page: p50 {big[2]:.0f} ms, {faces} faces (of 20,000), "
                    f"{len(html) // 1024} KiB"
                )
                for name, value in browser_numbers(base, cookie, small, csrf, client).items():
                    print(f"chromium {name}: {value:.0f}")
            polled = asyncio.run(pollers(base, cookie, small, server.pid, 200, 20))
            print(
                f"200 open boards, 1 poll/s, a change every 2 s: {polled['requests_per_second']:.0f} req/s, "
                f"server CPU {polled['cpu_percent_of_one_core']:.0f}% of one core "
                f"({polled['changes']:.0f} changes, {polled['lanes_fetches']:.0f} lane refreshes)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
