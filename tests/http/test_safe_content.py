"""Safe URLs and HTML: card link URLs keep to http, https and mailto; board descriptions are sanitised."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lanekit.domain.boards.templates import DEFAULT_TEMPLATE_ID
from lanekit.storage.tables import boards, cards
from tests.factories.boards import make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio

UNSAFE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript\n:alert(1)",
    "\x01javascript:alert(1)",
    "\u200bjavascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "http://example.com/\x00",
    "//evil.example/path",
]
SAFE_URLS = ["https://www.leankit.com", "HTTP://example.com/a?b=c", "mailto:team@example.com"]


async def _setup(lanekit: Lanekit) -> tuple[Tenant, Any, Any]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        card = await make_card(conn, board, by=tenant.admin)
    return tenant, board, card


async def _stored_links(lanekit: Lanekit, board_id: int) -> list[Any]:
    async with lanekit.db.read() as conn:
        rows = await conn.execute(select(cards.c.external_links).where(cards.c.board_id == board_id))
        return [r.external_links for r in rows]


@pytest.mark.parametrize("url", UNSAFE_URLS)
async def test_card_writes_refuse_unsafe_link_urls(lanekit: Lanekit, url: str) -> None:
    tenant, board, card = await _setup(lanekit)
    admin = lanekit.as_admin(tenant)
    before = await _stored_links(lanekit, board.id)

    created = await admin.post(
        "/io/card",
        json={"boardId": str(board.id), "title": "x", "externalLink": {"label": "l", "url": url}},
    )
    assert created.status_code == 422, created.text
    assert created.json()["message"].startswith("externalLink/url:")

    link = {"label": "l", "url": url}
    patched = await admin.patch(
        f"/io/card/{card.id}", json=[{"op": "add", "path": "/externalLink", "value": link}]
    )
    assert patched.status_code == 422, patched.text
    assert patched.json()["message"].startswith("#/0/value/url:")

    bulk = await admin.patch(
        "/io/card/bulk",
        json={"cardIds": [str(card.id)], "updates": [{"op": "add", "path": "/externalLink", "value": link}]},
    )
    assert bulk.status_code == 422, bulk.text
    assert "/url:" in bulk.json()["message"]
    assert await _stored_links(lanekit, board.id) == before


@pytest.mark.parametrize("url", SAFE_URLS)
async def test_http_https_and_mailto_links_are_kept(lanekit: Lanekit, url: str) -> None:
    tenant, board, card = await _setup(lanekit)
    admin = lanekit.as_admin(tenant)
    created = await admin.post(
        "/io/card?returnFullRecord=true",
        json={"boardId": str(board.id), "title": "x", "externalLink": {"label": "l", "url": f" {url} "}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["externalLinks"] == [{"label": "l", "url": url}]
    patched = await admin.patch(
        f"/io/card/{card.id}",
        json=[{"op": "add", "path": "/externalLink", "value": {"label": "m", "url": url}}],
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["externalLinks"] == [{"label": "m", "url": url}]


async def test_a_label_without_url_is_still_a_link(lanekit: Lanekit) -> None:
    tenant, board, _ = await _setup(lanekit)
    created = await lanekit.as_admin(tenant).post(
        "/io/card?returnFullRecord=true",
        json={"boardId": str(board.id), "title": "x", "externalLink": {"label": "see desk", "url": " "}},
    )
    assert created.status_code == 201
    assert created.json()["externalLinks"] == [{"label": "see desk", "url": None}]


DIRTY = '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">x</a></p>'
CLEAN = '<p>Hi <a rel="noopener noreferrer">x</a></p>'


async def _stored_description(lanekit: Lanekit, board_id: str) -> str:
    async with lanekit.db.read() as conn:
        value = (
            await conn.execute(select(boards.c.description).where(boards.c.id == int(board_id)))
        ).scalar()
    assert isinstance(value, str)
    return value


async def test_board_descriptions_are_sanitised_on_create_patch_and_copy(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    created = await admin.post("/io/board", json={"title": "B", "description": DIRTY})
    assert created.status_code == 200, created.text
    board_id = created.json()["id"]
    assert await _stored_description(lanekit, board_id) == CLEAN
    assert (await admin.get(f"/io/board/{board_id}")).json()["description"] == CLEAN

    patched = await admin.patch(f"/io/board/{board_id}", json={"description": DIRTY.replace("Hi", "Yo")})
    assert patched.status_code == 204, patched.text
    assert await _stored_description(lanekit, board_id) == CLEAN.replace("Hi", "Yo")

    for source in ({"fromBoardId": board_id}, {"templateId": str(DEFAULT_TEMPLATE_ID)}):
        copied = await admin.post("/io/board", json={"title": "C", "description": DIRTY, **source})
        assert copied.status_code == 200, copied.text
        assert await _stored_description(lanekit, copied.json()["id"]) == CLEAN


async def test_plain_board_descriptions_are_unchanged(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    created = await admin.post("/io/board", json={"title": "B", "description": 'Tom & Jerry\'s "board"'})
    assert await _stored_description(lanekit, created.json()["id"]) == 'Tom & Jerry\'s "board"'
