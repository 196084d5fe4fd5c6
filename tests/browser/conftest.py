"""A real server holding the demo board, and Debian's Chromium driven by Playwright (decision 200).

One server and one browser serve the whole module (each test opens its own browser context, so cookies do
not leak between tests); the server runs on SQLite only, to keep the browser tests to a few seconds each.
Chromium comes from the distribution (`/usr/bin/chromium`, installed by `.ci/run` when missing), never from
`playwright install`; without it these tests fail, they are not skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from lanekit.domain.setup import seed_demo_board
from lanekit.storage.executor import Connection
from tests.conftest import _settings
from tests.e2e.server import LiveServer, serve
from tests.factories.users import DEFAULT_PASSWORD
from tests.harness import Tenant, basic

CHROMIUM = os.environ.get("LANEKIT_CHROMIUM", "/usr/bin/chromium")
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@dataclass
class Demo:
    server: LiveServer
    tenant: Tenant
    board_id: int
    domain: str

    @property
    def url(self) -> str:
        return self.server.url

    def login(self, local: str) -> str:
        return f"{local}@{self.domain}"

    def api(self) -> httpx.Client:
        """The /io API as the demo's administrator."""
        return httpx.Client(
            base_url=self.url, headers=basic(self.tenant.admin.email, DEFAULT_PASSWORD), timeout=30
        )


@pytest.fixture(scope="module")
def demo(database_urls: dict[str, str]) -> Iterator[Demo]:
    name = f"ui{uuid.uuid4().hex[:10]}"
    with serve(_settings(database_urls["sqlite"], default_account=name)) as server:
        tenant = server.tenant(name)

        async def seed(conn: Connection) -> int:
            return await seed_demo_board(
                conn, account_id=tenant.account.id, admin_email=tenant.admin.email, password=DEFAULT_PASSWORD
            )

        board_id = server.run(seed)
        yield Demo(server, tenant, board_id, tenant.admin.email.partition("@")[2])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page in a fresh browser context, with the console errors and failed requests it saw."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def sign_in(self, demo: Demo, email: str) -> None:
        self.page.goto(demo.url + "/sign-in")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", DEFAULT_PASSWORD)
        self.page.click("form.signin button[type=submit]")
        self.page.wait_for_url("**/boards")

    def open_board(self, demo: Demo) -> None:
        self.page.click(f"ul.all a[href='/board/{demo.board_id}']")
        self.page.wait_for_selector(".board-page .lanes")

    def card(self, title: str) -> Any:
        return self.page.locator("li.card", has_text=title)

    def lane_cards(self, title: str) -> Any:
        return self.page.locator(f"ol.cards[aria-label='{title}']")


@pytest.fixture
def open_tab(browser: Browser) -> Iterator[Any]:
    contexts = []

    def make() -> Tab:
        context = browser.new_context(viewport={"width": 1920, "height": 1000})
        contexts.append(context)
        tab = Tab(context.new_page())

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                tab.errors.append(message.text)

        tab.page.on("console", on_console)
        tab.page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        return tab

    yield make
    for context in contexts:
        context.close()
