"""The web board over HTTP (docs/decisions/200-web-board.md): sessions, CSRF, throttling, access, escaping."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest

from lanekit.storage.tables import events, web_sessions
from lanekit.ui.pages import CSP
from tests.factories.boards import grant_role, make_board
from tests.factories.cards import board_lanes, make_card
from tests.factories.users import DEFAULT_PASSWORD
from tests.harness import Lanekit, Tenant, running

pytestmark = pytest.mark.anyio


def page_csrf(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
    form = await client.get("/sign-in")
    assert form.status_code == 200
    nonce = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert nonce
    return await client.post("/sign-in", data={"email": email, "password": password, "csrf": nonce.group(1)})


async def signed_in(
    lanekit: Lanekit, tenant: Tenant, email: str, password: str = DEFAULT_PASSWORD
) -> tuple[httpx.AsyncClient, str]:
    """A browser-like client with a session, and the session's CSRF token."""
    client = lanekit.client(tenant)
    response = await sign_in(client, email, password)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/boards"
    boards = await client.get("/boards")
    assert boards.status_code == 200
    return client, page_csrf(boards.text)


async def setup_board(lanekit: Lanekit, tenant: Tenant) -> Any:
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin, title="Ops board")
        lanes = await board_lanes(conn, board)
    return board, lanes


async def test_sign_in_sets_a_hashed_session_with_safe_cookie_flags(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.client(tenant)
    assert (await client.get("/boards")).headers["location"] == "/sign-in"
    response = await sign_in(client, tenant.admin.email)
    assert response.status_code == 303
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "lanekit_session=" in v
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # plain http here; see the https test below
    token = cookie.split(";")[0].split("=", 1)[1]
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(web_sessions.select().where(web_sessions.c.user_id == tenant.admin.id))
        ).all()
    assert len(rows) == 1 and token not in str(rows[0]._mapping)
    assert (await client.get("/boards")).status_code == 200


async def test_the_cookie_is_secure_over_https(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=lanekit.app), base_url=f"https://{tenant.host}"
    )
    try:
        response = await sign_in(client, tenant.admin.email)
        cookie = next(
            v for k, v in response.headers.multi_items() if k == "set-cookie" and "lanekit_session=" in v
        )
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}
    finally:
        await client.aclose()


async def test_a_wrong_password_is_refused_and_sets_no_session(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.client(tenant)
    response = await sign_in(client, tenant.admin.email, "not-the-password")
    assert response.status_code == 401
    assert "E-mail or password is incorrect." in response.text
    assert "lanekit_session" not in response.headers.get("set-cookie", "")
    assert (await client.get("/boards")).status_code == 303


async def test_sign_in_is_throttled_like_basic_sign_in(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.client(tenant, address="10.9.8.7")
    statuses = [(await sign_in(client, tenant.admin.email, "wrong-password")).status_code for _ in range(5)]
    # Three failures are free (decision 150); the fourth earns a block, so the fifth is refused unverified.
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4] == 429
    assert "Too many failed sign-ins" in (await sign_in(client, tenant.admin.email)).text


async def test_sign_in_without_the_form_token_is_refused(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.client(tenant)
    response = await client.post("/sign-in", data={"email": tenant.admin.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert "lanekit_session" not in response.headers.get("set-cookie", "")


async def test_state_changes_without_the_csrf_token_are_refused(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, board, by=tenant.admin)
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    move = {"cardId": str(card.id), "laneId": str(lanes["Doing Now"].id), "index": 0}
    refused = await client.post(f"/board/{board.id}/move", json=move)
    assert refused.status_code == 403
    wrong = await client.post(f"/board/{board.id}/move", json=move, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    assert (await client.post(f"/card/{card.id}/comment", data={"text": "hi"})).status_code == 403
    assert (await client.post("/sign-out")).status_code == 403
    moved = await client.post(f"/board/{board.id}/move", json=move, headers={"X-CSRF-Token": csrf})
    assert moved.status_code == 200
    api = await lanekit.as_admin(tenant).get(f"/io/card/{card.id}")
    assert api.json()["lane"]["id"] == str(lanes["Doing Now"].id)


async def test_signing_in_again_drops_the_previous_session(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client, _ = await signed_in(lanekit, tenant, tenant.admin.email)
    first = client.cookies["lanekit_session"]
    assert (await sign_in(client, tenant.admin.email)).status_code == 303
    assert client.cookies["lanekit_session"] != first
    replay = lanekit.client(tenant)
    replay.cookies.set("lanekit_session", first)
    assert (await replay.get("/boards")).status_code == 303
    assert (await client.get("/boards")).status_code == 200


async def test_sign_out_ends_the_session(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    token = client.cookies["lanekit_session"]
    out = await client.post("/sign-out", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    assert (await client.get("/boards")).status_code == 303
    # The old cookie, replayed, is dead too.
    replay = lanekit.client(tenant)
    replay.cookies.set("lanekit_session", token)
    assert (await replay.get("/boards")).status_code == 303


async def test_a_deactivated_users_session_is_refused_on_the_next_request(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        user = await lanekit.user(tenant, email=f"ann@{tenant.host}")
        client, _ = await signed_in(lanekit, tenant, user.email)
        assert (await client.get("/boards")).status_code == 200  # now remembered by the credential cache
        disabled = await lanekit.as_admin(tenant).patch(f"/io/user/{user.id}", json={"enabled": False})
        assert disabled.status_code == 200, disabled.text
        assert (await client.get("/boards")).headers["location"] == "/sign-in"
        fragment = await client.get("/boards", headers={"HX-Request": "true"})
        assert fragment.status_code == 401


async def test_a_deleted_users_session_is_refused(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        user = await lanekit.user(tenant, email=f"bo@{tenant.host}")
        client, _ = await signed_in(lanekit, tenant, user.email)
        assert (await client.get("/boards")).status_code == 200
        assert (await lanekit.as_admin(tenant).delete(f"/io/user/{user.id}")).status_code in (200, 204)
        assert (await client.get("/boards")).status_code == 303


async def test_another_accounts_board_is_not_found(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    other = await lanekit.tenant()
    board, _ = await setup_board(lanekit, other)
    client, _ = await signed_in(lanekit, tenant, tenant.admin.email)
    assert (await client.get(f"/board/{board.id}")).status_code == 404
    assert (await client.get(f"/board/{board.id}/version")).status_code == 404
    assert (await client.get(f"/board/{board.id}/lanes")).status_code == 404


async def test_the_board_page_shows_lanes_cards_wip_and_a_csp(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    doing = lanes["Doing Now"]
    admin = lanekit.as_admin(tenant)
    assert (
        await admin.patch(f"/io/board/{board.id}/lane/{doing.id}", json={"wipLimit": 1})
    ).status_code == 200
    async with lanekit.db.begin() as conn:
        await make_card(
            conn, board, by=tenant.admin, title="Blocked one", lane_id=doing.id, block_reason="vendor"
        )
        await make_card(
            conn,
            board,
            by=tenant.admin,
            title="Second",
            lane_id=doing.id,
            wip_override_comment="urgent",
            tags=["red"],
            custom_id="OPS-1",
        )
    client, _ = await signed_in(lanekit, tenant, tenant.admin.email)
    page = await client.get(f"/board/{board.id}")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP.split("script-src")[1].split(";")[0]
    html = page.text
    # No inline script and no inline event handler: the CSP would refuse them.
    assert "<script>" not in html and not re.search(r"<[^>]+\son[a-z]+=", html)
    assert re.search(rf'class="lane leaf over-limit[^"]*" data-lane-id="{doing.id}"', html)
    assert '<span class="wip over" title="cards / WIP limit">2 / 1</span>' in html
    assert "vendor" in html and "OPS-1" in html and ">red<" in html
    assert all(src.startswith("/ui/static/") for src in re.findall(r'<script src="([^"]+)"', html))
    version = await client.get(f"/board/{board.id}/version")
    assert version.status_code == 200 and version.json()["version"].isdigit()
    asset = await client.get("/ui/static/htmx-2.0.11.min.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")


async def test_hostile_titles_and_comments_are_inert(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, _ = await setup_board(lanekit, tenant)
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    async with lanekit.db.begin() as conn:
        card = await make_card(
            conn,
            board,
            by=tenant.admin,
            title=hostile,
            description='<p>ok</p><a href="javascript:alert(3)">x</a><script>alert(4)</script>',
        )
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    page = (await client.get(f"/board/{board.id}")).text
    assert hostile not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;" in page
    commented = await client.post(
        f"/card/{card.id}/comment",
        data={"text": 'Hello <script>alert(6)</script><a href="javascript:alert(7)">link</a>'},
        headers={"X-CSRF-Token": csrf},
    )
    assert commented.status_code == 200
    panel = commented.text
    assert "<script>" not in panel and "javascript:" not in panel
    assert "<p>ok</p>" in panel and "Hello" in panel


async def test_a_reader_sees_the_board_but_cannot_move_or_edit(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    reader = await lanekit.user(tenant, email=f"rita@{tenant.host}")
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, reader, "boardReader")
        card = await make_card(conn, board, by=tenant.admin)
    client, csrf = await signed_in(lanekit, tenant, reader.email)
    page = await client.get(f"/board/{board.id}")
    assert page.status_code == 200 and 'data-can-move="false"' in page.text
    move = {"cardId": str(card.id), "laneId": str(lanes["Doing Now"].id), "index": 0}
    refused = await client.post(f"/board/{board.id}/move", json=move, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
    assert refused.json()["wip"] is False
    edit = await client.post(f"/card/{card.id}/block", data={"reason": "no"}, headers={"X-CSRF-Token": csrf})
    assert edit.status_code == 403
    api = await lanekit.as_admin(tenant).get(f"/io/card/{card.id}")
    assert (
        api.json()["lane"]["id"] != str(lanes["Doing Now"].id)
        and api.json()["blockedStatus"]["isBlocked"] is False
    )


async def test_a_move_over_the_wip_limit_needs_a_reason_which_is_recorded(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    doing = lanes["Doing Now"]
    admin = lanekit.as_admin(tenant)
    assert (
        await admin.patch(f"/io/board/{board.id}/lane/{doing.id}", json={"wipLimit": 1})
    ).status_code == 200
    async with lanekit.db.begin() as conn:
        await make_card(conn, board, by=tenant.admin, lane_id=doing.id)
        card = await make_card(conn, board, by=tenant.admin)
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    move = {"cardId": str(card.id), "laneId": str(doing.id), "index": 1}
    refused = await client.post(f"/board/{board.id}/move", json=move, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    assert refused.json() == {
        "message": 'destination.laneId: lane "Doing Now" has a WIP limit of 1; '
        "send a non-empty wipOverrideComment to exceed it",
        "wip": True,
    }
    forced = await client.post(
        f"/board/{board.id}/move",
        json={**move, "wipOverrideComment": "Customer escalation"},
        headers={"X-CSRF-Token": csrf},
    )
    assert forced.status_code == 200
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                events.select().where(events.c.board_id == board.id, events.c.type == "laneWipExceeded")
            )
        ).all()
    assert [r.data["comment"] for r in rows] == ["Customer escalation"]
    assert (await admin.get(f"/io/card/{card.id}")).json()["lane"]["id"] == str(doing.id)


async def test_the_card_panel_edits_through_the_api_rules(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, board, by=tenant.admin, title="Before")
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    headers = {"X-CSRF-Token": csrf}
    panel = await client.get(f"/card/{card.id}", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "Before" in panel.text and "<html" not in panel.text
    opened = await client.get(f"/card/{card.id}")  # a link opened in a new tab: a whole page
    assert "<html" in opened.text and 'class="card-panel"' in opened.text and page_csrf(opened.text) == csrf
    edited = await client.post(
        f"/card/{card.id}",
        data={
            "title": "After",
            "description": "<b>bold</b>",
            "size": "3",
            "priority": "high",
            "tags": "a, b",
            "plannedStart": "2026-01-02",
            "plannedFinish": "2026-01-09",
        },
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    blocked = await client.post(f"/card/{card.id}/block", data={"reason": "waiting"}, headers=headers)
    assert blocked.status_code == 200
    assigned = await client.post(
        f"/card/{card.id}/assign", data={"userId": str(tenant.admin.id)}, headers=headers
    )
    assert assigned.status_code == 200
    task = await client.post(f"/card/{card.id}/task", data={"title": "step one"}, headers=headers)
    assert task.status_code == 200 and "step one" in task.text
    bad = await client.post(f"/card/{card.id}", data={"title": "", "size": "1"}, headers=headers)
    assert bad.status_code == 422
    api = (await lanekit.as_admin(tenant).get(f"/io/card/{card.id}")).json()
    assert (api["title"], api["size"], api["priority"], api["tags"]) == ("After", 3, "high", ["a", "b"])
    assert api["description"] == "<b>bold</b>"
    assert (api["plannedStart"], api["plannedFinish"]) == ("2026-01-02", "2026-01-09")
    assert api["blockedStatus"] == {
        "isBlocked": True,
        "reason": "waiting",
        "date": api["blockedStatus"]["date"],
    }
    assert [u["id"] for u in api["assignedUsers"]] == [str(tenant.admin.id)]
    created = await client.post(
        f"/board/{board.id}/card",
        data={"title": "New from the UI", "laneId": str(lanes["Approved"].id)},
        headers=headers,
    )
    assert created.status_code == 200 and "New from the UI" in created.text


async def test_a_lane_loads_its_cards_page_by_page(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    lane = lanes["Approved"]
    async with lanekit.db.begin() as conn:
        for i in range(65):
            await make_card(conn, board, by=tenant.admin, title=f"Card {i:02}", lane_id=lane.id)
    client, _ = await signed_in(lanekit, tenant, tenant.admin.email)
    page = (await client.get(f"/board/{board.id}")).text
    assert page.count('class="card"') == 60
    assert f"/board/{board.id}/lane/{lane.id}/cards?offset=60" in page
    more = await client.get(f"/board/{board.id}/lane/{lane.id}/cards?offset=60")
    assert more.text.count('class="card"') == 5
    assert f'<span id="more-{lane.id}" hx-swap-oob="true"></span>' in more.text


async def test_attachments_upload_download_and_delete(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, _ = await setup_board(lanekit, tenant)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, board, by=tenant.admin)
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    payload = b"%PDF-1.4 not really\n" * 100_000  # 2 MB: past the general body limit, streamed
    files = {"file": ("plan.pdf", payload, "application/pdf")}
    assert (await client.post(f"/card/{card.id}/attachment", files=files)).status_code == 403
    uploaded = await client.post(f"/card/{card.id}/attachment", files=files, headers={"X-CSRF-Token": csrf})
    assert uploaded.status_code == 200, uploaded.text
    link = re.search(rf'href="(/card/{card.id}/attachment/(\d+))" download>plan.pdf<', uploaded.text)
    assert link
    downloaded = await client.get(link.group(1))
    assert downloaded.status_code == 200 and downloaded.content == payload
    assert downloaded.headers["content-security-policy"] == "sandbox"
    listed = (await lanekit.as_admin(tenant).get(f"/io/card/{card.id}/attachment")).json()
    assert [a["name"] for a in listed["attachments"]] == ["plan.pdf"]
    deleted = await client.post(f"{link.group(1)}/delete", headers={"X-CSRF-Token": csrf})
    assert deleted.status_code == 200 and "No attachments" in deleted.text
    assert (await client.get(link.group(1))).status_code == 404


async def test_the_panel_links_parents_and_children_and_shows_the_history(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    async with lanekit.db.begin() as conn:
        parent = await make_card(conn, board, by=tenant.admin, title="Epic")
        child = await make_card(conn, board, by=tenant.admin, title="Story")
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    headers = {"X-CSRF-Token": csrf}
    linked = await client.post(
        f"/card/{parent.id}/connection", data={"otherId": str(child.id), "kind": "child"}, headers=headers
    )
    assert linked.status_code == 200 and 'class="connection child"' in linked.text and "Story" in linked.text
    children = (await lanekit.as_admin(tenant).get(f"/io/card/{parent.id}/connection/children")).json()
    assert [c["id"] for c in children["cards"]] == [str(child.id)]
    move = {"cardId": str(child.id), "laneId": str(lanes["Doing Now"].id), "index": 0}
    assert (await client.post(f"/board/{board.id}/move", json=move, headers=headers)).status_code == 200
    panel = (await client.get(f"/card/{child.id}")).text
    assert 'class="connection parent"' in panel and "Epic" in panel
    assert "card moved" in panel and "to Doing Now" in panel and "card created" in panel
    unlinked = await client.post(
        f"/card/{child.id}/connection",
        data={"otherId": str(parent.id), "kind": "parent", "action": "remove"},
        headers=headers,
    )
    assert "No linked cards" in unlinked.text


async def test_the_lanes_fragment_is_rendered_once_per_change(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, lanes = await setup_board(lanekit, tenant)
    client, _ = await signed_in(lanekit, tenant, tenant.admin.email)
    first = await client.get(f"/board/{board.id}/lanes")
    cache = lanekit.app.state.body_cache
    hits = cache.hits
    again = await client.get(f"/board/{board.id}/lanes")
    assert again.text == first.text and cache.hits == hits + 1
    assert again.headers["content-security-policy"] == CSP
    created = await lanekit.as_admin(tenant).post(
        "/io/card", json={"title": "Fresh from the API", "destination": {"laneId": str(lanes["Approved"].id)}}
    )
    assert created.status_code == 201
    assert "Fresh from the API" in (await client.get(f"/board/{board.id}/lanes")).text


async def test_tasks_are_added_and_moved_between_task_lanes(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board, _ = await setup_board(lanekit, tenant)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, board, by=tenant.admin)
    client, csrf = await signed_in(lanekit, tenant, tenant.admin.email)
    headers = {"X-CSRF-Token": csrf}
    added = await client.post(f"/card/{card.id}/task", data={"title": "Draft"}, headers=headers)
    task = re.search(r'data-task-id="(\d+)"', added.text)
    assert task
    lanes = dict(
        (title, lane)
        for lane, title in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', added.text)
    )
    doing = next(lane for title, lane in lanes.items() if title.lower().startswith("doing"))
    moved = await client.post(
        f"/card/{card.id}/task/{task.group(1)}/move", data={"laneId": doing}, headers=headers
    )
    assert moved.status_code == 200
    taskboard = (await lanekit.as_admin(tenant).get(f"/io/card/{card.id}/tasks")).json()
    assert [(t["title"], t["laneId"]) for t in taskboard["cards"]] == [("Draft", doing)]


async def test_scim_deactivation_ends_a_session_held_by_another_process(lanekit: Lanekit) -> None:
    """Two app instances on one database stand for two server processes (as tests/scim/test_deprovisioning.py
    does for API credentials): the browser's session lives in one, the identity provider calls the other."""
    other = Lanekit(lanekit.settings)
    try:
        async with running(lanekit), running(other):
            tenant = await lanekit.tenant()
            idp = lanekit.as_admin(tenant)
            created = await idp.post(
                "/io/scim/v1/Users",
                json={"userName": f"leaver@{tenant.host}", "name": {"givenName": "L", "familyName": "Eaver"}}
                | {"password": "Provisioned-passw0rd!"},
            )
            assert created.status_code == 201, created.text
            client, _ = await signed_in(other, tenant, f"leaver@{tenant.host}", "Provisioned-passw0rd!")
            for _ in range(2):  # remembered by the other process's credential cache
                assert (await client.get("/boards")).status_code == 200
            user_url = f"/io/scim/v1/Users/{created.json()['id']}"
            assert (await idp.patch(user_url, json={"active": False})).status_code == 200
            deadline = time.monotonic() + 1.0
            while (answer := (await client.get("/boards")).status_code) != 303:
                assert time.monotonic() < deadline, f"the other process still answers {answer}"
                await asyncio.sleep(0.02)
    finally:
        await other.close()
